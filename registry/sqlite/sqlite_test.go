package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

func TestConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, opts registry.Options) *registry.Registry {
		reg, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"), opts)
		if err != nil {
			t.Fatal(err)
		}
		return reg
	})
}

// Two handles on one file behave like two processes sharing it.
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := sqlite.Open(context.Background(), path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(context.Background(), path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	registrytest.TwoHandles(t, a, b)
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ {
		reg, err := sqlite.Open(context.Background(), path, registry.Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		reg.Close()
	}
	if _, err := sqlite.Open(context.Background(), "", registry.Options{}); err == nil {
		t.Error("empty path accepted")
	}
}
