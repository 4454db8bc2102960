//go:build cgo

package pkcs11_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/signer/pkcs11/softhsmtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	softhsmtest.Cleanup()
	os.Exit(code)
}

const (
	softhsmModule = softhsmtest.Module
	tokenLabel    = "ecert-seal"
	userPIN       = "4711-seal-pin"
)

type hsm struct {
	*softhsmtest.Token
	chain string
}

func token(t testing.TB) *hsm {
	tok := softhsmtest.Start(t)
	return &hsm{Token: tok, chain: tok.ChainFile}
}

// uri names a key on the token by path attributes; extra is appended to
// the query.
func (h *hsm) uri(path string, extra string) string {
	u := strings.Replace(h.URI("x"), ";object=x", ";"+path, 1)
	if extra != "" {
		u += "&" + extra
	}
	return u
}
