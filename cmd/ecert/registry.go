package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/postgres"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

// dbUsage documents the --db flag of every registry command.
const dbUsage = "the registry: sqlite:FILE or postgres://... (also from ECERT_DB)"

// openRegistry opens the registry named by a --db value: "sqlite:FILE"
// (created if missing) or a postgres:// or postgresql:// URL. An empty
// value falls back to the ECERT_DB environment variable.
func openRegistry(ctx context.Context, e *env, db string) (*registry.Registry, error) {
	return openRegistryWith(ctx, e, db, registry.Options{})
}

// openRegistryWith is openRegistry with registry options.
func openRegistryWith(ctx context.Context, e *env, db string, opts registry.Options) (*registry.Registry, error) {
	if db == "" {
		db = e.getenv("ECERT_DB")
	}
	switch {
	case db == "":
		return nil, errors.New("no registry: pass --db sqlite:FILE or --db postgres://... (or set ECERT_DB)")
	case strings.HasPrefix(db, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(db, "sqlite:"), opts)
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return postgres.Open(ctx, db, opts)
	}
	return nil, fmt.Errorf("--db %q: want sqlite:FILE or postgres://...", db)
}

// registryExit maps a registry error to an exit code: a missing
// certificate, a conflict or a refused transition is a "no" (1); the rest
// is unusable input or an unreachable registry (2).
func registryExit(err error) int {
	var te *ecert.TransitionError
	var be *registry.BodyError
	switch {
	case errors.Is(err, registry.ErrNotFound), errors.Is(err, registry.ErrConflict), errors.As(err, &te), errors.As(err, &be):
		return exitNo
	}
	return exitUsage
}

type dbFlags struct {
	db string
}

func (f *dbFlags) add(fs *flag.FlagSet) { fs.StringVar(&f.db, "db", "", dbUsage) }

type progressFlags struct {
	dbFlags
	progress string
}

func (f *progressFlags) add(fs *flag.FlagSet) {
	f.dbFlags.add(fs)
	fs.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
}

func (f *progressFlags) show(e *env) bool {
	switch f.progress {
	case "always":
		return true
	case "never":
		return false
	}
	if fd, ok := e.stderr.(interface{ Fd() uintptr }); ok {
		return isatty.IsTerminal(fd.Fd())
	}
	return false
}

// progressBar draws a one-line progress bar on w, at most every 100 ms.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	verb  string
	total int64 // bytes, 0 when unknown
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer, verb string, total int64) *progressBar {
	return &progressBar{w: w, verb: verb, total: total, start: time.Now()}
}

func (p *progressBar) update(count, bytes int64, final bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !final && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(count) / max(now.Sub(p.start).Seconds(), 1e-3)
	const width = 30
	bar := ""
	if p.total > 0 {
		done := min(width, int(width*bytes/p.total))
		bar = "[" + strings.Repeat("=", done) + strings.Repeat(" ", width-done) + "] " + fmt.Sprintf("%3d%% ", 100*bytes/p.total)
	}
	fmt.Fprintf(p.w, "\r%s%s %d (%.1f MB) %.0f/s ", bar, p.verb, count, float64(bytes)/1e6, rate)
	if final {
		fmt.Fprintln(p.w)
	}
}

