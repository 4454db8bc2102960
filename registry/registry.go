package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/text/unicode/norm"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry/internal/store"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

// Options configures a Registry. The zero value works: an unsigned log
// named "ecertkit-registry", the system clock, no logging.
type Options struct {
	// Origin is the log's name, the first line of its checkpoints
	// (a schema-less URL is customary: "registry.example.cn/ccc").
	Origin string
	// LogSigners sign checkpoints: note.NewSigner for an Ed25519 note
	// key, tlog.NewSigner for any crypto.Signer (a signer.Signer).
	// Without one, Checkpoint fails with ErrNoSigner.
	LogSigners []note.Signer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Validate checks certificates before they are recorded; the zero
	// value checks the model.
	Validate ecert.ValidateOptions
	// Logger receives debug records of changes; nil discards them.
	Logger *slog.Logger
}

// ErrNoSigner is returned by Checkpoint and the proof functions when the
// registry has no log signer.
var ErrNoSigner = errors.New("registry: no log signer configured")

// Registry records certificates, their versions and status, issuing
// bodies and their seal certificates, and logs every event in a Merkle
// tree. It is safe for concurrent use, also by several processes sharing
// one database: every change runs in one serialized transaction.
//
// Open one with memory.New, sqlite.Open or postgres.Open.
type Registry struct {
	st   store.Store
	opts Options

	nodeCache   sync.Map // upper tree nodes: store.NodeID -> hash
	dense       [maxDenseChunks]atomic.Pointer[denseChunk]
	cachedNodes atomic.Int64
	seenSize    atomic.Uint64 // a log size read or written: the log is at least this long

	mu   sync.Mutex
	tree *tlog.Tree // cache of the log's right border at tree.Size()
	cp   struct {   // cache of the last signed checkpoint
		size   uint64
		signed []byte
		c      tlog.Checkpoint
	}
}

