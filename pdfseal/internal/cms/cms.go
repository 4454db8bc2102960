// Package cms builds the CMS SignedData (RFC 5652) of PDF signatures:
// detached, with signed attributes, signed through any crypto.Signer.
//
// It is a small DER builder rather than github.com/digitorus/pkcs7
// because a PDF signature needs things that package does not offer in one
// place: signing through an arbitrary crypto.Signer (PKCS#11, KMS) with
// RSA PKCS#1 v1.5, RSA-PSS, ECDSA and Ed25519; the PAdES attribute set
// (content-type, message-digest, signing-certificate-v2, and no
// signing-time); knowing the encoded size before signing, so that
// /Contents is reserved exactly; adding the signature-time-stamp token as
// an unsigned attribute after signing. It also avoids reflection-based
// encoding on the hot path.
package cms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// Object identifiers used in signatures.
var (
	OIDData                   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDContentType            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDSigningCertificateV2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDSignatureTimeStamp     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	OIDSHA256                 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384                 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512                 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	OIDRSAEncryption          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDSHA256WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDRSAPSS                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDMGF1                   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	OIDECDSAWithSHA256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	OIDEd25519                = asn1.ObjectIdentifier{1, 3, 101, 112}
	OIDAdbeRevocationArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
)

// Options configure a signature.
type Options struct {
	// Hash is the digest algorithm: SHA-256 (default), SHA-384 or SHA-512.
	// Ed25519 always uses SHA-512 (RFC 8419).
	Hash crypto.Hash
	// PSS signs RSA keys with RSASSA-PSS instead of PKCS#1 v1.5.
	PSS bool
	// SigningTime, when not zero, adds the signing-time attribute. PAdES
	// forbids it (the time goes in the PDF's /M); adbe.pkcs7.detached
	// signatures may carry it.
	SigningTime time.Time
	// NoSigningCertificateV2 leaves out the signing-certificate-v2
	// attribute (PAdES requires it; it is kept by default for both formats).
	NoSigningCertificateV2 bool
}

// Signature is a CMS SignedData being built: NewSignature fixes the
// signed attributes, Sign computes the signature value, AddUnsigned adds
// unsigned attributes (the signature time-stamp), Bytes encodes.
type Signature struct {
	chain       []*x509.Certificate
	hash        crypto.Hash
	signerOpts  crypto.SignerOpts
	digestAlgID []byte // AlgorithmIdentifier DER
	sigAlgID    []byte
	signedAttrs []byte // SET OF Attribute, DER with the SET tag
	sid         []byte
	value       []byte // signature value
	maxValueLen int
	unsigned    [][]byte // Attribute DER each
}

// Errors.
var (
	ErrUnsupportedKey = errors.New("cms: unsupported key type")
	ErrNoCertificate  = errors.New("cms: the signer has no certificate")
)

// HashFor returns the digest algorithm a signature with opts and the
// given public key uses.
func HashFor(pub crypto.PublicKey, h crypto.Hash) crypto.Hash {
	if _, ok := pub.(ed25519.PublicKey); ok {
		return crypto.SHA512
	}
	if h == 0 {
		if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve.Params().BitSize > 256 {
			return crypto.SHA384
		}
		return crypto.SHA256
	}
	return h
}

