// Package ecerttest gives tests of systems built on ecertkit, in one line
// each, what ecertkit's own tests use, in the style of net/http/httptest:
//
//	pki := ecerttest.NewPKI(t)                 // root, issuing CA, seal key (files + signer.Signer)
//	c := ecerttest.CCC(ecerttest.Models(20))   // a realistic certificate
//	reg := ecerttest.Registry(t, pki, c)       // a registry holding it, with the body and its seal
//	pdf := ecerttest.Seal(t, pki, c, pdfseal.SealOptions{Certify: 1})
//	ecerttest.RequirePassed(t, ecerttest.Verify(t, pki, pdf))
//
// Every helper takes a testing.TB, fails the test on error and cleans up
// with t.Cleanup. The TSA and OCSP responder are in-process httptest
// servers that speak the real protocols (RFC 3161 and RFC 6960).
//
// The keys come from signer/testpki: fixed test keys, never for real use.
package ecerttest
