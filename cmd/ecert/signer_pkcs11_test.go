//go:build cgo

package main

import (
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/signer/pkcs11/softhsmtest"
)

// "ecert signer test" against keys on a SoftHSM token. (The token's
// temporary directory is left behind: cmd/ecert has no TestMain to call
// softhsmtest.Cleanup.)
func TestSignerTestPKCS11(t *testing.T) {
	tok := softhsmtest.Start(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"rsa", []string{tok.URI(softhsmtest.RSA, "chain="+tok.ChainFile)}, exitOK,
			[]string{"algorithm: RSA-2048 PKCS#1 v1.5 SHA-256", "chain:     2 certificates", "key:       pkcs11 token=ecert-seal;object=seal-rsa", "signature: OK"}, nil},
		{"rsa-pss", []string{"-pss", tok.URI(softhsmtest.RSA)}, exitOK, []string{"algorithm: RSA-2048 PSS SHA-256 (salt 32)", "signature: OK"}, nil},
		{"ec", []string{"-hash", "sha384", tok.URI(softhsmtest.EC)}, exitOK, []string{"algorithm: ECDSA P-256 SHA-384", "subject:   CN=Token Seal seal-ec", "signature: OK"}, nil},
		{"wrong-pin", []string{strings.Replace(tok.URI(softhsmtest.RSA), "pin-source="+tok.PINFile, "pin-value=9999-wrong", 1)}, exitNo, nil, []string{"wrong PIN"}},
		{"no-token", []string{strings.Replace(tok.URI(softhsmtest.RSA), "token="+tok.Label, "token=absent", 1)}, exitNo, nil, []string{"token not found"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runMain(t, "", append([]string{"signer", "test"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
			for _, secret := range []string{tok.PIN, "9999-wrong"} {
				if strings.Contains(out+errs, secret) {
					t.Errorf("PIN printed:\n%s%s", out, errs)
				}
			}
		})
	}
}
