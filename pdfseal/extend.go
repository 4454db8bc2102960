package pdfseal

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
)

// ExtendOptions configure Extend.
type ExtendOptions struct {
	// Level is the level to reach: LevelBT, LevelBLT or LevelBLTA.
	Level Level
	// TSA makes the document time-stamps (B-T from B-B, and B-LTA).
	TSA *TSA
	// Revocation configures fetching OCSP responses and CRLs (B-LT).
	Revocation Revocation
	// Logger receives debug logs; nil logs nothing.
	Logger *slog.Logger
}

// ExtendResult says what Extend did.
type ExtendResult struct {
	From, To   Level
	BytesAdded int64
}

// ErrNoSignature: the PDF holds no signature to extend.
var ErrNoSignature = errors.New("the PDF has no signature")

// Extend raises the PAdES level of a signed PDF by appending incremental
// updates, leaving every signature valid: from B-B to B-T with a document
// time-stamp (EN 319 142-1 allows it in place of a signature time-stamp),
// to B-LT with a DSS holding the certificates, OCSP responses and CRLs of
// every signature and time-stamp, and to B-LTA with a document time-stamp
// over the DSS.
//
// A PDF already at the level is copied unchanged. Like Seal, Extend
// reads in without loading it and writes nothing to out on error.
func Extend(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, opts ExtendOptions) (*ExtendResult, error) {
	res, err := extend(ctx, in, size, out, opts)
	if err != nil {
		return nil, fmt.Errorf("pdfseal: extend: %w", err)
	}
	return res, nil
}

// pdfSig is a signature found in the document.
type pdfSig struct {
	docTS    bool
	contents []byte
	end      int64 // end of the byte range
	sd       *validate.SignedData
}

func extend(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, opts ExtendOptions) (*ExtendResult, error) {
	if opts.Level < LevelBT || opts.Level > LevelBLTA {
		return nil, fmt.Errorf("%w: extend to B-T, B-LT or B-LTA, not %v", ErrOptions, opts.Level)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(discardHandler{})
	}
	d := &doc{in: in, size: size}
	r, err := d.open()
	if err != nil {
		return nil, err
	}
	sigs, err := findSignatures(r)
	if err != nil {
		return nil, err
	}
	cur := currentLevel(r, sigs)
	if cur < 0 {
		return nil, ErrNoSignature
	}
	res := &ExtendResult{From: cur, To: cur}
	needTSA := cur < LevelBT || opts.Level == LevelBLTA
	if needTSA && cur < opts.Level && (opts.TSA == nil || opts.TSA.URL == "") {
		return nil, fmt.Errorf("%w: reaching %v from %v needs a TSA URL", ErrOptions, opts.Level, cur)
	}
	if cur >= opts.Level {
		if err := d.writeTo(ctx, out); err != nil {
			return nil, err
		}
		return res, nil
	}
	level := cur
	if level < LevelBT {
		if err := addDocTimestamp(ctx, d, opts.TSA, nil, 0); err != nil {
			return nil, err
		}
		level = LevelBT
		if r, err = d.open(); err != nil {
			return nil, err
		}
		if sigs, err = findSignatures(r); err != nil {
			return nil, err
		}
	}
	if opts.Level >= LevelBLT {
		var rev revData
		rf := newRevFetcher(opts.Revocation, log)
		var pool []*x509.Certificate
		for _, s := range sigs {
			pool = append(pool, s.sd.Certs...)
			for _, tok := range s.sd.TimestampTokens() {
				if tsd, err := validate.ParseSignedData(tok); err == nil {
					pool = append(pool, tsd.Certs...)
				}
			}
		}
		for _, s := range sigs {
			entry := vriEntry{contents: s.contents}
			var rv revData
			certs := append([]*x509.Certificate(nil), s.sd.Certs...)
			for _, tok := range s.sd.TimestampTokens() {
				if tsd, err := validate.ParseSignedData(tok); err == nil {
					certs = append(certs, tsd.Certs...)
				}
			}
			if err := rf.collect(ctx, certs, pool, &rv); err != nil {
				return nil, err
			}
			entry.certs, entry.ocsps, entry.crls = rv.certs, rv.ocsps, rv.crls
			rev.addCerts(rv.certs...)
			for _, o := range rv.ocsps {
				if rev.add(o) {
					rev.ocsps = append(rev.ocsps, o)
				}
			}
			for _, c := range rv.crls {
				if rev.add(c) {
					rev.crls = append(rev.crls, c)
				}
			}
			rev.vri = append(rev.vri, entry)
		}
		if err := addDSS(d, &rev); err != nil {
			return nil, err
		}
		level = LevelBLT
	}
	if opts.Level == LevelBLTA {
		if err := addDocTimestamp(ctx, d, opts.TSA, nil, 0); err != nil {
			return nil, err
		}
		level = LevelBLTA
	}
	res.To = level
	res.BytesAdded = d.appended()
	if err := d.writeTo(ctx, out); err != nil {
		return nil, err
	}
	return res, nil
}

