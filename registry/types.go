package registry

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// Change describes who makes a change and why, and guards it.
type Change struct {
	// Reason and Actor are recorded in the event.
	Reason string
	Actor  string
	// Time is the event time; zero means now.
	Time time.Time
	// ExpectedVersion, when not zero, must be the current version of the
	// certificate, or the change fails with a *ConflictError.
	ExpectedVersion int
	// ExpectedRevision, when not zero, must be the certificate's current
	// revision (the number of events recorded for it), or the change
	// fails with a *ConflictError. Of two concurrent changes made from the
	// same revision exactly one wins.
	ExpectedRevision int
	// RequestKey makes the change idempotent: a retry with the same key
	// and the same request returns the first receipt (Replayed set) and
	// changes nothing; the same key with another request fails with a
	// *RequestKeyError. Keys are global to the registry.
	RequestKey string
}

// Event is a change recorded in the registry. Its JSON encoding, exactly
// as stored, is a leaf of the transparency log.
type Event struct {
	// Index is the event's position in the log (not part of the leaf).
	Index uint64 `json:"-"`
	// Kind is "certificate" or "body".
	Kind string `json:"kind"`
	// Type is an ecert.EventType for certificates; for bodies one of
	// "register", "status", "seal-add", "seal-retire".
	Type    string       `json:"type"`
	Number  string       `json:"number,omitempty"`
	Version int          `json:"version,omitempty"`
	Digest  ecert.Digest `json:"digest,omitzero"`
	// Status is the certificate's (or the body's) recorded status after
	// the event.
	Status string `json:"status,omitempty"`
	Body   string `json:"body"`
	// SPKI is the hex SHA-256 of a seal certificate's public key.
	SPKI   string    `json:"spki,omitempty"`
	Time   time.Time `json:"time"`
	Reason string    `json:"reason,omitempty"`
	Actor  string    `json:"actor,omitempty"`
}

// Receipt is the result of a change.
type Receipt struct {
	Event Event
	// Revision is the certificate's revision after the event.
	Revision int
	// Replayed is set when the change was a retry of an earlier request
	// with the same request key; Event is then the original event.
	Replayed bool
}

// Record is one version of a certificate as the registry sees it at At.
type Record struct {
	// Certificate is the version, with Status and StatusReason set to
	// the registry's status at At. Digest is of the version as recorded
	// (the form that was sealed), not of this copy.
	Certificate    *ecert.Certificate
	Number         string
	Version        int
	CurrentVersion int
	Revision       int
	Status         ecert.Status
	Digest         ecert.Digest
	At             time.Time
}

// History is everything recorded about one certificate.
type History struct {
	Number string
	// Versions in order, each with its status at At (earlier versions
	// are superseded).
	Versions []Record
	// Events in log order.
	Events []Event
}

// CheckResult answers "is this the registry's content, and may it be
// relied on?" for a certificate number and a content digest.
type CheckResult struct {
	Number string
	Digest ecert.Digest
	// Version is the version whose contents have Digest; 0 when no
	// version of the certificate has it (the contents were altered).
	Version int
	// Current reports whether Version is the current version.
	Current        bool
	CurrentVersion int
	// Status is the status of Version at At: superseded for an older
	// version, otherwise the certificate's effective status (expired
	// once its validity ended). Empty when Version is 0.
	Status ecert.Status
	// CurrentStatus is the effective status of the current version.
	CurrentStatus ecert.Status
	// BodyID is the issuing body of the certificate, whose seal
	// certificates may seal it (see Registry.CheckSeal).
	BodyID string
	At     time.Time
}

// OK reports whether the digest is the current version's and that
// version is valid.
func (r *CheckResult) OK() bool {
	return r.Version != 0 && r.Current && r.Status == ecert.StatusValid
}

// BodyStatus is an issuing body's accreditation status.
type BodyStatus string

// Body statuses.
const (
	BodyActive    BodyStatus = "active"
	BodySuspended BodyStatus = "suspended"
	BodyWithdrawn BodyStatus = "withdrawn"
)

func (s BodyStatus) known() bool {
	return s == BodyActive || s == BodySuspended || s == BodyWithdrawn
}

// Body is an issuing body as registered.
type Body struct {
	ID            string     `json:"id"`
	Name          ecert.Text `json:"name,omitempty"`
	Accreditation string     `json:"accreditation,omitempty"`
	Country       string     `json:"country,omitempty"`
	Status        BodyStatus `json:"status"`
	// SealCerts are filled by Registry.Body.
	SealCerts []SealCert `json:"-"`
}

// SealCert is a certificate whose key may seal the body's certificates,
// registered by the SHA-256 of its SubjectPublicKeyInfo.
type SealCert struct {
	SPKIHash [32]byte
	BodyID   string
	// NotBefore and NotAfter bound when the registry accepts seals by this
	// key: the certificate's validity, or less once retired.
	NotBefore, NotAfter time.Time
	Certificate         *x509.Certificate
	Added               time.Time
}

// SPKIHash returns the SHA-256 of a certificate's SubjectPublicKeyInfo.
func SPKIHash(c *x509.Certificate) [32]byte { return sha256.Sum256(c.RawSubjectPublicKeyInfo) }

// SPKIHex is the hex form of SPKIHash used in events and errors.
func SPKIHex(h [32]byte) string { return hex.EncodeToString(h[:]) }

// Query selects certificates. All fields are optional and combine with
// AND. Results are ordered by certificate number; pass Page.Next as
// Cursor to get the next page.
type Query struct {
	// HolderPrefix and ManufacturerPrefix match the start of the name in
	// any language, ignoring case.
	HolderPrefix       string
	ManufacturerPrefix string
	// Product matches a substring of a product name or a model code,
	// ignoring case.
	Product string
	BodyID  string
	Scheme  ecert.Scheme
	// Status is the effective status at the query time (expired
	// certificates have status expired).
	Status ecert.Status
	// ValidFrom and ValidTo select certificates whose validity period
	// overlaps [ValidFrom, ValidTo); a zero bound is open.
	ValidFrom, ValidTo time.Time
	// Limit is the page size: 1 to MaxLimit; 0 means DefaultLimit.
	Limit  int
	Cursor string
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Page is one page of search results.
type Page struct {
	Records []Record
	// Next is the cursor of the next page, empty on the last page.
	Next string
}
