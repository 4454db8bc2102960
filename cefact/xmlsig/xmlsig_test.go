package xmlsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

func goodSamples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(testtool.Testdata("good_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no good samples: %v", err)
	}
	return files
}

func readSample(t testing.TB, path string) *ecert.Certificate {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ecert.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyIntercomSigned(t *testing.T) {
	path := filepath.Join(testtool.Shared(t, "cefact/samples"), "intercom-SPSCertificate-signed.xml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The sample's certificate is self-signed: trust it as its own root.
	leaf := keyInfoCert(t, data)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	v, err := Verify(bytes.NewReader(data), &VerifyOptions{Roots: roots, CurrentTime: at})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := v.Decode(nil)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Certificate.Number != "123456789CO" {
		t.Errorf("number %q", doc.Certificate.Number)
	}
	// After expiry the certificate is not trusted.
	_, err = Verify(bytes.NewReader(data), &VerifyOptions{Roots: roots, CurrentTime: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)})
	if !errors.Is(err, ErrUntrusted) {
		t.Errorf("after expiry: %v, want ErrUntrusted", err)
	}
	// A changed leaf breaks the signature.
	bad := bytes.Replace(data, []byte("Widget A"), []byte("Widget B"), 1)
	if _, err := Verify(bytes.NewReader(bad), &VerifyOptions{Roots: roots, CurrentTime: at}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered: %v, want ErrBadSignature", err)
	}
}

func keyInfoCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	s := string(data)
	i := strings.Index(s, "<ds:X509Certificate>")
	j := strings.Index(s, "</ds:X509Certificate>")
	b64 := s[i+len("<ds:X509Certificate>") : j]
	p := "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n"
	blk, _ := pem.Decode([]byte(p))
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignVerify(t *testing.T) {
	for _, kt := range []testpki.KeyType{testpki.RSA2048, testpki.ECDSAP256} {
		t.Run(kt.String(), func(t *testing.T) {
			p := testpki.MustNew(testpki.Options{SealKey: kt})
			c := readSample(t, goodSamples(t)[0])
			xml, err := cefact.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			var signed bytes.Buffer
			if err := Sign(context.Background(), &signed, bytes.NewReader(xml), p.SealSigner(), nil); err != nil {
				t.Fatal(err)
			}
			v, err := Verify(bytes.NewReader(signed.Bytes()), &VerifyOptions{Roots: p.Roots()})
			if err != nil {
				t.Fatal(err)
			}
			doc, err := v.Decode(nil)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Certificate.Number != c.Number || len(doc.Unmapped) != 0 {
				t.Errorf("verified content: number %q, unmapped %v", doc.Certificate.Number, doc.Unmapped)
			}
		})
	}
}

func signedSample(t *testing.T, p *testpki.PKI) (plain, signed []byte) {
	t.Helper()
	plain, err := cefact.Marshal(readSample(t, testtool.Testdata("good_sps_phyto.json")))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Sign(context.Background(), &buf, bytes.NewReader(plain), p.SealSigner(), nil); err != nil {
		t.Fatal(err)
	}
	return plain, buf.Bytes()
}

func TestVerifyRejectsWrapping(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	_, signed := signedSample(t, p)
	s := string(signed)
	i := strings.Index(s, "<ds:Signature")
	j := strings.Index(s, "</ds:Signature>") + len("</ds:Signature>")
	sig := s[i:j]
	body := s[:i] // the document up to the signature
	evil := strings.Replace(body, "CN-PHY-2024-0012345", "EVIL-0001", 1)
	innerStart := strings.Index(s, "<rsm:SPSExchangedDocument>")
	original := s[innerStart:i]
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"no signature", body + "</rsm:SPSCertificate>", ErrNoSignature},
		{"two signatures", body + sig + sig + "</rsm:SPSCertificate>", ErrSignatureShape},
		{"signature not a child of the root",
			strings.Replace(body, "</rsm:SPSConsignment>", sig+"</rsm:SPSConsignment>", 1) + "</rsm:SPSCertificate>", ErrSignatureShape},
		{"reference by ID", strings.Replace(s, `URI=""`, `URI="#x"`, 1), ErrSignatureShape},
		{"extra transform", strings.Replace(s, `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`,
			`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/>`, 1), ErrSignatureShape},
		{"weak method", strings.Replace(s, AlgRSASHA256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1", 1), ErrSignatureShape},
		{"evil content, original signature", evil + sig + "</rsm:SPSCertificate>", ErrBadSignature},
		// XSW: the signed original hidden in the signature, evil content at the root.
		{"original wrapped in ds:Object", evil + strings.Replace(sig, "</ds:Signature>",
			`<ds:Object><rsm:SPSCertificate>`+original+`</rsm:SPSCertificate></ds:Object></ds:Signature>`, 1) + "</rsm:SPSCertificate>", ErrBadSignature},
		{"evil root around the signed document", `<?xml version="1.0"?><rsm:SPSCertificate xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSCertificate:17">` +
			strings.TrimPrefix(strings.TrimPrefix(s, `<?xml version="1.0" encoding="UTF-8"?>`), "\n") + `</rsm:SPSCertificate>`, ErrSignatureShape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Verify(strings.NewReader(tt.doc), &VerifyOptions{Roots: p.Roots()})
			if err == nil {
				t.Fatalf("accepted; content has EVIL: %v", bytes.Contains(v.Content, []byte("EVIL")))
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			var se *SignatureError
			if tt.want != ErrNoSignature && !errors.As(err, &se) {
				t.Errorf("%T is not a *SignatureError", err)
			}
		})
	}
	// Untrusted: a root of another key (testpki reuses its keys, so make one).
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Other Root"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	otherRoot, _ := x509.ParseCertificate(der)
	otherPool := x509.NewCertPool()
	otherPool.AddCert(otherRoot)
	if _, err := Verify(bytes.NewReader(signed), &VerifyOptions{Roots: otherPool}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("other roots: %v, want ErrUntrusted", err)
	}
	// The verified content is the document without the signature.
	v, err := Verify(bytes.NewReader(signed), &VerifyOptions{Roots: p.Roots()})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(v.Content, []byte("Signature")) {
		t.Error("verified content still holds the signature")
	}
}

func TestSignRejects(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	_, signed := signedSample(t, p)
	if err := Sign(context.Background(), io.Discard, bytes.NewReader(signed), p.SealSigner(), nil); !errors.Is(err, ErrAlreadySigned) {
		t.Errorf("signing a signed document: %v", err)
	}
	ed := testpki.MustNew(testpki.Options{SealKey: testpki.Ed25519})
	plain, _ := cefact.Marshal(readSample(t, testtool.Testdata("good_iso9001.json")))
	if err := Sign(context.Background(), io.Discard, bytes.NewReader(plain), ed.SealSigner(), nil); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("Ed25519: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sign(ctx, io.Discard, bytes.NewReader(plain), p.SealSigner(), nil); err == nil {
		t.Error("signed with a cancelled context")
	}
}

// rawECSigner returns ECDSA signatures as r||s, as some tokens do.
type rawECSigner struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

func (s rawECSigner) Public() crypto.PublicKey   { return s.key.Public() }
func (s rawECSigner) Chain() []*x509.Certificate { return s.chain }
func (s rawECSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	der, err := s.key.Sign(r, d, o)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

func TestSignRawECDSASigner(t *testing.T) {
	p := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256})
	plain, _ := cefact.Marshal(readSample(t, testtool.Testdata("good_iso9001.json")))
	var signed bytes.Buffer
	if err := Sign(context.Background(), &signed, bytes.NewReader(plain), rawECSigner{p.SealKey, p.SealChain()}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(&signed, &VerifyOptions{Roots: p.Roots()}); err != nil {
		t.Fatal(err)
	}
}
