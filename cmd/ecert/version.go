package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "Print the version of ecert and of Go.",
		run: func(ctx context.Context, e *env, _ any, args []string) int {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(e.stdout, "ecert %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return exitOK
		},
	})
}
