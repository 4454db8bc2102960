package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

func TestSignerTest(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runMain(t, "", "pki", "init", dir); code != exitOK {
		t.Fatalf("pki init: %s", errs)
	}
	pw, err := os.ReadFile(filepath.Join(dir, "seal.p12.pw"))
	if err != nil {
		t.Fatal(err)
	}
	p := testpki.MustNew(testpki.Options{})
	expired, err := p.Issue(testpki.LeafOptions{KeyType: testpki.ECDSAP256, NotBefore: p.Opts.Now.AddDate(-3, 0, 0), NotAfter: p.Opts.Now.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	expiredKey, _ := testpki.KeyPEM(expired.Key)
	expiredFile := filepath.Join(dir, "expired.pem")
	os.WriteFile(expiredFile, append(expiredKey, testpki.CertsPEM(expired.Chain...)...), 0o600)
	otherChain := filepath.Join(dir, "other-chain.pem")
	os.WriteFile(otherChain, testpki.CertsPEM(expired.Chain...), 0o600)
	wrongPW := filepath.Join(dir, "wrong.pw")
	os.WriteFile(wrongPW, []byte("not-the-password"), 0o600)

	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noSecret string
	}{
		{"pem", nil, []string{testpki.SealKeyURI(dir)}, exitOK,
			[]string{"algorithm: RSA-2048 PKCS#1 v1.5 SHA-256", "key size:  2048 bits", "subject:   CN=Example Certification Body GmbH Seal,O=Example Certification Body GmbH", "signature: OK"}, nil, ""},
		{"p12-password-file", nil, []string{testpki.SealP12URI(dir)}, exitOK, []string{"signature: OK", "key:       file " + filepath.Join(dir, "seal.p12")}, nil, ""},
		{"p12-password-env-pss-sha384", map[string]string{"SEAL_PW": string(pw)}, []string{"-pss", "-hash", "sha384", "file:" + filepath.Join(dir, "seal.p12") + "?password-env=SEAL_PW"}, exitOK,
			[]string{"algorithm: RSA-2048 PSS SHA-384 (salt 48)", "signature: OK"}, nil, ""},
		{"wrong-password", nil, []string{"file:" + filepath.Join(dir, "seal.p12") + "?password-file=" + wrongPW}, exitNo, nil, []string{"wrong password"}, "not-the-password"},
		{"password-env-unset", nil, []string{"file:" + filepath.Join(dir, "seal.p12") + "?password-env=SEAL_PW"}, exitNo, nil, []string{"SEAL_PW is not set"}, ""},
		{"mismatch", nil, []string{"file:" + filepath.Join(dir, "seal-key.pem") + "?chain=" + otherChain}, exitNo, nil, []string{"does not match key RSA-2048"}, ""},
		{"expired-refused", nil, []string{"file:" + expiredFile}, exitNo, nil, []string{"expired at"}, ""},
		{"expired-allowed", nil, []string{"-allow-unfit", "file:" + expiredFile}, exitOK, []string{"algorithm: ECDSA P-256 SHA-256", "signature: OK"}, []string{"warning:", "expired at"}, ""},
		{"unknown-scheme", nil, []string{"gcpkms:projects/p/keys/k"}, exitNo, nil, []string{"unsupported key URI scheme"}, ""},
		{"no-uri", nil, nil, exitUsage, nil, []string{"want one URI"}, ""},
		{"bad-hash", nil, []string{"-hash", "md5", testpki.SealKeyURI(dir)}, exitUsage, nil, []string{"-hash"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runEnv(t, tc.vars, append([]string{"signer", "test"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
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
			if tc.noSecret != "" && strings.Contains(out+errs, tc.noSecret) {
				t.Errorf("secret printed")
			}
			if strings.Contains(out+errs, string(pw)) {
				t.Errorf("PKCS#12 password printed")
			}
		})
	}
}
