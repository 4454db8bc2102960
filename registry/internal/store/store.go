// Package store is the contract between the registry's logic and its
// storage back ends. The registry package decides everything (lifecycle,
// log hashing, idempotency); a Store only reads and writes rows, and
// Update gives it one serialized read-write transaction at a time.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is returned by readers for a missing row.
var ErrNotFound = errors.New("not found")

// ErrDuplicate is returned by Write when a row that must be new exists
// (a certificate number, a version, an event sequence, a request key).
var ErrDuplicate = errors.New("duplicate")

// Cert is the current state of one certificate: its current version, its
// recorded status and the columns searches filter on. Times are Unix
// microseconds; ValidUntil 0 means no end.
type Cert struct {
	Number     string
	Version    int
	Revision   int // events recorded for the certificate
	Status     string
	Reason     string
	BodyID     string
	Scheme     string
	ValidFrom  int64
	ValidUntil int64
	Products   string // lower-case product names and model codes, one per line
	Updated    int64
}

// Version is one version's canonical JSON and its digest.
type Version struct {
	Number  string
	Version int
	Digest  [32]byte
	JSON    []byte
	Created int64
}

// Current is a certificate's state with its current version.
type Current struct {
	Cert    Cert
	Version Version
}

// History is a certificate's state with all its versions and events, in
// order, as of one moment.
type History struct {
	Cert     Cert
	Versions []Version
	Events   []Event
}

// Event is one leaf of the log: Seq is its index, Leaf its bytes. Number
// is empty for events about issuing bodies.
type Event struct {
	Seq    uint64
	Number string
	Leaf   []byte
}

// Term is a search key: kind 'h' for holder names, 'm' for manufacturer
// names, in lower case.
type Term struct {
	Kind   string
	Term   string
	Number string
}

// Node is a perfect subtree hash of the log; ID is NodeID(level, index).
type Node struct {
	ID   uint64
	Hash []byte
}

// NodeID packs a tree level and an index at that level.
func NodeID(level uint, index uint64) uint64 { return uint64(level)<<56 | index }

// Request records an idempotency key: the fingerprint of the request and
// the log index of the event it produced.
type Request struct {
	Key         string
	Fingerprint [32]byte
	Seq         uint64
}

// Body is an issuing body; JSON holds the registry.Body encoding.
type Body struct {
	ID      string
	Status  string
	JSON    []byte
	Updated int64
}

// SealCert is a seal certificate registered for a body.
type SealCert struct {
	SPKI      [32]byte
	BodyID    string
	NotBefore int64
	NotAfter  int64
	DER       []byte
	Added     int64
}

// Query is a validated search. Prefixes and text are lower case.
// Status is an effective status, evaluated at Now.
type Query struct {
	HolderPrefix       string
	ManufacturerPrefix string
	ProductText        string
	BodyID             string
	Scheme             string
	Status             string
	Now                int64
	ValidFrom, ValidTo int64 // validity overlaps [ValidFrom, ValidTo); 0 = open
	After              string
	Limit              int
}

// Writes is everything one transaction changes. Write applies it all or,
// with an error, nothing (the transaction then rolls back).
type Writes struct {
	NewCerts     []Cert
	UpdatedCerts []Cert
	Versions     []Version
	Events       []Event
	// DeleteTerms are deleted before Terms are inserted: the terms of
	// versions that a new version replaces.
	DeleteTerms []Term
	Terms       []Term
	Nodes       []Node
	Requests    []Request
	Bodies      []Body // upserted
	SealCerts   []SealCert
	// LogSize is the log size after the writes.
	LogSize uint64
}

// Reader reads committed state (or, inside Update, the transaction's).
type Reader interface {
	Cert(ctx context.Context, number string) (Cert, error)
	Current(ctx context.Context, number string) (Current, error)
	Version(ctx context.Context, number string, version int) (Version, error)
	Versions(ctx context.Context, number string) ([]Version, error)
	// VersionByDigest returns the version of number whose digest is d.
	VersionByDigest(ctx context.Context, number string, d [32]byte) (int, error)
	// Check returns the certificate's state and the version whose digest
	// is d (0 if none) in one read.
	Check(ctx context.Context, number string, d [32]byte) (Cert, int, error)
	Events(ctx context.Context, number string) ([]Event, error)
	// History reads a certificate's state, versions and events in one
	// consistent read.
	History(ctx context.Context, number string) (History, error)
	Search(ctx context.Context, q Query) ([]Current, error)
	Body(ctx context.Context, id string) (Body, error)
	Bodies(ctx context.Context) ([]Body, error)
	SealCert(ctx context.Context, spki [32]byte) (SealCert, error)
	SealCerts(ctx context.Context, bodyID string) ([]SealCert, error)
	Request(ctx context.Context, key string) (Request, error)
	LogSize(ctx context.Context) (uint64, error)
	// Nodes returns the hashes of ids in order; a missing one is an error.
	Nodes(ctx context.Context, ids []uint64) ([][]byte, error)
	// Leaves returns events with start <= Seq < end in order.
	Leaves(ctx context.Context, start, end uint64) ([]Event, error)
}

// RangeReader is implemented by back ends that read a range of log
// entries and a range of node ids with one query: what an inclusion
// proof needs below the cached tree levels. Ranges are [from, to).
type RangeReader interface {
	Ranges(ctx context.Context, leafFrom, leafTo, nodeFrom, nodeTo uint64) ([]Event, [][]byte, error)
}

// Tx is a read-write transaction. Writers are serialized: a Store runs
// one Update at a time across all processes sharing it.
type Tx interface {
	Reader
	Write(ctx context.Context, w *Writes) error
}

// Store is a storage back end.
type Store interface {
	Reader
	Update(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}
