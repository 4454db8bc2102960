// Command ecert validates, renders, seals, verifies and publishes
// electronic certificates of conformity. Run "ecert help" for the
// subcommands.
//
// Each subcommand lives in its own file and registers itself in an init
// function; adding a subcommand is adding a file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK            = 0 // success; the check said yes
	exitNo            = 1 // the check said no (invalid, TOTAL-FAILED, ...)
	exitUsage         = 2 // usage error or unreadable input
	exitIndeterminate = 3 // the verdict is INDETERMINATE
)

// env is what a subcommand sees of the process: streams and arguments.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand. Names may have two words ("pki init").
type command struct {
	name    string
	args    string // argument synopsis, e.g. "FILE.json"
	summary string
	// flags declares the subcommand's flags on fs; it may be nil.
	flags func(fs *flag.FlagSet) any
	run   func(ctx context.Context, e *env, opts any, args []string) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("ecert: duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				return runCommand(ctx, c, e, []string{"--help"})
			}
		}
		usage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, rest := lookup(args)
	if c == nil {
		fmt.Fprintf(e.stderr, "ecert: unknown command %q\n\n", strings.Join(args[:min(2, len(args))], " "))
		usage(e.stderr)
		return exitUsage
	}
	return runCommand(ctx, c, e, rest)
}

func lookup(args []string) (*command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

func runCommand(ctx context.Context, c *command, e *env, args []string) int {
	fs := flag.NewFlagSet("ecert "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var opts any
	if c.flags != nil {
		opts = c.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ecert %s [flags] %s\n\n%s\n", c.name, c.args, c.summary)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return exitOK
		}
		return exitUsage
	}
	return c.run(ctx, e, opts, fs.Args())
}

// interleave moves flags that follow positional arguments to the front,
// so that "ecert render in.json -o out.pdf" works as users expect.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			f := fs.Lookup(name)
			if f == nil {
				continue
			}
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ecert COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-18s %s\n", n, firstLine(commands[n].summary))
	}
	fmt.Fprintln(w, "\nRun \"ecert help COMMAND\" for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 the check said no, 2 usage or unreadable input, 3 indeterminate.")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// fail prints an error and returns code.
func fail(e *env, code int, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "ecert: "+format+"\n", a...)
	return code
}

// writeFileAtomic writes through a temporary file in the target directory
// and renames it, so a failure never leaves a half-written file.
func writeFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := ".", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, base = path[:i+1], path[i+1:]
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
