//go:build cgo

package pkcs11_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"runtime"
	"testing"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/pkcs11"
)

// BenchmarkSoftHSMSign measures signatures per second on the SoftHSM
// token with 1 goroutine and with 8 sharing one Signer.
func BenchmarkSoftHSMSign(b *testing.B) {
	h := token(b)
	for _, k := range []struct{ name, object string }{{"RSA-2048", "seal-rsa"}, {"ECDSA-P256", "seal-ec"}} {
		b.Run(k.name, func(b *testing.B) {
			s, err := pkcs11.Open(context.Background(), h.uri("object="+k.object, ""), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer signer.Close(s)
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
		})
	}
}
