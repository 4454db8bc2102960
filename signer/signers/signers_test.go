package signers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/signers"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

func TestOpenDispatch(t *testing.T) {
	dir := t.TempDir()
	if err := testpki.MustNew(testpki.Options{}).WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := signers.Open(context.Background(), testpki.SealKeyURI(dir), nil); err != nil {
		t.Fatal(err)
	}
	// Each scheme reaches its back end: their URI checks answer.
	for _, uri := range []string{"pkcs11:token=x;object=y", "awskms:alias/seal"} {
		if _, err := signers.Open(context.Background(), uri, nil); !errors.Is(err, signer.ErrBadURI) {
			t.Errorf("%s: %v", uri, err)
		}
	}
	if _, err := signers.Open(context.Background(), "vault:transit/seal", nil); !errors.Is(err, signer.ErrUnsupportedScheme) {
		t.Errorf("vault: %v", err)
	}
	// A caller's back end for a new scheme is used, and opts is untouched.
	called := false
	opts := &signer.Options{Backends: map[string]signer.Backend{"vault": func(ctx context.Context, uri string, o *signer.Options) (signer.Signer, error) {
		called = true
		return testpki.MustNew(testpki.Options{}).SealSigner(), nil
	}}}
	if _, err := signers.Open(context.Background(), "vault:transit/seal", opts); err != nil || !called {
		t.Errorf("custom back end: called=%v err=%v", called, err)
	}
	if len(opts.Backends) != 1 {
		t.Errorf("opts.Backends modified: %v", opts.Backends)
	}
}
