package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// fakeRows returns rows of ScanHistory's 13 columns.
type fakeRows struct {
	rows [][]any
	i    int
}

func (r *fakeRows) Next() bool { r.i++; return r.i <= len(r.rows) }
func (r *fakeRows) Err() error { return nil }
func (r *fakeRows) Scan(dest ...any) error {
	row := r.rows[r.i-1]
	if len(dest) != len(row) {
		return fmt.Errorf("%d columns, want %d", len(dest), len(row))
	}
	for i, v := range row {
		reflect.ValueOf(dest[i]).Elem().Set(reflect.ValueOf(v))
	}
	return nil
}

func historyRow(kind int, n, a int64, d, b []byte) []any {
	return []any{kind, n, a, "valid", "", "B", "ccc", "", int64(0), int64(0), int64(0), d, b}
}

// A back end may return the rows in any order (SQLite's query has no
// ORDER BY): versions and events come out sorted all the same.
func TestScanHistoryOrder(t *testing.T) {
	d := make([]byte, 32)
	rows := &fakeRows{rows: [][]any{
		historyRow(2, 9, 0, nil, []byte("e9")),
		historyRow(1, 2, 200, d, []byte("v2")),
		historyRow(0, 2, 3, nil, nil),
		historyRow(2, 4, 0, nil, []byte("e4")),
		historyRow(1, 1, 100, d, []byte("v1")),
		historyRow(2, 7, 0, nil, []byte("e7")),
	}}
	h, err := ScanHistory(rows, "N1")
	if err != nil {
		t.Fatal(err)
	}
	if h.Cert.Number != "N1" || h.Cert.Version != 2 || h.Cert.Revision != 3 {
		t.Errorf("cert = %+v", h.Cert)
	}
	var vs []int
	for _, v := range h.Versions {
		vs = append(vs, v.Version)
	}
	var es []uint64
	for _, e := range h.Events {
		es = append(es, e.Seq)
	}
	if !reflect.DeepEqual(vs, []int{1, 2}) || !reflect.DeepEqual(es, []uint64{4, 7, 9}) {
		t.Errorf("versions %v, events %v: want [1 2] and [4 7 9]", vs, es)
	}
	if string(h.Versions[0].JSON) != "v1" || string(h.Events[2].Leaf) != "e9" {
		t.Errorf("rows moved without their blobs")
	}
	if _, err := ScanHistory(&fakeRows{rows: [][]any{historyRow(1, 1, 0, d, nil)}}, "N2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no certificate row: %v, want ErrNotFound", err)
	}
}
