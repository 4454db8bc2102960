package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

const (
	numCCC   = "2024010703123456"
	numPhyto = "CN-PHY-2024-0012345"
	bodyCQC  = "CNCA-R-2002-001"
	bodyGACC = "GACC-3700"
)

type env struct {
	t        *testing.T
	reg      *registry.Registry
	st       *httpapi.Store
	api      *httpapi.API
	srv      *httptest.Server
	verifier note.Verifier
	// tokens by principal
	cqc, gacc, importer string
	dbPath              string
}

func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func loadCert(t testing.TB, name string) *ecert.Certificate {
	t.Helper()
	f, err := os.Open(testtool.Testdata(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ecert.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fakeChecker stands in for the three-part check in these HTTP tests: a
// "PDF" is the canonical JSON of a version prefixed with %PDF-; the check
// compares its digest with the registry. The real check is wired in the
// portal and demo tests.
func fakeChecker(reg *registry.Registry) httpapi.Checker {
	return httpapi.CheckerFunc(func(ctx context.Context, r io.ReaderAt, size int64) (*httpapi.Verdict, error) {
		data, err := io.ReadAll(io.NewSectionReader(r, 0, size))
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			return nil, io.ErrUnexpectedEOF
		}
		c, err := ecert.Unmarshal(data[5:])
		if err != nil {
			return &httpapi.Verdict{Outcome: httpapi.Fail, Failed: httpapi.PartSignature, Reasons: []string{"no seal"}}, nil
		}
		d, _ := c.Digest()
		res, err := reg.Check(ctx, c.Number, d)
		if err != nil {
			return &httpapi.Verdict{Outcome: httpapi.Fail, Failed: httpapi.PartNumber, Number: c.Number, BodyID: c.IssuingBody.ID}, nil
		}
		v := &httpapi.Verdict{Outcome: httpapi.Pass, Number: c.Number, Version: res.Version, BodyID: res.BodyID}
		switch {
		case res.Version == 0:
			v.Outcome, v.Failed = httpapi.Fail, httpapi.PartContents
		case !res.OK():
			v.Outcome, v.Failed = httpapi.Fail, httpapi.PartStatus
		}
		return v, nil
	})
}

func fakePDF(t testing.TB, c *ecert.Certificate) []byte {
	js, err := c.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("%PDF-"), js...)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "test-log")
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
	reg := memory.New(registry.Options{Origin: "test.example/log", LogSigners: []note.Signer{s}})
	for _, b := range []registry.Body{{ID: bodyCQC, Name: ecert.Text{"en": "CQC"}, Country: "CN"}, {ID: bodyGACC, Name: ecert.Text{"en": "GACC"}, Country: "CN"}} {
		if _, err := reg.RegisterBody(ctx, b, registry.Change{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, reg: reg, verifier: v, dbPath: filepath.Join(t.TempDir(), "svc.db")}
	st, err := httpapi.OpenStore(ctx, openDB(t, e.dbPath))
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	for _, name := range []string{"good_ccc.json", "good_sps_phyto.json"} {
		c := loadCert(t, name)
		e.publish(c, func() error { _, err := reg.Issue(ctx, c, registry.Change{Actor: "test"}); return err })
	}
	tok := func(p httpapi.Principal) string {
		tk, err := st.AddPrincipal(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	e.cqc = tok(httpapi.Principal{ID: "cqc", Name: "CQC operator", BodyID: bodyCQC})
	e.gacc = tok(httpapi.Principal{ID: "gacc", Name: "Qingdao Customs", BodyID: bodyGACC})
	e.importer = tok(httpapi.Principal{ID: "importer-nl", Name: "Dutch NPPO"})
	e.api = &httpapi.API{Registry: reg, Store: st, Checker: fakeChecker(reg)}
	e.srv = httptest.NewServer(httpapi.Harden(e.api.Handler(), httpapi.HardenOptions{MaxBody: 1 << 20, Rate: -1}))
	t.Cleanup(e.srv.Close)
	return e
}

// publish stores a version's documents, then records it.
func (e *env) publish(c *ecert.Certificate, record func() error) {
	e.t.Helper()
	ctx := context.Background()
	x, err := cefact.Marshal(c)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.PutDocument(ctx, c.Number, c.Version, httpapi.KindXML, x); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.PutDocument(ctx, c.Number, c.Version, httpapi.KindPDF, fakePDF(e.t, c)); err != nil {
		e.t.Fatal(err)
	}
	if err := record(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) do(method, path, token string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestLookup(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("GET", "/certificates/"+numCCC, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var v httpapi.CertificateView
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Number != numCCC || v.Status != ecert.StatusValid || !v.Usable || v.CurrentVersion != 1 || v.Body.ID != bodyCQC {
		t.Errorf("lookup = %+v", v)
	}
	if len(v.Events) != 1 || v.Events[0].Type != "issue" || v.Events[0].Actor != "test" {
		t.Errorf("events = %+v", v.Events)
	}
	for _, h := range []string{"X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing security header %s", h)
		}
	}
	// the proof link verifies against the log's key
	resp, body = e.do("GET", v.Events[0].Proof, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("proof: %d %s", resp.StatusCode, body)
	}
	var p tlog.InclusionProof
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify("test.example/log", e.verifier); err != nil {
		t.Errorf("inclusion proof does not verify: %v", err)
	}
	resp, body = e.do("GET", "/certificates/NO-SUCH", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(string(body), "error") {
		t.Errorf("unknown number: %d %s", resp.StatusCode, body)
	}
}

func TestVersionDocuments(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path   string
		status int
		ctype  string
		prefix string
	}{
		{"/certificates/" + numCCC + "/versions/1.pdf", 200, "application/pdf", "%PDF-"},
		{"/certificates/" + numCCC + "/versions/1.xml", 200, "application/xml", "<?xml"},
		{"/certificates/" + numCCC + "/versions/1.json", 200, "application/json", "{"},
		{"/certificates/" + numCCC + "/versions/2.pdf", 404, "application/json", "{"},
		{"/certificates/" + numCCC + "/versions/1.exe", 404, "application/json", "{"},
		{"/certificates/" + numCCC + "/versions/x.pdf", 404, "application/json", "{"},
	} {
		resp, body := e.do("GET", tc.path, "", nil)
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !bytes.HasPrefix(body, []byte(tc.prefix)) {
			t.Errorf("GET %s = %d %s %.40q; want %d %s %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status, tc.ctype, tc.prefix)
		}
	}
}

func TestBulkPullNeedsCredentials(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/certificates?since=0", "/log/entries?start=0&end=5", "/subscriptions", "/inquiries", "/checks/failed"} {
		resp, _ := e.do("GET", path, "", nil)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without credentials = %d, want 401 with WWW-Authenticate", path, resp.StatusCode)
		}
		resp, _ = e.do("GET", path, "ect_not-a-token", nil)
		if resp.StatusCode != 401 {
			t.Errorf("GET %s with a bad token = %d, want 401", path, resp.StatusCode)
		}
	}
	resp, body := e.do("GET", "/certificates?since=0", e.importer, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("bulk pull: %d %s", resp.StatusCode, body)
	}
	var pg httpapi.ChangesPage
	json.Unmarshal(body, &pg)
	var got []string
	for _, c := range pg.Changes {
		got = append(got, c.Number+" "+c.Event)
	}
	if diff := cmp.Diff([]string{numCCC + " issue", numPhyto + " issue"}, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	// the next page is empty
	resp, body = e.do("GET", "/certificates?since="+itoa(pg.Next), e.importer, nil)
	json.Unmarshal(body, &pg)
	if resp.StatusCode != 200 || len(pg.Changes) != 0 {
		t.Errorf("next page: %d %s", resp.StatusCode, body)
	}
	resp, _ = e.do("GET", "/certificates?since=-1", e.importer, nil)
	if resp.StatusCode != 400 {
		t.Errorf("since=-1: %d, want 400", resp.StatusCode)
	}
}

func itoa(u uint64) string { return strings.TrimSpace(string(must(json.Marshal(u)))) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestChecksRecordedAndFailedChecksScoped(t *testing.T) {
	e := newEnv(t)
	good := fakePDF(t, loadCert(t, "good_ccc.json"))
	tampered := bytes.Replace(good, []byte("2029-03-14"), []byte("2039-03-14"), 1)
	phyto := fakePDF(t, loadCert(t, "good_sps_phyto.json"))
	for _, tc := range []struct {
		body    []byte
		verdict httpapi.Outcome
		part    httpapi.Part
	}{
		{good, httpapi.Pass, ""},
		{tampered, httpapi.Fail, httpapi.PartContents},
		{[]byte("GIF89a not a pdf"), httpapi.Fail, httpapi.PartDocument},
		{phyto, httpapi.Pass, ""},
	} {
		resp, body := e.do("POST", "/checks", "", bytes.NewReader(tc.body), "Content-Type", "application/pdf")
		if resp.StatusCode != 200 {
			t.Fatalf("check: %d %s", resp.StatusCode, body)
		}
		var v httpapi.Verdict
		json.Unmarshal(body, &v)
		if v.Outcome != tc.verdict || v.Failed != tc.part {
			t.Errorf("verdict %s/%s, want %s/%s (%s)", v.Outcome, v.Failed, tc.verdict, tc.part, body)
		}
	}
	// oversized upload: 413
	big := bytes.Repeat([]byte("x"), 2<<20)
	resp, _ := e.do("POST", "/checks", "", bytes.NewReader(big), "Content-Type", "application/pdf")
	if resp.StatusCode != 413 {
		t.Errorf("oversized upload = %d, want 413", resp.StatusCode)
	}
	resp, body := e.do("GET", "/checks/failed", e.cqc, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("failed checks: %d %s", resp.StatusCode, body)
	}
	var fc httpapi.FailedChecks
	json.Unmarshal(body, &fc)
	if fc.Total != 1 || fc.ByPart["contents"] != 1 || fc.ByNumber[numCCC] != 1 || len(fc.Recent) != 1 || fc.Recent[0].Channel != "rest" || fc.Recent[0].Client == "" {
		t.Errorf("CQC failed checks = %s", body)
	}
	resp, body = e.do("GET", "/checks/failed", e.gacc, nil)
	json.Unmarshal(body, &fc)
	if resp.StatusCode != 200 || fc.Total != 0 {
		t.Errorf("GACC sees CQC's failed checks: %s", body)
	}
	resp, _ = e.do("GET", "/checks/failed", e.importer, nil)
	if resp.StatusCode != 403 {
		t.Errorf("a party that is no body: %d, want 403", resp.StatusCode)
	}
}

func TestInquiryThread(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("POST", "/inquiries", e.importer, strings.NewReader(`{"number":"`+numCCC+`","subject":"Suspected counterfeit","text":"The nameplate shows model X-999, not in the annex."}`))
	if resp.StatusCode != 201 {
		t.Fatalf("open inquiry: %d %s", resp.StatusCode, body)
	}
	var q httpapi.Inquiry
	json.Unmarshal(body, &q)
	if q.BodyID != bodyCQC || q.Status != "open" || len(q.Messages) != 1 {
		t.Fatalf("inquiry = %s", body)
	}
	path := "/inquiries/" + itoa(uint64(q.ID))
	// another body may not see or answer it
	if resp, _ := e.do("GET", path, e.gacc, nil); resp.StatusCode != 403 {
		t.Errorf("other body reads the inquiry: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("POST", path+"/messages", e.gacc, strings.NewReader(`{"text":"hi"}`)); resp.StatusCode != 403 {
		t.Errorf("other body answers: %d, want 403", resp.StatusCode)
	}
	resp, body = e.do("POST", path+"/messages", e.cqc, strings.NewReader(`{"text":"Model X-999 was never certified; please detain the goods."}`))
	if resp.StatusCode != 201 {
		t.Fatalf("answer: %d %s", resp.StatusCode, body)
	}
	// both see the whole thread
	for _, tok := range []string{e.importer, e.cqc} {
		resp, body = e.do("GET", path, tok, nil)
		json.Unmarshal(body, &q)
		if resp.StatusCode != 200 || q.Status != "answered" || len(q.Messages) != 2 || q.Messages[1].Author != "cqc" {
			t.Errorf("thread as %s: %d %s", tok[:6], resp.StatusCode, body)
		}
	}
	var list []httpapi.Inquiry
	_, body = e.do("GET", "/inquiries", e.cqc, nil)
	json.Unmarshal(body, &list)
	if len(list) != 1 {
		t.Errorf("CQC's inquiries: %s", body)
	}
	_, body = e.do("GET", "/inquiries", e.gacc, nil)
	json.Unmarshal(body, &list)
	if len(list) != 0 {
		t.Errorf("GACC's inquiries: %s", body)
	}
	for _, bad := range []string{`{"number":"` + numCCC + `","subject":"","text":"x"}`, `{"number":"` + numCCC + `","bogus":1}`, `not json`} {
		if resp, _ := e.do("POST", "/inquiries", e.importer, strings.NewReader(bad)); resp.StatusCode != 400 {
			t.Errorf("bad inquiry %s: %d, want 400", bad, resp.StatusCode)
		}
	}
	if resp, _ := e.do("POST", "/inquiries", e.importer, strings.NewReader(`{"number":"NOPE","subject":"s","text":"t"}`)); resp.StatusCode != 404 {
		t.Errorf("inquiry about an unknown number: %d, want 404", resp.StatusCode)
	}
}

func TestOpenAPIDescribesRoutes(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("GET", "/openapi.json", "", nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	routes := map[string][]string{
		"/certificates/{number}": {"get"}, "/certificates/{number}/versions/{file}": {"get"}, "/certificates": {"get"},
		"/log/checkpoint": {"get"}, "/log/proofs/inclusion/{index}": {"get"}, "/log/proofs/consistency": {"get"}, "/log/entries": {"get"},
		"/checks": {"post"}, "/checks/failed": {"get"}, "/subscriptions": {"get", "post"}, "/subscriptions/{id}": {"delete"},
		"/inquiries": {"get", "post"}, "/inquiries/{id}": {"get"}, "/inquiries/{id}/messages": {"post"}, "/soap": {"get", "post"}, "/openapi.json": {"get"},
	}
	for p, ms := range routes {
		for _, m := range ms {
			if _, ok := doc.Paths[p][m]; !ok {
				t.Errorf("openapi.json lacks %s %s", m, p)
			}
		}
	}
	if len(doc.Paths) != len(routes) {
		t.Errorf("openapi.json has %d paths, the API %d", len(doc.Paths), len(routes))
	}
}

func TestCheckpointAndConsistency(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("GET", "/log/checkpoint", "", nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	cp, err := tlog.Open(body, "test.example/log", e.verifier)
	if err != nil || cp.Size == 0 {
		t.Fatalf("checkpoint %q: %v", body, err)
	}
	resp, body = e.do("GET", "/log/proofs/consistency?from=1", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("consistency: %d %s", resp.StatusCode, body)
	}
	var p tlog.ConsistencyProof
	json.Unmarshal(body, &p)
	if _, err := p.Verify("test.example/log", e.verifier); err != nil {
		t.Errorf("consistency proof: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1e9, 0)
	h := httpapi.Harden(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), httpapi.HardenOptions{Rate: 1, Burst: 3, Now: func() time.Time { return now }})
	codes := ""
	for i := 0; i < 5; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		codes += itoa(uint64(rec.Code)) + " "
	}
	if codes != "200 200 200 429 429 " {
		t.Errorf("codes = %s", codes)
	}
	now = now.Add(2 * time.Second)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 {
		t.Errorf("after refill: %d", rec.Code)
	}
	// another client has its own bucket
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "192.0.2.9:1234"
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("other client: %d", rec.Code)
	}
}

func TestCrossOriginPostRejected(t *testing.T) {
	e := newEnv(t)
	resp, _ := e.do("POST", "/checks", "", strings.NewReader("%PDF-"), "Sec-Fetch-Site", "cross-site", "Content-Type", "application/pdf")
	if resp.StatusCode != 403 {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
}

// TestLookupsRecorded: public lookups are checks too; the batching
// recorder writes them all, and the body sees the failed ones.
func TestLookupsRecorded(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.st.RunCheckRecorder(ctx) }()
	time.Sleep(10 * time.Millisecond)
	if _, err := e.reg.Suspend(context.Background(), numCCC, registry.Change{Actor: "cqc", Reason: "audit"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		e.do("GET", "/certificates/"+numCCC, "", nil)
		e.do("GET", "/certificates/"+numPhyto, "", nil)
	}
	e.do("GET", "/certificates/NO-SUCH", "", nil)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fc, err := e.st.FailedChecksFor(context.Background(), bodyCQC, 10)
	if err != nil {
		t.Fatal(err)
	}
	if fc.Total != 50 || fc.ByPart["status"] != 50 || len(fc.Recent) != 10 || fc.Recent[0].Channel != "rest-lookup" {
		t.Errorf("CQC's failed checks: total %d by part %v recent %d", fc.Total, fc.ByPart, len(fc.Recent))
	}
	var n int
	e.st.DB().QueryRow(`SELECT COUNT(*) FROM checks`).Scan(&n)
	if n != 101 {
		t.Errorf("%d checks recorded, want 101", n)
	}
	var unknown int
	e.st.DB().QueryRow(`SELECT COUNT(*) FROM checks WHERE failed_part = 'unknown-number' AND number = 'NO-SUCH'`).Scan(&unknown)
	if unknown != 1 {
		t.Errorf("unknown number recorded %d times", unknown)
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan error, 1)
	go func() { done <- httpapi.ListenAndServe(ctx, addr, h, httpapi.ListenOptions{GenerateCert: true}) }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 5 * time.Second}
	var resp *http.Response
	for i := 0; i < 50; i++ {
		if resp, err = client.Get("https://" + addr + "/"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" || resp.TLS == nil {
		t.Fatalf("got %q, TLS %v", body, resp.TLS != nil)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop with its context")
	}
}
