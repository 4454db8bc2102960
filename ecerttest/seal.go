package ecerttest

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
)

var fonts struct {
	sync.Once
	list []*pdfseal.Font
	err  error
}

// Fonts returns the default CJK font, loaded once per process. The test
// is skipped when no font is installed (Debian: fonts-wqy-zenhei).
func Fonts(t testing.TB) []*pdfseal.Font {
	t.Helper()
	fonts.Do(func() {
		for _, p := range pdfseal.DefaultFontPaths() {
			f, err := pdfseal.LoadFont(p)
			if err == nil {
				fonts.list = []*pdfseal.Font{f}
				return
			}
			fonts.err = err
		}
	})
	if fonts.list == nil {
		t.Skipf("ecerttest: no CJK font installed (Debian package fonts-wqy-zenhei): %v", fonts.err)
	}
	return fonts.list
}

// Render renders c to a PDF with the default layout.
func Render(t testing.TB, c *ecert.Certificate) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pdfseal.Render(context.Background(), c, &buf, pdfseal.RenderOptions{Fonts: Fonts(t)}); err != nil {
		t.Fatalf("ecerttest: render %s: %v", c.Number, err)
	}
	return buf.Bytes()
}

// Seal renders c and seals it with the PKI's seal key.
func Seal(t testing.TB, pki *PKI, c *ecert.Certificate, opts pdfseal.SealOptions) []byte {
	t.Helper()
	return SealPDF(t, pki, Render(t, c), opts)
}

// SealPDF seals an existing PDF with the PKI's seal key.
func SealPDF(t testing.TB, pki *PKI, pdf []byte, opts pdfseal.SealOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := pdfseal.Seal(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, pki.Signer(), opts); err != nil {
		t.Fatalf("ecerttest: seal: %v", err)
	}
	return out.Bytes()
}

// Verify verifies pdf with the PKI's root as the trust anchor. Set
// opts.Roots to nil explicitly through VerifyWith to verify without it.
func Verify(t testing.TB, pki *PKI, pdf []byte) *pdfseal.Report {
	t.Helper()
	return VerifyWith(t, pdf, pdfseal.VerifyOptions{Roots: pki.Roots()})
}

// VerifyWith verifies pdf with opts.
func VerifyWith(t testing.TB, pdf []byte, opts pdfseal.VerifyOptions) *pdfseal.Report {
	t.Helper()
	rep, err := pdfseal.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), opts)
	if err != nil {
		t.Fatalf("ecerttest: verify: %v", err)
	}
	return rep
}

// RequirePassed fails the test, printing the whole report, unless the
// document is TOTAL-PASSED.
func RequirePassed(t testing.TB, rep *pdfseal.Report) {
	t.Helper()
	RequireIndication(t, rep, pdfseal.TotalPassed, "")
}

// RequireIndication fails the test, printing the whole report, unless the
// document's indication is ind (and its sub-indication sub, when sub is
// not empty).
func RequireIndication(t testing.TB, rep *pdfseal.Report, ind pdfseal.Indication, sub pdfseal.SubIndication) {
	t.Helper()
	if rep.Indication == ind && (sub == "" || rep.SubIndication == sub) {
		return
	}
	t.Fatalf("ecerttest: got %s %s, want %s %s\n%s", rep.Indication, rep.SubIndication, ind, sub, Dump(rep))
}

// Dump returns the report as a summary followed by its JSON.
func Dump(rep *pdfseal.Report) string {
	var b strings.Builder
	rep.WriteSummary(&b)
	js, _ := json.MarshalIndent(rep, "", "  ")
	b.WriteString("\n")
	b.Write(js)
	return b.String()
}
