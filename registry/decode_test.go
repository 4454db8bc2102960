package registry_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// DecodeStored decodes the canonical forms the registry stores exactly
// as encoding/json does.
func TestDecodeStoredMatchesEncodingJSON(t *testing.T) {
	var inputs [][]byte
	files, _ := filepath.Glob("../testdata/*.json")
	golden, _ := filepath.Glob("../ecert/testdata/canonical/*.json")
	for _, f := range append(files, golden...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
		if c, err := ecert.Unmarshal(b); err == nil {
			if cb, err := c.Canonical(); err == nil {
				inputs = append(inputs, cb)
			}
		}
	}
	for i := 0; i < 50; i++ {
		cb, err := registrytest.Gen(i * 7919).Canonical()
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, cb)
	}
	if len(inputs) < 60 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for _, b := range inputs {
		var want, got ecert.Certificate
		werr := json.Unmarshal(b, &want)
		gerr := registry.DecodeStored(b, &got)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("encoding/json: %v, decodeStored: %v", werr, gerr)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decodeStored differs from encoding/json (-want +got):\n%s", diff)
		}
	}
}
