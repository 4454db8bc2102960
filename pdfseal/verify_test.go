package pdfseal

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// interopTime is inside the validity of the interop test signer.
var interopTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func interopRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	// The root is copied beside the good_/fail_ files so that these tests
	// run without ../shared.
	pool, err := LoadRoots(filepath.Join("testdata", "verify", "test-root.crt"))
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

func verifyFile(t testing.TB, path string, opts VerifyOptions) *Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("%s: Verify: %v", path, err)
	}
	return rep
}

func summary(r *Report) string {
	var b strings.Builder
	r.WriteSummary(&b)
	return b.String()
}

// TestVerifyTestdata checks every good_/fail_ file of testdata/verify:
// good ones pass, fail ones fail with the expected sub-indication and an
// explanation that names the problem.
func TestVerifyTestdata(t *testing.T) {
	want := map[string]struct {
		sub  SubIndication
		says string // in the document's explanation
	}{
		"fail_appended_garbage.pdf":               {FormatFailure, "belong to no revision"},
		"fail_byterange_100mb_claim.pdf":          {FormatFailure, "beyond the end of the file"},
		"fail_byterange_missing.pdf":              {FormatFailure, "/ByteRange is missing"},
		"fail_byterange_not_from_zero.pdf":        {FormatFailure, "do not start at the beginning"},
		"fail_byterange_overlap.pdf":              {FormatFailure, "not ascending"},
		"fail_byterange_wrapping.pdf":             {FormatFailure, "signature wrapping"},
		"fail_catalog_openaction.pdf":             {FormatFailure, "/OpenAction"},
		"fail_contents_garbage.pdf":               {FormatFailure, "not a readable CMS"},
		"fail_contents_no_signer.pdf":             {FormatFailure, "not a readable CMS"},
		"fail_contents_zero.pdf":                  {FormatFailure, "not a readable CMS"},
		"fail_evil_annotation.pdf":                {FormatFailure, "FreeText annotation added at [50 650 450 750] covers page content"},
		"fail_page_content_appended.pdf":          {FormatFailure, "page 1: /Contents changed"},
		"fail_shadow_hide_delete.pdf":             {FormatFailure, "page 1: content stream (object 4) was deleted"},
		"fail_shadow_overlay_xobject.pdf":         {FormatFailure, "page 1: /Contents, /Resources changed"},
		"fail_shadow_replace_content.pdf":         {FormatFailure, "page 1: content stream (object 4) was changed"},
		"fail_shadow_replace_font.pdf":            {FormatFailure, "page 1: font /F1 (object 5) was changed"},
		"fail_signature_dictionary_redefined.pdf": {FormatFailure, "not inside the signed bytes"},
		"fail_sneaky_signature.pdf":               {FormatFailure, "visible signature widget covers page content"},
		"fail_tampered_byte.pdf":                  {HashFailure, "digest does not match"},
		"fail_unsigned.pdf":                       {FormatFailure, "no signature"},
	}
	roots := interopRoots(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "verify", "*.pdf"))
	if len(files) < 20 {
		t.Fatalf("only %d files in testdata/verify", len(files))
	}
	seen := 0
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			rep := verifyFile(t, f, VerifyOptions{Roots: roots, Time: interopTime})
			switch {
			case strings.HasPrefix(name, "good_"):
				if rep.Indication != TotalPassed {
					t.Errorf("got %s/%s, want TOTAL-PASSED\n%s", rep.Indication, rep.SubIndication, summary(rep))
				}
				for _, s := range rep.Signatures {
					if !s.Intact || !s.Valid || !s.Trusted || !s.Changes.Permitted {
						t.Errorf("signature %q: intact=%v valid=%v trusted=%v permitted=%v", s.Field, s.Intact, s.Valid, s.Trusted, s.Changes.Permitted)
					}
				}
			case strings.HasPrefix(name, "fail_"):
				w, ok := want[name]
				if !ok {
					t.Fatalf("no expectation for %s", name)
				}
				seen++
				if rep.Indication != TotalFailed || rep.SubIndication != w.sub {
					t.Errorf("got %s/%s, want TOTAL-FAILED/%s\n%s", rep.Indication, rep.SubIndication, w.sub, summary(rep))
				}
				if !strings.Contains(rep.Explanation, w.says) {
					t.Errorf("explanation %q does not say %q", rep.Explanation, w.says)
				}
			}
		})
	}
	if seen != len(want) {
		t.Errorf("checked %d fail_ files, expected %d", seen, len(want))
	}
}

