//go:build !cgo

package pkcs11_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/pkcs11"
)

func TestNeedsCgo(t *testing.T) {
	_, err := pkcs11.Open(context.Background(), "pkcs11:token=t;object=o?module-path=/x.so&pin-value=1", nil)
	if !errors.Is(err, signer.ErrNeedsCgo) {
		t.Fatalf("%v", err)
	}
}
