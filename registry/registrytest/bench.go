package registrytest

import (
	"context"
	"io"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/certgen"
	"github.com/ecertkit/ecertkit/registry"
)

// WriteJSONL writes the import lines of the issuing body and of
// certificates Gen(from) to Gen(from+n-1).
func WriteJSONL(w io.Writer, from, n int) error { return certgen.WriteJSONL(w, from, n) }

// BenchImport imports n generated certificates into reg, streaming the
// JSON lines through a pipe from a generator goroutine (which shares the
// CPUs), and reports certificates per second.
func BenchImport(b *testing.B, reg *registry.Registry, n int) {
	b.Helper()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(WriteJSONL(pw, 0, n)) }()
	start := time.Now()
	st, err := reg.Import(context.Background(), pr, registry.ImportOptions{BatchSize: 5000})
	if err != nil {
		b.Fatalf("import: %v", err)
	}
	if st.Certificates != int64(n) {
		b.Fatalf("imported %d certificates, want %d", st.Certificates, n)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "certs/s")
}

// BenchReads runs the read benchmarks on a registry holding Gen(0) to
// Gen(n-1): Get and Check by number, Search by holder prefix (reporting
// its 99th percentile latency), History by number and inclusion proofs.
func BenchReads(b *testing.B, reg *registry.Registry, n int) {
	ctx := context.Background()
	size, err := reg.LogSize(ctx)
	if err != nil || size < uint64(n) {
		b.Fatalf("registry has %d log entries (%v), want at least %d", size, err, n)
	}
	digests := make([][32]byte, 1024)
	for i := range digests {
		d, _ := Gen(i * (n / len(digests))).Digest()
		digests[i] = d
	}
	perSec := func(b *testing.B, start time.Time) {
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	}
	b.Run("Get", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				if _, err := reg.Get(ctx, GenNumber(r.IntN(n))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		perSec(b, start)
	})
	b.Run("Check", func(b *testing.B) {
		b.ReportAllocs()
		var bad atomic.Int64
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 2))
			for pb.Next() {
				k := r.IntN(len(digests))
				res, err := reg.Check(ctx, GenNumber(k*(n/len(digests))), digests[k])
				if err != nil {
					b.Error(err)
					return
				}
				if res.Version != 1 {
					bad.Add(1)
				}
			}
		})
		perSec(b, start)
		if bad.Load() > 0 {
			b.Errorf("%d checks did not find version 1", bad.Load())
		}
	})
	b.Run("SearchHolderPrefix", func(b *testing.B) {
		b.ReportAllocs()
		lat := make([]time.Duration, 0, b.N)
		r := rand.New(rand.NewPCG(3, 3))
		for i := 0; i < b.N; i++ {
			holder := GenHolder(r.IntN(n))[:len("Holder 0000000")]
			t0 := time.Now()
			p, err := reg.Search(ctx, registry.Query{HolderPrefix: holder, Limit: 20})
			lat = append(lat, time.Since(t0))
			if err != nil || len(p.Records) == 0 {
				b.Fatalf("search %q: %d results, %v", holder, len(p.Records), err)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
	b.Run("History", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 5))
			for pb.Next() {
				if h, err := reg.History(ctx, GenNumber(r.IntN(n))); err != nil || len(h.Versions) == 0 {
					b.Error(err)
					return
				}
			}
		})
		perSec(b, start)
	})
	b.Run("InclusionProof", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 4))
			for pb.Next() {
				if _, err := reg.ProveInclusion(ctx, r.Uint64N(size), size); err != nil {
					b.Error(err)
					return
				}
			}
		})
		perSec(b, start)
	})
}
