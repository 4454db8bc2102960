package pdfseal

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate/diff"
)

// maxDSSItems bounds the certificates, OCSP responses and CRLs read from
// the DSS.
const maxDSSItems = 1000

// loadDSS reads the document security store of the final revision and
// finds the first revision that has one.
func (v *verifier) loadDSS() {
	v.dssFirst = -1
	cat, _, err := v.rd.Catalog()
	if err != nil {
		return
	}
	dss, _ := v.rd.Dict(cat["DSS"])
	if dss == nil {
		return
	}
	v.dssRev.Source = validate.SourceDSS
	read := func(key pdf.Name) [][]byte {
		o, _ := v.rd.Resolve(dss[key])
		arr, _ := o.(pdf.Array)
		var out [][]byte
		for i, x := range arr {
			if i >= maxDSSItems {
				break
			}
			st, _ := v.rd.Resolve(x)
			if s, ok := st.(*pdf.Stream); ok {
				if b, err := v.rd.StreamData(s, 4<<20); err == nil {
					out = append(out, b)
				}
			}
		}
		return out
	}
	for _, der := range read("Certs") {
		if c, err := x509.ParseCertificate(der); err == nil {
			v.dssCerts = append(v.dssCerts, c)
		}
	}
	v.dssRev.OCSPs = read("OCSPs")
	v.dssRev.CRLs = read("CRLs")
	// The revision that (last) wrote the DSS dictionary.
	if ref, ok := cat["DSS"].(pdf.Ref); ok {
		if j := v.rd.ObjectRevision(ref.Num); j >= 0 {
			v.dssFirst = v.revisionOf(v.rd.Revisions()[j].End)
		}
	} else {
		// A direct DSS dictionary lives in the catalog's revision.
		_, cref, _ := v.rd.Catalog()
		if j := v.rd.ObjectRevision(cref.Num); j >= 0 {
			v.dssFirst = v.revisionOf(v.rd.Revisions()[j].End)
		}
	}
}

// revDiff is what one revision changed.
type revDiff struct {
	changes []diff.Change
	err     error
}

func (v *verifier) revisionDiff(i int) revDiff {
	if d, ok := v.diffs[i]; ok {
		return d
	}
	var d revDiff
	old, err := v.state(i - 1)
	if err != nil {
		d.err = err
	} else if cur, err := v.state(i); err != nil {
		d.err = err
	} else {
		d.changes, d.err = diff.Revision(old, cur, diff.Limits{})
	}
	v.diffs[i] = d
	return d
}

var classNames = map[diff.Class]ChangeClass{
	diff.None: ChangeNone, diff.DSS: ChangeDSS, diff.Signature: ChangeSignatures,
	diff.FormFilling: ChangeFormFilling, diff.Annotation: ChangeAnnotations, diff.Other: ChangeOther,
}

// checkChanges diffs every revision after the signed one.
func (v *verifier) checkChanges(s *sigState) {
	s.rep.Changes = Changes{Class: ChangeNone, Permitted: true}
	if s.rev < 0 {
		return
	}
	p := v.docMDPP
	if s.rep.Kind == "certification signature" {
		p = s.rep.CertificationLevel
	} else if v.docMDPP > 0 && !v.certifiedBefore(s) {
		p = 0
	}
	worst := diff.None
	var bad, good []string
	for i := s.rev + 1; i < len(v.ends); i++ {
		if v.ctx.Err() != nil {
			return
		}
		d := v.revisionDiff(i)
		if d.err != nil {
			worst = diff.Other
			bad = append(bad, fmt.Sprintf("revision %d cannot be read: %v", i+1, d.err))
			continue
		}
		for _, c := range d.changes {
			if c.Class > worst {
				worst = c.Class
			}
			what := fmt.Sprintf("revision %d: %s", i+1, c.What)
			if diff.Permitted(c, p) {
				good = append(good, what)
			} else {
				bad = append(bad, what)
			}
		}
	}
	if v.broken != nil {
		worst = diff.Other
		bad = append(bad, v.brokenDetails()...)
	} else if n := len(v.ends); n > 0 && v.ends[n-1] < v.size && !v.onlyWhitespace(v.ends[n-1], v.size) {
		// Bytes after the last revision that belong to none.
		worst = diff.Other
		bad = append(bad, fmt.Sprintf("%d bytes after the last revision belong to no revision", v.size-v.ends[n-1]))
	}
	s.nbad = len(bad)
	s.rep.Changes = Changes{Class: classNames[worst], Permitted: len(bad) == 0, Details: append(bad, good...)}
}

