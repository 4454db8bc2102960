package demo_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/httpapi/demo"
	"github.com/ecertkit/ecertkit/httpapi/issuing"
	"github.com/ecertkit/ecertkit/internal/testtool"
)

// runID numbers the certificates that tests issue in the shared demo
// system, which lives for the whole test binary.
var runID atomic.Int64

const (
	numCCC   = "2024010703123456"
	numISO   = "00124Q31234R2M"
	numPhyto = "CN-PHY-2024-0012345"
)

func openDB(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
}

var (
	once    sync.Once
	running struct {
		base string
		d    *demo.Demo
		out  *syncBuf
		err  error
	}
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs one demo for the package's tests, on a free port, as
// "ecert demo" does.
func start(t *testing.T) (string, *demo.Demo) {
	t.Helper()
	once.Do(func() {
		samples, err := filepath.Glob(testtool.Testdata("good_*.json"))
		if err != nil || len(samples) == 0 {
			running.err = err
			return
		}
		dir, err := os.MkdirTemp("", "ecert-demo-test-")
		if err != nil {
			running.err = err
			return
		}
		running.out = &syncBuf{}
		ready := make(chan struct{})
		go func() {
			err := demo.Run(context.Background(), demo.Options{Dir: dir, Addr: "127.0.0.1:0", OpenDB: openDB, Rate: -1, Out: running.out,
				Samples: sortSamples(samples)}, func(base string, d *demo.Demo) {
				running.base, running.d = base, d
				close(ready)
			})
			if err != nil {
				running.err = err
				close(ready)
			}
		}()
		select {
		case <-ready:
		case <-time.After(3 * time.Minute):
			running.err = context.DeadlineExceeded
		}
	})
	if running.err != nil {
		if strings.Contains(running.err.Error(), "no CJK TrueType font") {
			testtool.Missing(t, "%v", running.err)
		}
		t.Fatalf("demo: %v", running.err)
	}
	return running.base, running.d
}

func sortSamples(m []string) []string {
	var a, b []string
	for _, f := range m {
		if strings.Contains(f, "_v2") {
			b = append(b, f)
		} else {
			a = append(a, f)
		}
	}
	return append(a, b...)
}

func do(t *testing.T, method, u, token, ctype string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestDemoServesPortalAndLookup(t *testing.T) {
	base, d := start(t)
	out := running.out.String()
	for _, s := range []string{base + "/", "/lookup?number=" + numCCC, "curl -s " + base + "/certificates/" + numCCC, "Authorization: Bearer " + d.Tokens["cqc-operator"]} {
		if !strings.Contains(out, s) {
			t.Errorf("welcome text lacks %q:\n%s", s, out)
		}
	}
	resp, body := do(t, "GET", base+"/", "", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<form") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("portal home: %d %.300s", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", base+"/lookup?lang=en&number="+numCCC, "", "", nil)
	if resp.StatusCode != 200 || !regexp.MustCompile(`id="status">valid<`).Match(body) || !strings.Contains(string(body), "China Quality Certification Centre") {
		t.Fatalf("lookup: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(string(body), "Verified with the log") {
		t.Errorf("lookup does not show a verified transparency proof")
	}
	resp, body = do(t, "GET", base+"/lookup?lang=zh&number="+numCCC, "", "", nil)
	if !strings.Contains(string(body), `id="status">有效<`) || !strings.Contains(string(body), "变更确认书") {
		t.Errorf("Chinese lookup: %d %.500s", resp.StatusCode, body)
	}
	resp, _ = do(t, "GET", base+"/lookup?number=NO-SUCH-1", "", "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown number: %d", resp.StatusCode)
	}
}

func upload(t *testing.T, base, path, name string, data []byte, withCSRF bool) (*http.Response, []byte) {
	t.Helper()
	return uploadLang(t, base, path, name, data, withCSRF, "en")
}

func uploadLang(t *testing.T, base, path, name string, data []byte, withCSRF bool, lang string) (*http.Response, []byte) {
	t.Helper()
	jar := &cookieJar{}
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token in the form")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if withCSRF {
		mw.WriteField("csrf_token", string(m[1]))
	}
	mw.WriteField("lang", lang)
	fw, _ := mw.CreateFormFile("pdf", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type cookieJar struct {
	mu sync.Mutex
	c  []*http.Cookie
}

func (j *cookieJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.c = append(j.c, cs...)
}

func (j *cookieJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.c
}

func verdictOf(body []byte) (string, string) {
	m := regexp.MustCompile(`data-verdict="([a-z]+)" data-failed="([a-z-]*)"`).FindSubmatch(body)
	if m == nil {
		return "", ""
	}
	return string(m[1]), string(m[2])
}

func TestPortalUploads(t *testing.T) {
	base, _ := start(t)
	_, good := do(t, "GET", base+"/certificates/"+numCCC+"/versions/2.pdf", "", "", nil)
	_, old := do(t, "GET", base+"/certificates/"+numCCC+"/versions/1.pdf", "", "", nil)
	tampered := tamper(t, good)
	for _, tc := range []struct {
		name          string
		data          []byte
		csrf          bool
		status        int
		verdict, part string
	}{
		{"good", good, true, 200, "pass", ""},
		{"tampered", tampered, true, 200, "fail", "signature"},
		{"superseded", old, true, 200, "fail", "status"},
		{"not a PDF", []byte("\x89PNG\r\n\x1a\n not a pdf at all"), true, 200, "fail", "document"},
		{"no CSRF token", good, false, 403, "", ""},
		{"oversized", bytes.Repeat([]byte("%PDF-1.7\n"), 1<<20), true, 413, "", ""},
	} {
		resp, body := upload(t, base, "/verify", tc.name+".pdf", tc.data, tc.csrf)
		v, p := verdictOf(body)
		if resp.StatusCode != tc.status || v != tc.verdict || p != tc.part {
			t.Errorf("%s: %d %s/%s, want %d %s/%s\n%.600s", tc.name, resp.StatusCode, v, p, tc.status, tc.verdict, tc.part, body)
		}
	}
}

// TestPortalUploadsInChinese: the Chinese page explains each of the three
// checks in Chinese (the English details stay available, folded).
func TestPortalUploadsInChinese(t *testing.T) {
	base, _ := start(t)
	_, good := do(t, "GET", base+"/certificates/"+numCCC+"/versions/2.pdf", "", "", nil)
	_, old := do(t, "GET", base+"/certificates/"+numCCC+"/versions/1.pdf", "", "", nil)
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"good", good, []string{"电子签章（通过）：由“", "内容与登记一致（通过）：内容与登记系统中证书 " + numCCC + " 第 2 版一致。", "证书状态（通过）：第 2 版是当前版本，状态有效。"}},
		{"tampered", tamper(t, good), []string{"电子签章（不通过）：签章已被破坏"}},
		{"superseded", old, []string{"内容与登记一致（通过）：内容与登记系统中证书 " + numCCC + " 第 1 版一致。", "证书状态（不通过）：这是第 1 版，已被第 2 版替代"}},
	} {
		resp, body := uploadLang(t, base, "/verify", tc.name+".pdf", tc.data, true, "zh")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", tc.name, resp.StatusCode)
		}
		parts := regexp.MustCompile(`(?s)<ul class="parts" id="parts-zh">(.*?)</ul>`).FindSubmatch(body)
		if parts == nil {
			t.Errorf("%s: no Chinese list of the checks:\n%s", tc.name, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(parts[1]), w) {
				t.Errorf("%s: Chinese checks lack %q:\n%s", tc.name, w, parts[1])
			}
		}
		if !strings.Contains(string(body), `<details lang="en">`) {
			t.Errorf("%s: no English details", tc.name)
		}
	}
}

