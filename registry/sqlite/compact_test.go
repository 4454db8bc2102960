package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// dump returns every row of every table of the database at path.
func dump(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for _, tb := range compactOrder {
		rows, err := db.Query("SELECT * FROM " + tb + " ORDER BY 1, 2")
		if tb == "log_head" {
			rows, err = db.Query("SELECT * FROM log_head")
		}
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[tb] = append(out[tb], fmt.Sprintf("%q", vals))
		}
		rows.Close()
	}
	var v int
	db.QueryRow("PRAGMA user_version").Scan(&v)
	out["user_version"] = []string{fmt.Sprint(v)}
	return out
}

// A compacted copy holds exactly the rows of the original, opens as a
// registry, verifies its log and keeps working; an existing target is
// refused.
func TestCompact(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	reg, err := Open(ctx, src, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	registrytest.WriteJSONL(&buf, 0, 300)
	if _, err := reg.Import(ctx, &buf, registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Suspend(ctx, registrytest.GenNumber(7), registry.Change{Reason: "audit", RequestKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	c := registrytest.Gen(9).NewVersion()
	c.Scope = ecert.Text{"en": "wider"}
	if _, err := reg.Modify(ctx, c, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	// The source stays open, as a running service would keep it.
	if err := Compact(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	before := dump(t, src)
	for _, tb := range []string{"history", "certs", "events", "versions", "terms", "nodes", "requests", "bodies", "log_head"} {
		if len(before[tb]) == 0 {
			t.Errorf("no rows in %s to compare", tb)
		}
	}
	if diff := cmp.Diff(before, dump(t, dst)); diff != "" {
		t.Errorf("compacted rows differ (-src +dst):\n%s", diff)
	}
	if err := Compact(ctx, src, dst); err == nil {
		t.Error("Compact over an existing file succeeded")
	}
	reg.Close()
	creg, err := Open(ctx, dst, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer creg.Close()
	if _, err := creg.VerifyLog(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := creg.History(ctx, registrytest.GenNumber(9))
	if err != nil || len(h.Versions) != 2 {
		t.Fatalf("History after compaction: %+v, %v", h, err)
	}
	if _, err := creg.Revoke(ctx, registrytest.GenNumber(9), registry.Change{}); err != nil {
		t.Fatal(err)
	}
	var mode string
	db, _ := sql.Open("sqlite", dsn(dst, true))
	defer db.Close()
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode of the copy: %q, %v", mode, err)
	}
}

// Compacting a registry whose certificates have no history documents (as
// one from before schema version 3, or a part of one) writes them all,
// equal to the rows; the rest of the copy is the original's.
func TestCompactWritesMissingHistories(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	reg, err := Open(ctx, src, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	registrytest.WriteJSONL(&buf, 0, 200)
	if _, err := reg.Import(ctx, &buf, registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c := registrytest.Gen(150).NewVersion()
	c.Scope = ecert.Text{"en": "wider"}
	if _, err := reg.Modify(ctx, c, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	reg.Close()
	want := registryHistories(t, src, 200)
	raw, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("DELETE FROM history WHERE number < ?", registrytest.GenNumber(120)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if n := countRows(t, src, "history"); n != 80 {
		t.Fatalf("%d history documents left in the source; want 80", n)
	}
	if err := Compact(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	if docs := checkHistories(t, dst); docs != 200 {
		t.Errorf("%d history documents in the copy; want 200", docs)
	}
	if diff := cmp.Diff(want, registryHistories(t, dst, 200), equateEmpty); diff != "" {
		t.Errorf("histories differ after compaction (-before +after):\n%s", diff)
	}
	before, after := dump(t, src), dump(t, dst)
	delete(before, "history")
	delete(after, "history")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("compacted rows differ (-src +dst):\n%s", diff)
	}
}
