package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/signer"
)

type issueFlags struct {
	sealFlags
	invisible bool
}

func init() {
	register(&command{
		name: "issue",
		args: "FILE.json",
		summary: "Render a certificate and seal it in one step: by default a certification signature\n" +
			"(DocMDP P=1, no changes allowed) whose visible appearance is the issuing body's round\n" +
			"seal, where the layout puts it on page 1. An invalid certificate prints its problems\n" +
			"and exits 1; nothing is written unless the sealed PDF is complete.",
		flags: func(fs *flag.FlagSet) any {
			f := &issueFlags{}
			f.define(fs, pdfseal.CertifyNoChanges)
			fs.BoolVar(&f.invisible, "invisible", false, "invisible signature; the rendered certificate keeps its printed seal")
			return f
		},
		run: runIssue,
	})
}

func runIssue(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*issueFlags)
	if len(args) != 1 || f.out == "" {
		return fail(e, exitUsage, "issue: want one FILE.json and -o OUT.pdf")
	}
	c, err := readCert(e, args[0])
	if err != nil {
		return fail(e, exitUsage, "issue: %s: %v", args[0], err)
	}
	var vis *pdfseal.Visible
	if !f.invisible {
		x, y, w, h := pdfseal.SealRect()
		vis = &pdfseal.Visible{Page: 1, X: x, Y: y, W: w, H: h}
		f.noLabel = true // the seal is the certificate's seal: no text under it
	}
	opts, err := f.options(vis)
	if err != nil {
		return fail(e, exitUsage, "issue: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if vis != nil && vis.Appearance == nil {
		if vis.Appearance, err = pdfseal.SealAppearance(c.IssuingBody, pdfseal.SealArtOptions{}); err != nil {
			return fail(e, exitUsage, "issue: seal artwork: %v", err)
		}
	}
	s, err := f.openSigner(ctx, e)
	if err != nil {
		return fail(e, exitUsage, "issue: %v", err)
	}
	defer signer.Close(s)

	var doc bytes.Buffer
	if err := pdfseal.Render(ctx, c, &doc, pdfseal.RenderOptions{NoSeal: vis != nil}); err != nil {
		var ve *ecert.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				fmt.Fprintln(e.stderr, p)
			}
			return fail(e, exitNo, "issue: %s: the certificate is invalid", args[0])
		}
		return fail(e, exitUsage, "issue: %v", err)
	}
	var res *pdfseal.SealResult
	err = writeOut(e, f.out, func(w io.Writer) error {
		var err error
		res, err = pdfseal.Seal(ctx, bytes.NewReader(doc.Bytes()), int64(doc.Len()), w, s, opts)
		return err
	})
	if err != nil {
		return fail(e, sealExit(err), "issue: %v", err)
	}
	reportSeal(e, f.out, res)
	if f.out != "-" {
		fmt.Fprintf(e.stdout, "%s: certificate %s issued\n", f.out, c.Number)
	}
	return exitOK
}
