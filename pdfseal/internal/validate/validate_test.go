package validate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal/internal/cms"
	"github.com/ecertkit/ecertkit/signer/testpki"
	"golang.org/x/crypto/ocsp"
)

func digestOf(h crypto.Hash, data []byte) []byte {
	hh := h.New()
	hh.Write(data)
	return hh.Sum(nil)
}

func sign(t *testing.T, leaf *testpki.Leaf, content []byte, opts cms.Options) []byte {
	t.Helper()
	h := cms.HashFor(leaf.Cert.PublicKey, opts.Hash)
	s, err := cms.NewSignature(digestOf(h, content), leaf.Chain, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(context.Background(), leaf.Key); err != nil {
		t.Fatal(err)
	}
	return s.Bytes()
}

func TestVerifyAlgorithms(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	content := []byte("the signed bytes of a PDF")
	tests := []struct {
		name string
		key  testpki.KeyType
		opts cms.Options
		alg  string
	}{
		{"RSA PKCS#1 v1.5", testpki.RSA2048, cms.Options{}, "RSA PKCS#1 v1.5 SHA-256"},
		{"RSA-PSS SHA-384", testpki.RSA2048, cms.Options{PSS: true, Hash: crypto.SHA384}, "RSA-PSS SHA-384"},
		{"ECDSA P-256", testpki.ECDSAP256, cms.Options{}, "ECDSA P-256 SHA-256"},
		{"ECDSA P-384", testpki.ECDSAP384, cms.Options{Hash: crypto.SHA384}, "ECDSA P-384 SHA-384"},
		{"Ed25519", testpki.Ed25519, cms.Options{}, "Ed25519"},
		{"signing time, no ESS", testpki.RSA2048, cms.Options{SigningTime: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), NoSigningCertificateV2: true}, "RSA PKCS#1 v1.5 SHA-256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leaf, err := p.Issue(testpki.LeafOptions{KeyType: tc.key})
			if err != nil {
				t.Fatal(err)
			}
			der := sign(t, leaf, content, tc.opts)
			sd, err := ParseSignedData(append(der, make([]byte, 100)...)) // /Contents padding
			if err != nil {
				t.Fatal(err)
			}
			s, err := sd.Verify(func(h crypto.Hash) ([]byte, error) { return digestOf(h, content), nil }, Algorithms{})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if s.SignatureAlgorithm != tc.alg || !s.Cert.Equal(leaf.Cert) {
				t.Errorf("algorithm %q, cert %v", s.SignatureAlgorithm, s.Cert.Subject)
			}
			if tc.opts.NoSigningCertificateV2 != (s.SigningCertAttr == "") {
				t.Errorf("signing-certificate attribute %q", s.SigningCertAttr)
			}
			if !tc.opts.SigningTime.IsZero() && !s.SigningTime.Equal(tc.opts.SigningTime) {
				t.Errorf("signing time %v", s.SigningTime)
			}
			// Other content: a digest failure.
			_, err = sd.Verify(func(h crypto.Hash) ([]byte, error) { return digestOf(h, []byte("other")), nil }, Algorithms{})
			if !errors.Is(err, ErrDigest) {
				t.Errorf("other content: %v", err)
			}
			// A flipped bit in the signature value: a crypto failure.
			sd.Signature = bytes.Clone(sd.Signature)
			sd.Signature[len(sd.Signature)/2] ^= 1
			_, err = sd.Verify(func(h crypto.Hash) ([]byte, error) { return digestOf(h, content), nil }, Algorithms{})
			if !errors.Is(err, ErrSignature) {
				t.Errorf("flipped signature: %v", err)
			}
		})
	}
}

func TestVerifyPolicy(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	content := []byte("x")
	leaf := &testpki.Leaf{Cert: p.Seal, Key: p.SealKey, Chain: p.SealChain()}
	der := sign(t, leaf, content, cms.Options{Hash: crypto.SHA512})
	sd, err := ParseSignedData(der)
	if err != nil {
		t.Fatal(err)
	}
	dig := func(h crypto.Hash) ([]byte, error) { return digestOf(h, content), nil }
	if _, err := sd.Verify(dig, Algorithms{Hashes: []crypto.Hash{crypto.SHA256}}); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("SHA-512 refused: %v", err)
	}
	if _, err := sd.Verify(dig, Algorithms{MinRSABits: 4096}); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("RSA-2048 refused: %v", err)
	}
	// The signing-certificate-v2 attribute binds the certificate: another
	// certificate with the same key does not verify.
	other, err := p.Issue(testpki.LeafOptions{Key: p.SealKey, CommonName: "Impostor"})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range sd.Certs {
		if c.Equal(p.Seal) {
			sd.Certs[i] = other.Cert
		}
	}
	sd.sid = mustSID(t, other.Cert)
	if _, err := sd.Verify(dig, Algorithms{}); !errors.Is(err, ErrSigningCert) {
		t.Errorf("substituted certificate: %v", err)
	}
}

func mustSID(t *testing.T, c *x509.Certificate) (raw asn1RawValue) {
	t.Helper()
	return sidFor(c)
}

func TestParseSignedDataErrors(t *testing.T) {
	for _, in := range [][]byte{nil, {0x30}, bytes.Repeat([]byte{0x30, 0x80}, 100), []byte("garbage"), make([]byte, 1000)} {
		if _, err := ParseSignedData(in); !errors.Is(err, ErrFormat) {
			t.Errorf("%x: %v", in[:min(len(in), 8)], err)
		}
	}
}

