package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
)

type renderFlags struct {
	out, layout, sealImage, xml string
	fonts                       stringList
	noSeal                      bool
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func init() {
	register(&command{
		name: "render",
		args: "FILE.json",
		summary: "Render a certificate as a PDF (bilingual, annex, QR code, seal, embedded JSON).\n" +
			"An invalid certificate prints its problems and exits 1.",
		flags: func(fs *flag.FlagSet) any {
			f := &renderFlags{}
			fs.StringVar(&f.out, "o", "", "output PDF file (required; - for standard output)")
			fs.StringVar(&f.layout, "layout", "", "layout: "+strings.Join(pdfseal.LayoutNames(), ", ")+" (default: by scheme)")
			fs.Var(&f.fonts, "font", "TrueType font file (.ttf, .ttc, FILE#N for face N), tried in order; repeatable (default: WenQuanYi Zen Hei)")
			fs.StringVar(&f.sealImage, "seal-image", "", "PNG or JPEG seal image instead of the drawn seal")
			fs.BoolVar(&f.noSeal, "no-seal", false, "leave the seal off (e.g. when the signature will show it)")
			fs.StringVar(&f.xml, "xml", "", "UN/CEFACT SPS XML file to embed as an associated file")
			return f
		},
		run: runRender,
	})
}

func runRender(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*renderFlags)
	if len(args) != 1 || f.out == "" {
		return fail(e, exitUsage, "render: want one FILE.json and -o OUT.pdf")
	}
	c, err := readCert(e, args[0])
	if err != nil {
		return fail(e, exitUsage, "render: %s: %v", args[0], err)
	}
	var opts pdfseal.RenderOptions
	if f.layout != "" {
		if opts.Layout, err = pdfseal.LayoutByName(f.layout); err != nil {
			return fail(e, exitUsage, "render: %v", err)
		}
	}
	for _, p := range f.fonts {
		font, err := pdfseal.LoadFont(p)
		if err != nil {
			return fail(e, exitUsage, "render: %v", err)
		}
		opts.Fonts = append(opts.Fonts, font)
	}
	if f.sealImage != "" {
		fh, err := os.Open(f.sealImage)
		if err != nil {
			return fail(e, exitUsage, "render: %v", err)
		}
		opts.Seal, err = pdfseal.ImageAppearance(fh)
		fh.Close()
		if err != nil {
			return fail(e, exitUsage, "render: %s: %v", f.sealImage, err)
		}
	}
	opts.NoSeal = f.noSeal
	if f.xml != "" {
		x, err := os.ReadFile(f.xml)
		if err != nil {
			return fail(e, exitUsage, "render: %v", err)
		}
		opts.Attachments = append(opts.Attachments, pdfseal.XMLAttachment(x))
	}
	render := func(w io.Writer) error { return pdfseal.Render(ctx, c, w, opts) }
	if f.out == "-" {
		err = render(e.stdout)
	} else {
		err = writeFileAtomic(f.out, render)
	}
	if err != nil {
		var ve *ecert.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				fmt.Fprintln(e.stderr, p)
			}
			return fail(e, exitNo, "render: %s: the certificate is invalid", args[0])
		}
		return fail(e, exitUsage, "render: %v", err)
	}
	if f.out != "-" {
		fmt.Fprintf(e.stdout, "%s: certificate %s rendered\n", f.out, c.Number)
	}
	return exitOK
}
