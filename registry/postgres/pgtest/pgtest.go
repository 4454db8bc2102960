// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by ECERT_TEST_POSTGRES, dropped when the test
// ends. It lives beside the postgres back end so that the conformance
// suite (registrytest) does not link the PostgreSQL driver.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// EnvPostgres names the environment variable with the DSN of the
// PostgreSQL server for tests (test.sh sets it to the local server).
const EnvPostgres = "ECERT_TEST_POSTGRES"

// DSN returns a DSN whose search_path is a fresh schema, dropped
// when the test ends. Without ECERT_TEST_POSTGRES, or when the server
// cannot be reached, the test is skipped, or fails when CI=true.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		testtool.Missing(t, "%s is not set (test.sh sets it to the local server)", EnvPostgres)
		return ""
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		testtool.Missing(t, "PostgreSQL at %s: %v", EnvPostgres, err)
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
