// Package portal is the public verification portal: server-rendered HTML
// pages, in Chinese and English, that need no JavaScript and no login. A
// visitor looks a certificate up by number (status, current version,
// history, validity, issuing body and the transparency-log proof of its
// latest event) or uploads a PDF for the three-part check, and gets a
// verdict that names the part that failed. Every lookup and check is
// recorded in the Store.
//
//	p := &portal.Portal{Registry: reg, Store: st, Checker: httpapi.ThreePart(opts), CSRF: &httpapi.CSRF{Key: key}}
//	mux.Handle("/", p.Handler())
package portal

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

//go:embed static/style.css
var static embed.FS

// Portal serves the verification pages. Registry, Store, Checker and
// CSRF are required.
type Portal struct {
	Registry *registry.Registry
	Store    *httpapi.Store
	Checker  httpapi.Checker
	CSRF     *httpapi.CSRF
	// LogVerifiers check the transparency proofs shown on lookups; without
	// them the proof is shown but not verified.
	LogVerifiers []note.Verifier
	// MaxUpload bounds an uploaded PDF; zero means 8 MiB.
	MaxUpload int64
	// Title overrides the site name.
	Title  ecert.Text
	Logger *slog.Logger
}

func (p *Portal) log() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// Handler returns the routes: GET / (search and upload forms), GET
// /lookup?number=, POST /verify (multipart, field "pdf"), GET
// /static/style.css. Add ?lang=zh or ?lang=en to switch languages.
func (p *Portal) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /lookup", p.lookup)
	mux.HandleFunc("POST /verify", p.verify)
	mux.Handle("GET /static/", http.FileServerFS(static))
	return mux
}

// tmpl parses the page templates on first use, not at package init: the
// ecert command links this package, and most of its runs never serve a
// page.
var tmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02")
		},
		"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"b64":      func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
	}).Parse(pageTemplates))
})

// page is what every template sees.
type page struct {
	Lang     string
	T        map[string]string
	Title    string
	Path     string // the current URL without lang, for the switch links
	CSRF     string
	Number   string
	Error    string
	View     *httpapi.CertificateView
	Proof    *proofView
	Verdict  *httpapi.Verdict
	Filename string
	Status   int
}

type proofView struct {
	Index      uint64
	TreeSize   uint64
	Root       string
	Checkpoint string
	Hashes     int
	Verified   bool
	Err        string
	URL        string
}

func lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if l := r.FormValue("lang"); l == "zh" || l == "en" {
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "zh" || c.Value == "en") {
		return c.Value
	}
	if al := r.Header.Get("Accept-Language"); al != "" && !strings.HasPrefix(strings.ToLower(al), "zh") {
		return "en"
	}
	return "zh"
}

func (p *Portal) newPage(w http.ResponseWriter, r *http.Request) *page {
	l := lang(w, r)
	q := r.URL.Query()
	q.Del("lang")
	path := r.URL.Path
	if r.Method != http.MethodGet {
		path, q = "/", url.Values{}
	}
	if e := q.Encode(); e != "" {
		path += "?" + e + "&"
	} else {
		path += "?"
	}
	title := messages[l]["site"]
	if s := p.Title.In(l); s != "" {
		title = s
	}
	return &page{Lang: l, T: messages[l], Title: title, Path: path, CSRF: p.CSRF.Token(w, r)}
}

