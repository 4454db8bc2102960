package signer_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"log"
	"os"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// Open a seal key stored as a PEM key file with its chain, sign a digest
// and check the signature against the leaf certificate.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "ecert-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// A test PKI: DIR/seal-key.pem and DIR/seal-chain.pem among others.
	if err := testpki.MustNew(testpki.Options{}).WriteFiles(dir); err != nil {
		log.Fatal(err)
	}
	uri := "file:" + dir + "/seal-key.pem?chain=" + dir + "/seal-chain.pem"

	s, err := signer.Open(context.Background(), uri, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer signer.Close(s)

	digest := sha256.Sum256([]byte("certificate of conformity"))
	sig, err := s.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	leaf := s.Chain()[0]
	info := signer.Describe(s)
	fmt.Println(info.Backend, info.Algorithm, info.Bits)
	fmt.Println(leaf.Subject.Organization[0])
	fmt.Println("chain length:", len(s.Chain()))
	fmt.Println("verifies:", rsa.VerifyPKCS1v15(leaf.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig) == nil)
	// Output:
	// file RSA 2048
	// Example Certification Body GmbH
	// chain length: 2
	// verifies: true
}
