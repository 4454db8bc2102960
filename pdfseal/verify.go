package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
)

// RevocationPolicy says where Verify looks for revocation data.
type RevocationPolicy int

const (
	// RevocationEmbedded (the zero value) uses only the data in the file:
	// the DSS and the CMS. A certificate without embedded data is
	// reported "unknown" without changing the verdict.
	RevocationEmbedded RevocationPolicy = iota
	// RevocationOnline also asks the OCSP responders and CRL distribution
	// points the certificates name, within OnlineTimeout; when none
	// answers, the verdict is INDETERMINATE / TRY_LATER.
	RevocationOnline
	// RevocationNone skips revocation checking.
	RevocationNone
)

// Algorithms says which algorithms Verify accepts. The zero value accepts
// SHA-256, SHA-384 and SHA-512 with RSA keys of at least 2048 bits, ECDSA
// and Ed25519.
type Algorithms struct {
	Hashes     []crypto.Hash
	MinRSABits int
}

// VerifyOptions configure Verify. The zero value validates now, with no
// trust roots (every signer is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND)
// and embedded revocation data only.
type VerifyOptions struct {
	// Roots are the trust anchors.
	Roots *x509.CertPool
	// RootFiles are PEM files of further trust anchors, read by Verify.
	RootFiles []string
	// Time is the validation time; zero means now.
	Time time.Time
	// Revocation is the revocation policy.
	Revocation RevocationPolicy
	// OnlineTimeout bounds each OCSP or CRL request (default 10 s).
	OnlineTimeout time.Duration
	// HTTPClient is used for online revocation requests (default: a new
	// client with OnlineTimeout).
	HTTPClient *http.Client
	// Algorithms are the accepted algorithms.
	Algorithms Algorithms
	// Timeout bounds the whole validation (default 10 s); past it the
	// verdict is INDETERMINATE / TRY_LATER. The context may end it sooner.
	Timeout time.Duration
	// MaxContents bounds the size of one signature's /Contents (default
	// 4 MiB); a larger claim is a FORMAT_FAILURE, never an allocation.
	MaxContents int64
	// MaxRevisions bounds the revisions diffed (default 256).
	MaxRevisions int
	// SkipCertificate leaves Report.Certificate nil: the embedded
	// certificate is neither decoded nor digested, which saves about a
	// third of the time of a B-B verification for callers that do not
	// compare contents with a registry.
	SkipCertificate bool
	// Logger, when set, receives debug records of the validation.
	Logger *slog.Logger
}

// ErrUnreadable is returned (wrapped) by Verify when the input cannot be
// read at all: an I/O error, or bytes that are not a PDF.
var ErrUnreadable = errors.New("pdfseal: verify: unreadable input")

// LoadRoots reads PEM certificates from files into a pool.
func LoadRoots(files ...string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("pdfseal: load roots: %w", err)
		}
		if err := addPEM(pool, b); err != nil {
			return nil, fmt.Errorf("pdfseal: load roots: %s: %w", f, err)
		}
	}
	return pool, nil
}

func addPEM(pool *x509.CertPool, b []byte) error {
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return err
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return errors.New("no PEM certificate found")
	}
	return nil
}

// Limits of the PDF reader for verification: tighter than the reader's
// defaults, ample for real documents.
var verifyLimits = pdf.Limits{
	MaxDepth:      256,
	MaxObjects:    2_000_000,
	MaxElements:   500_000,
	MaxStreamSize: 64 << 20,
	MaxXrefChain:  1024,
	MaxString:     4<<20 + 1024,
}

