package signer_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"runtime"
	"testing"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// benchSign measures signatures per second with 1 goroutine (a plain
// loop) and with 8 (RunParallel with enough parallelism for 8 goroutines
// whatever GOMAXPROCS is). The SoftHSM benchmarks in signer/pkcs11 do the same.
func benchSign(b *testing.B, s signer.Signer) {
	digest := sha256.Sum256([]byte("certificate of conformity"))
	b.Run("goroutines=1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(nil, digest[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
	})
	b.Run("goroutines=8", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Sign(nil, digest[:], crypto.SHA256); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
	})
}

func BenchmarkFileSign(b *testing.B) {
	for _, kt := range []testpki.KeyType{testpki.RSA2048, testpki.ECDSAP256} {
		b.Run(kt.String(), func(b *testing.B) {
			dir := b.TempDir()
			if err := testpki.MustNew(testpki.Options{SealKey: kt}).WriteFiles(dir); err != nil {
				b.Fatal(err)
			}
			s, err := signer.Open(context.Background(), testpki.SealKeyURI(dir), nil)
			if err != nil {
				b.Fatal(err)
			}
			benchSign(b, s)
		})
	}
}

func BenchmarkOpenFile(b *testing.B) {
	dir := b.TempDir()
	if err := testpki.MustNew(testpki.Options{}).WriteFiles(dir); err != nil {
		b.Fatal(err)
	}
	for _, uri := range []string{testpki.SealKeyURI(dir), testpki.SealP12URI(dir)} {
		b.Run(map[bool]string{true: "pem", false: "p12"}[uri == testpki.SealKeyURI(dir)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := signer.Open(context.Background(), uri, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