func (p *Portal) render(w http.ResponseWriter, name string, pg *page) {
	var buf bytes.Buffer
	if err := tmpl().ExecuteTemplate(&buf, name, pg); err != nil {
		p.log().Error("portal: template", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	status := pg.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	p.render(w, "home", p.newPage(w, r))
}

func (p *Portal) lookup(w http.ResponseWriter, r *http.Request) {
	pg := p.newPage(w, r)
	number := strings.TrimSpace(r.URL.Query().Get("number"))
	pg.Number = number
	if number == "" || len(number) > 100 {
		pg.Error, pg.Status = pg.T["enterNumber"], http.StatusBadRequest
		p.render(w, "home", pg)
		return
	}
	ctx := r.Context()
	v, err := httpapi.Lookup(ctx, p.Registry, number)
	rec := httpapi.CheckRecord{Number: number, Client: httpapi.ClientIP(r), Channel: "portal-lookup"}
	switch {
	case errors.Is(err, registry.ErrNotFound):
		rec.Result, rec.Failed, rec.Reason = httpapi.Fail, httpapi.PartNumber, "unknown number"
		p.record(ctx, rec)
		pg.Error, pg.Status = pg.T["notFound"], http.StatusNotFound
		p.render(w, "home", pg)
		return
	case err != nil:
		p.log().Error("portal: lookup", "number", number, "err", err)
		pg.Error, pg.Status = pg.T["unavailable"], http.StatusServiceUnavailable
		p.render(w, "home", pg)
		return
	}
	rec.BodyID, rec.Result = v.Body.ID, httpapi.Pass
	if !v.Usable {
		rec.Result, rec.Failed, rec.Reason = httpapi.Fail, httpapi.PartStatus, "status "+string(v.Status)
	}
	p.record(ctx, rec)
	pg.View = v
	if n := len(v.Events); n > 0 {
		pg.Proof = p.proof(ctx, v.Events[n-1].Index)
	}
	p.render(w, "lookup", pg)
}

func (p *Portal) record(ctx context.Context, rec httpapi.CheckRecord) {
	if err := p.Store.RecordCheck(ctx, rec); err != nil {
		p.log().Error("portal: record check", "err", err)
	}
}

func (p *Portal) proof(ctx context.Context, index uint64) *proofView {
	pv := &proofView{Index: index, URL: "/log/proofs/inclusion/" + itoa(index)}
	ip, err := p.Registry.InclusionProof(ctx, index)
	if err != nil {
		pv.Err = err.Error()
		return pv
	}
	pv.Hashes = len(ip.Hashes)
	pv.Checkpoint = string(ip.Checkpoint)
	if text, _, ok := strings.Cut(pv.Checkpoint, "\n\n"); ok {
		if cp, err := tlog.ParseCheckpoint(text + "\n"); err == nil {
			pv.TreeSize, pv.Root = cp.Size, base64.StdEncoding.EncodeToString(cp.Hash)
		}
	}
	if len(p.LogVerifiers) > 0 {
		if _, err := ip.Verify(p.Registry.Origin(), p.LogVerifiers...); err != nil {
			pv.Err = err.Error()
		} else {
			pv.Verified = true
		}
	}
	return pv
}

func itoa(u uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			return string(b[i:])
		}
	}
}

func (p *Portal) verify(w http.ResponseWriter, r *http.Request) {
	max := p.MaxUpload
	if max == 0 {
		max = 8 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
	err := r.ParseMultipartForm(1 << 20)
	pg := p.newPage(w, r)
	if err != nil {
		if httpapi.IsTooLarge(err) {
			pg.Error, pg.Status = pg.T["tooLarge"], http.StatusRequestEntityTooLarge
		} else {
			pg.Error, pg.Status = pg.T["noFile"], http.StatusBadRequest
		}
		p.render(w, "home", pg)
		return
	}
	defer r.MultipartForm.RemoveAll()
	if !p.CSRF.Valid(r) {
		pg.Error, pg.Status = pg.T["csrf"], http.StatusForbidden
		p.render(w, "home", pg)
		return
	}
	f, hdr, err := r.FormFile("pdf")
	if err != nil {
		pg.Error, pg.Status = pg.T["noFile"], http.StatusBadRequest
		p.render(w, "home", pg)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil || int64(len(data)) > max {
		pg.Error, pg.Status = pg.T["tooLarge"], http.StatusRequestEntityTooLarge
		p.render(w, "home", pg)
		return
	}
	v, err := httpapi.CheckUpload(r.Context(), p.Checker, p.Store, data, httpapi.ClientIP(r), "portal")
	if v == nil {
		p.log().Error("portal: check", "err", err)
		pg.Error, pg.Status = pg.T["unavailable"], http.StatusServiceUnavailable
		p.render(w, "home", pg)
		return
	}
	if err != nil {
		p.log().Error("portal: record check", "err", err)
	}
	pg.Verdict, pg.Filename = v, hdr.Filename
	if v.Number != "" {
		if view, err := httpapi.Lookup(r.Context(), p.Registry, v.Number); err == nil {
			pg.View = view
		}
	}
	p.render(w, "verdict", pg)
}
