package tlog

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Signature type bytes of the C2SP signed-note specification. RSA has
// no assigned byte; it uses 0xff followed by RSAIdentifier, as the
// specification recommends for unassigned types.
const (
	TypeEd25519 = 0x01
	TypeECDSA   = 0x02
	TypeOther   = 0xff
)

// RSAIdentifier follows the 0xff type byte in the key ID of RSA keys
// (RSASSA-PKCS1-v1_5 with SHA-256 over the note text).
const RSAIdentifier = "ecertkit.org/rsa-pkcs1v15-sha256"

// NewSigner returns a note signer for a key held by any crypto.Signer
// (a key file, a PKCS#11 token, a cloud KMS: a signer.Signer is one).
//
//   - Ed25519 keys sign as C2SP type 0x01, exactly like note.NewSigner,
//     so note.NewVerifier with a key from note.NewEd25519VerifierKey
//     verifies them.
//   - ECDSA keys (P-256, P-384, P-521) sign as type 0x02: an ASN.1 ECDSA
//     signature over SHA-256 of the note text, key ID the first four bytes
//     of SHA-256 of the DER SubjectPublicKeyInfo (as in
//     github.com/transparency-dev/witness).
//   - RSA keys sign as type 0xff || RSAIdentifier: RSASSA-PKCS1-v1_5 with
//     SHA-256, key ID SHA-256(name || 0x0A || 0xff || RSAIdentifier ||
//     DER SubjectPublicKeyInfo)[:4]. This is specific to ecertkit;
//     verifiers use NewVerifier.
func NewSigner(name string, s crypto.Signer) (note.Signer, error) {
	k, err := newKey(name, s.Public())
	if err != nil {
		return nil, err
	}
	return &keySigner{key: k, s: s}, nil
}

// NewVerifier returns a note verifier for the public key of a signer made
// with NewSigner.
func NewVerifier(name string, pub crypto.PublicKey) (note.Verifier, error) {
	return newKey(name, pub)
}

type key struct {
	name string
	hash uint32
	pub  crypto.PublicKey
}

func newKey(name string, pub crypto.PublicKey) (*key, error) {
	if name == "" || strings.ContainsAny(name, "+ \n\t") {
		return nil, fmt.Errorf("tlog: key name %q: must be non-empty without spaces or +", name)
	}
	k := &key{name: name, pub: pub}
	h := sha256.New()
	switch p := pub.(type) {
	case ed25519.PublicKey:
		h.Write([]byte(name + "\n"))
		h.Write([]byte{TypeEd25519})
		h.Write(p)
	case *ecdsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("tlog: key %s: %w", name, err)
		}
		h.Write(der)
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("tlog: key %s: %w", name, err)
		}
		h.Write([]byte(name + "\n"))
		h.Write([]byte{TypeOther})
		h.Write([]byte(RSAIdentifier))
		h.Write(der)
	default:
		return nil, fmt.Errorf("tlog: key %s: unsupported public key type %T", name, pub)
	}
	k.hash = binary.BigEndian.Uint32(h.Sum(nil))
	return k, nil
}

func (k *key) Name() string    { return k.name }
func (k *key) KeyHash() uint32 { return k.hash }

func (k *key) Verify(msg, sig []byte) bool {
	switch p := k.pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(p, msg, sig)
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(p, d[:], sig)
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(p, crypto.SHA256, d[:], sig) == nil
	}
	return false
}

type keySigner struct {
	*key
	s crypto.Signer
}

func (k *keySigner) Sign(msg []byte) ([]byte, error) {
	var sig []byte
	var err error
	switch k.pub.(type) {
	case ed25519.PublicKey:
		sig, err = k.s.Sign(rand.Reader, msg, crypto.Hash(0))
	default:
		d := sha256.Sum256(msg)
		sig, err = k.s.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	if err != nil {
		return nil, fmt.Errorf("tlog: sign with %s: %w", k.name, err)
	}
	if !k.Verify(msg, sig) {
		return nil, errors.New("tlog: sign with " + k.name + ": the signature does not verify with the signer's public key")
	}
	return sig, nil
}
