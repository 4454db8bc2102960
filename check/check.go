// Package check makes the three-part check of an electronic certificate:
// "only the certificate with a valid electronic signature and consistent
// contents in valid status can be used".
//
// Most callers need one call:
//
//	res, err := check.PDF(ctx, f, size, check.Options{Registry: reg, Verify: pdfseal.VerifyOptions{Roots: roots}})
//	if err != nil { ... }            // only when the file cannot be read
//	fmt.Println(res.Verdict, res.Explanation)
//
// The three parts, in order:
//
//  1. Signature: pdfseal.Verify finds an intact, valid and trusted seal
//     covering the certificate data embedded in the PDF, and the sealing
//     certificate is registered as a seal of the issuing body that the
//     certificate names, for the time of sealing.
//  2. Contents: the embedded certificate's digest is one of the
//     registry's versions of that number.
//  3. Status: that version is the current one and valid now (not
//     suspended, revoked, withdrawn, expired or superseded).
//
// The verdict is Fail when any part fails, Indeterminate when none fails
// but one could not be decided (an untrusted root, a revocation service
// that did not answer), and Pass only when all three pass.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
)

// Verdict is the outcome of a check or of one of its parts.
type Verdict string

// Verdicts.
const (
	Pass          Verdict = "pass"
	Fail          Verdict = "fail"
	Indeterminate Verdict = "indeterminate"
)

// Part names one of the three parts.
type Part string

// The parts, in the order they are checked.
const (
	PartSignature Part = "signature"
	PartContents  Part = "contents"
	PartStatus    Part = "status"
)

// Options configure PDF.
type Options struct {
	// Registry is the issuing body's (or the national) registry.
	Registry *registry.Registry
	// Verify configures the signature validation (trust roots,
	// revocation policy). Its Time, when zero, is Time.
	Verify pdfseal.VerifyOptions
	// Time is the time of the check; zero means now.
	Time time.Time
}

// PartResult is the outcome of one part.
type PartResult struct {
	Verdict Verdict `json:"verdict"`
	// Explanation is one sentence for people.
	Explanation string `json:"explanation"`
}

// Result is the outcome of the three-part check.
type Result struct {
	Verdict Verdict `json:"verdict"`
	// Failed is the first part that failed, or that could not be decided
	// when the verdict is Indeterminate; empty on Pass.
	Failed      Part   `json:"failed,omitempty"`
	Explanation string `json:"explanation"`

	Signature PartResult `json:"signature"`
	Contents  PartResult `json:"contents"`
	Status    PartResult `json:"status"`

	// Number and Version identify the certificate found in the PDF, when
	// one was found.
	Number  string `json:"number,omitempty"`
	Version int    `json:"version,omitempty"`
	// Digest is the content digest of the embedded certificate.
	Digest ecert.Digest `json:"digest,omitzero"`
	// Certificate is the embedded certificate, as sealed.
	Certificate *ecert.Certificate `json:"-"`
	// Report is the full signature validation report.
	Report *pdfseal.Report `json:"report,omitempty"`
	// Registry is the registry's answer for the number and digest.
	Registry *registry.CheckResult `json:"registry,omitempty"`
	// Time is the time the check was made for.
	Time time.Time `json:"time"`
}

// PDF checks a sealed PDF certificate against the registry. It returns an
// error only when the input cannot be read or the registry cannot be
// reached; every "no" is in the Result.
func PDF(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Result, error) {
	if opts.Registry == nil {
		return nil, errors.New("check: no registry")
	}
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	vo := opts.Verify
	if vo.Time.IsZero() {
		vo.Time = now
	}
	res := &Result{Time: now}
	rep, err := pdfseal.Verify(ctx, r, size, vo)
	if err != nil {
		if errors.Is(err, pdfseal.ErrUnreadable) {
			res.Signature = PartResult{Fail, "The file is not a readable PDF: " + err.Error() + "."}
			res.Contents = PartResult{Indeterminate, "No certificate data could be read."}
			res.Status = PartResult{Indeterminate, "Without a certificate number the registry cannot be asked."}
			res.finish()
			return res, nil
		}
		return nil, fmt.Errorf("check: %w", err)
	}
	res.Report = rep
	if rep.Certificate == nil {
		res.signature(ctx, opts.Registry, rep, "")
		res.Contents = PartResult{Fail, "The PDF holds no certificate data covered by an intact seal, so its contents cannot be compared with the registry."}
		res.Status = PartResult{Indeterminate, "Without sealed certificate data the registry cannot be asked."}
		res.finish()
		return res, nil
	}
	c := rep.Certificate.Certificate
	res.Certificate, res.Number, res.Version, res.Digest = c, c.Number, c.Version, rep.Certificate.Digest

	cr, err := opts.Registry.Check(ctx, c.Number, rep.Certificate.Digest)
	var nf *registry.NotFoundError
	switch {
	case errors.As(err, &nf) || errors.Is(err, registry.ErrNotFound):
		res.signature(ctx, opts.Registry, rep, "")
		res.Contents = PartResult{Fail, fmt.Sprintf("The registry has no certificate numbered %s: the certificate may be counterfeit.", c.Number)}
		res.Status = PartResult{Fail, "An unknown number has no status."}
		res.finish()
		return res, nil
	case err != nil:
		return nil, fmt.Errorf("check: registry: %w", err)
	}
	// The registry's record of the issuing body is the authority on whose
	// seals may seal this number, not the body the PDF names.
	res.signature(ctx, opts.Registry, rep, cr.BodyID)
	res.Registry = cr
	res.contents(c, cr)
	res.status(cr)
	res.finish()
	return res, nil
}