func init() {
	register(&command{
		name:    "registry import",
		args:    "FILE.jsonl|-",
		summary: "Import certificates and issuing bodies from JSON lines into the registry.\nEach line is a certificate (version 1 is issued, later versions modify; a status of\nsuspended, revoked or withdrawn is recorded after it) or {\"body\": {...}, \"sealCerts\": [...]}.",
		flags: func(fs *flag.FlagSet) any {
			f := &struct {
				progressFlags
				batch  int
				actor  string
				reason string
			}{}
			f.progressFlags.add(fs)
			fs.IntVar(&f.batch, "batch", 1000, "lines per transaction")
			fs.StringVar(&f.actor, "actor", "ecert registry import", "actor recorded in the events")
			fs.StringVar(&f.reason, "reason", "", "reason recorded in the events")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*struct {
				progressFlags
				batch  int
				actor  string
				reason string
			})
			if len(args) != 1 {
				return fail(e, exitUsage, "registry import: want one FILE.jsonl (or - for standard input)")
			}
			var in io.Reader = e.stdin
			var total int64
			if args[0] != "-" {
				fh, err := os.Open(args[0])
				if err != nil {
					return fail(e, exitUsage, "registry import: %v", err)
				}
				defer fh.Close()
				if fi, err := fh.Stat(); err == nil {
					total = fi.Size()
				}
				in = fh
			}
			reg, err := openRegistry(ctx, e, f.db)
			if err != nil {
				return fail(e, exitUsage, "registry import: %v", err)
			}
			defer reg.Close()
			var bar *progressBar
			if f.show(e) {
				bar = newProgressBar(e.stderr, "lines", total)
			}
			start := time.Now()
			st, err := reg.Import(ctx, in, registry.ImportOptions{BatchSize: f.batch, Change: registry.Change{Actor: f.actor, Reason: f.reason},
				Progress: func(lines, bytes int64) { bar.update(lines, bytes, false) }})
			bar.update(st.Lines, total, true)
			if err != nil {
				return fail(e, exitUsage, "registry import: %v (%d lines committed before the failing batch)", err, st.Lines)
			}
			d := time.Since(start)
			fmt.Fprintf(e.stdout, "imported %d lines: %d certificate versions, %d bodies, %d events in %s (%.0f lines/s)\n",
				st.Lines, st.Certificates, st.Bodies, st.Events, d.Round(time.Millisecond), float64(st.Lines)/max(d.Seconds(), 1e-6))
			return exitOK
		},
	})

	register(&command{
		name:    "registry export",
		args:    "",
		summary: "Export the registry as JSON lines (bodies, then certificates in number order with their status).",
		flags: func(fs *flag.FlagSet) any {
			f := &struct {
				progressFlags
				out string
				all bool
			}{}
			f.progressFlags.add(fs)
			fs.StringVar(&f.out, "o", "-", "output file (- for standard output)")
			fs.BoolVar(&f.all, "all-versions", false, "export every version, not only the current one")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*struct {
				progressFlags
				out string
				all bool
			})
			if len(args) != 0 {
				return fail(e, exitUsage, "registry export: no arguments expected")
			}
			reg, err := openRegistry(ctx, e, f.db)
			if err != nil {
				return fail(e, exitUsage, "registry export: %v", err)
			}
			defer reg.Close()
			var bar *progressBar
			if f.show(e) {
				bar = newProgressBar(e.stderr, "certificates", 0)
			}
			var n int64
			write := func(w io.Writer) error {
				var err error
				n, err = reg.Export(ctx, w, registry.ExportOptions{AllVersions: f.all, Progress: func(c int64) { bar.update(c, 0, false) }})
				return err
			}
			if f.out == "-" {
				err = write(e.stdout)
			} else {
				err = writeFileAtomic(f.out, write)
			}
			bar.update(n, 0, true)
			if err != nil {
				return fail(e, exitUsage, "registry export: %v", err)
			}
			if f.out != "-" {
				fmt.Fprintf(e.stderr, "exported %d certificates to %s\n", n, f.out)
			}
			return exitOK
		},
	})

	register(&command{
		name:    "registry get",
		args:    "NUMBER",
		summary: "Print the current version of a certificate (or --version N) as JSON, with its status now.",
		flags: func(fs *flag.FlagSet) any {
			f := &struct {
				dbFlags
				version int
			}{}
			f.dbFlags.add(fs)
			fs.IntVar(&f.version, "version", 0, "a version other than the current one")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*struct {
				dbFlags
				version int
			})
			if len(args) != 1 {
				return fail(e, exitUsage, "registry get: want one NUMBER")
			}
			reg, err := openRegistry(ctx, e, f.db)
			if err != nil {
				return fail(e, exitUsage, "registry get: %v", err)
			}
			defer reg.Close()
			var rec *registry.Record
			if f.version != 0 {
				rec, err = reg.GetVersion(ctx, args[0], f.version)
			} else {
				rec, err = reg.Get(ctx, args[0])
			}
			if err != nil {
				return fail(e, registryExit(err), "registry get: %v", err)
			}
			fmt.Fprintf(e.stderr, "%s version %d of %d: %s (digest %s)\n", rec.Number, rec.Version, rec.CurrentVersion, rec.Status, rec.Digest)
			if err := rec.Certificate.Encode(e.stdout); err != nil {
				return fail(e, exitUsage, "registry get: %v", err)
			}
			return exitOK
		},
	})

	register(&command{
		name:    "registry history",
		args:    "NUMBER",
		summary: "List the versions and events of a certificate (log index, time, event, version, status, actor, reason).",
		flags: func(fs *flag.FlagSet) any {
			f := &struct {
				dbFlags
				json bool
			}{}
			f.dbFlags.add(fs)
			fs.BoolVar(&f.json, "json", false, "print the events as JSON lines (the log leaves)")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*struct {
				dbFlags
				json bool
			})
			if len(args) != 1 {
				return fail(e, exitUsage, "registry history: want one NUMBER")
			}
			reg, err := openRegistry(ctx, e, f.db)
			if err != nil {
				return fail(e, exitUsage, "registry history: %v", err)
			}
			defer reg.Close()
			h, err := reg.History(ctx, args[0])
			if err != nil {
				return fail(e, registryExit(err), "registry history: %v", err)
			}
			if f.json {
				enc := json.NewEncoder(e.stdout)
				enc.SetEscapeHTML(false)
				for _, ev := range h.Events {
					enc.Encode(struct {
						Index uint64 `json:"index"`
						registry.Event
					}{ev.Index, ev})
				}
				return exitOK
			}
			for _, v := range h.Versions {
				fmt.Fprintf(e.stdout, "version %d  %-10s  %s\n", v.Version, v.Status, v.Digest)
			}
			for _, ev := range h.Events {
				fmt.Fprintf(e.stdout, "#%d  %s  %-9s  v%d  %-9s  %s  %s\n", ev.Index, ev.Time.Format(time.RFC3339), ev.Type, ev.Version, ev.Status, ev.Actor, ev.Reason)
			}
			return exitOK
		},
	})

	register(&command{
		name:    "registry check",
		args:    "NUMBER DIGEST|FILE.json",
		summary: "Check contents against the registry: which version has this digest, whether it is current and\nits status. Exit 0 if it is the current version and valid, 1 if not (or the number is unknown).",
		flags: func(fs *flag.FlagSet) any {
			f := &dbFlags{}
			f.add(fs)
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*dbFlags)
			if len(args) != 2 {
				return fail(e, exitUsage, "registry check: want NUMBER and DIGEST or FILE.json")
			}
			d, err := ecert.ParseDigest(args[1])
			if err != nil {
				c, rerr := readCert(e, args[1])
				if rerr != nil {
					return fail(e, exitUsage, "registry check: %s is neither a digest nor a readable certificate: %v", args[1], rerr)
				}
				if d, err = c.Digest(); err != nil {
					return fail(e, exitUsage, "registry check: %v", err)
				}
			}
			reg, err := openRegistry(ctx, e, f.db)
			if err != nil {
				return fail(e, exitUsage, "registry check: %v", err)
			}
			defer reg.Close()
			res, err := reg.Check(ctx, args[0], d)
			if err != nil {
				return fail(e, registryExit(err), "registry check: %v", err)
			}
			switch {
			case res.Version == 0:
				fmt.Fprintf(e.stdout, "%s: NO: %s is not the digest of any version (current version %d is %s)\n", res.Number, d, res.CurrentVersion, res.CurrentStatus)
			case !res.Current:
				fmt.Fprintf(e.stdout, "%s: NO: version %d, superseded by version %d (%s)\n", res.Number, res.Version, res.CurrentVersion, res.CurrentStatus)
			case res.Status != ecert.StatusValid:
				fmt.Fprintf(e.stdout, "%s: NO: current version %d is %s\n", res.Number, res.Version, res.Status)
			default:
				fmt.Fprintf(e.stdout, "%s: OK: current version %d, valid\n", res.Number, res.Version)
			}
			if res.OK() {
				return exitOK
			}
			return exitNo
		},
	})

	register(&command{
		name:    "registry search",
		args:    "",
		summary: "Search certificates (flags combine with AND); results in number order, one per line.",
		flags: func(fs *flag.FlagSet) any {
			f := &searchFlags{}
			f.dbFlags.add(fs)
			fs.StringVar(&f.q.HolderPrefix, "holder", "", "holder name prefix, any language, any case")
			fs.StringVar(&f.q.ManufacturerPrefix, "manufacturer", "", "manufacturer name prefix")
			fs.StringVar(&f.q.Product, "product", "", "text in a product name or model code")
			fs.StringVar(&f.q.BodyID, "body", "", "issuing body ID")
			fs.StringVar(&f.scheme, "scheme", "", "scheme (CCC, ISO-9001, ...)")
			fs.StringVar(&f.status, "status", "", "status now: valid, suspended, revoked, withdrawn, expired")
			fs.StringVar(&f.from, "valid-from", "", "validity overlaps a period starting on this date (YYYY-MM-DD)")
			fs.StringVar(&f.to, "valid-to", "", "validity overlaps a period ending before this date (YYYY-MM-DD)")
			fs.IntVar(&f.q.Limit, "limit", registry.DefaultLimit, "results per page")
			fs.StringVar(&f.q.Cursor, "cursor", "", "continue after a previous page (printed on stderr)")
			fs.BoolVar(&f.all, "all", false, "follow the cursor to the last page")
			fs.BoolVar(&f.json, "json", false, "print each certificate as a JSON line")
			return f
		},
		run: runSearch,
	})

	for _, op := range []string{"suspend", "reinstate", "revoke", "withdraw"} {
		register(&command{
			name:    "registry " + op,
			args:    "NUMBER",
			summary: fmt.Sprintf("Record the %s event for a certificate.", op),
			flags: func(fs *flag.FlagSet) any {
				f := &changeFlags{}
				f.add(fs)
				return f
			},
			run: func(ctx context.Context, e *env, o any, args []string) int {
				f := o.(*changeFlags)
				if len(args) != 1 {
					return fail(e, exitUsage, "registry %s: want one NUMBER", op)
				}
				reg, err := openRegistry(ctx, e, f.db)
				if err != nil {
					return fail(e, exitUsage, "registry %s: %v", op, err)
				}
				defer reg.Close()
				fn := map[string]func(context.Context, string, registry.Change) (*registry.Receipt, error){
					"suspend": reg.Suspend, "reinstate": reg.Reinstate, "revoke": reg.Revoke, "withdraw": reg.Withdraw}[op]
				rc, err := fn(ctx, args[0], f.change())
				if err != nil {
					return fail(e, registryExit(err), "registry %s: %v", op, err)
				}
				fmt.Fprintf(e.stdout, "%s: %s (log index %d, revision %d)\n", rc.Event.Number, rc.Event.Status, rc.Event.Index, rc.Revision)
				return exitOK
			},
		})
	}
	for _, op := range []string{"issue", "modify", "renew"} {
		register(&command{
			name:    "registry " + op,
			args:    "FILE.json",
			summary: fmt.Sprintf("Record a certificate version with the %s event.", op),
			flags: func(fs *flag.FlagSet) any {
				f := &changeFlags{}
				f.add(fs)
				return f
			},
			run: func(ctx context.Context, e *env, o any, args []string) int {
				f := o.(*changeFlags)
				if len(args) != 1 {
					return fail(e, exitUsage, "registry %s: want one FILE.json", op)
				}
				c, err := readCert(e, args[0])
				if err != nil {
					return fail(e, exitUsage, "registry %s: %s: %v", op, args[0], err)
				}
				reg, err := openRegistry(ctx, e, f.db)
				if err != nil {
					return fail(e, exitUsage, "registry %s: %v", op, err)
				}
				defer reg.Close()
				fn := map[string]func(context.Context, *ecert.Certificate, registry.Change) (*registry.Receipt, error){
					"issue": reg.Issue, "modify": reg.Modify, "renew": reg.Renew}[op]
				rc, err := fn(ctx, c, f.change())
				if err != nil {
					return fail(e, registryExit(err), "registry %s: %v", op, err)
				}
				fmt.Fprintf(e.stdout, "%s: version %d %s (log index %d, digest %s)\n", rc.Event.Number, rc.Event.Version, rc.Event.Status, rc.Event.Index, rc.Event.Digest)
				return exitOK
			},
		})
	}
}

