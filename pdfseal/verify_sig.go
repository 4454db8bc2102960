package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
)

// sigState is the working state of one signature's validation.
type sigState struct {
	rep      SignatureReport
	fieldRef pdf.Ref
	field    pdf.Dict
	widget   pdf.Dict
	sigRef   pdf.Ref
	sig      pdf.Dict
	docTS    bool

	br       [4]int64
	contents []byte
	rev      int // index into v.ends of the signed revision, -1 none

	// failures found so far, in order of seriousness; conclude picks.
	formatErr string
	hashErr   string
	cryptoErr string
	indet     SubIndication
	indetWhy  string

	digests map[crypto.Hash][]byte
	sd      *validate.SignedData
	signer  *validate.Signer
	tsa     *validate.Timestamp // the token itself, for a document timestamp
	chain   []*x509.Certificate
	poe     time.Time // earliest trusted timestamp proving the signature existed
	changes []changeItem
	revoked bool
	revWhy  string
	nbad    int // disallowed changes (first in rep.Changes.Details)
}

type changeItem struct {
	class     ChangeClass
	permitted bool
	what      string
}

func (s *sigState) fail(kind *string, format string, a ...any) {
	if *kind == "" {
		*kind = fmt.Sprintf(format, a...)
	}
}

func (s *sigState) indeterminate(sub SubIndication, format string, a ...any) {
	if s.indet == "" {
		s.indet, s.indetWhy = sub, fmt.Sprintf(format, a...)
	}
}