// New returns a Registry over a storage back end. Back-end packages call
// it; users call their Open functions.
func New(st store.Store, opts Options) *Registry {
	if opts.Origin == "" {
		opts.Origin = "ecertkit-registry"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Registry{st: st, opts: opts}
}

// Close closes the storage.
func (r *Registry) Close() error { return r.st.Close() }

// Origin returns the log's origin line.
func (r *Registry) Origin() string { return r.opts.Origin }

func (r *Registry) now() time.Time { return r.opts.Now().UTC().Truncate(time.Microsecond) }

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// batch is one write transaction: the rows to write and an overlay of
// what earlier changes in the same transaction did.
type batch struct {
	r     *Registry
	tx    store.Tx
	tree  *tlog.Tree
	w     store.Writes
	certs map[string]*store.Cert // certificates changed in this batch
	isNew map[string]bool
	bods  map[string]*store.Body // bodies changed in this batch
	bread map[string]*store.Body // bodies read in this batch
	keys  map[string]store.Request
	// terms are the search terms of the certificates given a new version
	// in this batch, written at the end (in termOrder).
	terms     map[string][]store.Term
	termOrder []string
	// assumeNew skips the read that checks that an issued number is new:
	// the write of the new row fails with store.ErrDuplicate if it is not,
	// and Import then runs the batch again with the reads.
	assumeNew bool
}

func (r *Registry) update(ctx context.Context, fn func(b *batch) error) error {
	var tree *tlog.Tree
	wrote := false
	err := r.st.Update(ctx, func(tx store.Tx) error {
		b := &batch{r: r, tx: tx, certs: map[string]*store.Cert{}, isNew: map[string]bool{}, bods: map[string]*store.Body{}, keys: map[string]store.Request{}, terms: map[string][]store.Term{}}
		var err error
		if b.tree, err = r.loadTree(ctx, tx); err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		if len(b.w.Events) == 0 {
			return nil
		}
		for n, c := range b.certs {
			if b.isNew[n] {
				b.w.NewCerts = append(b.w.NewCerts, *c)
			} else {
				b.w.UpdatedCerts = append(b.w.UpdatedCerts, *c)
			}
		}
		for _, bd := range b.bods {
			b.w.Bodies = append(b.w.Bodies, *bd)
		}
		for _, n := range b.termOrder {
			b.w.Terms = append(b.w.Terms, b.terms[n]...)
		}
		b.w.LogSize = b.tree.Size()
		tree = b.tree
		wrote = true
		return tx.Write(ctx, &b.w)
	})
	if err != nil {
		if wrote {
			r.mu.Lock()
			r.tree = nil // the transaction may or may not have committed
			r.mu.Unlock()
		}
		return err
	}
	if tree != nil {
		r.mu.Lock()
		r.tree = tree
		r.mu.Unlock()
	}
	return nil
}

// loadTree returns a private copy of the log's right border at the
// transaction's log size.
func (r *Registry) loadTree(ctx context.Context, rd store.Reader) (*tlog.Tree, error) {
	size, err := rd.LogSize(ctx)
	if err != nil {
		return nil, fmt.Errorf("registry: log size: %w", err)
	}
	r.mu.Lock()
	t := r.tree
	r.mu.Unlock()
	if t != nil && t.Size() == size {
		return t.Clone(), nil
	}
	levels, idx := tlog.BorderNodes(size)
	hs, err := r.nodesFrom(ctx, rd, levels, idx, nil)
	if err != nil {
		return nil, fmt.Errorf("registry: load log border at size %d: %w", size, err)
	}
	return tlog.ResumeTree(size, hs)
}

func (b *batch) appendEvent(ev *Event) error {
	leaf, err := encodeLeaf(ev)
	if err != nil {
		return fmt.Errorf("registry: encode event: %w", err)
	}
	ev.Index = b.tree.Size()
	b.tree.Append(leaf, func(level uint, index uint64, hash []byte) {
		if storedLevel(level) {
			b.w.Nodes = append(b.w.Nodes, store.Node{ID: store.NodeID(level, index), Hash: hash})
		}
	})
	b.w.Events = append(b.w.Events, store.Event{Seq: ev.Index, Number: ev.Number, Leaf: leaf})
	return nil
}

func (b *batch) cert(ctx context.Context, number string) (*store.Cert, error) {
	if c, ok := b.certs[number]; ok {
		return c, nil
	}
	c, err := b.tx.Cert(ctx, number)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (b *batch) body(ctx context.Context, id string) (*store.Body, error) {
	if bd, ok := b.bods[id]; ok {
		return bd, nil
	}
	if bd, ok := b.bread[id]; ok {
		return bd, nil
	}
	bd, err := b.tx.Body(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.bread == nil {
		b.bread = map[string]*store.Body{}
	}
	b.bread[id] = &bd
	return &bd, nil
}

// request handles the request key of a change. It returns a receipt
// when the request was already done.
func (b *batch) request(ctx context.Context, key string, fp [32]byte) (*Receipt, error) {
	if key == "" {
		return nil, nil
	}
	q, ok := b.keys[key]
	if !ok {
		var err error
		q, err = b.tx.Request(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("registry: request key: %w", err)
		}
	}
	if q.Fingerprint != fp {
		return nil, &RequestKeyError{Key: key}
	}
	ev, err := b.event(ctx, q.Seq)
	if err != nil {
		return nil, err
	}
	rc := &Receipt{Event: ev, Replayed: true}
	if ev.Number != "" {
		if c, err := b.cert(ctx, ev.Number); err == nil {
			rc.Revision = c.Revision
		}
	}
	return rc, nil
}

func (b *batch) event(ctx context.Context, seq uint64) (Event, error) {
	for _, e := range b.w.Events {
		if e.Seq == seq {
			return decodeEvent(e)
		}
	}
	es, err := b.tx.Leaves(ctx, seq, seq+1)
	if err != nil {
		return Event{}, err
	}
	if len(es) != 1 {
		return Event{}, &NotFoundError{Kind: "log entry", Key: fmt.Sprint(seq)}
	}
	return decodeEvent(es[0])
}

func decodeEvent(e store.Event) (Event, error) {
	var ev Event
	if err := decodeStored(e.Leaf, &ev); err != nil {
		return Event{}, fmt.Errorf("registry: log entry %d: %w", e.Seq, err)
	}
	ev.Index = e.Seq
	return ev, nil
}

func fingerprint(parts ...string) [32]byte {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	var fp [32]byte
	h.Sum(fp[:0])
	return fp
}

// prepared is a new version ready to be recorded.
type prepared struct {
	c      *ecert.Certificate
	json   []byte
	digest ecert.Digest
	// the search columns, computed here (in parallel on import) rather
	// than in the serialized transaction
	terms    []store.Term
	products string
}

// prepare validates a new version and computes its canonical form. It
// needs no transaction, so imports run it in parallel. Unless owned, c
// is copied first, so that the caller's certificate is never changed.
func (r *Registry) prepare(c *ecert.Certificate, owned bool) (*prepared, error) {
	if c == nil {
		return nil, &InputError{Reason: "no certificate"}
	}
	if !owned {
		c = c.Clone()
	}
	if c.Status == "" {
		c.Status = ecert.StatusValid
	}
	if c.Status != ecert.StatusValid {
		return nil, &InputError{Number: c.Number, Reason: fmt.Sprintf("a new version must have status valid, not %q: record status changes as events", c.Status)}
	}
	c.StatusReason = nil
	if err := c.ValidateWith(r.opts.Validate); err != nil {
		return nil, &InputError{Number: c.Number, Reason: "invalid certificate", Err: err}
	}
	js, err := c.Canonical()
	if err != nil {
		return nil, &InputError{Number: c.Number, Reason: "canonical form", Err: err}
	}
	return &prepared{c: c, json: js, digest: sha256.Sum256(js), terms: terms(c), products: productText(c)}, nil
}

// certOp records one certificate event. p is the new version for issue,
// modify and renew, nil otherwise.
func (b *batch) certOp(ctx context.Context, ev ecert.EventType, number string, p *prepared, ch Change) (*Receipt, error) {
	var digest ecert.Digest
	if p != nil {
		number = p.c.Number
		digest = p.digest
	}
	if number == "" {
		return nil, &InputError{Reason: "empty certificate number"}
	}
	var fp [32]byte // only needed with a request key (not on import)
	if ch.RequestKey != "" {
		fp = fingerprint("cert", string(ev), number, digest.String(), ch.Reason, ch.Actor)
	}
	if rc, err := b.request(ctx, ch.RequestKey, fp); rc != nil || err != nil {
		return rc, err
	}
	at := ch.Time.UTC().Truncate(time.Microsecond)
	if ch.Time.IsZero() {
		at = b.r.now()
	}
	var cur *store.Cert
	var err error
	if ev == ecert.EventIssue && b.assumeNew && b.certs[number] == nil {
		err = store.ErrNotFound
	} else {
		cur, err = b.cert(ctx, number)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur = nil
	case err != nil:
		return nil, fmt.Errorf("registry: %s %s: %w", ev, number, err)
	}
	if ev == ecert.EventIssue && cur != nil {
		return nil, &ConflictError{Number: number, Reason: "the number is already issued", Version: cur.Version, Revision: cur.Revision}
	}
	if ev != ecert.EventIssue && cur == nil {
		return nil, &NotFoundError{Kind: "certificate", Key: number}
	}
	if cur != nil {
		if ch.ExpectedVersion != 0 && ch.ExpectedVersion != cur.Version {
			return nil, &ConflictError{Number: number, Reason: fmt.Sprintf("expected version %d", ch.ExpectedVersion), Version: cur.Version, Revision: cur.Revision}
		}
		if ch.ExpectedRevision != 0 && ch.ExpectedRevision != cur.Revision {
			return nil, &ConflictError{Number: number, Reason: fmt.Sprintf("expected revision %d", ch.ExpectedRevision), Version: cur.Version, Revision: cur.Revision}
		}
	}
	var from ecert.Status
	if cur != nil {
		from = effective(cur, at)
	}
	next, err := ecert.Next(number, from, ev)
	if err != nil {
		return nil, err
	}
	bodyID := ""
	if cur != nil {
		bodyID = cur.BodyID
	}
	if p != nil {
		switch {
		case ev == ecert.EventIssue && (p.c.Version != 1 || p.c.Supersedes != 0):
			return nil, &InputError{Number: number, Reason: fmt.Sprintf("an issued certificate is version 1, not %d", p.c.Version)}
		case ev != ecert.EventIssue && (p.c.Version != cur.Version+1 || p.c.Supersedes != cur.Version):
			return nil, &ConflictError{Number: number, Reason: fmt.Sprintf("version %d superseding %d does not follow the current version", p.c.Version, p.c.Supersedes), Version: cur.Version, Revision: cur.Revision}
		case cur != nil && p.c.IssuingBody.ID != cur.BodyID:
			return nil, &InputError{Number: number, Reason: fmt.Sprintf("issuing body %q differs from the certificate's %q", p.c.IssuingBody.ID, cur.BodyID)}
		}
		bodyID = p.c.IssuingBody.ID
	}
	switch ev {
	case ecert.EventIssue, ecert.EventModify, ecert.EventRenew, ecert.EventReinstate:
		bd, err := b.body(ctx, bodyID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, &NotFoundError{Kind: "body", Key: bodyID}
		}
		if err != nil {
			return nil, fmt.Errorf("registry: body %s: %w", bodyID, err)
		}
		if BodyStatus(bd.Status) != BodyActive {
			return nil, &BodyError{BodyID: bodyID, Status: BodyStatus(bd.Status), Op: string(ev)}
		}
	}

	var nc store.Cert
	if cur != nil {
		nc = *cur
	}
	nc.Number, nc.Status, nc.Reason, nc.Updated, nc.BodyID = number, string(next), "", micros(at), bodyID
	switch ev {
	case ecert.EventSuspend, ecert.EventRevoke, ecert.EventWithdraw:
		nc.Reason = ch.Reason // the reason for the status; other events' reasons stay in the log
	}
	nc.Revision++
	if p != nil {
		version := p.c.Version
		nc.Version = version
		nc.Scheme = string(p.c.Scheme)
		nc.ValidFrom, nc.ValidUntil = micros(p.c.ValidFrom), micros(p.c.ValidUntil)
		nc.Products = p.products
		if _, pending := b.terms[number]; !pending && cur != nil {
			if err := b.dropTerms(ctx, number, cur.Version); err != nil {
				return nil, err
			}
		}
		if _, ok := b.terms[number]; !ok {
			b.termOrder = append(b.termOrder, number)
		}
		b.terms[number] = p.terms // replacing those of a version earlier in the batch
		b.w.Versions = append(b.w.Versions, store.Version{Number: number, Version: version, Digest: p.digest, JSON: p.json, Created: micros(at)})
	} else {
		vr, err := b.version(ctx, number, cur.Version)
		if err != nil {
			return nil, err
		}
		digest = vr.Digest
	}
	if cur == nil {
		b.isNew[number] = true
	}
	b.certs[number] = &nc
	e := Event{Kind: "certificate", Type: string(ev), Number: number, Version: nc.Version, Digest: digest,
		Status: nc.Status, Body: bodyID, Time: at, Reason: ch.Reason, Actor: ch.Actor}
	if err := b.appendEvent(&e); err != nil {
		return nil, err
	}
	if ch.RequestKey != "" {
		q := store.Request{Key: ch.RequestKey, Fingerprint: fp, Seq: e.Index}
		b.keys[q.Key] = q
		b.w.Requests = append(b.w.Requests, q)
	}
	b.r.log(ctx, "registry: event", e)
	return &Receipt{Event: e, Revision: nc.Revision}, nil
}

// dropTerms deletes the stored search terms of version v, which a new
// version replaces.
func (b *batch) dropTerms(ctx context.Context, number string, v int) error {
	vr, err := b.version(ctx, number, v)
	if err != nil {
		return err
	}
	old := new(ecert.Certificate)
	if err := decodeStored(vr.JSON, old); err != nil {
		return fmt.Errorf("registry: certificate %s version %d: stored JSON: %w", number, v, err)
	}
	b.w.DeleteTerms = append(b.w.DeleteTerms, terms(old)...)
	return nil
}

func (b *batch) version(ctx context.Context, number string, v int) (store.Version, error) {
	for i := len(b.w.Versions) - 1; i >= 0; i-- {
		if x := b.w.Versions[i]; x.Number == number && x.Version == v {
			return x, nil
		}
	}
	vr, err := b.tx.Version(ctx, number, v)
	if err != nil {
		return vr, fmt.Errorf("registry: certificate %s version %d: %w", number, v, err)
	}
	return vr, nil
}

func (r *Registry) log(ctx context.Context, msg string, e Event) {
	if r.opts.Logger != nil {
		r.opts.Logger.DebugContext(ctx, msg, "index", e.Index, "type", e.Type, "number", e.Number, "version", e.Version, "actor", e.Actor)
	}
}

// effective is the certificate's status at t, accounting for expiry.
func effective(c *store.Cert, t time.Time) ecert.Status {
	s := ecert.Status(c.Status)
	if (s == ecert.StatusValid || s == ecert.StatusSuspended) && c.ValidUntil != 0 && t.UnixMicro() >= c.ValidUntil {
		return ecert.StatusExpired
	}
	return s
}

// fold is the search form of a name: NFC, lower case, spaces collapsed.
func fold(s string) string {
	if f, ok := foldASCII(s); ok {
		return f
	}
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
}

// foldASCII is fold for ASCII text (which NFC leaves alone), in one
// pass; ok is false for any other text.
func foldASCII(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return "", false
		case c == ' ' || c >= '\t' && c <= '\r':
			space = len(b) > 0
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return string(b), true
}

func terms(c *ecert.Certificate) []store.Term {
	var ts []store.Term
	add := func(kind string, t ecert.Text) {
		seen := map[string]bool{}
		for _, s := range t {
			if f := fold(s); f != "" && !seen[f] {
				seen[f] = true
				ts = append(ts, store.Term{Kind: kind, Term: f, Number: c.Number})
			}
		}
	}
	add("h", c.Holder.Name)
	if c.Manufacturer != nil {
		add("m", c.Manufacturer.Name)
	}
	return ts
}

func productText(c *ecert.Certificate) string {
	var sb strings.Builder
	for _, p := range c.Products {
		for _, s := range p.Name {
			sb.WriteString(fold(s))
			sb.WriteByte('\n')
		}
		for _, m := range p.Models {
			sb.WriteString(fold(m.Code))
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// Issue records version 1 of a new certificate. Its issuing body must be
// registered and active.
func (r *Registry) Issue(ctx context.Context, c *ecert.Certificate, ch Change) (*Receipt, error) {
	return r.newVersion(ctx, ecert.EventIssue, c, ch)
}

// Modify records c as a new version superseding the current one: c.Version
// must be the current version plus one and c.Supersedes the current
// version (build it with ecert.Certificate.NewVersion), else a
// *ConflictError. The certificate must be valid.
func (r *Registry) Modify(ctx context.Context, c *ecert.Certificate, ch Change) (*Receipt, error) {
	return r.newVersion(ctx, ecert.EventModify, c, ch)
}

// Renew records c, a new version with a new validity period, superseding
// the current one. The certificate must be valid or expired.
func (r *Registry) Renew(ctx context.Context, c *ecert.Certificate, ch Change) (*Receipt, error) {
	return r.newVersion(ctx, ecert.EventRenew, c, ch)
}

func (r *Registry) newVersion(ctx context.Context, ev ecert.EventType, c *ecert.Certificate, ch Change) (*Receipt, error) {
	p, err := r.prepare(c, false)
	if err != nil {
		return nil, err
	}
	var rc *Receipt
	err = r.update(ctx, func(b *batch) error {
		var err error
		rc, err = b.certOp(ctx, ev, "", p, ch)
		return err
	})
	return rc, err
}

// Suspend suspends a valid certificate.
func (r *Registry) Suspend(ctx context.Context, number string, ch Change) (*Receipt, error) {
	return r.statusOp(ctx, ecert.EventSuspend, number, ch)
}

// Reinstate makes a suspended certificate valid again.
func (r *Registry) Reinstate(ctx context.Context, number string, ch Change) (*Receipt, error) {
	return r.statusOp(ctx, ecert.EventReinstate, number, ch)
}

// Revoke revokes a valid or suspended certificate, for good.
func (r *Registry) Revoke(ctx context.Context, number string, ch Change) (*Receipt, error) {
	return r.statusOp(ctx, ecert.EventRevoke, number, ch)
}

// Withdraw withdraws (cancels) a valid or suspended certificate.
func (r *Registry) Withdraw(ctx context.Context, number string, ch Change) (*Receipt, error) {
	return r.statusOp(ctx, ecert.EventWithdraw, number, ch)
}

func (r *Registry) statusOp(ctx context.Context, ev ecert.EventType, number string, ch Change) (*Receipt, error) {
	var rc *Receipt
	err := r.update(ctx, func(b *batch) error {
		var err error
		rc, err = b.certOp(ctx, ev, number, nil, ch)
		return err
	})
	return rc, err
}

func notFound(kind, key string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &NotFoundError{Kind: kind, Key: key}
	}
	return fmt.Errorf("registry: %s %s: %w", kind, key, err)
}

// storedJSON are the options of decodeStored: encoding/json's behaviour
// (the v1 options of the v2 implementation), which decodes about twice
// as fast.
var storedJSON = jsonv1.DefaultOptionsV1()

// decodeStored decodes JSON that the registry wrote (a certificate's
// canonical form) as encoding/json.Unmarshal would.
func decodeStored(b []byte, v any) error { return jsonv2.Unmarshal(b, v, storedJSON) }

func (r *Registry) record(cur store.Cert, v store.Version, at time.Time) (*Record, error) {
	// The stored JSON is the canonical form this package wrote: plain
	// decoding is enough (and cheaper than ecert.Unmarshal's checks).
	c := new(ecert.Certificate)
	if err := decodeStored(v.JSON, c); err != nil {
		return nil, fmt.Errorf("registry: certificate %s version %d: stored JSON: %w", v.Number, v.Version, err)
	}
	rec := &Record{Certificate: c, Number: v.Number, Version: v.Version, CurrentVersion: cur.Version,
		Revision: cur.Revision, Digest: v.Digest, At: at}
	if v.Version == cur.Version {
		rec.Status = effective(&cur, at)
		if cur.Reason != "" {
			c.StatusReason = ecert.Text{"en": cur.Reason}
		}
	} else {
		rec.Status = ecert.StatusSuperseded
	}
	c.Status = rec.Status
	return rec, nil
}

// Get returns the current version of a certificate with its status now.
func (r *Registry) Get(ctx context.Context, number string) (*Record, error) {
	cur, err := r.st.Current(ctx, number)
	if err != nil {
		return nil, notFound("certificate", number, err)
	}
	return r.record(cur.Cert, cur.Version, r.now())
}

// GetVersion returns one version of a certificate with its status now
// (superseded for all but the current version).
func (r *Registry) GetVersion(ctx context.Context, number string, version int) (*Record, error) {
	cur, err := r.st.Cert(ctx, number)
	if err != nil {
		return nil, notFound("certificate", number, err)
	}
	v, err := r.st.Version(ctx, number, version)
	if err != nil {
		return nil, notFound("version", fmt.Sprintf("%s/%d", number, version), err)
	}
	return r.record(cur, v, r.now())
}

// History returns every version and event of a certificate, as of one
// moment.
func (r *Registry) History(ctx context.Context, number string) (*History, error) {
	sh, err := r.st.History(ctx, number)
	if err != nil {
		return nil, notFound("certificate", number, err)
	}
	now := r.now()
	h := &History{Number: number, Versions: make([]Record, 0, len(sh.Versions))}
	for _, v := range sh.Versions {
		rec, err := r.record(sh.Cert, v, now)
		if err != nil {
			return nil, err
		}
		h.Versions = append(h.Versions, *rec)
	}
	if h.Events, err = decodeEvents(sh.Events); err != nil {
		return nil, err
	}
	return h, nil
}

// decodeEvents decodes a certificate's stored events, in order.
func decodeEvents(es []store.Event) ([]Event, error) {
	out := make([]Event, 0, len(es))
	for _, e := range es {
		ev, err := decodeEvent(e)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// Check tells which version of certificate number has contents with
// digest d, whether that version is current, and its status now. An
// unknown number is a *NotFoundError; a digest of no version gives a
// result with Version 0.
func (r *Registry) Check(ctx context.Context, number string, d ecert.Digest) (*CheckResult, error) {
	cur, v, err := r.st.Check(ctx, number, d)
	if err != nil {
		return nil, notFound("certificate", number, err)
	}
	now := r.now()
	res := &CheckResult{Number: number, Digest: d, CurrentVersion: cur.Version, CurrentStatus: effective(&cur, now), BodyID: cur.BodyID, At: now}
	if v == 0 {
		return res, nil
	}
	res.Version = v
	res.Current = v == cur.Version
	if res.Current {
		res.Status = res.CurrentStatus
	} else {
		res.Status = ecert.StatusSuperseded
	}
	return res, nil
}

// Search returns one page of certificates matching q, in number order.
// A malformed query is a *QueryError.
func (r *Registry) Search(ctx context.Context, q Query) (*Page, error) {
	sq, err := r.storeQuery(q)
	if err != nil {
		return nil, err
	}
	rows, err := r.st.Search(ctx, sq)
	if err != nil {
		return nil, fmt.Errorf("registry: search: %w", err)
	}
	page := &Page{}
	now := fromMicros(sq.Now)
	for i, row := range rows {
		if i == sq.Limit-1 {
			page.Next = encodeCursor(rows[i-1].Cert.Number)
			break
		}
		rec, err := r.record(row.Cert, row.Version, now)
		if err != nil {
			return nil, err
		}
		page.Records = append(page.Records, *rec)
	}
	return page, nil
}

const cursorPrefix = "c1:"

func encodeCursor(number string) string {
	return cursorPrefix + hexEncode(number)
}

func hexEncode(s string) string { return fmt.Sprintf("%x", s) }

func decodeCursor(c string) (string, error) {
	if !strings.HasPrefix(c, cursorPrefix) {
		return "", errors.New("not a cursor returned by Search")
	}
	var b []byte
	if _, err := fmt.Sscanf(c[len(cursorPrefix):], "%x", &b); err != nil || len(b) == 0 {
		return "", errors.New("not a cursor returned by Search")
	}
	return string(b), nil
}

// MaxQueryText bounds the text fields of a query.
const MaxQueryText = 200

func (r *Registry) storeQuery(q Query) (store.Query, error) {
	sq := store.Query{Limit: q.Limit, BodyID: q.BodyID, Scheme: string(q.Scheme), Now: micros(r.now())}
	if sq.Limit == 0 {
		sq.Limit = DefaultLimit
	}
	if sq.Limit < 0 || sq.Limit > MaxLimit {
		return sq, &QueryError{Field: "limit", Problem: fmt.Sprintf("%d is outside 1 to %d", q.Limit, MaxLimit)}
	}
	for _, f := range []struct {
		name string
		v    string
		dst  *string
	}{{"holder", q.HolderPrefix, &sq.HolderPrefix}, {"manufacturer", q.ManufacturerPrefix, &sq.ManufacturerPrefix}, {"product", q.Product, &sq.ProductText}, {"body", q.BodyID, nil}, {"scheme", string(q.Scheme), nil}} {
		if len(f.v) > MaxQueryText {
			return sq, &QueryError{Field: f.name, Problem: fmt.Sprintf("longer than %d bytes", MaxQueryText)}
		}
		if !isText(f.v) {
			return sq, &QueryError{Field: f.name, Problem: "not valid UTF-8 text (control characters or invalid bytes)"}
		}
		if f.dst != nil {
			*f.dst = fold(f.v)
			if f.v != "" && *f.dst == "" {
				return sq, &QueryError{Field: f.name, Problem: "only spaces"}
			}
		}
	}
	if q.Status != "" {
		if !q.Status.Known() {
			return sq, &QueryError{Field: "status", Problem: fmt.Sprintf("unknown status %q", q.Status)}
		}
		if q.Status == ecert.StatusSuperseded {
			return sq, &QueryError{Field: "status", Problem: "search finds current versions; superseded versions are in History"}
		}
		sq.Status = string(q.Status)
	}
	if !q.ValidFrom.IsZero() && !q.ValidTo.IsZero() && !q.ValidFrom.Before(q.ValidTo) {
		return sq, &QueryError{Field: "validity", Problem: "ValidFrom must be before ValidTo"}
	}
	sq.ValidFrom, sq.ValidTo = micros(q.ValidFrom), micros(q.ValidTo)
	if q.Cursor != "" {
		n, err := decodeCursor(q.Cursor)
		if err != nil {
			return sq, &QueryError{Field: "cursor", Problem: err.Error()}
		}
		sq.After = n
	}
	sq.Limit++ // one more, to know whether there is a next page
	return sq, nil
}

func isText(s string) bool {
	if !utf8Valid(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func utf8Valid(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.ContainsRune(s, 0)
}

// RegisterBody registers an issuing body or updates its name,
// accreditation, country and status. An empty status means active.
func (r *Registry) RegisterBody(ctx context.Context, bd Body, ch Change) (*Receipt, error) {
	var rc *Receipt
	err := r.update(ctx, func(b *batch) error {
		var err error
		rc, err = b.registerBody(ctx, bd, ch)
		return err
	})
	return rc, err
}

func (b *batch) registerBody(ctx context.Context, bd Body, ch Change) (*Receipt, error) {
	if bd.ID == "" || !isText(bd.ID) {
		return nil, &InputError{Reason: fmt.Sprintf("body ID %q: want non-empty text", bd.ID)}
	}
	if bd.Status == "" {
		bd.Status = BodyActive
	}
	if !bd.Status.known() {
		return nil, &InputError{Reason: fmt.Sprintf("body %s: unknown status %q", bd.ID, bd.Status)}
	}
	bd.SealCerts = nil
	js, err := json.Marshal(bd)
	if err != nil {
		return nil, fmt.Errorf("registry: body %s: %w", bd.ID, err)
	}
	return b.bodyChange(ctx, "register", bd.ID, ch, fingerprint("body", bd.ID, string(js), ch.Reason, ch.Actor), func(b *batch, cur *store.Body) (*store.Body, *Event, error) {
		return &store.Body{ID: bd.ID, Status: string(bd.Status), JSON: js}, &Event{Status: string(bd.Status)}, nil
	})
}

// SetBodyStatus changes an issuing body's accreditation status. A body
// that is not active cannot issue, modify, renew or reinstate.
func (r *Registry) SetBodyStatus(ctx context.Context, id string, s BodyStatus, ch Change) (*Receipt, error) {
	if !s.known() {
		return nil, &InputError{Reason: fmt.Sprintf("body %s: unknown status %q", id, s)}
	}
	return r.bodyOp(ctx, "status", id, ch, fingerprint("body-status", id, string(s), ch.Reason, ch.Actor), func(b *batch, cur *store.Body) (*store.Body, *Event, error) {
		if cur == nil {
			return nil, nil, &NotFoundError{Kind: "body", Key: id}
		}
		var bd Body
		if err := json.Unmarshal(cur.JSON, &bd); err != nil {
			return nil, nil, fmt.Errorf("registry: body %s: stored JSON: %w", id, err)
		}
		bd.Status = s
		js, _ := json.Marshal(bd)
		return &store.Body{ID: id, Status: string(s), JSON: js}, &Event{Status: string(s)}, nil
	})
}

// AddSealCert registers a certificate whose key seals the body's
// certificates, valid for the certificate's validity period.
func (r *Registry) AddSealCert(ctx context.Context, bodyID string, cert *x509.Certificate, ch Change) (*Receipt, error) {
	if cert == nil {
		return nil, &InputError{Reason: "no seal certificate"}
	}
	var rc *Receipt
	err := r.update(ctx, func(b *batch) error {
		var err error
		rc, err = b.addSealCert(ctx, bodyID, cert, ch)
		return err
	})
	return rc, err
}

func (b *batch) addSealCert(ctx context.Context, bodyID string, cert *x509.Certificate, ch Change) (*Receipt, error) {
	h := SPKIHash(cert)
	for _, s := range b.w.SealCerts {
		if s.SPKI == h {
			return nil, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: "already registered"}
		}
	}
	return b.bodyChange(ctx, "seal-add", bodyID, ch, fingerprint("seal-add", bodyID, string(cert.Raw), ch.Reason, ch.Actor), func(b *batch, cur *store.Body) (*store.Body, *Event, error) {
		if cur == nil {
			return nil, nil, &NotFoundError{Kind: "body", Key: bodyID}
		}
		if sc, err := b.tx.SealCert(ctx, h); err == nil {
			if sc.BodyID != bodyID {
				return nil, nil, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: "the key is registered to body " + sc.BodyID}
			}
			return nil, nil, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: "already registered"}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		b.w.SealCerts = append(b.w.SealCerts, store.SealCert{SPKI: h, BodyID: bodyID, NotBefore: micros(cert.NotBefore), NotAfter: micros(cert.NotAfter), DER: cert.Raw, Added: micros(b.r.now())})
		return nil, &Event{SPKI: SPKIHex(h)}, nil
	})
}

// RetireSealCert stops accepting seals by a key from time at on (now when
// zero), for a key that was compromised or replaced.
func (r *Registry) RetireSealCert(ctx context.Context, spki [32]byte, at time.Time, ch Change) (*Receipt, error) {
	sc, err := r.st.SealCert(ctx, spki)
	if err != nil {
		return nil, notFound("seal certificate", SPKIHex(spki), err)
	}
	if at.IsZero() {
		at = r.now()
	}
	return r.bodyOp(ctx, "seal-retire", sc.BodyID, ch, fingerprint("seal-retire", string(spki[:]), at.String(), ch.Reason, ch.Actor), func(b *batch, cur *store.Body) (*store.Body, *Event, error) {
		sc, err := b.tx.SealCert(ctx, spki)
		if err != nil {
			return nil, nil, notFound("seal certificate", SPKIHex(spki), err)
		}
		if us := micros(at); us < sc.NotAfter {
			sc.NotAfter = max(us, sc.NotBefore)
		}
		b.w.SealCerts = append(b.w.SealCerts, sc)
		return nil, &Event{SPKI: SPKIHex(spki), Time: at}, nil
	})
}

func (r *Registry) bodyOp(ctx context.Context, typ, id string, ch Change, fp [32]byte, fn func(b *batch, cur *store.Body) (*store.Body, *Event, error)) (*Receipt, error) {
	var rc *Receipt
	err := r.update(ctx, func(b *batch) error {
		var err error
		rc, err = b.bodyChange(ctx, typ, id, ch, fp, fn)
		return err
	})
	return rc, err
}

func (b *batch) bodyChange(ctx context.Context, typ, id string, ch Change, fp [32]byte, fn func(b *batch, cur *store.Body) (*store.Body, *Event, error)) (*Receipt, error) {
	if prev, err := b.request(ctx, ch.RequestKey, fp); prev != nil || err != nil {
		return prev, err
	}
	cur, err := b.body(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		cur = nil
	} else if err != nil {
		return nil, fmt.Errorf("registry: body %s: %w", id, err)
	}
	nb, e, err := fn(b, cur)
	if err != nil {
		return nil, err
	}
	at := ch.Time.UTC().Truncate(time.Microsecond)
	if ch.Time.IsZero() {
		at = b.r.now()
	}
	if nb != nil {
		nb.Updated = micros(at)
		b.bods[id] = nb
	}
	if e.Time.IsZero() {
		e.Time = at
	}
	e.Kind, e.Type, e.Body, e.Reason, e.Actor = "body", typ, id, ch.Reason, ch.Actor
	if err := b.appendEvent(e); err != nil {
		return nil, err
	}
	if ch.RequestKey != "" {
		q := store.Request{Key: ch.RequestKey, Fingerprint: fp, Seq: e.Index}
		b.keys[q.Key] = q
		b.w.Requests = append(b.w.Requests, q)
	}
	return &Receipt{Event: *e}, nil
}

// Body returns a registered issuing body with its seal certificates.
func (r *Registry) Body(ctx context.Context, id string) (*Body, error) {
	sb, err := r.st.Body(ctx, id)
	if err != nil {
		return nil, notFound("body", id, err)
	}
	var bd Body
	if err := json.Unmarshal(sb.JSON, &bd); err != nil {
		return nil, fmt.Errorf("registry: body %s: stored JSON: %w", id, err)
	}
	bd.Status = BodyStatus(sb.Status)
	scs, err := r.st.SealCerts(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("registry: body %s: seal certificates: %w", id, err)
	}
	for _, s := range scs {
		sc, err := sealCert(s)
		if err != nil {
			return nil, err
		}
		bd.SealCerts = append(bd.SealCerts, *sc)
	}
	return &bd, nil
}

// Bodies returns every registered body, without seal certificates, by ID.
func (r *Registry) Bodies(ctx context.Context) ([]Body, error) {
	sbs, err := r.st.Bodies(ctx)
	if err != nil {
		return nil, fmt.Errorf("registry: bodies: %w", err)
	}
	var out []Body
	for _, sb := range sbs {
		var bd Body
		if err := json.Unmarshal(sb.JSON, &bd); err != nil {
			return nil, fmt.Errorf("registry: body %s: stored JSON: %w", sb.ID, err)
		}
		bd.Status = BodyStatus(sb.Status)
		out = append(out, bd)
	}
	return out, nil
}

func sealCert(s store.SealCert) (*SealCert, error) {
	c, err := x509.ParseCertificate(s.DER)
	if err != nil {
		return nil, fmt.Errorf("registry: seal certificate %s: %w", SPKIHex(s.SPKI), err)
	}
	return &SealCert{SPKIHash: s.SPKI, BodyID: s.BodyID, NotBefore: fromMicros(s.NotBefore), NotAfter: fromMicros(s.NotAfter), Certificate: c, Added: fromMicros(s.Added)}, nil
}

// SealCert returns the seal certificate registered with the SPKI hash.
func (r *Registry) SealCert(ctx context.Context, spki [32]byte) (*SealCert, error) {
	s, err := r.st.SealCert(ctx, spki)
	if err != nil {
		return nil, notFound("seal certificate", SPKIHex(spki), err)
	}
	return sealCert(s)
}

// CheckSeal checks that cert, the certificate that sealed a document at
// time at, is a seal certificate of body bodyID and was accepted at that
// time. The body's current status is not checked: suspending a body stops
// new issues, not certificates already issued, whose own status Check
// reports. It returns the registration, or a
// *SealError saying what is wrong (or a *NotFoundError for the body).
func (r *Registry) CheckSeal(ctx context.Context, bodyID string, cert *x509.Certificate, at time.Time) (*SealCert, error) {
	if _, err := r.st.Body(ctx, bodyID); err != nil {
		return nil, notFound("body", bodyID, err)
	}
	h := SPKIHash(cert)
	s, err := r.st.SealCert(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: "the key is not registered"}
	}
	if err != nil {
		return nil, fmt.Errorf("registry: check seal: %w", err)
	}
	sc, err := sealCert(s)
	if err != nil {
		return nil, err
	}
	switch {
	case sc.BodyID != bodyID:
		return sc, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: "the key is registered to body " + sc.BodyID}
	case !bytes.Equal(sc.Certificate.Raw, cert.Raw) && !bytes.Equal(sc.Certificate.RawSubjectPublicKeyInfo, cert.RawSubjectPublicKeyInfo):
		return sc, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: "public key mismatch"}
	case at.Before(sc.NotBefore) || !at.Before(sc.NotAfter):
		return sc, &SealError{BodyID: bodyID, SPKI: SPKIHex(h), Reason: fmt.Sprintf("not accepted at %s (accepted from %s until %s)", at.UTC().Format(time.RFC3339), sc.NotBefore.Format(time.RFC3339), sc.NotAfter.Format(time.RFC3339))}
	}
	return sc, nil
}
