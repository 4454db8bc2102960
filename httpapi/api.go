package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
)

// API serves the registry's REST JSON and SOAP interfaces. Registry and
// Store are required; without a Checker, POST /checks answers 501.
type API struct {
	Registry *registry.Registry
	Store    *Store
	Checker  Checker
	// Pusher, when set, is woken after changes so that subscribers hear
	// of them at once rather than at its next poll.
	Pusher *Pusher
	// BaseURL is the public URL of the service, used in links and the
	// WSDL's address; empty means the request's scheme and host.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NoLookupRecords stops recording public lookups as checks (they are
	// recorded by default, through Store.RecordCheckAsync: run
	// Store.RunCheckRecorder to batch them).
	NoLookupRecords bool
}

func (a *API) log() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// Handler returns the routes of the API:
//
//	GET  /certificates/{number}                      public lookup
//	GET  /certificates/{number}/versions/{v}.pdf|.xml|.json|-statement.pdf
//	GET  /certificates?since=N                       changes since log index N (authorised)
//	GET  /log/checkpoint                             signed checkpoint (C2SP note)
//	GET  /log/proofs/inclusion/{index}               inclusion proof
//	GET  /log/proofs/consistency?from=N              consistency proof
//	GET  /log/entries?start=&end=                    log entries (authorised)
//	POST /checks                                     three-part check of an uploaded PDF
//	GET  /checks/failed                              failed checks against the caller's body
//	POST|GET /subscriptions, DELETE /subscriptions/{id}
//	POST|GET /inquiries, GET /inquiries/{id}, POST /inquiries/{id}/messages
//	POST /soap, GET /soap?wsdl                       SOAP 1.1 pull
//	GET  /openapi.json
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	return mux
}

// Register adds the API's routes to mux, for servers that add their own.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /certificates/{number}", a.getCertificate)
	mux.HandleFunc("GET /certificates/{number}/versions/{file}", a.getVersionFile)
	mux.HandleFunc("GET /certificates", a.authorised(a.listChanges))
	mux.HandleFunc("GET /log/checkpoint", a.getCheckpoint)
	mux.HandleFunc("GET /log/proofs/inclusion/{index}", a.getInclusion)
	mux.HandleFunc("GET /log/proofs/consistency", a.getConsistency)
	mux.HandleFunc("GET /log/entries", a.authorised(a.getEntries))
	mux.HandleFunc("POST /checks", a.postCheck)
	mux.HandleFunc("GET /checks/failed", a.authorised(a.getFailedChecks))
	mux.HandleFunc("POST /subscriptions", a.authorised(a.postSubscription))
	mux.HandleFunc("GET /subscriptions", a.authorised(a.getSubscriptions))
	mux.HandleFunc("DELETE /subscriptions/{id}", a.authorised(a.deleteSubscription))
	mux.HandleFunc("POST /inquiries", a.authorised(a.postInquiry))
	mux.HandleFunc("GET /inquiries", a.authorised(a.getInquiries))
	mux.HandleFunc("GET /inquiries/{id}", a.authorised(a.getInquiry))
	mux.HandleFunc("POST /inquiries/{id}/messages", a.authorised(a.postInquiryMessage))
	mux.HandleFunc("POST /soap", a.soap)
	mux.HandleFunc("GET /soap", a.wsdl)
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ecertkit"`)
	}
	writeJSON(w, status, errorBody{Error: msg})
}

// writeErr maps library errors to HTTP statuses.
func (a *API) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, err)
	if code := StatusOf(err); code >= 500 {
		a.log().Error("request failed", "path", r.URL.Path, "err", err)
	}
}