// certifiedBefore reports whether a certification signature precedes s.
func (v *verifier) certifiedBefore(s *sigState) bool {
	for _, o := range v.sigs {
		if o == s {
			return false
		}
		if o.rep.Kind == "certification signature" {
			return true
		}
	}
	return false
}

func (v *verifier) onlyWhitespace(from, to int64) bool {
	buf := make([]byte, 4096)
	for at := from; at < to; at += int64(len(buf)) {
		n, _ := v.r.ReadAt(buf[:min(int64(len(buf)), to-at)], at)
		if n <= 0 {
			return false
		}
		for _, c := range buf[:n] {
			switch c {
			case ' ', '\r', '\n', '\t', '\f', 0:
			default:
				return false
			}
		}
	}
	return true
}

// checkTrust builds the signer's certificate path, using timestamps as
// proof of existence, and checks revocation.
func (v *verifier) checkTrust(s *sigState) {
	s.rep.Revocation.Status = RevocationNotChecked
	if s.signer == nil || s.signer.Cert == nil || s.sd == nil {
		return
	}
	// Document timestamps in later revisions also prove the signature
	// existed at their time.
	for _, o := range v.sigs {
		if !o.docTS || o == s || o.rev <= s.rev || !o.rep.Valid || o.tsa == nil {
			continue
		}
		ti := TimestampInfo{Kind: "document", Time: o.tsa.Time, Valid: true, Field: o.rep.Field}
		if o.tsa.Signer != nil && o.tsa.Signer.Cert != nil {
			ti.Authority = o.tsa.Signer.Cert.Subject.String()
		}
		ti.Trusted, ti.Problem = v.tsaTrusted(o.tsa)
		if ti.Trusted && (s.poe.IsZero() || o.tsa.Time.Before(s.poe)) {
			s.poe = o.tsa.Time
		}
		s.rep.Timestamps = append(s.rep.Timestamps, ti)
	}
	if s.docTS {
		// A document timestamp is proof of its own time once trusted.
		ok, why := v.tsaTrusted(s.tsa)
		if !ok {
			s.indeterminate(NoCertificateChainFound, "the timestamp authority is not trusted here (%s)", why)
			return
		}
		s.rep.Trusted = true
		s.chain = nil
		return
	}
	cert := s.signer.Cert
	inter := append(append([]*x509.Certificate{}, s.sd.Certs...), v.dssCerts...)
	opts := validate.ChainOptions{Roots: v.roots, Intermediates: inter, Time: v.now, Usage: x509.ExtKeyUsageAny, Signing: true}
	res := validate.BuildChain(cert, opts)
	at := v.now
	if (res.Status == validate.ChainExpired || res.Status == validate.ChainNotYetValid) && !s.poe.IsZero() {
		opts.Time = s.poe
		if r2 := validate.BuildChain(cert, opts); r2.Status == validate.ChainOK {
			res, at = r2, s.poe
			s.rep.Notes = append(s.rep.Notes, fmt.Sprintf("the signer's certificate is no longer valid at the validation time; it was valid at %s, when a trusted timestamp proves the signature existed", s.poe.UTC().Format(time.RFC3339)))
		}
	}
	switch res.Status {
	case validate.ChainOK:
	case validate.ChainNoRoot:
		s.indeterminate(NoCertificateChainFound, "the signer's certificate does not lead to a trusted root here (%s)", shortErr(res.Err))
		return
	case validate.ChainExpired:
		// Would it be trusted at all, inside its validity?
		o2 := opts
		o2.Time = cert.NotAfter.Add(-time.Second)
		if validate.BuildChain(cert, o2).Status == validate.ChainNoRoot {
			s.indeterminate(NoCertificateChainFound, "the signer's certificate does not lead to a trusted root here (and it expired on %s)", cert.NotAfter.UTC().Format("2006-01-02"))
			return
		}
		s.indeterminate(OutOfBoundsNoPOE, "a certificate on the signer's path had expired at the validation time and no trusted timestamp proves the signature existed before (%s)", shortErr(res.Err))
		return
	case validate.ChainNotYetValid:
		s.fail(&s.cryptoErr, "the signer's certificate was not yet valid at the validation time")
		return
	default:
		s.indeterminate(ChainConstraintsFailure, "the signer's certificate path is not acceptable: %s", shortErr(res.Err))
		return
	}
	s.rep.Trusted = true
	s.rep.TrustedAt = at
	s.chain = res.Chain
	for _, c := range res.Chain {
		s.rep.Chain = append(s.rep.Chain, certInfo(c))
	}
	v.checkRevocation(s)
}

