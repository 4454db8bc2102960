package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

// runEnv runs the CLI in-process with the given environment variables.
func runEnv(t testing.TB, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

func TestPKIInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	code, out, errs := runMain(t, "", "pki", "init", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got, want := strings.TrimSpace(out), testpki.SealKeyURI(dir); got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	for _, f := range []string{"root.pem", "seal-key.pem", "seal-chain.pem", "seal.p12", "seal.p12.pw",
		"tsa-key.pem", "tsa-cert.pem", "ocsp-key.pem", "ocsp-cert.pem", "ca.pem", "crl.der", "crl.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A second init would replace the keys: refused without -force.
	if code, _, errs := runMain(t, "", "pki", "init", dir); code != exitUsage || !strings.Contains(errs, "-force") {
		t.Errorf("second init: exit %d %q", code, errs)
	}
	if code, _, errs := runMain(t, "", "pki", "init", "-force", "-key", "p256", dir); code != exitOK {
		t.Errorf("-force: exit %d %q", code, errs)
	}
	code, out, errs = runMain(t, "", "signer", "test", testpki.SealKeyURI(dir))
	if code != exitOK || !strings.Contains(out, "algorithm: ECDSA P-256 SHA-256") {
		t.Errorf("p256 seal: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runMain(t, "", "pki", "init", "-key", "dsa", filepath.Join(t.TempDir(), "x")); code != exitUsage {
		t.Errorf("-key dsa: exit %d", code)
	}
	if code, _, _ := runMain(t, "", "pki", "init"); code != exitUsage {
		t.Errorf("no DIR: exit %d", code)
	}
}