// StatusOf maps an error of the registry, the model or this package to an
// HTTP status.
func StatusOf(err error) int {
	var te *ecert.TransitionError
	var ie *registry.InputError
	var be *registry.BodyError
	var ae *AuthError
	switch {
	case errors.As(err, &ae):
		return ae.Status
	case IsTooLarge(err):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, registry.ErrNotFound), errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, registry.ErrConflict), errors.As(err, &te):
		return http.StatusConflict
	case errors.As(err, &ie), errors.As(err, &be):
		return http.StatusUnprocessableEntity
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	var inv *InvalidRequestError
	if errors.As(err, &inv) {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// WriteError writes err as a JSON error with the status StatusOf gives.
// Internal errors are not described to the client.
func WriteError(w http.ResponseWriter, err error) {
	code := StatusOf(err)
	msg := err.Error()
	if code >= 500 && code != http.StatusServiceUnavailable {
		msg = "internal error"
	}
	writeError(w, code, msg)
}

// InvalidRequestError is a malformed request: 400.
type InvalidRequestError struct{ Reason string }

func (e *InvalidRequestError) Error() string { return "httpapi: bad request: " + e.Reason }

func badRequest(format string, args ...any) error {
	return &InvalidRequestError{Reason: fmt.Sprintf(format, args...)}
}

// VersionView is one version in a certificate lookup.
type VersionView struct {
	Version   int          `json:"version"`
	Status    ecert.Status `json:"status"`
	Digest    ecert.Digest `json:"digest"`
	IssueDate time.Time    `json:"issueDate"`
	PDF       string       `json:"pdf"`
	XML       string       `json:"xml"`
	// Statement is the statement of modification of versions after the
	// first.
	Statement string `json:"statement,omitempty"`
}

// EventView is one recorded event of a certificate.
type EventView struct {
	Index   uint64    `json:"index"`
	Type    string    `json:"type"`
	Version int       `json:"version,omitempty"`
	Status  string    `json:"status,omitempty"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	// Proof is the URL of the event's inclusion proof.
	Proof string `json:"proof"`
}

// CertificateView is the public lookup of one certificate.
type CertificateView struct {
	Number         string             `json:"number"`
	CurrentVersion int                `json:"currentVersion"`
	Status         ecert.Status       `json:"status"`
	Usable         bool               `json:"usable"`
	Body           ecert.Body         `json:"issuingBody"`
	ValidFrom      time.Time          `json:"validFrom"`
	ValidUntil     time.Time          `json:"validUntil,omitzero"`
	Digest         ecert.Digest       `json:"digest"`
	Versions       []VersionView      `json:"versions"`
	Events         []EventView        `json:"events"`
	Certificate    *ecert.Certificate `json:"certificate"`
	At             time.Time          `json:"at"`
}

// Lookup builds the public view of a certificate: its current version
// and status, every version and event.
func Lookup(ctx context.Context, reg *registry.Registry, number string) (*CertificateView, error) {
	h, err := reg.History(ctx, number)
	if err != nil {
		return nil, err
	}
	if len(h.Versions) == 0 {
		return nil, &registry.NotFoundError{Kind: "certificate", Key: number}
	}
	cur := h.Versions[len(h.Versions)-1]
	v := &CertificateView{
		Number:         h.Number,
		CurrentVersion: cur.Version,
		Status:         cur.Status,
		Usable:         cur.Status.Usable(),
		Body:           cur.Certificate.IssuingBody,
		ValidFrom:      cur.Certificate.ValidFrom,
		ValidUntil:     cur.Certificate.ValidUntil,
		Digest:         cur.Digest,
		Certificate:    cur.Certificate,
		At:             cur.At,
	}
	base := "/certificates/" + escapeSeg(number) + "/versions/"
	for _, r := range h.Versions {
		vv := VersionView{Version: r.Version, Status: r.Status, Digest: r.Digest, IssueDate: r.Certificate.IssueDate,
			PDF: base + strconv.Itoa(r.Version) + ".pdf", XML: base + strconv.Itoa(r.Version) + ".xml"}
		if r.Version > 1 {
			vv.Statement = base + strconv.Itoa(r.Version) + "-statement.pdf"
		}
		v.Versions = append(v.Versions, vv)
	}
	for _, e := range h.Events {
		v.Events = append(v.Events, EventView{Index: e.Index, Type: e.Type, Version: e.Version, Status: e.Status, Time: e.Time,
			Reason: e.Reason, Actor: e.Actor, Proof: "/log/proofs/inclusion/" + strconv.FormatUint(e.Index, 10)})
	}
	return v, nil
}

func escapeSeg(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), "/", "%2F")
}

func (a *API) getCertificate(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	// The usual path passes the recorded JSON of the current version on
	// (rawView); Lookup and writeView, which decode and re-encode it,
	// write the same bytes and take over for JSON rawView cannot follow.
	var status ecert.Status
	var bodyID string
	var buf *jsonBuf
	var v *CertificateView
	h, err := a.Registry.RawHistory(r.Context(), number)
	if err == nil && len(h.Versions) == 0 {
		err = &registry.NotFoundError{Kind: "certificate", Key: number}
	}
	if err == nil {
		buf = getJSONBuf()
		var ok bool
		if bodyID, ok = buf.rawView(h); ok {
			status = h.Versions[len(h.Versions)-1].Status
		} else {
			putJSONBuf(buf)
			buf = nil
			if v, err = Lookup(r.Context(), a.Registry, number); err == nil {
				status, bodyID = v.Status, v.Body.ID
			}
		}
	}
	if !a.NoLookupRecords {
		rec := CheckRecord{Number: number, Client: ClientIP(r), Channel: "rest-lookup", Result: Pass}
		switch {
		case errors.Is(err, registry.ErrNotFound):
			rec.Result, rec.Failed, rec.Reason = Fail, PartNumber, "unknown number"
		case err != nil:
		case !status.Usable():
			rec.BodyID, rec.Result, rec.Failed, rec.Reason = bodyID, Fail, PartStatus, "status "+string(status)
		default:
			rec.BodyID = bodyID
		}
		if err == nil || errors.Is(err, registry.ErrNotFound) {
			if rerr := a.Store.RecordCheckAsync(r.Context(), rec); rerr != nil {
				a.log().Error("record lookup", "err", rerr)
			}
		}
	}
	switch {
	case err != nil:
		a.writeErr(w, r, err)
	case buf != nil:
		w.Header()["Cache-Control"] = hdrNoCache
		writeBuf(w, http.StatusOK, buf)
	default:
		writeView(w, v)
	}
}

func (a *API) getVersionFile(w http.ResponseWriter, r *http.Request) {
	number, file := r.PathValue("number"), r.PathValue("file")
	var kind, ctype, ext string
	switch {
	case strings.HasSuffix(file, "-statement.pdf"):
		kind, ctype, ext = KindStatement, "application/pdf", "-statement.pdf"
	case strings.HasSuffix(file, ".pdf"):
		kind, ctype, ext = KindPDF, "application/pdf", ".pdf"
	case strings.HasSuffix(file, ".xml"):
		kind, ctype, ext = KindXML, "application/xml", ".xml"
	case strings.HasSuffix(file, ".json"):
		kind, ctype, ext = "json", "application/json", ".json"
	default:
		writeError(w, http.StatusNotFound, "unknown document type: use .pdf, .xml, .json or -statement.pdf")
		return
	}
	ver, err := strconv.Atoi(strings.TrimSuffix(file, ext))
	if err != nil || ver < 1 {
		writeError(w, http.StatusNotFound, "bad version in "+file)
		return
	}
	var data []byte
	if kind == "json" {
		rec, err := a.Registry.GetVersion(r.Context(), number, ver)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		data, err = json.MarshalIndent(rec.Certificate, "", "  ")
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
	} else {
		data, err = a.Store.Document(r.Context(), number, ver, kind)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				err = &registry.NotFoundError{Kind: "document", Key: number + "/" + file}
			}
			a.writeErr(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-v%d%s"`, sanitizeFilename(number), ver, ext))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func sanitizeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

