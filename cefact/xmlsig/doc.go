// Package xmlsig signs and verifies UN/CEFACT SPS e-certificates (and
// acknowledgements) with enveloped XML signatures. The common case is:
//
//	err := xmlsig.Sign(ctx, w, r, s, nil)                   // s: any signer.Signer
//	v, err := xmlsig.Verify(r, &xmlsig.VerifyOptions{Roots: roots})
//	doc, err := v.Decode(nil)                               // the verified content, never the input
//
// A signed document needs a profile schema with a ds:Signature slot: the
// official 17A schema (SPSCertificate_17p0.xsd) has no place for it, so a
// signed document does not validate against it. Validate before signing,
// or validate against a profile schema that adds an optional ds:Signature
// (from xmldsig-core-schema.xsd) after rsm:SPSConsignment, as the IPPC
// ePhyto and INTERCOM profiles do; cefact/testdata/SPSCertificate_signed_profile.xsd
// is such a profile (it validates our signed output and the INTERCOM
// signed sample).
//
// Sign appends an enveloped ds:Signature (exclusive C14N, SHA-256,
// rsa-sha256 or ecdsa-sha256, KeyInfo with the chain) as the last child of
// the root. The key is used only through a signer.Signer, so keys in
// files, PKCS#11 tokens and cloud KMS all work.
//
// Verify accepts only that shape: one signature, child of the root, one
// reference to the whole document, so the element verified is the root
// the caller decodes (signature wrapping fails with ErrSignatureShape).
// The chain in KeyInfo must lead to VerifyOptions.Roots.
//
// Both read their input through cefact.ReadChecked first, so hostile
// input (DOCTYPE, entity bombs, oversized, too deep, too many elements,
// invalid UTF-8) fails with the same *cefact.DecodeError as cefact.Decode,
// within the limits of cefact.DecodeOptions, before any signature
// processing. Signature failures are *SignatureError wrapping one of the
// Err* values.
package xmlsig
