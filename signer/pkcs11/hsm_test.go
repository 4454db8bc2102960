//go:build cgo

package pkcs11_test

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

// The SoftHSM module as Debian's softhsm2 package installs it.
const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

const (
	tokenLabel = "ecert-seal"
	userPIN    = "4711-seal-pin"
	soPIN      = "0815-so-pin"
)

// hsm is a SoftHSM token in a temporary directory holding an RSA-2048
// key (id 01, label seal-rsa) and a P-256 key (id 02, label seal-ec),
// both generated on the token with certificates from a test PKI, and a
// key without a certificate (id 03, label no-cert).
type hsm struct {
	dir     string
	pki     *testpki.PKI
	pinFile string
	chain   string // the issuing CA, for chain=
}

var (
	hsmOnce sync.Once
	hsmVal  *hsm
	hsmErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if hsmVal != nil {
		os.RemoveAll(hsmVal.dir)
	}
	os.Exit(code)
}

// token returns the package's SoftHSM token, creating it on first use.
// It skips the test when SoftHSM or OpenSC are missing (fails in CI).
func token(t testing.TB) *hsm {
	t.Helper()
	testtool.Need(t, "softhsm2-util", "pkcs11-tool")
	if _, err := os.Stat(softhsmModule); err != nil {
		testtool.Missing(t, "SoftHSM module %s: %v (./test.sh installs softhsm2)", softhsmModule, err)
	}
	hsmOnce.Do(func() { hsmVal, hsmErr = newHSM() })
	if hsmErr != nil {
		t.Fatalf("SoftHSM setup: %v", hsmErr)
	}
	return hsmVal
}

func newHSM() (*hsm, error) {
	dir, err := os.MkdirTemp("", "ecert-softhsm-")
	if err != nil {
		return nil, err
	}
	h := &hsm{dir: dir, pki: testpki.MustNew(testpki.Options{})}
	tokens := filepath.Join(dir, "tokens")
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"), 0o600); err != nil {
		return nil, err
	}
	// SoftHSM reads its configuration when the module is initialised;
	// every test of this package uses this one.
	os.Setenv("SOFTHSM2_CONF", conf)
	run := func(name string, args ...string) ([]byte, error) {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return out, nil
	}
	if _, err := run("softhsm2-util", "--init-token", "--free", "--label", tokenLabel, "--pin", userPIN, "--so-pin", soPIN); err != nil {
		return nil, err
	}
	tool := func(args ...string) ([]byte, error) {
		return run("pkcs11-tool", append([]string{"--module", softhsmModule, "--token-label", tokenLabel, "--login", "--pin", userPIN}, args...)...)
	}
	for _, k := range []struct{ id, label, typ string }{{"01", "seal-rsa", "rsa:2048"}, {"02", "seal-ec", "EC:prime256v1"}, {"03", "no-cert", "EC:prime256v1"}} {
		if _, err := tool("--keypairgen", "--key-type", k.typ, "--id", k.id, "--label", k.label); err != nil {
			return nil, err
		}
		if k.id == "03" {
			continue
		}
		pubFile := filepath.Join(dir, k.label+".pub.der")
		if _, err := tool("--read-object", "--type", "pubkey", "--id", k.id, "-o", pubFile); err != nil {
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
		leaf, err := h.pki.Issue(testpki.LeafOptions{CommonName: "Token Seal " + k.label, Key: publicOnly{pub}})
		if err != nil {
			return nil, err
		}
		certFile := filepath.Join(dir, k.label+".crt.der")
		if err := os.WriteFile(certFile, leaf.Cert.Raw, 0o600); err != nil {
			return nil, err
		}
		if _, err := tool("--write-object", certFile, "--type", "cert", "--id", k.id, "--label", k.label); err != nil {
			return nil, err
		}
	}
	h.pinFile = filepath.Join(dir, "pin")
	if err := os.WriteFile(h.pinFile, []byte(userPIN+"\n"), 0o600); err != nil {
		return nil, err
	}
	h.chain = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(h.chain, testpki.CertsPEM(h.pki.CA), 0o600); err != nil {
		return nil, err
	}
	return h, nil
}

// uri names a key on the token; extra is appended to the query.
func (h *hsm) uri(path string, extra string) string {
	u := "pkcs11:token=" + tokenLabel + ";" + path + "?module-path=" + softhsmModule + "&pin-source=" + h.pinFile
	if extra != "" {
		u += "&" + extra
	}
	return u
}

// publicOnly lets testpki certify a key that lives on the token.
type publicOnly struct{ pub crypto.PublicKey }

func (p publicOnly) Public() crypto.PublicKey { return p.pub }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("public key only")
}
