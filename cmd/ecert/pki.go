package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

type pkiInitFlags struct {
	key     string
	ocspURL string
	crlURL  string
	force   bool
}

func init() {
	register(&command{
		name: "pki init",
		args: "DIR",
		summary: "Create a test PKI in DIR and print the file: URI of the seal key.\n\n" +
			"DIR receives root.pem (the trust anchor), ca.pem, seal-key.pem with\n" +
			"seal-chain.pem, seal.p12 with seal.p12.pw, the TSA (tsa-key.pem,\n" +
			"tsa-cert.pem, tsa-chain.pem) and OCSP responder (ocsp-key.pem,\n" +
			"ocsp-cert.pem) keys and certificates, and the CRL (crl.der, crl.pem).\n" +
			"For tests and demonstrations only: the keys are fixed test keys.",
		flags: func(fs *flag.FlagSet) any {
			f := &pkiInitFlags{}
			fs.StringVar(&f.key, "key", "rsa", "seal key algorithm: rsa (RSA-2048), p256, p384 or ed25519")
			fs.StringVar(&f.ocspURL, "ocsp-url", "", "OCSP responder URL to put in the certificates")
			fs.StringVar(&f.crlURL, "crl-url", "", "CRL distribution point URL to put in the certificates")
			fs.BoolVar(&f.force, "force", false, "overwrite an existing PKI in DIR")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*pkiInitFlags)
			if len(args) != 1 {
				return fail(e, exitUsage, "pki init: want one DIR")
			}
			kt, ok := map[string]testpki.KeyType{"rsa": testpki.RSA2048, "p256": testpki.ECDSAP256, "p384": testpki.ECDSAP384, "ed25519": testpki.Ed25519}[f.key]
			if !ok {
				return fail(e, exitUsage, "pki init: -key %q: want rsa, p256, p384 or ed25519", f.key)
			}
			dir := args[0]
			if _, err := os.Stat(filepath.Join(dir, testpki.FileSealKey)); err == nil && !f.force {
				return fail(e, exitUsage, "pki init: %s already holds a PKI (use -force to overwrite)", dir)
			}
			p, err := testpki.New(testpki.Options{SealKey: kt, OCSPURL: f.ocspURL, CRLURL: f.crlURL})
			if err != nil {
				return fail(e, exitNo, "pki init: %v", err)
			}
			if err := p.WriteFiles(dir); err != nil {
				return fail(e, exitUsage, "pki init: %v", err)
			}
			fmt.Fprintln(e.stdout, testpki.SealKeyURI(dir))
			fmt.Fprintf(e.stderr, "ecert: pki init: test PKI written to %s (trust anchor %s)\n", dir, testpki.FileRoot)
			fmt.Fprintf(e.stderr, "ecert: pki init: PKCS#12: %s\n", testpki.SealP12URI(dir))
			return exitOK
		},
	})
}
