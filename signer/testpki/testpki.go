// Package testpki builds a small public-key infrastructure in memory for
// tests, the demo and the examples: a root CA, an issuing CA, a seal
// certificate for a certification body, a TSA certificate, an OCSP
// responder certificate and a CRL.
//
// The common case is one call:
//
//	p, err := testpki.New(testpki.Options{})
//	s := p.SealSigner() // a signer.Signer with chain [seal, issuing CA]
//
// and, for tools that need files, p.WriteFiles(dir).
//
// The keys of the root, the issuing CA, the seal, the TSA and the OCSP
// responder are fixed test keys embedded in the package (so New takes
// milliseconds); certificates are made fresh by each call to New, valid
// from an hour before Options.Now. NEVER use these keys for anything real.
package testpki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/ecertkit/ecertkit/signer"
	"software.sslmate.com/src/go-pkcs12"
)

//go:embed keys/*.pem
var keyFiles embed.FS

// KeyType selects the algorithm of a generated or embedded key.
type KeyType int

const (
	RSA2048   KeyType = iota // RSA 2048 bits (the default)
	ECDSAP256                // ECDSA on NIST P-256
	ECDSAP384                // ECDSA on NIST P-384
	Ed25519                  // Ed25519
)

func (k KeyType) String() string {
	switch k {
	case RSA2048:
		return "RSA-2048"
	case ECDSAP256:
		return "ECDSA-P256"
	case ECDSAP384:
		return "ECDSA-P384"
	case Ed25519:
		return "Ed25519"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// Options configures New. The zero value is a working PKI with an RSA-2048
// seal key, no revocation URLs and the current time.
type Options struct {
	// SealKey is the seal key's algorithm; RSA2048 by default.
	SealKey KeyType
	// Organization is the certification body named in the seal
	// certificate; "Example Certification Body GmbH" by default.
	Organization string
	// OCSPURL and CRLURL, when set, go into the seal, TSA and OCSP
	// certificates' AIA (OCSP) and CRL distribution point extensions, so
	// that revocation tests can point them at local servers.
	OCSPURL string
	CRLURL  string
	// CAIssuersURL, when set, goes into the AIA caIssuers field.
	CAIssuersURL string
	// Now is the reference time; time.Now() when zero. Certificates are
	// valid from Now-1h; the CRL's thisUpdate is Now-1h, nextUpdate Now+7d.
	Now time.Time
	// Revoked lists serial numbers that the CRL names as revoked.
	Revoked []*big.Int
	// P12Password is the password of seal.p12; random when empty.
	P12Password string
}

// PKI is the generated infrastructure. All fields are read-only after New.
type PKI struct {
	Root    *x509.Certificate // self-signed trust anchor
	RootKey crypto.Signer
	CA      *x509.Certificate // issuing CA, signed by Root
	CAKey   crypto.Signer

	Seal    *x509.Certificate // seal of the certification body, signed by CA
	SealKey crypto.Signer
	TSA     *x509.Certificate // time-stamping unit, critical EKU timeStamping, signed by CA
	TSAKey  crypto.Signer
	OCSP    *x509.Certificate // OCSP responder for CA, EKU OCSPSigning + ocsp-nocheck
	OCSPKey crypto.Signer

	CRL    []byte               // DER CRL of CA listing Options.Revoked
	CRLObj *x509.RevocationList // CRL parsed
	Opts   Options              // the options used, with defaults filled in
	serial *big.Int             // last serial issued
}

// Leaf is an end-entity certificate issued by Issue.
type Leaf struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate // leaf, issuing CA
}

// Signer returns the leaf as a signer.Signer.
func (l *Leaf) Signer() signer.Signer {
	s, err := signer.New(l.Key, l.Chain)
	if err != nil {
		panic("testpki: " + err.Error()) // cannot happen: Issue built them together
	}
	return s
}

var (
	oidEKU           = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidOCSPNoCheck   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidOrgIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
)

// MustNew is New that panics on error, for tests and examples.
func MustNew(opts Options) *PKI {
	p, err := New(opts)
	if err != nil {
		panic(err)
	}
	return p
}

// New builds the PKI.
func New(opts Options) (*PKI, error) {
	if opts.Organization == "" {
		opts.Organization = "Example Certification Body GmbH"
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC().Truncate(time.Second)
	if opts.P12Password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		opts.P12Password = hex.EncodeToString(b)
	}
	p := &PKI{Opts: opts, serial: big.NewInt(0x1000)}
	var err error
	load := func(name string) crypto.Signer {
		if err != nil {
			return nil
		}
		var k crypto.Signer
		k, err = embeddedKey(name)
		return k
	}
	p.RootKey = load("root-rsa")
	p.CAKey = load("ca-rsa")
	p.TSAKey = load("tsa-rsa")
	p.OCSPKey = load("ocsp-rsa")
	switch opts.SealKey {
	case RSA2048:
		p.SealKey = load("seal-rsa")
	case ECDSAP256:
		p.SealKey = load("seal-p256")
	case ECDSAP384:
		p.SealKey = load("seal-p384")
	case Ed25519:
		p.SealKey = load("seal-ed25519")
	default:
		return nil, fmt.Errorf("testpki: unknown key type %v", opts.SealKey)
	}
	if err != nil {
		return nil, err
	}
	now := opts.Now
	rootTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "ecertkit Test Root CA", Organization: []string{"ecertkit test PKI"}, Country: []string{"DE"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            1,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if p.Root, err = p.create(rootTmpl, nil, p.RootKey); err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "ecertkit Test Issuing CA", Organization: []string{"ecertkit test PKI"}, Country: []string{"DE"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if p.CA, err = p.create(caTmpl, p.Root, p.CAKey); err != nil {
		return nil, err
	}
	seal, err := p.Issue(LeafOptions{Key: p.SealKey})
	if err != nil {
		return nil, err
	}
	p.Seal = seal.Cert

	tsaEKU, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	tsaTmpl := p.leafTemplate("ecertkit Test TSA", nil)
	tsaTmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tsaTmpl.ExtraExtensions = append(tsaTmpl.ExtraExtensions, pkix.Extension{Id: oidEKU, Critical: true, Value: tsaEKU})
	if p.TSA, err = p.create(tsaTmpl, p.CA, p.TSAKey); err != nil {
		return nil, err
	}

	ocspTmpl := p.leafTemplate("ecertkit Test OCSP Responder", nil)
	ocspTmpl.KeyUsage = x509.KeyUsageDigitalSignature
	ocspTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	ocspTmpl.OCSPServer = nil // a responder is not checked through itself
	ocspTmpl.ExtraExtensions = append(ocspTmpl.ExtraExtensions, pkix.Extension{Id: oidOCSPNoCheck, Value: []byte{0x05, 0x00}})
	if p.OCSP, err = p.create(ocspTmpl, p.CA, p.OCSPKey); err != nil {
		return nil, err
	}
	if p.CRL, err = p.NewCRL(opts.Revoked, now.Add(-time.Hour), now.AddDate(0, 0, 7)); err != nil {
		return nil, err
	}
	if p.CRLObj, err = x509.ParseRevocationList(p.CRL); err != nil {
		return nil, fmt.Errorf("testpki: parse CRL: %w", err)
	}
	return p, nil
}

// LeafOptions configures Issue. The zero value is a seal certificate like
// PKI.Seal with a fresh RSA-2048 key.
type LeafOptions struct {
	// CommonName; "<Organization> Seal" by default.
	CommonName string
	// Key to certify; when nil a fresh key of KeyType is generated.
	Key     crypto.Signer
	KeyType KeyType
	// NotBefore and NotAfter; Now-1h and Now+2y by default. Set them in
	// the past for an expired certificate.
	NotBefore, NotAfter time.Time
	// KeyUsage; digitalSignature|nonRepudiation when zero.
	KeyUsage x509.KeyUsage
	// ExtKeyUsage, none by default.
	ExtKeyUsage []x509.ExtKeyUsage
}

// Issue issues an extra end-entity certificate from the issuing CA (a
// seal to revoke, an expired one, one without nonRepudiation, ...). Its
// serial number is new and unique within the PKI; list it in a CRL with
// NewCRL. Issue is not safe for concurrent use.
func (p *PKI) Issue(o LeafOptions) (*Leaf, error) {
	key := o.Key
	if key == nil {
		var err error
		if key, err = GenerateKey(o.KeyType); err != nil {
			return nil, err
		}
	}
	cn := o.CommonName
	if cn == "" {
		cn = p.Opts.Organization + " Seal"
	}
	t := p.leafTemplate(cn, []string{p.Opts.Organization})
	t.Subject.ExtraNames = []pkix.AttributeTypeAndValue{{Type: oidOrgIdentifier, Value: "NTRDE-HRB123456"}}
	t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	if o.KeyUsage != 0 {
		t.KeyUsage = o.KeyUsage
	}
	t.ExtKeyUsage = o.ExtKeyUsage
	if !o.NotBefore.IsZero() {
		t.NotBefore = o.NotBefore
	}
	if !o.NotAfter.IsZero() {
		t.NotAfter = o.NotAfter
	}
	cert, err := p.create(t, p.CA, key)
	if err != nil {
		return nil, err
	}
	return &Leaf{Cert: cert, Key: key, Chain: []*x509.Certificate{cert, p.CA}}, nil
}

func (p *PKI) leafTemplate(cn string, org []string) *x509.Certificate {
	t := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: org, Country: []string{"DE"}},
		NotBefore:             p.Opts.Now.Add(-time.Hour),
		NotAfter:              p.Opts.Now.AddDate(2, 0, 0),
		BasicConstraintsValid: true,
	}
	if p.Opts.OCSPURL != "" {
		t.OCSPServer = []string{p.Opts.OCSPURL}
	}
	if p.Opts.CAIssuersURL != "" {
		t.IssuingCertificateURL = []string{p.Opts.CAIssuersURL}
	}
	if p.Opts.CRLURL != "" {
		t.CRLDistributionPoints = []string{p.Opts.CRLURL}
	}
	return t
}

func (p *PKI) create(t *x509.Certificate, parent *x509.Certificate, key crypto.Signer) (*x509.Certificate, error) {
	p.serial = new(big.Int).Add(p.serial, big.NewInt(1))
	t.SerialNumber = new(big.Int).Set(p.serial)
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("testpki: %w", err)
	}
	ski := sha1.Sum(spki)
	t.SubjectKeyId = ski[:]
	signKey := key
	if parent == nil {
		parent = t
	} else if parent == p.Root {
		signKey = p.RootKey
	} else {
		signKey = p.CAKey
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, key.Public(), signKey)
	if err != nil {
		return nil, fmt.Errorf("testpki: create %q: %w", t.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// NewCRL returns a DER CRL signed by the issuing CA that lists the given
// serial numbers as revoked (at thisUpdate, reason keyCompromise). The CRL
// number is thisUpdate's Unix time, so later CRLs have larger numbers.
func (p *PKI) NewCRL(revoked []*big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	entries := make([]x509.RevocationListEntry, len(revoked))
	for i, s := range revoked {
		entries[i] = x509.RevocationListEntry{SerialNumber: s, RevocationTime: thisUpdate, ReasonCode: 1}
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(thisUpdate.Unix()),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
	}, p.CA, p.CAKey)
	if err != nil {
		return nil, fmt.Errorf("testpki: CRL: %w", err)
	}
	return der, nil
}

// SealSigner returns the seal key with its chain [Seal, CA] as a
// signer.Signer.
func (p *PKI) SealSigner() signer.Signer {
	return (&Leaf{Cert: p.Seal, Key: p.SealKey, Chain: p.SealChain()}).Signer()
}

// TSASigner returns the TSA key with its chain [TSA, CA].
func (p *PKI) TSASigner() signer.Signer {
	return (&Leaf{Cert: p.TSA, Key: p.TSAKey, Chain: []*x509.Certificate{p.TSA, p.CA}}).Signer()
}

// SealChain returns [Seal, CA].
func (p *PKI) SealChain() []*x509.Certificate { return []*x509.Certificate{p.Seal, p.CA} }

// Roots returns a pool holding only the root CA.
func (p *PKI) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root)
	return pool
}

