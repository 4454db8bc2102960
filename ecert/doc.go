// Package ecert is the certificate model of ecertkit: one version of an
// electronic certificate of conformity (or a trade/inspection
// certificate), its lifecycle, its validation and its canonical form.
//
// Most callers decode a certificate, validate it and take its digest:
//
//	c, err := ecert.Decode(f)          // strict JSON: unknown fields are errors
//	if err := c.Validate(); err != nil { // every problem, with field paths
//		...
//	}
//	d, _ := c.Digest()                  // SHA-256 of the canonical JSON
//
// The digest is the content fingerprint that the registry stores and that
// verifiers compare with the data embedded in a sealed PDF.
//
// # Lifecycle
//
// A certificate number has versions; only the current one counts. Events
// (Issue, Modify, Renew, Suspend, Reinstate, Revoke, Withdraw) move it
// between statuses:
//
//	event      from                     to
//	issue      (not issued)             valid
//	modify     valid                    new version valid; old one superseded
//	renew      valid, expired           new version valid; old one superseded
//	suspend    valid                    suspended
//	reinstate  suspended                valid
//	revoke     valid, suspended         revoked
//	withdraw   valid, suspended         withdrawn (cancelled)
//
// Any other combination is refused with a *TransitionError naming the
// certificate, its status and the event. StatusAt(t) accounts for expiry:
// a valid or suspended certificate is expired from its ValidUntil on.
// Superseded, revoked and withdrawn are final.
//
// # Canonical form
//
// Canonical returns the bytes that Digest hashes with SHA-256. Another
// implementation reproduces them as follows.
//
//  1. Text: every string, and every map key, is put in Unicode
//     Normalization Form C. Entries of multilingual texts (Text) whose
//     value is empty are dropped; a Text left empty is omitted.
//
//  2. Times are converted to UTC and written in RFC 3339 with as many
//     fractional-second digits as needed and none when zero
//     ("2024-03-15T00:00:00Z", "2024-03-15T01:30:00.5Z").
//
//  3. The result is compact JSON (RFC 8259): no insignificant white space,
//     no trailing newline. Object members appear in the order of the
//     fields of the Go structs in this package (the order of the JSON
//     names in model.go, which is part of this format and never changes
//     within a major version). Optional members are omitted when empty
//     (empty string, zero number, empty array or object, null, zero time);
//     these members are always present, written as "", 0 or null when
//     empty:
//
//     certificate   number scheme version issuingBody holder issueDate validFrom status
//     issuingBody   id name country
//     party         name
//     address       country
//     product       name
//     model         code
//     standard      code
//     signatory     name
//     reference     type id
//     consignment   consignor consignee exportCountry importCountry items
//     transport     mode
//     item          description
//     measure       value unit
//
//     Members of maps (Text, Extensions) are sorted by the bytes of their
//     UTF-8 keys.
//
//  4. Strings are escaped as Go's encoding/json does with HTML escaping
//     off: '"' and '\' with a backslash; \n, \r and \t as such; other
//     control characters below U+0020 as \u00XX (lower-case hex); U+2028
//     and U+2029 as \u2028 and \u2029; everything else as UTF-8. Invalid
//     UTF-8 is replaced by U+FFFD. Integers are written in decimal;
//     decimal quantities are strings and so never reformatted.
//
// testdata/canonical holds golden files of this form for the samples.
package ecert
