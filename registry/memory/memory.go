// Package memory is a registry back end that keeps everything in memory:
// for tests, examples and short-lived tools. Nothing survives Close.
//
//	reg := memory.New(registry.Options{})
package memory

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/internal/store"
)

// New returns an empty in-memory registry.
func New(opts registry.Options) *registry.Registry {
	return registry.New(newStore(), opts)
}

type memStore struct {
	mu sync.RWMutex
	d  *data
}

type data struct {
	certs    map[string]store.Cert
	versions map[string][]store.Version
	events   []store.Event
	byNumber map[string][]uint64
	terms    map[string][]store.Term
	nodes    map[uint64][]byte
	requests map[string]store.Request
	bodies   map[string]store.Body
	seals    map[[32]byte]store.SealCert
}

func newStore() *memStore {
	return &memStore{d: &data{
		certs: map[string]store.Cert{}, versions: map[string][]store.Version{}, byNumber: map[string][]uint64{},
		terms: map[string][]store.Term{}, nodes: map[uint64][]byte{}, requests: map[string]store.Request{},
		bodies: map[string]store.Body{}, seals: map[[32]byte]store.SealCert{},
	}}
}

func (s *memStore) Close() error { return nil }

func (s *memStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &memTx{reader: reader{d: s.d}}
	if err := fn(tx); err != nil {
		return err
	}
	if tx.w == nil {
		return nil
	}
	return s.d.apply(tx.w)
}

type memTx struct {
	reader
	w *store.Writes
}

func (t *memTx) Write(ctx context.Context, w *store.Writes) error {
	if t.w != nil {
		panic("memory: Write called twice in one transaction")
	}
	t.w = w
	return nil
}

// apply checks every constraint first, so that it changes all or nothing.
func (d *data) apply(w *store.Writes) error {
	for _, c := range w.NewCerts {
		if _, ok := d.certs[c.Number]; ok {
			return store.ErrDuplicate
		}
	}
	for _, v := range w.Versions {
		if len(d.versions[v.Number]) >= v.Version {
			return store.ErrDuplicate
		}
	}
	for i, e := range w.Events {
		if e.Seq != uint64(len(d.events)+i) {
			return store.ErrDuplicate
		}
	}
	for _, q := range w.Requests {
		if _, ok := d.requests[q.Key]; ok {
			return store.ErrDuplicate
		}
	}
	for _, c := range w.NewCerts {
		d.certs[c.Number] = c
	}
	for _, c := range w.UpdatedCerts {
		d.certs[c.Number] = c
	}
	for _, v := range w.Versions {
		v.JSON = slices.Clone(v.JSON)
		d.versions[v.Number] = append(d.versions[v.Number], v)
	}
	for _, e := range w.Events {
		e.Leaf = slices.Clone(e.Leaf)
		d.events = append(d.events, e)
		if e.Number != "" {
			d.byNumber[e.Number] = append(d.byNumber[e.Number], e.Seq)
		}
	}
	for _, t := range w.DeleteTerms {
		d.terms[t.Number] = slices.DeleteFunc(d.terms[t.Number], func(x store.Term) bool { return x == t })
	}
	for _, t := range w.Terms {
		d.terms[t.Number] = append(d.terms[t.Number], t)
	}
	for _, n := range w.Nodes {
		d.nodes[n.ID] = slices.Clone(n.Hash)
	}
	for _, q := range w.Requests {
		d.requests[q.Key] = q
	}
	for _, b := range w.Bodies {
		d.bodies[b.ID] = b
	}
	for _, s := range w.SealCerts {
		d.seals[s.SPKI] = s
	}
	return nil
}

// reader reads from d; the caller holds the lock.
type reader struct{ d *data }

func (s *memStore) r() (reader, func()) {
	s.mu.RLock()
	return reader{d: s.d}, s.mu.RUnlock
}

func (r reader) Cert(ctx context.Context, number string) (store.Cert, error) {
	c, ok := r.d.certs[number]
	if !ok {
		return c, store.ErrNotFound
	}
	return c, nil
}

