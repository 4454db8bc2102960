package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/signers"
)

// sealFlags are the signing flags shared by "seal" and "issue".
type sealFlags struct {
	out, signerURI, level, tsa, visible, image, format string
	reason, location, contact, field                   string
	certify                                            int
	pss, fallback, noLabel, allowUnfit                 bool
	timeout                                            time.Duration
}

func (f *sealFlags) define(fs *flag.FlagSet, defaultCertify int) {
	fs.StringVar(&f.out, "o", "", "output PDF file (required; - for standard output)")
	fs.StringVar(&f.signerURI, "signer", "", "signing key URI (required): file:/abs/key.pem?chain=/abs/chain.pem, file:/abs/seal.p12?password-file=..., pkcs11:..., awskms:...")
	fs.StringVar(&f.level, "level", "B-B", "PAdES level: B-B, B-T, B-LT or B-LTA (B-T and above need -tsa)")
	fs.StringVar(&f.tsa, "tsa", "", "RFC 3161 time-stamping authority URL")
	fs.IntVar(&f.certify, "certify", defaultCertify, "certification signature with DocMDP permission 1 (no changes), 2 (forms, signatures) or 3 (also annotations); 0 for an approval signature")
	fs.StringVar(&f.image, "image", "", "PNG or JPEG seal image for the visible signature")
	fs.StringVar(&f.format, "format", "pades", "signature format: pades (ETSI.CAdES.detached) or pkcs7 (adbe.pkcs7.detached)")
	fs.StringVar(&f.reason, "reason", "", "reason written in the signature")
	fs.StringVar(&f.location, "location", "", "location written in the signature")
	fs.StringVar(&f.contact, "contact", "", "contact information written in the signature")
	fs.StringVar(&f.field, "field", "", "signature field name (default Seal1, Seal2, ...)")
	fs.BoolVar(&f.pss, "pss", false, "sign RSA keys with RSASSA-PSS")
	fs.BoolVar(&f.fallback, "fallback", false, "make a lower level when the TSA or a revocation service fails, instead of failing")
	fs.BoolVar(&f.noLabel, "no-label", false, "visible seal without the signer and time text lines")
	fs.BoolVar(&f.allowUnfit, "allow-unfit", false, "seal even with a certificate outside its validity or without digitalSignature/nonRepudiation (warns)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up after this long (signer, TSA, OCSP and CRL requests included)")
}

// options turns the flags into SealOptions; vis is the visible box, if any.
func (f *sealFlags) options(vis *pdfseal.Visible) (pdfseal.SealOptions, error) {
	var o pdfseal.SealOptions
	lvl, err := pdfseal.ParseLevel(f.level)
	if err != nil {
		return o, err
	}
	o.Level = lvl
	if f.tsa != "" {
		o.TSA = &pdfseal.TSA{URL: f.tsa}
	}
	if lvl >= pdfseal.LevelBT && f.tsa == "" {
		return o, fmt.Errorf("-level %v needs -tsa URL", lvl)
	}
	if f.certify < 0 || f.certify > 3 {
		return o, fmt.Errorf("-certify %d: want 0, 1, 2 or 3", f.certify)
	}
	o.Certify = f.certify
	switch strings.ToLower(f.format) {
	case "pades", "":
	case "pkcs7":
		o.Format = pdfseal.FormatPKCS7
	default:
		return o, fmt.Errorf("-format %q: want pades or pkcs7", f.format)
	}
	o.Reason, o.Location, o.ContactInfo, o.FieldName = f.reason, f.location, f.contact, f.field
	o.PSS, o.Fallback = f.pss, f.fallback
	o.Visible = vis
	if vis != nil && !f.noLabel {
		vis.ShowSigner, vis.ShowTime = true, true
	}
	if f.image != "" && vis != nil {
		fh, err := os.Open(f.image)
		if err != nil {
			return o, err
		}
		defer fh.Close()
		if vis.Appearance, err = pdfseal.ImageAppearance(fh); err != nil {
			return o, fmt.Errorf("%s: %w", f.image, err)
		}
	}
	return o, nil
}

// openSigner opens -signer with the environment of the CLI.
func (f *sealFlags) openSigner(ctx context.Context, e *env) (signer.Signer, error) {
	if f.signerURI == "" {
		return nil, errors.New("-signer URI is required")
	}
	opts := &signer.Options{LookupEnv: func(name string) (string, bool) {
		v := e.getenv(name)
		return v, v != ""
	}}
	if f.allowUnfit {
		opts.CertPolicy = signer.CertReport
		opts.Report = func(err error) { fmt.Fprintf(e.stderr, "ecert: warning: %v\n", err) }
	}
	return signers.Open(ctx, f.signerURI, opts)
}

// parseVisible parses PAGE,X,Y,W,H.
func parseVisible(s string) (*pdfseal.Visible, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 5 {
		return nil, fmt.Errorf("-visible %q: want PAGE,X,Y,W,H (points from the bottom left)", s)
	}
	page, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || page < 1 {
		return nil, fmt.Errorf("-visible %q: bad page number", s)
	}
	var v [4]float64
	for i := range v {
		if v[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i+1]), 64); err != nil {
			return nil, fmt.Errorf("-visible %q: %v", s, err)
		}
	}
	if v[2] <= 0 || v[3] <= 0 {
		return nil, fmt.Errorf("-visible %q: width and height must be positive", s)
	}
	return &pdfseal.Visible{Page: page, X: v[0], Y: v[1], W: v[2], H: v[3]}, nil
}