// Intermediates returns a pool holding the issuing CA.
func (p *PKI) Intermediates() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.CA)
	return pool
}

// Files written by WriteFiles, relative to its directory.
const (
	FileRoot      = "root.pem"       // root CA certificate (trust anchor)
	FileCA        = "ca.pem"         // issuing CA certificate
	FileSealKey   = "seal-key.pem"   // seal private key, PKCS#8
	FileSealCert  = "seal-cert.pem"  // seal certificate alone
	FileSealChain = "seal-chain.pem" // seal certificate then issuing CA
	FileSealP12   = "seal.p12"       // seal key + chain, PBES2/AES-256-CBC, PBKDF2-SHA256
	FileSealP12PW = "seal.p12.pw"    // its password, no newline
	FileTSAKey    = "tsa-key.pem"
	FileTSACert   = "tsa-cert.pem"
	FileTSAChain  = "tsa-chain.pem" // TSA certificate then issuing CA
	FileOCSPKey   = "ocsp-key.pem"
	FileOCSPCert  = "ocsp-cert.pem"
	FileCRL       = "crl.der"
	FileCRLPEM    = "crl.pem"
	FileCAKey     = "ca-key.pem" // issuing CA key, for tools such as openssl ocsp
)

// WriteFiles writes the PKI to dir (created if needed): the files named by
// the File* constants. Keys are written with mode 0600.
func (p *PKI) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("testpki: %w", err)
	}
	p12, err := pkcs12.Modern.Encode(p.SealKey, p.Seal, []*x509.Certificate{p.CA}, p.Opts.P12Password)
	if err != nil {
		return fmt.Errorf("testpki: PKCS#12: %w", err)
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{FileRoot, certsPEM(p.Root), 0o644},
		{FileCA, certsPEM(p.CA), 0o644},
		{FileSealKey, mustKeyPEM(p.SealKey), 0o600},
		{FileSealCert, certsPEM(p.Seal), 0o644},
		{FileSealChain, certsPEM(p.Seal, p.CA), 0o644},
		{FileSealP12, p12, 0o600},
		{FileSealP12PW, []byte(p.Opts.P12Password), 0o600},
		{FileTSAKey, mustKeyPEM(p.TSAKey), 0o600},
		{FileTSACert, certsPEM(p.TSA), 0o644},
		{FileTSAChain, certsPEM(p.TSA, p.CA), 0o644},
		{FileOCSPKey, mustKeyPEM(p.OCSPKey), 0o600},
		{FileOCSPCert, certsPEM(p.OCSP), 0o644},
		{FileCAKey, mustKeyPEM(p.CAKey), 0o600},
		{FileCRL, p.CRL, 0o644},
		{FileCRLPEM, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: p.CRL}), 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return fmt.Errorf("testpki: %w", err)
		}
	}
	return nil
}

