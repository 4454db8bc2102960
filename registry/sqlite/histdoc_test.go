package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/internal/store"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

func sampleHistories() []store.History {
	d := func(b byte) (x [32]byte) {
		for i := range x {
			x[i] = b + byte(i)
		}
		return x
	}
	many := store.History{Cert: store.Cert{Number: "M", Version: 40, Revision: 300, Status: "revoked", Reason: "fraud \"quoted\"\n中文",
		BodyID: "B", Scheme: "CCC", ValidFrom: -1, ValidUntil: 0, Products: "a\nb", Updated: 1 << 60}}
	for v := 1; v <= 40; v++ {
		many.Versions = append(many.Versions, store.Version{Number: "M", Version: v, Digest: d(byte(v)), JSON: bytes.Repeat([]byte{'x'}, v*100), Created: int64(v) * -7})
	}
	for s := uint64(0); s < 300; s++ {
		many.Events = append(many.Events, store.Event{Seq: s << 40, Number: "M", Leaf: []byte(strings.Repeat("l", int(s%5)+1))})
	}
	return []store.History{
		{Cert: store.Cert{Number: "N1", Version: 1, Revision: 1, Status: "valid", BodyID: "CNCA", Scheme: "CCC", ValidFrom: 1700000000000000, ValidUntil: 1900000000000000, Updated: 1700000000000001},
			Versions: []store.Version{{Number: "N1", Version: 1, Digest: d(1), JSON: []byte(`{"number":"N1"}`), Created: 1700000000000001}},
			Events:   []store.Event{{Seq: 0, Number: "N1", Leaf: []byte(`{"type":"issue"}`)}}},
		{Cert: store.Cert{Number: "empty"}},
		many,
	}
}

var equateEmpty = cmpopts.EquateEmpty()

func TestHistDocRoundTrip(t *testing.T) {
	for _, h := range sampleHistories() {
		doc := appendHistDoc([]byte("prefix"), &h)[len("prefix"):]
		got, err := decodeHistDoc(h.Cert.Number, doc)
		if err != nil {
			t.Fatalf("%s: %v", h.Cert.Number, err)
		}
		if diff := cmp.Diff(h, got, equateEmpty); diff != "" {
			t.Errorf("%s (-want +got):\n%s", h.Cert.Number, diff)
		}
		if again := appendHistDoc(nil, &got); !bytes.Equal(again, doc) {
			t.Errorf("%s: re-encoding differs", h.Cert.Number)
		}
	}
}

// Every truncation, a wrong format and trailing bytes are errors (not
// panics), and so are counts larger than the document could hold.
func TestHistDocDamaged(t *testing.T) {
	for _, h := range sampleHistories() {
		doc := appendHistDoc(nil, &h)
		for n := 0; n < len(doc); n++ {
			if _, err := decodeHistDoc("x", doc[:n]); !errors.Is(err, errHistDoc) {
				t.Fatalf("%s cut to %d of %d bytes: err = %v", h.Cert.Number, n, len(doc), err)
			}
		}
		for _, bad := range [][]byte{append([]byte{2}, doc[1:]...), append(bytes.Clone(doc), 0)} {
			if _, err := decodeHistDoc("x", bad); !errors.Is(err, errHistDoc) {
				t.Errorf("%s: damaged document decoded: %v", h.Cert.Number, err)
			}
		}
	}
	huge := []byte{histFormat, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07}
	if _, err := decodeHistDoc("x", huge); !errors.Is(err, errHistDoc) {
		t.Errorf("a count of 2^31-1 versions in a short document: err = %v", err)
	}
}

func FuzzHistDoc(f *testing.F) {
	for _, h := range sampleHistories() {
		f.Add(appendHistDoc(nil, &h))
	}
	f.Add([]byte{histFormat})
	f.Fuzz(func(t *testing.T, doc []byte) {
		h, err := decodeHistDoc("n", doc)
		if err != nil {
			if !errors.Is(err, errHistDoc) {
				t.Fatalf("error %v is not errHistDoc", err)
			}
			return
		}
		// A document that decodes is the one encoding of what it holds.
		if again := appendHistDoc(nil, &h); !bytes.Equal(again, doc) {
			t.Fatalf("re-encoding differs:\n%x\n%x", doc, again)
		}
	})
}

