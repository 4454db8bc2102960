package sqlite

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/internal/store"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// recStore records the writes of an import instead of storing them
// (except the issuing body's, which later batches read), so that
// BenchmarkWriteFloor can replay exactly the rows Import writes.
type recStore struct {
	store.Store
	size uint64
	got  []*store.Writes
}

type recTx struct {
	store.Tx
	s *recStore
}

func (s *recStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(recTx{tx, s}) })
}

func (t recTx) LogSize(ctx context.Context) (uint64, error) { return t.s.size, nil }

func (t recTx) Write(ctx context.Context, w *store.Writes) error {
	t.s.got = append(t.s.got, w)
	t.s.size = w.LogSize
	if len(w.Bodies) > 0 {
		return t.Tx.Write(ctx, w)
	}
	return nil
}

// BenchmarkWriteFloor replays the rows that Import writes for
// ECERT_FLOOR_N generated certificates (default 20,000; batches of
// 5,000) into a new database, through the store's Write alone: no JSON
// decoding, validation, canonical form, event encoding or log hashing.
// It bounds what any import into this schema can reach on the machine.
// (Its own variable, not ECERT_BENCH_N: it holds all the rows in memory,
// which the 3-million runs of -bench . should not.)
func BenchmarkWriteFloor(b *testing.B) {
	n := 20000
	if s := os.Getenv("ECERT_FLOOR_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	dir := b.TempDir()
	src, err := openStore(ctx, filepath.Join(dir, "src.db"))
	if err != nil {
		b.Fatal(err)
	}
	rec := &recStore{Store: src}
	reg := registry.New(rec, registry.Options{})
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(registrytest.WriteJSONL(pw, 0, n)) }()
	if _, err := reg.Import(ctx, pr, registry.ImportOptions{BatchSize: 5000}); err != nil {
		b.Fatal(err)
	}
	reg.Close()
	// versionsOnly keeps only the certificates' canonical JSON: the one
	// row that any import must write.
	versionsOnly := func(w *store.Writes) *store.Writes {
		return &store.Writes{Versions: w.Versions, LogSize: w.LogSize}
	}
	for _, mode := range []struct {
		name   string
		pragma string
		rows   func(*store.Writes) *store.Writes
	}{
		{"synchronous=FULL", "", nil},
		{"synchronous=OFF", "PRAGMA synchronous = OFF", nil},
		{"versions-only", "", versionsOnly},
		{"versions-only,synchronous=OFF", "PRAGMA synchronous = OFF", versionsOnly},
	} {
		b.Run(mode.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				path := filepath.Join(dir, "floor.db")
				os.Remove(path)
				os.Remove(path + "-wal")
				os.Remove(path + "-shm")
				s, err := openStore(ctx, path)
				if err != nil {
					b.Fatal(err)
				}
				if mode.pragma != "" {
					if _, err := s.w.ExecContext(ctx, mode.pragma); err != nil {
						b.Fatal(err)
					}
				}
				start, cpu0 := time.Now(), cpuTime()
				b.ResetTimer()
				for _, w := range rec.got {
					if mode.rows != nil {
						w = mode.rows(w)
					}
					if err := s.Update(ctx, func(tx store.Tx) error { return tx.Write(ctx, w) }); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "certs/s")
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-us/cert")
				s.Close()
			}
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
