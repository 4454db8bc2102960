package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Store keeps what the services need beside the registry: principals and
// their credentials, the sealed documents of each version, subscriptions
// and the push outbox, inquiries and the record of checks. It works on a
// *sql.DB opened by the caller with a SQLite driver (modernc.org/sqlite
// registers "sqlite"); everything survives a restart.
type Store struct {
	db  *sql.DB
	now func() time.Time

	checks    chan CheckRecord // queue of RecordCheckAsync
	recording atomic.Bool      // RunCheckRecorder is running
}

// ErrNotFound is returned for an unknown token, document, inquiry or
// subscription.
var ErrNotFound = errors.New("httpapi: not found")

const schema = `
CREATE TABLE IF NOT EXISTS principals (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	body_id TEXT NOT NULL DEFAULT '',
	token_hash TEXT UNIQUE,
	cert_spki TEXT UNIQUE,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
	number TEXT NOT NULL,
	version INTEGER NOT NULL,
	kind TEXT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (number, version, kind)
);
CREATE TABLE IF NOT EXISTS subscriptions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	principal TEXT NOT NULL,
	kind TEXT NOT NULL,
	address TEXT NOT NULL,
	secret TEXT NOT NULL DEFAULT '',
	body_id TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	subscription INTEGER NOT NULL,
	log_index INTEGER NOT NULL,
	number TEXT NOT NULL,
	version INTEGER NOT NULL,
	event TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	done INTEGER NOT NULL DEFAULT 0,
	UNIQUE (subscription, log_index)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (done, next_at);
CREATE TABLE IF NOT EXISTS cursors (
	name TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inquiries (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	number TEXT NOT NULL,
	body_id TEXT NOT NULL,
	opened_by TEXT NOT NULL,
	subject TEXT NOT NULL,
	status TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inquiry_messages (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	inquiry INTEGER NOT NULL,
	author TEXT NOT NULL,
	author_name TEXT NOT NULL,
	text TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	number TEXT NOT NULL,
	body_id TEXT NOT NULL DEFAULT '',
	verdict TEXT NOT NULL,
	failed_part TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	client TEXT NOT NULL,
	channel TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_body ON checks (body_id, verdict, at);
CREATE TABLE IF NOT EXISTS acks (
	principal TEXT NOT NULL,
	log_index INTEGER NOT NULL,
	number TEXT NOT NULL,
	version INTEGER NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (principal, log_index)
);
`

// OpenStore creates the tables when missing and returns the Store.
func OpenStore(ctx context.Context, db *sql.DB) (*Store, error) {
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("httpapi: create tables: %w", err)
		}
	}
	return &Store{db: db, now: time.Now, checks: make(chan CheckRecord, 4096)}, nil
}

// DB returns the database the Store works on.
func (s *Store) DB() *sql.DB { return s.db }

// Principal is an authenticated client: an issuing body (BodyID set),
// which may change and answer for its own certificates, or an authorised
// party (a foreign authority, an importer), which may pull in bulk,
// subscribe and file inquiries.
type Principal struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	BodyID string `json:"bodyId,omitempty"`
}

// IsBody reports whether the principal acts for an issuing body.
func (p *Principal) IsBody() bool { return p != nil && p.BodyID != "" }

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// AddPrincipal registers a principal and returns a new API token for it,
// shown once: the store keeps only its SHA-256. A principal that exists
// gets a new token and the old one stops working.
func (s *Store) AddPrincipal(ctx context.Context, p Principal) (token string, err error) {
	if p.ID == "" || p.Name == "" {
		return "", fmt.Errorf("httpapi: add principal: ID and Name are required")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("httpapi: add principal: %w", err)
	}
	token = "ect_" + base64.RawURLEncoding.EncodeToString(b[:])
	_, err = s.db.ExecContext(ctx, `INSERT INTO principals (id, name, body_id, token_hash, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, body_id = excluded.body_id, token_hash = excluded.token_hash`,
		p.ID, p.Name, p.BodyID, tokenHash(token), s.now().UnixMicro())
	if err != nil {
		return "", fmt.Errorf("httpapi: add principal: %w", err)
	}
	return token, nil
}

