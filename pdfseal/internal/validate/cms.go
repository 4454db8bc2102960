// Package validate holds the cryptographic checks behind pdfseal.Verify:
// CMS (PKCS#7 / CAdES) signatures, RFC 3161 timestamp tokens, certificate
// paths and revocation data. It knows nothing of PDF; pdfseal hands it the
// DER of a /Contents string and the digest of the signed byte ranges.
//
// Parsing is bounded by the input: every structure is decoded with
// encoding/asn1 from a byte slice the caller already holds, so a hostile
// token cannot make it allocate more than a small multiple of its size.
package validate

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Object identifiers used in CMS and its PDF profiles.
var (
	OIDData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDTSTInfo        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertV1  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimestampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAdbeRevInfo    = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}

	oidRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASHA1      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidRSASHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSASHA384    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSASHA512    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECPublicKey  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA1    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSASHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519      = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidOCSPBasic    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPResponse = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1}
)

// Errors callers branch on with errors.Is.
var (
	// ErrFormat: the bytes are not a CMS SignedData this package can read.
	ErrFormat = errors.New("malformed CMS signature")
	// ErrDigest: the message-digest attribute (or the timestamp's message
	// imprint) does not match the signed data.
	ErrDigest = errors.New("digest mismatch")
	// ErrSignature: the cryptographic signature does not verify.
	ErrSignature = errors.New("signature does not verify")
	// ErrAlgorithm: an algorithm is unknown or not accepted.
	ErrAlgorithm = errors.New("algorithm not accepted")
	// ErrNoSigner: the signer's certificate is not in the CMS.
	ErrNoSigner = errors.New("signer certificate not found")
	// ErrSigningCert: the signing-certificate(-v2) attribute does not
	// name the certificate that verified the signature.
	ErrSigningCert = errors.New("signing-certificate attribute does not match the signer")
	// ErrKeyUsage: a certificate is not meant for the use made of it.
	ErrKeyUsage = errors.New("certificate not meant for this use")
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

// Attribute is one signed or unsigned CMS attribute: its type and the DER
// of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// SignedData is a parsed CMS SignedData with exactly one signer, which is
// what PDF signatures and RFC 3161 tokens carry.
type SignedData struct {
	// ContentType is the encapsulated content type (id-data for PDF
	// signatures, id-ct-TSTInfo for timestamp tokens).
	ContentType asn1.ObjectIdentifier
	// Content is the encapsulated content, nil when detached.
	Content []byte
	// Certs are all certificates carried in the CMS, in order.
	Certs []*x509.Certificate
	// CRLs are the CRLs carried in the SignedData crls field.
	CRLs []*x509.RevocationList

	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	// SignedAttrs is the DER of the signed attributes re-tagged as a SET,
	// the bytes the signature covers; nil when there are none.
	SignedAttrs []byte
	Signed      []Attribute
	Unsigned    []Attribute

	sid asn1.RawValue
}

// ParseSignedData parses a DER ContentInfo holding a SignedData. Trailing
// bytes (the zero padding of a PDF /Contents string) are ignored.
func ParseSignedData(der []byte) (*SignedData, error) {
	sd, err := parseSignedData(der)
	if err == nil {
		return sd, nil
	}
	// BER (indefinite lengths, constructed strings), as NSS and Adobe
	// write it: convert to DER and try again.
	conv, cerr := berToDER(der)
	if cerr != nil {
		return nil, err
	}
	return parseSignedData(conv)
}

func parseSignedData(der []byte) (*SignedData, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: content info: %v", ErrFormat, err)
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not signed-data", ErrFormat, ci.ContentType)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: signed data: %v", ErrFormat, err)
	} else if len(rest) > 0 {
		return nil, fmt.Errorf("%w: signed data: trailing bytes", ErrFormat)
	}
	out := &SignedData{ContentType: sd.EncapContentInfo.EContentType}
	if len(sd.EncapContentInfo.EContent.Bytes) > 0 {
		// eContent is an OCTET STRING (possibly constructed in BER; we
		// accept only the primitive DER form).
		var oct []byte
		if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &oct); err != nil {
			return nil, fmt.Errorf("%w: encapsulated content: %v", ErrFormat, err)
		}
		out.Content = oct
	}
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", ErrFormat, err)
		}
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue // attribute certificates and other choices
		}
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate: %v", ErrFormat, err)
		}
		out.Certs = append(out.Certs, c)
	}
	for rest := sd.CRLs.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("%w: crls: %v", ErrFormat, err)
		}
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue // other revocation info formats
		}
		if crl, err := x509.ParseRevocationList(raw.FullBytes); err == nil {
			out.CRLs = append(out.CRLs, crl)
		}
	}
	var infos []signerInfo
	for rest := sd.SignerInfos.Bytes; len(rest) > 0; {
		var si signerInfo
		var err error
		if rest, err = asn1.Unmarshal(rest, &si); err != nil {
			return nil, fmt.Errorf("%w: signer info: %v", ErrFormat, err)
		}
		infos = append(infos, si)
	}
	if len(infos) != 1 {
		return nil, fmt.Errorf("%w: %d signer infos, want exactly 1", ErrFormat, len(infos))
	}
	si := infos[0]
	out.DigestAlgorithm = si.DigestAlgorithm
	out.SignatureAlgorithm = si.SignatureAlgorithm
	out.Signature = si.Signature
	out.sid = si.SID
	if len(si.SignedAttrs.FullBytes) > 0 {
		attrs, err := parseAttributes(si.SignedAttrs.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: signed attributes: %v", ErrFormat, err)
		}
		out.Signed = attrs
		// The signature covers the attributes' DER with the EXPLICIT SET
		// OF tag instead of the IMPLICIT [0].
		b := bytes.Clone(si.SignedAttrs.FullBytes)
		b[0] = 0x31
		out.SignedAttrs = b
	}
	if len(si.UnsignedAttrs.FullBytes) > 0 {
		attrs, err := parseAttributes(si.UnsignedAttrs.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: unsigned attributes: %v", ErrFormat, err)
		}
		out.Unsigned = attrs
	}
	return out, nil
}

