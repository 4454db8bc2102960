package registry

import (
	"errors"
	"fmt"

	"github.com/ecertkit/ecertkit/ecert"
)

// Sentinels that the typed errors match with errors.Is.
var (
	ErrNotFound = errors.New("registry: not found")
	ErrConflict = errors.New("registry: conflict")
)

// NotFoundError is returned for an unknown certificate number, version,
// issuing body, seal certificate or log index.
type NotFoundError struct {
	Kind string // "certificate", "version", "body", "seal certificate", "log entry"
	Key  string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("registry: %s %s not found", e.Kind, e.Key)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ConflictError is returned when a change is based on a state that is no
// longer current: an expected version or revision that does not match, a
// new version that does not follow the current one, or issuing a number
// that exists. Reload and decide again.
type ConflictError struct {
	Number string
	Reason string
	// Current version and revision of the certificate (0 if it does not exist).
	Version, Revision int
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("registry: certificate %s: conflict: %s (current version %d, revision %d)", e.Number, e.Reason, e.Version, e.Revision)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// RequestKeyError is returned when a request key is reused for a
// different request.
type RequestKeyError struct{ Key string }

func (e *RequestKeyError) Error() string {
	return fmt.Sprintf("registry: request key %q was used for a different request", e.Key)
}

// BodyError is returned when an issuing body may not do what was asked:
// a body that is not active cannot issue, modify, renew or reinstate.
type BodyError struct {
	BodyID string
	Status BodyStatus
	Op     string
}

func (e *BodyError) Error() string {
	return fmt.Sprintf("registry: issuing body %s is %s: it cannot %s", e.BodyID, e.Status, e.Op)
}

// QueryError is returned for a malformed search.
type QueryError struct {
	Field   string
	Problem string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("registry: search: %s: %s", e.Field, e.Problem)
}

// InputError is returned for a certificate or change that cannot be
// recorded as given (wrong number, a version that is not the next, an
// invalid certificate: then Err is the *ecert.ValidationError).
type InputError struct {
	Number string
	Reason string
	Err    error
}

func (e *InputError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("registry: certificate %s: %s: %v", e.Number, e.Reason, e.Err)
	}
	return fmt.Sprintf("registry: certificate %s: %s", e.Number, e.Reason)
}

func (e *InputError) Unwrap() error { return e.Err }

// SealError says why a seal certificate does not belong to a body.
type SealError struct {
	BodyID string
	SPKI   string // hex SHA-256 of the SubjectPublicKeyInfo
	Reason string
}

func (e *SealError) Error() string {
	return fmt.Sprintf("registry: seal certificate %s for body %s: %s", e.SPKI, e.BodyID, e.Reason)
}

// errTransition re-exports the lifecycle error type for documentation.
var _ error = (*ecert.TransitionError)(nil)
