// Package signers opens a signer.Signer by URI with every back end that
// ecertkit ships: file: (key files and PKCS#12), pkcs11: (tokens and HSMs,
// through crypto11; needs cgo) and awskms: (AWS KMS). It is the one call
// most programs need:
//
//	s, err := signers.Open(ctx, uri, nil)
//	if err != nil { ... }
//	defer signer.Close(s)
//
// Programs that must not link a PKCS#11 library or the AWS SDK call
// signer.Open instead and pass only the back ends they want in
// signer.Options.Backends.
package signers

import (
	"context"
	"maps"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/awskms"
	"github.com/ecertkit/ecertkit/signer/pkcs11"
)

// Backends returns a new map of the back ends this package knows, by
// scheme: "file", "pkcs11" and "awskms".
func Backends() map[string]signer.Backend {
	return map[string]signer.Backend{
		"file":   signer.OpenFile,
		"pkcs11": pkcs11.Open,
		"awskms": awskms.Open,
	}
}

// Open is signer.Open with every back end. Back ends in opts.Backends take
// precedence (to pass an awskms.Backend with options, or a new scheme);
// opts is not modified and may be nil.
func Open(ctx context.Context, uri string, opts *signer.Options) (signer.Signer, error) {
	var o signer.Options
	if opts != nil {
		o = *opts
	}
	b := Backends()
	maps.Copy(b, o.Backends)
	o.Backends = b
	return signer.Open(ctx, uri, &o)
}