func TestBERToDER(t *testing.T) {
	// SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" }, INTEGER 5 }
	ber := []byte{0x30, 0x80, 0x24, 0x80, 0x04, 0x02, 'a', 'b', 0x04, 0x01, 'c', 0x00, 0x00, 0x02, 0x01, 0x05, 0x00, 0x00}
	want := []byte{0x30, 0x08, 0x04, 0x03, 'a', 'b', 'c', 0x02, 0x01, 0x05}
	got, err := berToDER(ber)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("berToDER = %x, %v; want %x", got, err, want)
	}
	deep := append(bytes.Repeat([]byte{0x30, 0x80}, 200), bytes.Repeat([]byte{0, 0}, 200)...)
	if _, err := berToDER(deep); err == nil {
		t.Error("200-deep BER accepted")
	}
}

func TestBuildChain(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	now := time.Now()
	inter := []*x509.Certificate{p.CA}
	if r := BuildChain(p.Seal, ChainOptions{Roots: p.Roots(), Intermediates: inter, Time: now, Usage: x509.ExtKeyUsageAny, Signing: true}); r.Status != ChainOK || len(r.Chain) != 3 {
		t.Errorf("seal: %v %v", r.Status, r.Err)
	}
	if r := BuildChain(p.Seal, ChainOptions{Roots: x509.NewCertPool(), Intermediates: inter, Time: now, Usage: x509.ExtKeyUsageAny}); r.Status != ChainNoRoot {
		t.Errorf("other root: %v", r.Status)
	}
	if r := BuildChain(p.Seal, ChainOptions{Roots: p.Roots(), Intermediates: inter, Time: p.Seal.NotAfter.Add(time.Hour), Usage: x509.ExtKeyUsageAny}); r.Status != ChainExpired {
		t.Errorf("expired: %v", r.Status)
	}
	if r := BuildChain(p.Seal, ChainOptions{Roots: p.Roots(), Intermediates: inter, Time: p.Seal.NotBefore.Add(-time.Hour), Usage: x509.ExtKeyUsageAny}); r.Status != ChainNotYetValid {
		t.Errorf("not yet valid: %v", r.Status)
	}
	mail, err := p.Issue(testpki.LeafOptions{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}})
	if err != nil {
		t.Fatal(err)
	}
	if r := BuildChain(mail.Cert, ChainOptions{Roots: p.Roots(), Intermediates: inter, Time: now, Usage: x509.ExtKeyUsageTimeStamping}); r.Status != ChainUsage {
		t.Errorf("e-mail certificate as TSA: %v", r.Status)
	}
	enc, err := p.Issue(testpki.LeafOptions{KeyUsage: x509.KeyUsageKeyEncipherment})
	if err != nil {
		t.Fatal(err)
	}
	if r := BuildChain(enc.Cert, ChainOptions{Roots: p.Roots(), Intermediates: inter, Time: now, Usage: x509.ExtKeyUsageAny, Signing: true}); r.Status != ChainUsage {
		t.Errorf("encryption-only key: %v", r.Status)
	}
}

func TestCheckRevocation(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	now := time.Now()
	crl, err := p.NewCRL([]*big.Int{p.Seal.SerialNumber}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := CheckRevocation(context.Background(), p.Seal, p.CA, now, []RevData{{Source: SourceDSS, CRLs: [][]byte{crl}}}, nil)
	if r.Status != RevRevoked || r.Source != SourceDSS || r.Kind != "CRL" {
		t.Errorf("CRL: %+v", r)
	}
	// A CRL from the future (after the validation time) is not used.
	r = CheckRevocation(context.Background(), p.Seal, p.CA, now.Add(-2*time.Hour), []RevData{{Source: SourceDSS, CRLs: [][]byte{crl}}}, nil)
	if r.Status != RevUnknown {
		t.Errorf("future CRL: %+v", r)
	}
	good, err := ocsp.CreateResponse(p.CA, p.CA, ocsp.Response{Status: ocsp.Good, SerialNumber: p.Seal.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}, p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	r = CheckRevocation(context.Background(), p.Seal, p.CA, now, []RevData{{Source: SourceCMS, OCSPs: [][]byte{good}}}, nil)
	if r.Status != RevGood || r.Source != SourceCMS || r.Kind != "OCSP" {
		t.Errorf("OCSP good: %+v", r)
	}
	// An OCSP response signed by a key that is not the CA's responder.
	bad, err := ocsp.CreateResponse(p.CA, p.TSA, ocsp.Response{Status: ocsp.Good, SerialNumber: p.Seal.SerialNumber, ThisUpdate: now.Add(-time.Minute)}, p.TSAKey)
	if err != nil {
		t.Fatal(err)
	}
	r = CheckRevocation(context.Background(), p.Seal, p.CA, now, []RevData{{Source: SourceCMS, OCSPs: [][]byte{bad}}}, nil)
	if r.Status != RevUnknown {
		t.Errorf("OCSP from a non-responder: %+v", r)
	}
}

type asn1RawValue = asn1.RawValue

// sidFor is an issuer-and-serial signer identifier for c.
func sidFor(c *x509.Certificate) asn1.RawValue {
	b, _ := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: c.RawIssuer}, Serial: c.SerialNumber})
	var v asn1.RawValue
	asn1.Unmarshal(b, &v)
	return v
}
