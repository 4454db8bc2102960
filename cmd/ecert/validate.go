package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecertkit/ecertkit/ecert"
)

func init() {
	register(&command{
		name:    "validate",
		args:    "FILE.json",
		summary: "Check a certificate: exit 0 if valid, 1 with one problem per line (field path: message) if not.",
		run: func(ctx context.Context, e *env, _ any, args []string) int {
			if len(args) != 1 {
				return fail(e, exitUsage, "validate: want one FILE.json")
			}
			c, err := readCert(e, args[0])
			if err != nil {
				return fail(e, exitUsage, "validate: %s: %v", args[0], err)
			}
			if err := c.Validate(); err != nil {
				var ve *ecert.ValidationError
				if errors.As(err, &ve) {
					for _, p := range ve.Problems {
						fmt.Fprintln(e.stdout, p)
					}
					return exitNo
				}
				return fail(e, exitUsage, "validate: %v", err)
			}
			fmt.Fprintf(e.stdout, "%s: valid (%s, version %d)\n", args[0], c.Number, c.Version)
			return exitOK
		},
	})
}
