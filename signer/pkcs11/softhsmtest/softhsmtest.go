// Package softhsmtest gives tests a real PKCS#11 token: a SoftHSM2 token
// in a temporary directory, initialised with softhsm2-util, holding keys
// generated on the token with OpenSC's pkcs11-tool and certificates from
// a signer/testpki PKI.
//
//	func TestMain(m *testing.M) { code := m.Run(); softhsmtest.Cleanup(); os.Exit(code) }
//
//	func TestSealWithToken(t *testing.T) {
//		tok := softhsmtest.Start(t) // skips (fails in CI) without SoftHSM/OpenSC
//		s, err := signers.Open(ctx, tok.URI(softhsmtest.RSA), nil)
//		...
//	}
//
// The token is made once per test binary and shared; SoftHSM reads its
// configuration from SOFTHSM2_CONF, which Start sets for the process.
// Token keys (select them with URI):
//
//	softhsmtest.RSA     "seal-rsa", CKA_ID 01: RSA-2048 with certificate
//	softhsmtest.EC      "seal-ec",  CKA_ID 02: ECDSA P-256 with certificate
//	softhsmtest.NoCert  "no-cert",  CKA_ID 03: ECDSA P-256 without certificate
package softhsmtest

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// Module is the SoftHSM PKCS#11 module as Debian's softhsm2 installs it.
const Module = "/usr/lib/softhsm/libsofthsm2.so"

// Object labels of the keys on the token.
const (
	RSA    = "seal-rsa"
	EC     = "seal-ec"
	NoCert = "no-cert"
)

// Token is the shared test token. Its fields are read-only.
type Token struct {
	Label   string // token label, "ecert-seal"
	PIN     string // user PIN (a test secret: tests check it never appears in output)
	SOPIN   string
	PINFile string // file holding PIN, for pin-source=
	Dir     string // temporary directory holding the token and the files below
	// ChainFile holds the issuing CA certificate, for chain=.
	ChainFile string
	PKI       *testpki.PKI // the PKI that certified the token keys
	// Certs maps object labels to their certificates on the token.
	Certs map[string]*x509.Certificate
}

var (
	once sync.Once
	tok  *Token
	err  error
)

// Start returns the shared token, making it on first use. It skips the
// test when softhsm2-util, pkcs11-tool or the module are missing, and
// fails it in CI (testtool.Need).
func Start(t testing.TB) *Token {
	t.Helper()
	testtool.Need(t, "softhsm2-util", "pkcs11-tool")
	if _, err := os.Stat(Module); err != nil {
		testtool.Missing(t, "SoftHSM module %s: %v (./test.sh installs softhsm2)", Module, err)
	}
	once.Do(func() { tok, err = create() })
	if err != nil {
		t.Fatalf("softhsmtest: %v", err)
	}
	return tok
}

// Cleanup removes the token's directory; call it from TestMain after m.Run.
func Cleanup() {
	if tok != nil {
		os.RemoveAll(tok.Dir)
	}
}

// URI returns the pkcs11: URI of the key with the given object label,
// with pin-source and module-path; extra query attributes (such as
// "chain=/abs/chain.pem") are appended.
func (t *Token) URI(object string, extra ...string) string {
	u := "pkcs11:token=" + t.Label + ";object=" + object + "?module-path=" + Module + "&pin-source=" + t.PINFile
	for _, e := range extra {
		u += "&" + e
	}
	return u
}

// Tool runs pkcs11-tool logged in to the token with the given arguments.
func (t *Token) Tool(args ...string) ([]byte, error) {
	return run("pkcs11-tool", append([]string{"--module", Module, "--token-label", t.Label, "--login", "--pin", t.PIN}, args...)...)
}

func run(name string, args ...string) ([]byte, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out, nil
}

func create() (*Token, error) {
	dir, err := os.MkdirTemp("", "ecert-softhsm-")
	if err != nil {
		return nil, err
	}
	t := &Token{Label: "ecert-seal", PIN: "4711-seal-pin", SOPIN: "0815-so-pin", Dir: dir,
		PKI: testpki.MustNew(testpki.Options{}), Certs: map[string]*x509.Certificate{}}
	tokens := filepath.Join(dir, "tokens")
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"), 0o600); err != nil {
		return nil, err
	}
	// SoftHSM reads its configuration when the module is initialised.
	os.Setenv("SOFTHSM2_CONF", conf)
	if _, err := run("softhsm2-util", "--init-token", "--free", "--label", t.Label, "--pin", t.PIN, "--so-pin", t.SOPIN); err != nil {
		return nil, err
	}
	for _, k := range []struct{ id, label, typ string }{{"01", RSA, "rsa:2048"}, {"02", EC, "EC:prime256v1"}, {"03", NoCert, "EC:prime256v1"}} {
		if _, err := t.Tool("--keypairgen", "--key-type", k.typ, "--id", k.id, "--label", k.label); err != nil {
			return nil, err
		}
		if k.label == NoCert {
			continue
		}
		pubFile := filepath.Join(dir, k.label+".pub.der")
		if _, err := t.Tool("--read-object", "--type", "pubkey", "--id", k.id, "-o", pubFile); err != nil {
			return nil, err
		}
		der, err := os.ReadFile(pubFile)
		if err != nil {
			return nil, err
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, err
		}
		leaf, err := t.PKI.Issue(testpki.LeafOptions{CommonName: "Token Seal " + k.label, Key: publicOnly{pub}})
		if err != nil {
			return nil, err
		}
		certFile := filepath.Join(dir, k.label+".crt.der")
		if err := os.WriteFile(certFile, leaf.Cert.Raw, 0o600); err != nil {
			return nil, err
		}
		if _, err := t.Tool("--write-object", certFile, "--type", "cert", "--id", k.id, "--label", k.label); err != nil {
			return nil, err
		}
		t.Certs[k.label] = leaf.Cert
	}
	t.PINFile = filepath.Join(dir, "pin")
	if err := os.WriteFile(t.PINFile, []byte(t.PIN+"\n"), 0o600); err != nil {
		return nil, err
	}
	t.ChainFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(t.ChainFile, testpki.CertsPEM(t.PKI.CA), 0o600); err != nil {
		return nil, err
	}
	return t, nil
}

// publicOnly lets testpki certify a key that lives on the token.
type publicOnly struct{ pub crypto.PublicKey }

func (p publicOnly) Public() crypto.PublicKey { return p.pub }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("softhsmtest: public key only")
}
