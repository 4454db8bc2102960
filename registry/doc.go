// Package registry records electronic certificates of conformity: every
// version, its status over time, the issuing bodies and their seal
// certificates, and an append-only, verifiable log of every change.
//
// A verifier's question "may I rely on this certificate?" is Check: give
// it the certificate number and the digest of the contents you hold
// (ecert.Certificate.Digest of the JSON embedded in the PDF) and it says
// which version that is, whether it is current and its status now:
//
//	reg, err := sqlite.Open(ctx, "registry.db", registry.Options{})
//	res, err := reg.Check(ctx, number, digest)
//	if res.OK() { ... } // the current version, valid now
//
// CheckSeal adds the seal: the certificate that sealed the PDF must be a
// registered seal certificate of the issuing body (res.BodyID), accepted
// at the signing time.
//
// # Back ends
//
// One Registry type runs on three storage back ends, each in its own
// package, all passing the same conformance suite (registrytest):
//
//	registry/memory    in memory, for tests and tools
//	registry/sqlite    one SQLite file (pure Go, WAL); the embedded default
//	registry/postgres  PostgreSQL via pgx, for larger deployments
//
// # Changes
//
// Issue, Modify, Renew, Suspend, Reinstate, Revoke and Withdraw each
// record one Event (time, reason, actor) and follow the lifecycle of
// ecert.Next: a revoked certificate cannot be reinstated, an expired one
// can only be renewed. Modify and Renew take the new version, built with
// ecert.Certificate.NewVersion. Every change runs in one serialized
// transaction, so:
//
//   - Optimistic concurrency: a new version must follow the current one,
//     and Change.ExpectedVersion / Change.ExpectedRevision guard status
//     changes. Of two concurrent changes made from the same state exactly
//     one wins; the other gets a *ConflictError.
//   - Idempotent retries: a Change.RequestKey makes a retried call return
//     the first call's receipt instead of changing anything twice.
//   - Issuing bodies must be registered (RegisterBody) and active to
//     issue, modify, renew or reinstate (*BodyError otherwise).
//
// Errors are typed: *NotFoundError (errors.Is ErrNotFound),
// *ConflictError (ErrConflict), *ecert.TransitionError, *InputError,
// *BodyError, *SealError, *QueryError and *RequestKeyError.
//
// # The transparency log
//
// Every event, of certificates and of issuing bodies, is a leaf of a
// Merkle tree hashed as in RFC 6962. The leaf is the event's JSON exactly
// as stored (see Event): kind, type, number, version, digest of the
// version's contents, resulting status, issuing body, time, reason and
// actor. Checkpoints are C2SP tlog-checkpoint notes (origin, tree size,
// root hash) signed as C2SP signed notes by Options.LogSigners — an
// Ed25519 note key (note.NewSigner) or any crypto.Signer such as a
// signer.Signer on a token or KMS (tlog.NewSigner; ECDSA uses the C2SP
// type 0x02, RSA a documented 0xff type).
//
// InclusionProof returns a self-contained proof (leaf, audit path,
// signed checkpoint) that package tlog verifies offline with only the
// log's origin and public key; ConsistencyProof proves that a later
// checkpoint extends an earlier one.
//
// What the log proves: that an event with exactly these bytes is at this
// position of the log whose root the registry signed; and, with
// consistency proofs, that the registry never rewrote or removed
// history behind a checkpoint someone saw. Two parties who compare
// checkpoints (or a witness who cosigns them) would catch a registry
// showing them different histories.
//
// What it does not prove: that an inclusion proof shows the latest event
// of a certificate. A leaf "issued" stays in the log after a "revoked";
// to know the current status ask the registry (Get, Check), or replay the
// log up to a checkpoint you trust. Nor does it prove that an event is
// true, only that the registry said it, and when (by its own clock).
//
// A monitor replays the log: it keeps the last checkpoint it verified
// (size n, root r); fetches and opens a new signed checkpoint; checks a
// ConsistencyProof from n; fetches LogEntries from n to the new size,
// appends each leaf to a tlog.Tree resumed at n (or rebuilt from 0) and
// compares the root with the checkpoint; then decodes each Event and
// applies it to its own copy of the certificates' status, where it can
// check what it cares about (no event by an unknown actor, no
// reinstatement after a revocation, every issue by an accredited body)
// and answer Check itself. VerifyLog is the same replay run inside.
//
// # Search and bulk data
//
// Search filters by holder or manufacturer name prefix, product or model
// text, issuing body, scheme, status now and validity period, in pages
// ordered by number with an opaque cursor. Import and Export stream JSON
// lines (one certificate or issuing body per line) in batched
// transactions; the ecert CLI wraps them as "ecert registry import" and
// "ecert registry export".
package registry
