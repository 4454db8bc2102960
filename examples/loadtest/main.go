// Command loadtest serves the registry's public lookup over a SQLite
// registry of many generated certificates, for load tests with wrk
// (BENCHMARKS.md has the figures and the exact commands):
//
//	go run ./examples/loadtest -n 3000000 -dir /var/tmp/ecert-load -addr 127.0.0.1:8090 &
//	wrk -t2 -c32 -d30s --latency -s examples/loadtest/lookup.lua http://127.0.0.1:8090 -- 3000000
//
// The first run generates the certificates (registrytest.Gen) and imports
// them with registry.Import (3 million: about 13 minutes here); later runs
// reuse the database. The server is
// the same stack as the demo's (httpapi.API behind httpapi.Harden), with
// the per-client rate limit on but set for a load test from one client
// (-rate, default 100,000 requests per second with bursts of 200,000:
// wrk is one client, 127.0.0.1). -cpuprofile writes a CPU profile of the
// whole serving time, until the server is interrupted.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	n := flag.Int("n", 100000, "number of certificates")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "ecert-load"), "directory of the databases")
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	record := flag.Bool("record", true, "record every lookup as a check (batched)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (profiling the server under load)")
	rate := flag.Float64("rate", 100000, "per-client rate limit, requests per second (wrk is one client); negative turns the limiter off")
	burst := flag.Int("burst", 200000, "per-client burst")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the serving time to this file")
	gogc := flag.Int("gogc", 400, "garbage collector target percentage (GOGC); the lookup allocates much short-lived memory")
	static := flag.Bool("static", false, "serve one lookup's response, computed at start, to every request with a bare net/http handler: the HTTP floor (no registry, no Harden, no recording)")
	writes := flag.Float64("writes", 0, "changes per second while serving, as an issuing service makes them: each suspends a random certificate, or reinstates it if suspended (registry.Suspend and Reinstate, durable commits)")
	compact := flag.Bool("compact", false, "serve a compacted copy of the registry (registry-N.compact.db in -dir, written by sqlite.Compact from the imported file if missing)")
	flag.Parse()
	debug.SetGCPercent(*gogc)
	if *pprofAddr != "" {
		go http.ListenAndServe(*pprofAddr, nil) // DefaultServeMux has net/http/pprof
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*dir, fmt.Sprintf("registry-%d.db", *n))
	cpath := filepath.Join(*dir, fmt.Sprintf("registry-%d.compact.db", *n))
	_, cstatErr := os.Stat(cpath)
	if *compact && cstatErr == nil {
		path = cpath // compacted before: the imported file is not needed
	}
	_, statErr := os.Stat(path)
	reg, err := sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		return err
	}
	defer reg.Close()
	if os.IsNotExist(statErr) {
		start := time.Now()
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(registrytest.WriteJSONL(pw, 0, *n)) }()
		st, err := reg.Import(ctx, pr, registry.ImportOptions{BatchSize: 5000, Progress: func(lines, _ int64) {
			if lines%100000 < 5000 {
				fmt.Fprintf(os.Stderr, "imported %d lines in %s\n", lines, time.Since(start).Round(time.Second))
			}
		}})
		if err != nil {
			os.Remove(path)
			return err
		}
		fmt.Fprintf(os.Stderr, "imported %d certificates in %s\n", st.Certificates, time.Since(start).Round(time.Second))
	}
	if *compact && path != cpath {
		reg.Close()
		if os.IsNotExist(cstatErr) {
			start := time.Now()
			if err := sqlite.Compact(ctx, path, cpath); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "compacted into %s in %s\n", cpath, time.Since(start).Round(time.Second))
		}
		if reg, err = sqlite.Open(ctx, cpath, registry.Options{}); err != nil {
			return err
		}
		defer reg.Close()
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(*dir, "services.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := httpapi.OpenStore(ctx, db)
	if err != nil {
		return err
	}
	if *record {
		go st.RunCheckRecorder(ctx)
	}
	api := &httpapi.API{Registry: reg, Store: st, NoLookupRecords: !*record}
	h := httpapi.Harden(api.Handler(), httpapi.HardenOptions{Rate: *rate, Burst: *burst, Logger: slog.Default()})
	if *static {
		rec := httptest.NewRecorder()
		api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/certificates/"+registrytest.GenNumber(0), nil))
		body, hdr := rec.Body.Bytes(), rec.Header()
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range hdr {
				w.Header()[k] = v
			}
			w.Write(body)
		})
	}
	srv := httpapi.NewServer(*addr, h, httpapi.ServerOptions{})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if *writes > 0 {
		go changeLoop(ctx, reg, *n, *writes)
	}
	fmt.Fprintf(os.Stderr, "serving %d certificates on http://%s (numbers %s .. %s; rate limit %g/s per client, burst %d; %g changes/s)\n",
		*n, ln.Addr(), registrytest.GenNumber(0), registrytest.GenNumber(*n-1), *rate, *burst, *writes)
	return httpapi.Serve(ctx, srv, ln)
}

// changeLoop makes perSecond changes a second until ctx ends: it
// suspends a random certificate, or reinstates it if it is suspended,
// and reports the changes made and the slowest one every 10 seconds.
func changeLoop(ctx context.Context, reg *registry.Registry, n int, perSecond float64) {
	t := time.NewTicker(time.Duration(float64(time.Second) / perSecond))
	defer t.Stop()
	report := time.NewTicker(10 * time.Second)
	defer report.Stop()
	var count int
	var slowest time.Duration
	ch := registry.Change{Reason: "load test", Actor: "loadtest"}
	for {
		select {
		case <-ctx.Done():
			return
		case <-report.C:
			fmt.Fprintf(os.Stderr, "changes: %d in 10 s, slowest %s\n", count, slowest.Round(time.Microsecond))
			count, slowest = 0, 0
		case <-t.C:
			number := registrytest.GenNumber(rand.IntN(n))
			start := time.Now()
			_, err := reg.Suspend(ctx, number, ch)
			if errors.Is(err, registry.ErrConflict) {
				_, err = reg.Reinstate(ctx, number, ch)
			}
			if err != nil {
				if ctx.Err() == nil {
					fmt.Fprintln(os.Stderr, "change:", err)
				}
				continue
			}
			count++
			slowest = max(slowest, time.Since(start))
		}
	}
}
