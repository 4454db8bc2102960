package ecertkit_test

import (
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/ecertkit/ecertkit"

// goList runs go list with a template over patterns.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// thirdParty returns the non-standard, non-module dependencies of pkg.
func thirdParty(t *testing.T, pkg string) []string {
	var deps []string
	for _, d := range goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg) {
		if d == module || strings.HasPrefix(d, module+"/") {
			continue
		}
		deps = append(deps, d)
	}
	sort.Strings(deps)
	return deps
}

// TestDependencyFootprint: each library package pulls in only what it uses.
func TestDependencyFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	// github.com/go-json-experiment/json is the prototype of Go's
	// encoding/json/v2 (by the encoding/json maintainers); the model decodes
	// with its v1 options, encoding/json's rules at about twice the speed,
	// until encoding/json/v2 leaves GOEXPERIMENT.
	const jsonv2 = "github.com/go-json-experiment/json"
	allowed := map[string][]string{
		// the model: the standard library, golang.org/x and the JSON v2 prototype
		"./ecert": {"golang.org/x/", jsonv2},
		// the signer core: no cloud SDK, no cgo PKCS#11 wrapper
		"./signer": {"golang.org/x/", "software.sslmate.com/src/go-pkcs12"},
		// the XML codec adds etree
		"./cefact": {"golang.org/x/", jsonv2, "github.com/beevik/etree"},
		// the registry interface adds the log's libraries, no database driver
		"./registry": {"golang.org/x/", jsonv2, "github.com/transparency-dev/merkle"},
	}
	for pkg, prefixes := range allowed {
		if _, err := os.Stat(pkg); err != nil {
			continue // not written yet
		}
		for _, d := range thirdParty(t, pkg) {
			ok := false
			for _, p := range prefixes {
				if strings.HasPrefix(d, p) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s depends on %s; allowed: standard library and %v", pkg, d, prefixes)
			}
		}
	}
}

// TestHeavyDependenciesStayPut: the heavy or cgo dependencies are imported
// only by the packages that need them (and by the CLI and examples, which
// assemble everything).
func TestHeavyDependenciesStayPut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	heavy := map[string][]string{
		"github.com/aws/aws-sdk-go-v2":    {module + "/signer/awskms"},
		"github.com/ThalesGroup/crypto11": {module + "/signer/pkcs11"},
		"github.com/jackc/pgx":            {module + "/registry/postgres"},
		"modernc.org/sqlite":              {module + "/registry/sqlite"},
		"github.com/pdfcpu/pdfcpu":        {module + "/pdfseal"},
	}
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		if strings.HasPrefix(pkg, module+"/cmd/") || strings.HasPrefix(pkg, module+"/examples/") {
			continue
		}
		for _, imp := range imports {
			for dep, owners := range heavy {
				if !strings.HasPrefix(imp, dep) {
					continue
				}
				ok := false
				for _, o := range owners {
					if pkg == o || strings.HasPrefix(pkg, o+"/") {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s imports %s; only %v may", pkg, imp, owners)
				}
			}
		}
	}
}
