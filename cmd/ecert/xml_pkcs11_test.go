//go:build cgo

package main

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/pkcs11/softhsmtest"
)

// TestXMLSignPKCS11 signs SPS XML with keys that never leave a SoftHSM
// token (RSA and ECDSA), and checks the result with ecert and xmlsec1.
func TestXMLSignPKCS11(t *testing.T) {
	tok := softhsmtest.Start(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tok.PKI.Root.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{softhsmtest.RSA, softhsmtest.EC} {
		t.Run(obj, func(t *testing.T) {
			out := filepath.Join(dir, obj+".xml")
			code, _, errs := runMain(t, "", "xml", "sign", "-key", tok.URI(obj, "chain="+tok.ChainFile), "-o", out, sample("good_ccc.json"))
			if code != exitOK {
				t.Fatalf("sign: exit %d: %s", code, errs)
			}
			if strings.Contains(errs, tok.PIN) {
				t.Error("PIN printed")
			}
			code, stdout, errs := runMain(t, "", "xml", "verify", "-trust", root, out)
			if code != exitOK {
				t.Fatalf("verify: exit %d\n%s%s", code, stdout, errs)
			}
			if xmlsec := testtool.Need(t, "xmlsec1"); xmlsec != nil {
				if msg, err := exec.Command(xmlsec[0], "--verify", "--trusted-pem", root, out).CombinedOutput(); err != nil {
					t.Errorf("xmlsec1: %v\n%s", err, msg)
				}
			}
		})
	}
}
