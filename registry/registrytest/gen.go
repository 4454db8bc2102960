package registrytest

import (
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/certgen"
	"github.com/ecertkit/ecertkit/registry"
)

// The generator lives in internal/certgen, so that the ecert command can
// use it without linking this package; these are its names here.

// BodyID is the issuing body of generated certificates.
const BodyID = certgen.BodyID

// GenBody returns the issuing body of generated certificates.
func GenBody() registry.Body { return certgen.Body() }

// GenNumber returns the number of the i-th generated certificate: 16
// digits, in the CCC format.
func GenNumber(i int) string { return certgen.Number(i) }

// GenHolder returns the English holder name of the i-th certificate;
// every 10 consecutive certificates share a holder.
func GenHolder(i int) string { return certgen.Holder(i) }

// Gen returns the i-th generated certificate: a small, valid CCC
// certificate (two models) with a distinct number, a holder shared by
// ten certificates, and validity from 2024-01-01 for five years.
func Gen(i int) *ecert.Certificate { return certgen.Cert(i) }
