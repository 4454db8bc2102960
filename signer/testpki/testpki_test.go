package testpki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/signer/testpki"
	"software.sslmate.com/src/go-pkcs12"
)

func TestNew(t *testing.T) {
	for _, kt := range []testpki.KeyType{testpki.RSA2048, testpki.ECDSAP256, testpki.ECDSAP384, testpki.Ed25519} {
		t.Run(kt.String(), func(t *testing.T) {
			p, err := testpki.New(testpki.Options{SealKey: kt, OCSPURL: "http://127.0.0.1:1/ocsp", CRLURL: "http://127.0.0.1:1/crl"})
			if err != nil {
				t.Fatal(err)
			}
			vo := x509.VerifyOptions{Roots: p.Roots(), Intermediates: p.Intermediates(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
			for _, c := range []*x509.Certificate{p.Seal, p.TSA, p.OCSP} {
				if _, err := c.Verify(vo); err != nil {
					t.Errorf("%s: %v", c.Subject.CommonName, err)
				}
			}
			if p.Seal.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
				t.Errorf("seal key usage %v", p.Seal.KeyUsage)
			}
			if len(p.Seal.Subject.Organization) != 1 || p.Seal.Subject.Organization[0] != "Example Certification Body GmbH" {
				t.Errorf("seal O= %q", p.Seal.Subject.Organization)
			}
			if got := p.Seal.OCSPServer; len(got) != 1 || got[0] != "http://127.0.0.1:1/ocsp" {
				t.Errorf("seal OCSP %q", got)
			}
			if got := p.Seal.CRLDistributionPoints; len(got) != 1 || got[0] != "http://127.0.0.1:1/crl" {
				t.Errorf("seal CRL DP %q", got)
			}
			critical := false
			for _, e := range p.TSA.Extensions {
				if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
					critical = e.Critical
				}
			}
			if !critical || len(p.TSA.ExtKeyUsage) != 1 || p.TSA.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
				t.Errorf("TSA EKU %v critical=%v", p.TSA.ExtKeyUsage, critical)
			}
			if len(p.OCSP.ExtKeyUsage) != 1 || p.OCSP.ExtKeyUsage[0] != x509.ExtKeyUsageOCSPSigning {
				t.Errorf("OCSP EKU %v", p.OCSP.ExtKeyUsage)
			}
			if err := p.CRLObj.CheckSignatureFrom(p.CA); err != nil {
				t.Errorf("CRL: %v", err)
			}
			s := p.SealSigner()
			h := sha256.Sum256([]byte("x"))
			var opts crypto.SignerOpts = crypto.SHA256
			msg := h[:]
			if kt == testpki.Ed25519 {
				opts, msg = crypto.Hash(0), []byte("x")
			}
			sig, err := s.Sign(rand.Reader, msg, opts)
			if err != nil {
				t.Fatal(err)
			}
			alg := map[testpki.KeyType]x509.SignatureAlgorithm{testpki.RSA2048: x509.SHA256WithRSA, testpki.ECDSAP256: x509.ECDSAWithSHA256, testpki.ECDSAP384: x509.ECDSAWithSHA256, testpki.Ed25519: x509.PureEd25519}[kt]
			if err := s.Chain()[0].CheckSignature(alg, []byte("x"), sig); err != nil {
				t.Errorf("signature: %v", err)
			}
		})
	}
}

func TestIssueAndCRL(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	now := p.Opts.Now
	expired, err := p.Issue(testpki.LeafOptions{KeyType: testpki.ECDSAP256, NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := expired.Key.(*ecdsa.PrivateKey); !ok {
		t.Errorf("key %T", expired.Key)
	}
	_, err = expired.Cert.Verify(x509.VerifyOptions{Roots: p.Roots(), Intermediates: p.Intermediates()})
	if err == nil {
		t.Error("expired leaf verifies")
	}
	revoked, err := p.Issue(testpki.LeafOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if revoked.Cert.SerialNumber.Cmp(p.Seal.SerialNumber) == 0 || revoked.Cert.SerialNumber.Cmp(expired.Cert.SerialNumber) == 0 {
		t.Error("serial reused")
	}
	der, err := p.NewCRL([]*big.Int{revoked.Cert.SerialNumber}, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(revoked.Cert.SerialNumber) != 0 {
		t.Errorf("CRL entries %v", crl.RevokedCertificateEntries)
	}
	if crl.Number.Cmp(p.CRLObj.Number) <= 0 {
		t.Errorf("CRL number %v not after %v", crl.Number, p.CRLObj.Number)
	}
}

func TestWriteFiles(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	dir := t.TempDir()
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"root.pem", "ca.pem", "seal-key.pem", "seal-chain.pem", "seal.p12", "seal.p12.pw", "tsa-key.pem", "tsa-cert.pem", "tsa-chain.pem", "ocsp-key.pem", "ocsp-cert.pem", "crl.der", "crl.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	st, _ := os.Stat(filepath.Join(dir, "seal-key.pem"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("seal-key.pem mode %v", st.Mode())
	}
	p12, _ := os.ReadFile(filepath.Join(dir, "seal.p12"))
	pw, _ := os.ReadFile(filepath.Join(dir, "seal.p12.pw"))
	key, cert, cas, err := pkcs12.DecodeChain(p12, string(pw))
	if err != nil {
		t.Fatal(err)
	}
	if !key.(*rsa.PrivateKey).Equal(p.SealKey) || !cert.Equal(p.Seal) || len(cas) != 1 || !cas[0].Equal(p.CA) {
		t.Error("PKCS#12 contents differ")
	}
	if _, _, _, err := pkcs12.DecodeChain(p12, "wrong"); err == nil {
		t.Error("wrong password accepted")
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		testpki.MustNew(testpki.Options{})
	}
}
