// Package ecertkit is a library for electronic certificates of conformity:
// the PDF certificates that certification bodies issue under an official
// electronic seal, and the UN/CEFACT XML e-certificates that inspection
// authorities exchange across borders.
//
// This root package holds no code; it maps the packages and the data flow.
//
// # Data flow
//
//		model  ->  render  ->  seal  ->  publish  ->  verify
//		ecert      pdfseal     pdfseal   registry     pdfseal.Verify + registry.Check
//		           cefact      signer    (events,     (signature valid, contents
//		                                  Merkle log)   consistent, status current)
//
//	 1. Model: an [ecert.Certificate] holds one version of a certificate
//	    (holder, products and models, standards, validity, consignment), its
//	    lifecycle (issue, modify, renew, suspend, reinstate, revoke, withdraw)
//	    and its canonical JSON, whose SHA-256 digest is the content fingerprint.
//	 2. Render: pdfseal.Render lays the certificate out as a bilingual PDF
//	    with its annex, a QR code to the verification page, the round seal,
//	    and the canonical JSON and UN/CEFACT XML embedded as associated files;
//	    cefact.Encode writes the SPS e-cert XML.
//	 3. Seal: pdfseal.Seal signs the PDF (PAdES B-B to B-LTA, certification
//	    signature with DocMDP) with a signer.Signer whose key lives in a file,
//	    a PKCS#11 token or a cloud KMS, opened by URI with signer.Open.
//	 4. Publish: a registry.Registry records the version and its status, with
//	    every event a leaf of an append-only Merkle log with signed checkpoints.
//	 5. Verify: pdfseal.Verify checks the seal and explains the verdict in
//	    ETSI EN 319 102-1 terms; the three-part check adds the registry: the
//	    signature is valid, the contents match the registry's version, and
//	    that version is current and valid now.
//
// # Packages
//
//	ecert      the certificate model, lifecycle, validation, canonical JSON + digest
//	signer     Signer (crypto.Signer + chain) and Open(uri) for file: keys; back ends in
//	           signer/pkcs11 (cgo) and signer/awskms; signer/signers opens every scheme;
//	           signer/testpki is the test PKI
//	pdfseal    Render, Seal, Extend, Verify, Extract; PDF internals in pdfseal/internal
//	cefact     UN/CEFACT SPS XML encode/decode, acknowledgements; XML signatures
//	           (Sign, Verify) in cefact/xmlsig
//	registry   the Registry over a store; back ends registry/memory, registry/sqlite,
//	           registry/postgres; the conformance suite registry/registrytest; the
//	           transparency log registry/tlog
//	check      the three-part check: seal, contents, status
//	httpapi    HTTP for registries: REST + OpenAPI, SOAP pull, push by SMTP and
//	           webhooks, inquiries; httpapi/issuing and httpapi/portal build the
//	           example services, httpapi/demo the demo
//	ecerttest  test helpers for integrators, in the style of net/http/httptest
//	cmd/ecert  the command-line tool, one file per subcommand
//	examples   small main packages: issuer, portal, csvimport, loadtest
//	bench      comparisons with other tools, in a module of its own
//
// docs/integrating.md shows how to bring an existing certification system
// onto the library.
package ecertkit
