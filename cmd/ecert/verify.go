package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal"
)

type verifyFlags struct {
	trust   multiFlag
	at      string
	online  bool
	json    bool
	timeout time.Duration
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func init() {
	register(&command{
		name: "verify",
		args: "FILE.pdf",
		summary: "Verify the signatures of a sealed PDF and explain the verdict (ETSI EN 319 102-1).\n" +
			"Exit 0 TOTAL-PASSED, 1 TOTAL-FAILED, 2 usage or unreadable input, 3 INDETERMINATE.",
		flags: func(fs *flag.FlagSet) any {
			f := &verifyFlags{}
			fs.Var(&f.trust, "trust", "PEM file of trusted root certificates (repeatable)")
			fs.StringVar(&f.at, "time", "", "validation time, RFC 3339 (default now)")
			fs.BoolVar(&f.online, "online", false, "fetch revocation data (OCSP, CRL) online when the file has none")
			fs.BoolVar(&f.json, "json", false, "print the whole report as JSON")
			fs.DurationVar(&f.timeout, "timeout", 0, "bound the validation (default 10s)")
			return f
		},
		run: runVerify,
	})
}

func runVerify(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*verifyFlags)
	if len(args) != 1 {
		return fail(e, exitUsage, "verify: want one FILE.pdf")
	}
	opts := pdfseal.VerifyOptions{Timeout: f.timeout}
	if f.at != "" {
		t, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return fail(e, exitUsage, "verify: --time %q: want RFC 3339, e.g. 2026-12-01T00:00:00Z", f.at)
		}
		opts.Time = t
	}
	if len(f.trust) > 0 {
		pool, err := pdfseal.LoadRoots(f.trust...)
		if err != nil {
			return fail(e, exitUsage, "verify: %v", err)
		}
		opts.Roots = pool
	}
	if f.online {
		opts.Revocation = pdfseal.RevocationOnline
	}
	file, err := os.Open(args[0])
	if err != nil {
		return fail(e, exitUsage, "verify: %v", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return fail(e, exitUsage, "verify: %v", err)
	}
	if st.IsDir() {
		return fail(e, exitUsage, "verify: %s is a directory", args[0])
	}
	rep, err := pdfseal.Verify(ctx, file, st.Size(), opts)
	if err != nil {
		if errors.Is(err, pdfseal.ErrUnreadable) {
			return fail(e, exitUsage, "verify: %s: %v", args[0], err)
		}
		return fail(e, exitUsage, "verify: %s: %v", args[0], err)
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail(e, exitUsage, "verify: %v", err)
		}
	} else if err := rep.WriteSummary(e.stdout); err != nil {
		return fail(e, exitUsage, "verify: %v", err)
	}
	switch rep.Indication {
	case pdfseal.TotalPassed:
		return exitOK
	case pdfseal.TotalFailed:
		return exitNo
	}
	return exitIndeterminate
}
