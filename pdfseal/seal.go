package pdfseal

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal/internal/cms"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/signer"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1).
type Level int

const (
	// LevelBB is PAdES B-B: the signature alone.
	LevelBB Level = iota
	// LevelBT adds an RFC 3161 signature time-stamp (B-T).
	LevelBT
	// LevelBLT adds a DSS with the certificates and revocation data (B-LT).
	LevelBLT
	// LevelBLTA adds a document time-stamp over everything (B-LTA).
	LevelBLTA
)

func (l Level) String() string {
	switch l {
	case LevelBB:
		return "B-B"
	case LevelBT:
		return "B-T"
	case LevelBLT:
		return "B-LT"
	case LevelBLTA:
		return "B-LTA"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses "B-B", "B-T", "B-LT" or "B-LTA" (case-insensitive,
// the "B-" optional).
func ParseLevel(s string) (Level, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimPrefix(u, "PADES-")
	u = strings.TrimPrefix(u, "B-")
	switch u {
	case "B", "":
		return LevelBB, nil
	case "T":
		return LevelBT, nil
	case "LT":
		return LevelBLT, nil
	case "LTA":
		return LevelBLTA, nil
	}
	return 0, fmt.Errorf("pdfseal: unknown level %q (want B-B, B-T, B-LT or B-LTA)", s)
}

// Format is the signature's /SubFilter.
type Format int

const (
	// FormatPAdES is ETSI.CAdES.detached (the default).
	FormatPAdES Format = iota
	// FormatPKCS7 is adbe.pkcs7.detached, for old readers.
	FormatPKCS7
)

// DocMDP permissions of a certification signature (/P).
const (
	CertifyNoChanges   = 1 // no changes allowed (certificates use this)
	CertifyFormFilling = 2 // form filling and further signatures
	CertifyAnnotations = 3 // also annotations
)

// TSA names an RFC 3161 time-stamping authority.
type TSA struct {
	URL string
	// HTTPClient is http.DefaultClient when nil.
	HTTPClient *http.Client
	// Username and Password, when set, go in HTTP basic auth.
	Username, Password string
	// Timeout bounds each request (30s when zero); the context's deadline
	// applies too.
	Timeout time.Duration
}

// Revocation configures how OCSP responses and CRLs are fetched for B-LT.
type Revocation struct {
	// HTTPClient is http.DefaultClient when nil.
	HTTPClient *http.Client
	// Timeout bounds each request (30s when zero).
	Timeout time.Duration
	// PreferCRL fetches CRLs even when an OCSP responder is named.
	PreferCRL bool
}

// Visible places the seal on a page. Coordinates are PDF points in the
// page's default user space (origin bottom left).
type Visible struct {
	Page       int // 1-based page number; 0 means the first page
	X, Y, W, H float64
	// Appearance is the artwork (SealAppearance, ImageAppearance); it is
	// scaled to fit the box, keeping its aspect ratio, above the text
	// lines. Nil draws the text lines only.
	Appearance *Appearance
	// Lines are text lines drawn under the artwork in Helvetica (Latin-1;
	// other characters become "?").
	Lines []string
	// ShowSigner adds "Sealed by <signer>" and ShowTime the signing time
	// as text lines.
	ShowSigner, ShowTime bool
}

// SealOptions configure Seal. The zero value makes an invisible PAdES
// B-B approval signature with SHA-256.
type SealOptions struct {
	Level  Level
	Format Format
	// TSA is needed for B-T and above.
	TSA *TSA
	// Revocation configures fetching for B-LT and B-LTA.
	Revocation Revocation
	// Certify, when 1, 2 or 3, makes a certification signature with that
	// DocMDP permission; 0 makes an approval signature.
	Certify int
	// Visible, when set, makes a visible seal; nil an invisible one.
	Visible *Visible
	// FieldName is the signature field's name; "Seal1", "Seal2"... when
	// empty.
	FieldName string
	// Name, Reason, Location and ContactInfo go in the signature dictionary.
	Name, Reason, Location, ContactInfo string
	// Time is the signing time written in /M (time.Now when zero). PAdES
	// keeps it out of the signed attributes.
	Time time.Time
	// Hash is the digest algorithm (SHA-256 by default; SHA-384 for P-384
	// keys; Ed25519 always SHA-512).
	Hash crypto.Hash
	// PSS signs RSA keys with RSASSA-PSS.
	PSS bool
	// Fallback lets Seal produce a lower level when the TSA or a
	// revocation service fails, instead of failing; SealResult says what
	// was made and why.
	Fallback bool
	// Reserve adds bytes to the space reserved for /Contents.
	Reserve int
	// Logger receives debug logs; nil logs nothing.
	Logger *slog.Logger
}

// SealResult says what Seal made.
type SealResult struct {
	Level      Level    // the level reached (lower than asked only with Fallback)
	Warnings   []string // why a lower level was made, or other notes
	BytesAdded int64    // size of the incremental updates
	FieldName  string
	// SignatureTime is the signature time-stamp's time (B-T and above),
	// else the /M time.
	SignatureTime time.Time
}

// Errors callers branch on with errors.Is.
var (
	// ErrInvalidPDF: the input is not a PDF this package can update
	// (broken cross-reference data, no catalog...). The error wraps the
	// reader's *pdf.Error describing where.
	ErrInvalidPDF = errors.New("invalid PDF")
	// ErrEncrypted: the PDF is encrypted; decrypt it first.
	ErrEncrypted = errors.New("the PDF is encrypted (sealing encrypted PDFs is not supported; decrypt it first)")
	// ErrLocked: a certification signature forbids the change (DocMDP
	// P=1 forbids any signature; a document can be certified only once).
	ErrLocked = errors.New("the document's certification signature does not allow this change")
	// ErrContentsTooSmall: the signature did not fit the reserved space
	// even after re-reservation.
	ErrContentsTooSmall = errors.New("signature larger than the space reserved for it")
	// ErrOptions: inconsistent options.
	ErrOptions = errors.New("invalid options")
	// ErrRevoked: a certificate of the chain is revoked.
	ErrRevoked = errors.New("certificate revoked")
)

// ServiceError is the failure of an outside service: "TSA", "OCSP" or
// "CRL", with its URL.
type ServiceError struct {
	Service string
	URL     string
	Err     error
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Service, e.URL, e.Err)
}

func (e *ServiceError) Unwrap() error { return e.Err }

// SignerError is the failure of the Signer (the key's back end).
type SignerError struct{ Err error }

func (e *SignerError) Error() string { return "signer: " + e.Err.Error() }
func (e *SignerError) Unwrap() error { return e.Err }

// Seal signs the PDF in (size bytes) with s and writes the signed PDF to
// out: the original bytes unchanged, then one incremental update with the
// signature (and, for B-LT and B-LTA, one with the DSS and one with the
// document time-stamp), so that earlier signatures stay valid.
//
// Seal reads in twice (to hash and to copy) and never holds it in memory;
// it holds only the appended updates. Nothing is written to out until the
// signature is complete: on error, out is untouched.
//
// Levels: B-T asks opts.TSA for a signature time-stamp (one probe request
// first, to size /Contents). B-LT fetches OCSP responses (or CRLs) for the
// signer's chain before signing, so a dead responder fails before the key
// is used, and for the TSA's chain afterwards; they go into a DSS in a
// revision after the signature's. B-LTA adds a document time-stamp after
// the DSS. Because the DSS follows the signature, tools that report
// whether a signature covers the whole file (pdfsig's "Total document
// signed", mutool's "unchanged since signing") say the seal covers its
// own revision at B-LT and B-LTA; that is how PAdES adds validation data.
//
// A failing TSA or responder gives a *ServiceError naming it; with
// opts.Fallback the seal is made at the highest level still possible and
// SealResult.Warnings says why. The context's deadline bounds everything,
// and TSA.Timeout and Revocation.Timeout each request.
func Seal(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, s signer.Signer, opts SealOptions) (*SealResult, error) {
	res, err := seal(ctx, in, size, out, s, opts)
	if err != nil {
		return nil, fmt.Errorf("pdfseal: seal: %w", err)
	}
	return res, nil
}

func seal(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, s signer.Signer, opts SealOptions) (*SealResult, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signer", ErrOptions)
	}
	chain := s.Chain()
	if len(chain) == 0 || chain[0] == nil {
		return nil, fmt.Errorf("%w: the signer has no certificate", ErrOptions)
	}
	if opts.Certify < 0 || opts.Certify > 3 {
		return nil, fmt.Errorf("%w: Certify must be 0, 1, 2 or 3, not %d", ErrOptions, opts.Certify)
	}
	if opts.Level < LevelBB || opts.Level > LevelBLTA {
		return nil, fmt.Errorf("%w: unknown level %v", ErrOptions, opts.Level)
	}
	if opts.Level >= LevelBT && (opts.TSA == nil || opts.TSA.URL == "") {
		return nil, fmt.Errorf("%w: level %v needs a TSA URL", ErrOptions, opts.Level)
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
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
	res := &SealResult{Level: opts.Level, SignatureTime: opts.Time}
	level := opts.Level
	downgrade := func(to Level, err error) error {
		if !opts.Fallback {
			return err
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("made %v instead of %v: %v", to, opts.Level, err))
		log.Warn("pdfseal: level lowered", "to", to.String(), "err", err)
		level = to
		return nil
	}

	// Revocation data of the signer's chain is fetched before signing, so
	// that a dead responder fails before the key is used.
	var rev revData
	rf := newRevFetcher(opts.Revocation, log)
	if level >= LevelBLT {
		if err := rf.collect(ctx, chain, nil, &rev); err != nil {
			if errors.Is(err, ErrRevoked) {
				return nil, err
			}
			if err := downgrade(LevelBT, err); err != nil {
				return nil, err
			}
		}
	}

	var tsa *cms.TSAClient
	tsEstimate := 0
	if level >= LevelBT {
		tsa = newTSAClient(opts.TSA)
		n, err := probeTSA(ctx, tsa, opts.TSA)
		if err != nil {
			if err := downgrade(LevelBB, err); err != nil {
				return nil, err
			}
		}
		tsEstimate = n
	}

	sp := sigParams{
		kind: sigApproval, opts: &opts, chain: chain, field: opts.FieldName,
	}
	if opts.Certify > 0 {
		sp.kind = sigCertification
	}
	var sigDER []byte
	var tsTok *cms.Timestamp
	sign := func(digest []byte, h crypto.Hash) ([]byte, error) {
		sig, err := cms.NewSignature(digest, chain, cms.Options{
			Hash: h, PSS: opts.PSS,
			SigningTime: func() time.Time {
				if opts.Format == FormatPKCS7 {
					return opts.Time
				}
				return time.Time{}
			}(),
		})
		if err != nil {
			return nil, err
		}
		if err := sig.Sign(ctx, s); err != nil {
			return nil, &SignerError{Err: err}
		}
		if level >= LevelBT {
			h := sig.Hash()
			hh := h.New()
			hh.Write(sig.Value())
			tok, err := stampWithTimeout(ctx, tsa, opts.TSA, hh.Sum(nil), h)
			if err != nil {
				if err := downgrade(LevelBB, err); err != nil {
					return nil, err
				}
			} else {
				sig.AddTimestamp(tok.Token)
				tsTok = tok
			}
		}
		der := sig.Bytes()
		sigDER = der
		return der, nil
	}
	sp.hash = cms.HashFor(chain[0].PublicKey, opts.Hash)
	sp.reserve = func() (int, error) {
		var st time.Time
		if opts.Format == FormatPKCS7 {
			st = opts.Time
		}
		d0, _ := cms.NewSignature(make([]byte, sp.hash.Size()), chain, cms.Options{Hash: sp.hash, PSS: opts.PSS, SigningTime: st})
		if d0 == nil {
			return 0, fmt.Errorf("%w: unsupported key %T", ErrOptions, chain[0].PublicKey)
		}
		n := d0.MaxSize() + opts.Reserve
		if level >= LevelBT {
			// The token as probed, its attribute wrapping, a margin for
			// serial/nonce/time lengths, and a longer message imprint
			// when the signature's hash is longer than the probe's.
			n += tsEstimate + 16 + 64 + max(0, sp.hash.Size()-32)
		}
		return n, nil
	}
	sp.sign = sign
	upd, err := addSignature(ctx, d, r, &sp)
	if err != nil {
		return nil, err
	}
	res.FieldName = upd.field
	if tsTok != nil {
		res.SignatureTime = tsTok.Time
	}

	if level >= LevelBLT {
		// The TSA's chain, from the token.
		if tsTok != nil {
			if err := rf.collect(ctx, tsTok.TS.Certificates, chain, &rev); err != nil {
				if errors.Is(err, ErrRevoked) {
					return nil, err
				}
				if err := downgrade(LevelBT, err); err != nil {
					return nil, err
				}
			}
		}
		if level >= LevelBLT {
			rev.addCerts(chain...)
			if tsTok != nil {
				rev.addCerts(tsTok.TS.Certificates...)
			}
			rev.vri = append(rev.vri, vriEntry{contents: upd.contents(sigDER), certs: rev.certs, ocsps: rev.ocsps, crls: rev.crls})
			if err := addDSS(d, &rev); err != nil {
				return nil, err
			}
		}
	}
	if level >= LevelBLTA {
		if err := addDocTimestamp(ctx, d, opts.TSA, tsa, len(tsTokenBytes(tsTok))); err != nil {
			if err := downgrade(LevelBLT, err); err != nil {
				return nil, err
			}
		}
	}
	res.Level = level
	res.BytesAdded = d.appended()
	if err := d.writeTo(ctx, out); err != nil {
		return nil, err
	}
	return res, nil
}

func tsTokenBytes(t *cms.Timestamp) []byte {
	if t == nil {
		return nil
	}
	return t.Token
}

func newTSAClient(t *TSA) *cms.TSAClient {
	return &cms.TSAClient{URL: t.URL, Client: t.HTTPClient, Username: t.Username, Password: t.Password}
}

func tsaTimeout(t *TSA) time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return 30 * time.Second
}

func stampWithTimeout(ctx context.Context, c *cms.TSAClient, t *TSA, digest []byte, h crypto.Hash) (*cms.Timestamp, error) {
	ctx, cancel := context.WithTimeout(ctx, tsaTimeout(t))
	defer cancel()
	tok, err := c.Stamp(ctx, digest, h)
	if err != nil {
		return nil, &ServiceError{Service: "TSA", URL: t.URL, Err: err}
	}
	return tok, nil
}

// probeTSA asks the TSA once for a token over a dummy digest, to learn the
// size of its tokens (they vary by a few bytes: serial, nonce, time).
func probeTSA(ctx context.Context, c *cms.TSAClient, t *TSA) (int, error) {
	d := crypto.SHA256.New()
	d.Write([]byte("ecertkit probe"))
	tok, err := stampWithTimeout(ctx, c, t, d.Sum(nil), crypto.SHA256)
	if err != nil {
		return 0, err
	}
	return len(tok.Token), nil
}

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (h discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h discardHandler) WithGroup(string) slog.Handler           { return h }

var _ = pdf.Int(0)
