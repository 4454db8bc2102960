package signer_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// verify checks sig over msg against the signer's leaf certificate with
// the standard library, independently of the signer's own code.
func verify(t *testing.T, s signer.Signer, msg []byte, opts crypto.SignerOpts, sig []byte) {
	t.Helper()
	pub := s.Chain()[0].PublicKey
	var digest []byte
	if h := opts.HashFunc(); h != 0 {
		hh := h.New()
		hh.Write(msg)
		digest = hh.Sum(nil)
	}
	var err error
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			err = rsa.VerifyPSS(k, opts.HashFunc(), digest, sig, pss)
		} else {
			err = rsa.VerifyPKCS1v15(k, opts.HashFunc(), digest, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			err = errors.New("ECDSA signature (DER) does not verify")
		}
	case ed25519.PublicKey:
		if !ed25519.Verify(k, msg, sig) {
			err = errors.New("Ed25519 signature does not verify")
		}
	}
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func sign(t *testing.T, s signer.Signer, opts crypto.SignerOpts) {
	t.Helper()
	msg := []byte("certificate of conformity")
	in := msg
	if h := opts.HashFunc(); h != 0 {
		hh := h.New()
		hh.Write(msg)
		in = hh.Sum(nil)
	}
	sig, err := s.Sign(rand.Reader, in, opts)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	verify(t, s, msg, opts, sig)
}

func TestOpenFileFormats(t *testing.T) {
	dir := t.TempDir()
	rsaPKI := testpki.MustNew(testpki.Options{})
	ecPKI := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256})
	p384 := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP384})
	edPKI := testpki.MustNew(testpki.Options{SealKey: testpki.Ed25519})
	rsaDir, ecDir := filepath.Join(dir, "rsa"), filepath.Join(dir, "ec")
	if err := rsaPKI.WriteFiles(rsaDir); err != nil {
		t.Fatal(err)
	}
	if err := ecPKI.WriteFiles(ecDir); err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaPKI.SealKey.(*rsa.PrivateKey))})
	sec1der, _ := x509.MarshalECPrivateKey(ecPKI.SealKey.(*ecdsa.PrivateKey))
	sec1 := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1der})
	p384key, _ := testpki.KeyPEM(p384.SealKey)
	edkey, _ := testpki.KeyPEM(edPKI.SealKey)
	// A chain given in the wrong order, and a key file carrying its own chain.
	reversed := writeFile(t, dir, "reversed.pem", testpki.CertsPEM(rsaPKI.CA, rsaPKI.Seal))
	bundle := writeFile(t, dir, "bundle.pem", append(append([]byte{}, sec1...), testpki.CertsPEM(ecPKI.Seal, ecPKI.CA)...))
	t.Setenv("TEST_SEAL_PW", rsaPKI.Opts.P12Password)

	tests := []struct {
		name string
		uri  string
		alg  string
		opts []crypto.SignerOpts
	}{
		{"pkcs8-rsa", testpki.SealKeyURI(rsaDir), "RSA", []crypto.SignerOpts{crypto.SHA256, crypto.SHA384, crypto.SHA512,
			&rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}, &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthEqualsHash}}},
		{"pkcs1-rsa", "file:" + writeFile(t, dir, "pkcs1.pem", pkcs1) + "?chain=" + reversed, "RSA", []crypto.SignerOpts{crypto.SHA256}},
		{"file-triple-slash", "file://" + filepath.Join(rsaDir, "seal-key.pem") + "?chain=" + filepath.Join(rsaDir, "seal-chain.pem"), "RSA", []crypto.SignerOpts{crypto.SHA256}},
		{"sec1-p256-bundle", "file:" + bundle, "ECDSA", []crypto.SignerOpts{crypto.SHA256, crypto.SHA384}},
		{"pkcs8-p256", testpki.SealKeyURI(ecDir), "ECDSA", []crypto.SignerOpts{crypto.SHA256}},
		{"pkcs8-p384", "file:" + writeFile(t, dir, "p384.pem", append(p384key, testpki.CertsPEM(p384.Seal, p384.CA)...)), "ECDSA", []crypto.SignerOpts{crypto.SHA384}},
		{"pkcs8-ed25519", "file:" + writeFile(t, dir, "ed.pem", append(edkey, testpki.CertsPEM(edPKI.Seal, edPKI.CA)...)), "Ed25519", []crypto.SignerOpts{crypto.Hash(0)}},
		{"p12-password-file", testpki.SealP12URI(rsaDir), "RSA", []crypto.SignerOpts{crypto.SHA256}},
		{"p12-password-env", "file:" + filepath.Join(rsaDir, "seal.p12") + "?password-env=TEST_SEAL_PW", "RSA", []crypto.SignerOpts{crypto.SHA256}},
		{"p12-ec", testpki.SealP12URI(ecDir), "ECDSA", []crypto.SignerOpts{crypto.SHA256}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signer.Open(context.Background(), tc.uri, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer signer.Close(s)
			if len(s.Chain()) != 2 || s.Chain()[1].Subject.CommonName != "ecertkit Test Issuing CA" {
				t.Fatalf("chain %v", s.Chain())
			}
			info := signer.Describe(s)
			if info.Backend != "file" || info.Algorithm != tc.alg || !strings.HasPrefix(info.Name, "/") {
				t.Errorf("KeyInfo %+v", info)
			}
			for _, o := range tc.opts {
				sign(t, s, o)
			}
		})
	}
}