// Verify validates every signature and document timestamp of the PDF in r
// (size bytes) and explains the verdict. It returns an error only when the
// input cannot be read at all (ErrUnreadable); a broken signature, a
// malformed file or an attack is a finding in the Report.
//
// Checks, per signature: the byte range (starts at 0, two ascending
// non-overlapping ranges, the gap is exactly this signature's /Contents
// hex string, the signature dictionary lies inside the signed bytes), the
// CMS (digest, signature, signing-certificate binding, algorithms), the
// certificate path to opts.Roots at the validation time or at the time a
// trusted timestamp proves, revocation per opts.Revocation, and every
// incremental update after the signed revision: only DSS data, document
// timestamps, new signatures and what the DocMDP level permits may change;
// anything touching page content, resources, fonts or XObjects, or drawing
// over the page, fails the signature.
//
// Time bound: Verify stops after opts.Timeout (10 s by default) with an
// INDETERMINATE / TRY_LATER verdict; a 1 MB file takes milliseconds.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (*Report, error) {
	start := time.Now()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v := &verifier{ctx: ctx, r: r, size: size, opts: opts, log: opts.Logger}
	v.now = opts.Time
	if v.now.IsZero() {
		v.now = time.Now()
	}
	if opts.MaxContents <= 0 {
		v.opts.MaxContents = 4 << 20
	}
	if opts.MaxRevisions <= 0 {
		v.opts.MaxRevisions = 256
	}
	v.algs = validate.Algorithms{Hashes: opts.Algorithms.Hashes, MinRSABits: opts.Algorithms.MinRSABits}
	v.roots = opts.Roots
	if len(opts.RootFiles) > 0 {
		pool, err := LoadRoots(opts.RootFiles...)
		if err != nil {
			return nil, err
		}
		if v.roots != nil {
			// Merge: a pool cannot be copied into, so re-add from files.
			merged := v.roots.Clone()
			for _, f := range opts.RootFiles {
				b, _ := os.ReadFile(f)
				_ = addPEM(merged, b)
			}
			pool = merged
		}
		v.roots = pool
	}
	if err := v.checkReadable(); err != nil {
		return nil, err
	}
	rep := v.run()
	rep.ValidationTime = v.now
	rep.Duration = time.Since(start)
	return rep, nil
}

