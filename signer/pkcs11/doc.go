// Package pkcs11 is the pkcs11: back end of signer: keys on smart cards,
// USB tokens and HSMs, named by RFC 7512 URIs and used through
// github.com/ThalesGroup/crypto11.
//
// Pass Open to signer.Open in signer.Options.Backends, or use
// signer/signers.Open, which does:
//
//	s, err := signers.Open(ctx, "pkcs11:token=Seal;object=seal"+
//		"?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/secrets/seal-pin", nil)
//
// # URI attributes
//
// Path attributes (separated by ";", values percent-encoded):
//
//	token=LABEL      the token's label (select tokens by label, not slot:
//	                 slot numbers change when tokens are added)
//	serial=SERIAL    or the token's serial number
//	slot-id=N        or the slot number
//	object=LABEL     the key's CKA_LABEL
//	id=%01%02        the key's CKA_ID (bytes, percent-encoded)
//	type=private     optional; any other type is refused
//
// Query attributes (separated by "&"):
//
//	module-path=/abs/lib.so    the PKCS#11 module (required unless module-name)
//	module-name=softhsm2       looked up as lib<name>.so / <name>.so in the usual
//	                           Debian directories
//	pin-source=/abs/pin        file holding the user PIN (also "file:/abs/pin");
//	                           one trailing newline is ignored
//	pin-value=1234             the PIN itself (avoid: URIs end up in logs; it
//	                           is redacted from every message)
//	chain=/abs/chain.pem       certificates; without it the certificate on the
//	                           token with the key's id or label is the leaf
//
// At least one of object and id is required. The certificate on the token
// (same id, else same label) is the leaf; certificates from chain= follow
// it, put in order.
//
// # Errors
//
// signer.ErrWrongPIN (CKR_PIN_INCORRECT/INVALID/LEN_RANGE), signer.ErrTokenLocked
// (CKR_PIN_LOCKED, CKR_PIN_EXPIRED),
// signer.ErrTokenNotFound (no token with that label/serial/slot),
// signer.ErrKeyNotFound, signer.ErrCertNotFound, signer.ErrUnsupportedAlgorithm
// (mechanism or key type not supported) and
// signer.ErrTimeout. No error or log message contains the PIN.
//
// # Signing
//
// RSA PKCS#1 v1.5 (CKM_RSA_PKCS with the DigestInfo prefix), RSA-PSS
// (CKM_RSA_PKCS_PSS; PSSSaltLengthAuto is signed with a salt as long as
// the hash) and ECDSA (CKM_ECDSA; the token's raw r||s is returned as
// DER) over SHA-256, SHA-384 or SHA-512 digests.
//
// # Concurrency and cgo
//
// A Signer is safe for concurrent use: crypto11 keeps a pool of sessions.
// Close it to log out and unload the module when the last user is gone.
// Opening the same token twice in one process shares the module's login
// state, as PKCS#11 prescribes: while one Signer for a token is open, a
// second Open of that token does not check its PIN again (the token
// answers CKR_USER_ALREADY_LOGGED_IN, which crypto11 accepts).
//
// PKCS#11 modules are C libraries, so this back end needs cgo. In a build
// without cgo the package still compiles and Open returns
// signer.ErrNeedsCgo.
package pkcs11
