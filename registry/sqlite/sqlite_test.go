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
