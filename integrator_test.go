package ecertkit_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// integratorTest is what an integrator writes in their own module: issue,
// seal, verify and check a certificate against a registry, with ecerttest.
const integratorTest = `package integrator

import (
	"bytes"
	"context"
	"testing"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/ecerttest"
	"github.com/ecertkit/ecertkit/pdfseal"
)

func TestIssueSealVerifyCheck(t *testing.T) {
	pki := ecerttest.NewPKI(t)
	cert := ecerttest.CCC(ecerttest.Models(50))
	reg := ecerttest.Registry(t, pki, cert)
	pdf := ecerttest.Seal(t, pki, cert, pdfseal.SealOptions{Certify: 1})
	ecerttest.RequirePassed(t, ecerttest.Verify(t, pki, pdf))
	res, err := check.PDF(context.Background(), bytes.NewReader(pdf), int64(len(pdf)),
		check.Options{Registry: reg, Verify: pdfseal.VerifyOptions{Roots: pki.Roots()}})
	if err != nil || res.Verdict != check.Pass {
		t.Fatalf("check: %v %s", err, res.Explanation)
	}
}
`

// TestFreshModule builds a module outside the repository that imports the
// toolkit through a replace directive and runs the integrator's test.
func TestFreshModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	testtool.Need(t, "go")
	root := testtool.Root()
	dir := t.TempDir()
	goMod := "module example.com/integrator\n\ngo 1.26.0\n\nrequire github.com/ecertkit/ecertkit v0.0.0\n\nreplace github.com/ecertkit/ecertkit => " + root + "\n"
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "integrator_test.go"), []byte(integratorTest), 0o644))
	if lines := strings.Count(integratorTest[strings.Index(integratorTest, "func Test"):], "\n"); lines > 20 {
		t.Errorf("the integrator's test has %d lines; it should stay about fifteen", lines)
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in a fresh module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
