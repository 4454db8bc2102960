// Package sqlite is the embedded registry back end: one SQLite file
// (modernc.org/sqlite, pure Go, no cgo) in WAL mode, with its schema
// migrations built in. Several processes may share the file; writers
// take turns (BEGIN IMMEDIATE) and readers never wait for them.
//
//	reg, err := sqlite.Open(ctx, "registry.db", registry.Options{})
//
// Every acknowledged change is on disk: commits are synchronous
// (PRAGMA synchronous=FULL), so a crash or kill -9 loses nothing that a
// change call returned without error for.
//
// Besides the tables of record (certificates, versions, log events), the
// file keeps each certificate's whole history as one document in the
// history table, written in the same transaction as every change, so
// that History, the public lookup, reads one row. It is a copy for
// speed: the file is nearly twice as large (10.2 GB instead of 5.5 GB
// for 3 million generated certificates) and bulk imports are about 40%
// slower, and a public lookup on 3 million certificates takes about
// 90 us of server CPU instead of about 150 (BENCHMARKS.md).
//
// Each change makes every reader connection drop its page cache (WAL
// mode), which on this driver costs in proportion to the cache: History
// reads through connections with a small cache for that reason (see
// openStore), and a busy issuing service on the same file still slows
// Get and Check.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/internal/store"
)

// migrations are applied in order; the user_version pragma counts those
// applied. Append, never edit.
var migrations = []string{
	`CREATE TABLE certs (
		number TEXT PRIMARY KEY,
		version INTEGER NOT NULL,
		revision INTEGER NOT NULL,
		status TEXT NOT NULL,
		reason TEXT NOT NULL,
		body_id TEXT NOT NULL,
		scheme TEXT NOT NULL,
		valid_from INTEGER NOT NULL,
		valid_until INTEGER NOT NULL,
		products TEXT NOT NULL,
		updated INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE versions (
		number TEXT NOT NULL,
		version INTEGER NOT NULL,
		digest BLOB NOT NULL,
		json BLOB NOT NULL,
		created INTEGER NOT NULL,
		PRIMARY KEY (number, version)
	) WITHOUT ROWID;
	CREATE TABLE events (
		seq INTEGER PRIMARY KEY,
		number TEXT NOT NULL,
		leaf BLOB NOT NULL
	);
	CREATE INDEX events_number ON events (number, seq);
	CREATE TABLE terms (
		kind TEXT NOT NULL,
		term TEXT NOT NULL,
		number TEXT NOT NULL,
		PRIMARY KEY (kind, term, number)
	) WITHOUT ROWID;
	CREATE INDEX terms_number ON terms (number);
	CREATE TABLE nodes (
		id INTEGER PRIMARY KEY,
		hash BLOB NOT NULL
	);
	CREATE TABLE requests (
		key TEXT PRIMARY KEY,
		fingerprint BLOB NOT NULL,
		seq INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE bodies (
		id TEXT PRIMARY KEY,
		status TEXT NOT NULL,
		json BLOB NOT NULL,
		updated INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE seal_certs (
		spki BLOB PRIMARY KEY,
		body_id TEXT NOT NULL,
		not_before INTEGER NOT NULL,
		not_after INTEGER NOT NULL,
		der BLOB NOT NULL,
		added INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX seal_certs_body ON seal_certs (body_id);
	CREATE TABLE log_head (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		size INTEGER NOT NULL
	);
	INSERT INTO log_head (id, size) VALUES (1, 0);`,
	// Version 2: terms are deleted by their key (the registry knows the
	// terms of the version it replaces), so the index by number, one
	// B-tree insert per term on every import, goes.
	`DROP INDEX IF EXISTS terms_number;`,
	// Version 3: each certificate's history as one document (histdoc.go),
	// so that a lookup reads one row. Rows are written with each change;
	// certificates recorded before have none until their next change or
	// Compact, and are read from the three tables meanwhile. The key is
	// an integer made from the number (histKey): it keeps the B-tree's
	// inner pages small (a text key, WITHOUT ROWID, puts whole rows in
	// them, and a lookup then reads several pages).
	`CREATE TABLE history (
		id INTEGER PRIMARY KEY,
		number TEXT NOT NULL,
		doc BLOB NOT NULL
	);`,
}