func parseAttributes(b []byte) ([]Attribute, error) {
	var out []Attribute
	for len(b) > 0 {
		var a attribute
		var err error
		if b, err = asn1.Unmarshal(b, &a); err != nil {
			return nil, err
		}
		if a.Values.Tag != asn1.TagSet {
			return nil, errors.New("attribute values are not a SET")
		}
		at := Attribute{Type: a.Type}
		for rest := a.Values.Bytes; len(rest) > 0; {
			var v asn1.RawValue
			if rest, err = asn1.Unmarshal(rest, &v); err != nil {
				return nil, err
			}
			at.Values = append(at.Values, v.FullBytes)
		}
		out = append(out, at)
	}
	return out, nil
}

// attr returns the single value of the attribute, or nil when absent. A
// repeated attribute or several values are a format error.
func attr(attrs []Attribute, oid asn1.ObjectIdentifier) ([]byte, error) {
	var found []byte
	for _, a := range attrs {
		if !a.Type.Equal(oid) {
			continue
		}
		if found != nil || len(a.Values) != 1 {
			return nil, fmt.Errorf("%w: attribute %v must occur once with one value", ErrFormat, oid)
		}
		found = a.Values[0]
	}
	return found, nil
}

// MessageDigest returns the value of the message-digest signed attribute,
// or nil when there is none.
func (sd *SignedData) MessageDigest() []byte {
	md, err := attr(sd.Signed, oidMessageDigest)
	if err != nil || md == nil {
		return nil
	}
	var v []byte
	if _, err := asn1.Unmarshal(md, &v); err != nil {
		return nil
	}
	return v
}

// DigestHash is the signer's digest algorithm, and false when unknown.
func (sd *SignedData) DigestHash() (crypto.Hash, bool) { return HashFor(sd.DigestAlgorithm.Algorithm) }

// SignerCert finds the signer's certificate among the CMS certificates (by
// issuer and serial number or by subject key identifier).
func (sd *SignedData) SignerCert() (*x509.Certificate, error) {
	switch {
	case sd.sid.Class == asn1.ClassUniversal && sd.sid.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(sd.sid.FullBytes, &ias); err != nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", ErrFormat, err)
		}
		for _, c := range sd.Certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c, nil
			}
		}
	case sd.sid.Class == asn1.ClassContextSpecific && sd.sid.Tag == 0:
		for _, c := range sd.Certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sd.sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, fmt.Errorf("%w: unknown signer identifier", ErrFormat)
	}
	return nil, ErrNoSigner
}

