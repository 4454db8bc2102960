package pkcs11_test

import (
	"context"
	"errors"
	"log"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/pkcs11"
)

// Open a seal key on a token selected by label, with the PIN in a file,
// and tell the operator what went wrong in terms they can act on.
func ExampleOpen() {
	uri := "pkcs11:token=Seal%20Token;object=seal" +
		"?module-path=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so&pin-source=/run/secrets/seal-pin"
	s, err := signer.Open(context.Background(), uri, &signer.Options{
		Backends: map[string]signer.Backend{"pkcs11": pkcs11.Open},
	})
	switch {
	case errors.Is(err, signer.ErrTokenNotFound):
		log.Fatal("insert the seal token")
	case errors.Is(err, signer.ErrWrongPIN):
		log.Fatal("wrong PIN: check /run/secrets/seal-pin (the token locks after a few tries)")
	case errors.Is(err, signer.ErrTokenLocked):
		log.Fatal("the token's PIN is locked: unlock it with the SO PIN")
	case err != nil:
		log.Fatal(err)
	}
	defer signer.Close(s)
}
