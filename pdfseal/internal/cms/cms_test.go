package cms

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

func TestSignVerify(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	content := []byte("the signed byte ranges")
	tests := []struct {
		name string
		key  testpki.KeyType
		opts Options
	}{
		{"rsa-pkcs1", testpki.RSA2048, Options{}},
		{"rsa-pss", testpki.RSA2048, Options{PSS: true}},
		{"rsa-sha512-signingtime", testpki.RSA2048, Options{Hash: crypto.SHA512, SigningTime: time.Now()}},
		{"ecdsa-p256", testpki.ECDSAP256, Options{}},
		{"ecdsa-p384", testpki.ECDSAP384, Options{}},
		{"ed25519", testpki.Ed25519, Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leaf, err := p.Issue(testpki.LeafOptions{KeyType: tc.key})
			if err != nil {
				t.Fatal(err)
			}
			h := HashFor(leaf.Cert.PublicKey, tc.opts.Hash)
			hh := h.New()
			hh.Write(content)
			sig, err := NewSignature(hh.Sum(nil), leaf.Chain, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			max := sig.MaxSize()
			if err := sig.Sign(context.Background(), leaf.Signer()); err != nil {
				t.Fatal(err)
			}
			der := sig.Bytes()
			if len(der) > max {
				t.Errorf("encoded %d bytes > MaxSize %d", len(der), max)
			}
			sd, err := validate.ParseSignedData(der)
			if err != nil {
				t.Fatal(err)
			}
			digest := func(h crypto.Hash) ([]byte, error) { x := h.New(); x.Write(content); return x.Sum(nil), nil }
			s, err := sd.Verify(digest, validate.Algorithms{})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if s.SigningCertAttr != "v2" {
				t.Errorf("signing certificate attribute %q, want v2", s.SigningCertAttr)
			}
			if !tc.opts.SigningTime.IsZero() == s.SigningTime.IsZero() {
				t.Errorf("signing time %v, option %v", s.SigningTime, tc.opts.SigningTime)
			}
			// A different content must fail.
			bad := func(h crypto.Hash) ([]byte, error) { x := h.New(); x.Write([]byte("other")); return x.Sum(nil), nil }
			if _, err := sd.Verify(bad, validate.Algorithms{}); !errors.Is(err, validate.ErrDigest) {
				t.Errorf("tampered: %v, want ErrDigest", err)
			}
			// And OpenSSL agrees (ignoring the chain, which is not the point here).
			if tc.key != testpki.Ed25519 {
				opensslVerify(t, der, content)
			}
		})
	}
}

func opensslVerify(t *testing.T, der, content []byte) {
	t.Helper()
	testtool.Need(t, "openssl")
	dir := t.TempDir()
	sigf, dataf := filepath.Join(dir, "sig.der"), filepath.Join(dir, "data")
	os.WriteFile(sigf, der, 0o644)
	os.WriteFile(dataf, content, 0o644)
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-noverify", "-inform", "DER", "-in", sigf, "-content", dataf, "-out", os.DevNull).CombinedOutput()
	if err != nil {
		t.Errorf("openssl cms -verify: %v\n%s", err, out)
	}
}

func TestUnsignedTimestampAttr(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	d := sha256.Sum256([]byte("x"))
	sig, err := NewSignature(d[:], p.SealChain(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sig.Sign(context.Background(), p.SealSigner()); err != nil {
		t.Fatal(err)
	}
	before := len(sig.Bytes())
	sig.AddTimestamp(sig.SignedAttributes()) // any DER value will do here
	sd, err := validate.ParseSignedData(sig.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sd.TimestampTokens()); n != 1 || len(sig.Bytes()) <= before {
		t.Errorf("tokens %d", n)
	}
}

func TestErrors(t *testing.T) {
	d := sha512.Sum512([]byte("x"))
	if _, err := NewSignature(d[:], nil, Options{}); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("no chain: %v", err)
	}
	p := testpki.MustNew(testpki.Options{})
	if _, err := NewSignature(d[:], p.SealChain(), Options{}); err == nil {
		t.Error("wrong digest length accepted")
	}
	s, _ := NewSignature(d[:32], p.SealChain(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sign(ctx, p.SealSigner()); err == nil {
		t.Error("cancelled context: no error")
	}
}

func BenchmarkSignRSA(b *testing.B) {
	p := testpki.MustNew(testpki.Options{})
	d := sha256.Sum256([]byte("x"))
	s := p.SealSigner()
	b.ReportAllocs()
	for b.Loop() {
		sig, _ := NewSignature(d[:], p.SealChain(), Options{})
		if err := sig.Sign(context.Background(), s); err != nil {
			b.Fatal(err)
		}
		sig.Bytes()
	}
}
