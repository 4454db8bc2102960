package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/postgres"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// The benchmarks import ECERT_BENCH_N generated certificates (default
// 20,000) into a fresh schema of the ECERT_TEST_POSTGRES database, with
// COPY, then run the read benchmarks on it:
//
//	ECERT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	ECERT_BENCH_N=300000 go test -run '^$' -bench . -benchtime 1x ./registry/postgres/
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

func BenchmarkPostgres(b *testing.B) {
	n := benchN(b)
	dsn := testDSN(b)
	ctx := context.Background()
	reg, err := postgres.Open(ctx, dsn, registry.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	b.Run("Import", func(b *testing.B) {
		if b.N > 1 {
			b.Skip("run with -benchtime 1x: the import fills the database once")
		}
		registrytest.BenchImport(b, reg, n)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		var bytes int64
		if err := conn.QueryRow(ctx, `SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`).Scan(&bytes); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(bytes)/float64(n), "bytes/cert")
	})
	if size, _ := reg.LogSize(ctx); size < uint64(n) {
		b.Skip("the import did not run")
	}
	registrytest.BenchReads(b, reg, n)
}
