// Package postgres is the registry back end for deployments that outgrow
// one machine: PostgreSQL through github.com/jackc/pgx/v5, with
// replicas, backups and managed services as PostgreSQL offers them. The
// schema migrations are built in; several processes may share one
// database (writers take turns on a row lock of the log head).
//
//	reg, err := postgres.Open(ctx, "postgres://user@host/db", registry.Options{})
//
// Put the registry in its own schema by adding search_path=SCHEMA to the
// connection string. Import uses COPY for large batches.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/internal/store"
)

// migrations are applied in order; append, never edit.
var migrations = []string{
	`CREATE TABLE certs (
		number TEXT COLLATE "C" PRIMARY KEY,
		version INTEGER NOT NULL,
		revision INTEGER NOT NULL,
		status TEXT NOT NULL,
		reason TEXT NOT NULL,
		body_id TEXT NOT NULL,
		scheme TEXT NOT NULL,
		valid_from BIGINT NOT NULL,
		valid_until BIGINT NOT NULL,
		products TEXT NOT NULL,
		updated BIGINT NOT NULL
	);
	CREATE TABLE versions (
		number TEXT COLLATE "C" NOT NULL,
		version INTEGER NOT NULL,
		digest BYTEA NOT NULL,
		json BYTEA NOT NULL,
		created BIGINT NOT NULL,
		PRIMARY KEY (number, version)
	);
	CREATE TABLE events (
		seq BIGINT PRIMARY KEY,
		number TEXT COLLATE "C" NOT NULL,
		leaf BYTEA NOT NULL
	);
	CREATE INDEX events_number ON events (number, seq);
	CREATE TABLE terms (
		kind TEXT NOT NULL,
		term TEXT COLLATE "C" NOT NULL,
		number TEXT COLLATE "C" NOT NULL,
		PRIMARY KEY (kind, term, number)
	);
	CREATE INDEX terms_number ON terms (number);
	CREATE TABLE nodes (
		id BIGINT PRIMARY KEY,
		hash BYTEA NOT NULL
	);
	CREATE TABLE requests (
		key TEXT PRIMARY KEY,
		fingerprint BYTEA NOT NULL,
		seq BIGINT NOT NULL
	);
	CREATE TABLE bodies (
		id TEXT COLLATE "C" PRIMARY KEY,
		status TEXT NOT NULL,
		json BYTEA NOT NULL,
		updated BIGINT NOT NULL
	);
	CREATE TABLE seal_certs (
		spki BYTEA PRIMARY KEY,
		body_id TEXT NOT NULL,
		not_before BIGINT NOT NULL,
		not_after BIGINT NOT NULL,
		der BYTEA NOT NULL,
		added BIGINT NOT NULL
	);
	CREATE INDEX seal_certs_body ON seal_certs (body_id);
	CREATE TABLE log_head (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		size BIGINT NOT NULL
	);
	INSERT INTO log_head (id, size) VALUES (1, 0);`,
	// Version 2: terms are deleted by their key (the registry knows the
	// terms of the version it replaces), so the index by number, one
	// more index entry per term on every import, goes (as in SQLite).
	`DROP INDEX IF EXISTS terms_number;`,
}

// Open connects to the database named by a pgx connection string and
// brings the registry's schema up to date.
func Open(ctx context.Context, dsn string, opts registry.Options) (*registry.Registry, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &pgStore{pool: pool, reader: reader{q: pool}}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return registry.New(s, opts), nil
}

type pgStore struct {
	pool *pgxpool.Pool
	reader
}

func (s *pgStore) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7366010542)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var v int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("migrate: the database has schema version %d, newer than this program's %d", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrate to version %d: %w", i+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, i+1); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		return nil
	})
}

func (s *pgStore) Close() error {
	s.pool.Close()
	return nil
}