// ChangeHeader is one certificate change in a bulk pull: the ePhyto hub's
// "envelope header".
type ChangeHeader struct {
	Index   uint64    `json:"index"`
	Number  string    `json:"number"`
	Version int       `json:"version"`
	Event   string    `json:"event"`
	Status  string    `json:"status"`
	BodyID  string    `json:"bodyId"`
	Time    time.Time `json:"time"`
	XML     string    `json:"xml"`
}

// ChangesPage is a page of changes; pass Next as since for the next one.
type ChangesPage struct {
	Changes []ChangeHeader `json:"changes"`
	Next    uint64         `json:"next"`
	LogSize uint64         `json:"logSize"`
}

// Changes returns the certificate changes recorded at log indexes since
// <= i, at most limit (1..1000) log entries read.
func Changes(ctx context.Context, reg *registry.Registry, since uint64, limit int) (*ChangesPage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	size, err := reg.LogSize(ctx)
	if err != nil {
		return nil, err
	}
	p := &ChangesPage{Changes: []ChangeHeader{}, Next: since, LogSize: size}
	if since >= size {
		return p, nil
	}
	end := min(size, since+uint64(limit))
	es, err := reg.LogEntries(ctx, since, end)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		p.Next = e.Index + 1
		if e.Event.Kind != "certificate" {
			continue
		}
		p.Changes = append(p.Changes, ChangeHeader{Index: e.Index, Number: e.Event.Number, Version: e.Event.Version, Event: e.Event.Type,
			Status: e.Event.Status, BodyID: e.Event.Body, Time: e.Event.Time,
			XML: "/certificates/" + escapeSeg(e.Event.Number) + "/versions/" + strconv.Itoa(e.Event.Version) + ".xml"})
	}
	return p, nil
}

func queryUint(r *http.Request, name string, def uint64) (uint64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, badRequest("%s: not a non-negative integer: %q", name, s)
	}
	return v, nil
}

func (a *API) listChanges(w http.ResponseWriter, r *http.Request, p *Principal) {
	since, err := queryUint(r, "since", 0)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	limit, err := queryUint(r, "limit", 1000)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	pg, err := Changes(r.Context(), a.Registry, since, int(min(limit, 1000)))
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pg)
}