// SetClientCert lets the principal authenticate with a TLS client
// certificate whose SubjectPublicKeyInfo has the SHA-256 spki (hex, as
// SPKIHex). The principal must exist.
func (s *Store) SetClientCert(ctx context.Context, id, spki string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE principals SET cert_spki = ? WHERE id = ?`, strings.ToLower(spki), id)
	if err != nil {
		return fmt.Errorf("httpapi: set client certificate: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("httpapi: set client certificate: principal %q: %w", id, ErrNotFound)
	}
	return nil
}

func (s *Store) principalBy(ctx context.Context, col, val string) (*Principal, error) {
	var p Principal
	err := s.db.QueryRowContext(ctx, `SELECT id, name, body_id FROM principals WHERE `+col+` = ?`, val).Scan(&p.ID, &p.Name, &p.BodyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("httpapi: principal: %w", err)
	}
	return &p, nil
}

// PrincipalByToken returns the principal holding an API token.
func (s *Store) PrincipalByToken(ctx context.Context, token string) (*Principal, error) {
	return s.principalBy(ctx, "token_hash", tokenHash(token))
}

// PrincipalByCert returns the principal registered for a client
// certificate's SPKI hash (hex).
func (s *Store) PrincipalByCert(ctx context.Context, spki string) (*Principal, error) {
	return s.principalBy(ctx, "cert_spki", strings.ToLower(spki))
}

// Document kinds kept per version.
const (
	KindPDF       = "pdf"       // the sealed certificate
	KindXML       = "xml"       // its UN/CEFACT SPS XML
	KindStatement = "statement" // the sealed statement of modification (versions > 1)
)

// MaxDocument bounds a stored document.
const MaxDocument = 64 << 20

// PutDocument stores a document of a version, replacing one of the same
// kind.
func (s *Store) PutDocument(ctx context.Context, number string, version int, kind string, data []byte) error {
	if len(data) > MaxDocument {
		return fmt.Errorf("httpapi: put document %s v%d %s: %d bytes exceed %d", number, version, kind, len(data), MaxDocument)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO documents (number, version, kind, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (number, version, kind) DO UPDATE SET data = excluded.data`, number, version, kind, data)
	if err != nil {
		return fmt.Errorf("httpapi: put document %s v%d %s: %w", number, version, kind, err)
	}
	return nil
}