// Open opens (creating if needed) the registry in the SQLite file at
// path and brings its schema up to date.
func Open(ctx context.Context, path string, opts registry.Options) (*registry.Registry, error) {
	st, err := openStore(ctx, path)
	if err != nil {
		return nil, err
	}
	return registry.New(st, opts), nil
}

type sqliteStore struct {
	w, r, h    *sql.DB
	ws, rs, hs map[string]*sql.Stmt
	inStmts    [maxNodesIn + 1]atomic.Value // *sql.Stmt by id count
	search     sync.Map                     // search SQL -> *sql.Stmt
	reader
}

func (s *sqliteStore) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.search.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.search.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// bulkRows is the row count of a multi-row INSERT: bulk imports write
// rows in chunks of this many, which costs SQLite far fewer statement
// executions than one row at a time.
const bulkRows = 64

// bulkInserts are the heads of the multi-row INSERTs, with their column
// counts; Open prepares them.
var bulkInserts = map[string]struct {
	head string
	cols int
}{
	"insCert":    {`INSERT OR FAIL INTO certs (number, version, revision, status, reason, body_id, scheme, valid_from, valid_until, products, updated)`, 11},
	"insVersion": {`INSERT OR FAIL INTO versions (number, version, digest, json, created)`, 5},
	"insEvent":   {`INSERT OR FAIL INTO events (seq, number, leaf)`, 3},
	"insTerm":    {`INSERT OR IGNORE INTO terms (kind, term, number)`, 3},
	"insNode":    {`INSERT OR FAIL INTO nodes (id, hash)`, 2},
	"insRequest": {`INSERT OR FAIL INTO requests (key, fingerprint, seq)`, 3},
	"insHistory": {`INSERT OR IGNORE INTO history (id, number, doc)`, 3},
}

func bulkQueries() []query {
	var qs []query
	for k, b := range bulkInserts {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.cols), ", ") + ")"
		qs = append(qs, query{"bulk:" + k, b.head + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", bulkRows), ", ")})
	}
	return qs
}

// dsn is the DSN of the writer (readOnly false) and of the readers
// other than History's: a 64 MiB page cache and a memory map of up to
// 4 GiB (modernc maps at most 2 GiB).
func dsn(path string, readOnly bool) string {
	return connDSN(path, readOnly, -65536, 4294967296)
}

// historyDSN is the DSN of the connections that read histories (the
// public lookup): no memory map and a 2 MiB page cache (see
// openStore).
func historyDSN(path string) string { return connDSN(path, true, -2048, 0) }

// connDSN is a connection's DSN with its page cache (PRAGMA cache_size:
// negative, KiB) and memory map size.
func connDSN(path string, readOnly bool, cacheKiB, mmap int64) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(OFF)")
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", cacheKiB))
	q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", mmap))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// pageSize is the page size of new databases. Larger pages than
// SQLite's 4 KiB hold ten certificate versions instead of three, so that
// imports split pages and write WAL frames (two system calls each) four
// times less often, and lookups descend fewer levels. Existing databases
// keep theirs.
var pageSize = 16384

// create gives a new (missing or empty) database file its page size: it
// must be set before WAL mode, which the connections of openStore set
// first, writes the file's first page.
func create(ctx context.Context, path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d; PRAGMA journal_mode = WAL", pageSize))
	return err
}