// HashFor maps a digest algorithm identifier to a crypto.Hash.
func HashFor(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	case oid.Equal(oidSHA224):
		return crypto.SHA224, true
	case oid.Equal(oidSHA1):
		return crypto.SHA1, true
	}
	return 0, false
}

// Algorithms says which algorithms are accepted. The zero value accepts
// SHA-256, SHA-384 and SHA-512 digests and RSA keys of 2048 bits or more.
type Algorithms struct {
	Hashes     []crypto.Hash
	MinRSABits int
}

func (a Algorithms) hashOK(h crypto.Hash) bool {
	if len(a.Hashes) == 0 {
		return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
	}
	for _, x := range a.Hashes {
		if x == h {
			return true
		}
	}
	return false
}

func (a Algorithms) keyOK(pub any) error {
	min := a.MinRSABits
	if min == 0 {
		min = 2048
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < min {
			return fmt.Errorf("%w: RSA key of %d bits (minimum %d)", ErrAlgorithm, k.N.BitLen(), min)
		}
	case *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return fmt.Errorf("%w: public key type %T", ErrAlgorithm, pub)
	}
	return nil
}

// Signer is the outcome of verifying the signer of a SignedData.
type Signer struct {
	Cert *x509.Certificate
	Hash crypto.Hash
	// SignatureAlgorithm names what verified: "RSA PKCS#1 v1.5 SHA-256",
	// "RSA-PSS SHA-256", "ECDSA P-256 SHA-256", "Ed25519".
	SignatureAlgorithm string
	// SigningTime is the claimed signing time (signing-time attribute),
	// zero when absent.
	SigningTime time.Time
	// SigningCertAttr reports which signing-certificate attribute bound
	// the certificate: "v2", "v1" or "" when none was present.
	SigningCertAttr string
}

// DigestCheck computes the digest of the signed content with the given
// hash. For a detached PDF signature it hashes the byte ranges.
type DigestCheck func(h crypto.Hash) ([]byte, error)

// Verify checks the signer: it finds the signer certificate, checks the
// algorithms, compares the message-digest attribute with digest(hash),
// checks the signing-certificate(-v2) binding and verifies the signature.
// A content-type attribute must match the encapsulated content type.
//
// Errors wrap ErrFormat, ErrDigest, ErrSignature, ErrAlgorithm, ErrNoSigner
// or ErrSigningCert; the returned Signer is filled as far as it got.
func (sd *SignedData) Verify(digest DigestCheck, algs Algorithms) (*Signer, error) {
	s := &Signer{}
	cert, err := sd.SignerCert()
	if err != nil {
		return s, err
	}
	s.Cert = cert
	h, ok := HashFor(sd.DigestAlgorithm.Algorithm)
	if !ok {
		return s, fmt.Errorf("%w: digest algorithm %v", ErrAlgorithm, sd.DigestAlgorithm.Algorithm)
	}
	s.Hash = h
	if !algs.hashOK(h) {
		return s, fmt.Errorf("%w: digest %v", ErrAlgorithm, h)
	}
	if err := algs.keyOK(cert.PublicKey); err != nil {
		return s, err
	}
	content, err := digest(h)
	if err != nil {
		return s, err
	}
	signed := content
	if sd.SignedAttrs != nil {
		md, err := attr(sd.Signed, oidMessageDigest)
		if err != nil {
			return s, err
		}
		if md == nil {
			return s, fmt.Errorf("%w: no message-digest attribute", ErrFormat)
		}
		var mdv []byte
		if _, err := asn1.Unmarshal(md, &mdv); err != nil {
			return s, fmt.Errorf("%w: message-digest: %v", ErrFormat, err)
		}
		if !bytes.Equal(mdv, content) {
			return s, fmt.Errorf("%w: message-digest attribute differs from the %v of the signed bytes", ErrDigest, h)
		}
		ct, err := attr(sd.Signed, oidContentType)
		if err != nil {
			return s, err
		}
		if ct != nil {
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(ct, &oid); err != nil || !oid.Equal(sd.ContentType) {
				return s, fmt.Errorf("%w: content-type attribute does not match the content", ErrFormat)
			}
		}
		if st, err := attr(sd.Signed, oidSigningTime); err == nil && st != nil {
			var t time.Time
			if _, err := asn1.Unmarshal(st, &t); err == nil {
				s.SigningTime = t
			}
		}
		hh := h.New()
		hh.Write(sd.SignedAttrs)
		signed = hh.Sum(nil)
	}
	name, err := verifySig(cert.PublicKey, sd.SignatureAlgorithm, h, signed, sd.SignedAttrs, sd.Signature, algs)
	s.SignatureAlgorithm = name
	if err != nil {
		return s, err
	}
	if err := sd.checkSigningCert(cert, s); err != nil {
		return s, err
	}
	return s, nil
}

