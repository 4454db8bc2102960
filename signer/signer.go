// Package signer gives every part of ecertkit one way to sign: a Signer is
// a crypto.Signer plus the certificate chain of its key, wherever the key
// lives (a key file, a PKCS#11 token or HSM, a cloud KMS).
//
// Most callers open a key by URI with [github.com/ecertkit/ecertkit/signer/signers.Open],
// which knows every back end:
//
//	s, err := signers.Open(ctx, "file:/etc/ecert/seal-key.pem?chain=/etc/ecert/seal-chain.pem", nil)
//
// This package's [Open] knows only file: URIs and takes the other back ends
// through [Options.Backends]; it does not depend on a PKCS#11 library or a
// cloud SDK, so a program that seals with key files links neither.
//
// # URIs
//
//	file:/abs/key.pem?chain=/abs/chain.pem           PEM key (PKCS#1, PKCS#8, SEC1) + PEM chain
//	file:/abs/key.pem                                 PEM key with its chain in the same file
//	file:/abs/seal.p12?password-file=/abs/pw          PKCS#12 (also PBES2/AES-256 from OpenSSL 3)
//	file:/abs/seal.p12?password-env=SEAL_P12_PASSWORD
//	pkcs11:token=Seal;object=seal?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/abs/pin
//	awskms:arn:aws:kms:eu-central-1:111122223333:key/1234abcd-...?chain=/abs/chain.pem&region=eu-central-1
//
// See the back-end packages (signer/pkcs11, signer/awskms) for all their
// URI attributes.
//
// # Checks on open
//
// [Open] refuses a key whose certificate's public key differs from the key
// ([ErrKeyMismatch], a [*KeyMismatchError] naming both) and a key type,
// size or curve it cannot sign with ([ErrUnsupportedAlgorithm]). A leaf
// certificate without digitalSignature or nonRepudiation, or outside its
// validity period, is refused by default ([ErrCertificate]); with
// [Options.CertPolicy] set to [CertReport] it is reported to
// [Options.Report] and the logger instead.
//
// # Algorithms
//
// RSA (2048 bits or more) with PKCS#1 v1.5 (opts is a crypto.Hash) or PSS
// (opts is a *rsa.PSSOptions), ECDSA P-256 and P-384, and Ed25519 (files
// only; opts.HashFunc() is 0 and the message is signed as is), with
// SHA-256, SHA-384 or SHA-512. ECDSA signatures are always ASN.1 DER, also
// from back ends whose device returns raw r||s.
//
// # Optional abilities
//
// A Signer may also implement [Closer] (release a token session or a
// client), [Describer] (key information for logs and "ecert signer test")
// and [ContextSigner] (signing that honours a context, for network back
// ends). Use the helpers [Close], [Describe] and [SignContext], which fall
// back sensibly when the ability is absent.
//
// # Adding a back end
//
// A back end is a function of type [Backend] for one URI scheme; the
// Signer interface does not change. To add, say, GCP KMS ("gcpkms:"),
// Azure Key Vault ("azurekv:") or Vault transit ("vault:"):
//
//  1. Write package signer/gcpkms with
//     func Open(ctx context.Context, uri string, opts *signer.Options) (signer.Signer, error).
//     Parse the URI with [ParseURI]; read the chain with [ReadChainFile]
//     (a KMS holds no certificates); fetch the public key once on open.
//  2. Implement crypto.Signer over the service's sign call, mapping its
//     errors to [ErrAccessDenied], [ErrThrottled], [ErrKeyNotFound],
//     [ErrUnsupportedAlgorithm] and, through [ContextError], [ErrTimeout].
//     Implement [ContextSigner] so that callers can bound each signature,
//     and [Closer] if the client holds resources.
//  3. Return [New](key, chain): it checks that the leaf matches the key,
//     normalises ECDSA signatures to DER and refuses unsupported hashes.
//  4. Add "gcpkms": gcpkms.Open to signer/signers, or pass it in
//     [Options.Backends] from the program that needs it.
package signer

import (
	"context"
	"crypto"
	"crypto/rand"
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

// Closer is implemented by signers that hold resources (a token session,
// a network client). Call [Close] rather than asserting it yourself.
type Closer interface {
	Close() error
}

// Close releases the signer's resources if it holds any.
func Close(s crypto.Signer) error {
	if c, ok := s.(Closer); ok {
		return c.Close()
	}
	return nil
}

// KeyInfo describes a key without any secret.
type KeyInfo struct {
	Backend   string // "file", "pkcs11", "awskms", or "" when unknown
	Algorithm string // "RSA", "ECDSA" or "Ed25519"
	Bits      int    // RSA modulus size or curve size
	Curve     string // "P-256", "P-384" for ECDSA
	// Name identifies the key in its store without secrets: a file
	// path, a token label and object, a KMS key ID.
	Name string
}

// Describer is implemented by signers that know more about their key
// than its public half (where it lives, what it is called).
type Describer interface {
	KeyInfo() KeyInfo
}

// Describe returns the signer's key information: from its Describer if it
// has one, otherwise derived from the public key.
func Describe(s crypto.Signer) KeyInfo {
	if d, ok := s.(Describer); ok {
		return d.KeyInfo()
	}
	return publicKeyInfo(s.Public())
}

// ContextSigner is implemented by signers whose signature can block (a
// network call, a busy token) and honour a context.
type ContextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// SignContext signs digest with s, honouring ctx when s implements
// ContextSigner; otherwise it checks ctx before signing.
func SignContext(ctx context.Context, s crypto.Signer, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if cs, ok := s.(ContextSigner); ok {
		return cs.SignContext(ctx, digest, opts)
	}
	if err := ContextError(ctx, "signer: sign"); err != nil {
		return nil, err
	}
	return s.Sign(rand.Reader, digest, opts)
}
