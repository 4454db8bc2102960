package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/ecerttest"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// The acceptance path of the three-part check through the CLI: exit 0 on
// a sealed sample, 1 once it is suspended or superseded, 2 on a non-PDF.
func TestCheckCommand(t *testing.T) {
	pki := ecerttest.NewPKI(t)
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "reg.db")
	v1pdf := filepath.Join(dir, "v1.pdf")
	v2pdf := filepath.Join(dir, "v2.pdf")
	os.WriteFile(v1pdf, ecerttest.Seal(t, pki, ecerttest.CCC(), pdfseal.SealOptions{Certify: 1}), 0o644)
	v2, err := readCert(&env{}, sample("good_ccc_v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(v2pdf, ecerttest.Seal(t, pki, v2, pdfseal.SealOptions{Certify: 1}), 0o644)
	root := filepath.Join(pki.Dir, testpki.FileRoot)

	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errs := runMain(t, "", args...)
		if code != exitOK {
			t.Fatalf("ecert %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	checkPDF := func(pdf string, want int, wantText string) {
		t.Helper()
		code, out, errs := runMain(t, "", "check", pdf, "--db", db, "--trust", root)
		if code != want || !strings.Contains(out, wantText) {
			t.Fatalf("ecert check %s: exit %d, want %d with %q\n%s%s", filepath.Base(pdf), code, want, wantText, out, errs)
		}
	}

	mustRun("registry", "body", "--from", sample("good_ccc.json"), "--seal", filepath.Join(pki.Dir, testpki.FileSealCert), "--db", db)
	mustRun("registry", "issue", sample("good_ccc.json"), "--db", db)
	checkPDF(v1pdf, exitOK, "PASS")

	// Without the trust anchor: indeterminate.
	if code, out, _ := runMain(t, "", "check", v1pdf, "--db", db); code != exitIndeterminate {
		t.Fatalf("untrusted: exit %d\n%s", code, out)
	}

	mustRun("registry", "modify", sample("good_ccc_v2.json"), "--db", db)
	checkPDF(v1pdf, exitNo, "superseded by version 2")
	checkPDF(v2pdf, exitOK, "PASS")

	mustRun("registry", "suspend", "2024010703123456", "--reason", "surveillance audit refused", "--db", db)
	checkPDF(v2pdf, exitNo, "suspended")

	notPDF := filepath.Join(dir, "note.txt")
	os.WriteFile(notPDF, []byte("not a pdf"), 0o644)
	if code, _, _ := runMain(t, "", "check", notPDF, "--db", db, "--trust", root); code != exitUsage {
		t.Fatalf("non-PDF: exit %d, want 2", code)
	}
	if code, _, _ := runMain(t, "", "check", v1pdf); code != exitUsage {
		t.Fatalf("no --db: exit %d, want 2", code)
	}
}
