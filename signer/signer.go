// Package signer gives every part of ecertkit one way to sign: a Signer is
// a crypto.Signer plus the certificate chain of its key, wherever the key
// lives (a key file, a PKCS#11 token or HSM, a cloud KMS).
package signer

import (
	"crypto"
	"crypto/x509"
)

// Signer is a signing key with its certificate chain, leaf first.
// Implementations must be safe for concurrent use.
type Signer interface {
	crypto.Signer
	// Chain returns the certificate chain, leaf first. The leaf's public
	// key is the signer's public key.
	Chain() []*x509.Certificate
}