func (r reader) Current(ctx context.Context, number string) (store.Current, error) {
	c, ok := r.d.certs[number]
	if !ok {
		return store.Current{}, store.ErrNotFound
	}
	return store.Current{Cert: c, Version: r.d.versions[number][c.Version-1]}, nil
}

func (r reader) Version(ctx context.Context, number string, v int) (store.Version, error) {
	vs := r.d.versions[number]
	if v < 1 || v > len(vs) {
		return store.Version{}, store.ErrNotFound
	}
	return vs[v-1], nil
}

func (r reader) Versions(ctx context.Context, number string) ([]store.Version, error) {
	return slices.Clone(r.d.versions[number]), nil
}

func (r reader) VersionByDigest(ctx context.Context, number string, d [32]byte) (int, error) {
	vs := r.d.versions[number]
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Digest == d {
			return vs[i].Version, nil
		}
	}
	return 0, store.ErrNotFound
}

func (r reader) Check(ctx context.Context, number string, d [32]byte) (store.Cert, int, error) {
	c, err := r.Cert(ctx, number)
	if err != nil {
		return c, 0, err
	}
	v, err := r.VersionByDigest(ctx, number, d)
	if err == store.ErrNotFound {
		return c, 0, nil
	}
	return c, v, err
}

func (r reader) Events(ctx context.Context, number string) ([]store.Event, error) {
	var es []store.Event
	for _, i := range r.d.byNumber[number] {
		es = append(es, r.d.events[i])
	}
	return es, nil
}

func (r reader) History(ctx context.Context, number string) (store.History, error) {
	c, err := r.Cert(ctx, number)
	if err != nil {
		return store.History{}, err
	}
	vs, _ := r.Versions(ctx, number)
	es, _ := r.Events(ctx, number)
	return store.History{Cert: c, Versions: vs, Events: es}, nil
}

