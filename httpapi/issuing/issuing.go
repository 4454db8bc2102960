// Package issuing is an issuing body's certificate service over HTTP: a
// REST JSON API to issue, modify, renew, suspend, reinstate, revoke and
// withdraw certificates. For every new version it renders the bilingual
// PDF, seals it with the body's signer (a key file, a PKCS#11 token or a
// cloud KMS, opened with signer.Open), encodes the UN/CEFACT XML, records
// the change in the registry with the caller as its actor, stores the
// documents for the pull API and returns them. A modification also yields
// a sealed statement of modification listing the changes field by field.
//
// Every write needs an API token (or TLS client certificate) of a
// principal acting for an issuing body, and touches only that body's
// certificates: 401 without credentials, 403 for another body's.
//
//	svc := &issuing.Service{Registry: reg, Store: st, Signer: s}
//	mux.Handle("/issuing/", http.StripPrefix("/issuing", svc.Handler()))
package issuing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/signer"
)

// Service is the issuing API. Registry, Store and Signer are required.
type Service struct {
	Registry *registry.Registry
	Store    *httpapi.Store
	// Signer seals the PDFs: the issuing body's seal key. Signers, when
	// set, gives the signer of each body (by ID) for a service shared by
	// several bodies.
	Signer  signer.Signer
	Signers map[string]signer.Signer
	// Render tunes rendering (fonts: load them once for speed). Layout,
	// NoSeal and Attachments are set per document.
	Render pdfseal.RenderOptions
	// Seal tunes sealing (level, TSA); Visible is set to the seal box on
	// page 1 and Certify to 2 when zero.
	Seal pdfseal.SealOptions
	// SealArt draws the visible seal; the zero value is the body's round
	// red seal.
	SealArt pdfseal.SealArtOptions
	// VerificationURL, when set, is the portal's lookup URL; certificates
	// without a VerificationURL get VerificationURL + "?number=NUMBER".
	VerificationURL string
	// Pusher is woken after each change.
	Pusher *httpapi.Pusher
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	artMu sync.Mutex
	art   map[string]*pdfseal.Appearance
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Handler returns the routes:
//
//	POST /certificates                       issue (body: the certificate, version 1)
//	POST /certificates/{number}/modify       modify (body: the new version's certificate)
//	POST /certificates/{number}/renew        renew (body: {"validFrom","validUntil","reason"})
//	POST /certificates/{number}/suspend      and reinstate, revoke, withdraw (body: {"reason"})
//
// An Idempotency-Key header makes a retry safe: the same request with the
// same key returns the first result and changes nothing.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /certificates", httpapi.RequirePrincipal(s.Store, s.issue))
	mux.HandleFunc("POST /certificates/{number}/{action}", httpapi.RequirePrincipal(s.Store, s.action))
	return mux
}

