package ecerttest

import (
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// PKI is a test PKI (root, issuing CA, seal, TSA and OCSP certificates,
// a CRL) with its files written to a temporary directory.
type PKI struct {
	*testpki.PKI
	// Dir holds the files of testpki.PKI.WriteFiles: root.pem,
	// seal-key.pem, seal-chain.pem, seal.p12, tsa-*.pem, ocsp-*.pem, ...
	Dir string
	// SealURI is the file: URI of the seal key, for signer.Open.
	SealURI string
	// RootFile is the trust anchor's PEM file.
	RootFile string
}

// NewPKI makes a test PKI; opts may be omitted.
func NewPKI(t testing.TB, opts ...testpki.Options) *PKI {
	t.Helper()
	var o testpki.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	p, err := testpki.New(o)
	if err != nil {
		t.Fatalf("ecerttest: test PKI: %v", err)
	}
	dir := t.TempDir()
	if err := p.WriteFiles(dir); err != nil {
		t.Fatalf("ecerttest: write PKI files: %v", err)
	}
	return &PKI{PKI: p, Dir: dir, SealURI: testpki.SealKeyURI(dir), RootFile: filepath.Join(dir, testpki.FileRoot)}
}

// Signer returns the seal key as a signer.Signer.
func (p *PKI) Signer() signer.Signer { return p.SealSigner() }
