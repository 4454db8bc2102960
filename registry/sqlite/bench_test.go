package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

// The benchmarks work on ECERT_BENCH_N generated certificates (default
// 20,000). With ECERT_BENCH_DIR set, BenchmarkImport keeps its database
// there as read.db and BenchmarkReads reuses it, so that the large run
// imports once:
//
//	ECERT_BENCH_N=3000000 ECERT_BENCH_DIR=/var/tmp/ecert-bench \
//	  go test -run '^$' -bench . -benchtime 1x -timeout 3h ./registry/sqlite/
func benchN(b *testing.B) int {
	if s := os.Getenv("ECERT_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1024 {
			b.Fatalf("ECERT_BENCH_N=%q: want a number of at least 1024", s)
		}
		return n
	}
	return 20000
}

func dbSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func BenchmarkImport(b *testing.B) {
	n := benchN(b)
	dir := os.Getenv("ECERT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	for i := 0; i < b.N; i++ {
		path := filepath.Join(dir, "import.db")
		os.Remove(path)
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		reg, err := sqlite.Open(context.Background(), path, registry.Options{})
		if err != nil {
			b.Fatal(err)
		}
		registrytest.BenchImport(b, reg, n)
		reg.Close()
		b.ReportMetric(float64(dbSize(path))/float64(n), "bytes/cert")
		if read := filepath.Join(dir, "read.db"); os.Getenv("ECERT_BENCH_DIR") != "" {
			if _, err := os.Stat(read); os.IsNotExist(err) {
				os.Rename(path, read)
			}
		}
	}
}

func BenchmarkReads(b *testing.B) {
	n := benchN(b)
	dir := os.Getenv("ECERT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "read.db")
	ctx := context.Background()
	reg, err := sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	if size, _ := reg.LogSize(ctx); size == 0 {
		registrytest.BenchImport(b, reg, n)
	}
	registrytest.BenchReads(b, reg, n)
}
