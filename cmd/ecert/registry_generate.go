package main

import (
	"context"
	"flag"
	"strconv"

	"github.com/ecertkit/ecertkit/internal/certgen"
)

func init() {
	register(&command{
		name:    "registry generate",
		args:    "N",
		summary: "Write N generated CCC certificates (and their issuing body) as JSON lines, for trying out and\nbenchmarking: ecert registry generate 300000 | ecert registry import --db sqlite:reg.db -",
		flags: func(fs *flag.FlagSet) any {
			return fs.Int("from", 0, "number of the first certificate (the body line is written only from 0)")
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			from := *o.(*int)
			if len(args) != 1 {
				return fail(e, exitUsage, "registry generate: want one N")
			}
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 || from < 0 {
				return fail(e, exitUsage, "registry generate: N and --from must be non-negative numbers")
			}
			if err := certgen.WriteJSONL(e.stdout, from, n); err != nil {
				return fail(e, exitUsage, "registry generate: %v", err)
			}
			return exitOK
		},
	})
}
