package xmlsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/signer"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// XML Signature algorithm identifiers this package writes and reads.
const (
	AlgRSASHA256      = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgECDSASHA256    = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	AlgExcC14N        = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgEnveloped      = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algC14N10         = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algExcC14NComment = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
)

// Errors of Sign and Verify, wrapped in a *SignatureError.
var (
	ErrNoSignature = errors.New("no signature")
	// ErrSignatureShape: the signature is not the one enveloped signature,
	// child of the root and referencing the whole document, that this
	// package accepts; signature-wrapping attacks end here.
	ErrSignatureShape  = errors.New("signature is not an enveloped signature over the whole document")
	ErrUntrusted       = errors.New("signing certificate not trusted")
	ErrBadSignature    = errors.New("signature does not verify")
	ErrAlreadySigned   = errors.New("document is already signed")
	ErrUnsupportedKey  = errors.New("unsupported key type (want RSA or ECDSA)")
	ErrMissingKeyChain = errors.New("signer has no certificate")
)

// SignatureError reports a failed Sign or Verify.
type SignatureError struct {
	Op  string // "sign" or "verify"
	Err error
}

func (e *SignatureError) Error() string { return "xmlsig: " + e.Op + ": " + e.Err.Error() }
func (e *SignatureError) Unwrap() error { return e.Err }

func sigErr(op string, err error) error { return &SignatureError{Op: op, Err: err} }

// Sign reads an SPS document (a certificate or an acknowledgement, as
// written by cefact.Encode or by anyone) and writes it with an enveloped XML
// signature as the last child of the root: exclusive XML canonicalization,
// SHA-256, RSA (rsa-sha256) or ECDSA (ecdsa-sha256, the r||s value of
// RFC 6931), and a KeyInfo holding the signer's certificate chain. The key
// is used only through s, so keys in files, PKCS#11 tokens and cloud KMS
// all work; ctx reaches remote signers. opts bounds the input as for
// cefact.Decode (nil for the defaults); input over the limits fails with
// the *cefact.DecodeError that Decode would return.
//
// The signed document no longer validates against the official 17A
// schema, which has no slot for ds:Signature: validate before signing, or
// use a profile schema that adds an optional ds:Signature after
// rsm:SPSConsignment (as the IPPC ePhyto and INTERCOM profiles do).
func Sign(ctx context.Context, w io.Writer, r io.Reader, s signer.Signer, opts *cefact.DecodeOptions) error {
	data, err := cefact.ReadChecked(r, opts)
	if err != nil {
		return err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return sigErr("sign", err)
	}
	root := doc.Root()
	if n := countSignatures(root); n > 0 {
		return sigErr("sign", ErrAlreadySigned)
	}
	chain := s.Chain()
	if len(chain) == 0 {
		return sigErr("sign", ErrMissingKeyChain)
	}
	var method string
	adapter := &ctxSigner{ctx: ctx, s: s}
	switch pub := s.Public().(type) {
	case *rsa.PublicKey:
		method = AlgRSASHA256
	case *ecdsa.PublicKey:
		method = AlgECDSASHA256
		adapter.ecSize = (pub.Curve.Params().BitSize + 7) / 8
	default:
		return sigErr("sign", fmt.Errorf("%w: %T", ErrUnsupportedKey, pub))
	}
	certs := make([][]byte, len(chain))
	for i, c := range chain {
		certs[i] = c.Raw
	}
	sc, err := dsig.NewSigningContext(adapter, certs)
	if err != nil {
		return sigErr("sign", err)
	}
	sc.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := sc.SetSignatureMethod(method); err != nil {
		return sigErr("sign", err)
	}
	// The canonicalizer rewrites the element it is given: sign a copy.
	sig, err := sc.ConstructSignature(root.Copy(), true)
	if err != nil {
		return sigErr("sign", err)
	}
	root.AddChild(sig)
	if _, err := doc.WriteTo(w); err != nil {
		return sigErr("sign", err)
	}
	return nil
}

// ctxSigner adapts a signer.Signer to the crypto.Signer that goxmldsig
// calls, passing the context and converting ECDSA signatures to r||s.
type ctxSigner struct {
	ctx    context.Context
	s      signer.Signer
	ecSize int
}

func (a *ctxSigner) Public() crypto.PublicKey { return a.s.Public() }