// SealKeyURI returns the file: URI of the seal key written by
// WriteFiles(dir): file:DIR/seal-key.pem?chain=DIR/seal-chain.pem.
func SealKeyURI(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return "file:" + filepath.Join(abs, FileSealKey) + "?chain=" + filepath.Join(abs, FileSealChain)
}

// SealP12URI returns the file: URI of the PKCS#12 seal written by
// WriteFiles(dir), with its password file.
func SealP12URI(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return "file:" + filepath.Join(abs, FileSealP12) + "?password-file=" + filepath.Join(abs, FileSealP12PW)
}

// CertsPEM encodes certificates as PEM, in order.
func CertsPEM(certs ...*x509.Certificate) []byte { return certsPEM(certs...) }

func certsPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// KeyPEM encodes a private key as a PKCS#8 PEM block.
func KeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("testpki: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func mustKeyPEM(key crypto.Signer) []byte {
	b, err := KeyPEM(key)
	if err != nil {
		panic(err) // only software keys of known types reach here
	}
	return b
}

// GenerateKey makes a fresh key of the given type.
func GenerateKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("testpki: unknown key type %v", t)
}

func embeddedKey(name string) (crypto.Signer, error) {
	b, err := keyFiles.ReadFile("keys/" + name + ".pem")
	if err != nil {
		return nil, fmt.Errorf("testpki: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("testpki: bad embedded key " + name)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("testpki: key %s: %w", name, err)
	}
	return k.(crypto.Signer), nil
}