// tamper changes one byte of the signed text (a date in the page
// content) so that the seal no longer covers the file.
func tamper(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out := append([]byte(nil), pdf...)
	// flip a byte in the middle of the first stream
	i := bytes.Index(out, []byte("stream\n"))
	if i < 0 {
		t.Fatal("no stream in the PDF")
	}
	out[i+40] ^= 0x01
	return out
}

func TestIssuingAPI(t *testing.T) {
	base, d := start(t)
	iso := loadSample(t, "good_iso9001.json")
	iso.Number = fmt.Sprintf("00124Q39%03dR0M", runID.Add(1)) // unique per run, so -count=N works
	js, _ := json.Marshal(iso)

	// writes without a token: 401; with another body's token: 403
	if resp, _ := do(t, "POST", base+"/issuing/certificates", "", "application/json", bytes.NewReader(js)); resp.StatusCode != 401 {
		t.Errorf("issue without a token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", base+"/issuing/certificates", d.Tokens["gacc-operator"], "application/json", bytes.NewReader(js)); resp.StatusCode != 403 {
		t.Errorf("issue for another body: %d, want 403", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", base+"/issuing/certificates/"+numCCC+"/suspend", d.Tokens["gacc-operator"], "application/json", strings.NewReader(`{"reason":"x"}`)); resp.StatusCode != 403 {
		t.Errorf("suspend another body's certificate: %d, want 403", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", base+"/issuing/certificates/"+numCCC+"/suspend", d.Tokens["nppo-nl"], "application/json", strings.NewReader(`{"reason":"x"}`)); resp.StatusCode != 403 {
		t.Errorf("suspend by a party that is no body: %d, want 403", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", base+"/issuing/certificates/"+numCCC+"/revoke", "", "application/json", strings.NewReader(`{"reason":"x"}`)); resp.StatusCode != 401 {
		t.Errorf("revoke without a token: %d, want 401", resp.StatusCode)
	}

	tok := d.Tokens["cqc-operator"]
	resp, body := do(t, "POST", base+"/issuing/certificates", tok, "application/json", bytes.NewReader(js))
	if resp.StatusCode != 201 {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	var res issuing.Result
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Version != 1 || res.Actor != "cqc-operator" || !bytes.HasPrefix(res.PDF, []byte("%PDF-")) || !strings.Contains(res.XML, "SPSCertificate") {
		t.Fatalf("issue result: %+v", res)
	}
	if v := check(t, base, res.PDF); v.Outcome != httpapi.Pass {
		t.Errorf("the issued PDF does not pass: %+v", v)
	}
	// the same number again: 409
	if resp, _ := do(t, "POST", base+"/issuing/certificates", tok, "application/json", bytes.NewReader(js)); resp.StatusCode != 409 {
		t.Errorf("issue twice: %d, want 409", resp.StatusCode)
	}

	// modify: new version, statement of modification, the old PDF now fails on status
	mod := iso.Clone()
	mod.Holder.Name["en"] = "Renamed Holder Co., Ltd."
	mjs, _ := json.Marshal(mod)
	resp, body = do(t, "POST", base+"/issuing/certificates/"+iso.Number+"/modify", tok, "application/json", bytes.NewReader(mjs))
	if resp.StatusCode != 201 {
		t.Fatalf("modify: %d %s", resp.StatusCode, body)
	}
	var mres issuing.Result
	json.Unmarshal(body, &mres)
	if mres.Version != 2 || !bytes.HasPrefix(mres.Statement, []byte("%PDF-")) || len(mres.Changes) == 0 || mres.Links["statement"] == "" {
		t.Fatalf("modify result: version %d, statement %d bytes, changes %+v", mres.Version, len(mres.Statement), mres.Changes)
	}
	found := false
	for _, c := range mres.Changes {
		if c.Path == "holder.name.en" && c.After == "Renamed Holder Co., Ltd." {
			found = true
		}
	}
	if !found {
		t.Errorf("changes lack the holder name: %+v", mres.Changes)
	}
	if v := check(t, base, res.PDF); v.Outcome != httpapi.Fail || v.Failed != httpapi.PartStatus {
		t.Errorf("version 1 after the modification: %+v", v)
	}
	if txt := pdftotext(t, mres.Statement); txt != "" && (!strings.Contains(txt, "STATEMENT OF MODIFICATION") || !strings.Contains(txt, "Renamed Holder")) {
		t.Errorf("statement text: %s", txt)
	}

	// suspend (reason required), reinstate, renew, revoke, withdraw
	for _, step := range []struct {
		action, body string
		status       int
		after        ecert.Status
	}{
		{"suspend", `{}`, 400, ""},
		{"suspend", `{"reason":"surveillance audit failed"}`, 200, ecert.StatusSuspended},
		{"renew", `{"validUntil":"2031-01-01T00:00:00Z"}`, 409, ""},
		{"reinstate", ``, 200, ecert.StatusValid},
		{"renew", `{"validUntil":"2031-01-01T00:00:00Z"}`, 201, ecert.StatusValid},
		{"revoke", `{"reason":"fraud"}`, 200, ecert.StatusRevoked},
		{"withdraw", `{"reason":"too late"}`, 409, ""},
		{"explode", `{"reason":"x"}`, 404, ""},
	} {
		resp, body := do(t, "POST", base+"/issuing/certificates/"+iso.Number+"/"+step.action, tok, "application/json", strings.NewReader(step.body))
		if resp.StatusCode != step.status {
			t.Errorf("%s %s: %d %s, want %d", step.action, step.body, resp.StatusCode, body, step.status)
			continue
		}
		if step.after != "" {
			var r issuing.Result
			json.Unmarshal(body, &r)
			if r.Status != step.after || r.Actor != "cqc-operator" {
				t.Errorf("%s: status %s actor %s, want %s", step.action, r.Status, r.Actor, step.after)
			}
		}
	}
	// every event is attributed in the public history
	_, body = do(t, "GET", base+"/certificates/"+iso.Number, "", "", nil)
	var v httpapi.CertificateView
	json.Unmarshal(body, &v)
	var evs []string
	for _, e := range v.Events {
		evs = append(evs, e.Type+"/"+e.Actor)
	}
	want := "issue/cqc-operator modify/cqc-operator suspend/cqc-operator reinstate/cqc-operator renew/cqc-operator revoke/cqc-operator"
	if strings.Join(evs, " ") != want || v.Status != ecert.StatusRevoked || v.CurrentVersion != 3 {
		t.Errorf("history: %v status %s version %d", evs, v.Status, v.CurrentVersion)
	}
	// the failed checks against CQC's numbers are visible to CQC
	resp, body = do(t, "GET", base+"/checks/failed", tok, "", nil)
	var fc httpapi.FailedChecks
	json.Unmarshal(body, &fc)
	if resp.StatusCode != 200 || fc.ByNumber[iso.Number] == 0 {
		t.Errorf("failed checks: %d %s", resp.StatusCode, body)
	}
}

func check(t *testing.T, base string, pdf []byte) *httpapi.Verdict {
	t.Helper()
	resp, body := do(t, "POST", base+"/checks", "", "application/pdf", bytes.NewReader(pdf))
	if resp.StatusCode != 200 {
		t.Fatalf("check: %d %s", resp.StatusCode, body)
	}
	var v httpapi.Verdict
	json.Unmarshal(body, &v)
	return &v
}

func pdftotext(t *testing.T, pdf []byte) string {
	p, err := exec.LookPath("pdftotext")
	if err != nil {
		return ""
	}
	f := filepath.Join(t.TempDir(), "s.pdf")
	os.WriteFile(f, pdf, 0o644)
	out, _ := exec.Command(p, "-layout", f, "-").Output()
	return string(out)
}

func loadSample(t *testing.T, name string) *ecert.Certificate {
	t.Helper()
	b, err := os.ReadFile(testtool.Testdata(name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecert.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSOAPPullValidates: the SOAP pull of the sample phytosanitary
// certificate returns UN/CEFACT XML that validates against xsd-17A; a pull
// without credentials is a 401 SOAP fault.
func TestSOAPPullValidates(t *testing.T) {
	base, d := start(t)
	env := `<?xml version="1.0"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="urn:ecertkit:pull:1">
<soapenv:Body><p:PullCertificate><p:NPPOCertificateNumber>` + numPhyto + `</p:NPPOCertificateNumber></p:PullCertificate></soapenv:Body>
</soapenv:Envelope>`
	resp, body := do(t, "POST", base+"/soap", "", "text/xml", strings.NewReader(env))
	if resp.StatusCode != 401 || !strings.Contains(string(body), "soap:Fault") {
		t.Errorf("pull without credentials: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", base+"/soap", d.Tokens["nppo-nl"], "text/xml", strings.NewReader(env))
	if resp.StatusCode != 200 {
		t.Fatalf("pull: %d %s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`(?s)<tns:Content>(.*)</tns:Content>`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no content: %s", body)
	}
	xmllint := testtool.Need(t, "xmllint")
	if xmllint == nil {
		return
	}
	xsd := filepath.Join(testtool.Shared(t, "cefact"), "xsd-17A", "data", "standard", "SPSCertificate_17p0.xsd")
	f := filepath.Join(t.TempDir(), "pulled.xml")
	os.WriteFile(f, m[1], 0o644)
	if out, err := exec.Command(xmllint[0], "--noout", "--schema", xsd, f).CombinedOutput(); err != nil {
		t.Errorf("pulled XML does not validate against xsd-17A: %v\n%s", err, out)
	}
}

// TestIssuingIdempotent: a retry with the same Idempotency-Key returns the
// first result and records nothing more.
func TestIssuingIdempotent(t *testing.T) {
	base, d := start(t)
	c := loadSample(t, "good_iso9001.json")
	n := runID.Add(1)
	c.Number = fmt.Sprintf("00124Q38%03dR0M", n) // unique per run, so -count=N works
	js, _ := json.Marshal(c)
	var first issuing.Result
	for i, want := range []int{201, 200} {
		req, _ := http.NewRequest("POST", base+"/issuing/certificates", bytes.NewReader(js))
		req.Header.Set("Authorization", "Bearer "+d.Tokens["cqc-operator"])
		req.Header.Set("Idempotency-Key", fmt.Sprintf("order-4711-%d", n))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("attempt %d: %d %s", i+1, resp.StatusCode, b)
		}
		var r issuing.Result
		json.Unmarshal(b, &r)
		if i == 0 {
			first = r
		} else if !r.Replayed || r.LogIndex != first.LogIndex {
			t.Errorf("retry: replayed %v index %d, first %d", r.Replayed, r.LogIndex, first.LogIndex)
		}
	}
}
