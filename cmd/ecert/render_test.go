package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal"
)

// TestRenderAcceptance is the check: ecert render on the CCC
// sample gives a PDF that passes qpdf --check, whose pdftotext holds the
// number and Chinese text, whose pdffonts lists an embedded CJK font,
// whose QR code zbarimg decodes to the verification URL, and whose
// embedded JSON pdfdetach saves with the input's ecert digest.
func TestRenderAcceptance(t *testing.T) {
	tools := testtool.Need(t, "qpdf", "pdftotext", "pdffonts", "pdftoppm", "zbarimg", "pdfdetach")
	if tools == nil {
		return
	}
	if _, err := os.Stat(pdfseal.DefaultFontPaths()[0]); err != nil {
		testtool.Missing(t, "fonts-wqy-zenhei is not installed: %v", err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "ccc.pdf")
	in := sample("good_ccc.json")
	if code, stdout, stderr := runMain(t, "", "render", in, "-o", out); code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", code, stdout, stderr)
	}
	run := func(name string, args ...string) string {
		t.Helper()
		var stderr strings.Builder
		cmd := exec.Command(name, args...)
		cmd.Stderr = &stderr // zbarimg complains about D-Bus there
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s%s", name, args, err, b, stderr.String())
		}
		return string(b)
	}
	if s := run("qpdf", "--check", out); !strings.Contains(s, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", s)
	}
	text := run("pdftotext", out, "-")
	for _, want := range []string{"2024010703123456", "中国国家强制性产品认证证书", "广东美的制冷设备有限公司"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}
	if s := run("pdffonts", out); !regexp.MustCompile(`WenQuanYiZenHei\s+CID TrueType\s+Identity-H\s+yes\s+yes`).MatchString(s) {
		t.Errorf("pdffonts:\n%s", s)
	}
	run("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", out, filepath.Join(dir, "p1"))
	if s := strings.TrimSpace(run("zbarimg", "-q", "--raw", filepath.Join(dir, "p1.png"))); s != "https://verify.example.org/c/2024010703123456" {
		t.Errorf("zbarimg: %q", s)
	}
	saved := filepath.Join(dir, "saved.json")
	run("pdfdetach", "-savefile", "ecert.json", "-o", saved, out)
	_, d1, _ := runMain(t, "", "digest", in)
	_, d2, _ := runMain(t, "", "digest", saved)
	if d1 == "" || d1 != d2 {
		t.Errorf("digest of the input %q, of the embedded JSON %q", d1, d2)
	}
}

func TestRenderCLI(t *testing.T) {
	if _, err := os.Stat(pdfseal.DefaultFontPaths()[0]); err != nil {
		testtool.Missing(t, "fonts-wqy-zenhei is not installed: %v", err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "sps.pdf")
	if code, _, stderr := runMain(t, "", "render", sample("good_sps_phyto.json"), "-o", out, "--layout", "inspection", "--xml", sample("good_sps_phyto.json")); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	x, err := pdfseal.Extract(f, st.Size())
	if err != nil || x.Certificate == nil || x.Certificate.Number != "CN-PHY-2024-0012345" || x.File(pdfseal.XMLFileName) == nil {
		t.Errorf("Extract = %+v, %v", x, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"render", sample("good_ccc.json")}, exitUsage, "-o OUT.pdf"},
		{[]string{"render", sample("good_ccc.json"), "-o", filepath.Join(dir, "x.pdf"), "--layout", "fancy"}, exitUsage, "unknown layout"},
		{[]string{"render", sample("fail_missing_fields.json"), "-o", filepath.Join(dir, "bad.pdf")}, exitNo, "invalid"},
		{[]string{"render", sample("good_ccc.json"), "-o", filepath.Join(dir, "y.pdf"), "--font", "/nonexistent.ttf"}, exitUsage, "nonexistent.ttf"},
	} {
		code, _, stderr := runMain(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d %q, want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.pdf")); err == nil {
		t.Error("an invalid certificate left a PDF behind")
	}
}