// Document returns a stored document, or ErrNotFound.
func (s *Store) Document(ctx context.Context, number string, version int, kind string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM documents WHERE number = ? AND version = ? AND kind = ?`, number, version, kind).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("httpapi: document %s v%d %s: %w", number, version, kind, err)
	}
	return data, nil
}

func (s *Store) cursor(ctx context.Context, name string) (uint64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("httpapi: cursor %s: %w", name, err)
	}
	return uint64(v), nil
}

// CheckRecord is one check made through the portal or the APIs.
type CheckRecord struct {
	ID     int64   `json:"id"`
	Number string  `json:"number"`
	BodyID string  `json:"bodyId,omitempty"`
	Result Outcome `json:"verdict"`
	Failed Part    `json:"failedPart,omitempty"`
	Reason string  `json:"reason,omitempty"`
	Client string  `json:"client"`
	// Channel is where the check came from: "portal", "rest", "soap".
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
}

// RecordCheck records a check. Number may be empty when none could be
// read from the document.
func (s *Store) RecordCheck(ctx context.Context, c CheckRecord) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO checks (number, body_id, verdict, failed_part, reason, client, channel, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		truncate(c.Number, 200), c.BodyID, string(c.Result), string(c.Failed), truncate(c.Reason, 2000), truncate(c.Client, 200), c.Channel, c.At.UnixMicro())
	if err != nil {
		return fmt.Errorf("httpapi: record check: %w", err)
	}
	return nil
}

// RecordCheckAsync records a check through the batching recorder when
// RunCheckRecorder runs (waiting when its queue is full, so nothing is
// dropped), else at once.
func (s *Store) RecordCheckAsync(ctx context.Context, c CheckRecord) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	if !s.recording.Load() {
		return s.RecordCheck(ctx, c)
	}
	select {
	case s.checks <- c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RunCheckRecorder writes queued check records in batches (one
// transaction per up to 1000 records or 100 ms) until ctx ends, then
// writes what is left. Busy public endpoints record through it.
func (s *Store) RunCheckRecorder(ctx context.Context) error {
	s.recording.Store(true)
	batch := make([]CheckRecord, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.insertChecks(context.WithoutCancel(ctx), batch)
		batch = batch[:0]
		return err
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var firstErr error
	for {
		select {
		case c := <-s.checks:
			batch = append(batch, c)
			if len(batch) == cap(batch) {
				if err := flush(); err != nil && firstErr == nil {
					firstErr = err
				}
			}
		case <-t.C:
			if err := flush(); err != nil && firstErr == nil {
				firstErr = err
			}
		case <-ctx.Done():
			s.recording.Store(false)
			for {
				select {
				case c := <-s.checks:
					batch = append(batch, c)
					continue
				default:
				}
				break
			}
			if err := flush(); err != nil && firstErr == nil {
				firstErr = err
			}
			return firstErr
		}
	}
}

// checkRows is the row count of insertChecks' multi-row INSERT: one
// statement per 64 records costs SQLite far less than one per record.
const checkRows = 64

const insertCheckHead = `INSERT INTO checks (number, body_id, verdict, failed_part, reason, client, channel, at) VALUES `

func insertChecksSQL(rows int) string {
	return insertCheckHead + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", rows), ", ")
}

var insertChecksFull = insertChecksSQL(checkRows)

func (s *Store) insertChecks(ctx context.Context, cs []CheckRecord) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("httpapi: record checks: %w", err)
	}
	defer tx.Rollback()
	args := make([]any, 0, 8*checkRows)
	for len(cs) > 0 {
		n := min(len(cs), checkRows)
		args = args[:0]
		for _, c := range cs[:n] {
			args = append(args, truncate(c.Number, 200), c.BodyID, string(c.Result), string(c.Failed), truncate(c.Reason, 2000),
				truncate(c.Client, 200), c.Channel, c.At.UnixMicro())
		}
		q := insertChecksFull
		if n < checkRows {
			q = insertChecksSQL(n)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("httpapi: record checks: %w", err)
		}
		cs = cs[n:]
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("httpapi: record checks: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// FailedChecks summarises the checks against one issuing body's
// certificates that did not pass: counts by failed part and the latest
// records (at most limit).
type FailedChecks struct {
	BodyID string `json:"bodyId"`
	Total  int    `json:"total"`
	// ByPart counts by the part that failed ("signature", "contents",
	// "status", "unknown-number"; "" for indeterminate checks).
	ByPart map[string]int `json:"byPart"`
	// ByNumber counts by certificate number.
	ByNumber map[string]int `json:"byNumber"`
	Recent   []CheckRecord  `json:"recent"`
}

// FailedChecksFor returns the failed and indeterminate checks against a
// body's certificate numbers.
func (s *Store) FailedChecksFor(ctx context.Context, bodyID string, limit int) (*FailedChecks, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	fc := &FailedChecks{BodyID: bodyID, ByPart: map[string]int{}, ByNumber: map[string]int{}, Recent: []CheckRecord{}}
	rows, err := s.db.QueryContext(ctx, `SELECT failed_part, number, COUNT(*) FROM checks WHERE body_id = ? AND verdict <> 'pass' GROUP BY failed_part, number`, bodyID)
	if err != nil {
		return nil, fmt.Errorf("httpapi: failed checks: %w", err)
	}
	for rows.Next() {
		var part, number string
		var n int
		if err := rows.Scan(&part, &number, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("httpapi: failed checks: %w", err)
		}
		fc.ByPart[part] += n
		fc.ByNumber[number] += n
		fc.Total += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("httpapi: failed checks: %w", err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT id, number, body_id, verdict, failed_part, reason, client, channel, at FROM checks WHERE body_id = ? AND verdict <> 'pass' ORDER BY id DESC LIMIT ?`, bodyID, limit)
	if err != nil {
		return nil, fmt.Errorf("httpapi: failed checks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c CheckRecord
		var verdict, part string
		var at int64
		if err := rows.Scan(&c.ID, &c.Number, &c.BodyID, &verdict, &part, &c.Reason, &c.Client, &c.Channel, &at); err != nil {
			return nil, fmt.Errorf("httpapi: failed checks: %w", err)
		}
		c.Result, c.Failed, c.At = Outcome(verdict), Part(part), time.UnixMicro(at).UTC()
		fc.Recent = append(fc.Recent, c)
	}
	return fc, rows.Err()
}
