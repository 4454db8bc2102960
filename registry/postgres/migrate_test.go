package postgres

import (
	"bytes"
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/postgres/pgtest"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// A schema written at version 1 opens, is brought up to date (the
// terms_number index dropped), and keeps working: search, renaming
// modifications, the log.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	all := migrations
	migrations = all[:1]
	reg, err := Open(ctx, dsn, registry.Options{})
	if err != nil {
		migrations = all
		t.Fatal(err)
	}
	var buf bytes.Buffer
	registrytest.WriteJSONL(&buf, 0, 100)
	_, err = reg.Import(ctx, &buf, registry.ImportOptions{})
	reg.Close()
	migrations = all
	if err != nil {
		t.Fatal(err)
	}

	reg, err = Open(ctx, dsn, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v, idx int
	conn.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'terms_number'`).Scan(&idx)
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
}
