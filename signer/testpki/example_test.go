package testpki_test

import (
	"crypto/x509"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

// A PKI with revocation URLs pointing at local test servers, an extra
// seal certificate that is then revoked, and a CRL listing it.
func ExampleNew() {
	p, err := testpki.New(testpki.Options{
		SealKey: testpki.ECDSAP256,
		OCSPURL: "http://127.0.0.1:8080/ocsp",
		CRLURL:  "http://127.0.0.1:8080/ca.crl",
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = p.Seal.Verify(x509.VerifyOptions{Roots: p.Roots(), Intermediates: p.Intermediates()})
	fmt.Println("seal chains to root:", err == nil)
	fmt.Println("seal OCSP:", p.Seal.OCSPServer[0])

	revoked, err := p.Issue(testpki.LeafOptions{KeyType: testpki.ECDSAP256})
	if err != nil {
		log.Fatal(err)
	}
	der, err := p.NewCRL([]*big.Int{revoked.Cert.SerialNumber}, time.Now(), time.Now().Add(24*time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	crl, _ := x509.ParseRevocationList(der)
	fmt.Println("CRL entries:", len(crl.RevokedCertificateEntries))
	// Output:
	// seal chains to root: true
	// seal OCSP: http://127.0.0.1:8080/ocsp
	// CRL entries: 1
}
