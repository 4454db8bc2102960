package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/pdfseal"
)

type checkFlags struct {
	dbFlags
	trust  multiFlag
	at     string
	online bool
	json   bool
}

func init() {
	register(&command{
		name: "check",
		args: "FILE.pdf",
		summary: "The three-part check of a sealed certificate: valid seal of the issuing body,\n" +
			"contents equal to the registry's, current and valid status.\n" +
			"Exit 0 pass, 1 fail, 2 usage or unreadable input, 3 indeterminate.",
		flags: func(fs *flag.FlagSet) any {
			f := &checkFlags{}
			f.dbFlags.add(fs)
			fs.Var(&f.trust, "trust", "PEM file of trusted root certificates (repeatable)")
			fs.StringVar(&f.at, "time", "", "time of the check, RFC 3339 (default now)")
			fs.BoolVar(&f.online, "online", false, "fetch revocation data (OCSP, CRL) online when the file has none")
			fs.BoolVar(&f.json, "json", false, "print the whole result as JSON")
			return f
		},
		run: runCheck,
	})
}

func runCheck(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*checkFlags)
	if len(args) != 1 {
		return fail(e, exitUsage, "check: want one FILE.pdf")
	}
	var opts check.Options
	if f.at != "" {
		t, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return fail(e, exitUsage, "check: --time %q: want RFC 3339, e.g. 2026-12-01T00:00:00Z", f.at)
		}
		opts.Time = t
	}
	if len(f.trust) > 0 {
		pool, err := pdfseal.LoadRoots(f.trust...)
		if err != nil {
			return fail(e, exitUsage, "check: %v", err)
		}
		opts.Verify.Roots = pool
	}
	if f.online {
		opts.Verify.Revocation = pdfseal.RevocationOnline
	}
	file, err := os.Open(args[0])
	if err != nil {
		return fail(e, exitUsage, "check: %v", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		return fail(e, exitUsage, "check: %s: not a readable file", args[0])
	}
	reg, err := openRegistry(ctx, e, f.db)
	if err != nil {
		return fail(e, exitUsage, "check: %v", err)
	}
	defer reg.Close()
	opts.Registry = reg
	res, err := check.PDF(ctx, file, st.Size(), opts)
	if err != nil {
		return fail(e, exitUsage, "check: %s: %v", args[0], err)
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		if res.Number != "" {
			fmt.Fprintf(e.stdout, "certificate %s version %d (%s)\n", res.Number, res.Version, res.Digest)
		}
		for _, p := range []struct {
			name string
			r    check.PartResult
		}{{"signature", res.Signature}, {"contents", res.Contents}, {"status", res.Status}} {
			fmt.Fprintf(e.stdout, "  %-10s %-13s %s\n", p.name, p.r.Verdict, p.r.Explanation)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", verdictWord(res.Verdict), res.Explanation)
	}
	switch {
	case res.Report == nil:
		return exitUsage // not a readable PDF, as with ecert verify
	case res.Verdict == check.Pass:
		return exitOK
	case res.Verdict == check.Fail:
		return exitNo
	}
	return exitIndeterminate
}

func verdictWord(v check.Verdict) string {
	switch v {
	case check.Pass:
		return "PASS"
	case check.Fail:
		return "FAIL"
	}
	return "INDETERMINATE"
}