func shortErr(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(err.Error(), "x509: ")
}

func (v *verifier) checkRevocation(s *sigState) {
	if v.opts.Revocation == RevocationNone || len(s.chain) < 2 {
		if len(s.chain) < 2 {
			s.rep.Revocation.Detail = "the signer certificate is itself a trust root"
		}
		return
	}
	cmsData := validate.RevData{Source: validate.SourceCMS}
	for _, crl := range s.sd.CRLs {
		cmsData.CRLs = append(cmsData.CRLs, crl.Raw)
	}
	crls, ocsps := s.sd.AdbeRevocation()
	cmsData.CRLs = append(cmsData.CRLs, crls...)
	cmsData.OCSPs = append(cmsData.OCSPs, ocsps...)
	pools := []validate.RevData{cmsData, v.dssRev}
	var fetch *validate.Fetcher
	if v.opts.Revocation == RevocationOnline {
		fetch = &validate.Fetcher{Client: v.opts.HTTPClient, Timeout: v.opts.OnlineTimeout}
	}
	for i := 0; i+1 < len(s.chain); i++ {
		c, issuer := s.chain[i], s.chain[i+1]
		res := validate.CheckRevocation(v.ctx, c, issuer, v.now, pools, fetch)
		who := "the signer's certificate"
		if i > 0 {
			who = "the issuing CA certificate " + c.Subject.CommonName
		}
		if i == 0 {
			s.rep.Revocation = RevocationInfo{Status: RevocationUnknown, Source: string(res.Source), Kind: res.Kind, Produced: res.Produced, RevokedAt: res.RevokedAt}
		}
		switch res.Status {
		case validate.RevGood:
			if i == 0 {
				s.rep.Revocation.Status = RevocationGood
			}
		case validate.RevRevoked:
			if i == 0 {
				s.rep.Revocation.Status = RevocationRevoked
			}
			when := res.RevokedAt.UTC().Format(time.RFC3339)
			switch {
			case !s.poe.IsZero() && res.RevokedAt.After(s.poe):
				s.rep.Notes = append(s.rep.Notes, fmt.Sprintf("%s was revoked at %s, after a trusted timestamp proved the signature existed", who, when))
			case !s.poe.IsZero():
				s.revoked = true
				s.revWhy = fmt.Sprintf("%s was revoked at %s, before the signature's timestamp (%s)", who, when, s.poe.UTC().Format(time.RFC3339))
			default:
				s.indeterminate(RevokedNoPOE, "%s was revoked at %s and no timestamp proves the signature existed before", who, when)
			}
		default:
			if i == 0 {
				if res.Err != nil {
					s.rep.Revocation.Detail = res.Err.Error()
				} else {
					s.rep.Revocation.Detail = "no revocation data in the file"
				}
			}
			if fetch != nil && (len(c.OCSPServer) > 0 || len(c.CRLDistributionPoints) > 0) {
				s.indeterminate(TryLater, "the revocation status of %s is not available now (%v); try again later", who, res.Err)
			}
		}
	}
}