// signature decides part 1 from the report and the seal certificates of
// the issuing body bodyID (the registry's; empty when the registry has no
// record, and then the body named in the PDF).
func (res *Result) signature(ctx context.Context, reg *registry.Registry, rep *pdfseal.Report, bodyID string) {
	var sig *pdfseal.SignatureReport
	if rep.Certificate != nil {
		for i := range rep.Signatures {
			if rep.Signatures[i].Field == rep.Certificate.Field {
				sig = &rep.Signatures[i]
			}
		}
	}
	switch rep.Indication {
	case pdfseal.TotalFailed:
		res.Signature = PartResult{Fail, "The seal is broken: " + rep.Explanation}
		return
	case pdfseal.Indeterminate:
		res.Signature = PartResult{Indeterminate, "The seal could not be confirmed: " + rep.Explanation}
		return
	}
	if sig == nil || sig.Signer == nil || sig.Signer.Certificate == nil {
		res.Signature = PartResult{Fail, "No seal covers the certificate data in this PDF."}
		return
	}
	c := rep.Certificate.Certificate
	if bodyID == "" {
		bodyID = c.IssuingBody.ID
	}
	at := sig.ClaimedTime
	for _, ts := range sig.Timestamps {
		if ts.Valid && !ts.Time.IsZero() {
			at = ts.Time
			break
		}
	}
	if at.IsZero() {
		at = res.Time
	}
	if _, err := reg.CheckSeal(ctx, bodyID, sig.Signer.Certificate, at); err != nil {
		res.Signature = PartResult{Fail, fmt.Sprintf("The seal is intact, but the sealing certificate (%s) is not a seal of the issuing body %s: %v.", sig.Signer.Subject, bodyID, err)}
		return
	}
	res.Signature = PartResult{Pass, fmt.Sprintf("Sealed by %s, a registered seal of %s; the seal is intact and trusted.", sig.Signer.Subject, c.IssuingBody.Name.In("en"))}
}

func (res *Result) contents(c *ecert.Certificate, cr *registry.CheckResult) {
	switch {
	case cr.Version == 0:
		res.Contents = PartResult{Fail, fmt.Sprintf("The contents differ from every version of certificate %s in the registry: the certificate data was altered.", c.Number)}
	case cr.BodyID != "" && cr.BodyID != c.IssuingBody.ID:
		res.Contents = PartResult{Fail, fmt.Sprintf("The registry records certificate %s for issuing body %s, not %s.", c.Number, cr.BodyID, c.IssuingBody.ID)}
	default:
		res.Contents = PartResult{Pass, fmt.Sprintf("The contents are those of version %d of certificate %s in the registry.", cr.Version, c.Number)}
	}
}

func (res *Result) status(cr *registry.CheckResult) {
	switch {
	case cr.Version == 0:
		res.Status = PartResult{Fail, fmt.Sprintf("The registry's current version %d is %s, but this PDF does not hold it.", cr.CurrentVersion, cr.CurrentStatus)}
	case !cr.Current:
		res.Status = PartResult{Fail, fmt.Sprintf("This is version %d, superseded by version %d (status %s): only the current version counts.", cr.Version, cr.CurrentVersion, cr.CurrentStatus)}
	case cr.Status != ecert.StatusValid:
		res.Status = PartResult{Fail, fmt.Sprintf("The certificate is %s in the registry.", cr.Status)}
	default:
		res.Status = PartResult{Pass, fmt.Sprintf("Version %d is current and valid.", cr.Version)}
	}
}

// finish derives the verdict from the parts.
func (res *Result) finish() {
	parts := []struct {
		p Part
		r PartResult
	}{{PartSignature, res.Signature}, {PartContents, res.Contents}, {PartStatus, res.Status}}
	res.Verdict = Pass
	for _, p := range parts {
		if p.r.Verdict == Fail {
			res.Verdict, res.Failed, res.Explanation = Fail, p.p, p.r.Explanation
			return
		}
	}
	for _, p := range parts {
		if p.r.Verdict == Indeterminate {
			res.Verdict, res.Failed, res.Explanation = Indeterminate, p.p, p.r.Explanation
			return
		}
	}
	res.Explanation = "Valid seal, consistent contents, current and valid status: the certificate can be relied on."
}
