package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// New wraps a key and its chain (leaf first) as a Signer. It refuses an
// empty chain ([ErrCertNotFound]), a key it cannot sign with
// ([ErrUnsupportedAlgorithm]) and a leaf whose public key is not the
// key's ([*KeyMismatchError]). The Signer it returns checks the hash and
// padding of every call, returns ECDSA signatures in DER even when key
// returns raw r||s, and passes on key's Close, KeyInfo and SignContext
// methods when key has them.
//
// New does not check the certificate's key usage or validity; [Open]
// does, under [Options.CertPolicy], and so does [CheckCertificate].
func New(key crypto.Signer, chain []*x509.Certificate) (Signer, error) {
	if key == nil {
		return nil, fmt.Errorf("signer: new: nil key")
	}
	if len(chain) == 0 || chain[0] == nil {
		return nil, fmt.Errorf("signer: new: %w", ErrCertNotFound)
	}
	for _, c := range chain {
		if c == nil {
			return nil, fmt.Errorf("signer: new: nil certificate in chain")
		}
	}
	pub := key.Public()
	info := publicKeyInfo(pub)
	if err := supportedKey(pub); err != nil {
		return nil, fmt.Errorf("signer: new: %w", err)
	}
	if err := MatchKey(chain[0], pub); err != nil {
		return nil, fmt.Errorf("signer: new: %w", err)
	}
	if d, ok := key.(Describer); ok {
		info = d.KeyInfo()
	}
	return &wrapped{key: key, pub: pub, chain: append([]*x509.Certificate(nil), chain...), info: info}, nil
}

// MatchKey returns a *KeyMismatchError unless cert's public key is pub.
func MatchKey(cert *x509.Certificate, pub crypto.PublicKey) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := pub.(equaler); ok && e.Equal(cert.PublicKey) {
		return nil
	}
	return &KeyMismatchError{Cert: describeCert(cert), Key: describeKey(pub)}
}

type wrapped struct {
	key   crypto.Signer
	pub   crypto.PublicKey
	chain []*x509.Certificate
	info  KeyInfo
}

func (w *wrapped) Public() crypto.PublicKey { return w.pub }

// Chain returns a copy of the chain so that callers cannot alter it.
func (w *wrapped) Chain() []*x509.Certificate { return append([]*x509.Certificate(nil), w.chain...) }

func (w *wrapped) KeyInfo() KeyInfo { return w.info }

func (w *wrapped) Close() error { return Close(w.key) }

func (w *wrapped) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if err := checkOpts(w.pub, digest, opts); err != nil {
		return nil, err
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	sig, err := w.key.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	return w.normalise(sig)
}

func (w *wrapped) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if err := checkOpts(w.pub, digest, opts); err != nil {
		return nil, err
	}
	if err := ContextError(ctx, "signer: sign"); err != nil {
		return nil, err
	}
	var sig []byte
	var err error
	if cs, ok := w.key.(ContextSigner); ok {
		sig, err = cs.SignContext(ctx, digest, opts)
	} else {
		sig, err = w.key.Sign(cryptorand.Reader, digest, opts)
	}
	if err != nil {
		return nil, err
	}
	return w.normalise(sig)
}

func (w *wrapped) normalise(sig []byte) ([]byte, error) {
	if pub, ok := w.pub.(*ecdsa.PublicKey); ok {
		return ECDSAToDER(pub.Curve, sig)
	}
	return sig, nil
}

// ECDSAToDER returns sig as an ASN.1 DER ECDSA-Sig-Value. A signature that
// is already DER is returned unchanged; a raw r||s signature (as PKCS#11
// tokens return) of twice the curve's byte size is converted.
func ECDSAToDER(curve elliptic.Curve, sig []byte) ([]byte, error) {
	if isDERSig(sig) {
		return sig, nil
	}
	n := (curve.Params().BitSize + 7) / 8
	if len(sig) != 2*n {
		return nil, fmt.Errorf("signer: ECDSA signature of %d bytes is neither DER nor raw r||s for %s", len(sig), curve.Params().Name)
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}

func isDERSig(sig []byte) bool {
	var inner cryptobyte.String
	in := cryptobyte.String(sig)
	r, s := new(big.Int), new(big.Int)
	return in.ReadASN1(&inner, cbasn1.SEQUENCE) && in.Empty() &&
		inner.ReadASN1Integer(r) && inner.ReadASN1Integer(s) && inner.Empty() &&
		r.Sign() > 0 && s.Sign() > 0
}

func supportedKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("%w: RSA key of %d bits (2048 or more needed)", ErrUnsupportedAlgorithm, k.N.BitLen())
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384():
			return nil
		}
		return fmt.Errorf("%w: ECDSA curve %s (P-256 or P-384 needed)", ErrUnsupportedAlgorithm, k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, pub)
}

func supportedHash(h crypto.Hash) bool {
	return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
}

func checkOpts(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts) error {
	if opts == nil {
		return fmt.Errorf("signer: sign: %w: nil SignerOpts", ErrUnsupportedAlgorithm)
	}
	h := opts.HashFunc()
	_, pss := opts.(*rsa.PSSOptions)
	switch pub.(type) {
	case ed25519.PublicKey:
		if h != 0 || pss {
			return fmt.Errorf("signer: sign: %w: Ed25519 signs the message itself (hash must be 0, got %v)", ErrUnsupportedAlgorithm, h)
		}
		return nil
	case *ecdsa.PublicKey:
		if pss {
			return fmt.Errorf("signer: sign: %w: PSS with an ECDSA key", ErrUnsupportedAlgorithm)
		}
	}
	if !supportedHash(h) {
		return fmt.Errorf("signer: sign: %w: hash %v (SHA-256, SHA-384 or SHA-512 needed)", ErrUnsupportedAlgorithm, h)
	}
	if len(digest) != h.Size() {
		return fmt.Errorf("signer: sign: digest of %d bytes for %v (want %d)", len(digest), h, h.Size())
	}
	return nil
}

func publicKeyInfo(pub crypto.PublicKey) KeyInfo {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return KeyInfo{Algorithm: "RSA", Bits: k.N.BitLen()}
	case *ecdsa.PublicKey:
		return KeyInfo{Algorithm: "ECDSA", Bits: k.Curve.Params().BitSize, Curve: k.Curve.Params().Name}
	case ed25519.PublicKey:
		return KeyInfo{Algorithm: "Ed25519", Bits: 256}
	}
	return KeyInfo{Algorithm: fmt.Sprintf("%T", pub)}
}

func describeKey(pub crypto.PublicKey) string {
	i := publicKeyInfo(pub)
	s := i.Algorithm
	switch {
	case i.Curve != "":
		s += " " + i.Curve
	case i.Algorithm == "RSA":
		s += fmt.Sprintf("-%d", i.Bits)
	}
	if der, err := x509.MarshalPKIXPublicKey(pub); err == nil {
		sum := sha256.Sum256(der)
		s += " (SPKI SHA-256 " + hex.EncodeToString(sum[:8]) + "…)"
	}
	return s
}

func describeCert(c *x509.Certificate) string {
	if c == nil {
		return "<nil>"
	}
	name := c.Subject.CommonName
	if len(c.Subject.Organization) > 0 {
		name += ", " + c.Subject.Organization[0]
	}
	return fmt.Sprintf("%q (serial %s)", name, hex.EncodeToString(c.SerialNumber.Bytes()))
}
