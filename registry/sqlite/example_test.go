package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

// Opening a registry file, issuing, and reading back after reopening.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "registry")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "registry.db")
	ctx := context.Background()

	reg, err := sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		log.Fatal(err)
	}
	reg.RegisterBody(ctx, registrytest.GenBody(), registry.Change{})
	if _, err := reg.Issue(ctx, registrytest.Gen(7), registry.Change{Actor: "alice"}); err != nil {
		log.Fatal(err)
	}
	reg.Close()

	reg, err = sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	rec, err := reg.Get(ctx, registrytest.GenNumber(7))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Number, rec.Version, rec.Status)
	// Output: 2024000000000007 1 valid
}