func (a *ctxSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := signer.SignContext(a.ctx, a.s, digest, opts)
	if err != nil || a.ecSize == 0 {
		return sig, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 {
		if len(sig) == 2*a.ecSize {
			return sig, nil // already r||s, as some tokens return it
		}
		return nil, fmt.Errorf("ECDSA signature is neither DER nor r||s: %v", err)
	}
	out := make([]byte, 2*a.ecSize)
	rs.R.FillBytes(out[:a.ecSize])
	rs.S.FillBytes(out[a.ecSize:])
	return out, nil
}

func isDSig(e *etree.Element, local string) bool {
	return e.Tag == local && e.NamespaceURI() == cefact.NSDSig
}

func countSignatures(e *etree.Element) int {
	n := 0
	for _, k := range e.ChildElements() {
		if isDSig(k, "Signature") {
			n++
		}
		n += countSignatures(k)
	}
	return n
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Roots are the trust anchors; required.
	Roots *x509.CertPool
	// Intermediates are added to the certificates of the KeyInfo when
	// building the chain.
	Intermediates *x509.CertPool
	// CurrentTime is the time at which the certificates must be valid;
	// the zero value means now.
	CurrentTime time.Time
	// KeyUsages are the extended key usages accepted; empty means any.
	KeyUsages []x509.ExtKeyUsage
	// Limits bound the input as for cefact.Decode.
	Limits cefact.DecodeOptions
}

// Verified is the outcome of a successful Verify.
type Verified struct {
	// Content is the signed document as verified: the root element with
	// the signature removed, serialized from exactly the bytes whose
	// digest was checked. Decode this, never the input, so that nothing
	// outside the signature can be slipped in.
	Content []byte
	// Signer is the signing certificate; Chains its verified chains.
	Signer *x509.Certificate
	Chains [][]*x509.Certificate
	// Method is the signature algorithm identifier.
	Method string
}

// Decode decodes the verified content as a certificate, with
// cefact.Unmarshal.
func (v *Verified) Decode(opts *cefact.DecodeOptions) (*cefact.Document, error) {
	return cefact.Unmarshal(v.Content, opts)
}

// Verify checks the enveloped XML signature of an SPS document read from
// r against opts.Roots. It accepts exactly one ds:Signature, a child of
// the root element, with one Reference to the whole document (URI "")
// whose transforms are the enveloped-signature transform and at most one
// canonicalization; anything else is rejected as ErrSignatureShape, which
// closes the door to signature-wrapping attacks. The certificate chain in
// KeyInfo must lead to a root at opts.CurrentTime. Input over
// opts.Limits, or with a DOCTYPE, fails with a *cefact.DecodeError before
// any signature processing.
func Verify(r io.Reader, opts *VerifyOptions) (*Verified, error) {
	if opts == nil || opts.Roots == nil {
		return nil, sigErr("verify", errors.New("no trust roots"))
	}
	data, err := cefact.ReadChecked(r, &opts.Limits)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, sigErr("verify", err)
	}
	root := doc.Root()
	sig, method, err := checkShape(root)
	if err != nil {
		return nil, sigErr("verify", err)
	}
	// The chain from KeyInfo.
	var certs []*x509.Certificate
	if ki := child(sig, "KeyInfo"); ki != nil {
		for _, xd := range ki.ChildElements() {
			if !isDSig(xd, "X509Data") {
				continue
			}
			for _, xc := range xd.ChildElements() {
				if !isDSig(xc, "X509Certificate") {
					continue
				}
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Text()), ""))
				if err != nil {
					return nil, sigErr("verify", fmt.Errorf("%w: X509Certificate: %v", ErrUntrusted, err))
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, sigErr("verify", fmt.Errorf("%w: X509Certificate: %v", ErrUntrusted, err))
				}
				certs = append(certs, c)
			}
		}
	}
	if len(certs) == 0 {
		return nil, sigErr("verify", fmt.Errorf("%w: no X509Certificate in KeyInfo", ErrUntrusted))
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	if opts.Intermediates != nil {
		inter = opts.Intermediates.Clone()
	}
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	now := opts.CurrentTime
	if now.IsZero() {
		now = time.Now()
	}
	ku := opts.KeyUsages
	if len(ku) == 0 {
		ku = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: opts.Roots, Intermediates: inter, CurrentTime: now, KeyUsages: ku})
	if err != nil {
		return nil, sigErr("verify", fmt.Errorf("%w: %v", ErrUntrusted, err))
	}
	content, err := checkSignature(root, sig, leaf, method)
	if err != nil {
		return nil, sigErr("verify", err)
	}
	return &Verified{Content: content, Signer: leaf, Chains: chains, Method: method}, nil
}

func child(e *etree.Element, local string) *etree.Element {
	for _, k := range e.ChildElements() {
		if isDSig(k, local) {
			return k
		}
	}
	return nil
}

