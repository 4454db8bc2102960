package registry_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// FuzzImport feeds arbitrary JSON lines to Import: it must record good
// lines or fail with an error, never panic, and leave a log that verifies.
func FuzzImport(f *testing.F) {
	var good bytes.Buffer
	registrytest.WriteJSONL(&good, 0, 3)
	f.Add(good.Bytes())
	f.Add([]byte(`{"body": {"id": "B", "status": "sleeping"}}`))
	f.Add([]byte(`{"body": null}` + "\n" + `{"number": "1"}`))
	f.Add([]byte(`{"body": {"id": "B"}, "sealCerts": ["AAAA"]}`))
	f.Add([]byte("\n\n{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		reg := memory.New(registry.Options{})
		defer reg.Close()
		reg.Import(ctx, bytes.NewReader(data), registry.ImportOptions{BatchSize: 2})
		if _, err := reg.VerifyLog(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
