package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// BenchmarkFloor measures what a Get costs at the least: the bare
// point query of a certificate's current row (certs joined with its
// current version, the statement Get runs) on the benchmark database,
// returning the same row bytes and doing nothing else. "sql" goes
// through database/sql with a prepared statement, "driver" through the
// modernc driver's own statement (no database/sql), "version" reads only
// the version row (one B-tree descent), "history" runs the statement of
// History (a certificate's row, versions and events) and steps through
// its rows. It reuses
// ECERT_BENCH_DIR/read.db (see BenchmarkReads); without it, it skips.
//
//	ECERT_BENCH_N=3000000 ECERT_BENCH_DIR=/var/tmp/eb3m8 \
//	  go test -run '^$' -bench Floor -benchtime 3s ./registry/sqlite/
func BenchmarkFloor(b *testing.B) {
	dir := os.Getenv("ECERT_BENCH_DIR")
	n, _ := strconv.Atoi(os.Getenv("ECERT_BENCH_N"))
	path := filepath.Join(dir, "read.db")
	if _, err := os.Stat(path); dir == "" || n == 0 || err != nil {
		b.Skip("needs ECERT_BENCH_DIR/read.db and ECERT_BENCH_N")
	}
	ctx := context.Background()
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	current := readQueries[1].sql
	var history string
	for _, q := range readQueries {
		if q.name == "history" {
			history = q.sql
		}
	}
	for name, q := range map[string]string{
		"sql":     current,
		"version": `SELECT json FROM versions WHERE number = ? AND version = 1`,
		"history": history,
	} {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		b.Run(name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 7))
				for pb.Next() {
					rows, err := st.QueryContext(ctx, registrytest.GenNumber(r.IntN(n)))
					if err != nil {
						b.Fatal(err)
					}
					k := 0
					for rows.Next() {
						k++
					}
					if k == 0 {
						b.Fatal("no row")
					}
					rows.Close()
				}
			})
		})
	}
	b.Run("driver", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			err = conn.Raw(func(dc any) error {
				st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, current)
				if err != nil {
					return err
				}
				defer st.Close()
				r := rand.New(rand.NewPCG(rand.Uint64(), 8))
				dest := make([]driver.Value, 14)
				arg := []driver.NamedValue{{Ordinal: 1}}
				for pb.Next() {
					arg[0].Value = registrytest.GenNumber(r.IntN(n))
					rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, arg)
					if err != nil {
						return err
					}
					if err := rows.Next(dest); err != nil {
						return err
					}
					if err := rows.Next(dest); err != io.EOF {
						return err
					}
					rows.Close()
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	})
}