// checkShape enforces the one signature form Verify accepts.
func checkShape(root *etree.Element) (sig *etree.Element, method string, err error) {
	switch n := countSignatures(root); {
	case n == 0:
		return nil, "", ErrNoSignature
	case n > 1:
		return nil, "", fmt.Errorf("%w: %d signatures", ErrSignatureShape, n)
	}
	for _, k := range root.ChildElements() {
		if isDSig(k, "Signature") {
			sig = k
		}
	}
	if sig == nil {
		return nil, "", fmt.Errorf("%w: the signature is not a child of the root", ErrSignatureShape)
	}
	si := child(sig, "SignedInfo")
	if si == nil {
		return nil, "", fmt.Errorf("%w: no SignedInfo", ErrSignatureShape)
	}
	var refs []*etree.Element
	for _, k := range si.ChildElements() {
		switch {
		case isDSig(k, "Reference"):
			refs = append(refs, k)
		case isDSig(k, "SignatureMethod"):
			method = k.SelectAttrValue("Algorithm", "")
		}
	}
	if method != AlgRSASHA256 && method != AlgECDSASHA256 {
		return nil, "", fmt.Errorf("%w: signature method %q", ErrSignatureShape, method)
	}
	if len(refs) != 1 {
		return nil, "", fmt.Errorf("%w: %d references, want 1", ErrSignatureShape, len(refs))
	}
	ref := refs[0]
	// URI="" is the whole document; an absent URI (as in the INTERCOM
	// sample) is read the same way, the only object an enveloped
	// signature without Object elements can mean.
	if a := ref.SelectAttr("URI"); a != nil && a.Value != "" {
		return nil, "", fmt.Errorf("%w: the reference is not to the whole document (URI=%q)", ErrSignatureShape, a.Value)
	}
	var algs []string
	if tr := child(ref, "Transforms"); tr != nil {
		for _, t := range tr.ChildElements() {
			algs = append(algs, t.SelectAttrValue("Algorithm", ""))
		}
	}
	ok := len(algs) >= 1 && len(algs) <= 2 && algs[0] == AlgEnveloped
	if len(algs) == 2 && algs[1] != AlgExcC14N && algs[1] != algC14N10 && algs[1] != algExcC14NComment {
		ok = false
	}
	if !ok {
		return nil, "", fmt.Errorf("%w: transforms %v", ErrSignatureShape, algs)
	}
	return sig, method, nil
}

const (
	algSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
)

func canonicalizer(alg string) (dsig.Canonicalizer, error) {
	switch alg {
	case AlgExcC14N:
		return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""), nil
	case algExcC14NComment:
		return dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(""), nil
	case algC14N10, "":
		return dsig.MakeC14N10RecCanonicalizer(), nil
	}
	return nil, fmt.Errorf("%w: canonicalization %q", ErrSignatureShape, alg)
}

// checkSignature verifies the SignedInfo signature with leaf's key and the
// reference digest over the root without the signature, and returns the
// canonical bytes that were digested.
func checkSignature(root, sig *etree.Element, leaf *x509.Certificate, method string) ([]byte, error) {
	si := child(sig, "SignedInfo")
	cm := child(si, "CanonicalizationMethod")
	if cm == nil {
		return nil, fmt.Errorf("%w: no CanonicalizationMethod", ErrSignatureShape)
	}
	alg := cm.SelectAttrValue("Algorithm", "")
	if alg == "" {
		return nil, fmt.Errorf("%w: CanonicalizationMethod without Algorithm", ErrSignatureShape)
	}
	siCanon, err := canonicalizer(alg)
	if err != nil {
		return nil, err
	}
	nsCtx, err := etreeutils.NSBuildParentContext(si)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignatureShape, err)
	}
	detached, err := etreeutils.NSDetatch(nsCtx, si)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignatureShape, err)
	}
	signedInfo, err := siCanon.Canonicalize(detached)
	if err != nil {
		return nil, fmt.Errorf("%w: SignedInfo: %v", ErrBadSignature, err)
	}
	sv := child(sig, "SignatureValue")
	if sv == nil {
		return nil, fmt.Errorf("%w: no SignatureValue", ErrSignatureShape)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil {
		return nil, fmt.Errorf("%w: SignatureValue: %v", ErrBadSignature, err)
	}
	algo := x509.SHA256WithRSA
	if method == AlgECDSASHA256 {
		// XML Signature carries r||s; x509 checks DER.
		if len(raw) == 0 || len(raw)%2 != 0 {
			return nil, fmt.Errorf("%w: ECDSA SignatureValue of %d bytes", ErrBadSignature, len(raw))
		}
		n := len(raw) / 2
		raw, _ = asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
		algo = x509.ECDSAWithSHA256
	}
	if err := leaf.CheckSignature(algo, signedInfo, raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	// The reference, read from the SignedInfo just verified.
	var ref *etree.Element
	for _, k := range si.ChildElements() {
		if isDSig(k, "Reference") {
			ref = k
		}
	}
	dm, dv := child(ref, "DigestMethod"), child(ref, "DigestValue")
	if dm == nil || dv == nil || dm.SelectAttrValue("Algorithm", "") != algSHA256 {
		return nil, fmt.Errorf("%w: digest method must be SHA-256", ErrSignatureShape)
	}
	want, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(dv.Text()), ""))
	if err != nil {
		return nil, fmt.Errorf("%w: DigestValue: %v", ErrBadSignature, err)
	}
	c14n := ""
	if tr := child(ref, "Transforms"); tr != nil {
		ts := tr.ChildElements()
		if len(ts) == 2 {
			c14n = ts[1].SelectAttrValue("Algorithm", "")
		}
	}
	refCanon, err := canonicalizer(c14n)
	if err != nil {
		return nil, err
	}
	// The enveloped-signature transform: the root without the signature.
	doc := root.Copy()
	for _, k := range doc.ChildElements() {
		if isDSig(k, "Signature") {
			doc.RemoveChild(k)
		}
	}
	content, err := refCanon.Canonicalize(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	got := sha256.Sum256(content)
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, fmt.Errorf("%w: digest of the document does not match", ErrBadSignature)
	}
	return content, nil
}
