package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	_ "modernc.org/sqlite"
)

// BenchmarkMinimalFloor bounds what any Get on modernc.org/sqlite can
// cost with N certificates: the least schema a Get could read (one table,
// the number as its key, the certificate's JSON, about 900 bytes, in the
// same row; nothing else) and one prepared point query through the
// driver's own statement (no database/sql), the row's bytes not decoded.
// "int" keys the table by an integer rowid, "text" by the number as text
// (WITHOUT ROWID), as a registry keys it. The table is built once in
// ECERT_MINFLOOR_DIR (default: a temporary directory) with
// ECERT_MINFLOOR_N rows (default 20,000):
//
//	ECERT_MINFLOOR_N=3000000 ECERT_MINFLOOR_DIR=/var/tmp/minfloor \
//	  go test -run '^$' -bench MinimalFloor -benchtime 200000x -cpu 1 ./registry/sqlite/
func BenchmarkMinimalFloor(b *testing.B) {
	n := 20000
	if s := os.Getenv("ECERT_MINFLOOR_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			b.Fatalf("ECERT_MINFLOOR_N=%q", s)
		}
		n = v
	}
	dir := os.Getenv("ECERT_MINFLOOR_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("minfloor-%d.db", n))
	ctx := context.Background()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		if err := buildMinFloor(ctx, path, n); err != nil {
			b.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=mmap_size(4294967296)&_pragma=cache_size(-65536)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, v := range []struct {
		name, query string
		arg         func(i int) any
	}{
		{"int", "SELECT doc FROM ci WHERE id = ?", func(i int) any { return int64(i) }},
		{"text", "SELECT doc FROM ct WHERE number = ?", func(i int) any { return minFloorNumber(i) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			err = conn.Raw(func(dc any) error {
				st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, v.query)
				if err != nil {
					return err
				}
				defer st.Close()
				dest := make([]driver.Value, 1)
				arg := []driver.NamedValue{{Ordinal: 1}}
				r := rand.New(rand.NewPCG(1, 2))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					arg[0].Value = v.arg(r.IntN(n))
					rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, arg)
					if err != nil {
						return err
					}
					if err := rows.Next(dest); err != nil {
						return err
					}
					if len(dest[0].([]byte)) < 800 {
						return fmt.Errorf("short row")
					}
					rows.Close()
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

func minFloorNumber(i int) string { return fmt.Sprintf("2024%012d", i) }

func buildMinFloor(ctx context.Context, path string, n int) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	db, err := sql.Open("sqlite", "file:"+tmp+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=page_size(16384)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE ci (id INTEGER PRIMARY KEY, doc BLOB NOT NULL);
		CREATE TABLE ct (number TEXT PRIMARY KEY, doc BLOB NOT NULL) WITHOUT ROWID`); err != nil {
		return err
	}
	doc := make([]byte, 900)
	r := rand.New(rand.NewPCG(3, 4))
	for _, table := range []string{"ci", "ct"} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" VALUES (?, ?)")
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			for j := range doc {
				doc[j] = byte(' ' + r.IntN(90))
			}
			var key any = int64(i)
			if table == "ct" {
				key = minFloorNumber(i)
			}
			if _, err := st.ExecContext(ctx, key, doc); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	db.Close()
	return os.Rename(tmp, path)
}