// findSignatures lists the signed signature fields (fields and their
// kids, bounded).
func findSignatures(r *pdf.Reader) ([]pdfSig, error) {
	cat, _, err := r.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	af, _ := r.Dict(cat["AcroForm"])
	if af == nil {
		return nil, nil
	}
	fo, _ := r.Resolve(af["Fields"])
	queue, _ := fo.(pdf.Array)
	var out []pdfSig
	seen := map[pdf.Ref]bool{}
	for n := 0; len(queue) > 0 && n < 100000; n++ {
		f := queue[0]
		queue = queue[1:]
		if ref, ok := f.(pdf.Ref); ok {
			if seen[ref] {
				continue
			}
			seen[ref] = true
		}
		fd, err := r.Dict(f)
		if err != nil || fd == nil {
			continue
		}
		if kids, _ := r.Resolve(fd["Kids"]); kids != nil {
			if ka, ok := kids.(pdf.Array); ok {
				queue = append(queue, ka...)
			}
		}
		if fd.Name("FT") != "Sig" {
			continue
		}
		v, _ := r.Dict(fd["V"])
		if v == nil {
			continue
		}
		contents, _ := v["Contents"].(pdf.String)
		br, _ := v["ByteRange"].(pdf.Array)
		if len(contents) == 0 || len(br) != 4 {
			continue
		}
		a, _ := br[2].(pdf.Int)
		b, _ := br[3].(pdf.Int)
		sd, err := validate.ParseSignedData(contents)
		if err != nil {
			continue
		}
		out = append(out, pdfSig{
			docTS:    v.Name("Type") == "DocTimeStamp" || v.Name("SubFilter") == "ETSI.RFC3161",
			contents: []byte(contents), end: int64(a + b), sd: sd,
		})
	}
	return out, nil
}

// currentLevel works out the level of the newest signature (-1 when
// there is none).
func currentLevel(r *pdf.Reader, sigs []pdfSig) Level {
	var last *pdfSig
	for i := range sigs {
		if !sigs[i].docTS && (last == nil || sigs[i].end > last.end) {
			last = &sigs[i]
		}
	}
	if last == nil {
		return -1
	}
	level := LevelBB
	if len(last.sd.TimestampTokens()) > 0 {
		level = LevelBT
	}
	for i := range sigs {
		if sigs[i].docTS && sigs[i].end > last.end {
			level = LevelBT
		}
	}
	if level < LevelBT {
		return level
	}
	cat, _, err := r.Catalog()
	if err != nil || cat["DSS"] == nil {
		return level
	}
	level = LevelBLT
	// Where was the DSS last written?
	dssEnd := int64(-1)
	if ref, ok := cat["DSS"].(pdf.Ref); ok {
		if i := r.ObjectRevision(ref.Num); i >= 0 {
			dssEnd = r.Revisions()[i].End
		}
	}
	for i := range sigs {
		if sigs[i].docTS && dssEnd > 0 && sigs[i].end > dssEnd && sigs[i].end > last.end {
			return LevelBLTA
		}
	}
	return level
}
