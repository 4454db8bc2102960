package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/registrytest"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

// BenchmarkLookup measures GET /certificates/{number} through the whole
// handler stack (Harden, routing, registry History on SQLite, JSON,
// recording the check) on ECERT_BENCH_N generated certificates (default
// 5,000; with ECERT_BENCH_DB an existing registry file is reused).
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	n := 5000
	if s := os.Getenv("ECERT_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	path := os.Getenv("ECERT_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "reg.db")
	}
	_, statErr := os.Stat(path)
	reg, err := sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	if os.IsNotExist(statErr) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(registrytest.WriteJSONL(pw, 0, n)) }()
		if _, err := reg.Import(ctx, pr, registry.ImportOptions{BatchSize: 5000}); err != nil {
			b.Fatal(err)
		}
	}
	benchLookup(b, reg, n, httpapi.HardenOptions{Rate: -1})
}

// BenchmarkLookupHTTPLayer is BenchmarkLookup on the in-memory registry:
// what the HTTP layer costs (Harden with the rate limiter on, routing,
// the view, JSON, recording the check), with the registry's reads as
// cheap as they get.
func BenchmarkLookupHTTPLayer(b *testing.B) {
	ctx := context.Background()
	const n = 5000
	reg := memory.New(registry.Options{})
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(registrytest.WriteJSONL(pw, 0, n)) }()
	if _, err := reg.Import(ctx, pr, registry.ImportOptions{BatchSize: 5000}); err != nil {
		b.Fatal(err)
	}
	benchLookup(b, reg, n, httpapi.HardenOptions{Rate: 1e9, Burst: 1e9})
}

// benchLookup runs GET /certificates/{number} over the first n generated
// numbers of reg through the whole handler stack, recording each check.
func benchLookup(b *testing.B, reg *registry.Registry, n int, hopts httpapi.HardenOptions) {
	ctx := context.Background()
	st, err := httpapi.OpenStore(ctx, openDB(b, filepath.Join(b.TempDir(), "svc.db")))
	if err != nil {
		b.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go st.RunCheckRecorder(rctx)
	h := httpapi.Harden((&httpapi.API{Registry: reg, Store: st}).Handler(), hopts)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i = (i*7919 + 13) % n
			req := httptest.NewRequest("GET", "/certificates/"+registrytest.GenNumber(i), nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
