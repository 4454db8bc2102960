package signer_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// The core package must not pull in a PKCS#11 library or a cloud SDK:
// programs that seal with key files link neither.
func TestCoreDependencies(t *testing.T) {
	goTool := testtool.Need(t, "go")[0]
	out, err := exec.Command(goTool, "list", "-deps", "github.com/ecertkit/ecertkit/signer").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/aws/", "github.com/ThalesGroup/crypto11", "github.com/miekg/pkcs11"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("signer depends on %s", dep)
			}
		}
	}
}