// Result is the answer to a change.
type Result struct {
	Event    string       `json:"event"`
	Number   string       `json:"number"`
	Version  int          `json:"version"`
	Status   ecert.Status `json:"status"`
	Digest   ecert.Digest `json:"digest,omitzero"`
	LogIndex uint64       `json:"logIndex"`
	Actor    string       `json:"actor"`
	Replayed bool         `json:"replayed,omitempty"`
	// PDF, XML and Statement are the documents of a new version (PDF and
	// Statement base64 in JSON); empty for status changes.
	PDF       []byte `json:"pdf,omitempty"`
	XML       string `json:"xml,omitempty"`
	Statement []byte `json:"statement,omitempty"`
	// Links to the same documents in the pull API.
	Links map[string]string `json:"links,omitempty"`
	// Changes lists what a modification changed.
	Changes []pdfseal.FieldChange `json:"changes,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func readCert(r *http.Request) (*ecert.Certificate, error) {
	c, err := ecert.Decode(r.Body)
	if err != nil {
		if httpapi.IsTooLarge(err) {
			return nil, err
		}
		return nil, &httpapi.InvalidRequestError{Reason: err.Error()}
	}
	return c, nil
}

// Request says who asks for a change and why.
type Request struct {
	Principal *httpapi.Principal
	Reason    string
	// IdempotencyKey makes a retry safe (scoped to the principal).
	IdempotencyKey string
}

func (q Request) change(reason string) registry.Change {
	ch := registry.Change{Actor: q.Principal.ID, Reason: reason}
	if q.IdempotencyKey != "" {
		ch.RequestKey = q.Principal.ID + ":" + q.IdempotencyKey
	}
	return ch
}

func request(p *httpapi.Principal, r *http.Request, reason string) Request {
	return Request{Principal: p, Reason: reason, IdempotencyKey: r.Header.Get("Idempotency-Key")}
}

func (s *Service) issue(w http.ResponseWriter, r *http.Request, p *httpapi.Principal) {
	c, err := readCert(r)
	if err != nil {
		httpapi.WriteError(w, err)
		return
	}
	s.reply(w, http.StatusCreated)(s.Issue(r.Context(), request(p, r, ""), c))
}

func (s *Service) reply(w http.ResponseWriter, status int) func(*Result, error) {
	return func(res *Result, err error) {
		if err != nil {
			if httpapi.StatusOf(err) >= 500 {
				s.log().Error("issuing", "err", err)
			}
			httpapi.WriteError(w, err)
			return
		}
		if res.Replayed {
			status = http.StatusOK
		}
		writeJSON(w, status, res)
	}
}

// Issue issues version 1 of a certificate of the principal's body.
func (s *Service) Issue(ctx context.Context, q Request, c *ecert.Certificate) (*Result, error) {
	if err := httpapi.CanChange(q.Principal, c.IssuingBody.ID); err != nil {
		return nil, err
	}
	c = c.Clone()
	if c.Version == 0 {
		c.Version = 1
	}
	c.Status = ecert.StatusValid
	s.fill(c)
	if _, err := s.Registry.Get(ctx, c.Number); err == nil && q.IdempotencyKey == "" {
		// fail before the work of sealing (a retry with a key goes on
		// to the registry, which answers it with the first receipt)
		return nil, &registry.ConflictError{Number: c.Number, Reason: "the number is already issued"}
	}
	d, err := s.documents(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	rc, err := s.Registry.Issue(ctx, c, q.change(or(q.Reason, "issued")))
	return s.finish(ctx, rc, err, c, d)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// fill sets what the service decides: the verification URL.
func (s *Service) fill(c *ecert.Certificate) {
	if c.VerificationURL == "" && s.VerificationURL != "" {
		c.VerificationURL = s.VerificationURL + "?number=" + url.QueryEscape(c.Number)
	}
}

type docs struct {
	pdf, xml, statement []byte
	changes             []pdfseal.FieldChange
}

// documents renders and seals a version (and, after prev, the statement
// of modification) and encodes its XML.
func (s *Service) documents(ctx context.Context, c, prev *ecert.Certificate) (*docs, error) {
	if err := c.Validate(); err != nil {
		return nil, &registry.InputError{Number: c.Number, Reason: "invalid certificate", Err: err}
	}
	x, err := cefact.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("issuing: XML of %s: %w", c.Number, err)
	}
	d := &docs{xml: x}
	if d.pdf, err = s.sealed(ctx, c, nil, x); err != nil {
		return nil, err
	}
	if prev != nil {
		if d.changes, err = pdfseal.DiffVersions(prev, c); err != nil {
			return nil, err
		}
		if d.statement, err = s.sealed(ctx, c, pdfseal.ModificationLayout{Previous: prev}, nil); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *Service) appearance(body ecert.Body) (*pdfseal.Appearance, error) {
	s.artMu.Lock()
	defer s.artMu.Unlock()
	if a, ok := s.art[body.ID]; ok {
		return a, nil
	}
	opts := s.SealArt
	if opts.Font == nil && len(s.Render.Fonts) > 0 {
		opts.Font = s.Render.Fonts[len(s.Render.Fonts)-1]
	}
	a, err := pdfseal.SealAppearance(body, opts)
	if err != nil {
		return nil, fmt.Errorf("issuing: seal artwork: %w", err)
	}
	if s.art == nil {
		s.art = map[string]*pdfseal.Appearance{}
	}
	s.art[body.ID] = a
	return a, nil
}

func (s *Service) signerFor(bodyID string) (signer.Signer, error) {
	if sg, ok := s.Signers[bodyID]; ok {
		return sg, nil
	}
	if s.Signer == nil {
		return nil, fmt.Errorf("issuing: no seal signer for body %s", bodyID)
	}
	return s.Signer, nil
}

// sealed renders c with layout (nil: the default) and seals it with a
// visible seal in the seal box of page 1.
func (s *Service) sealed(ctx context.Context, c *ecert.Certificate, layout pdfseal.Layout, xml []byte) ([]byte, error) {
	sg, err := s.signerFor(c.IssuingBody.ID)
	if err != nil {
		return nil, err
	}
	ro := s.Render
	ro.Layout, ro.NoSeal = layout, true
	ro.Attachments = append([]pdfseal.Attachment(nil), ro.Attachments...)
	if xml != nil {
		ro.Attachments = append(ro.Attachments, pdfseal.XMLAttachment(xml))
	}
	var buf bytes.Buffer
	if err := pdfseal.Render(ctx, c, &buf, ro); err != nil {
		return nil, fmt.Errorf("issuing: render %s: %w", c.Number, err)
	}
	art, err := s.appearance(c.IssuingBody)
	if err != nil {
		return nil, err
	}
	so := s.Seal
	x, y, w, h := pdfseal.SealRect()
	so.Visible = &pdfseal.Visible{Page: 1, X: x, Y: y, W: w, H: h, Appearance: art}
	if so.Certify == 0 {
		so.Certify = 2
	}
	if so.Reason == "" {
		so.Reason = "Certificate " + c.Number + " version " + fmt.Sprint(c.Version)
	}
	var out bytes.Buffer
	if _, err := pdfseal.Seal(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()), &out, sg, so); err != nil {
		return nil, fmt.Errorf("issuing: seal %s: %w", c.Number, err)
	}
	return out.Bytes(), nil
}

// finish stores the documents of a recorded version and builds the
// result.
func (s *Service) finish(ctx context.Context, rc *registry.Receipt, err error, c *ecert.Certificate, d *docs) (*Result, error) {
	if err != nil {
		return nil, err
	}
	// The change is recorded: store its documents even if the client
	// has gone away.
	ctx = context.WithoutCancel(ctx)
	res := &Result{Event: rc.Event.Type, Number: rc.Event.Number, Version: rc.Event.Version, Status: ecert.Status(rc.Event.Status),
		Digest: rc.Event.Digest, LogIndex: rc.Event.Index, Actor: rc.Event.Actor, Replayed: rc.Replayed}
	if d != nil && !rc.Replayed {
		for _, doc := range []struct {
			kind string
			data []byte
		}{{httpapi.KindPDF, d.pdf}, {httpapi.KindXML, d.xml}, {httpapi.KindStatement, d.statement}} {
			if doc.data == nil {
				continue
			}
			if err := s.Store.PutDocument(ctx, c.Number, c.Version, doc.kind, doc.data); err != nil {
				return nil, fmt.Errorf("issuing: %s v%d recorded but its %s not stored: %w", c.Number, c.Version, doc.kind, err)
			}
		}
		res.PDF, res.XML, res.Statement, res.Changes = d.pdf, string(d.xml), d.statement, d.changes
	}
	if res.Version > 0 {
		base := "/certificates/" + url.PathEscape(res.Number) + "/versions/" + fmt.Sprint(res.Version)
		res.Links = map[string]string{"pdf": base + ".pdf", "xml": base + ".xml", "lookup": "/certificates/" + url.PathEscape(res.Number)}
		if res.Version > 1 && (d == nil || d.statement != nil) {
			res.Links["statement"] = base + "-statement.pdf"
		}
	}
	s.Pusher.Wake()
	return res, nil
}

type statusRequest struct {
	Reason     string    `json:"reason"`
	ValidFrom  time.Time `json:"validFrom,omitzero"`
	ValidUntil time.Time `json:"validUntil,omitzero"`
}

func (s *Service) action(w http.ResponseWriter, r *http.Request, p *httpapi.Principal) {
	number, action := r.PathValue("number"), r.PathValue("action")
	ctx := r.Context()
	if action == "modify" {
		c, err := readCert(r)
		if err != nil {
			httpapi.WriteError(w, err)
			return
		}
		if c.Number != number {
			httpapi.WriteError(w, &httpapi.InvalidRequestError{Reason: fmt.Sprintf("the body is certificate %s, the URL names %s", c.Number, number)})
			return
		}
		s.reply(w, http.StatusCreated)(s.Modify(ctx, request(p, r, ""), c))
		return
	}
	var req statusRequest
	if r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			if httpapi.IsTooLarge(err) {
				httpapi.WriteError(w, err)
			} else {
				httpapi.WriteError(w, &httpapi.InvalidRequestError{Reason: "JSON body: " + err.Error()})
			}
			return
		}
	}
	q := request(p, r, strings.TrimSpace(req.Reason))
	if action == "renew" {
		s.reply(w, http.StatusCreated)(s.Renew(ctx, q, number, req.ValidFrom, req.ValidUntil))
		return
	}
	s.reply(w, http.StatusOK)(s.SetStatus(ctx, q, number, ecert.EventType(action)))
}

// current loads a certificate and checks that the principal may change
// it: another body learns nothing more than the public lookup shows.
func (s *Service) current(ctx context.Context, q Request, number string) (*registry.Record, error) {
	if q.Principal == nil {
		return nil, httpapi.Unauthenticated("credentials required")
	}
	cur, err := s.Registry.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	if err := httpapi.CanChange(q.Principal, cur.Certificate.IssuingBody.ID); err != nil {
		return nil, err
	}
	return cur, nil
}

// Modify records c as the next version of its certificate and makes the
// sealed statement of modification.
func (s *Service) Modify(ctx context.Context, q Request, c *ecert.Certificate) (*Result, error) {
	cur, err := s.current(ctx, q, c.Number)
	if err != nil {
		return nil, err
	}
	if c.IssuingBody.ID != cur.Certificate.IssuingBody.ID {
		return nil, httpapi.Forbidden("a modification cannot change the issuing body")
	}
	c = c.Clone()
	c.Version, c.Supersedes, c.Status, c.StatusReason = cur.Version+1, cur.Version, ecert.StatusValid, nil
	if c.IssueDate.IsZero() || !c.IssueDate.After(cur.Certificate.IssueDate) {
		c.IssueDate = s.now().Truncate(24 * time.Hour)
	}
	s.fill(c)
	return s.newVersion(ctx, q, c, cur, s.Registry.Modify, or(q.Reason, "modified"))
}

// Renew records a new version with a new validity period.
func (s *Service) Renew(ctx context.Context, q Request, number string, from, until time.Time) (*Result, error) {
	cur, err := s.current(ctx, q, number)
	if err != nil {
		return nil, err
	}
	c := cur.Certificate.NewVersion()
	c.IssueDate = s.now().Truncate(24 * time.Hour)
	c.ValidFrom = from
	if c.ValidFrom.IsZero() {
		c.ValidFrom = c.IssueDate
	}
	c.ValidUntil = until
	if c.ValidUntil.IsZero() || !c.ValidUntil.After(c.ValidFrom) {
		return nil, &httpapi.InvalidRequestError{Reason: "renew: validUntil after validFrom is required"}
	}
	return s.newVersion(ctx, q, c, cur, s.Registry.Renew, or(q.Reason, "renewed"))
}

// SetStatus suspends, reinstates, revokes or withdraws a certificate. A
// reason is required except to reinstate.
func (s *Service) SetStatus(ctx context.Context, q Request, number string, ev ecert.EventType) (*Result, error) {
	var op func(context.Context, string, registry.Change) (*registry.Receipt, error)
	switch ev {
	case ecert.EventSuspend:
		op = s.Registry.Suspend
	case ecert.EventReinstate:
		op = s.Registry.Reinstate
	case ecert.EventRevoke:
		op = s.Registry.Revoke
	case ecert.EventWithdraw:
		op = s.Registry.Withdraw
	default:
		return nil, &registry.NotFoundError{Kind: "action", Key: string(ev)}
	}
	cur, err := s.current(ctx, q, number)
	if err != nil {
		return nil, err
	}
	if len(q.Reason) > 500 {
		return nil, &httpapi.InvalidRequestError{Reason: "reason: at most 500 bytes"}
	}
	if q.Reason == "" && ev != ecert.EventReinstate {
		return nil, &httpapi.InvalidRequestError{Reason: string(ev) + ": a reason is required"}
	}
	ch := q.change(q.Reason)
	ch.ExpectedRevision = cur.Revision
	rc, err := op(ctx, number, ch)
	return s.finish(ctx, rc, err, cur.Certificate, nil)
}

func (s *Service) newVersion(ctx context.Context, q Request, c *ecert.Certificate, cur *registry.Record,
	op func(context.Context, *ecert.Certificate, registry.Change) (*registry.Receipt, error), reason string) (*Result, error) {
	d, err := s.documents(ctx, c, cur.Certificate)
	if err != nil {
		return nil, err
	}
	ch := q.change(reason)
	ch.ExpectedVersion = cur.Version
	rc, err := op(ctx, c, ch)
	return s.finish(ctx, rc, err, c, d)
}
