// Package registrytest is the conformance suite that every registry back
// end passes, and a generator of certificates for tests and benchmarks.
//
// A back end's test calls Run with a function that opens a fresh, empty
// registry:
//
//	func TestConformance(t *testing.T) {
//		registrytest.Run(t, func(t *testing.T, opts registry.Options) *registry.Registry {
//			return memory.New(opts)
//		})
//	}
package registrytest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

// Opener returns a new, empty registry with the given options. The
// registry is closed by the suite.
type Opener func(t *testing.T, opts registry.Options) *registry.Registry

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Origin is the log origin the suite uses.
const Origin = "registrytest.example/log"

type env struct {
	t        *testing.T
	ctx      context.Context
	reg      *registry.Registry
	clock    *Clock
	verifier note.Verifier
	open     Opener
	opts     registry.Options
}

// setupEmpty opens a second, empty registry of the same back end.
func setupEmpty(t *testing.T, e *env) *registry.Registry {
	reg := e.open(t, e.opts)
	t.Cleanup(func() { reg.Close() })
	return reg
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func setup(t *testing.T, open Opener) *env {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, Origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC))
	opts := registry.Options{Origin: Origin, LogSigners: []note.Signer{s}, Now: clock.Now}
	reg := open(t, opts)
	t.Cleanup(func() { reg.Close() })
	e := &env{t: t, ctx: context.Background(), reg: reg, clock: clock, verifier: v, open: open, opts: opts}
	if _, err := reg.RegisterBody(e.ctx, GenBody(), registry.Change{Actor: "setup"}); err != nil {
		t.Fatalf("RegisterBody: %v", err)
	}
	return e
}

func (e *env) issue(i int) *ecert.Certificate {
	e.t.Helper()
	c := Gen(i)
	if _, err := e.reg.Issue(e.ctx, c, registry.Change{Actor: "test"}); err != nil {
		e.t.Fatalf("Issue %s: %v", c.Number, err)
	}
	return c
}

func digest(t *testing.T, c *ecert.Certificate) ecert.Digest {
	t.Helper()
	d, err := c.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Run runs the conformance suite. Each subtest opens its own registry.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Lifecycle", testLifecycle},
		{"Expiry", testExpiry},
		{"NotFound", testNotFound},
		{"Conflict", testConflict},
		{"ConcurrentChanges", testConcurrent},
		{"Idempotency", testIdempotency},
		{"Bodies", testBodies},
		{"SealCerts", testSealCerts},
		{"Check", testCheck},
		{"Search", testSearch},
		{"SearchMalformed", testSearchMalformed},
		{"Injection", testInjection},
		{"Log", testLog},
		{"Proofs", testProofs},
		{"ImportNewVersions", testImportNewVersions},
		{"ImportExport", testImportExport},
		{"RawHistory", testRawHistory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, setup(t, open))
		})
	}
}

