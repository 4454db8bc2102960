package demo_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// TestPortalInChromium drives the portal in headless Chromium as a
// visitor would: look a number up, upload the sealed PDF, upload a
// tampered copy; it checks the verdicts and saves screenshots (into
// $PORTAL_SCREENSHOTS when set, to look at them).
func TestPortalInChromium(t *testing.T) {
	path := findChromium(t)
	base, _ := start(t)
	shots := os.Getenv("PORTAL_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)

	dir := t.TempDir()
	_, good := do(t, "GET", base+"/certificates/"+numCCC+"/versions/2.pdf", "", "", nil)
	goodPath, badPath := filepath.Join(dir, "ccc-v2.pdf"), filepath.Join(dir, "ccc-v2-tampered.pdf")
	os.WriteFile(goodPath, good, 0o644)
	os.WriteFile(badPath, tamper(t, good), 0o644)

	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true), chromedp.WindowSize(1100, 900),
		chromedp.UserDataDir(filepath.Join(dir, "profile")))
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	defer cancel3()

	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(shots, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil {
			t.Fatalf("attribute %s of %s: %v", name, sel, err)
		}
		return v.Value
	}
	submit := func(sel string) {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}

	// 1. Look a number up, in English.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?lang=en")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#number"), numCCC)); err != nil {
		t.Fatal(err)
	}
	submit("#search")
	if got := text("#status"); got != "valid" {
		t.Errorf("status shown: %q", got)
	}
	if got := text("#proof-status"); !strings.Contains(got, "Verified") {
		t.Errorf("proof status: %q", got)
	}
	if got := text("#history"); !strings.Contains(got, "superseded") || !strings.Contains(got, "statement of modification") {
		t.Errorf("history: %q", got)
	}
	shot("1-lookup-en")

	// Switch to Chinese: a link, no script.
	submit(`nav.lang a[href$="lang=zh"]`)
	if got := text("#status"); got != "有效" {
		t.Errorf("Chinese status: %q", got)
	}
	shot("2-lookup-zh")

	// 2. Upload the sealed PDF: pass.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?lang=en"), chromedp.SetUploadFiles(chromedp.CSS("#pdf"), []string{goodPath})); err != nil {
		t.Fatal(err)
	}
	submit("#verify")
	if v := attr("#verdict", "data-verdict"); v != "pass" {
		t.Errorf("good PDF: verdict %q: %s", v, text("#verdict"))
	}
	if got := text("#verdict h2"); got != "PASS" {
		t.Errorf("verdict heading %q", got)
	}
	shot("3-upload-good")

	// 3. Upload a tampered copy: fail, naming the seal.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?lang=zh"), chromedp.SetUploadFiles(chromedp.CSS("#pdf"), []string{badPath})); err != nil {
		t.Fatal(err)
	}
	submit("#verify")
	if v, f := attr("#verdict", "data-verdict"), attr("#verdict", "data-failed"); v != "fail" || f != "signature" {
		t.Errorf("tampered PDF: %q/%q: %s", v, f, text("#verdict"))
	}
	if got := text("#failed-part"); !strings.Contains(got, "电子签章") {
		t.Errorf("failed part shown: %q", got)
	}
	shot("4-upload-tampered-zh")
}

func findChromium(t *testing.T) string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	testtool.Need(t, "chromium")
	return ""
}
