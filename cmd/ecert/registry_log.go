package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

// The transparency-log commands: a note key for the log, signed
// checkpoints, inclusion proofs, and their offline verification.

// openSignedRegistry opens the registry with the note signing key in
// keyFile; the log's origin is the key's name.
func openSignedRegistry(ctx context.Context, e *env, db, keyFile string) (*registry.Registry, error) {
	if keyFile == "" {
		return nil, fmt.Errorf("--log-key: the log's note signing key is required (make one with ecert registry log-key)")
	}
	skey, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	s, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", keyFile, err)
	}
	return openRegistryWith(ctx, e, db, registry.Options{Origin: s.Name(), LogSigners: []note.Signer{s}})
}

type logFlags struct {
	dbFlags
	key string
}

func (f *logFlags) add(fs *flag.FlagSet) {
	f.dbFlags.add(fs)
	fs.StringVar(&f.key, "log-key", "", "file with the log's note signing key (from ecert registry log-key)")
}

func init() {
	register(&command{
		name:    "registry log-key",
		args:    "NAME",
		summary: "Make an Ed25519 note key for the registry's log. NAME is the log's origin (e.g. registry.example.cn/ccc).\nWrites the signing key to -o (mode 0600) and prints the verifier key that third parties use.",
		flags: func(fs *flag.FlagSet) any {
			out := fs.String("o", "log.key", "file for the signing key")
			return out
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			out := *o.(*string)
			if len(args) != 1 {
				return fail(e, exitUsage, "registry log-key: want one NAME")
			}
			skey, vkey, err := note.GenerateKey(rand.Reader, args[0])
			if err != nil {
				return fail(e, exitUsage, "registry log-key: %v", err)
			}
			if err := os.WriteFile(out, []byte(skey+"\n"), 0o600); err != nil {
				return fail(e, exitUsage, "registry log-key: %v", err)
			}
			fmt.Fprintln(e.stdout, vkey)
			return exitOK
		},
	})

	register(&command{
		name:    "registry checkpoint",
		args:    "",
		summary: "Print a signed checkpoint of the registry's log (a C2SP signed note).",
		flags: func(fs *flag.FlagSet) any {
			f := &logFlags{}
			f.add(fs)
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*logFlags)
			reg, err := openSignedRegistry(ctx, e, f.db, f.key)
			if err != nil {
				return fail(e, exitUsage, "registry checkpoint: %v", err)
			}
			defer reg.Close()
			signed, _, err := reg.Checkpoint(ctx)
			if err != nil {
				return fail(e, exitUsage, "registry checkpoint: %v", err)
			}
			e.stdout.Write(signed)
			return exitOK
		},
	})

	register(&command{
		name:    "registry prove",
		args:    "INDEX | NUMBER",
		summary: "Print, as JSON, a proof that a log entry is in the log: by log index, or the latest event of a\ncertificate number. Anyone verifies it offline with ecert registry verify-proof.",
		flags: func(fs *flag.FlagSet) any {
			f := &logFlags{}
			f.add(fs)
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*logFlags)
			if len(args) != 1 {
				return fail(e, exitUsage, "registry prove: want one INDEX or NUMBER")
			}
			reg, err := openSignedRegistry(ctx, e, f.db, f.key)
			if err != nil {
				return fail(e, exitUsage, "registry prove: %v", err)
			}
			defer reg.Close()
			index, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || len(args[0]) > 12 {
				h, herr := reg.History(ctx, args[0])
				if herr != nil {
					return fail(e, registryExit(herr), "registry prove: %v", herr)
				}
				index = h.Events[len(h.Events)-1].Index
			}
			p, err := reg.InclusionProof(ctx, index)
			if err != nil {
				return fail(e, registryExit(err), "registry prove: %v", err)
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			enc.Encode(p)
			return exitOK
		},
	})

	register(&command{
		name:    "registry verify-proof",
		args:    "PROOF.json|-",
		summary: "Verify an inclusion proof offline with the log's verifier key: exit 0 and print the event if the\nsigned checkpoint and the audit path verify, 1 if not.",
		flags: func(fs *flag.FlagSet) any {
			return fs.String("key", "", "the log's verifier key (printed by ecert registry log-key)")
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			vkey := *o.(*string)
			if len(args) != 1 || vkey == "" {
				return fail(e, exitUsage, "registry verify-proof: want --key VKEY and one PROOF.json")
			}
			v, err := note.NewVerifier(vkey)
			if err != nil {
				return fail(e, exitUsage, "registry verify-proof: --key: %v", err)
			}
			var r io.Reader = e.stdin
			if args[0] != "-" {
				fh, err := os.Open(args[0])
				if err != nil {
					return fail(e, exitUsage, "registry verify-proof: %v", err)
				}
				defer fh.Close()
				r = fh
			}
			var p tlog.InclusionProof
			dec := json.NewDecoder(io.LimitReader(r, 1<<20))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				return fail(e, exitUsage, "registry verify-proof: %s: %v", args[0], err)
			}
			cp, err := p.Verify(v.Name(), v)
			if err != nil {
				fmt.Fprintf(e.stdout, "NO: %v\n", err)
				return exitNo
			}
			fmt.Fprintf(e.stdout, "OK: entry %d of %d in log %s: %s\n", p.Index, cp.Size, cp.Origin, p.Leaf)
			return exitOK
		},
	})
}
