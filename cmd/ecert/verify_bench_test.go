package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// BenchmarkVerifyProcess runs "ecert verify" and poppler's "pdfsig" as
// whole processes on the same signed file, side by side. Besides ns/op
// (wall time) it reports cpu-ms/op, the child's user+system CPU time,
// which holds up on a loaded machine.
//
//	go test ./cmd/ecert -run XXX -bench VerifyProcess -benchtime 200x
func BenchmarkVerifyProcess(b *testing.B) {
	paths := testtool.Need(b, "pdfsig", "certutil")
	if paths == nil {
		return
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "ecert")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	root, _ := filepath.Abs(verifyData("test-root.crt"))
	nss := filepath.Join(dir, "nss")
	os.MkdirAll(nss, 0o755)
	for _, args := range [][]string{{"-N", "-d", "sql:" + nss, "--empty-password"}, {"-A", "-d", "sql:" + nss, "-n", "root", "-t", "C,C,C", "-i", root}} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			b.Fatalf("certutil: %v\n%s", err, out)
		}
	}
	for _, file := range []string{"good_pyhanko_approval.pdf", "good_certified_dss.pdf"} {
		f, _ := filepath.Abs(verifyData(file))
		for _, tool := range []struct {
			name string
			argv []string
		}{
			{"ecert", []string{bin, "verify", "--trust", root, "--time", "2026-12-01T00:00:00Z", f}},
			{"pdfsig", []string{"pdfsig", "-nssdir", "sql:" + nss, f}},
		} {
			b.Run(file+"/"+tool.name, func(b *testing.B) {
				var cpu time.Duration
				for i := 0; i < b.N; i++ {
					cmd := exec.Command(tool.argv[0], tool.argv[1:]...)
					if err := cmd.Run(); err != nil {
						b.Fatalf("%v: %v", tool.argv, err)
					}
					cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				}
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
