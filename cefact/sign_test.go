package cefact

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

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
			xml, err := Marshal(c)
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
			os.WriteFile("/tmp/cx/signed-"+kt.String()+".xml", signed.Bytes(), 0o644)
		})
	}
}
