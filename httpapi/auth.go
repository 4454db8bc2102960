package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ecertkit/ecertkit/registry"
)

// AuthError is a request without valid credentials (Status 401) or with
// credentials that do not allow what it asks (403).
type AuthError struct {
	Status int
	Reason string
}

func (e *AuthError) Error() string { return "httpapi: " + e.Reason }

// Unauthenticated and Forbidden make AuthErrors.
func Unauthenticated(reason string) error {
	return &AuthError{Status: http.StatusUnauthorized, Reason: reason}
}

// Forbidden is a 403 AuthError.
func Forbidden(reason string) error { return &AuthError{Status: http.StatusForbidden, Reason: reason} }

// Authenticate returns the principal of a request: from an API token
// ("Authorization: Bearer TOKEN") or from a verified TLS client
// certificate registered in st. It returns nil and no error for a request
// without credentials, and a 401 AuthError for credentials that are not
// valid.
func Authenticate(st *Store, r *http.Request) (*Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, Unauthenticated("Authorization: expected \"Bearer TOKEN\"")
		}
		p, err := st.PrincipalByToken(r.Context(), strings.TrimSpace(tok))
		if errors.Is(err, ErrNotFound) {
			return nil, Unauthenticated("unknown API token")
		}
		return p, err
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		leaf := r.TLS.VerifiedChains[0][0]
		p, err := st.PrincipalByCert(r.Context(), registry.SPKIHex(registry.SPKIHash(leaf)))
		if errors.Is(err, ErrNotFound) {
			return nil, Unauthenticated("client certificate not registered: " + leaf.Subject.String())
		}
		return p, err
	}
	return nil, nil
}

// Authenticate is Authenticate on the API's store.
func (a *API) Authenticate(r *http.Request) (*Principal, error) { return Authenticate(a.Store, r) }

// RequirePrincipal wraps a handler that needs an authenticated principal:
// requests without credentials get 401.
func RequirePrincipal(st *Store, h func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := Authenticate(st, r)
		if err == nil && p == nil {
			err = Unauthenticated("credentials required: an API token or a registered TLS client certificate")
		}
		if err != nil {
			WriteError(w, err)
			return
		}
		h(w, r, p)
	}
}

func (a *API) authorised(h func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return RequirePrincipal(a.Store, h)
}

// CanChange reports whether p may change or answer for a certificate of
// the issuing body bodyID: 401 without a principal, 403 for another
// body or a party that is no issuing body.
func CanChange(p *Principal, bodyID string) error {
	switch {
	case p == nil:
		return Unauthenticated("credentials required")
	case !p.IsBody():
		return Forbidden("only an issuing body may change certificates")
	case p.BodyID != bodyID:
		return Forbidden("the certificate belongs to issuing body " + bodyID + ", not to " + p.BodyID)
	}
	return nil
}