// level computes the PAdES baseline level reached.
func (v *verifier) level(s *sigState) {
	if s.docTS || s.rep.SubFilter != "ETSI.CAdES.detached" || !s.rep.Valid || s.signer == nil || s.signer.SigningCertAttr == "" {
		return
	}
	s.rep.Level = LevelBB.String()
	tsOK := false
	for _, t := range s.rep.Timestamps {
		tsOK = tsOK || (t.Valid && t.Trusted)
	}
	if !tsOK {
		return
	}
	s.rep.Level = LevelBT.String()
	// B-LT: validation data in a DSS added after the signature.
	if v.dssFirst <= s.rev {
		return // no DSS, or none written after the signature
	}
	lt := s.rep.Revocation.Source == string(validate.SourceDSS) && s.rep.Revocation.Status == RevocationGood
	if !lt && len(s.chain) > 0 {
		// A certificate that names no revocation service needs only its
		// certificates in the DSS.
		lt = len(s.chain[0].OCSPServer) == 0 && len(s.chain[0].CRLDistributionPoints) == 0 && v.inDSS(s.chain[0])
	}
	if !lt {
		return
	}
	s.rep.Level = LevelBLT.String()
	for _, o := range v.sigs {
		if o.docTS && o.rep.Valid && o.rev >= v.dssFirst && o.rev > s.rev {
			if ok, _ := v.tsaTrusted(o.tsa); ok {
				s.rep.Level = LevelBLTA.String()
			}
		}
	}
}

func (v *verifier) inDSS(c *x509.Certificate) bool {
	for _, d := range v.dssCerts {
		if d.Equal(c) {
			return true
		}
	}
	return false
}

// conclude sets the signature's indication from its findings.
func (v *verifier) conclude(s *sigState) {
	r := &s.rep
	set := func(i Indication, sub SubIndication, why string) {
		r.Indication, r.SubIndication, r.Explanation = i, sub, why
	}
	switch {
	case s.formatErr != "":
		set(TotalFailed, FormatFailure, s.formatErr)
	case s.hashErr != "":
		set(TotalFailed, HashFailure, s.hashErr)
	case s.cryptoErr != "" && strings.Contains(s.cryptoErr, "not yet valid"):
		set(TotalFailed, NotYetValid, s.cryptoErr)
	case s.cryptoErr != "":
		set(TotalFailed, SigCryptoFailure, s.cryptoErr)
	case !r.Changes.Permitted:
		what := "the document was changed after signing in a way this signature does not allow"
		if len(r.Changes.Details) > 0 {
			what += ": " + r.Changes.Details[0]
			if s.nbad > 1 {
				what += fmt.Sprintf(" (and %d more)", s.nbad-1)
			}
		}
		set(TotalFailed, FormatFailure, what)
	case s.revoked:
		set(TotalFailed, Revoked, s.revWhy)
	case s.indet != "":
		set(Indeterminate, s.indet, s.indetWhy)
	default:
		why := "the signature is intact, verifies and its signer is trusted"
		switch r.Changes.Class {
		case ChangeNone:
			if r.Coverage == CoverageFile {
				why += "; it covers the whole file"
			}
		default:
			why += "; later changes (" + string(r.Changes.Class) + ") are allowed"
		}
		if s.docTS {
			why = "the document timestamp is intact, verifies and its authority is trusted"
		}
		set(TotalPassed, "", why)
	}
}

// brokenDetails names what an unreadable final update redefines.
func (v *verifier) brokenDetails() []string {
	b := v.broken
	rev := len(v.ends) + 1
	head := fmt.Sprintf("revision %d (bytes %d to %d) cannot be read (%v)", rev, b.from, v.size, b.err)
	last, err := v.state(len(v.ends) - 1)
	if err != nil || len(b.nums) == 0 {
		return []string{head}
	}
	labels := diff.Labels(last, b.nums)
	var out []string
	for _, n := range b.nums {
		if l, ok := labels[n]; ok {
			out = append(out, fmt.Sprintf("revision %d: %s (object %d) is redefined by an update that cannot be read", rev, l, n))
		}
	}
	if len(out) == 0 {
		return []string{head + fmt.Sprintf("; it defines objects %v", b.nums)}
	}
	return append(out, head)
}
