//go:build !cgo

package pkcs11

import (
	"context"
	"fmt"

	"github.com/ecertkit/ecertkit/signer"
)

// Open returns signer.ErrNeedsCgo: this binary was built without cgo.
// It still checks the URI, so configuration errors show up first.
func Open(ctx context.Context, uri string, opts *signer.Options) (signer.Signer, error) {
	if _, err := parse(uri); err != nil {
		return nil, fmt.Errorf("signer: pkcs11: %w", err)
	}
	return nil, fmt.Errorf("signer: pkcs11: %w", signer.ErrNeedsCgo)
}
