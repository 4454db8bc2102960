package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{
		name:    "digest",
		args:    "FILE.json",
		summary: "Print the SHA-256 digest of a certificate's canonical form.",
		run: func(ctx context.Context, e *env, _ any, args []string) int {
			if len(args) != 1 {
				return fail(e, exitUsage, "digest: want one FILE.json")
			}
			c, err := readCert(e, args[0])
			if err != nil {
				return fail(e, exitUsage, "digest: %s: %v", args[0], err)
			}
			d, err := c.Digest()
			if err != nil {
				return fail(e, exitUsage, "digest: %v", err)
			}
			fmt.Fprintln(e.stdout, d)
			return exitOK
		},
	})
}
