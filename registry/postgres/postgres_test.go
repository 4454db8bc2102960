package postgres_test

import (
	"context"
	"github.com/ecertkit/ecertkit/registry/postgres/pgtest"
	"testing"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/postgres"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

func testDSN(t testing.TB) string { return pgtest.DSN(t) }

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