type changeFlags struct {
	dbFlags
	reason, actor, key string
	expect             int
}

func (f *changeFlags) add(fs *flag.FlagSet) {
	f.dbFlags.add(fs)
	fs.StringVar(&f.reason, "reason", "", "reason recorded in the event")
	fs.StringVar(&f.actor, "actor", os.Getenv("USER"), "who makes the change")
	fs.StringVar(&f.key, "request-key", "", "idempotency key: a retry with the same key changes nothing")
	fs.IntVar(&f.expect, "expect-revision", 0, "fail unless the certificate is at this revision")
}

func (f *changeFlags) change() registry.Change {
	return registry.Change{Reason: f.reason, Actor: f.actor, RequestKey: f.key, ExpectedRevision: f.expect}
}

type searchFlags struct {
	dbFlags
	q                        registry.Query
	scheme, status, from, to string
	all, json                bool
}

func runSearch(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*searchFlags)
	if len(args) != 0 {
		return fail(e, exitUsage, "registry search: no arguments expected (use flags)")
	}
	q := f.q
	q.Scheme, q.Status = ecert.Scheme(f.scheme), ecert.Status(f.status)
	for _, d := range []struct {
		s   string
		dst *time.Time
	}{{f.from, &q.ValidFrom}, {f.to, &q.ValidTo}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			return fail(e, exitUsage, "registry search: date %q: want YYYY-MM-DD", d.s)
		}
		*d.dst = t
	}
	reg, err := openRegistry(ctx, e, f.db)
	if err != nil {
		return fail(e, exitUsage, "registry search: %v", err)
	}
	defer reg.Close()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	n := 0
	for {
		p, err := reg.Search(ctx, q)
		if err != nil {
			return fail(e, exitUsage, "registry search: %v", err)
		}
		for _, r := range p.Records {
			n++
			if f.json {
				enc.Encode(r.Certificate)
				continue
			}
			fmt.Fprintf(e.stdout, "%s  v%d  %-9s  %s  %s\n", r.Number, r.Version, r.Status, r.Certificate.Scheme, r.Certificate.Holder.Name.In("en"))
		}
		if p.Next == "" {
			break
		}
		if !f.all {
			fmt.Fprintf(e.stderr, "more results: --cursor %s\n", p.Next)
			break
		}
		q.Cursor = p.Next
	}
	fmt.Fprintf(e.stderr, "%s result(s)\n", strconv.Itoa(n))
	return exitOK
}