// NewSignature prepares a signature over content whose digest (made with
// HashFor(leaf key, opts.Hash)) is contentDigest. chain is leaf first; all
// of it is embedded.
func NewSignature(contentDigest []byte, chain []*x509.Certificate, opts Options) (*Signature, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, ErrNoCertificate
	}
	leaf := chain[0]
	s := &Signature{chain: chain}
	s.hash = HashFor(leaf.PublicKey, opts.Hash)
	if len(contentDigest) != s.hash.Size() {
		return nil, fmt.Errorf("cms: digest is %d bytes, want %d for %v", len(contentDigest), s.hash.Size(), s.hash)
	}
	hashOID, err := hashOID(s.hash)
	if err != nil {
		return nil, err
	}
	s.digestAlgID = seq(oid(hashOID))
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		s.maxValueLen = (k.N.BitLen() + 7) / 8
		if opts.PSS {
			hid := seq(oid(hashOID))
			mgf := seq(oid(OIDMGF1), hid)
			salt := s.hash.Size()
			params := seq(tlv(0xa0, hid), tlv(0xa1, mgf), tlv(0xa2, intDER(int64(salt))))
			s.sigAlgID = seq(oid(OIDRSAPSS), params)
			s.signerOpts = &rsa.PSSOptions{SaltLength: salt, Hash: s.hash}
		} else {
			var o asn1.ObjectIdentifier
			switch s.hash {
			case crypto.SHA256:
				o = OIDSHA256WithRSA
			case crypto.SHA384:
				o = OIDSHA384WithRSA
			default:
				o = OIDSHA512WithRSA
			}
			s.sigAlgID = seq(oid(o), []byte{0x05, 0x00})
			s.signerOpts = s.hash
		}
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize + 7) / 8
		s.maxValueLen = 2*(n+3) + 3 // SEQUENCE of two INTEGERs with sign bytes
		var o asn1.ObjectIdentifier
		switch s.hash {
		case crypto.SHA256:
			o = OIDECDSAWithSHA256
		case crypto.SHA384:
			o = OIDECDSAWithSHA384
		default:
			o = OIDECDSAWithSHA512
		}
		s.sigAlgID = seq(oid(o))
		s.signerOpts = s.hash
	case ed25519.PublicKey:
		s.maxValueLen = ed25519.SignatureSize
		s.sigAlgID = seq(oid(OIDEd25519))
		s.signerOpts = crypto.Hash(0)
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, leaf.PublicKey)
	}
	serial, err := asn1.Marshal(leaf.SerialNumber)
	if err != nil {
		return nil, fmt.Errorf("cms: serial number: %w", err)
	}
	s.sid = seq(leaf.RawIssuer, serial)

	attrs := [][]byte{
		attribute(OIDContentType, oid(OIDData)),
		attribute(OIDMessageDigest, tlv(0x04, contentDigest)),
	}
	if !opts.SigningTime.IsZero() {
		t, err := asn1.Marshal(opts.SigningTime.UTC())
		if err != nil {
			return nil, fmt.Errorf("cms: signing time: %w", err)
		}
		attrs = append(attrs, attribute(OIDSigningTime, t))
	}
	if !opts.NoSigningCertificateV2 {
		// ESSCertIDv2 with SHA-256 (the default algorithm, so omitted) and
		// issuerSerial naming the certificate.
		h := crypto.SHA256.New()
		h.Write(leaf.Raw)
		gn := seq(tlv(0xa4, leaf.RawIssuer)) // GeneralNames { directoryName }
		issuerSerial := seq(gn, serial)
		certID := seq(tlv(0x04, h.Sum(nil)), issuerSerial)
		attrs = append(attrs, attribute(OIDSigningCertificateV2, seq(seq(certID))))
	}
	s.signedAttrs = setOf(attrs)
	return s, nil
}

// Hash is the digest algorithm of the signature.
func (s *Signature) Hash() crypto.Hash { return s.hash }

// SignedAttributes returns the DER SET the signature value covers.
func (s *Signature) SignedAttributes() []byte { return s.signedAttrs }

