// Package testtool helps integration tests find external tools and the
// shared test material. A missing tool skips the test on a developer's
// machine and fails it in CI (CI=true).
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether the tests run in CI, where missing tools are failures.
func InCI() bool { return os.Getenv("CI") == "true" }

// Need returns the path of each named executable. When one is missing the
// test is skipped with a clear message, or fails in CI.
func Need(t testing.TB, names ...string) []string {
	t.Helper()
	paths := make([]string, len(names))
	for i, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			Missing(t, "tool %q not found on PATH (./test.sh installs it)", n)
			return nil
		}
		paths[i] = p
	}
	return paths
}

// Missing skips the test, or fails it in CI, with the message.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Root returns the repository root (the directory holding go.mod).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Testdata returns the path of a file in the repository's testdata folder.
func Testdata(name string) string { return filepath.Join(Root(), "testdata", name) }

// Shared returns the path of ../shared/<sub> beside the repository root,
// and skips the test cleanly when the folder is absent.
func Shared(t testing.TB, sub string) string {
	t.Helper()
	p := filepath.Join(Root(), "..", "shared", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test material %s is absent: %v", p, err)
	}
	return p
}
