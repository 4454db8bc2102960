package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// A database written at schema version 1 opens, is brought up to date,
// and keeps working: search, renaming modifications, the log, and
// histories read from the three tables until a change writes the
// certificate's history document.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	reg, err := Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	registrytest.WriteJSONL(&buf, 0, 100)
	_, err = reg.Import(ctx, &buf, registry.ImportOptions{})
	reg.Close()
	if err != nil {
		t.Fatal(err)
	}
	// What the program of schema version 1 wrote: the same rows, the
	// index that version 2 drops, no history table.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE history", "CREATE INDEX terms_number ON terms (number)", "PRAGMA user_version = 1"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	raw.Close()
	before := registryHistories(t, path, 100)

	reg, err = Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, idx int
	db.QueryRow("PRAGMA user_version").Scan(&v)
	db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'terms_number'").Scan(&idx)
	if v != len(migrations) || idx != 0 {
		t.Errorf("schema version %d, terms_number index %d; want %d, 0", v, idx, len(migrations))
	}
	rec, err := reg.Get(ctx, registrytest.GenNumber(42))
	if err != nil {
		t.Fatal(err)
	}
	v2 := rec.Certificate.NewVersion()
	v2.Holder.Name = ecert.Text{"en": "Migrated Holder"}
	v2.Status = ecert.StatusValid
	if _, err := reg.Modify(ctx, v2, registry.Change{}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"holder 0000004": 9, "migrated holder": 1} {
		p, err := reg.Search(ctx, registry.Query{HolderPrefix: q})
		if err != nil || len(p.Records) != want {
			t.Errorf("search %q: %d records, %v; want %d", q, len(p.Records), err, want)
		}
	}
	if _, err := reg.VerifyLog(ctx); err != nil {
		t.Error(err)
	}
	var docs int
	db.QueryRow("SELECT COUNT(*) FROM history").Scan(&docs)
	if docs != 1 {
		t.Errorf("%d history documents after one change; want 1 (the modified certificate's)", docs)
	}
	reg.Close()
	after := registryHistories(t, path, 100)
	for i := range before {
		if i == 42 {
			if len(after[i].Versions) != 2 || len(after[i].Events) != 2 {
				t.Errorf("modified certificate: %d versions, %d events; want 2, 2", len(after[i].Versions), len(after[i].Events))
			}
			continue
		}
		if diff := cmp.Diff(before[i], after[i]); diff != "" {
			t.Errorf("history of certificate %d changed (-before +after):\n%s", i, diff)
		}
	}
	checkHistories(t, path)
}

// Opening a registry whose schema is up to date writes nothing: a write
// would make every reader connection of every process with the file
// open drop its page cache.
func TestOpenUpToDateWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	reg, err := Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	watch, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	conn, err := watch.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	version := func() (v int64) {
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	again, err := Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	if after := version(); after != before {
		t.Errorf("data_version %d -> %d: opening an up-to-date registry wrote to it", before, after)
	}
	if _, err := reg.RegisterBody(ctx, registrytest.GenBody(), registry.Change{}); err != nil {
		t.Fatal(err)
	}
	if after := version(); after == before {
		t.Error("data_version did not change after a write: the test cannot see writes")
	}
}