// Sign signs the signed attributes with key (whose public key must be the
// leaf certificate's). Sign calls key once; ctx is honoured by signers
// implementing SignContext(ctx, digest, opts).
func (s *Signature) Sign(ctx context.Context, key crypto.Signer) error {
	var msg []byte
	if s.signerOpts.HashFunc() == 0 {
		msg = s.signedAttrs // Ed25519 signs the message itself
	} else {
		h := s.hash.New()
		h.Write(s.signedAttrs)
		msg = h.Sum(nil)
	}
	var sig []byte
	var err error
	if cs, ok := key.(interface {
		SignContext(context.Context, []byte, crypto.SignerOpts) ([]byte, error)
	}); ok {
		sig, err = cs.SignContext(ctx, msg, s.signerOpts)
	} else {
		if err = ctx.Err(); err == nil {
			sig, err = key.Sign(rand.Reader, msg, s.signerOpts)
		}
	}
	if err != nil {
		return err
	}
	if len(sig) == 0 || len(sig) > s.maxValueLen {
		return fmt.Errorf("cms: the signer returned a %d-byte signature (at most %d expected)", len(sig), s.maxValueLen)
	}
	s.value = sig
	return nil
}

// Value is the signature value (after Sign).
func (s *Signature) Value() []byte { return s.value }

// AddUnsigned adds an unsigned attribute whose single value is the DER
// value (e.g. the signature time-stamp token).
func (s *Signature) AddUnsigned(typ asn1.ObjectIdentifier, value []byte) {
	s.unsigned = append(s.unsigned, attribute(typ, value))
}

// AddTimestamp adds the RFC 3161 token as the signature-time-stamp attribute.
func (s *Signature) AddTimestamp(token []byte) { s.AddUnsigned(OIDSignatureTimeStamp, token) }

// Bytes encodes the ContentInfo. Before Sign it encodes a placeholder
// signature of the largest possible size, which gives the maximum size.
func (s *Signature) Bytes() []byte {
	value := s.value
	if value == nil {
		value = make([]byte, s.maxValueLen)
	}
	certs := make([][]byte, 0, len(s.chain))
	for _, c := range s.chain {
		if c != nil {
			certs = append(certs, c.Raw)
		}
	}
	si := [][]byte{
		intDER(1),
		s.sid,
		s.digestAlgID,
		retag(s.signedAttrs, 0xa0),
		s.sigAlgID,
		tlv(0x04, value),
	}
	if len(s.unsigned) > 0 {
		si = append(si, retag(setOf(s.unsigned), 0xa1))
	}
	sd := seq(
		intDER(1),
		tlv(0x31, s.digestAlgID),
		seq(oid(OIDData)),
		tlv(0xa0, certs...),
		tlv(0x31, seq(si...)),
	)
	return seq(oid(OIDSignedData), tlv(0xa0, sd))
}

// MaxSize is the encoded size with the largest signature value and the
// unsigned attributes added so far.
func (s *Signature) MaxSize() int {
	v := s.value
	s.value = nil
	n := len(s.Bytes())
	s.value = v
	return n
}

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return OIDSHA256, nil
	case crypto.SHA384:
		return OIDSHA384, nil
	case crypto.SHA512:
		return OIDSHA512, nil
	}
	return nil, fmt.Errorf("cms: unsupported digest algorithm %v", h)
}

// --- DER helpers -----------------------------------------------------------

func appendLen(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// tlv encodes tag + length + the concatenation of parts.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n+6)
	b = append(b, tag)
	b = appendLen(b, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func seq(parts ...[]byte) []byte { return tlv(0x30, parts...) }

// setOf encodes a DER SET OF: the elements sorted by their encodings.
func setOf(elems [][]byte) []byte {
	s := append([][]byte(nil), elems...)
	sort.Slice(s, func(i, j int) bool { return string(s[i]) < string(s[j]) })
	return tlv(0x31, s...)
}

// retag replaces the outer tag of a DER element (SET -> [0] IMPLICIT).
func retag(der []byte, tag byte) []byte {
	b := append([]byte(nil), der...)
	b[0] = tag
	return b
}

func oid(o asn1.ObjectIdentifier) []byte {
	b, _ := asn1.Marshal(o)
	return b
}

func intDER(v int64) []byte {
	b, _ := asn1.Marshal(big.NewInt(v))
	return b
}

func attribute(typ asn1.ObjectIdentifier, value []byte) []byte {
	return seq(oid(typ), tlv(0x31, value))
}
