package signers_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/signers"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// Open a PKCS#12 seal file whose password is in a file. The same call
// opens pkcs11: and awskms: URIs.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "ecert-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := testpki.MustNew(testpki.Options{}).WriteFiles(dir); err != nil {
		log.Fatal(err)
	}
	uri := "file:" + dir + "/seal.p12?password-file=" + dir + "/seal.p12.pw"

	s, err := signers.Open(context.Background(), uri, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer signer.Close(s)
	fmt.Println(s.Chain()[0].Subject.CommonName)
	// Output:
	// Example Certification Body GmbH Seal
}