// mustOpenStore opens the registry file at path as a store; the caller
// closes it.
func mustOpenStore(t *testing.T, path string) *sqliteStore {
	t.Helper()
	s, err := openStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// registryHistories reads the histories of the first n generated
// certificates from the registry file at path.
func registryHistories(t *testing.T, path string, n int) []store.History {
	t.Helper()
	ctx := context.Background()
	s := mustOpenStore(t, path)
	defer s.Close()
	out := make([]store.History, n)
	for i := range out {
		var err error
		if out[i], err = s.History(ctx, registrytest.GenNumber(i)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkHistories checks that every history document in the registry
// file at path holds what the three tables hold.
func checkHistories(t *testing.T, path string) (docs int) {
	t.Helper()
	ctx := context.Background()
	s := mustOpenStore(t, path)
	defer s.Close()
	rows, err := s.r.QueryContext(ctx, "SELECT number, doc FROM history ORDER BY number")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var number string
		var doc []byte
		if err := rows.Scan(&number, &doc); err != nil {
			t.Fatal(err)
		}
		docs++
		got, err := decodeHistDoc(number, doc)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.tableHistory(ctx, number)
		if err != nil {
			t.Fatalf("%s: %v", number, err)
		}
		if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
			t.Errorf("history document of %s differs from the tables (-tables +document):\n%s", number, diff)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return docs
}

// countRows counts the rows of table in the registry file at path.
func countRows(t *testing.T, path, table string) int {
	t.Helper()
	s := mustOpenStore(t, path)
	defer s.Close()
	var n int
	if err := s.r.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The conformance suite's registries (every lifecycle change, conflicts,
// concurrent writers, idempotent retries, expiry, bodies) end with a
// history document for every certificate, equal to its rows.
func TestHistoriesFollowConformance(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	t.Run("suite", func(t *testing.T) {
		registrytest.Run(t, func(t *testing.T, opts registry.Options) *registry.Registry {
			path := filepath.Join(t.TempDir(), "registry.db")
			reg, err := Open(context.Background(), path, opts)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			paths = append(paths, path)
			mu.Unlock()
			t.Cleanup(func() {
				reg.Close()
				if docs, certs := checkHistories(t, path), countRows(t, path, "certs"); docs != certs {
					t.Errorf("%d history documents for %d certificates", docs, certs)
				}
			})
			return reg
		})
	})
	if len(paths) == 0 {
		t.Fatal("the suite opened no registry")
	}
}

// Imports that issue, modify and change the status of certificates in
// one batch, across batches and across imports keep the documents in
// step with the rows.
func TestHistoriesFollowImport(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	reg, err := Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	line := func(buf *bytes.Buffer, c *ecert.Certificate) {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	var first, second bytes.Buffer
	first.WriteString(`{"body":` + mustJSON(t, registrytest.GenBody()) + "}\n")
	latest := map[int]*ecert.Certificate{}
	for i := range 60 {
		c := registrytest.Gen(i)
		latest[i] = c
		if i%3 == 0 { // modified in the same import, often the same batch
			line(&first, c)
			v2 := c.NewVersion()
			v2.Holder.Name = ecert.Text{"en": "Renamed " + c.Number}
			latest[i] = v2
		}
		if i%5 == 0 { // and suspended (an event after the version)
			latest[i].Status = ecert.StatusSuspended
		}
		line(&first, latest[i])
	}
	for i := 4; i < 60; i += 4 { // changed by a later import
		if i%5 == 0 {
			continue // suspended: cannot be modified
		}
		v := latest[i].NewVersion()
		v.Holder.Name = ecert.Text{"en": "Again " + v.Number}
		if i%8 == 0 {
			v.Status = ecert.StatusRevoked
		}
		line(&second, v)
	}
	for _, in := range []*bytes.Buffer{&first, &second} {
		if _, err := reg.Import(ctx, in, registry.ImportOptions{BatchSize: 7}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.Suspend(ctx, registrytest.GenNumber(1), registry.Change{Reason: "audit", Actor: "tester"}); err != nil {
		t.Fatal(err)
	}
	if docs := checkHistories(t, path); docs != 60 {
		t.Errorf("%d history documents; want 60", docs)
	}
	h, err := reg.History(ctx, registrytest.GenNumber(24))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 3 || h.Versions[2].Status != ecert.StatusRevoked {
		t.Errorf("certificate 24: %d versions, current %s; want 3, revoked", len(h.Versions), h.Versions[len(h.Versions)-1].Status)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Numbers whose keys collide: the first to be recorded keeps the
// document, the others are read from the three tables, and every
// history stays right through changes and compaction.
func TestHistoryKeyCollision(t *testing.T) {
	orig := histKey
	histKey = func(n string) int64 { return int64(len(n)) } // every generated number collides
	defer func() { histKey = orig }()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "registry.db")
	reg, err := Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	registrytest.WriteJSONL(&buf, 0, 30)
	if _, err := reg.Import(ctx, &buf, registry.ImportOptions{BatchSize: 7}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 5} {
		if _, err := reg.Suspend(ctx, registrytest.GenNumber(i), registry.Change{Reason: "audit"}); err != nil {
			t.Fatal(err)
		}
	}
	reg.Close()
	want := make([]store.History, 30)
	func() {
		s := mustOpenStore(t, path)
		defer s.Close()
		for i := range want {
			if want[i], err = s.tableHistory(ctx, registrytest.GenNumber(i)); err != nil {
				t.Fatal(err)
			}
		}
	}()
	dst := filepath.Join(dir, "compact.db")
	if err := Compact(ctx, path, dst); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, dst} {
		if docs := checkHistories(t, p); docs != 1 {
			t.Errorf("%s: %d history documents; want 1 (all keys collide)", filepath.Base(p), docs)
		}
		if diff := cmp.Diff(want, registryHistories(t, p, 30), equateEmpty); diff != "" {
			t.Errorf("%s: histories differ from the tables (-tables +History):\n%s", filepath.Base(p), diff)
		}
	}
	if got := registryHistories(t, path, 1)[0]; got.Cert.Status != "suspended" {
		t.Errorf("certificate 0 (the one with the document): status %q after Suspend", got.Cert.Status)
	}
}

func TestHistKey(t *testing.T) {
	for _, n := range []string{"1", "2024000000000000", "999999999999999999"} {
		v, _ := decimalKey(n)
		if got := histKey(n); got != v || got <= 0 || fmt.Sprint(got) != n {
			t.Errorf("histKey(%q) = %d; want the number's value", n, got)
		}
	}
	seen := map[int64]string{}
	for _, n := range []string{"", "0123", "123a", "CQC2024-001", "1000000000000000000", "中国2024", "-5", "+5"} {
		k := histKey(n)
		if k >= 0 {
			t.Errorf("histKey(%q) = %d; want a negative (hash) key", n, k)
		}
		if k != histKey(n) {
			t.Errorf("histKey(%q) is not stable", n)
		}
		if o, dup := seen[k]; dup {
			t.Errorf("histKey(%q) = histKey(%q)", n, o)
		}
		seen[k] = n
	}
	if histKey("2024000000000001") <= histKey("2024000000000000") {
		t.Error("decimal numbers do not keep their order")
	}
}