// findSignatures walks the AcroForm field tree for signature fields with
// a value, in the order their signed bytes end.
func (v *verifier) findSignatures() error {
	cat, _, err := v.rd.Catalog()
	if err != nil {
		return err
	}
	if perms, _ := v.rd.Dict(cat["Perms"]); perms != nil {
		if r, ok := perms["DocMDP"].(pdf.Ref); ok {
			v.docMDPRef = r
		}
	}
	af, err := v.rd.Dict(cat["AcroForm"])
	if err != nil {
		return err
	}
	if af == nil {
		return nil
	}
	fields, err := v.rd.Resolve(af["Fields"])
	if err != nil {
		return err
	}
	arr, _ := fields.(pdf.Array)
	seen := map[pdf.Ref]bool{}
	count := 0
	var walk func(o pdf.Object, parent string, inheritFT pdf.Name, depth int) error
	walk = func(o pdf.Object, parent string, inheritFT pdf.Name, depth int) error {
		ref, _ := o.(pdf.Ref)
		if depth > 32 {
			return errors.New("form field tree deeper than 32")
		}
		if ref != (pdf.Ref{}) {
			if seen[ref] {
				return nil
			}
			seen[ref] = true
		}
		if count++; count > 100_000 {
			return errors.New("more than 100,000 form fields")
		}
		d, err := v.rd.Dict(o)
		if err != nil || d == nil {
			return err
		}
		name := parent
		if t, ok := d["T"].(pdf.String); ok {
			if name != "" {
				name += "."
			}
			name += decodeText(t)
		}
		ft := inheritFT
		if n := d.Name("FT"); n != "" {
			ft = n
		}
		kids, _ := v.rd.Resolve(d["Kids"])
		karr, _ := kids.(pdf.Array)
		hasFieldKids := false
		for _, k := range karr {
			kd, _ := v.rd.Dict(k)
			if kd != nil && kd["T"] != nil {
				hasFieldKids = true
			}
		}
		if hasFieldKids {
			for _, k := range karr {
				if err := walk(k, name, ft, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if ft != "Sig" || d["V"] == nil {
			return nil
		}
		s := &sigState{fieldRef: ref, field: d, rev: -1, digests: map[crypto.Hash][]byte{}}
		s.rep.Field = name
		s.widget = d
		if len(karr) > 0 {
			if kd, _ := v.rd.Dict(karr[0]); kd != nil {
				s.widget = kd
			}
		}
		sr, ok := d["V"].(pdf.Ref)
		if !ok {
			s.fail(&s.formatErr, "the signature value is not an indirect object")
			s.sig, _ = v.rd.Dict(d["V"])
		} else {
			s.sigRef = sr
			s.sig, err = v.rd.Dict(sr)
			if err != nil {
				s.fail(&s.formatErr, "the signature dictionary cannot be read: %v", err)
			}
		}
		if s.sig == nil {
			s.sig = pdf.Dict{}
			s.fail(&s.formatErr, "the signature value is not a dictionary")
		}
		v.sigs = append(v.sigs, s)
		return nil
	}
	for _, f := range arr {
		if err := walk(f, "", "", 0); err != nil {
			return err
		}
	}
	// Order by where the signed bytes end (earliest first).
	for i := 1; i < len(v.sigs); i++ {
		for j := i; j > 0 && sigEnd(v.sigs[j]) < sigEnd(v.sigs[j-1]); j-- {
			v.sigs[j], v.sigs[j-1] = v.sigs[j-1], v.sigs[j]
		}
	}
	return nil
}

func sigEnd(s *sigState) int64 {
	br, ok := s.sig["ByteRange"].(pdf.Array)
	if !ok || len(br) != 4 {
		return 1 << 62
	}
	c, _ := br[2].(pdf.Int)
	d, _ := br[3].(pdf.Int)
	return int64(c) + int64(d)
}

// decodeText decodes a PDF text string (UTF-16BE with BOM, UTF-8 with
// BOM, else PDFDocEncoding read as Latin-1).
func decodeText(s pdf.String) string {
	b := []byte(s)
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		var r []rune
		for i := 2; i+1 < len(b); i += 2 {
			r = append(r, rune(uint16(b[i])<<8|uint16(b[i+1])))
		}
		return string(r)
	}
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return string(b[3:])
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// checkStructure checks the signature dictionary, the byte range and the
// /Contents gap (signature wrapping, universal forgery).
func (v *verifier) checkStructure(s *sigState) {
	sig := s.sig
	s.rep.SubFilter = string(sig.Name("SubFilter"))
	s.docTS = sig.Name("Type") == "DocTimeStamp" || s.rep.SubFilter == "ETSI.RFC3161"
	switch {
	case s.docTS:
		s.rep.Kind = "document timestamp"
	case s.sigRef == v.docMDPRef && s.sigRef != (pdf.Ref{}):
		s.rep.Kind = "certification signature"
	default:
		s.rep.Kind = "signature"
	}
	if r, ok := sig["Reason"].(pdf.String); ok {
		s.rep.Reason = decodeText(r)
	}
	if l, ok := sig["Location"].(pdf.String); ok {
		s.rep.Location = decodeText(l)
	}
	if m, ok := sig["M"].(pdf.String); ok {
		if t, ok := parsePDFDate(string(m)); ok {
			s.rep.ClaimedTime = t
		}
	}
	s.rep.Visible = v.visible(s.widget)
	s.rep.Coverage = CoveragePartial
	if s.formatErr != "" {
		return
	}
	switch s.rep.SubFilter {
	case "adbe.pkcs7.detached", "ETSI.CAdES.detached", "ETSI.RFC3161":
	case "":
		s.fail(&s.formatErr, "the signature dictionary has no /SubFilter")
		return
	default:
		s.fail(&s.formatErr, "the signature format %s is not supported (only adbe.pkcs7.detached, ETSI.CAdES.detached and ETSI.RFC3161)", s.rep.SubFilter)
		return
	}
	// Certification level.
	if s.rep.Kind == "certification signature" {
		s.rep.CertificationLevel = 2
		refs, _ := v.rd.Resolve(sig["Reference"])
		ra, _ := refs.(pdf.Array)
		found := false
		for _, x := range ra {
			rd, _ := v.rd.Dict(x)
			if rd == nil || rd.Name("TransformMethod") != "DocMDP" {
				continue
			}
			found = true
			if tp, _ := v.rd.Dict(rd["TransformParams"]); tp != nil {
				if p, ok := tp.Int("P"); ok && p >= 1 && p <= 3 {
					s.rep.CertificationLevel = int(p)
				}
			}
		}
		if !found {
			s.rep.Notes = append(s.rep.Notes, "the catalog names this signature in /Perms /DocMDP but it has no DocMDP reference; level 2 assumed")
		}
		v.docMDPP = s.rep.CertificationLevel
	}
	// The byte range: four direct integers, [0 b c d], b < c, c+d <= size.
	bra, ok := sig["ByteRange"].(pdf.Array)
	if !ok || len(bra) != 4 {
		s.fail(&s.formatErr, "the /ByteRange is missing or is not an array of four numbers")
		return
	}
	for i, x := range bra {
		n, ok := x.(pdf.Int)
		if !ok || n < 0 {
			s.fail(&s.formatErr, "the /ByteRange holds something other than non-negative integers")
			return
		}
		s.br[i] = int64(n)
	}
	a, b, c, d := s.br[0], s.br[1], s.br[2], s.br[3]
	switch {
	case a != 0:
		s.fail(&s.formatErr, "the signed bytes do not start at the beginning of the file (/ByteRange starts at %d)", a)
	case b <= 0 || c <= b+1:
		s.fail(&s.formatErr, "the /ByteRange ranges are not ascending and separated by the signature")
	case c > v.size || d > v.size-c:
		s.fail(&s.formatErr, "the /ByteRange reaches beyond the end of the file (%d bytes)", v.size)
	case c-b-2 > 2*v.opts.MaxContents:
		s.fail(&s.formatErr, "the signature /Contents is larger than %d bytes", v.opts.MaxContents)
	}
	if s.formatErr != "" {
		return
	}
	// The gap must be exactly this signature's /Contents hex string:
	// compared, in chunks, with the value the dictionary holds.
	cont, _ := s.sig["Contents"].(pdf.String)
	if why := v.gapIs(b, c, cont); why != "" {
		s.fail(&s.formatErr, "%s", why)
		return
	}
	der := []byte(cont)
	// The signature dictionary must lie inside the signed bytes and
	// around the gap: it starts before the gap and is defined by a
	// revision the signature covers.
	off := v.rd.ObjectOffset(s.sigRef.Num)
	if off < 0 || off >= b {
		s.fail(&s.formatErr, "the signature dictionary (object %d) is not inside the signed bytes (signature wrapping)", s.sigRef.Num)
		return
	}
	s.contents = der
	end := c + d
	if end == v.size {
		s.rep.Coverage = CoverageFile
	} else {
		s.rep.Coverage = CoverageRevision
	}
	s.rev = v.revisionOf(end)
	if s.rev < 0 {
		// Tolerate trailing end-of-line bytes after %%EOF.
		for i, e := range v.ends {
			if e > end && e-end <= 2 {
				s.rev = i
			}
		}
		if s.rev < 0 && end == v.size && len(v.ends) > 0 && v.ends[len(v.ends)-1] <= end {
			s.rev = len(v.ends) - 1
		}
	}
	if s.rev < 0 {
		s.rep.Coverage = CoveragePartial
		s.fail(&s.formatErr, "the signed bytes end in the middle of a revision (at byte %d): the signature covers only part of the document", end)
		return
	}
	s.rep.Revision = s.rev + 1
	if s.rep.Coverage == CoverageRevision && s.rev == len(v.ends)-1 && v.broken == nil && v.onlyWhitespace(end, v.size) {
		s.rep.Coverage = CoverageFile
	}
}

// digest returns the hash of the signed byte ranges.
func (v *verifier) digest(s *sigState, h crypto.Hash) ([]byte, error) {
	if d, ok := s.digests[h]; ok {
		return d, nil
	}
	if !h.Available() {
		return nil, fmt.Errorf("%w: hash %v", validate.ErrAlgorithm, h)
	}
	hh := h.New()
	buf := v.buffer()
	for _, rg := range [][2]int64{{s.br[0], s.br[1]}, {s.br[2], s.br[3]}} {
		for off, end := rg[0], rg[0]+rg[1]; off < end; {
			if off&(1<<20-1) < int64(len(buf)) && v.ctx.Err() != nil {
				return nil, v.ctx.Err()
			}
			n, err := v.r.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
			hh.Write(buf[:n])
			off += int64(n)
			if err != nil && !(err == io.EOF && off == end) {
				return nil, err
			}
		}
	}
	sum := hh.Sum(nil)
	s.digests[h] = sum
	return sum, nil
}

// checkCrypto verifies the CMS (or, for a document timestamp, the token).
func (v *verifier) checkCrypto(s *sigState) {
	if s.formatErr != "" || s.contents == nil {
		return
	}
	if s.docTS {
		ts, err := validate.VerifyTimestampDigest(s.contents, func(h crypto.Hash) ([]byte, error) { return v.digest(s, h) }, v.algs)
		if ts != nil && ts.CMS != nil {
			s.sd = ts.CMS
		}
		s.tsa = ts
		if ts != nil && ts.Signer != nil {
			s.signer = ts.Signer
		}
		v.cryptoOutcome(s, err)
		if err == nil {
			s.rep.Intact = true
			s.rep.ClaimedTime = ts.Time
		}
		return
	}
	sd, err := validate.ParseSignedData(s.contents)
	if err != nil {
		s.fail(&s.formatErr, "the signature value (/Contents) is not a readable CMS signature")
		s.rep.Notes = append(s.rep.Notes, err.Error())
		return
	}
	if !sd.ContentType.Equal(validate.OIDData) || sd.Content != nil {
		s.fail(&s.formatErr, "the CMS signature is not detached over the document bytes")
		return
	}
	s.sd = sd
	// Intact is judged on its own: the message digest against the bytes.
	if h, ok := sd.DigestHash(); ok && h.Available() {
		if sum, err := v.digest(s, h); err == nil {
			if md := sd.MessageDigest(); md != nil {
				s.rep.Intact = bytes.Equal(md, sum)
			}
		}
	}
	signer, err := sd.Verify(func(h crypto.Hash) ([]byte, error) { return v.digest(s, h) }, v.algs)
	s.signer = signer
	if signer != nil {
		s.rep.Algorithm = signer.SignatureAlgorithm
		if !signer.SigningTime.IsZero() && s.rep.ClaimedTime.IsZero() {
			s.rep.ClaimedTime = signer.SigningTime
		}
	}
	v.cryptoOutcome(s, err)
	if err == nil && sd.MessageDigest() == nil {
		s.rep.Intact = true // no signed attributes: the signature is over the digest
	}
	// Signature timestamps (over the signature value).
	for _, tok := range sd.TimestampTokens() {
		ti := TimestampInfo{Kind: "signature"}
		ts, err := validate.VerifyTimestamp(tok, sd.Signature, v.algs)
		if ts != nil {
			ti.Time = ts.Time
			if ts.Signer != nil && ts.Signer.Cert != nil {
				ti.Authority = ts.Signer.Cert.Subject.String()
			}
		}
		if err != nil {
			ti.Problem = err.Error()
		} else {
			ti.Valid = true
			ti.Trusted, ti.Problem = v.tsaTrusted(ts)
			if ti.Trusted && (s.poe.IsZero() || ts.Time.Before(s.poe)) {
				s.poe = ts.Time
			}
		}
		s.rep.Timestamps = append(s.rep.Timestamps, ti)
	}
}

func (v *verifier) cryptoOutcome(s *sigState, err error) {
	if s.signer != nil && s.signer.Cert != nil {
		ci := certInfo(s.signer.Cert)
		s.rep.Signer = &ci
	}
	if err == nil {
		s.rep.Valid = true
		return
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		s.indeterminate(TryLater, "validation was stopped before it finished (time limit); try again")
	case errors.Is(err, validate.ErrDigest):
		s.fail(&s.hashErr, "the document bytes were changed after signing: their digest does not match the signed one")
	case errors.Is(err, validate.ErrSignature):
		s.fail(&s.cryptoErr, "the cryptographic signature does not verify with the signer's public key")
	case errors.Is(err, validate.ErrAlgorithm):
		s.indeterminate(CryptoConstraintsFailureNoPOE, "an algorithm is not accepted: %v", err)
	case errors.Is(err, validate.ErrNoSigner):
		s.indeterminate(NoSigningCertificateFound, "the signer's certificate is not in the signature")
	case errors.Is(err, validate.ErrSigningCert):
		s.indeterminate(NoSigningCertificateFound, "the signed signing-certificate attribute names another certificate than the one that verifies")
	case errors.Is(err, validate.ErrKeyUsage):
		s.indeterminate(ChainConstraintsFailure, "%v", err)
	default:
		s.fail(&s.formatErr, "the signature cannot be processed: %v", err)
	}
}

// tsaTrusted checks a timestamp authority's certificate path at the
// validation time (or, when it has expired since, at the timestamp time).
func (v *verifier) tsaTrusted(ts *validate.Timestamp) (bool, string) {
	if r, ok := v.tsaOK[ts]; ok {
		return r.ok, r.why
	}
	ok, why := v.tsaTrustedUncached(ts)
	if v.tsaOK == nil {
		v.tsaOK = map[*validate.Timestamp]tsaVerdict{}
	}
	v.tsaOK[ts] = tsaVerdict{ok, why}
	return ok, why
}

type tsaVerdict struct {
	ok  bool
	why string
}

func (v *verifier) tsaTrustedUncached(ts *validate.Timestamp) (bool, string) {
	if ts.Signer == nil || ts.Signer.Cert == nil {
		return false, "no TSA certificate"
	}
	inter := append(append([]*x509.Certificate{}, ts.CMS.Certs...), v.dssCerts...)
	res := validate.BuildChain(ts.Signer.Cert, validate.ChainOptions{Roots: v.roots, Intermediates: inter, Time: v.now, Usage: x509.ExtKeyUsageTimeStamping})
	if res.Status == validate.ChainExpired {
		res = validate.BuildChain(ts.Signer.Cert, validate.ChainOptions{Roots: v.roots, Intermediates: inter, Time: ts.Time, Usage: x509.ExtKeyUsageTimeStamping})
	}
	if res.Status != validate.ChainOK {
		return false, "timestamp authority not trusted: " + res.Err.Error()
	}
	return true, ""
}

func certInfo(c *x509.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	return CertInfo{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		Serial: c.SerialNumber.Text(16), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		SHA256: hex.EncodeToString(sum[:]), Certificate: c,
	}
}

// visible reports whether a signature widget shows on a page.
func (v *verifier) visible(w pdf.Dict) bool {
	if w == nil || w["AP"] == nil {
		return false
	}
	if f, ok := w.Int("F"); ok && f&(1<<1|1<<5) != 0 {
		return false
	}
	ro, _ := v.rd.Resolve(w["Rect"])
	arr, _ := ro.(pdf.Array)
	if len(arr) != 4 {
		return false
	}
	var n [4]float64
	for i, x := range arr {
		switch t := x.(type) {
		case pdf.Int:
			n[i] = float64(t)
		case pdf.Real:
			n[i] = float64(t)
		}
	}
	return abs(n[2]-n[0]) > 0 && abs(n[3]-n[1]) > 0
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// parsePDFDate parses D:YYYYMMDDHHmmSSOHH'mm'.
func parsePDFDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	if len(s) < 4 {
		return time.Time{}, false
	}
	digits := func(i, n int, def int) int {
		if len(s) < i+n {
			return def
		}
		x := 0
		for _, c := range s[i : i+n] {
			if c < '0' || c > '9' {
				return def
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	y, mo, d := digits(0, 4, 0), digits(4, 2, 1), digits(6, 2, 1)
	h, mi, se := digits(8, 2, 0), digits(10, 2, 0), digits(12, 2, 0)
	loc := time.UTC
	if len(s) > 14 {
		switch s[14] {
		case '+', '-':
			oh, om := 0, 0
			rest := strings.ReplaceAll(s[15:], "'", "")
			if len(rest) >= 2 {
				fmt.Sscanf(rest[:2], "%d", &oh)
			}
			if len(rest) >= 4 {
				fmt.Sscanf(rest[2:4], "%d", &om)
			}
			off := oh*3600 + om*60
			if s[14] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, loc).UTC(), true
}

// buffer returns the verifier's read buffer (one per Verify call).
func (v *verifier) buffer() []byte {
	if v.buf == nil {
		v.buf = make([]byte, 16<<10)
	}
	return v.buf
}

// gapIs checks that the bytes [b, c) are "<" + the hex of cont + ">",
// and says why not.
func (v *verifier) gapIs(b, c int64, cont []byte) string {
	const wrap = "the unsigned gap of the /ByteRange is not exactly this signature's /Contents string (signature wrapping)"
	if c-b-2 != 2*int64(len(cont)) {
		return wrap
	}
	buf := v.buffer()
	i := 0 // index into cont
	first := true
	for off := b; off < c; {
		n, err := v.r.ReadAt(buf[:min(int64(len(buf)), c-off)], off)
		if n == 0 && err != nil {
			return "the signature /Contents cannot be read: " + err.Error()
		}
		chunk := buf[:n]
		if first {
			if chunk[0] != '<' {
				return wrap
			}
			chunk = chunk[1:]
			first = false
		}
		if off+int64(n) == c {
			if len(chunk) == 0 || chunk[len(chunk)-1] != '>' {
				return wrap
			}
			chunk = chunk[:len(chunk)-1]
		}
		if len(chunk)%2 == 1 && off+int64(n) < c {
			// Keep hex pairs whole across chunks.
			chunk = chunk[:len(chunk)-1]
			n--
		}
		for j := 0; j+1 < len(chunk); j += 2 {
			hi, lo := unhexByte(chunk[j]), unhexByte(chunk[j+1])
			if hi < 0 || lo < 0 || i >= len(cont) || byte(hi<<4|lo) != cont[i] {
				return wrap
			}
			i++
		}
		off += int64(n)
	}
	if i != len(cont) {
		return wrap
	}
	return ""
}

func unhexByte(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