func (a *API) getCheckpoint(w http.ResponseWriter, r *http.Request) {
	signed, _, err := a.Registry.Checkpoint(r.Context())
	if err != nil {
		if errors.Is(err, registry.ErrNoSigner) {
			writeError(w, http.StatusNotImplemented, "this registry does not sign checkpoints")
			return
		}
		a.writeErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(signed)
}

func (a *API) getInclusion(w http.ResponseWriter, r *http.Request) {
	idx, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "index: not a non-negative integer")
		return
	}
	p, err := a.Registry.InclusionProof(r.Context(), idx)
	if err != nil {
		if errors.Is(err, registry.ErrNoSigner) {
			writeError(w, http.StatusNotImplemented, "this registry does not sign checkpoints")
			return
		}
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (a *API) getConsistency(w http.ResponseWriter, r *http.Request) {
	from, err := queryUint(r, "from", 0)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	p, err := a.Registry.ConsistencyProof(r.Context(), from)
	if err != nil {
		if errors.Is(err, registry.ErrNoSigner) {
			writeError(w, http.StatusNotImplemented, "this registry does not sign checkpoints")
			return
		}
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// EntryView is one log entry in /log/entries.
type EntryView struct {
	Index uint64          `json:"index"`
	Leaf  json.RawMessage `json:"leaf"`
}

func (a *API) getEntries(w http.ResponseWriter, r *http.Request, p *Principal) {
	start, err := queryUint(r, "start", 0)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	end, err := queryUint(r, "end", start+100)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	if end <= start || end-start > registry.MaxLeaves {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("need start < end <= start+%d", registry.MaxLeaves))
		return
	}
	es, err := a.Registry.LogEntries(r.Context(), start, end)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	out := make([]EntryView, len(es))
	for i, e := range es {
		out[i] = EntryView{Index: e.Index, Leaf: e.Leaf}
	}
	writeJSON(w, http.StatusOK, out)
}

// readUpload reads a PDF from a request body: raw, or the "pdf" file of
// a multipart form.
func readUpload(r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		f, _, err := r.FormFile("pdf")
		if err != nil {
			if IsTooLarge(err) {
				return nil, err
			}
			return nil, badRequest("no file in form field \"pdf\": %v", err)
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	return io.ReadAll(r.Body)
}

// CheckUpload runs the checker on a document and records the check. An
// error from the checker (an unreadable document) becomes a Fail verdict
// on the document part, never an error.
func CheckUpload(ctx context.Context, chk Checker, st *Store, data []byte, client, channel string) (*Verdict, error) {
	v, err := chk.CheckPDF(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		v = &Verdict{Outcome: Fail, Failed: PartDocument,
			Reasons:   []string{"The file could not be read as a sealed certificate: " + err.Error()},
			ReasonsZH: []string{"无法将该文件识别为已盖章的电子证书。"}}
	}
	if v.Outcome == "" {
		v.Outcome = Indeterminate
	}
	if st != nil {
		rec := CheckRecord{Number: v.Number, BodyID: v.BodyID, Result: v.Outcome, Failed: v.Failed, Client: client, Channel: channel}
		if len(v.Reasons) > 0 {
			rec.Reason = strings.Join(v.Reasons, " ")
		}
		if err := st.RecordCheck(ctx, rec); err != nil {
			return v, err
		}
	}
	return v, nil
}

// ClientName names a client in the record of checks: the principal when
// authenticated, else the IP address.
func ClientName(r *http.Request, p *Principal) string {
	if p != nil {
		return p.ID
	}
	return ClientIP(r)
}

func (a *API) postCheck(w http.ResponseWriter, r *http.Request) {
	if a.Checker == nil {
		writeError(w, http.StatusNotImplemented, "no checker configured")
		return
	}
	p, _ := a.Authenticate(r) // optional: checks name their client
	data, err := readUpload(r)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	v, err := CheckUpload(r.Context(), a.Checker, a.Store, data, ClientName(r, p), "rest")
	if err != nil && v == nil {
		a.writeErr(w, r, err)
		return
	}
	if err != nil {
		a.log().Error("record check", "err", err)
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) getFailedChecks(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.IsBody() {
		writeError(w, http.StatusForbidden, "only an issuing body sees the failed checks against its certificates")
		return
	}
	limit, err := queryUint(r, "limit", 100)
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	fc, err := a.Store.FailedChecksFor(r.Context(), p.BodyID, int(min(limit, 1000)))
	if err != nil {
		a.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fc)
}

// decodeJSON reads a JSON request body into v, rejecting unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if IsTooLarge(err) {
			return err
		}
		return badRequest("JSON body: %v", err)
	}
	return nil
}