func (v *verifier) checkReadable() error {
	if v.size <= 0 {
		return fmt.Errorf("%w: empty input", ErrUnreadable)
	}
	hdr := make([]byte, min(1024, v.size))
	if _, err := v.r.ReadAt(hdr, 0); err != nil && err != io.EOF {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if !bytes.Contains(hdr, []byte("%PDF-")) {
		return fmt.Errorf("%w: not a PDF (no %%PDF- header)", ErrUnreadable)
	}
	return nil
}

type verifier struct {
	ctx  context.Context
	r    io.ReaderAt
	size int64
	opts VerifyOptions
	log  *slog.Logger
	now  time.Time
	algs validate.Algorithms

	roots *x509.CertPool
	buf   []byte // read buffer, see buffer
	rd    *pdf.Reader
	// broken, when set, is the unreadable tail after the last revision
	// that opens (see salvage).
	broken *brokenTail
	ends   []int64 // revision ends, ascending
	// states[i] is a reader on the file as it was at revision i (lazily).
	states map[int]*pdf.Reader
	diffs  map[int]revDiff // changes made by revision i (vs i-1)

	dssCerts []*x509.Certificate
	dssRev   validate.RevData
	dssFirst int // first revision (0-based) whose catalog has a DSS, -1 none

	tsaOK map[*validate.Timestamp]tsaVerdict

	docMDPRef pdf.Ref
	docMDPP   int
	sigs      []*sigState
}

func (v *verifier) debug(msg string, args ...any) {
	if v.log != nil {
		v.log.Debug(msg, args...)
	}
}

// docFail is a report for a document that cannot be analysed.
func docFail(sub SubIndication, why string) *Report {
	return &Report{Indication: TotalFailed, SubIndication: sub, Explanation: why, Signatures: []SignatureReport{}}
}

func (v *verifier) run() *Report {
	rd, err := pdf.Open(v.r, v.size, &pdf.Options{Limits: verifyLimits})
	if err != nil {
		// A broken last update must not hide what it does: read the
		// longest prefix that opens, and judge the rest as an update
		// that cannot be read, naming the objects it redefines.
		var ok bool
		if rd, ok = v.salvage(err); !ok {
			return docFail(FormatFailure, "the file is not a well-formed PDF: "+err.Error())
		}
	}
	v.rd = rd
	if rd.Encrypted() {
		return docFail(FormatFailure, "the file is encrypted; encrypted PDFs are not supported for verification")
	}
	seen := map[int64]bool{}
	for _, rv := range rd.Revisions() {
		if rv.End > 0 && !seen[rv.End] {
			seen[rv.End] = true
			v.ends = append(v.ends, rv.End)
		}
	}
	sort.Slice(v.ends, func(i, j int) bool { return v.ends[i] < v.ends[j] })
	v.states = map[int]*pdf.Reader{}
	v.diffs = map[int]revDiff{}
	rep := &Report{Revisions: len(v.ends), Signatures: []SignatureReport{}}
	if len(v.ends) > v.opts.MaxRevisions {
		return docFail(FormatFailure, fmt.Sprintf("the file has %d revisions, more than the %d this verifier analyses", len(v.ends), v.opts.MaxRevisions))
	}
	if err := v.findSignatures(); err != nil {
		f := docFail(FormatFailure, "the signature fields cannot be read: "+err.Error())
		f.Revisions = len(v.ends)
		return f
	}
	v.loadDSS()
	for _, s := range v.sigs {
		if v.ctx.Err() != nil {
			break
		}
		v.checkStructure(s)
		v.checkCrypto(s)
	}
	for _, s := range v.sigs {
		if v.ctx.Err() != nil {
			break
		}
		v.checkChanges(s)
	}
	for _, s := range v.sigs {
		if v.ctx.Err() != nil {
			break
		}
		v.checkTrust(s)
		v.level(s)
		v.conclude(s)
	}
	if v.ctx.Err() != nil {
		for _, s := range v.sigs {
			if s.rep.Indication == "" {
				s.rep.Indication, s.rep.SubIndication = Indeterminate, TryLater
				s.rep.Explanation = "validation was stopped before it finished (time limit); try again"
			}
		}
	}
	for _, s := range v.sigs {
		v.debug("pdfseal: verify: signature", "field", s.rep.Field, "kind", s.rep.Kind, "revision", s.rep.Revision,
			"intact", s.rep.Intact, "valid", s.rep.Valid, "trusted", s.rep.Trusted, "changes", s.rep.Changes.Class,
			"indication", s.rep.Indication, "subIndication", s.rep.SubIndication)
		rep.Signatures = append(rep.Signatures, s.rep)
	}
	v.bottomLine(rep)
	if !v.opts.SkipCertificate {
		v.extract(rep)
	}
	return rep
}

// bottomLine sets the document verdict: the worst signature's.
func (v *verifier) bottomLine(rep *Report) {
	if len(rep.Signatures) == 0 {
		rep.Indication, rep.SubIndication = TotalFailed, FormatFailure
		rep.Explanation = "the document carries no signature"
		return
	}
	worst := -1
	rank := func(i Indication) int {
		switch i {
		case TotalFailed:
			return 2
		case Indeterminate:
			return 1
		}
		return 0
	}
	for i, s := range rep.Signatures {
		if worst < 0 || rank(s.Indication) > rank(rep.Signatures[worst].Indication) {
			worst = i
		}
	}
	w := rep.Signatures[worst]
	rep.Indication, rep.SubIndication = w.Indication, w.SubIndication
	if w.Indication == TotalPassed {
		n := len(rep.Signatures)
		if n == 1 {
			rep.Explanation = "the signature is valid and the document has not been changed in a way it does not allow"
		} else {
			rep.Explanation = fmt.Sprintf("all %d signatures are valid and the document has not been changed in a way they do not allow", n)
		}
		return
	}
	rep.Explanation = fmt.Sprintf("%s %q: %s", w.Kind, w.Field, w.Explanation)
}

// state returns a reader on the file as it was at revision i (0-based
// into v.ends).
func (v *verifier) state(i int) (*pdf.Reader, error) {
	if rd, ok := v.states[i]; ok {
		return rd, nil
	}
	end := v.ends[i]
	var rd *pdf.Reader
	var err error
	if end == v.size {
		rd = v.rd
	} else {
		rd, err = pdf.Open(io.NewSectionReader(v.r, 0, end), end, &pdf.Options{Limits: verifyLimits})
	}
	if err != nil {
		return nil, err
	}
	if rd != v.rd {
		rd.ShareCache(v.rd)
	}
	v.states[i] = rd
	return rd, nil
}

// revisionOf returns the index in v.ends of the revision that ends at
// end, or -1.
func (v *verifier) revisionOf(end int64) int {
	for i, e := range v.ends {
		if e == end {
			return i
		}
	}
	return -1
}

// brokenTail is an update at the end of the file that cannot be read.
type brokenTail struct {
	from int64
	err  error
	nums []int // object numbers it defines ("n g obj" headers)
}

// maxSalvage bounds the %%EOF markers tried by salvage.
const maxSalvage = 64

// salvage opens the longest prefix of the file that ends at a %%EOF marker
// and opens cleanly, and records the rest as a broken update.
func (v *verifier) salvage(openErr error) (*pdf.Reader, bool) {
	var eofs []int64
	buf := make([]byte, 64<<10)
	for at := int64(0); at < v.size; at += int64(len(buf)) - 5 {
		n, _ := v.r.ReadAt(buf[:min(int64(len(buf)), v.size-at)], at)
		if n <= 0 {
			break
		}
		for i := 0; ; {
			j := bytes.Index(buf[i:n], []byte("%%EOF"))
			if j < 0 {
				break
			}
			end := at + int64(i+j) + 5
			if len(eofs) == 0 || eofs[len(eofs)-1] != end {
				eofs = append(eofs, end)
			}
			i += j + 5
		}
		if at+int64(n) >= v.size {
			break
		}
	}
	tried := 0
	for k := len(eofs) - 1; k >= 0 && tried < maxSalvage; k-- {
		end := eofs[k]
		for _, eol := range []int64{2, 1, 0} {
			if end+eol > v.size {
				continue
			}
			e := end + eol
			if eol > 0 {
				var b [2]byte
				v.r.ReadAt(b[:eol], end)
				if (eol == 2 && string(b[:2]) != "\r\n") || (eol == 1 && b[0] != '\n' && b[0] != '\r') {
					continue
				}
			}
			tried++
			rd, err := pdf.Open(io.NewSectionReader(v.r, 0, e), e, &pdf.Options{Limits: verifyLimits})
			if err != nil {
				break
			}
			v.broken = &brokenTail{from: e, err: openErr, nums: objectHeaders(v.r, e, v.size)}
			return rd, true
		}
	}
	return nil, false
}

// objectHeaders lists the object numbers of "n g obj" headers in
// [from, to), at most 10,000.
func objectHeaders(r io.ReaderAt, from, to int64) []int {
	if to-from > 256<<20 {
		to = from + 256<<20
	}
	data := make([]byte, to-from)
	n, _ := r.ReadAt(data, from)
	data = data[:n]
	var out []int
	seen := map[int]bool{}
	for i := 0; i < len(data) && len(out) < 10_000; {
		j := bytes.Index(data[i:], []byte(" obj"))
		if j < 0 {
			break
		}
		k := i + j
		// Walk back over "n g".
		p := k - 1
		for p >= 0 && data[p] >= '0' && data[p] <= '9' {
			p--
		}
		if p >= 0 && p < k-1 && data[p] == ' ' {
			q := p - 1
			for q >= 0 && data[q] >= '0' && data[q] <= '9' {
				q--
			}
			if q < p-1 && (q < 0 || data[q] == '\n' || data[q] == '\r' || data[q] == ' ') {
				num := 0
				for _, c := range data[q+1 : p] {
					num = num*10 + int(c-'0')
					if num > 1<<24 {
						break
					}
				}
				if !seen[num] {
					seen[num] = true
					out = append(out, num)
				}
			}
		}
		i = k + 4
	}
	return out
}