func testLifecycle(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := Gen(1)
	rc, err := reg.Issue(ctx, c, registry.Change{Actor: "alice", Reason: "initial certification"})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if rc.Event.Type != "issue" || rc.Event.Version != 1 || rc.Revision != 1 || rc.Event.Actor != "alice" || rc.Event.Digest != digest(t, c) {
		t.Errorf("Issue receipt = %+v", rc)
	}
	rec, err := reg.Get(ctx, c.Number)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if rec.Status != ecert.StatusValid || rec.Version != 1 || rec.Digest != digest(t, c) {
		t.Errorf("Get after issue: status %s version %d", rec.Status, rec.Version)
	}
	if diff := cmp.Diff(c, rec.Certificate); diff != "" {
		t.Errorf("Get returned a different certificate (-issued +got):\n%s", diff)
	}

	steps := []struct {
		op     func(context.Context, string, registry.Change) (*registry.Receipt, error)
		status ecert.Status
	}{
		{reg.Suspend, ecert.StatusSuspended},
		{reg.Reinstate, ecert.StatusValid},
	}
	for _, s := range steps {
		if _, err := s.op(ctx, c.Number, registry.Change{Actor: "bob", Reason: "audit"}); err != nil {
			t.Fatalf("to %s: %v", s.status, err)
		}
		if rec, err := reg.Get(ctx, c.Number); err != nil || rec.Status != s.status || rec.Certificate.Status != s.status {
			t.Fatalf("Get: %v, %v; want status %s", rec, err, s.status)
		}
	}

	v2 := c.NewVersion()
	v2.Products[0].Models = append(v2.Products[0].Models, ecert.Model{Code: "KFR-72LW/NEW"})
	rc, err = reg.Modify(ctx, v2, registry.Change{Actor: "carol", Reason: "model added"})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	if rc.Event.Version != 2 || rc.Revision != 4 {
		t.Errorf("Modify receipt: version %d revision %d, want 2 and 4", rc.Event.Version, rc.Revision)
	}
	rec, err = reg.Get(ctx, c.Number)
	if err != nil || rec.Version != 2 || rec.Status != ecert.StatusValid || len(rec.Certificate.Products[0].Models) != 3 {
		t.Fatalf("Get after modify: %+v, %v", rec, err)
	}
	old, err := reg.GetVersion(ctx, c.Number, 1)
	if err != nil || old.Status != ecert.StatusSuperseded || old.CurrentVersion != 2 || old.Digest != digest(t, c) {
		t.Fatalf("GetVersion 1: %+v, %v", old, err)
	}

	if _, err := reg.Revoke(ctx, c.Number, registry.Change{Reason: "fraud"}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	var te *ecert.TransitionError
	if _, err := reg.Reinstate(ctx, c.Number, registry.Change{}); !errors.As(err, &te) || te.Status != ecert.StatusRevoked {
		t.Errorf("Reinstate revoked: %v, want *ecert.TransitionError from revoked", err)
	}
	v3 := v2.NewVersion()
	if _, err := reg.Modify(ctx, v3, registry.Change{}); !errors.As(err, &te) {
		t.Errorf("Modify revoked: %v, want *ecert.TransitionError", err)
	}
	if rec, _ := reg.Get(ctx, c.Number); rec.Status != ecert.StatusRevoked || rec.Certificate.StatusReason.In("en") != "fraud" {
		t.Errorf("after refused changes: %s %v", rec.Status, rec.Certificate.StatusReason)
	}

	h, err := reg.History(ctx, c.Number)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	var types, actors []string
	for _, ev := range h.Events {
		types = append(types, ev.Type)
		actors = append(actors, ev.Actor)
		if ev.Time.IsZero() || ev.Number != c.Number || ev.Body != BodyID {
			t.Errorf("event %+v lacks time, number or body", ev)
		}
	}
	if diff := cmp.Diff([]string{"issue", "suspend", "reinstate", "modify", "revoke"}, types); diff != "" {
		t.Errorf("History event types (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"alice", "bob", "bob", "carol", ""}, actors); diff != "" {
		t.Errorf("History actors (-want +got):\n%s", diff)
	}
	if len(h.Versions) != 2 || h.Versions[0].Status != ecert.StatusSuperseded || h.Versions[1].Status != ecert.StatusRevoked {
		t.Errorf("History versions: %d", len(h.Versions))
	}

	// Withdraw from suspended.
	d := e.issue(2)
	if _, err := reg.Suspend(ctx, d.Number, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Withdraw(ctx, d.Number, registry.Change{Reason: "holder's request"}); err != nil {
		t.Fatalf("Withdraw suspended: %v", err)
	}
	if _, err := reg.Suspend(ctx, d.Number, registry.Change{}); !errors.As(err, &te) {
		t.Errorf("Suspend withdrawn: %v, want *ecert.TransitionError", err)
	}
}

func testExpiry(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := e.issue(3)
	e.clock.Set(c.ValidUntil.Add(time.Hour))
	rec, err := reg.Get(ctx, c.Number)
	if err != nil || rec.Status != ecert.StatusExpired {
		t.Fatalf("Get after expiry: %v %v, want expired", rec.Status, err)
	}
	var te *ecert.TransitionError
	if _, err := reg.Suspend(ctx, c.Number, registry.Change{}); !errors.As(err, &te) || te.Status != ecert.StatusExpired {
		t.Errorf("Suspend expired: %v", err)
	}
	r := c.NewVersion()
	r.ValidFrom, r.IssueDate = c.ValidUntil, c.ValidUntil
	r.ValidUntil = c.ValidUntil.AddDate(5, 0, 0)
	if _, err := reg.Renew(ctx, r, registry.Change{}); err != nil {
		t.Fatalf("Renew expired: %v", err)
	}
	if rec, err := reg.Get(ctx, c.Number); err != nil || rec.Status != ecert.StatusValid || rec.Version != 2 {
		t.Fatalf("Get after renew: %+v %v", rec, err)
	}
	// A suspended certificate expires too.
	s := e.issue(4)
	e.clock.Set(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC))
	if _, err := reg.Suspend(ctx, s.Number, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(s.ValidUntil)
	if rec, _ := reg.Get(ctx, s.Number); rec.Status != ecert.StatusExpired {
		t.Errorf("suspended at its end of validity: %s, want expired", rec.Status)
	}
}

func testNotFound(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	e.issue(5)
	checks := map[string]error{}
	_, checks["Get"] = reg.Get(ctx, "nope")
	_, checks["GetVersion"] = reg.GetVersion(ctx, GenNumber(5), 7)
	_, checks["History"] = reg.History(ctx, "nope")
	_, checks["Check"] = reg.Check(ctx, "nope", ecert.Digest{})
	_, checks["Suspend"] = reg.Suspend(ctx, "nope", registry.Change{})
	_, checks["Body"] = reg.Body(ctx, "nope")
	_, checks["SealCert"] = reg.SealCert(ctx, [32]byte{1})
	_, checks["SetBodyStatus"] = reg.SetBodyStatus(ctx, "nope", registry.BodySuspended, registry.Change{})
	for name, err := range checks {
		var nf *registry.NotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("%s: %v, want *registry.NotFoundError", name, err)
		}
	}
	var nf *registry.NotFoundError
	if _, err := reg.GetVersion(ctx, GenNumber(5), 7); !errors.As(err, &nf) || nf.Kind != "version" {
		t.Errorf("GetVersion 7: %v, want kind version", err)
	}
}

func testConflict(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := e.issue(6)
	var ce *registry.ConflictError
	if _, err := reg.Issue(ctx, Gen(6), registry.Change{}); !errors.As(err, &ce) {
		t.Errorf("Issue twice: %v, want *ConflictError", err)
	}
	v2 := c.NewVersion()
	if _, err := reg.Modify(ctx, v2, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	stale := c.NewVersion() // built from version 1, now superseded
	stale.Remarks = ecert.Text{"en": "stale edit"}
	if _, err := reg.Modify(ctx, stale, registry.Change{}); !errors.As(err, &ce) || !errors.Is(err, registry.ErrConflict) || ce.Version != 2 {
		t.Errorf("Modify from a superseded version: %v, want *ConflictError at version 2", err)
	}
	if _, err := reg.Suspend(ctx, c.Number, registry.Change{ExpectedVersion: 1}); !errors.As(err, &ce) {
		t.Errorf("Suspend expecting version 1: %v, want *ConflictError", err)
	}
	if _, err := reg.Suspend(ctx, c.Number, registry.Change{ExpectedRevision: 1}); !errors.As(err, &ce) || ce.Revision != 2 {
		t.Errorf("Suspend expecting revision 1: %v, want *ConflictError at revision 2", err)
	}
	if _, err := reg.Suspend(ctx, c.Number, registry.Change{ExpectedVersion: 2, ExpectedRevision: 2}); err != nil {
		t.Errorf("Suspend with the right expectations: %v", err)
	}
	var ie *registry.InputError
	bad := Gen(7)
	bad.Version = 2
	bad.Supersedes = 1
	if _, err := reg.Issue(ctx, bad, registry.Change{}); !errors.As(err, &ie) {
		t.Errorf("Issue version 2: %v, want *InputError", err)
	}
	inv := Gen(8)
	inv.Holder.Name = nil
	var ve *ecert.ValidationError
	if _, err := reg.Issue(ctx, inv, registry.Change{}); !errors.As(err, &ve) {
		t.Errorf("Issue invalid: %v, want *ecert.ValidationError", err)
	}
}

func testConcurrent(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := e.issue(9)
	const n = 8
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := c.NewVersion()
			v.Remarks = ecert.Text{"en": fmt.Sprintf("edit %d", i)}
			_, err := reg.Modify(ctx, v, registry.Change{Actor: fmt.Sprint(i)})
			var ce *registry.ConflictError
			switch {
			case err == nil:
				wins.Add(1)
			case errors.As(err, &ce):
				conflicts.Add(1)
			default:
				t.Errorf("Modify %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != n-1 {
		t.Errorf("concurrent Modify: %d won, %d conflicts; want 1 and %d", wins.Load(), conflicts.Load(), n-1)
	}
	rec, err := reg.Get(ctx, c.Number)
	if err != nil || rec.Version != 2 {
		t.Fatalf("after concurrent modify: %+v %v", rec, err)
	}
	// Status changes from the same revision: exactly one wins.
	wins.Store(0)
	conflicts.Store(0)
	ops := []func(context.Context, string, registry.Change) (*registry.Receipt, error){reg.Suspend, reg.Revoke, reg.Withdraw, reg.Suspend}
	for _, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := op(ctx, c.Number, registry.Change{ExpectedRevision: rec.Revision})
			var ce *registry.ConflictError
			switch {
			case err == nil:
				wins.Add(1)
			case errors.As(err, &ce):
				conflicts.Add(1)
			default:
				t.Errorf("status change: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != int32(len(ops)-1) {
		t.Errorf("concurrent status changes: %d won, %d conflicts", wins.Load(), conflicts.Load())
	}
	h, _ := reg.History(ctx, c.Number)
	if len(h.Events) != 3 {
		t.Errorf("history has %d events, want 3", len(h.Events))
	}
}

func testIdempotency(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := Gen(10)
	ch := registry.Change{RequestKey: "req-10-issue", Actor: "api"}
	first, err := reg.Issue(ctx, c, ch)
	if err != nil {
		t.Fatal(err)
	}
	size, _ := reg.LogSize(ctx)
	again, err := reg.Issue(ctx, c, ch)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !again.Replayed || again.Event.Index != first.Event.Index || again.Event.Digest != first.Event.Digest {
		t.Errorf("retry: %+v, want a replay of %+v", again, first)
	}
	if s2, _ := reg.LogSize(ctx); s2 != size {
		t.Errorf("retry grew the log from %d to %d", size, s2)
	}
	s1, err := reg.Suspend(ctx, c.Number, registry.Change{RequestKey: "req-10-suspend"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := reg.Suspend(ctx, c.Number, registry.Change{RequestKey: "req-10-suspend"})
	if err != nil || !s2.Replayed || s2.Event.Index != s1.Event.Index {
		t.Errorf("suspend retry: %+v %v", s2, err)
	}
	var rk *registry.RequestKeyError
	if _, err := reg.Revoke(ctx, c.Number, registry.Change{RequestKey: "req-10-suspend"}); !errors.As(err, &rk) {
		t.Errorf("key reused for another request: %v, want *RequestKeyError", err)
	}
	h, _ := reg.History(ctx, c.Number)
	if len(h.Events) != 2 {
		t.Errorf("history has %d events, want 2", len(h.Events))
	}
}

func testBodies(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := Gen(11)
	c.IssuingBody.ID = "OTHER-BODY"
	var nf *registry.NotFoundError
	if _, err := reg.Issue(ctx, c, registry.Change{}); !errors.As(err, &nf) || nf.Kind != "body" {
		t.Errorf("Issue by an unregistered body: %v", err)
	}
	e.issue(12)
	if _, err := reg.SetBodyStatus(ctx, BodyID, registry.BodySuspended, registry.Change{Reason: "accreditation suspended"}); err != nil {
		t.Fatal(err)
	}
	bd, err := reg.Body(ctx, BodyID)
	if err != nil || bd.Status != registry.BodySuspended || bd.Name.In("en") != "China Quality Certification Centre" {
		t.Fatalf("Body: %+v %v", bd, err)
	}
	var be *registry.BodyError
	if _, err := reg.Issue(ctx, Gen(13), registry.Change{}); !errors.As(err, &be) || be.Status != registry.BodySuspended {
		t.Errorf("Issue by a suspended body: %v, want *BodyError", err)
	}
	if _, err := reg.Suspend(ctx, GenNumber(12), registry.Change{}); err != nil {
		t.Errorf("a suspended body's certificate can still be suspended: %v", err)
	}
	if _, err := reg.Reinstate(ctx, GenNumber(12), registry.Change{}); !errors.As(err, &be) {
		t.Errorf("Reinstate by a suspended body: %v, want *BodyError", err)
	}
	if _, err := reg.SetBodyStatus(ctx, BodyID, registry.BodyActive, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	e.issue(13)
	bs, err := reg.Bodies(ctx)
	if err != nil || len(bs) != 1 || bs[0].ID != BodyID {
		t.Errorf("Bodies: %+v %v", bs, err)
	}
	var ie *registry.InputError
	if _, err := reg.SetBodyStatus(ctx, BodyID, "sleeping", registry.Change{}); !errors.As(err, &ie) {
		t.Errorf("unknown body status: %v", err)
	}
}

// SealCertificate returns a self-signed ECDSA certificate valid from nb
// to na, for tests of seal-certificate registration.
func SealCertificate(t testing.TB, cn string, nb, na time.Time) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testSealCerts(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	nb := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	na := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := SealCertificate(t, "CQC seal", nb, na)
	if _, err := reg.AddSealCert(ctx, BodyID, sc, registry.Change{Actor: "admin"}); err != nil {
		t.Fatalf("AddSealCert: %v", err)
	}
	var se *registry.SealError
	if _, err := reg.AddSealCert(ctx, BodyID, sc, registry.Change{}); !errors.As(err, &se) {
		t.Errorf("AddSealCert twice: %v", err)
	}
	got, err := reg.SealCert(ctx, registry.SPKIHash(sc))
	if err != nil || got.BodyID != BodyID || !got.NotBefore.Equal(nb) || !got.NotAfter.Equal(na) || !bytes.Equal(got.Certificate.Raw, sc.Raw) {
		t.Fatalf("SealCert: %+v %v", got, err)
	}
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := reg.CheckSeal(ctx, BodyID, sc, at); err != nil {
		t.Errorf("CheckSeal: %v", err)
	}
	if _, err := reg.CheckSeal(ctx, BodyID, sc, na.Add(time.Hour)); !errors.As(err, &se) {
		t.Errorf("CheckSeal after NotAfter: %v", err)
	}
	other := SealCertificate(t, "someone else", nb, na)
	if _, err := reg.CheckSeal(ctx, BodyID, other, at); !errors.As(err, &se) {
		t.Errorf("CheckSeal unregistered: %v", err)
	}
	if _, err := reg.RegisterBody(ctx, registry.Body{ID: "CNCA-R-2002-099", Name: ecert.Text{"en": "Other"}}, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CheckSeal(ctx, "CNCA-R-2002-099", sc, at); !errors.As(err, &se) || !strings.Contains(se.Reason, BodyID) {
		t.Errorf("CheckSeal for another body: %v", err)
	}
	if _, err := reg.AddSealCert(ctx, "CNCA-R-2002-099", sc, registry.Change{}); !errors.As(err, &se) {
		t.Errorf("AddSealCert of another body's key: %v", err)
	}
	retire := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := reg.RetireSealCert(ctx, registry.SPKIHash(sc), retire, registry.Change{Reason: "key replaced"}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CheckSeal(ctx, BodyID, sc, at); !errors.As(err, &se) {
		t.Errorf("CheckSeal after retirement: %v", err)
	}
	if _, err := reg.CheckSeal(ctx, BodyID, sc, retire.Add(-time.Hour)); err != nil {
		t.Errorf("CheckSeal before retirement: %v", err)
	}
	bd, err := reg.Body(ctx, BodyID)
	if err != nil || len(bd.SealCerts) != 1 || !bd.SealCerts[0].NotAfter.Equal(retire) {
		t.Errorf("Body seal certs: %+v %v", bd, err)
	}
}

func testCheck(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := e.issue(14)
	d1 := digest(t, c)
	res, err := reg.Check(ctx, c.Number, d1)
	if err != nil || !res.OK() || res.Version != 1 || !res.Current || res.BodyID != BodyID {
		t.Fatalf("Check v1: %+v %v", res, err)
	}
	v2 := c.NewVersion()
	v2.Remarks = ecert.Text{"en": "changed"}
	if _, err := reg.Modify(ctx, v2, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	d2 := digest(t, v2)
	res, err = reg.Check(ctx, c.Number, d1)
	if err != nil || res.OK() || res.Version != 1 || res.Current || res.Status != ecert.StatusSuperseded || res.CurrentVersion != 2 {
		t.Errorf("Check old version: %+v %v", res, err)
	}
	if res, err = reg.Check(ctx, c.Number, d2); err != nil || !res.OK() || res.Version != 2 {
		t.Errorf("Check v2: %+v %v", res, err)
	}
	if _, err := reg.Suspend(ctx, c.Number, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	if res, err = reg.Check(ctx, c.Number, d2); err != nil || res.OK() || res.Status != ecert.StatusSuspended || !res.Current {
		t.Errorf("Check suspended: %+v %v", res, err)
	}
	forged := v2.Clone()
	forged.Holder.Name = ecert.Text{"en": "Forger Ltd."}
	if res, err = reg.Check(ctx, c.Number, digest(t, forged)); err != nil || res.OK() || res.Version != 0 || res.Status != "" {
		t.Errorf("Check altered contents: %+v %v", res, err)
	}
}

func testSearch(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	const n = 40
	for i := 100; i < 100+n; i++ {
		e.issue(i)
	}
	for _, i := range []int{101, 105} {
		if _, err := reg.Suspend(ctx, GenNumber(i), registry.Change{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.Revoke(ctx, GenNumber(102), registry.Change{}); err != nil {
		t.Fatal(err)
	}
	iso := Gen(200)
	iso.Scheme = ecert.SchemeISO9001
	iso.Manufacturer = nil
	if _, err := reg.Issue(ctx, iso, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	numbers := func(q registry.Query) []string {
		t.Helper()
		var out []string
		for {
			p, err := reg.Search(ctx, q)
			if err != nil {
				t.Fatalf("Search %+v: %v", q, err)
			}
			for _, r := range p.Records {
				out = append(out, r.Number)
			}
			if p.Next == "" {
				return out
			}
			q.Cursor = p.Next
		}
	}
	want := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, GenNumber(i))
		}
		sort.Strings(out)
		return out
	}
	rng := func(a, b int) []int {
		var out []int
		for i := a; i < b; i++ {
			out = append(out, i)
		}
		return out
	}
	all := append(rng(100, 140), 200)
	tests := []struct {
		name string
		q    registry.Query
		want []string
	}{
		{"all in pages of 7", registry.Query{Limit: 7}, want(all...)},
		{"holder prefix", registry.Query{HolderPrefix: "holder 0000011"}, want(rng(110, 120)...)},
		{"holder prefix, any case, extra spaces", registry.Query{HolderPrefix: "  HOLDER   0000012 manu"}, want(rng(120, 130)...)},
		{"holder prefix in Chinese", registry.Query{HolderPrefix: "制造有限公司0000013"}, want(rng(130, 140)...)},
		{"manufacturer prefix", registry.Query{ManufacturerPrefix: "factory 00107"}, want(107)},
		{"product model text", registry.Query{Product: "gw/b115"}, want(115)},
		{"product name", registry.Query{Product: "AIR CONDITIONER", Limit: 100}, want(all...)},
		{"scheme", registry.Query{Scheme: ecert.SchemeISO9001}, want(200)},
		{"body", registry.Query{BodyID: BodyID, Limit: 1000}, want(all...)},
		{"other body", registry.Query{BodyID: "nobody"}, nil},
		{"suspended", registry.Query{Status: ecert.StatusSuspended}, want(101, 105)},
		{"revoked", registry.Query{Status: ecert.StatusRevoked}, want(102)},
		{"valid holder", registry.Query{Status: ecert.StatusValid, HolderPrefix: "holder 0000010"}, want(100, 103, 104, 106, 107, 108, 109)},
		{"validity still running on 2029-04-15", registry.Query{ValidFrom: time.Date(2029, 4, 15, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC), HolderPrefix: "holder 0000010"}, want(106, 107, 108, 109)},
		{"validity started before 2024-04-13", registry.Query{ValidTo: time.Date(2024, 4, 13, 0, 0, 0, 0, time.UTC), HolderPrefix: "holder 0000010"}, want(100, 101, 102)},
		{"validity window before all", registry.Query{ValidTo: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"no match", registry.Query{HolderPrefix: "zzz"}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, numbers(tt.q)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	e.clock.Set(time.Date(2029, 4, 12, 12, 0, 0, 0, time.UTC)) // 100, 101, 102 ended on 2029-04-10..12
	if diff := cmp.Diff(want(100, 101), numbers(registry.Query{Status: ecert.StatusExpired})); diff != "" {
		t.Errorf("expired (-want +got):\n%s", diff)
	}
	if got := numbers(registry.Query{Status: ecert.StatusSuspended}); !cmp.Equal(got, want(105)) {
		t.Errorf("suspended after 101 expired: %v", got)
	}
	p, err := reg.Search(ctx, registry.Query{Limit: 3})
	if err != nil || len(p.Records) != 3 || p.Records[0].Certificate == nil || p.Records[1].Status == "" {
		t.Fatalf("page: %+v %v", p, err)
	}

	// A new version's names replace the old ones: by single changes, and
	// by versions following each other in one import batch.
	e.clock.Set(time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC))
	rename := func(c *ecert.Certificate, holder, maker string) *ecert.Certificate {
		v := c.NewVersion()
		v.Holder.Name = ecert.Text{"en": holder}
		v.Manufacturer.Name = ecert.Text{"en": maker}
		return v
	}
	c := Gen(113)
	v2 := rename(c, "Renamed Holder A", "Renamed Maker A")
	if _, err := reg.Modify(ctx, v2, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	v3 := rename(v2, "Renamed Holder B", "Renamed Maker A")
	if _, err := reg.Modify(ctx, v3, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	x1 := Gen(300)
	x2 := rename(x1, "Renamed Holder C", "Renamed Maker C")
	x3 := rename(x2, "Renamed Holder D", "Renamed Maker C")
	for _, c := range []*ecert.Certificate{x1, x2, x3} {
		enc.Encode(c)
	}
	if _, err := reg.Import(ctx, &buf, registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		q    registry.Query
		want []string
	}{
		{registry.Query{HolderPrefix: "holder 0000011"}, want(110, 111, 112, 114, 115, 116, 117, 118, 119)},
		{registry.Query{HolderPrefix: "renamed holder a"}, nil},
		{registry.Query{HolderPrefix: "renamed holder b"}, want(113)},
		{registry.Query{ManufacturerPrefix: "renamed maker a"}, want(113)},
		{registry.Query{ManufacturerPrefix: "factory 00113"}, nil},
		{registry.Query{HolderPrefix: "holder 0000030"}, nil},
		{registry.Query{HolderPrefix: "renamed holder c"}, nil},
		{registry.Query{HolderPrefix: "renamed holder d"}, want(300)},
		{registry.Query{ManufacturerPrefix: "renamed maker c"}, want(300)},
		{registry.Query{HolderPrefix: "renamed"}, want(113, 300)},
	} {
		if diff := cmp.Diff(tt.want, numbers(tt.q)); diff != "" {
			t.Errorf("after renames, %+v (-want +got):\n%s", tt.q, diff)
		}
	}
}

func testSearchMalformed(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	bad := map[string]registry.Query{
		"negative limit":    {Limit: -1},
		"huge limit":        {Limit: registry.MaxLimit + 1},
		"unknown status":    {Status: "lost"},
		"superseded":        {Status: ecert.StatusSuperseded},
		"forged cursor":     {Cursor: "c1:zz"},
		"foreign cursor":    {Cursor: "123"},
		"control char":      {HolderPrefix: "a\x00b"},
		"invalid UTF-8":     {Product: "\xff\xfe"},
		"too long":          {HolderPrefix: strings.Repeat("a", registry.MaxQueryText+1)},
		"only spaces":       {ManufacturerPrefix: "   "},
		"inverted range":    {ValidFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		"newline in scheme": {Scheme: "CCC\n"},
	}
	for name, q := range bad {
		var qe *registry.QueryError
		if _, err := reg.Search(ctx, q); !errors.As(err, &qe) {
			t.Errorf("%s: %v, want *registry.QueryError", name, err)
		}
	}
}

func testInjection(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	e.issue(300)
	evil := Gen(301)
	evil.Number = `301'); DROP TABLE certs; --`
	evil.Holder.Name = ecert.Text{"en": `Robert'); DROP TABLE versions;-- % _ \ Ltd.`}
	if _, err := reg.Issue(ctx, evil, registry.Change{Actor: `x' OR '1'='1`, Reason: `"; DELETE FROM events; --`}); err != nil {
		t.Fatalf("Issue: %v", err)
	}
	for _, q := range []registry.Query{
		{HolderPrefix: `x' OR '1'='1`},
		{HolderPrefix: `%`},
		{HolderPrefix: `_`},
		{Product: `%`},
		{Product: `_`},
		{Product: `\`},
		{BodyID: `' OR 1=1 --`},
		{Scheme: `CCC' OR '1'='1`},
	} {
		p, err := reg.Search(ctx, q)
		if err != nil {
			t.Errorf("Search %+v: %v", q, err)
			continue
		}
		if len(p.Records) != 0 {
			t.Errorf("Search %+v matched %d records", q, len(p.Records))
		}
	}
	p, err := reg.Search(ctx, registry.Query{HolderPrefix: `robert'); drop table versions;-- % _ \`})
	if err != nil || len(p.Records) != 1 || p.Records[0].Number != evil.Number {
		t.Errorf("Search for the literal evil holder: %+v %v", p, err)
	}
	if _, err := reg.Get(ctx, `' OR '1'='1`); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Get injected number: %v", err)
	}
	for _, n := range []string{GenNumber(300), evil.Number} {
		if rec, err := reg.Get(ctx, n); err != nil || rec.Number != n {
			t.Errorf("Get %q after injection attempts: %v", n, err)
		}
	}
	if h, err := reg.History(ctx, evil.Number); err != nil || h.Events[0].Actor != `x' OR '1'='1` {
		t.Errorf("History: %+v %v", h, err)
	}
	if _, err := reg.VerifyLog(ctx); err != nil {
		t.Error(err)
	}
}

func testLog(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	c := e.issue(400)
	old, oldCp, err := reg.Checkpoint(ctx)
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if _, err := tlog.Open(old, Origin, e.verifier); err != nil {
		t.Fatalf("open checkpoint: %v", err)
	}
	for i := 401; i < 420; i++ {
		e.issue(i)
	}
	if _, err := reg.Suspend(ctx, c.Number, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	size, _ := reg.LogSize(ctx)
	if size != 1+20+1 { // body registration, 20 issues, 1 suspension
		t.Errorf("log size %d, want 22", size)
	}
	for i := uint64(0); i < size; i++ {
		p, err := reg.InclusionProof(ctx, i)
		if err != nil {
			t.Fatalf("InclusionProof %d: %v", i, err)
		}
		cp, err := p.Verify(Origin, e.verifier)
		if err != nil || cp.Size != size {
			t.Fatalf("verify inclusion of %d: %v", i, err)
		}
		p.Leaf = append([]byte(nil), p.Leaf...)
		p.Leaf[len(p.Leaf)-2] ^= 1
		if _, err := p.Verify(Origin, e.verifier); err == nil {
			t.Fatalf("a tampered leaf %d verifies", i)
		}
	}
	h, _ := reg.History(ctx, c.Number)
	last := h.Events[len(h.Events)-1]
	p, err := reg.InclusionProof(ctx, last.Index)
	if err != nil {
		t.Fatal(err)
	}
	var ev registry.Event
	if err := jsonUnmarshal(p.Leaf, &ev); err != nil || ev.Type != "suspend" || ev.Number != c.Number || ev.Status != "suspended" {
		t.Errorf("proved leaf %s: %v", p.Leaf, err)
	}
	cons, err := reg.ConsistencyProof(ctx, oldCp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cons.Verify(Origin, e.verifier); err != nil {
		t.Errorf("consistency: %v", err)
	}
	if len(cons.Hashes) > 0 {
		cons.Hashes[0][0] ^= 1
		if _, err := cons.Verify(Origin, e.verifier); err == nil {
			t.Error("a tampered consistency proof verifies")
		}
	}
	// A monitor replays the log from its leaves.
	es, err := reg.LogEntries(ctx, 0, size)
	if err != nil || uint64(len(es)) != size {
		t.Fatalf("LogEntries: %d %v", len(es), err)
	}
	tree := tlog.NewTree()
	for _, x := range es {
		tree.Append(x.Leaf, nil)
	}
	_, cp, _ := reg.Checkpoint(ctx)
	if !bytes.Equal(tree.Root(), cp.Hash) {
		t.Error("replayed root differs from the checkpoint")
	}
	if vc, err := reg.VerifyLog(ctx); err != nil || !bytes.Equal(vc.Hash, cp.Hash) {
		t.Errorf("VerifyLog: %v", err)
	}
	if _, err := reg.InclusionProof(ctx, size); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("proof past the end: %v", err)
	}
	// ECDSA log key through a crypto.Signer.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, err := tlog.NewSigner(Origin, key)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := tlog.Sign(cp, s)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := tlog.NewVerifier(Origin, &key.PublicKey)
	if got, err := tlog.Open(signed, Origin, v); err != nil || got.Size != cp.Size {
		t.Errorf("ECDSA checkpoint: %v", err)
	}
}

// testProofs checks inclusion and consistency proofs at log sizes around
// powers of two against roots computed from the leaves, after imports in
// odd-sized batches and single changes.
func testProofs(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, 1000, 280); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, &buf, registry.ImportOptions{BatchSize: 37}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := reg.Suspend(ctx, GenNumber(1000+i), registry.Change{}); err != nil {
			t.Fatal(err)
		}
	}
	size, _ := reg.LogSize(ctx)
	es, err := reg.LogEntries(ctx, 0, size)
	if err != nil || uint64(len(es)) != size {
		t.Fatalf("LogEntries: %d %v", len(es), err)
	}
	roots := make([][]byte, size+1)
	tree := tlog.NewTree()
	roots[0] = tree.Root()
	for i, x := range es {
		tree.Append(x.Leaf, nil)
		roots[i+1] = tree.Root()
	}
	var sizes []uint64
	for _, s := range []uint64{1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 272, 288, size - 1, size} {
		if s <= size {
			sizes = append(sizes, s)
		}
	}
	for _, s := range sizes {
		if got, err := reg.Root(ctx, s); err != nil || !bytes.Equal(got, roots[s]) {
			t.Fatalf("Root(%d): %x %v, want %x", s, got, err, roots[s])
		}
		c := tlog.Checkpoint{Origin: Origin, Size: s, Hash: roots[s]}
		for i := uint64(0); i < s; i += 1 + s/40 {
			hs, err := reg.ProveInclusion(ctx, i, s)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", i, s, err)
			}
			if err := tlog.VerifyInclusion(c, i, es[i].Leaf, hs); err != nil {
				t.Fatalf("inclusion of %d in %d: %v", i, s, err)
			}
		}
		for _, s1 := range sizes {
			if s1 > s {
				break
			}
			hs, err := reg.ProveConsistency(ctx, s1, s)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", s1, s, err)
			}
			if err := tlog.VerifyConsistency(tlog.Checkpoint{Origin: Origin, Size: s1, Hash: roots[s1]}, c, hs); err != nil {
				t.Fatalf("consistency %d -> %d: %v", s1, s, err)
			}
		}
	}
}

// testImportNewVersions imports 100 certificates, then a new version of
// each with another holder in one batch: the search terms of the old
// versions go (a back end may delete them in bulk) and those of the new
// ones come, manufacturer terms included.
func testImportNewVersions(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	var v1, v2 bytes.Buffer
	for i := 600; i < 700; i++ {
		c := Gen(i)
		n := c.NewVersion()
		n.Holder.Name = ecert.Text{"en": fmt.Sprintf("Renamed %d", i), "zh": fmt.Sprintf("新名称%d", i)}
		for _, x := range []struct {
			w *bytes.Buffer
			c *ecert.Certificate
		}{{&v1, c}, {&v2, n}} {
			b, err := json.Marshal(x.c)
			if err != nil {
				t.Fatal(err)
			}
			x.w.Write(append(b, '\n'))
		}
	}
	for _, in := range []*bytes.Buffer{&v1, &v2} {
		if st, err := reg.Import(ctx, in, registry.ImportOptions{BatchSize: 1000}); err != nil || st.Certificates != 100 {
			t.Fatalf("Import: %+v %v", st, err)
		}
	}
	count := func(q registry.Query) int {
		t.Helper()
		q.Limit = registry.MaxLimit
		p, err := reg.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search %+v: %v", q, err)
		}
		return len(p.Records)
	}
	for _, c := range []struct {
		q    registry.Query
		want int
	}{
		{registry.Query{HolderPrefix: GenHolder(600)[:len("Holder 000006")]}, 0},
		{registry.Query{HolderPrefix: "制造有限公司000006"}, 0},
		{registry.Query{HolderPrefix: "renamed"}, 100},
		{registry.Query{HolderPrefix: "新名称6"}, 100},
		{registry.Query{ManufacturerPrefix: "factory 006"}, 100},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("Search %+v: %d certificates, want %d", c.q, got, c.want)
		}
	}
	r, err := reg.Get(ctx, GenNumber(650))
	if err != nil || r.Certificate.Version != 2 {
		t.Fatalf("Get: %+v %v", r, err)
	}
}

func testImportExport(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	sc := SealCertificate(t, "seal", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := reg.AddSealCert(ctx, BodyID, sc, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	for i := 500; i < 530; i++ {
		e.issue(i)
	}
	if _, err := reg.Revoke(ctx, GenNumber(503), registry.Change{Reason: "misuse"}); err != nil {
		t.Fatal(err)
	}
	c := Gen(504)
	if _, err := reg.Modify(ctx, c.NewVersion(), registry.Change{}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := reg.Export(ctx, &buf, registry.ExportOptions{AllVersions: true})
	if err != nil || n != 30 {
		t.Fatalf("Export: %d %v", n, err)
	}
	// Import into a fresh registry of the same back end.
	e2 := setupEmpty(t, e)
	st, err := e2.Import(ctx, bytes.NewReader(buf.Bytes()), registry.ImportOptions{BatchSize: 7})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if st.Certificates != 31 || st.Bodies != 1 {
		t.Errorf("Import stats %+v", st)
	}
	for i := 500; i < 530; i++ {
		a, _ := reg.Get(ctx, GenNumber(i))
		b, err := e2.Get(ctx, GenNumber(i))
		if err != nil {
			t.Fatalf("Get imported: %v", err)
		}
		if a.Digest != b.Digest || a.Status != b.Status || a.Version != b.Version {
			t.Errorf("%s: imported %s v%d %s, want %s v%d %s", a.Number, b.Digest, b.Version, b.Status, a.Digest, a.Version, a.Status)
		}
	}
	if _, err := e2.CheckSeal(ctx, BodyID, sc, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("imported seal cert: %v", err)
	}
	// A large batch takes the back end's bulk path (multi-row INSERT, COPY).
	var big bytes.Buffer
	if err := WriteJSONL(&big, 1000, 300); err != nil {
		t.Fatal(err)
	}
	if st, err := e2.Import(ctx, &big, registry.ImportOptions{BatchSize: 1000}); err != nil || st.Certificates != 300 {
		t.Fatalf("bulk import: %+v %v", st, err)
	}
	for _, i := range []int{1000, 1150, 1299} {
		d, _ := Gen(i).Digest()
		if res, err := e2.Check(ctx, GenNumber(i), d); err != nil || !res.OK() {
			t.Errorf("Check %d after bulk import: %+v %v", i, res, err)
		}
	}
	if p, err := e2.Search(ctx, registry.Query{HolderPrefix: GenHolder(1234)[:14]}); err != nil || len(p.Records) != 10 {
		t.Errorf("search after bulk import: %v", err)
	}
	if _, err := e2.VerifyLog(ctx); err != nil {
		t.Errorf("log after bulk import: %v", err)
	}
	if _, err := e2.Import(ctx, bytes.NewReader(buf.Bytes()[:0]), registry.ImportOptions{}); err != nil {
		t.Errorf("empty import: %v", err)
	}
	// A bad line stops the import with its line number.
	bad := "\n" + strings.Replace(strings.SplitN(buf.String(), "\n", 3)[1], `"number":"`, `"number":"X`, 1) + "\n{\"number\": 5}\n"
	var ie *registry.ImportError
	if _, err := e2.Import(ctx, strings.NewReader(bad), registry.ImportOptions{}); !errors.As(err, &ie) || ie.Line != 3 {
		t.Errorf("bad import: %v, want *ImportError at line 3", err)
	}
	if _, err := e2.Get(ctx, "X"+GenNumber(500)); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a failed batch left a certificate behind: %v", err)
	}
	// Issuing a number that exists is a conflict at its line, in a large
	// batch too; nothing of the batch stays.
	size, _ := e2.LogSize(ctx)
	var again bytes.Buffer
	if err := WriteJSONL(&again, 1299, 100); err != nil {
		t.Fatal(err)
	}
	var ce *registry.ConflictError
	if _, err := e2.Import(ctx, &again, registry.ImportOptions{BatchSize: 1000}); !errors.As(err, &ie) || ie.Line != 1 || !errors.As(err, &ce) {
		t.Errorf("import of an issued number: %v, want *ImportError at line 1 with a *ConflictError", err)
	}
	if _, err := e2.Get(ctx, GenNumber(1300)); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a failed batch left a certificate behind: %v", err)
	}
	if n, _ := e2.LogSize(ctx); n != size {
		t.Errorf("log size %d after a failed import, want %d", n, size)
	}
	again.Reset()
	WriteJSONL(&again, 1400, 100)
	WriteJSONL(&again, 1450, 1)
	if _, err := e2.Import(ctx, &again, registry.ImportOptions{BatchSize: 1000}); !errors.As(err, &ie) || ie.Line != 101 || !errors.As(err, &ce) {
		t.Errorf("import repeating a number of its batch: %v, want *ImportError at line 101 with a *ConflictError", err)
	}
	if _, err := e2.VerifyLog(ctx); err != nil {
		t.Errorf("log after failed imports: %v", err)
	}
}

// TwoHandles checks two registries open on the same database, as two
// processes would be: changes through one are seen by the other, of two
// concurrent conflicting changes through both exactly one wins, and the
// log stays consistent.
func TwoHandles(t *testing.T, a, b *registry.Registry) {
	ctx := context.Background()
	if _, err := a.RegisterBody(ctx, GenBody(), registry.Change{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		reg := a
		if i%2 == 1 {
			reg = b
		}
		if _, err := reg.Issue(ctx, Gen(i), registry.Change{}); err != nil {
			t.Fatalf("Issue %d: %v", i, err)
		}
	}
	for round := 0; round < 10; round++ {
		c, err := a.Get(ctx, GenNumber(round))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var wins, conflicts atomic.Int32
		for _, reg := range []*registry.Registry{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := c.Certificate.NewVersion()
				v.Status = ecert.StatusValid
				_, err := reg.Modify(ctx, v, registry.Change{})
				var ce *registry.ConflictError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &ce):
					conflicts.Add(1)
				default:
					t.Errorf("Modify: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != 1 {
			t.Errorf("round %d: %d won, %d conflicts; want 1 and 1", round, wins.Load(), conflicts.Load())
		}
	}
	for _, reg := range []*registry.Registry{a, b} {
		if _, err := reg.VerifyLog(ctx); err != nil {
			t.Error(err)
		}
		if rec, err := reg.Get(ctx, GenNumber(3)); err != nil || rec.Version != 2 {
			t.Errorf("Get through the other handle: %+v %v", rec, err)
		}
	}
	ra, _ := a.Root(ctx, 21)
	rb, _ := b.Root(ctx, 21)
	if size, _ := b.LogSize(ctx); size != 21 || !bytes.Equal(ra, rb) {
		t.Errorf("log size %d, want 21; roots equal: %v", size, bytes.Equal(ra, rb))
	}
}

// testRawHistory: RawHistory gives what History gives, its certificates
// as the exact bytes encoding/json writes for History's (statuses and
// reasons of the lookup time included).
func testRawHistory(t *testing.T, e *env) {
	ctx, reg := e.ctx, e.reg
	plain := e.issue(1)
	odd := Gen(2)
	odd.Holder.Name = ecert.Text{"en": `Holder <&> "quoted" \ back`, "zh": "持证人\u2028"}
	odd.Remarks = ecert.Text{"en": "line\nbreak\ttab <b>"}
	odd.StatusReason = ecert.Text{"en": "as issued"}
	if _, err := reg.Issue(ctx, odd, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	v2 := odd.NewVersion()
	v2.Scope = ecert.Text{"en": "wider scope"}
	if _, err := reg.Modify(ctx, v2, registry.Change{Reason: "scope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Suspend(ctx, odd.Number, registry.Change{Reason: `audit "late" <&> ü`}); err != nil {
		t.Fatal(err)
	}
	mod := e.issue(3)
	if _, err := reg.Revoke(ctx, mod.Number, registry.Change{Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	sus := e.issue(4)
	if _, err := reg.Suspend(ctx, sus.Number, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{plain.Number, odd.Number, mod.Number, sus.Number} {
		h, err := reg.History(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := reg.RawHistory(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if raw.Number != h.Number || len(raw.Versions) != len(h.Versions) {
			t.Fatalf("%s: RawHistory %+v, History %+v", n, raw, h)
		}
		if diff := cmp.Diff(h.Events, raw.Events); diff != "" {
			t.Errorf("%s: events (-History +RawHistory):\n%s", n, diff)
		}
		for i, v := range raw.Versions {
			r := h.Versions[i]
			if v.Number != r.Number || v.Version != r.Version || v.CurrentVersion != r.CurrentVersion || v.Revision != r.Revision ||
				v.Status != r.Status || v.Digest != r.Digest {
				t.Errorf("%s version %d: raw %+v, History %+v", n, v.Version, v, r)
			}
			got, err := v.AppendCertificate([]byte("x"))
			if err != nil {
				t.Fatalf("%s version %d: %v", n, v.Version, err)
			}
			var want bytes.Buffer
			want.WriteString("x")
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(r.Certificate); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
				t.Errorf("%s version %d: AppendCertificate\n got %s\nwant %s", n, v.Version, got, want.Bytes())
			}
		}
	}
	var nf *registry.NotFoundError
	if _, err := reg.RawHistory(ctx, "nope"); !errors.As(err, &nf) {
		t.Errorf("RawHistory of an unknown number: %v, want *registry.NotFoundError", err)
	}
}
