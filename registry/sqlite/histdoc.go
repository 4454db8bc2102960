package sqlite

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/ecertkit/ecertkit/registry/internal/store"
)

// The history table holds, for each certificate, everything History
// returns (its row, every version and every event) as one binary
// document, so that the public lookup reads one row with one B-tree
// descent instead of four (the certificate's row, its versions, the
// events index and the events). It is a copy: the certs, versions and
// events tables stay the record, and Write keeps the copy in step in
// the same transaction. A certificate without a history row (a registry
// created before schema version 3) is read from the three tables, and
// gets its row on its next change or from Compact.
//
// Rows are keyed by histKey(number) and hold the number: a number whose
// key is taken by another number (a collision of 62-bit hashes, about
// one in 10^12 for 3 million numbers that are not decimal) gets no
// document and is always read from the three tables.
//
// The document, all integers unsigned varints unless noted:
//
//	format (1 byte, histFormat)
//	version, revision
//	status, reason, body, scheme, products (each: length, bytes)
//	validFrom, validUntil, updated (signed varints)
//	count of versions, then each: version, created (signed varint),
//	  digest (32 bytes), JSON (length, bytes)
//	count of events, then each: sequence, leaf (length, bytes)
//
// Versions are in version order and events in sequence order.
const histFormat = 1

// histKey is the history row key of a certificate number: the number's
// value when it is a decimal number of 1 to 18 digits without a leading
// zero (CCC numbers have 16), so that certificates issued in number
// order are appended to the table, and otherwise a negative key from its
// 64-bit FNV-1a hash (random inserts: an import writes most of its
// batch's pages). It is stored: changing it needs a schema migration. A
// variable so that tests can make keys collide.
var histKey = func(number string) int64 {
	if v, ok := decimalKey(number); ok {
		return v
	}
	h := fnv.New64a()
	h.Write([]byte(number))
	return -1 - int64(h.Sum64()>>2)
}