// TestVerifyTestdataDetails checks the report fields beyond the verdict.
func TestVerifyTestdataDetails(t *testing.T) {
	roots := interopRoots(t)
	dir := filepath.Join("testdata", "verify")
	rep := verifyFile(t, filepath.Join(dir, "good_certified_dss.pdf"), VerifyOptions{Roots: roots, Time: interopTime})
	s := rep.Signatures[0]
	if s.Kind != "certification signature" || s.CertificationLevel != 2 || s.Coverage != CoverageRevision ||
		s.Changes.Class != ChangeDSS || !s.Changes.Permitted || s.Revision != 2 || rep.Revisions != 3 || s.Level != "B-B" || s.Visible {
		t.Errorf("certified + DSS: %+v", s)
	}
	if s.Signer == nil || !strings.Contains(s.Signer.Subject, "Example Certification Body Seal") || len(s.Chain) != 2 {
		t.Errorf("signer/chain: %+v %+v", s.Signer, s.Chain)
	}
	rep = verifyFile(t, filepath.Join(dir, "good_certified_empty_signature_field.pdf"), VerifyOptions{Roots: roots, Time: interopTime})
	if c := rep.Signatures[0].Changes; c.Class != ChangeSignatures || !c.Permitted {
		t.Errorf("empty signature field added: %+v", c)
	}
	rep = verifyFile(t, filepath.Join(dir, "fail_tampered_byte.pdf"), VerifyOptions{Roots: roots, Time: interopTime})
	if s := rep.Signatures[0]; s.Intact || s.Valid {
		t.Errorf("tampered: intact=%v valid=%v", s.Intact, s.Valid)
	}
	rep = verifyFile(t, filepath.Join(dir, "fail_shadow_replace_font.pdf"), VerifyOptions{Roots: roots, Time: interopTime})
	if s := rep.Signatures[0]; !s.Intact || !s.Valid || !s.Trusted || s.Changes.Class != ChangeOther || s.Changes.Permitted {
		t.Errorf("shadow font: %+v", s)
	}
	// Without the root the same good file is INDETERMINATE.
	rep = verifyFile(t, filepath.Join(dir, "good_pyhanko_approval.pdf"), VerifyOptions{Time: interopTime})
	if rep.Indication != Indeterminate || rep.SubIndication != NoCertificateChainFound {
		t.Errorf("no roots: %s/%s", rep.Indication, rep.SubIndication)
	}
	// After the signer certificate expired, with no timestamp: no POE.
	rep = verifyFile(t, filepath.Join(dir, "good_pyhanko_approval.pdf"), VerifyOptions{Roots: roots, Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if rep.Indication != Indeterminate || rep.SubIndication != OutOfBoundsNoPOE {
		t.Errorf("expired: %s/%s", rep.Indication, rep.SubIndication)
	}
	// Before it was valid.
	rep = verifyFile(t, filepath.Join(dir, "good_pyhanko_approval.pdf"), VerifyOptions{Roots: roots, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if rep.Indication != TotalFailed || rep.SubIndication != NotYetValid {
		t.Errorf("not yet valid: %s/%s", rep.Indication, rep.SubIndication)
	}
	// An algorithm policy that refuses SHA-256.
	rep = verifyFile(t, filepath.Join(dir, "good_pyhanko_approval.pdf"), VerifyOptions{Roots: roots, Time: interopTime, Algorithms: Algorithms{MinRSABits: 3072}})
	if rep.Indication != Indeterminate || rep.SubIndication != CryptoConstraintsFailureNoPOE {
		t.Errorf("RSA-2048 refused: %s/%s", rep.Indication, rep.SubIndication)
	}
}

// TestVerifyInterop checks the files other implementations signed
// against the table of ../shared/interop/README.md.
func TestVerifyInterop(t *testing.T) {
	dir := testtool.Shared(t, "interop")
	roots, err := LoadRoots(filepath.Join(dir, "test-root.crt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file     string
		ind      Indication
		sub      SubIndication
		sigs     int
		coverage []Coverage
		kinds    []string
	}{
		{"pyhanko-pades-approval.pdf", TotalPassed, "", 1, []Coverage{CoverageFile}, []string{"signature"}},
		{"pyhanko-pades-certified.pdf", TotalPassed, "", 1, []Coverage{CoverageFile}, []string{"certification signature"}},
		{"pyhanko-certified-then-approval.pdf", TotalPassed, "", 2, []Coverage{CoverageRevision, CoverageFile}, nil},
		{"pyhanko-pades-then-pkcs7.pdf", TotalPassed, "", 2, []Coverage{CoverageRevision, CoverageFile}, nil},
		{"pdfsign-approval-visible.pdf", TotalPassed, "", 1, []Coverage{CoverageFile}, []string{"signature"}},
		{"poppler-pdfsig-approval.pdf", TotalPassed, "", 1, []Coverage{CoverageFile}, []string{"signature"}},
		{"pdfsign-approval-tampered.pdf", TotalFailed, HashFailure, 1, []Coverage{CoverageFile}, nil},
		{"pdfsign-approval-tampered-mediabox.pdf", TotalFailed, HashFailure, 1, []Coverage{CoverageFile}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rep := verifyFile(t, filepath.Join(dir, tc.file), VerifyOptions{RootFiles: []string{filepath.Join(dir, "test-root.crt")}, Time: interopTime})
			if rep.Indication != tc.ind || rep.SubIndication != tc.sub || len(rep.Signatures) != tc.sigs {
				t.Fatalf("got %s/%s with %d signatures, want %s/%s with %d\n%s", rep.Indication, rep.SubIndication, len(rep.Signatures), tc.ind, tc.sub, tc.sigs, summary(rep))
			}
			for i, s := range rep.Signatures {
				if s.Coverage != tc.coverage[i] {
					t.Errorf("signature %d covers %s, want %s", i+1, s.Coverage, tc.coverage[i])
				}
				if tc.kinds != nil && s.Kind != tc.kinds[i] {
					t.Errorf("signature %d is a %s, want %s", i+1, s.Kind, tc.kinds[i])
				}
				if tc.ind == TotalPassed && (!s.Intact || !s.Valid || !s.Trusted) {
					t.Errorf("signature %d: intact=%v valid=%v trusted=%v", i+1, s.Intact, s.Valid, s.Trusted)
				}
				if i == 0 && tc.sigs == 2 && (s.Changes.Class != ChangeSignatures || !s.Changes.Permitted) {
					t.Errorf("first signature: changes %+v, want an allowed signature", s.Changes)
				}
			}
			if tc.file == "pdfsign-approval-visible.pdf" && !rep.Signatures[0].Visible {
				t.Error("visible seal reported invisible")
			}
			// The same with the pool given directly, and untrusted without.
			rep = verifyFile(t, filepath.Join(dir, tc.file), VerifyOptions{Roots: roots, Time: interopTime})
			if rep.Indication != tc.ind {
				t.Errorf("with Roots: %s", rep.Indication)
			}
			if tc.ind == TotalPassed {
				rep = verifyFile(t, filepath.Join(dir, tc.file), VerifyOptions{Time: interopTime})
				if rep.Indication != Indeterminate || rep.SubIndication != NoCertificateChainFound {
					t.Errorf("without roots: %s/%s", rep.Indication, rep.SubIndication)
				}
			}
		})
	}
}

// TestVerifyShadowAttacks runs the Bochum shadow-attack demonstration
// files: every 4_ file fails and names the change, every 3_ is intact.
func TestVerifyShadowAttacks(t *testing.T) {
	dir := testtool.Shared(t, "attacks")
	n3, n4 := 0, 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".pdf") {
			return err
		}
		name := d.Name()
		if !strings.HasPrefix(name, "3_") && !strings.HasPrefix(name, "4_") {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		t.Run(rel, func(t *testing.T) {
			rep := verifyFile(t, path, VerifyOptions{Time: interopTime})
			if len(rep.Signatures) != 1 {
				t.Fatalf("%d signatures\n%s", len(rep.Signatures), summary(rep))
			}
			s := rep.Signatures[0]
			if !s.Intact || !s.Valid {
				t.Errorf("signature not intact/valid: %+v", s)
			}
			if strings.HasPrefix(name, "3_") {
				n3++
				if rep.Indication != Indeterminate || s.Changes.Class != ChangeNone {
					t.Errorf("3_: got %s, changes %s\n%s", rep.Indication, s.Changes.Class, summary(rep))
				}
				return
			}
			n4++
			if rep.Indication != TotalFailed || s.Changes.Permitted || len(s.Changes.Details) == 0 {
				t.Errorf("4_: got %s/%s\n%s", rep.Indication, rep.SubIndication, summary(rep))
			}
			if !strings.Contains(rep.Explanation, "changed after signing") || !strings.Contains(rep.Explanation, "object") {
				t.Errorf("explanation does not name the change: %s", rep.Explanation)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n3 < 7 || n4 < 8 {
		t.Errorf("found %d 3_ and %d 4_ files", n3, n4)
	}
}

func TestVerifyUnreadable(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("x"), 5000)} {
		_, err := Verify(context.Background(), bytes.NewReader(in), int64(len(in)), VerifyOptions{})
		if !errors.Is(err, ErrUnreadable) {
			t.Errorf("%q: err %v, want ErrUnreadable", in[:min(len(in), 10)], err)
		}
	}
	// A PDF header with nothing usable after it is a report, not an error.
	in := []byte("%PDF-1.7\ngarbage\n")
	rep, err := Verify(context.Background(), bytes.NewReader(in), int64(len(in)), VerifyOptions{})
	if err != nil || rep.Indication != TotalFailed || rep.SubIndication != FormatFailure {
		t.Errorf("broken PDF: %v %+v", err, rep)
	}
}

func TestVerifyLogger(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	verifyFile(t, filepath.Join("testdata", "verify", "good_pyhanko_approval.pdf"), VerifyOptions{Time: interopTime, Logger: log})
	if !strings.Contains(buf.String(), "field=Seal") || !strings.Contains(buf.String(), "indication=INDETERMINATE") {
		t.Errorf("log: %s", buf.String())
	}
}