// checkSigningCert checks the ESS signing-certificate(-v2) attribute:
// when present, its first entry must be the hash of the signer's
// certificate (RFC 5035), so that another certificate with the same key
// cannot be substituted.
func (sd *SignedData) checkSigningCert(cert *x509.Certificate, s *Signer) error {
	v2, err := attr(sd.Signed, oidSigningCertV2)
	if err != nil {
		return err
	}
	v1, err := attr(sd.Signed, oidSigningCertV1)
	if err != nil {
		return err
	}
	var raw []byte
	switch {
	case v2 != nil:
		raw, s.SigningCertAttr = v2, "v2"
	case v1 != nil:
		raw, s.SigningCertAttr = v1, "v1"
	default:
		return nil
	}
	// SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &outer); err != nil {
		return fmt.Errorf("%w: signing-certificate: %v", ErrFormat, err)
	}
	var certs asn1.RawValue
	if _, err := asn1.Unmarshal(outer.Bytes, &certs); err != nil {
		return fmt.Errorf("%w: signing-certificate: %v", ErrFormat, err)
	}
	var first asn1.RawValue
	if _, err := asn1.Unmarshal(certs.Bytes, &first); err != nil {
		return fmt.Errorf("%w: signing-certificate: %v", ErrFormat, err)
	}
	h := crypto.SHA1
	rest := first.Bytes
	if s.SigningCertAttr == "v2" {
		h = crypto.SHA256 // the DEFAULT
		var elem asn1.RawValue
		if _, err := asn1.Unmarshal(rest, &elem); err != nil {
			return fmt.Errorf("%w: signing-certificate-v2: %v", ErrFormat, err)
		}
		if elem.Tag == asn1.TagSequence {
			var alg pkix.AlgorithmIdentifier
			var err error
			if rest, err = asn1.Unmarshal(rest, &alg); err != nil {
				return fmt.Errorf("%w: signing-certificate-v2: %v", ErrFormat, err)
			}
			var ok bool
			if h, ok = HashFor(alg.Algorithm); !ok {
				return fmt.Errorf("%w: signing-certificate-v2 hash %v", ErrAlgorithm, alg.Algorithm)
			}
		}
	}
	var certHash []byte
	if _, err := asn1.Unmarshal(rest, &certHash); err != nil {
		return fmt.Errorf("%w: signing-certificate hash: %v", ErrFormat, err)
	}
	var sum []byte
	if h == crypto.SHA1 {
		x := sha1.Sum(cert.Raw)
		sum = x[:]
	} else {
		hh := h.New()
		hh.Write(cert.Raw)
		sum = hh.Sum(nil)
	}
	if !bytes.Equal(sum, certHash) {
		return ErrSigningCert
	}
	return nil
}

