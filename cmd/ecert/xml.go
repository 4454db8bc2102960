package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/cefact/xmlsig"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/signers"
)

type xmlOutFlags struct{ out string }

type xmlDecodeFlags struct {
	out   string
	quiet bool
}

type xmlSignFlags struct {
	out        string
	key        string
	allowUnfit bool
	timeout    time.Duration
}

type xmlVerifyFlags struct {
	trust multiFlag
	at    string
	out   string
}

func init() {
	register(&command{
		name:    "xml encode",
		args:    "FILE.json",
		summary: "Write a certificate as UN/CEFACT SPS e-certificate XML (rsm:SPSCertificate, release 17A).",
		flags: func(fs *flag.FlagSet) any {
			f := &xmlOutFlags{}
			fs.StringVar(&f.out, "o", "-", "output file (- for standard output)")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*xmlOutFlags)
			if len(args) != 1 {
				return fail(e, exitUsage, "xml encode: want one FILE.json")
			}
			c, err := readCert(e, args[0])
			if err != nil {
				return fail(e, exitUsage, "xml encode: %s: %v", args[0], err)
			}
			if err := xmlWriteOut(e, f.out, func(w io.Writer) error { return cefact.Encode(w, c) }); err != nil {
				return fail(e, exitUsage, "xml encode: %v", err)
			}
			return exitOK
		},
	})
	register(&command{
		name: "xml decode",
		args: "FILE.xml",
		summary: "Read SPS e-certificate XML and write the certificate as JSON.\n\n" +
			"An rsm:SPSAcknowledgement is written as the acknowledgement's JSON.\n" +
			"What the model has no field for is kept in the JSON's extensions (so that\n" +
			"\"ecert xml encode\" writes it back) and listed on standard error.",
		flags: func(fs *flag.FlagSet) any {
			f := &xmlDecodeFlags{}
			fs.StringVar(&f.out, "o", "-", "output file (- for standard output)")
			fs.BoolVar(&f.quiet, "q", false, "do not list the unmapped leaves, only count them")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*xmlDecodeFlags)
			if len(args) != 1 {
				return fail(e, exitUsage, "xml decode: want one FILE.xml")
			}
			data, err := xmlReadInput(e, args[0])
			if err != nil {
				return fail(e, exitUsage, "xml decode: %v", err)
			}
			doc, err := cefact.Unmarshal(data, nil)
			if errors.Is(err, cefact.ErrNotSPS) {
				// Perhaps an acknowledgement.
				ack, unmapped, aerr := cefact.DecodeAcknowledgement(bytes.NewReader(data), nil)
				if aerr == nil {
					if err := xmlWriteOut(e, f.out, func(w io.Writer) error {
						enc := json.NewEncoder(w)
						enc.SetIndent("", "  ")
						enc.SetEscapeHTML(false)
						return enc.Encode(ack)
					}); err != nil {
						return fail(e, exitUsage, "xml decode: %v", err)
					}
					xmlReportUnmapped(e, "xml decode", unmapped, f.quiet)
					return exitOK
				}
			}
			if err != nil {
				return fail(e, exitUsage, "xml decode: %s: %v", args[0], err)
			}
			if err := xmlWriteOut(e, f.out, doc.Certificate.Encode); err != nil {
				return fail(e, exitUsage, "xml decode: %v", err)
			}
			xmlReportUnmapped(e, "xml decode", doc.Unmapped, f.quiet)
			return exitOK
		},
	})
	register(&command{
		name: "xml sign",
		args: "FILE.xml|FILE.json",
		summary: "Sign SPS XML (or a certificate JSON, encoded first) with an enveloped XML signature.\n\n" +
			"Exclusive C14N, SHA-256, RSA or ECDSA, KeyInfo with the chain. The key is named by\n" +
			"URI as for \"ecert signer test\" (file:, pkcs11:, awskms:). The official 17A schema\n" +
			"has no slot for ds:Signature: validate before signing.",
		flags: func(fs *flag.FlagSet) any {
			f := &xmlSignFlags{}
			fs.StringVar(&f.out, "o", "-", "output file (- for standard output)")
			fs.StringVar(&f.key, "key", "", "signing key URI (required)")
			fs.BoolVar(&f.allowUnfit, "allow-unfit", false, "warn about, instead of refusing, a certificate unfit for sealing")
			fs.DurationVar(&f.timeout, "timeout", time.Minute, "give up opening the key and signing after this long")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*xmlSignFlags)
			if len(args) != 1 || f.key == "" {
				return fail(e, exitUsage, "xml sign: want -key URI and one FILE.xml or FILE.json")
			}
			var data []byte
			if strings.HasSuffix(args[0], ".json") {
				c, err := readCert(e, args[0])
				if err != nil {
					return fail(e, exitUsage, "xml sign: %s: %v", args[0], err)
				}
				if data, err = cefact.Marshal(c); err != nil {
					return fail(e, exitUsage, "xml sign: %v", err)
				}
			} else {
				var err error
				if data, err = xmlReadInput(e, args[0]); err != nil {
					return fail(e, exitUsage, "xml sign: %v", err)
				}
			}
			ctx, cancel := context.WithTimeout(ctx, f.timeout)
			defer cancel()
			opts := &signer.Options{LookupEnv: func(name string) (string, bool) {
				v := e.getenv(name)
				return v, v != ""
			}}
			if f.allowUnfit {
				opts.CertPolicy = signer.CertReport
				opts.Report = func(err error) { fmt.Fprintf(e.stderr, "ecert: xml sign: warning: %v\n", err) }
			}
			s, err := signers.Open(ctx, f.key, opts)
			if err != nil {
				return fail(e, exitUsage, "xml sign: %v", err)
			}
			defer signer.Close(s)
			var signed bytes.Buffer
			if err := xmlsig.Sign(ctx, &signed, bytes.NewReader(data), s, nil); err != nil {
				return fail(e, exitUsage, "xml sign: %s: %v", args[0], err)
			}
			if err := xmlWriteOut(e, f.out, func(w io.Writer) error { _, err := w.Write(signed.Bytes()); return err }); err != nil {
				return fail(e, exitUsage, "xml sign: %v", err)
			}
			return exitOK
		},
	})
	register(&command{
		name: "xml verify",
		args: "FILE.xml",
		summary: "Verify the enveloped XML signature of SPS XML against trusted roots.\n\n" +
			"Exit 0 if the signature is valid and its chain leads to a -trust root, 1 if not\n" +
			"(bad signature, untrusted certificate, or a signature that does not cover the\n" +
			"whole document), 2 for unreadable input. With -o, writes the certificate decoded\n" +
			"from the verified content as JSON.",
		flags: func(fs *flag.FlagSet) any {
			f := &xmlVerifyFlags{}
			fs.Var(&f.trust, "trust", "PEM file of trusted root certificates (repeatable, required)")
			fs.StringVar(&f.at, "time", "", "time at which the certificates must be valid, RFC 3339 (default now)")
			fs.StringVar(&f.out, "o", "", "write the verified certificate as JSON to this file (- for standard output)")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*xmlVerifyFlags)
			if len(args) != 1 || len(f.trust) == 0 {
				return fail(e, exitUsage, "xml verify: want -trust ROOTS.pem and one FILE.xml")
			}
			roots := x509.NewCertPool()
			for _, p := range f.trust {
				data, err := os.ReadFile(p)
				if err != nil {
					return fail(e, exitUsage, "xml verify: %v", err)
				}
				certs, err := signer.ParseCertificatesPEM(data)
				if err != nil || len(certs) == 0 {
					return fail(e, exitUsage, "xml verify: %s: no certificates (%v)", p, err)
				}
				for _, c := range certs {
					roots.AddCert(c)
				}
			}
			var at time.Time
			if f.at != "" {
				var err error
				if at, err = time.Parse(time.RFC3339, f.at); err != nil {
					return fail(e, exitUsage, "xml verify: -time: %v", err)
				}
			}
			data, err := xmlReadInput(e, args[0])
			if err != nil {
				return fail(e, exitUsage, "xml verify: %v", err)
			}
			v, err := xmlsig.Verify(bytes.NewReader(data), &xmlsig.VerifyOptions{Roots: roots, CurrentTime: at})
			if err != nil {
				var se *xmlsig.SignatureError
				if errors.As(err, &se) {
					fmt.Fprintf(e.stdout, "%s: signature INVALID: %v\n", args[0], se.Err)
					return exitNo
				}
				return fail(e, exitUsage, "xml verify: %s: %v", args[0], err)
			}
			number := "(not an SPS certificate)"
			doc, derr := v.Decode(nil)
			if derr == nil {
				number = doc.Certificate.Number
			}
			fmt.Fprintf(e.stdout, "%s: signature valid (%s), signed by %s, certificate %s\n", args[0], xmlMethodName(v.Method), nameString(v.Signer.Subject), number)
			if f.out != "" {
				if derr != nil {
					return fail(e, exitUsage, "xml verify: %v", derr)
				}
				if err := xmlWriteOut(e, f.out, doc.Certificate.Encode); err != nil {
					return fail(e, exitUsage, "xml verify: %v", err)
				}
			}
			return exitOK
		},
	})
}

func xmlMethodName(uri string) string {
	if i := strings.LastIndexByte(uri, '#'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// readInput reads a file ("-" for standard input), at most 64 MiB.
func xmlReadInput(e *env, path string) ([]byte, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, cefact.DefaultMaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > cefact.DefaultMaxBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, cefact.DefaultMaxBytes)
	}
	return data, nil
}

// writeOut writes to standard output ("-") or atomically to a file.
func xmlWriteOut(e *env, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(e.stdout)
	}
	return writeFileAtomic(path, write)
}

func xmlReportUnmapped(e *env, op string, us []cefact.Unmapped, quiet bool) {
	if len(us) == 0 {
		return
	}
	fmt.Fprintf(e.stderr, "ecert: %s: %d leaves have no field in the model; kept in extensions\n", op, len(us))
	if quiet {
		return
	}
	for _, u := range us {
		v := u.Value
		if r := []rune(v); len(r) > 60 {
			v = string(r[:57]) + "..."
		}
		fmt.Fprintf(e.stderr, "  %s = %q\n", u.XPath, v)
	}
}