// OpenSSL 3 writes PKCS#12 with PBES2/AES-256-CBC by default; the file
// back end must read what users actually produce.
func TestOpenSSLPKCS12(t *testing.T) {
	openssl := testtool.Need(t, "openssl")[0]
	dir := t.TempDir()
	p := testpki.MustNew(testpki.Options{})
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "openssl.p12")
	pw := writeFile(t, dir, "pw", []byte("s3cret-pass\n"))
	cmd := exec.Command(openssl, "pkcs12", "-export", "-inkey", filepath.Join(dir, "seal-key.pem"),
		"-in", filepath.Join(dir, "seal-cert.pem"), "-certfile", filepath.Join(dir, "ca.pem"),
		"-out", out, "-passout", "file:"+pw)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, b)
	}
	info, _ := exec.Command(openssl, "pkcs12", "-in", out, "-info", "-noout", "-passin", "file:"+pw).CombinedOutput()
	if !strings.Contains(string(info), "AES-256-CBC") {
		t.Logf("note: openssl did not use AES-256 (old OpenSSL?):\n%s", info)
	}
	s, err := signer.Open(context.Background(), "file:"+out+"?password-file="+pw, nil)
	if err != nil {
		t.Fatal(err)
	}
	sign(t, s, crypto.SHA256)
	_, err = signer.Open(context.Background(), "file:"+out+"?password-file="+writeFile(t, dir, "bad", []byte("s3cret-wrong")), nil)
	if !errors.Is(err, signer.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	p := testpki.MustNew(testpki.Options{})
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	other := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256})
	otherChain := writeFile(t, dir, "other-chain.pem", testpki.CertsPEM(other.Seal, other.CA))
	key := filepath.Join(dir, "seal-key.pem")
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	weak := func(k crypto.Signer) string {
		pk, _ := testpki.KeyPEM(k)
		return "file:" + writeFile(t, dir, "weak.pem", pk) + "?chain=" + filepath.Join(dir, "seal-chain.pem")
	}
	const secret = "do-not-print-me"
	pwFile := writeFile(t, dir, "badpw", []byte(secret))
	tests := []struct {
		name string
		uri  string
		want error
	}{
		{"no-scheme", "/abs/key.pem", signer.ErrBadURI},
		{"unknown-scheme", "gcpkms:projects/x", signer.ErrUnsupportedScheme},
		{"pkcs11-not-linked", "pkcs11:token=x", signer.ErrUnsupportedScheme},
		{"missing-file", "file:" + filepath.Join(dir, "nope.pem"), signer.ErrKeyNotFound},
		{"no-chain", "file:" + key, signer.ErrCertNotFound},
		{"mismatch", "file:" + key + "?chain=" + otherChain, signer.ErrKeyMismatch},
		{"wrong-p12-password", "file:" + filepath.Join(dir, "seal.p12") + "?password-file=" + pwFile, signer.ErrWrongPassword},
		{"p12-env-unset", "file:" + filepath.Join(dir, "seal.p12") + "?password-env=ECERT_TEST_UNSET_VARIABLE", signer.ErrBadURI},
		{"rsa-1024", weak(rsa1024), signer.ErrUnsupportedAlgorithm},
		{"p521", weak(p521), signer.ErrUnsupportedAlgorithm},
		{"unknown-attribute", "file:" + key + "?chian=x", signer.ErrBadURI},
		{"remote-host", "file://example.com/etc/key.pem", signer.ErrBadURI},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signer.Open(context.Background(), tc.uri, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (signer %v)", err, tc.want, s)
			}
			if !strings.HasPrefix(err.Error(), "signer: ") {
				t.Errorf("error without prefix: %v", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
	t.Run("mismatch-names-both", func(t *testing.T) {
		_, err := signer.Open(context.Background(), "file:"+key+"?chain="+otherChain, nil)
		var me *signer.KeyMismatchError
		if !errors.As(err, &me) {
			t.Fatalf("%v", err)
		}
		if !strings.Contains(me.Cert, "Example Certification Body") || !strings.HasPrefix(me.Key, "RSA-2048") {
			t.Errorf("mismatch error does not name both: %+v", me)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
		defer cancel()
		<-ctx.Done()
		_, err := signer.Open(ctx, testpki.SealKeyURI(dir), nil)
		if !errors.Is(err, signer.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v", err)
		}
	})
}

func TestCertPolicy(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	now := p.Opts.Now
	expired, _ := p.Issue(testpki.LeafOptions{KeyType: testpki.ECDSAP256, NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(-1, 0, 0)})
	noKU, _ := p.Issue(testpki.LeafOptions{KeyType: testpki.ECDSAP256, KeyUsage: x509.KeyUsageKeyEncipherment})
	future, _ := p.Issue(testpki.LeafOptions{KeyType: testpki.ECDSAP256, NotBefore: now.AddDate(1, 0, 0), NotAfter: now.AddDate(2, 0, 0)})
	dir := t.TempDir()
	uri := func(name string, l *testpki.Leaf) string {
		k, _ := testpki.KeyPEM(l.Key)
		return "file:" + writeFile(t, dir, name, append(k, testpki.CertsPEM(l.Chain...)...))
	}
	tests := []struct {
		name, uri, reason string
	}{
		{"expired", uri("expired.pem", expired), "expired at"},
		{"key-usage", uri("noku.pem", noKU), "neither digitalSignature nor nonRepudiation"},
		{"not-yet-valid", uri("future.pem", future), "not valid before"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signer.Open(context.Background(), tc.uri, &signer.Options{Time: now})
			var ce *signer.CertificateError
			if !errors.As(err, &ce) || !errors.Is(err, signer.ErrCertificate) || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("refuse: %v", err)
			}
			var reported []string
			s, err := signer.Open(context.Background(), tc.uri, &signer.Options{Time: now, CertPolicy: signer.CertReport,
				Report: func(err error) { reported = append(reported, err.Error()) }})
			if err != nil {
				t.Fatalf("report: %v", err)
			}
			if len(reported) != 1 || !strings.Contains(reported[0], tc.reason) {
				t.Errorf("reported %q", reported)
			}
			sign(t, s, crypto.SHA256)
		})
	}
}

func TestSignChecks(t *testing.T) {
	rsaS := testpki.MustNew(testpki.Options{}).SealSigner()
	ecS := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256}).SealSigner()
	edS := testpki.MustNew(testpki.Options{SealKey: testpki.Ed25519}).SealSigner()
	d256 := sha256.Sum256([]byte("x"))
	d512 := sha512.Sum512([]byte("x"))
	tests := []struct {
		name   string
		s      signer.Signer
		digest []byte
		opts   crypto.SignerOpts
	}{
		{"rsa-sha1", rsaS, d256[:20], crypto.SHA1},
		{"rsa-raw", rsaS, d256[:], crypto.Hash(0)},
		{"rsa-md5", rsaS, d256[:16], crypto.MD5},
		{"ecdsa-sha224", ecS, d256[:28], crypto.SHA224},
		{"ecdsa-pss", ecS, d256[:], &rsa.PSSOptions{Hash: crypto.SHA256}},
		{"ed25519-prehash", edS, d512[:], crypto.SHA512},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Sign(rand.Reader, tc.digest, tc.opts)
			if !errors.Is(err, signer.ErrUnsupportedAlgorithm) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := rsaS.Sign(rand.Reader, d256[:31], crypto.SHA256); err == nil {
		t.Error("short digest accepted")
	}
}

