package store

import (
	"cmp"
	"fmt"
	"slices"
)

// Rows is what the back ends' query results have in common
// (database/sql's *Rows and pgx's Rows).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// DigestOf converts a stored digest column to its array, refusing a
// column of the wrong length.
func DigestOf(b []byte) ([32]byte, error) {
	var d [32]byte
	if len(b) != 32 {
		return d, fmt.Errorf("stored digest has %d bytes", len(b))
	}
	copy(d[:], b)
	return d, nil
}

// ScanHistory reads the rows of a back end's one-statement history query
// for number. Each row has 13 columns: a kind (0 the certificate's row,
// 1 a version, 2 an event), two integers (version and revision; version
// and created; sequence), the certificate's status, reason, body,
// scheme, products, validity and update time (kind 0 only), a digest
// (kind 1) and a blob (a version's JSON or an event's leaf), in any
// order: versions and events are sorted here, so that a back end need
// not sort (SQLite's ORDER BY on the compound query cost two temporary
// B-trees per lookup). It returns ErrNotFound when there is no
// certificate row.
func ScanHistory(rows Rows, number string) (History, error) {
	var h History
	found := false
	for rows.Next() {
		var kind int
		var n, a int64
		var c Cert
		var d, b []byte
		if err := rows.Scan(&kind, &n, &a, &c.Status, &c.Reason, &c.BodyID, &c.Scheme, &c.Products, &c.ValidFrom, &c.ValidUntil, &c.Updated, &d, &b); err != nil {
			return h, err
		}
		switch kind {
		case 0:
			c.Number, c.Version, c.Revision = number, int(n), int(a)
			h.Cert, found = c, true
		case 1:
			v := Version{Number: number, Version: int(n), JSON: b, Created: a}
			var err error
			if v.Digest, err = DigestOf(d); err != nil {
				return h, err
			}
			h.Versions = append(h.Versions, v)
		case 2:
			h.Events = append(h.Events, Event{Seq: uint64(n), Number: number, Leaf: b})
		}
	}
	if err := rows.Err(); err != nil {
		return h, err
	}
	if !found {
		return h, ErrNotFound
	}
	if !slices.IsSortedFunc(h.Versions, byVersion) {
		slices.SortFunc(h.Versions, byVersion)
	}
	if !slices.IsSortedFunc(h.Events, bySeq) {
		slices.SortFunc(h.Events, bySeq)
	}
	return h, nil
}

func byVersion(a, b Version) int { return cmp.Compare(a.Version, b.Version) }

func bySeq(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) }