// report prints what was made.
func reportSeal(e *env, out string, res *pdfseal.SealResult) {
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "ecert: warning: %s\n", w)
	}
	if out != "-" {
		fmt.Fprintf(e.stdout, "%s: sealed (%s, field %s, %d bytes added)\n", out, res.Level, res.FieldName, res.BytesAdded)
	}
}

// writeOut writes through a temporary file and a rename (or to stdout).
func writeOut(e *env, path string, write func(w io.Writer) error) error {
	if path == "-" {
		return write(e.stdout)
	}
	return writeFileAtomic(path, write)
}

type sealCmdFlags struct {
	sealFlags
}

type extendFlags struct {
	out, level, tsa string
	timeout         time.Duration
}

func init() {
	register(&command{
		name: "seal",
		args: "IN.pdf",
		summary: "Seal a PDF: add a PAdES signature as an incremental update (earlier signatures stay valid).\n\n" +
			"-visible PAGE,X,Y,W,H places a visible seal (the -image, or the signer's name and the time);\n" +
			"without it the signature is invisible. B-LT and B-LTA append the DSS and the document\n" +
			"time-stamp in revisions after the signature (pdfsig then reports the seal as not covering\n" +
			"the whole document, and mutool as edited since signing: that is how PAdES LTV works).",
		flags: func(fs *flag.FlagSet) any {
			f := &sealCmdFlags{}
			f.define(fs, 0)
			fs.StringVar(&f.visible, "visible", "", "visible seal box PAGE,X,Y,W,H in points (origin bottom left)")
			return f
		},
		run: runSeal,
	})
	register(&command{
		name: "extend",
		args: "IN.pdf",
		summary: "Raise a signed PDF's PAdES level: B-T (document time-stamp), B-LT (DSS with\n" +
			"certificates, OCSP responses, CRLs) or B-LTA (document time-stamp over the DSS).",
		flags: func(fs *flag.FlagSet) any {
			f := &extendFlags{}
			fs.StringVar(&f.out, "o", "", "output PDF file (required; - for standard output)")
			fs.StringVar(&f.level, "level", "B-LTA", "level to reach: B-T, B-LT or B-LTA")
			fs.StringVar(&f.tsa, "tsa", "", "RFC 3161 time-stamping authority URL (for B-T and B-LTA)")
			fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up after this long")
			return f
		},
		run: runExtend,
	})
}

func runSeal(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*sealCmdFlags)
	if len(args) != 1 || f.out == "" {
		return fail(e, exitUsage, "seal: want one IN.pdf and -o OUT.pdf")
	}
	var vis *pdfseal.Visible
	if f.visible != "" {
		v, err := parseVisible(f.visible)
		if err != nil {
			return fail(e, exitUsage, "seal: %v", err)
		}
		vis = v
	} else if f.image != "" {
		return fail(e, exitUsage, "seal: -image needs -visible")
	}
	opts, err := f.options(vis)
	if err != nil {
		return fail(e, exitUsage, "seal: %v", err)
	}
	in, err := os.Open(args[0])
	if err != nil {
		return fail(e, exitUsage, "seal: %v", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fail(e, exitUsage, "seal: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	s, err := f.openSigner(ctx, e)
	if err != nil {
		return fail(e, exitUsage, "seal: %v", err)
	}
	defer signer.Close(s)
	if vis != nil && vis.Appearance == nil {
		// The round seal of the signer's organisation, when a font is there.
		leaf := s.Chain()[0]
		name := leaf.Subject.CommonName
		if len(leaf.Subject.Organization) > 0 {
			name = leaf.Subject.Organization[0]
		}
		if a, err := pdfseal.SealAppearance(ecert.Body{Name: ecert.Text{"en": name}}, pdfseal.SealArtOptions{}); err == nil {
			vis.Appearance = a
		}
	}
	var res *pdfseal.SealResult
	err = writeOut(e, f.out, func(w io.Writer) error {
		var err error
		res, err = pdfseal.Seal(ctx, in, st.Size(), w, s, opts)
		return err
	})
	if err != nil {
		return fail(e, sealExit(err), "%v", err)
	}
	reportSeal(e, f.out, res)
	return exitOK
}

// sealExit maps errors to exit codes: bad input and options are usage
// errors; failures of the signer or a service say "no".
func sealExit(err error) int {
	switch {
	case errors.Is(err, pdfseal.ErrInvalidPDF), errors.Is(err, pdfseal.ErrEncrypted), errors.Is(err, pdfseal.ErrOptions):
		return exitUsage
	}
	return exitNo
}

func runExtend(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*extendFlags)
	if len(args) != 1 || f.out == "" {
		return fail(e, exitUsage, "extend: want one IN.pdf and -o OUT.pdf")
	}
	lvl, err := pdfseal.ParseLevel(f.level)
	if err != nil {
		return fail(e, exitUsage, "extend: %v", err)
	}
	opts := pdfseal.ExtendOptions{Level: lvl}
	if f.tsa != "" {
		opts.TSA = &pdfseal.TSA{URL: f.tsa}
	}
	in, err := os.Open(args[0])
	if err != nil {
		return fail(e, exitUsage, "extend: %v", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fail(e, exitUsage, "extend: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	var res *pdfseal.ExtendResult
	err = writeOut(e, f.out, func(w io.Writer) error {
		var err error
		res, err = pdfseal.Extend(ctx, in, st.Size(), w, opts)
		return err
	})
	if err != nil {
		if errors.Is(err, pdfseal.ErrNoSignature) {
			return fail(e, exitUsage, "%v", err)
		}
		return fail(e, sealExit(err), "%v", err)
	}
	if f.out != "-" {
		fmt.Fprintf(e.stdout, "%s: %s -> %s (%d bytes added)\n", f.out, res.From, res.To, res.BytesAdded)
	}
	return exitOK
}