type rawSigner struct{ k *ecdsa.PrivateKey }

func (r rawSigner) Public() crypto.PublicKey { return r.k.Public() }
func (r rawSigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	rr, ss, err := ecdsa.Sign(rand.Reader, r.k, digest)
	if err != nil {
		return nil, err
	}
	n := (r.k.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*n)
	rr.FillBytes(out[:n])
	ss.FillBytes(out[n:])
	return out, nil
}

func TestRawECDSABecomesDER(t *testing.T) {
	for _, kt := range []testpki.KeyType{testpki.ECDSAP256, testpki.ECDSAP384} {
		p := testpki.MustNew(testpki.Options{SealKey: kt})
		s, err := signer.New(rawSigner{p.SealKey.(*ecdsa.PrivateKey)}, p.SealChain())
		if err != nil {
			t.Fatal(err)
		}
		for range 20 { // r or s with a leading zero byte must also convert
			sign(t, s, crypto.SHA256)
		}
	}
}

func TestRedactURI(t *testing.T) {
	got := signer.RedactURI("pkcs11:token=a;pin-value=1234?module-path=/m.so&pin-value=9876&x=1")
	want := "pkcs11:token=a;pin-value=REDACTED?module-path=/m.so&pin-value=REDACTED&x=1"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if got := signer.RedactURI("pkcs11:pin-value=1234"); strings.Contains(got, "1234") {
		t.Error(got)
	}
}

