// Package httpapi serves a certificate registry over HTTP: the public
// lookup and the authorised bulk pull (REST JSON described by OpenAPI 3,
// and SOAP 1.1 modelled on the IPPC ePhyto hub), push to subscribers by
// e-mail and webhook from a persisted outbox, inquiries between verifiers
// and issuing bodies, and the record of every check made.
//
// Most servers need three calls:
//
//	st, _ := httpapi.OpenStore(ctx, db)            // *sql.DB, SQLite
//	api := &httpapi.API{Registry: reg, Store: st, Checker: chk}
//	srv := httpapi.NewServer(addr, httpapi.Harden(api.Handler(), httpapi.HardenOptions{}), httpapi.ServerOptions{})
//
// Writes and bulk operations need a Principal: an API token
// ("Authorization: Bearer ...") or a TLS client certificate registered in
// the Store. A principal is either an issuing body (it touches only its own
// certificates) or an authorised party (a foreign authority, an
// importer). Public lookup of one certificate stays open to anyone.
//
// Subpackages build the example services on it: httpapi/issuing (the
// issuing body's REST API) and httpapi/portal (the public verification
// portal).
//
// The package lives beside registry rather than inside it because it
// joins several packages (registry, the XML codec, mail, PDF checks) and
// the registry package stays free of HTTP, SMTP and SQL dependencies. It
// takes a *sql.DB so that the database driver is the caller's choice; the
// SQL is SQLite's.
package httpapi
