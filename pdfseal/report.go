package pdfseal

import (
	"crypto/x509"
	"fmt"
	"github.com/ecertkit/ecertkit/ecert"
	"io"
	"strings"
	"time"
)

// Indication is the bottom line of a validation in ETSI EN 319 102-1 terms.
type Indication string

const (
	// TotalPassed: the signature is intact, verifies, its signer is
	// trusted at the validation time and nothing disallowed changed.
	TotalPassed Indication = "TOTAL-PASSED"
	// TotalFailed: the signature is proved wrong (tampered, forged,
	// revoked, or the document was changed in a way it does not allow).
	TotalFailed Indication = "TOTAL-FAILED"
	// Indeterminate: nothing is proved wrong, but it cannot be proved
	// right either (unknown signer, expired without proof of existence,
	// revocation status unavailable ...).
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication refines TOTAL-FAILED and INDETERMINATE (ETSI EN 319 102-1
// clause 5.1.3).
type SubIndication string

// Sub-indications used by Verify.
const (
	// With TOTAL-FAILED:
	HashFailure      SubIndication = "HASH_FAILURE"       // the signed bytes were changed
	SigCryptoFailure SubIndication = "SIG_CRYPTO_FAILURE" // the signature value does not verify
	// FormatFailure: the signature or the document structure is malformed
	// (byte range, /Contents, CMS), or the document was changed after
	// signing in a way the signature does not permit; Changes says what.
	FormatFailure SubIndication = "FORMAT_FAILURE"
	Revoked       SubIndication = "REVOKED"       // revoked before the signature's proven time
	NotYetValid   SubIndication = "NOT_YET_VALID" // signed before the certificate was valid

	// With INDETERMINATE:
	NoCertificateChainFound       SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	NoSigningCertificateFound     SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	OutOfBoundsNoPOE              SubIndication = "OUT_OF_BOUNDS_NO_POE"
	RevokedNoPOE                  SubIndication = "REVOKED_NO_POE"
	TryLater                      SubIndication = "TRY_LATER"
	ChainConstraintsFailure       SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailureNoPOE SubIndication = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	SignedDataNotFound            SubIndication = "SIGNED_DATA_NOT_FOUND"
)

// ChangeClass says what changed in the document after a signature, from
// least to most serious.
type ChangeClass string

const (
	ChangeNone        ChangeClass = "none"
	ChangeDSS         ChangeClass = "DSS or timestamps"
	ChangeSignatures  ChangeClass = "signatures"
	ChangeFormFilling ChangeClass = "form filling"
	ChangeAnnotations ChangeClass = "annotations"
	ChangeOther       ChangeClass = "other"
)

// Coverage says how much of the file a signature's byte range covers.
type Coverage string

const (
	CoverageFile     Coverage = "entire file"     // every byte but its own /Contents
	CoverageRevision Coverage = "entire revision" // a whole earlier revision; later updates are diffed
	CoveragePartial  Coverage = "partial"         // not a whole revision: unacceptable
)

// RevocationStatus is the revocation state of a signer certificate.
type RevocationStatus string

const (
	RevocationGood       RevocationStatus = "good"
	RevocationRevoked    RevocationStatus = "revoked"
	RevocationUnknown    RevocationStatus = "unknown"     // no usable data found
	RevocationNotChecked RevocationStatus = "not checked" // policy none, or no chain
)

// Report is the outcome of Verify for a whole document.
type Report struct {
	// Indication, SubIndication and Explanation are the document's bottom
	// line: the worst of its signatures (a document without signatures
	// is TOTAL-FAILED / FORMAT_FAILURE).
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"subIndication,omitempty"`
	Explanation   string        `json:"explanation"`
	// ValidationTime is the time the validation was made for.
	ValidationTime time.Time `json:"validationTime"`
	// Revisions is the number of revisions (incremental updates + 1).
	Revisions  int               `json:"revisions"`
	Signatures []SignatureReport `json:"signatures"`
	// Certificate is the certificate data embedded in the document, when
	// an intact signature covers it and nothing disallowed changed since.
	Certificate *EmbeddedCertificate `json:"certificate,omitempty"`
	// Duration is how long the validation took.
	Duration time.Duration `json:"duration"`
}

// EmbeddedCertificate is the certificate data embedded in a sealed PDF,
// as signed.
type EmbeddedCertificate struct {
	// Certificate is decoded from the embedded canonical JSON.
	Certificate *ecert.Certificate `json:"certificate"`
	// Digest is its content digest (ecert.Certificate.Digest); compare
	// it with the registry's.
	Digest ecert.Digest `json:"digest"`
	// Revision is the revision (1-based) whose intact signature covers
	// the data.
	Revision int `json:"revision"`
	// Field is that signature's field name.
	Field string `json:"field"`
}

// SignatureReport is the validation of one signature or document timestamp.
type SignatureReport struct {
	// Field is the signature field's fully qualified name.
	Field string `json:"field"`
	// Kind is "signature", "certification signature" or "document timestamp".
	Kind      string `json:"kind"`
	SubFilter string `json:"subFilter"`
	// Revision is the 1-based revision the signature signed, 0 when its
	// byte range ends at no revision boundary.
	Revision int `json:"revision"`

	Signer      *CertInfo  `json:"signer,omitempty"`
	Chain       []CertInfo `json:"chain,omitempty"`
	Algorithm   string     `json:"algorithm,omitempty"`
	ClaimedTime time.Time  `json:"claimedSigningTime,omitzero"`
	Reason      string     `json:"reason,omitempty"`
	Location    string     `json:"location,omitempty"`

	// Intact: the digest of the byte ranges matches the signed one.
	Intact bool `json:"intact"`
	// Valid: the cryptographic signature verifies with the signer's key.
	Valid bool `json:"valid"`
	// Trusted: a path to a trust root, with the right key usage, valid at
	// the validation time or at a proven earlier time (TrustedAt).
	Trusted   bool      `json:"trusted"`
	TrustedAt time.Time `json:"trustedAt,omitzero"`

	Revocation RevocationInfo `json:"revocation"`

	// Timestamps are the signature timestamps (in the CMS) and the later
	// document timestamps that cover this signature.
	Timestamps []TimestampInfo `json:"timestamps,omitempty"`

	Coverage Coverage `json:"coverage"`
	// Changes is what changed after the signed revision.
	Changes Changes `json:"changes"`

	// Level is the PAdES baseline level reached: "B-B", "B-T", "B-LT",
	// "B-LTA" (Level.String), or "" for a signature that is not PAdES
	// (adbe.pkcs7.detached) or not valid.
	Level string `json:"level"`
	// CertificationLevel is the DocMDP permission P (1, 2 or 3) of a
	// certification signature, 0 for an approval signature.
	CertificationLevel int `json:"certificationLevel"`
	// Visible: the signature widget shows an appearance on a page.
	Visible bool `json:"visible"`

	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"subIndication,omitempty"`
	Explanation   string        `json:"explanation"`
	// Notes are further findings that did not decide the verdict.
	Notes []string `json:"notes,omitempty"`
}

// CertInfo describes a certificate.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	// SHA256 is the certificate's fingerprint, lowercase hex.
	SHA256 string `json:"sha256"`
	// Certificate is the parsed certificate, for callers that check it
	// further (e.g. against a registry's seal certificates).
	Certificate *x509.Certificate `json:"-"`
}

// RevocationInfo is the revocation finding for the signer certificate.
type RevocationInfo struct {
	Status RevocationStatus `json:"status"`
	// Source is "DSS", "CMS" (inside the signature) or "online".
	Source    string    `json:"source,omitempty"`
	Kind      string    `json:"kind,omitempty"` // "OCSP" or "CRL"
	Produced  time.Time `json:"produced,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	Detail    string    `json:"detail,omitempty"`
}

// TimestampInfo is a signature or document timestamp.
type TimestampInfo struct {
	Kind string    `json:"kind"` // "signature" or "document"
	Time time.Time `json:"time"`
	// Authority is the TSA certificate's subject.
	Authority string `json:"authority,omitempty"`
	Valid     bool   `json:"valid"`   // intact and verifies
	Trusted   bool   `json:"trusted"` // TSA chain to a trust root
	Field     string `json:"field,omitempty"`
	Problem   string `json:"problem,omitempty"`
}

// Changes is what changed after a signature.
type Changes struct {
	Class ChangeClass `json:"class"`
	// Permitted: the signature's DocMDP level (or, for an approval
	// signature, the default policy) allows every change.
	Permitted bool `json:"permitted"`
	// Details lists each change for people; the disallowed ones first.
	Details []string `json:"details,omitempty"`
}

// Passed reports whether the document's bottom line is TOTAL-PASSED.
func (r *Report) Passed() bool { return r != nil && r.Indication == TotalPassed }

// WriteSummary writes a readable summary: a line per signature, then the
// bottom line.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	for i, s := range r.Signatures {
		who := "unknown signer"
		if s.Signer != nil {
			who = s.Signer.Subject
		}
		fmt.Fprintf(&b, "%d. %s %q by %s: %s", i+1, s.Kind, s.Field, who, s.Indication)
		if s.SubIndication != "" {
			fmt.Fprintf(&b, "/%s", s.SubIndication)
		}
		fmt.Fprintf(&b, "\n   %s\n", s.Explanation)
		var facts []string
		facts = append(facts, yesno("intact", s.Intact), yesno("valid", s.Valid), yesno("trusted", s.Trusted))
		if s.Level != "" {
			facts = append(facts, "PAdES "+s.Level)
		}
		if s.CertificationLevel > 0 {
			facts = append(facts, fmt.Sprintf("certification P=%d", s.CertificationLevel))
		}
		facts = append(facts, "covers "+string(s.Coverage))
		if s.Changes.Class != ChangeNone && s.Changes.Class != "" {
			p := "allowed"
			if !s.Changes.Permitted {
				p = "NOT allowed"
			}
			facts = append(facts, fmt.Sprintf("changed after: %s (%s)", s.Changes.Class, p))
		}
		facts = append(facts, "revocation "+string(s.Revocation.Status))
		if s.Revocation.Source != "" {
			facts[len(facts)-1] += " (" + s.Revocation.Source + ")"
		}
		fmt.Fprintf(&b, "   %s\n", strings.Join(facts, ", "))
		for _, t := range s.Timestamps {
			fmt.Fprintf(&b, "   %s timestamp %s by %s: %s\n", t.Kind, t.Time.UTC().Format(time.RFC3339), t.Authority, yesno("valid", t.Valid && t.Trusted))
		}
		if !s.Changes.Permitted {
			for _, d := range s.Changes.Details {
				fmt.Fprintf(&b, "   - %s\n", d)
			}
		}
	}
	fmt.Fprintf(&b, "Document: %s", r.Indication)
	if r.SubIndication != "" {
		fmt.Fprintf(&b, "/%s", r.SubIndication)
	}
	fmt.Fprintf(&b, ": %s\n", r.Explanation)
	if r.Certificate != nil {
		fmt.Fprintf(&b, "Embedded certificate %s version %d, digest %s (signed by %q)\n", r.Certificate.Certificate.Number, r.Certificate.Certificate.Version, r.Certificate.Digest, r.Certificate.Field)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func yesno(what string, ok bool) string {
	if ok {
		return what
	}
	return "not " + what
}