func openStore(ctx context.Context, path string) (*sqliteStore, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if err := create(ctx, path); err != nil {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &sqliteStore{w: w}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.r = r
	// Histories, the public lookup, are read through connections of
	// their own. Each change to the file makes every reader connection
	// drop its page cache and memory map when it next reads (SQLite's WAL
	// mode); on modernc.org/sqlite, freeing a large cache hands its
	// memory back to the OS page by page. With the 64 MiB caches and
	// 2 GiB maps of the other readers, one change a second cut the
	// lookup from 14,000 to 3,700 requests a second (BENCHMARKS.md). A
	// history is one row: these connections need only the table's inner
	// pages, and read the rest with pread.
	h, err := sql.Open("sqlite", historyDSN(path))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	h.SetMaxOpenConns(n)
	h.SetMaxIdleConns(n)
	s.h = h
	if s.ws, err = prepare(ctx, w, append(append(readQueries, writeQueries...), bulkQueries()...)); err == nil {
		if s.rs, err = prepare(ctx, r, readQueries); err == nil {
			s.hs, err = prepare(ctx, h, historyQueries())
		}
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.reader = reader{stmt: func(ctx context.Context, k string) *sql.Stmt {
		if st, ok := s.hs[k]; ok {
			return st
		}
		return s.rs[k]
	}, q: r, nodesIn: s.nodesIn, prepared: s.prepared}
	return s, nil
}

func (s *sqliteStore) migrate(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		conn.ExecContext(ctx, "ROLLBACK")
		return fmt.Errorf("migrate: %w", err)
	}
	if v > len(migrations) {
		conn.ExecContext(ctx, "ROLLBACK")
		return fmt.Errorf("migrate: the database has schema version %d, newer than this program's %d", v, len(migrations))
	}
	if v == len(migrations) {
		// Up to date: no write. A write would change the WAL, and every
		// reader connection of every process with the file open would
		// then drop its page cache.
		_, err := conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	for i := v; i < len(migrations); i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("migrate to version %d: %w", i+1, err)
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		conn.ExecContext(ctx, "ROLLBACK")
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

type query struct{ name, sql string }

const certCols = `c.number, c.version, c.revision, c.status, c.reason, c.body_id, c.scheme, c.valid_from, c.valid_until, c.products, c.updated`

var readQueries = []query{
	{"cert", `SELECT ` + certCols + ` FROM certs c WHERE c.number = ?`},
	{"current", `SELECT ` + certCols + `, v.digest, v.json, v.created FROM certs c JOIN versions v ON v.number = c.number AND v.version = c.version WHERE c.number = ?`},
	{"version", `SELECT version, digest, json, created FROM versions WHERE number = ? AND version = ?`},
	{"versions", `SELECT version, digest, json, created FROM versions WHERE number = ? ORDER BY version`},
	{"byDigest", `SELECT MAX(version) FROM versions WHERE number = ? AND digest = ? HAVING COUNT(*) > 0`},
	{"check", `SELECT ` + certCols + `, COALESCE((SELECT MAX(v.version) FROM versions v WHERE v.number = c.number AND v.digest = ?), 0) FROM certs c WHERE c.number = ?`},
	{"events", `SELECT seq, number, leaf FROM events WHERE number = ? ORDER BY seq`},
	// historyDoc reads a certificate's history document (histdoc.go).
	{"historyDoc", `SELECT number, doc FROM history WHERE id = ?`},
	// history reads a certificate's row (kind 0), versions (1) and events
	// (2) with one statement, so in one read transaction; without ORDER BY
	// (two temporary B-trees per lookup), store.ScanHistory sorts.
	{"history", `SELECT 0, version, revision, status, reason, body_id, scheme, products, valid_from, valid_until, updated, NULL, NULL FROM certs WHERE number = ?1
		UNION ALL SELECT 1, version, created, '', '', '', '', '', 0, 0, 0, digest, json FROM versions WHERE number = ?1
		UNION ALL SELECT 2, seq, 0, '', '', '', '', '', 0, 0, 0, NULL, leaf FROM events WHERE number = ?1`},
	{"body", `SELECT id, status, json, updated FROM bodies WHERE id = ?`},
	{"bodies", `SELECT id, status, json, updated FROM bodies ORDER BY id`},
	{"seal", `SELECT spki, body_id, not_before, not_after, der, added FROM seal_certs WHERE spki = ?`},
	{"seals", `SELECT spki, body_id, not_before, not_after, der, added FROM seal_certs WHERE body_id = ? ORDER BY added, spki`},
	{"request", `SELECT key, fingerprint, seq FROM requests WHERE key = ?`},
	{"logSize", `SELECT size FROM log_head WHERE id = 1`},
	{"node", `SELECT hash FROM nodes WHERE id = ?`},
	{"nodeRange", `SELECT id, hash FROM nodes WHERE id >= ? AND id <= ? ORDER BY id`},
	// ranges reads log entries (kind 0) and nodes (1) in one statement;
	// without ORDER BY (a sorter costs more than the rows), Ranges sorts.
	{"ranges", `SELECT 0, seq, leaf FROM events WHERE seq >= ?1 AND seq < ?2
		UNION ALL SELECT 1, id, hash FROM nodes WHERE id >= ?3 AND id < ?4`},
	{"leaves", `SELECT seq, number, leaf FROM events WHERE seq >= ? AND seq < ? ORDER BY seq`},
}

var writeQueries = []query{
	{"insCert", `INSERT OR FAIL INTO certs (number, version, revision, status, reason, body_id, scheme, valid_from, valid_until, products, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	{"updCert", `UPDATE certs SET version = ?, revision = ?, status = ?, reason = ?, body_id = ?, scheme = ?, valid_from = ?, valid_until = ?, products = ?, updated = ? WHERE number = ?`},
	{"insVersion", `INSERT OR FAIL INTO versions (number, version, digest, json, created) VALUES (?, ?, ?, ?, ?)`},
	{"insEvent", `INSERT OR FAIL INTO events (seq, number, leaf) VALUES (?, ?, ?)`},
	{"delTerm", `DELETE FROM terms WHERE kind = ? AND term = ? AND number = ?`},
	{"insTerm", `INSERT OR IGNORE INTO terms (kind, term, number) VALUES (?, ?, ?)`},
	{"insNode", `INSERT OR FAIL INTO nodes (id, hash) VALUES (?, ?)`},
	{"insRequest", `INSERT OR FAIL INTO requests (key, fingerprint, seq) VALUES (?, ?, ?)`},
	// A number whose key another number holds gets no document (see
	// histKey).
	{"insHistory", `INSERT OR IGNORE INTO history (id, number, doc) VALUES (?, ?, ?)`},
	{"putHistory", `INSERT INTO history (id, number, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc WHERE number = excluded.number`},
	{"putBody", `INSERT INTO bodies (id, status, json, updated) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, json = excluded.json, updated = excluded.updated`},
	{"putSeal", `INSERT INTO seal_certs (spki, body_id, not_before, not_after, der, added) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (spki) DO UPDATE SET not_before = excluded.not_before, not_after = excluded.not_after`},
	{"setLogSize", `UPDATE log_head SET size = ? WHERE id = 1`},
}

// historyQueries are the queries of History, prepared on its own
// connections.
func historyQueries() []query {
	var qs []query
	for _, q := range readQueries {
		if q.name == "historyDoc" || q.name == "history" {
			qs = append(qs, q)
		}
	}
	return qs
}

func prepare(ctx context.Context, db *sql.DB, qs []query) (map[string]*sql.Stmt, error) {
	m := map[string]*sql.Stmt{}
	for _, q := range qs {
		st, err := db.PrepareContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", q.name, err)
		}
		m[q.name] = st
	}
	return m, nil
}

func (s *sqliteStore) Close() error {
	var errs []error
	for _, m := range []map[string]*sql.Stmt{s.ws, s.rs, s.hs} {
		for _, st := range m {
			st.Close()
		}
	}
	s.search.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	for i := range s.inStmts {
		if st, ok := s.inStmts[i].Load().(*sql.Stmt); ok {
			st.Close()
		}
	}
	for _, db := range []*sql.DB{s.r, s.h} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

func (s *sqliteStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	t := &sqliteTx{tx: tx, s: s}
	cache := map[string]*sql.Stmt{}
	t.reader = reader{stmt: func(ctx context.Context, k string) *sql.Stmt {
		st, ok := cache[k]
		if !ok {
			st = tx.StmtContext(ctx, s.ws[k])
			cache[k] = st
		}
		return st
	}, q: tx}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

type sqliteTx struct {
	reader
	tx *sql.Tx
	s  *sqliteStore
}

// insert writes n rows with the single-row statement single, in chunks
// of bulkRows rows through its multi-row form; row appends the values of
// row i to args.
func (t *sqliteTx) insert(ctx context.Context, single string, cols, n int, row func(args []any, i int) []any) error {
	i := 0
	args := make([]any, 0, cols*min(n, bulkRows))
	if n >= bulkRows {
		st := t.stmt(ctx, "bulk:"+single)
		for ; i+bulkRows <= n; i += bulkRows {
			args = args[:0]
			for j := i; j < i+bulkRows; j++ {
				args = row(args, j)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return writeErr(single, err)
			}
		}
	}
	for ; i < n; i++ {
		if _, err := t.stmt(ctx, single).ExecContext(ctx, row(args[:0], i)...); err != nil {
			return writeErr(single, err)
		}
	}
	return nil
}

func writeErr(k string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return fmt.Errorf("sqlite: %s: %w: %v", k, store.ErrDuplicate, err)
	}
	return fmt.Errorf("sqlite: %s: %w", k, err)
}

func (t *sqliteTx) Write(ctx context.Context, w *store.Writes) error {
	exec := func(k string, args ...any) error {
		if _, err := t.stmt(ctx, k).ExecContext(ctx, args...); err != nil {
			return writeErr(k, err)
		}
		return nil
	}
	for _, tm := range w.DeleteTerms {
		if err := exec("delTerm", tm.Kind, tm.Term, tm.Number); err != nil {
			return err
		}
	}
	inserts := []struct {
		single  string
		cols, n int
		row     func(args []any, i int) []any
	}{
		{"insCert", 11, len(w.NewCerts), func(args []any, i int) []any {
			c := &w.NewCerts[i]
			return append(args, c.Number, c.Version, c.Revision, c.Status, c.Reason, c.BodyID, c.Scheme, c.ValidFrom, c.ValidUntil, c.Products, c.Updated)
		}},
		{"insVersion", 5, len(w.Versions), func(args []any, i int) []any {
			v := &w.Versions[i]
			return append(args, v.Number, v.Version, v.Digest[:], v.JSON, v.Created)
		}},
		{"insEvent", 3, len(w.Events), func(args []any, i int) []any {
			e := &w.Events[i]
			return append(args, int64(e.Seq), e.Number, e.Leaf)
		}},
		{"insTerm", 3, len(w.Terms), func(args []any, i int) []any {
			tm := &w.Terms[i]
			return append(args, tm.Kind, tm.Term, tm.Number)
		}},
		{"insNode", 2, len(w.Nodes), func(args []any, i int) []any {
			n := &w.Nodes[i]
			return append(args, int64(n.ID), n.Hash)
		}},
		{"insRequest", 3, len(w.Requests), func(args []any, i int) []any {
			q := &w.Requests[i]
			return append(args, q.Key, q.Fingerprint[:], int64(q.Seq))
		}},
	}
	for _, in := range inserts {
		if err := t.insert(ctx, in.single, in.cols, in.n, in.row); err != nil {
			return err
		}
	}
	for _, c := range w.UpdatedCerts {
		if err := exec("updCert", c.Version, c.Revision, c.Status, c.Reason, c.BodyID, c.Scheme, c.ValidFrom, c.ValidUntil, c.Products, c.Updated, c.Number); err != nil {
			return err
		}
	}
	for _, b := range w.Bodies {
		if err := exec("putBody", b.ID, b.Status, b.JSON, b.Updated); err != nil {
			return err
		}
	}
	for _, sc := range w.SealCerts {
		if err := exec("putSeal", sc.SPKI[:], sc.BodyID, sc.NotBefore, sc.NotAfter, sc.DER, sc.Added); err != nil {
			return err
		}
	}
	if err := t.writeHistories(ctx, w); err != nil {
		return err
	}
	return exec("setLogSize", int64(w.LogSize))
}

// writeHistories brings the history rows of the certificates that w
// touches in step with the rows written: a new certificate's document
// is built from w; a changed one's is read back from the three tables
// (which hold w's rows by now) and replaced.
func (t *sqliteTx) writeHistories(ctx context.Context, w *store.Writes) error {
	docs := newHistories(w)
	if err := t.insert(ctx, "insHistory", 3, len(docs), func(args []any, i int) []any {
		n := w.NewCerts[i].Number
		return append(args, histKey(n), n, docs[i])
	}); err != nil {
		return err
	}
	isNew := make(map[string]bool, len(w.NewCerts))
	for i := range w.NewCerts {
		isNew[w.NewCerts[i].Number] = true
	}
	var changed []string
	add := func(n string) {
		if n != "" && !isNew[n] {
			isNew[n] = true // once
			changed = append(changed, n)
		}
	}
	for i := range w.UpdatedCerts {
		add(w.UpdatedCerts[i].Number)
	}
	for i := range w.Versions {
		add(w.Versions[i].Number)
	}
	for i := range w.Events {
		add(w.Events[i].Number)
	}
	var buf []byte
	for _, n := range changed {
		h, err := t.tableHistory(ctx, n)
		if err != nil {
			return fmt.Errorf("sqlite: history of %s: %w", n, err)
		}
		buf = appendHistDoc(buf[:0], &h)
		if _, err := t.stmt(ctx, "putHistory").ExecContext(ctx, histKey(n), n, buf); err != nil {
			return writeErr("putHistory", err)
		}
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type reader struct {
	stmt    func(ctx context.Context, name string) *sql.Stmt
	q       querier
	nodesIn func(ctx context.Context, ids []uint64) ([][]byte, error) // nil in transactions
	// prepared returns a statement for a search's SQL, prepared once per
	// shape of query (which filters are set); nil in transactions.
	prepared func(ctx context.Context, query string) (*sql.Stmt, error)
}

// maxNodesIn bounds the ids fetched with one IN query: a proof in a log
// of 2^63 entries needs fewer.
const maxNodesIn = 128

// nodesIn fetches node hashes with one query, through statements
// prepared once per id count.
func (s *sqliteStore) nodesIn(ctx context.Context, ids []uint64) ([][]byte, error) {
	if contiguous(ids) {
		// A block of nodes at one level (what the registry reads below a
		// stored level): one range scan instead of a lookup per id.
		out := make([][]byte, 0, len(ids))
		rows, err := s.rs["nodeRange"].QueryContext(ctx, int64(ids[0]), int64(ids[len(ids)-1]))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var h []byte
			if err := rows.Scan(&id, &h); err != nil {
				return nil, err
			}
			if uint64(id) != ids[len(out)] {
				break
			}
			out = append(out, h)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(out) != len(ids) {
			id := ids[len(out)]
			return nil, fmt.Errorf("node %d/%d: %w", id>>56, id&(1<<56-1), store.ErrNotFound)
		}
		return out, nil
	}
	st, ok := s.inStmts[len(ids)].Load().(*sql.Stmt)
	if !ok {
		q := "SELECT id, hash FROM nodes WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
		var err error
		if st, err = s.r.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		if !s.inStmts[len(ids)].CompareAndSwap(nil, st) {
			st.Close()
			st = s.inStmts[len(ids)].Load().(*sql.Stmt)
		}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = int64(id)
	}
	rows, err := st.QueryContext(ctx, args...)
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
	for i, id := range ids {
		h, ok := got[int64(id)]
		if !ok {
			return nil, fmt.Errorf("node %d/%d: %w", id>>56, id&(1<<56-1), store.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// contiguous reports whether ids are consecutive integers.
func contiguous(ids []uint64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[0]+uint64(i) {
			return false
		}
	}
	return true
}

func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

type scanner interface{ Scan(...any) error }

func scanCert(sc scanner, extra ...any) (store.Cert, error) {
	var c store.Cert
	err := sc.Scan(append([]any{&c.Number, &c.Version, &c.Revision, &c.Status, &c.Reason, &c.BodyID, &c.Scheme, &c.ValidFrom, &c.ValidUntil, &c.Products, &c.Updated}, extra...)...)
	return c, err
}

func (r reader) Cert(ctx context.Context, number string) (store.Cert, error) {
	c, err := scanCert(r.stmt(ctx, "cert").QueryRowContext(ctx, number))
	return c, noRows(err)
}

func (r reader) Current(ctx context.Context, number string) (store.Current, error) {
	var cur store.Current
	var d []byte
	c, err := scanCert(r.stmt(ctx, "current").QueryRowContext(ctx, number), &d, &cur.Version.JSON, &cur.Version.Created)
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
	err := r.stmt(ctx, "version").QueryRowContext(ctx, number, version).Scan(&v.Version, &d, &v.JSON, &v.Created)
	if err != nil {
		return v, noRows(err)
	}
	v.Digest, err = store.DigestOf(d)
	return v, err
}

func (r reader) Versions(ctx context.Context, number string) ([]store.Version, error) {
	rows, err := r.stmt(ctx, "versions").QueryContext(ctx, number)
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
	err := r.stmt(ctx, "byDigest").QueryRowContext(ctx, number, d[:]).Scan(&v)
	return v, noRows(err)
}

func (r reader) Check(ctx context.Context, number string, d [32]byte) (store.Cert, int, error) {
	var v int
	c, err := scanCert(r.stmt(ctx, "check").QueryRowContext(ctx, d[:], number), &v)
	return c, v, noRows(err)
}

func scanEvents(rows *sql.Rows, err error) ([]store.Event, error) {
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
	return scanEvents(r.stmt(ctx, "events").QueryContext(ctx, number))
}

// History reads the certificate's history document, or its rows in the
// three tables when it has none (see histdoc.go).
//
// The document is read with one point query on the primary key, which
// takes microseconds: it does not watch ctx (ctx is checked before it),
// since watching costs database/sql and the driver a goroutine each per
// query, more than the query. The three-table read watches ctx.
func (r reader) History(ctx context.Context, number string) (store.History, error) {
	if err := ctx.Err(); err != nil {
		return store.History{}, err
	}
	var doc []byte
	var holder string
	err := r.stmt(ctx, "historyDoc").QueryRowContext(context.WithoutCancel(ctx), histKey(number)).Scan(&holder, &doc)
	switch {
	case err == nil && holder == number:
		return decodeHistDoc(number, doc)
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return store.History{}, err
	}
	return r.tableHistory(ctx, number)
}

// tableHistory reads a certificate's history from the certs, versions
// and events tables.
func (r reader) tableHistory(ctx context.Context, number string) (store.History, error) {
	rows, err := r.stmt(ctx, "history").QueryContext(ctx, number)
	if err != nil {
		return store.History{}, err
	}
	defer rows.Close()
	return store.ScanHistory(rows, number)
}

func (r reader) Leaves(ctx context.Context, start, end uint64) ([]store.Event, error) {
	return scanEvents(r.stmt(ctx, "leaves").QueryContext(ctx, int64(start), int64(end)))
}

// maxRune sorts after every string that a prefix can begin.
const maxRune = "\U0010FFFF"

func (r reader) Search(ctx context.Context, q store.Query) ([]store.Current, error) {
	var sb strings.Builder
	var args []any
	sb.WriteString(`SELECT ` + certCols + `, v.digest, v.json, v.created FROM certs c JOIN versions v ON v.number = c.number AND v.version = c.version WHERE c.number > ?`)
	args = append(args, q.After)
	if q.HolderPrefix != "" {
		sb.WriteString(` AND c.number IN (SELECT number FROM terms WHERE kind = 'h' AND term >= ? AND term < ?)`)
		args = append(args, q.HolderPrefix, q.HolderPrefix+maxRune)
	}
	if q.ManufacturerPrefix != "" {
		sb.WriteString(` AND EXISTS (SELECT 1 FROM terms t WHERE t.kind = 'm' AND t.term >= ? AND t.term < ? AND t.number = c.number)`)
		args = append(args, q.ManufacturerPrefix, q.ManufacturerPrefix+maxRune)
	}
	if q.ProductText != "" {
		sb.WriteString(` AND instr(c.products, ?) > 0`)
		args = append(args, q.ProductText)
	}
	if q.BodyID != "" {
		sb.WriteString(` AND c.body_id = ?`)
		args = append(args, q.BodyID)
	}
	if q.Scheme != "" {
		sb.WriteString(` AND c.scheme = ?`)
		args = append(args, q.Scheme)
	}
	switch q.Status {
	case "":
	case "valid", "suspended":
		sb.WriteString(` AND c.status = ? AND (c.valid_until = 0 OR c.valid_until > ?)`)
		args = append(args, q.Status, q.Now)
	case "expired":
		sb.WriteString(` AND c.status IN ('valid', 'suspended') AND c.valid_until <> 0 AND c.valid_until <= ?`)
		args = append(args, q.Now)
	default:
		sb.WriteString(` AND c.status = ?`)
		args = append(args, q.Status)
	}
	if q.ValidTo != 0 {
		sb.WriteString(` AND c.valid_from < ?`)
		args = append(args, q.ValidTo)
	}
	if q.ValidFrom != 0 {
		sb.WriteString(` AND (c.valid_until = 0 OR c.valid_until > ?)`)
		args = append(args, q.ValidFrom)
	}
	sb.WriteString(` ORDER BY c.number LIMIT ?`)
	args = append(args, q.Limit)
	var rows *sql.Rows
	var err error
	if r.prepared != nil {
		var st *sql.Stmt
		if st, err = r.prepared(ctx, sb.String()); err != nil {
			return nil, err
		}
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = r.q.QueryContext(ctx, sb.String(), args...)
	}
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
	return scanBody(r.stmt(ctx, "body").QueryRowContext(ctx, id))
}

func (r reader) Bodies(ctx context.Context) ([]store.Body, error) {
	rows, err := r.stmt(ctx, "bodies").QueryContext(ctx)
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
	return scanSeal(r.stmt(ctx, "seal").QueryRowContext(ctx, spki[:]))
}

func (r reader) SealCerts(ctx context.Context, bodyID string) ([]store.SealCert, error) {
	rows, err := r.stmt(ctx, "seals").QueryContext(ctx, bodyID)
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
	if err := r.stmt(ctx, "request").QueryRowContext(ctx, key).Scan(&q.Key, &fp, &seq); err != nil {
		return q, noRows(err)
	}
	q.Seq = uint64(seq)
	var err error
	q.Fingerprint, err = store.DigestOf(fp)
	return q, err
}

func (r reader) LogSize(ctx context.Context) (uint64, error) {
	var n int64
	err := r.stmt(ctx, "logSize").QueryRowContext(ctx).Scan(&n)
	return uint64(n), err
}

func (r reader) Ranges(ctx context.Context, leafFrom, leafTo, nodeFrom, nodeTo uint64) ([]store.Event, [][]byte, error) {
	rows, err := r.stmt(ctx, "ranges").QueryContext(ctx, int64(leafFrom), int64(leafTo), int64(nodeFrom), int64(nodeTo))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	es := make([]store.Event, 0, leafTo-leafFrom)
	type node struct {
		id   int64
		hash []byte
	}
	ns := make([]node, 0, nodeTo-nodeFrom)
	for rows.Next() {
		var kind int
		var k int64
		var b []byte
		if err := rows.Scan(&kind, &k, &b); err != nil {
			return nil, nil, err
		}
		if kind == 0 {
			es = append(es, store.Event{Seq: uint64(k), Leaf: b})
		} else {
			ns = append(ns, node{k, b})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(es, func(a, b store.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(ns, func(a, b node) int { return cmp.Compare(a.id, b.id) })
	hs := make([][]byte, len(ns))
	for i, n := range ns {
		hs[i] = n.hash
	}
	return es, hs, nil
}

func (r reader) Nodes(ctx context.Context, ids []uint64) ([][]byte, error) {
	if r.nodesIn != nil && len(ids) > 1 && (len(ids) <= maxNodesIn || contiguous(ids)) {
		return r.nodesIn(ctx, ids)
	}
	st := r.stmt(ctx, "node")
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if err := st.QueryRowContext(ctx, int64(id)).Scan(&out[i]); err != nil {
			return nil, fmt.Errorf("node %d/%d: %w", id>>56, id&(1<<56-1), noRows(err))
		}
	}
	return out, nil
}