type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0,optional"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1,optional"`
	SaltLength   int                      `asn1:"explicit,tag:2,optional,default:20"`
	TrailerField int                      `asn1:"explicit,tag:3,optional,default:1"`
}

// verifySig verifies sig over digest (the hash of the signed attributes,
// or of the content) with the certificate's key. msg is the signed
// message itself for Ed25519 (which signs messages, not digests).
func verifySig(pub any, alg pkix.AlgorithmIdentifier, h crypto.Hash, digest, msg, sig []byte, algs Algorithms) (string, error) {
	o := alg.Algorithm
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch {
		case o.Equal(oidRSA), o.Equal(oidRSASHA256), o.Equal(oidRSASHA384), o.Equal(oidRSASHA512), o.Equal(oidRSASHA1):
			if sh := rsaSigHash(o); sh != 0 && sh != h {
				return "", fmt.Errorf("%w: signature algorithm hash %v differs from digest algorithm %v", ErrAlgorithm, sh, h)
			}
			name := "RSA PKCS#1 v1.5 " + h.String()
			if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
				return name, ErrSignature
			}
			return name, nil
		case o.Equal(oidRSAPSS):
			var p pssParams
			if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
				return "", fmt.Errorf("%w: RSA-PSS parameters: %v", ErrFormat, err)
			}
			ph := crypto.SHA1
			if len(p.Hash.Algorithm) > 0 {
				var ok bool
				if ph, ok = HashFor(p.Hash.Algorithm); !ok {
					return "", fmt.Errorf("%w: RSA-PSS hash %v", ErrAlgorithm, p.Hash.Algorithm)
				}
			}
			if ph != h || !algs.hashOK(ph) {
				return "", fmt.Errorf("%w: RSA-PSS hash %v (digest %v)", ErrAlgorithm, ph, h)
			}
			name := "RSA-PSS " + h.String()
			if err := rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}); err != nil {
				return name, ErrSignature
			}
			return name, nil
		}
	case *ecdsa.PublicKey:
		if o.Equal(oidECPublicKey) || o.Equal(oidECDSASHA256) || o.Equal(oidECDSASHA384) || o.Equal(oidECDSASHA512) || o.Equal(oidECDSASHA1) {
			name := "ECDSA " + k.Curve.Params().Name + " " + h.String()
			if !ecdsa.VerifyASN1(k, digest, sig) {
				return name, ErrSignature
			}
			return name, nil
		}
	case ed25519.PublicKey:
		if o.Equal(oidEd25519) {
			if msg == nil {
				return "Ed25519", fmt.Errorf("%w: Ed25519 without signed attributes", ErrAlgorithm)
			}
			if !ed25519.Verify(k, msg, sig) {
				return "Ed25519", ErrSignature
			}
			return "Ed25519", nil
		}
	}
	return "", fmt.Errorf("%w: signature algorithm %v with a %T key", ErrAlgorithm, o, pub)
}

func rsaSigHash(o asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case o.Equal(oidRSASHA256):
		return crypto.SHA256
	case o.Equal(oidRSASHA384):
		return crypto.SHA384
	case o.Equal(oidRSASHA512):
		return crypto.SHA512
	case o.Equal(oidRSASHA1):
		return crypto.SHA1
	}
	return 0
}

// TimestampTokens returns the DER of each signature-time-stamp unsigned
// attribute value (RFC 3161 tokens over the signature value).
func (sd *SignedData) TimestampTokens() [][]byte {
	var out [][]byte
	for _, a := range sd.Unsigned {
		if a.Type.Equal(oidTimestampToken) {
			out = append(out, a.Values...)
		}
	}
	return out
}

// AdbeRevocation returns the CRLs and OCSP responses of the Adobe
// revocation-information-archival signed attribute (adbe-revocationInfoArchival).
func (sd *SignedData) AdbeRevocation() (crls, ocsps [][]byte) {
	raw, err := attr(sd.Signed, oidAdbeRevInfo)
	if err != nil || raw == nil {
		return nil, nil
	}
	// RevocationInfoArchival ::= SEQUENCE {
	//   crl [0] EXPLICIT SEQUENCE of CRLs OPTIONAL,
	//   ocsp [1] EXPLICIT SEQUENCE of OCSPResponse OPTIONAL,
	//   otherRevInfo [2] ... OPTIONAL }
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return nil, nil
	}
	for rest := seq.Bytes; len(rest) > 0; {
		var tagged asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &tagged); err != nil {
			return crls, ocsps
		}
		var inner asn1.RawValue
		if _, err := asn1.Unmarshal(tagged.Bytes, &inner); err != nil {
			continue
		}
		for r := inner.Bytes; len(r) > 0; {
			var item asn1.RawValue
			if r, err = asn1.Unmarshal(r, &item); err != nil {
				break
			}
			switch tagged.Tag {
			case 0:
				crls = append(crls, item.FullBytes)
			case 1:
				ocsps = append(ocsps, item.FullBytes)
			}
		}
	}
	return crls, ocsps
}
