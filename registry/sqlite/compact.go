package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/ecertkit/ecertkit/registry/internal/store"
)

// compactOrder is the order in which Compact writes the tables: the
// history documents a lookup reads, then the current state (Get, Check),
// the events and their index by number, the versions, then the rest.
var compactOrder = []string{"history", "certs", "events", "versions", "terms", "nodes", "requests", "bodies", "seal_certs", "log_head"}

// Compact writes a compacted copy of the registry database at src to
// dst, a file that must not exist; the registry at src may be in use
// (Compact reads one snapshot of it). Every table is rewritten in key
// order into full pages, and the tables a lookup reads come first in the
// file, so that the part of it that SQLite reads through its memory map
// (modernc.org/sqlite maps at most the first 2 GiB) holds as much of
// them as it can: on a large registry, History and Get then read fewer
// pages with system calls. Certificates added later are written where
// the file has room, so the order holds until the next compaction. The
// copy has a history document for every certificate, written from the
// three tables for those that have none in src (a registry from before
// schema version 3).
//
// To use the copy, stop the programs that have src open and rename dst
// over it.
func Compact(ctx context.Context, src, dst string) (err error) {
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: compact: %s exists", dst)
	}
	defer func() {
		if err != nil {
			os.Remove(dst)
			os.Remove(dst + "-wal")
			os.Remove(dst + "-shm")
			err = fmt.Errorf("sqlite: compact %s: %w", src, err)
		}
	}()
	// The source is brought up to date (migrations) and read; the copy
	// gets the same schema from the same migrations.
	in, err := openStore(ctx, src)
	if err != nil {
		return err
	}
	in.Close()
	out, err := openStore(ctx, dst)
	if err != nil {
		return err
	}
	out.Close()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dst}).EscapedPath()+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The copy is new: a failure deletes it, so it needs no journal
	// until it is complete.
	for _, q := range []string{
		"PRAGMA journal_mode = OFF",
		"PRAGMA synchronous = OFF",
		"PRAGMA cache_size = -262144",
		"ATTACH DATABASE " + quote("file:"+(&url.URL{Path: src}).EscapedPath()+"?mode=ro") + " AS src",
		"BEGIN",
		"DELETE FROM log_head",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	for _, t := range compactOrder {
		if t == "history" {
			if err := compactHistory(ctx, conn); err != nil {
				conn.ExecContext(ctx, "ROLLBACK")
				return fmt.Errorf("copy history: %w", err)
			}
			continue
		}
		q := fmt.Sprintf("INSERT INTO main.%s SELECT * FROM src.%s ORDER BY 1", t, t)
		if t == "versions" {
			q = "INSERT INTO main.versions SELECT * FROM src.versions ORDER BY number, version"
		} else if t == "terms" {
			q = "INSERT INTO main.terms SELECT * FROM src.terms ORDER BY kind, term, number"
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("copy %s: %w", t, err)
		}
	}
	for _, q := range []string{"COMMIT", "DETACH DATABASE src", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	var check string
	if err := conn.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("quick_check of the copy: %q, %v", check, err)
	}
	conn.Close()
	if err := db.Close(); err != nil {
		return err
	}
	// Written without syncs: make the copy durable before it is used.
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func quote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// compactHistory copies src's history documents into main in key order,
// then writes those that src lacks from src's three tables.
func compactHistory(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "INSERT INTO main.history SELECT * FROM src.history ORDER BY id"); err != nil {
		return err
	}
	var tableSQL string
	for _, q := range readQueries {
		if q.name == "history" {
			tableSQL = q.sql
		}
	}
	for _, t := range []string{"certs", "versions", "events"} {
		tableSQL = strings.ReplaceAll(tableSQL, "FROM "+t+" ", "FROM src."+t+" ")
	}
	table, err := conn.PrepareContext(ctx, tableSQL)
	if err != nil {
		return err
	}
	defer table.Close()
	ins, err := conn.PrepareContext(ctx, "INSERT OR IGNORE INTO main.history (id, number, doc) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	defer ins.Close()
	rows, err := conn.QueryContext(ctx, "SELECT number FROM src.certs EXCEPT SELECT number FROM src.history")
	if err != nil {
		return err
	}
	defer rows.Close()
	var buf []byte
	for rows.Next() {
		var number string
		if err := rows.Scan(&number); err != nil {
			return err
		}
		tr, err := table.QueryContext(ctx, number)
		if err != nil {
			return err
		}
		h, err := store.ScanHistory(tr, number)
		tr.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", number, err)
		}
		buf = appendHistDoc(buf[:0], &h)
		if _, err := ins.ExecContext(ctx, histKey(number), number, buf); err != nil {
			return err
		}
	}
	return rows.Err()
}
