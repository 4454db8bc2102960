package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/postgres"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// EnvDSN names the environment variable with the test server's DSN.
const EnvDSN = "ECERT_TEST_POSTGRES"

// testDSN returns a DSN whose search_path is a fresh schema, dropped when
// the test ends. Without ECERT_TEST_POSTGRES the test skips, or fails in CI.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		testtool.Missing(t, "%s is not set (test.sh sets it to the local server)", EnvDSN)
		return ""
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		testtool.Missing(t, "PostgreSQL at %s: %v", EnvDSN, err)
		return ""
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "ecert_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
		conn.Close(context.Background())
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, opts registry.Options) *registry.Registry {
		reg, err := postgres.Open(context.Background(), testDSN(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		return reg
	})
}

// Two pools on one schema behave like two processes sharing it.
func TestTwoHandles(t *testing.T) {
	dsn := testDSN(t)
	ctx := context.Background()
	a, err := postgres.Open(ctx, dsn, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, dsn, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	registrytest.TwoHandles(t, a, b)
}
