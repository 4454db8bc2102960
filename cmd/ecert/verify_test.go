package main

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

func verifyData(name string) string {
	return filepath.Join("..", "..", "pdfseal", "testdata", "verify", name)
}

// TestVerifyCommand checks exit codes and output on the good_/fail_ files.
func TestVerifyCommand(t *testing.T) {
	root := verifyData("test-root.crt")
	at := "2026-12-01T00:00:00Z"
	tests := []struct {
		args []string
		code int
		out  []string
	}{
		{[]string{"verify", "--trust", root, "--time", at, verifyData("good_pyhanko_approval.pdf")}, exitOK,
			[]string{`1. signature "Seal" by CN=Example Certification Body Seal`, "TOTAL-PASSED", "intact, valid, trusted, PAdES B-B", "Document: TOTAL-PASSED"}},
		{[]string{"verify", verifyData("good_pyhanko_approval.pdf"), "--time", at, "--trust", root}, exitOK, []string{"Document: TOTAL-PASSED"}},
		{[]string{"verify", "--time", at, verifyData("good_pyhanko_approval.pdf")}, exitIndeterminate,
			[]string{"INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", "not trusted"}},
		{[]string{"verify", "--trust", root, "--time", at, verifyData("fail_shadow_replace_font.pdf")}, exitNo,
			[]string{"TOTAL-FAILED/FORMAT_FAILURE", "page 1: font /F1 (object 5) was changed", "changed after: other (NOT allowed)"}},
		{[]string{"verify", "--trust", root, "--time", at, verifyData("fail_tampered_byte.pdf")}, exitNo, []string{"HASH_FAILURE"}},
		// The interop signer names no OCSP responder or CRL: online
		// checking has nothing to ask and the verdict stands.
		{[]string{"verify", "--online", "--timeout", "5s", "--trust", root, "--time", at, verifyData("good_pyhanko_approval.pdf")}, exitOK, []string{"Document: TOTAL-PASSED"}},
		{[]string{"verify", "--trust", root, "--time", at, verifyData("good_certified_dss.pdf")}, exitOK,
			[]string{"certification P=2", "changed after: DSS or timestamps (allowed)"}},
	}
	for _, tc := range tests {
		code, out, errs := runMain(t, "", tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errs)
		}
		for _, w := range tc.out {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

func TestVerifyCommandJSON(t *testing.T) {
	code, out, errs := runMain(t, "", "verify", "--json", "--trust", verifyData("test-root.crt"), "--time", "2026-12-01T00:00:00Z", verifyData("good_certified_empty_signature_field.pdf"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var rep struct {
		Indication string
		Signatures []struct {
			Field, Kind        string
			Intact, Valid      bool
			CertificationLevel int
			Coverage           string
			Changes            struct {
				Class     string
				Permitted bool
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Indication != "TOTAL-PASSED" || len(rep.Signatures) != 1 {
		t.Fatalf("report: %+v", rep)
	}
	s := rep.Signatures[0]
	if s.Field != "Seal" || s.Kind != "certification signature" || !s.Intact || !s.Valid || s.CertificationLevel != 2 ||
		s.Coverage != "entire revision" || s.Changes.Class != "signatures" || !s.Changes.Permitted {
		t.Errorf("signature: %+v", s)
	}
}

func TestVerifyCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"verify"},
		{"verify", "a.pdf", "b.pdf"},
		{"verify", "does-not-exist.pdf"},
		{"verify", "--time", "yesterday", verifyData("good_pyhanko_approval.pdf")},
		{"verify", "--trust", "no-such-root.pem", verifyData("good_pyhanko_approval.pdf")},
		{"verify", "--trust", verifyData("good_pyhanko_approval.pdf"), verifyData("good_pyhanko_approval.pdf")}, // not PEM
		{"verify", "main.go"}, // not a PDF
		{"verify", "--no-such-flag", verifyData("good_pyhanko_approval.pdf")},
	} {
		if code, out, errs := runMain(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
	}
	if code, out, _ := runMain(t, "", "help", "verify"); code != exitOK || !strings.Contains(out, "-trust") || !strings.Contains(out, "INDETERMINATE") {
		t.Errorf("help verify: %d %s", code, out)
	}
}

// TestVerifyCommandShared is the acceptance check: exit 0 on every
// intact interop file, 1 on the tampered ones, 1 on every 4_ attack file
// and 3 on every 3_ file (intact, signer not trusted here).
func TestVerifyCommandShared(t *testing.T) {
	interop := testtool.Shared(t, "interop")
	attacks := testtool.Shared(t, "attacks")
	root := filepath.Join(interop, "test-root.crt")
	files, _ := filepath.Glob(filepath.Join(interop, "*.pdf"))
	for _, f := range files {
		want := exitOK
		if strings.Contains(f, "tampered") {
			want = exitNo
		}
		if code, out, _ := runMain(t, "", "verify", "--trust", root, "--time", "2026-12-01T00:00:00Z", f); code != want {
			t.Errorf("%s: exit %d, want %d\n%s", filepath.Base(f), code, want, out)
		}
	}
	n := 0
	filepath.WalkDir(attacks, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want := -1
		switch {
		case strings.HasPrefix(d.Name(), "4_"):
			want = exitNo
		case strings.HasPrefix(d.Name(), "3_"):
			want = exitIndeterminate
		default:
			return nil
		}
		n++
		code, out, _ := runMain(t, "", "verify", "--trust", root, "--time", "2026-12-01T00:00:00Z", p)
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s", d.Name(), code, want, out)
		}
		if want == exitIndeterminate && !strings.Contains(out, "intact, valid") {
			t.Errorf("%s: not reported intact:\n%s", d.Name(), out)
		}
		return nil
	})
	if n < 15 {
		t.Errorf("only %d attack files", n)
	}
}
