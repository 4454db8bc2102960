package portal_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/httpapi/portal"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
)

func newPortal(t *testing.T) (*httptest.Server, *httpapi.Store) {
	ctx := context.Background()
	reg := memory.New(registry.Options{})
	reg.RegisterBody(ctx, registry.Body{ID: "CNCA-R-2002-001", Name: ecert.Text{"en": "CQC"}, Country: "CN"}, registry.Change{Actor: "t"})
	b, err := os.ReadFile(testtool.Testdata("good_ccc.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ecert.Unmarshal(b)
	if _, err := reg.Issue(ctx, c, registry.Change{Actor: "officer"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := httpapi.OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	never := httpapi.CheckerFunc(func(context.Context, io.ReaderAt, int64) (*httpapi.Verdict, error) {
		t.Error("the checker ran")
		return nil, io.EOF
	})
	p := &portal.Portal{Registry: reg, Store: st, Checker: never, CSRF: &httpapi.CSRF{Key: []byte("0123456789abcdef0123456789abcdef")}}
	srv := httptest.NewServer(httpapi.Harden(p.Handler(), httpapi.HardenOptions{Rate: -1}))
	t.Cleanup(srv.Close)
	return srv, st
}

func get(t *testing.T, u, acceptLang string) (int, string) {
	req, _ := http.NewRequest("GET", u, nil)
	if acceptLang != "" {
		req.Header.Set("Accept-Language", acceptLang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLanguages(t *testing.T) {
	srv, _ := newPortal(t)
	for _, tc := range []struct{ path, accept, want string }{
		{"/", "zh-CN,zh;q=0.9", "电子证书查询验证"},
		{"/", "en-GB,en", "E-Certificate Verification"},
		{"/", "", "电子证书查询验证"},
		{"/?lang=en", "zh-CN", "E-Certificate Verification"},
		{"/lookup?number=2024010703123456&lang=zh", "en", `id="status">有效<`},
		{"/lookup?number=2024010703123456&lang=en", "zh", `id="status">valid<`},
	} {
		code, body := get(t, srv.URL+tc.path, tc.accept)
		if code != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s (%s): %d, no %q", tc.path, tc.accept, code, tc.want)
		}
	}
}

func TestLookupErrorsAndRecords(t *testing.T) {
	srv, st := newPortal(t)
	if code, body := get(t, srv.URL+"/lookup?number=&lang=en", ""); code != 400 || !strings.Contains(body, "Enter a certificate number") {
		t.Errorf("empty number: %d", code)
	}
	if code, body := get(t, srv.URL+"/lookup?lang=en&number="+url.QueryEscape("<script>x</script>"), ""); code != 404 || strings.Contains(body, "<script>x") {
		t.Errorf("unknown number: %d, escaped: %v", code, !strings.Contains(body, "<script>x"))
	}
	var n int
	st.DB().QueryRow(`SELECT COUNT(*) FROM checks WHERE channel = 'portal-lookup' AND failed_part = 'unknown-number'`).Scan(&n)
	if n != 1 {
		t.Errorf("recorded unknown-number lookups: %d", n)
	}
}

func TestUploadWithoutCSRFNeverChecks(t *testing.T) {
	srv, _ := newPortal(t)
	resp, err := http.Post(srv.URL+"/verify", "multipart/form-data; boundary=x", strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7\r\n--x--\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("upload without CSRF token: %d, want 403", resp.StatusCode)
	}
	if code, body := get(t, srv.URL+"/static/style.css", ""); code != 200 || !strings.Contains(body, ".verdict") {
		t.Errorf("stylesheet: %d", code)
	}
}
