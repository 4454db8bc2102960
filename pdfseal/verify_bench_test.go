package pdfseal

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// benchSealed returns a sealed 1-page certificate (the ISO 9001 sample
// rendered) at the level, with the PKI's roots.
func benchSealed(b *testing.B, level Level) ([]byte, *testpki.PKI) {
	b.Helper()
	f := newVerifyFixtureOpts(b, false)
	data, err := os.ReadFile(testtool.Testdata("good_iso9001.json"))
	if err != nil {
		b.Fatal(err)
	}
	c, err := ecert.Unmarshal(data)
	if err != nil {
		b.Fatal(err)
	}
	var doc bytes.Buffer
	if err := Render(context.Background(), c, &doc, RenderOptions{}); err != nil {
		b.Fatal(err)
	}
	return f.seal(b, doc.Bytes(), SealOptions{Level: level}), f.pki
}

func benchVerify(b *testing.B, level Level, skipCert bool) {
	sealed, p := benchSealed(b, level)
	opts := VerifyOptions{Roots: p.Roots(), SkipCertificate: skipCert}
	rep := verifyBytes(b, sealed, opts)
	if rep.Indication != TotalPassed || (rep.Certificate == nil) != skipCert {
		b.Fatalf("%s/%s certificate=%v", rep.Indication, rep.SubIndication, rep.Certificate != nil)
	}
	b.SetBytes(int64(len(sealed)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Verify(context.Background(), bytes.NewReader(sealed), int64(len(sealed)), opts); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	// CPU time (user+system, all threads, GC included) per verification:
	// the per-core rate, independent of other load on the machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "verifications/cpu-s")
}

// cpuTime is the process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVerifyBB: a sealed 1-page certificate, PAdES B-B.
func BenchmarkVerifyBB(b *testing.B) { benchVerify(b, LevelBB, false) }

// BenchmarkVerifyBBSkipCertificate: B-B without decoding and digesting
// the embedded certificate (VerifyOptions.SkipCertificate).
func BenchmarkVerifyBBSkipCertificate(b *testing.B) { benchVerify(b, LevelBB, true) }

// BenchmarkVerifyBLT: the same at B-LT (timestamp, DSS with CRLs: one
// more revision to diff, one more chain to build).
func BenchmarkVerifyBLT(b *testing.B) { benchVerify(b, LevelBLT, false) }