func (s *pgStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The log head's row lock serializes writers across processes.
		if _, err := tx.Exec(ctx, `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`); err != nil {
			return fmt.Errorf("postgres: lock log: %w", err)
		}
		return fn(&pgTx{reader: reader{q: tx}, tx: tx})
	})
}

type pgTx struct {
	reader
	tx pgx.Tx
}

// copyThreshold is the row count from which a table's rows are written
// with COPY rather than a batch of INSERTs.
const copyThreshold = 64

func dup(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("postgres: %w: %v", store.ErrDuplicate, err)
	}
	return fmt.Errorf("postgres: write: %w", err)
}

func (t *pgTx) Write(ctx context.Context, w *store.Writes) error {
	b := &pgx.Batch{}
	copies := []struct {
		table string
		cols  []string
		n     int
		row   func(i int) []any
	}{
		{"certs", []string{"number", "version", "revision", "status", "reason", "body_id", "scheme", "valid_from", "valid_until", "products", "updated"}, len(w.NewCerts), func(i int) []any {
			c := w.NewCerts[i]
			return []any{c.Number, c.Version, c.Revision, c.Status, c.Reason, c.BodyID, c.Scheme, c.ValidFrom, c.ValidUntil, c.Products, c.Updated}
		}},
		{"versions", []string{"number", "version", "digest", "json", "created"}, len(w.Versions), func(i int) []any {
			v := w.Versions[i]
			return []any{v.Number, v.Version, v.Digest[:], v.JSON, v.Created}
		}},
		{"events", []string{"seq", "number", "leaf"}, len(w.Events), func(i int) []any {
			e := w.Events[i]
			return []any{int64(e.Seq), e.Number, e.Leaf}
		}},
		{"nodes", []string{"id", "hash"}, len(w.Nodes), func(i int) []any {
			n := w.Nodes[i]
			return []any{int64(n.ID), n.Hash}
		}},
	}
	// Terms may repeat a (kind, term, number) that COPY would refuse:
	// they go as three arrays in one statement (many) or a statement
	// each (few).
	if len(w.DeleteTerms) >= copyThreshold {
		b.Queue(`DELETE FROM terms WHERE (kind, term, number) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`, termColumns(w.DeleteTerms)...)
	} else {
		for _, tm := range w.DeleteTerms {
			b.Queue(`DELETE FROM terms WHERE kind = $1 AND term = $2 AND number = $3`, tm.Kind, tm.Term, tm.Number)
		}
	}
	if len(w.Terms) >= copyThreshold {
		b.Queue(`INSERT INTO terms (kind, term, number) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`, termColumns(w.Terms)...)
	} else {
		for _, tm := range w.Terms {
			b.Queue(`INSERT INTO terms (kind, term, number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, tm.Kind, tm.Term, tm.Number)
		}
	}
	for _, c := range copies {
		if c.n == 0 || c.n >= copyThreshold {
			continue
		}
		ph := make([]string, len(c.cols))
		for i := range ph {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
		q := `INSERT INTO ` + c.table + ` (` + strings.Join(c.cols, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
		for i := 0; i < c.n; i++ {
			b.Queue(q, c.row(i)...)
		}
	}
	for _, c := range w.UpdatedCerts {
		b.Queue(`UPDATE certs SET version = $1, revision = $2, status = $3, reason = $4, body_id = $5, scheme = $6, valid_from = $7, valid_until = $8, products = $9, updated = $10 WHERE number = $11`,
			c.Version, c.Revision, c.Status, c.Reason, c.BodyID, c.Scheme, c.ValidFrom, c.ValidUntil, c.Products, c.Updated, c.Number)
	}
	for _, q := range w.Requests {
		b.Queue(`INSERT INTO requests (key, fingerprint, seq) VALUES ($1, $2, $3)`, q.Key, q.Fingerprint[:], int64(q.Seq))
	}
	for _, bd := range w.Bodies {
		b.Queue(`INSERT INTO bodies (id, status, json, updated) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET status = excluded.status, json = excluded.json, updated = excluded.updated`, bd.ID, bd.Status, bd.JSON, bd.Updated)
	}
	for _, sc := range w.SealCerts {
		b.Queue(`INSERT INTO seal_certs (spki, body_id, not_before, not_after, der, added) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (spki) DO UPDATE SET not_before = excluded.not_before, not_after = excluded.not_after`,
			sc.SPKI[:], sc.BodyID, sc.NotBefore, sc.NotAfter, sc.DER, sc.Added)
	}
	b.Queue(`UPDATE log_head SET size = $1 WHERE id = 1`, int64(w.LogSize))
	for _, c := range copies {
		if c.n < copyThreshold {
			continue
		}
		if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromSlice(c.n, func(i int) ([]any, error) { return c.row(i), nil })); err != nil {
			return dup(err)
		}
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return dup(err)
	}
	return nil
}

// termColumns returns the kinds, terms and numbers of ts as three
// arrays.
func termColumns(ts []store.Term) []any {
	kinds, terms, numbers := make([]string, len(ts)), make([]string, len(ts)), make([]string, len(ts))
	for i, tm := range ts {
		kinds[i], terms[i], numbers[i] = tm.Kind, tm.Term, tm.Number
	}
	return []any{kinds, terms, numbers}
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type reader struct{ q querier }

func noRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

const certCols = `c.number, c.version, c.revision, c.status, c.reason, c.body_id, c.scheme, c.valid_from, c.valid_until, c.products, c.updated`

type scanner interface{ Scan(...any) error }

func scanCert(sc scanner, extra ...any) (store.Cert, error) {
	var c store.Cert
	err := sc.Scan(append([]any{&c.Number, &c.Version, &c.Revision, &c.Status, &c.Reason, &c.BodyID, &c.Scheme, &c.ValidFrom, &c.ValidUntil, &c.Products, &c.Updated}, extra...)...)
	return c, err
}

func (r reader) Cert(ctx context.Context, number string) (store.Cert, error) {
	c, err := scanCert(r.q.QueryRow(ctx, `SELECT `+certCols+` FROM certs c WHERE c.number = $1`, number))
	return c, noRows(err)
}

func (r reader) Current(ctx context.Context, number string) (store.Current, error) {
	var cur store.Current
	var d []byte
	c, err := scanCert(r.q.QueryRow(ctx, `SELECT `+certCols+`, v.digest, v.json, v.created FROM certs c JOIN versions v ON v.number = c.number AND v.version = c.version WHERE c.number = $1`, number), &d, &cur.Version.JSON, &cur.Version.Created)
	if err != nil {
		return cur, noRows(err)
	}
	cur.Cert = c
	cur.Version.Number, cur.Version.Version = c.Number, c.Version
	cur.Version.Digest, err = store.DigestOf(d)
	return cur, err
}

func (r reader) Version(ctx context.Context, number string, version int) (store.Version, error) {
	v := store.Version{Number: number}
	var d []byte
	err := r.q.QueryRow(ctx, `SELECT version, digest, json, created FROM versions WHERE number = $1 AND version = $2`, number, version).Scan(&v.Version, &d, &v.JSON, &v.Created)
	if err != nil {
		return v, noRows(err)
	}
	v.Digest, err = store.DigestOf(d)
	return v, err
}

func (r reader) Versions(ctx context.Context, number string) ([]store.Version, error) {
	rows, err := r.q.Query(ctx, `SELECT version, digest, json, created FROM versions WHERE number = $1 ORDER BY version`, number)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v := store.Version{Number: number}
		var d []byte
		if err := rows.Scan(&v.Version, &d, &v.JSON, &v.Created); err != nil {
			return nil, err
		}
		if v.Digest, err = store.DigestOf(d); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (r reader) VersionByDigest(ctx context.Context, number string, d [32]byte) (int, error) {
	var v int
	err := r.q.QueryRow(ctx, `SELECT MAX(version) FROM versions WHERE number = $1 AND digest = $2 HAVING COUNT(*) > 0`, number, d[:]).Scan(&v)
	return v, noRows(err)
}

func (r reader) Check(ctx context.Context, number string, d [32]byte) (store.Cert, int, error) {
	var v int
	c, err := scanCert(r.q.QueryRow(ctx, `SELECT `+certCols+`, COALESCE((SELECT MAX(v.version) FROM versions v WHERE v.number = c.number AND v.digest = $1), 0) FROM certs c WHERE c.number = $2`, d[:], number), &v)
	return c, v, noRows(err)
}

func scanEvents(rows pgx.Rows, err error) ([]store.Event, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		var seq int64
		if err := rows.Scan(&seq, &e.Number, &e.Leaf); err != nil {
			return nil, err
		}
		e.Seq = uint64(seq)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (r reader) Events(ctx context.Context, number string) ([]store.Event, error) {
	return scanEvents(r.q.Query(ctx, `SELECT seq, number, leaf FROM events WHERE number = $1 ORDER BY seq`, number))
}

// historySQL reads a certificate's row (kind 0), versions (1) and events
// (2) with one statement, so from one snapshot.
const historySQL = `SELECT 0, version::bigint, revision::bigint, status, reason, body_id, scheme, products, valid_from, valid_until, updated, NULL::bytea, NULL::bytea FROM certs WHERE number = $1
	UNION ALL SELECT 1, version, created, '', '', '', '', '', 0, 0, 0, digest, json FROM versions WHERE number = $1
	UNION ALL SELECT 2, seq, 0, '', '', '', '', '', 0, 0, 0, NULL, leaf FROM events WHERE number = $1
	ORDER BY 1, 2`

func (r reader) History(ctx context.Context, number string) (store.History, error) {
	rows, err := r.q.Query(ctx, historySQL, number)
	if err != nil {
		return store.History{}, err
	}
	defer rows.Close()
	return store.ScanHistory(rows, number)
}

func (r reader) Leaves(ctx context.Context, start, end uint64) ([]store.Event, error) {
	return scanEvents(r.q.Query(ctx, `SELECT seq, number, leaf FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq`, int64(start), int64(end)))
}

const maxRune = "\U0010FFFF"

func (r reader) Search(ctx context.Context, q store.Query) ([]store.Current, error) {
	var sb strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	sb.WriteString(`SELECT ` + certCols + `, v.digest, v.json, v.created FROM certs c JOIN versions v ON v.number = c.number AND v.version = c.version WHERE c.number > ` + arg(q.After))
	if q.HolderPrefix != "" {
		sb.WriteString(` AND c.number IN (SELECT number FROM terms WHERE kind = 'h' AND term >= ` + arg(q.HolderPrefix) + ` AND term < ` + arg(q.HolderPrefix+maxRune) + `)`)
	}
	if q.ManufacturerPrefix != "" {
		sb.WriteString(` AND EXISTS (SELECT 1 FROM terms t WHERE t.kind = 'm' AND t.term >= ` + arg(q.ManufacturerPrefix) + ` AND t.term < ` + arg(q.ManufacturerPrefix+maxRune) + ` AND t.number = c.number)`)
	}
	if q.ProductText != "" {
		sb.WriteString(` AND strpos(c.products, ` + arg(q.ProductText) + `) > 0`)
	}
	if q.BodyID != "" {
		sb.WriteString(` AND c.body_id = ` + arg(q.BodyID))
	}
	if q.Scheme != "" {
		sb.WriteString(` AND c.scheme = ` + arg(q.Scheme))
	}
	switch q.Status {
	case "":
	case "valid", "suspended":
		sb.WriteString(` AND c.status = ` + arg(q.Status) + ` AND (c.valid_until = 0 OR c.valid_until > ` + arg(q.Now) + `)`)
	case "expired":
		sb.WriteString(` AND c.status IN ('valid', 'suspended') AND c.valid_until <> 0 AND c.valid_until <= ` + arg(q.Now))
	default:
		sb.WriteString(` AND c.status = ` + arg(q.Status))
	}
	if q.ValidTo != 0 {
		sb.WriteString(` AND c.valid_from < ` + arg(q.ValidTo))
	}
	if q.ValidFrom != 0 {
		sb.WriteString(` AND (c.valid_until = 0 OR c.valid_until > ` + arg(q.ValidFrom) + `)`)
	}
	sb.WriteString(` ORDER BY c.number LIMIT ` + arg(q.Limit))
	rows, err := r.q.Query(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Current
	for rows.Next() {
		var cur store.Current
		var d []byte
		c, err := scanCert(rows, &d, &cur.Version.JSON, &cur.Version.Created)
		if err != nil {
			return nil, err
		}
		cur.Cert = c
		cur.Version.Number, cur.Version.Version = c.Number, c.Version
		if cur.Version.Digest, err = store.DigestOf(d); err != nil {
			return nil, err
		}
		out = append(out, cur)
	}
	return out, rows.Err()
}

func scanBody(sc scanner) (store.Body, error) {
	var b store.Body
	err := sc.Scan(&b.ID, &b.Status, &b.JSON, &b.Updated)
	return b, noRows(err)
}

func (r reader) Body(ctx context.Context, id string) (store.Body, error) {
	return scanBody(r.q.QueryRow(ctx, `SELECT id, status, json, updated FROM bodies WHERE id = $1`, id))
}

func (r reader) Bodies(ctx context.Context) ([]store.Body, error) {
	rows, err := r.q.Query(ctx, `SELECT id, status, json, updated FROM bodies ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Body
	for rows.Next() {
		b, err := scanBody(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func scanSeal(sc scanner) (store.SealCert, error) {
	var s store.SealCert
	var spki []byte
	if err := sc.Scan(&spki, &s.BodyID, &s.NotBefore, &s.NotAfter, &s.DER, &s.Added); err != nil {
		return s, noRows(err)
	}
	var err error
	s.SPKI, err = store.DigestOf(spki)
	return s, err
}

func (r reader) SealCert(ctx context.Context, spki [32]byte) (store.SealCert, error) {
	return scanSeal(r.q.QueryRow(ctx, `SELECT spki, body_id, not_before, not_after, der, added FROM seal_certs WHERE spki = $1`, spki[:]))
}

func (r reader) SealCerts(ctx context.Context, bodyID string) ([]store.SealCert, error) {
	rows, err := r.q.Query(ctx, `SELECT spki, body_id, not_before, not_after, der, added FROM seal_certs WHERE body_id = $1 ORDER BY added, spki`, bodyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.SealCert
	for rows.Next() {
		s, err := scanSeal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (r reader) Request(ctx context.Context, key string) (store.Request, error) {
	var q store.Request
	var fp []byte
	var seq int64
	if err := r.q.QueryRow(ctx, `SELECT key, fingerprint, seq FROM requests WHERE key = $1`, key).Scan(&q.Key, &fp, &seq); err != nil {
		return q, noRows(err)
	}
	q.Seq = uint64(seq)
	var err error
	q.Fingerprint, err = store.DigestOf(fp)
	return q, err
}

func (r reader) LogSize(ctx context.Context) (uint64, error) {
	var n int64
	err := r.q.QueryRow(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&n)
	return uint64(n), err
}

func (r reader) Nodes(ctx context.Context, ids []uint64) ([][]byte, error) {
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = int64(id)
	}
	rows, err := r.q.Query(ctx, `SELECT id, hash FROM nodes WHERE id = ANY($1)`, keys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make(map[int64][]byte, len(ids))
	for rows.Next() {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return nil, err
		}
		got[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, k := range keys {
		h, ok := got[k]
		if !ok {
			return nil, fmt.Errorf("node %d/%d: %w", ids[i]>>56, ids[i]&(1<<56-1), store.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}