func TestParseURI(t *testing.T) {
	u, err := signer.ParseURI("pkcs11:token=My%20Token;object=seal;id=%01%02?module-path=/usr/lib/x.so&pin-source=file:/p")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"token": "My Token", "object": "seal", "id": "\x01\x02"}
	if diff := cmp.Diff(want, u.Attrs); diff != "" {
		t.Error(diff)
	}
	if u.Query.Get("module-path") != "/usr/lib/x.so" || u.Query.Get("pin-source") != "file:/p" {
		t.Errorf("query %v", u.Query)
	}
	for _, bad := range []string{"pkcs11:token=a;token=b", "pkcs11:token?x=1&x=2", "pkcs11:id=%zz", "nocolon"} {
		if _, err := signer.ParseURI(bad); !errors.Is(err, signer.ErrBadURI) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// Signing through SignContext, or with a nil rand, must work for every
// algorithm, PSS and ECDSA included (both need randomness).
func TestSignContextAndNilRand(t *testing.T) {
	for _, kt := range []testpki.KeyType{testpki.RSA2048, testpki.ECDSAP256} {
		s := testpki.MustNew(testpki.Options{SealKey: kt}).SealSigner()
		d := sha256.Sum256([]byte("m"))
		var opts crypto.SignerOpts = crypto.SHA256
		if kt == testpki.RSA2048 {
			opts = &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}
		}
		for _, sign := range []func() ([]byte, error){
			func() ([]byte, error) { return signer.SignContext(context.Background(), s, d[:], opts) },
			func() ([]byte, error) { return s.Sign(nil, d[:], opts) },
		} {
			sig, err := sign()
			if err != nil {
				t.Fatal(err)
			}
			verify(t, s, []byte("m"), opts, sig)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := signer.SignContext(ctx, s, d[:], opts); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled context: %v", err)
		}
	}
}

func TestFileConcurrent(t *testing.T) {
	dir := t.TempDir()
	if err := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256}).WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	s, err := signer.Open(context.Background(), testpki.SealKeyURI(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			var err error
			for range 20 {
				d := sha256.Sum256([]byte("m"))
				var sig []byte
				if sig, err = s.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
					break
				}
				if err = s.Chain()[0].CheckSignature(x509.ECDSAWithSHA256, []byte("m"), sig); err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