func (r reader) Search(ctx context.Context, q store.Query) ([]store.Current, error) {
	numbers := make([]string, 0, len(r.d.certs))
	for n := range r.d.certs {
		if n > q.After {
			numbers = append(numbers, n)
		}
	}
	sort.Strings(numbers)
	var out []store.Current
	for _, n := range numbers {
		c := r.d.certs[n]
		if !r.match(q, c) {
			continue
		}
		out = append(out, store.Current{Cert: c, Version: r.d.versions[n][c.Version-1]})
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

func (r reader) match(q store.Query, c store.Cert) bool {
	hasTerm := func(kind, prefix string) bool {
		for _, t := range r.d.terms[c.Number] {
			if t.Kind == kind && strings.HasPrefix(t.Term, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case q.HolderPrefix != "" && !hasTerm("h", q.HolderPrefix),
		q.ManufacturerPrefix != "" && !hasTerm("m", q.ManufacturerPrefix),
		q.ProductText != "" && !strings.Contains(c.Products, q.ProductText),
		q.BodyID != "" && c.BodyID != q.BodyID,
		q.Scheme != "" && c.Scheme != q.Scheme,
		q.ValidTo != 0 && c.ValidFrom >= q.ValidTo,
		q.ValidFrom != 0 && c.ValidUntil != 0 && c.ValidUntil <= q.ValidFrom:
		return false
	}
	if q.Status != "" {
		live := c.ValidUntil == 0 || c.ValidUntil > q.Now
		switch q.Status {
		case "valid", "suspended":
			return c.Status == q.Status && live
		case "expired":
			return (c.Status == "valid" || c.Status == "suspended") && !live
		default:
			return c.Status == q.Status
		}
	}
	return true
}

func (r reader) Body(ctx context.Context, id string) (store.Body, error) {
	b, ok := r.d.bodies[id]
	if !ok {
		return b, store.ErrNotFound
	}
	return b, nil
}

func (r reader) Bodies(ctx context.Context) ([]store.Body, error) {
	var out []store.Body
	for _, b := range r.d.bodies {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (r reader) SealCert(ctx context.Context, spki [32]byte) (store.SealCert, error) {
	s, ok := r.d.seals[spki]
	if !ok {
		return s, store.ErrNotFound
	}
	return s, nil
}

func (r reader) SealCerts(ctx context.Context, bodyID string) ([]store.SealCert, error) {
	var out []store.SealCert
	for _, s := range r.d.seals {
		if s.BodyID == bodyID {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Added != out[j].Added {
			return out[i].Added < out[j].Added
		}
		return string(out[i].SPKI[:]) < string(out[j].SPKI[:])
	})
	return out, nil
}

func (r reader) Request(ctx context.Context, key string) (store.Request, error) {
	q, ok := r.d.requests[key]
	if !ok {
		return q, store.ErrNotFound
	}
	return q, nil
}

func (r reader) LogSize(ctx context.Context) (uint64, error) { return uint64(len(r.d.events)), nil }

func (r reader) Nodes(ctx context.Context, ids []uint64) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := r.d.nodes[id]
		if !ok {
			return nil, store.ErrNotFound
		}
		out[i] = slices.Clone(h)
	}
	return out, nil
}

func (r reader) Leaves(ctx context.Context, start, end uint64) ([]store.Event, error) {
	n := uint64(len(r.d.events))
	if start >= n || end <= start {
		return nil, nil
	}
	return slices.Clone(r.d.events[start:min(end, n)]), nil
}

// The store's own Reader methods take the read lock.

func (s *memStore) Cert(ctx context.Context, n string) (store.Cert, error) {
	r, done := s.r()
	defer done()
	return r.Cert(ctx, n)
}
func (s *memStore) Current(ctx context.Context, n string) (store.Current, error) {
	r, done := s.r()
	defer done()
	return r.Current(ctx, n)
}
func (s *memStore) Version(ctx context.Context, n string, v int) (store.Version, error) {
	r, done := s.r()
	defer done()
	return r.Version(ctx, n, v)
}
func (s *memStore) Versions(ctx context.Context, n string) ([]store.Version, error) {
	r, done := s.r()
	defer done()
	return r.Versions(ctx, n)
}
func (s *memStore) VersionByDigest(ctx context.Context, n string, d [32]byte) (int, error) {
	r, done := s.r()
	defer done()
	return r.VersionByDigest(ctx, n, d)
}
func (s *memStore) Check(ctx context.Context, n string, d [32]byte) (store.Cert, int, error) {
	r, done := s.r()
	defer done()
	return r.Check(ctx, n, d)
}
func (s *memStore) Events(ctx context.Context, n string) ([]store.Event, error) {
	r, done := s.r()
	defer done()
	return r.Events(ctx, n)
}
func (s *memStore) History(ctx context.Context, n string) (store.History, error) {
	r, done := s.r()
	defer done()
	return r.History(ctx, n)
}

func (s *memStore) Search(ctx context.Context, q store.Query) ([]store.Current, error) {
	r, done := s.r()
	defer done()
	return r.Search(ctx, q)
}
func (s *memStore) Body(ctx context.Context, id string) (store.Body, error) {
	r, done := s.r()
	defer done()
	return r.Body(ctx, id)
}
func (s *memStore) Bodies(ctx context.Context) ([]store.Body, error) {
	r, done := s.r()
	defer done()
	return r.Bodies(ctx)
}
func (s *memStore) SealCert(ctx context.Context, h [32]byte) (store.SealCert, error) {
	r, done := s.r()
	defer done()
	return r.SealCert(ctx, h)
}
func (s *memStore) SealCerts(ctx context.Context, id string) ([]store.SealCert, error) {
	r, done := s.r()
	defer done()
	return r.SealCerts(ctx, id)
}
func (s *memStore) Request(ctx context.Context, k string) (store.Request, error) {
	r, done := s.r()
	defer done()
	return r.Request(ctx, k)
}
func (s *memStore) LogSize(ctx context.Context) (uint64, error) {
	r, done := s.r()
	defer done()
	return r.LogSize(ctx)
}
func (s *memStore) Nodes(ctx context.Context, ids []uint64) ([][]byte, error) {
	r, done := s.r()
	defer done()
	return r.Nodes(ctx, ids)
}
func (s *memStore) Leaves(ctx context.Context, a, b uint64) ([]store.Event, error) {
	r, done := s.r()
	defer done()
	return r.Leaves(ctx, a, b)
}
