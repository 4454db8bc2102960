package ecerttest

import (
	"context"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
)

// Registry returns an in-memory registry holding certs, their issuing
// bodies (active) and the PKI's seal certificate registered for each
// body. It is closed when the test ends.
func Registry(t testing.TB, pki *PKI, certs ...*ecert.Certificate) *registry.Registry {
	t.Helper()
	reg := memory.New(registry.Options{})
	t.Cleanup(func() { reg.Close() })
	Load(t, reg, pki, certs...)
	return reg
}

// Load registers the bodies of certs (once each, with the PKI's seal
// certificate when pki is not nil) and issues certs in reg. Versions
// above 1 are recorded as modifications.
func Load(t testing.TB, reg *registry.Registry, pki *PKI, certs ...*ecert.Certificate) {
	t.Helper()
	ctx := context.Background()
	ch := registry.Change{Actor: "ecerttest"}
	for _, c := range certs {
		b := c.IssuingBody
		if _, err := reg.Body(ctx, b.ID); err != nil {
			if _, err := reg.RegisterBody(ctx, registry.Body{ID: b.ID, Name: b.Name, Accreditation: b.Accreditation, Country: b.Country, Status: registry.BodyActive}, ch); err != nil {
				t.Fatalf("ecerttest: register body %s: %v", b.ID, err)
			}
			if pki != nil {
				if _, err := reg.AddSealCert(ctx, b.ID, pki.Seal, ch); err != nil {
					t.Fatalf("ecerttest: add seal certificate for %s: %v", b.ID, err)
				}
			}
		}
		var err error
		if c.Version > 1 {
			_, err = reg.Modify(ctx, c, ch)
		} else {
			_, err = reg.Issue(ctx, c, ch)
		}
		if err != nil {
			t.Fatalf("ecerttest: record %s v%d: %v", c.Number, c.Version, err)
		}
	}
}
