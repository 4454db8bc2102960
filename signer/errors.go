package signer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
)

// Errors that callers branch on with errors.Is. Messages never contain a
// PIN, a password or any other secret.
var (
	// ErrBadURI: the key URI cannot be parsed or lacks a required part.
	ErrBadURI = errors.New("bad key URI")
	// ErrUnsupportedScheme: no back end handles the URI scheme.
	ErrUnsupportedScheme = errors.New("unsupported key URI scheme")
	// ErrWrongPIN: the token refused the PIN.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrTokenNotFound: no token with the requested label (or serial) is present.
	ErrTokenNotFound = errors.New("token not found")
	// ErrTokenLocked: the token's user PIN is locked after too many wrong tries.
	ErrTokenLocked = errors.New("token locked")
	// ErrWrongPassword: a PKCS#12 or encrypted key file could not be
	// decrypted with the password given.
	ErrWrongPassword = errors.New("wrong password")
	// ErrKeyNotFound: the key named by the URI does not exist.
	ErrKeyNotFound = errors.New("key not found")
	// ErrCertNotFound: no certificate for the key was found or given.
	ErrCertNotFound = errors.New("certificate not found")
	// ErrKeyMismatch: the certificate's public key is not the key's; the
	// error is a *KeyMismatchError naming both.
	ErrKeyMismatch = errors.New("certificate does not match key")
	// ErrUnsupportedAlgorithm: the key type, curve, size, hash or padding
	// is not supported.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrAccessDenied: a KMS refused the operation (permissions, disabled
	// or pending-deletion key).
	ErrAccessDenied = errors.New("access denied")
	// ErrThrottled: a KMS rate limit was hit; retry later.
	ErrThrottled = errors.New("throttled")
	// ErrTimeout: the context deadline expired (the error also matches
	// context.DeadlineExceeded).
	ErrTimeout = errors.New("timed out")
	// ErrCertificate: the certificate is unfit for sealing (key usage,
	// validity); the error is a *CertificateError.
	ErrCertificate = errors.New("certificate unfit for signing")
	// ErrNeedsCgo: the back end (PKCS#11) is not available in a build
	// without cgo.
	ErrNeedsCgo = errors.New("PKCS#11 needs cgo: rebuild with CGO_ENABLED=1")
)

// KeyMismatchError reports a certificate whose public key is not the key's.
type KeyMismatchError struct {
	Cert string // the certificate: subject and serial number
	Key  string // the key: algorithm, size and SPKI SHA-256 fingerprint
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("certificate %s does not match key %s", e.Cert, e.Key)
}

// Is makes errors.Is(err, ErrKeyMismatch) true.
func (e *KeyMismatchError) Is(target error) bool { return target == ErrKeyMismatch }

// CertificateError reports why a certificate is unfit for sealing.
type CertificateError struct {
	Cert   *x509.Certificate
	Reason string // e.g. "key usage lacks digitalSignature and nonRepudiation"
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("certificate %s: %s", describeCert(e.Cert), e.Reason)
}

// Is makes errors.Is(err, ErrCertificate) true.
func (e *CertificateError) Is(target error) bool { return target == ErrCertificate }

// ContextError turns a context error into one that matches both ErrTimeout
// (for deadlines) and the context error itself, prefixed with op. It
// returns nil when ctx is live. Back ends use it before and after blocking calls.
func ContextError(ctx context.Context, op string) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w (%w)", op, ErrTimeout, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