// decimalKey returns the value of a decimal number of 1 to 18 digits
// with no leading zero.
func decimalKey(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// errHistDoc reports a history document that does not decode: a
// damaged file or a program that wrote another format.
var errHistDoc = errors.New("sqlite: damaged history document")

// appendHistDoc appends h's document to dst. h's versions and events
// must be sorted.
func appendHistDoc(dst []byte, h *store.History) []byte {
	c := &h.Cert
	dst = append(dst, histFormat)
	dst = binary.AppendUvarint(dst, uint64(c.Version))
	dst = binary.AppendUvarint(dst, uint64(c.Revision))
	for _, s := range [...]string{c.Status, c.Reason, c.BodyID, c.Scheme, c.Products} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.AppendVarint(dst, c.ValidFrom)
	dst = binary.AppendVarint(dst, c.ValidUntil)
	dst = binary.AppendVarint(dst, c.Updated)
	dst = binary.AppendUvarint(dst, uint64(len(h.Versions)))
	for i := range h.Versions {
		v := &h.Versions[i]
		dst = binary.AppendUvarint(dst, uint64(v.Version))
		dst = binary.AppendVarint(dst, v.Created)
		dst = append(dst, v.Digest[:]...)
		dst = binary.AppendUvarint(dst, uint64(len(v.JSON)))
		dst = append(dst, v.JSON...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(h.Events)))
	for i := range h.Events {
		e := &h.Events[i]
		dst = binary.AppendUvarint(dst, e.Seq)
		dst = binary.AppendUvarint(dst, uint64(len(e.Leaf)))
		dst = append(dst, e.Leaf...)
	}
	return dst
}

// histReader decodes a document; the first problem sticks in err.
type histReader struct {
	b   []byte
	err error
}

func (r *histReader) fail() {
	if r.err == nil {
		r.err = errHistDoc
	}
	r.b = nil
}

func (r *histReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *histReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// int reads a non-negative int that fits an int32 (versions,
// revisions, counts).
func (r *histReader) int() int {
	v := r.uvarint()
	if v > 1<<31-1 {
		r.fail()
		return 0
	}
	return int(v)
}

// bytes returns the next n bytes, aliasing the document.
func (r *histReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *histReader) blob() []byte { return r.bytes(r.uvarint()) }

func (r *histReader) string() string { return string(r.blob()) }

// decodeHistDoc decodes the document of certificate number. The
// versions' JSON and the events' leaves alias doc.
func decodeHistDoc(number string, doc []byte) (store.History, error) {
	var h store.History
	if len(doc) == 0 || doc[0] != histFormat {
		return h, fmt.Errorf("%w for %s: format %v", errHistDoc, number, doc[:min(len(doc), 1)])
	}
	r := &histReader{b: doc[1:]}
	c := &h.Cert
	c.Number = number
	c.Version, c.Revision = r.int(), r.int()
	c.Status, c.Reason, c.BodyID, c.Scheme, c.Products = r.string(), r.string(), r.string(), r.string(), r.string()
	c.ValidFrom, c.ValidUntil, c.Updated = r.varint(), r.varint(), r.varint()
	// A count is bounded by the bytes left (each entry takes at least
	// 35 or 2), so that a damaged count cannot make a huge allocation.
	if n := r.int(); n <= len(r.b)/35 {
		h.Versions = make([]store.Version, n)
	} else {
		r.fail()
	}
	for i := range h.Versions {
		v := &h.Versions[i]
		v.Number, v.Version, v.Created = number, r.int(), r.varint()
		copy(v.Digest[:], r.bytes(32))
		v.JSON = r.blob()
	}
	if n := r.int(); n <= len(r.b)/2 {
		h.Events = make([]store.Event, n)
	} else {
		r.fail()
	}
	for i := range h.Events {
		e := &h.Events[i]
		e.Seq, e.Number, e.Leaf = r.uvarint(), number, r.blob()
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	if r.err != nil {
		return store.History{}, fmt.Errorf("%w for %s", r.err, number)
	}
	return h, nil
}

// newHistories builds the history of each certificate that w creates
// (in w.NewCerts): all its rows are in w, so nothing is read. docs[i] is
// NewCerts[i]'s; the documents share one buffer.
func newHistories(w *store.Writes) (docs [][]byte) {
	if len(w.NewCerts) == 0 {
		return nil
	}
	type parts struct {
		cert     *store.Cert
		versions []store.Version
		events   []store.Event
	}
	idx := make(map[string]*parts, len(w.NewCerts))
	all := make([]parts, len(w.NewCerts))
	for i := range w.NewCerts {
		all[i].cert = &w.NewCerts[i]
		idx[w.NewCerts[i].Number] = &all[i]
	}
	// A certificate created and changed in the same writes has its last
	// state in UpdatedCerts.
	for i := range w.UpdatedCerts {
		if p, ok := idx[w.UpdatedCerts[i].Number]; ok {
			p.cert = &w.UpdatedCerts[i]
		}
	}
	for _, v := range w.Versions {
		if p, ok := idx[v.Number]; ok {
			p.versions = append(p.versions, v)
		}
	}
	for _, e := range w.Events {
		if p, ok := idx[e.Number]; ok {
			p.events = append(p.events, e)
		}
	}
	// One buffer for all the documents, sized up front: growing it by
	// appending cost more than encoding.
	size := 0
	for i := range all {
		p := &all[i]
		size += 64 + len(p.cert.Status) + len(p.cert.Reason) + len(p.cert.BodyID) + len(p.cert.Scheme) + len(p.cert.Products)
		for _, v := range p.versions {
			size += 64 + len(v.JSON)
		}
		for _, e := range p.events {
			size += 16 + len(e.Leaf)
		}
	}
	buf := make([]byte, 0, size)
	docs = make([][]byte, len(all))
	for i := range all {
		p := &all[i]
		h := store.History{Cert: *p.cert, Versions: p.versions, Events: p.events}
		slices.SortFunc(h.Versions, func(a, b store.Version) int { return cmp.Compare(a.Version, b.Version) })
		slices.SortFunc(h.Events, func(a, b store.Event) int { return cmp.Compare(a.Seq, b.Seq) })
		start := len(buf)
		buf = appendHistDoc(buf, &h)
		docs[i] = buf[start:len(buf):len(buf)]
	}
	return docs
}
