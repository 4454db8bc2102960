package registry

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry/internal/store"
)

// The JSON lines format of Import and Export has one JSON object per
// line, of two kinds:
//
//   - a certificate: the ecert JSON of one version. Version 1 is issued;
//     a later version modifies the current one and must follow it. A
//     status of suspended, revoked or withdrawn is recorded as that event
//     after the version; valid, expired and superseded record nothing
//     more (expiry follows from the validity period).
//   - an issuing body: {"body": {...registry.Body...}, "sealCerts":
//     [base64 DER, ...]}. Its first key must be "body". It must come
//     before the certificates it issues.
type bodyLine struct {
	Body      *Body    `json:"body"`
	SealCerts [][]byte `json:"sealCerts,omitempty"`
}

// ImportOptions tunes Import. The zero value is fine.
type ImportOptions struct {
	// BatchSize is the number of lines per transaction; 0 means 1000.
	BatchSize int
	// Workers decode and canonicalize lines in parallel; 0 means
	// GOMAXPROCS.
	Workers int
	// Change gives the reason and actor of every imported event (its
	// RequestKey and expectations are ignored).
	Change Change
	// Progress, when set, is called after each committed batch with the
	// lines and bytes read so far.
	Progress func(lines, bytes int64)
}

// ImportStats counts what Import recorded.
type ImportStats struct {
	Lines        int64
	Certificates int64 // versions recorded
	Events       int64
	Bodies       int64
}

// ImportError locates a bad line. Lines before its batch were committed.
type ImportError struct {
	Line int64
	Err  error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("registry: import: line %d: %v", e.Line, e.Err)
}
func (e *ImportError) Unwrap() error { return e.Err }

type importItem struct {
	line   int64
	size   int64
	body   *bodyLine
	p      *prepared
	status ecert.Status
	reason string
	err    error
}

// Import reads JSON lines (see above) and records them in batches of one
// transaction each: the fast path for loading a register. It stops at the
// first bad line with an *ImportError; earlier batches stay committed.
func (r *Registry) Import(ctx context.Context, rd io.Reader, opts ImportOptions) (ImportStats, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []importItem, 2)
	var readErr error
	go func() {
		defer close(batches)
		readErr = r.readBatches(ctx, rd, opts, batches)
	}()
	var st ImportStats
	var nbytes int64
	for items := range batches {
		var bs ImportStats
		run := func(assumeNew bool) error {
			return r.update(ctx, func(b *batch) error {
				bs = ImportStats{}
				b.assumeNew = assumeNew
				for _, it := range items {
					if err := b.importItem(ctx, it, opts.Change, &bs); err != nil {
						return &ImportError{Line: it.line, Err: err}
					}
				}
				return nil
			})
		}
		// Most imports load new numbers: the batch first runs without
		// reading whether each is new, and again with the reads (to
		// report the line) if one was not.
		err := run(true)
		if errors.Is(err, store.ErrDuplicate) {
			err = run(false)
		}
		if err != nil {
			cancel()
			for range batches {
			}
			return st, err
		}
		for _, it := range items {
			nbytes += it.size
		}
		st.Lines += int64(len(items))
		st.Certificates += bs.Certificates
		st.Events += bs.Events
		st.Bodies += bs.Bodies
		if opts.Progress != nil {
			opts.Progress(st.Lines, nbytes)
		}
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return st, readErr
	}
	return st, ctx.Err()
}

func (b *batch) importItem(ctx context.Context, it importItem, ch Change, st *ImportStats) error {
	if it.err != nil {
		return it.err
	}
	ch.RequestKey, ch.ExpectedRevision, ch.ExpectedVersion = "", 0, 0
	if it.body != nil {
		if _, err := b.registerBody(ctx, *it.body.Body, ch); err != nil {
			return err
		}
		st.Bodies++
		st.Events++
		for i, der := range it.body.SealCerts {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return fmt.Errorf("sealCerts[%d]: %w", i, err)
			}
			if _, err := b.addSealCert(ctx, it.body.Body.ID, c, ch); err != nil {
				return err
			}
			st.Events++
		}
		return nil
	}
	ev := ecert.EventIssue
	if it.p.c.Version > 1 {
		ev = ecert.EventModify
	}
	if _, err := b.certOp(ctx, ev, "", it.p, ch); err != nil {
		return err
	}
	st.Certificates++
	st.Events++
	var next ecert.EventType
	switch it.status {
	case ecert.StatusSuspended:
		next = ecert.EventSuspend
	case ecert.StatusRevoked:
		next = ecert.EventRevoke
	case ecert.StatusWithdrawn:
		next = ecert.EventWithdraw
	default:
		return nil
	}
	if it.reason != "" {
		ch.Reason = it.reason
	}
	if _, err := b.certOp(ctx, next, it.p.c.Number, nil, ch); err != nil {
		return err
	}
	st.Events++
	return nil
}

// chunk is a run of lines that one worker prepares.
type chunk struct {
	items []importItem
	raws  [][]byte
	done  chan struct{} // closed when items are prepared
}

// maxChunk is the most lines in a chunk: enough to make handing chunks
// to workers cheap, few enough to keep every worker busy.
const maxChunk = 256

// readBatches reads lines, has them prepared in parallel and sends them
// in order, in batches of opts.BatchSize lines. Reading, preparing and
// the caller's writing of earlier batches overlap, so that a slow input
// (a pipe from a generator, a network stream) costs its own time only.
func (r *Registry) readBatches(ctx context.Context, rd io.Reader, opts ImportOptions, out chan<- []importItem) error {
	size := min(maxChunk, opts.BatchSize)
	work := make(chan *chunk, 2*opts.Workers)
	ordered := make(chan *chunk, opts.BatchSize/size+2*opts.Workers)
	var wg sync.WaitGroup
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				for i := range c.items {
					c.items[i].parse(r, c.raws[i])
				}
				c.raws = nil
				close(c.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(work)
		defer close(ordered)
		readErr <- readChunks(ctx, rd, size, work, ordered)
	}()
	// stop waits for the reader and the workers, which stop on ctx.
	stop := func() {
		for range ordered {
		}
		wg.Wait()
	}
	batch := make([]importItem, 0, opts.BatchSize)
	send := func() bool {
		select {
		case out <- batch:
			batch = make([]importItem, 0, opts.BatchSize)
			return true
		case <-ctx.Done():
			return false
		}
	}
	for c := range ordered {
		select {
		case <-c.done:
		case <-ctx.Done():
			stop()
			return ctx.Err()
		}
		for _, it := range c.items {
			batch = append(batch, it)
			if len(batch) == opts.BatchSize && !send() {
				stop()
				return ctx.Err()
			}
		}
	}
	wg.Wait()
	if len(batch) > 0 && !send() {
		return ctx.Err()
	}
	return <-readErr
}

// readChunks reads lines in chunks of size and hands each chunk to the
// workers and, in order, to the batcher.
func readChunks(ctx context.Context, rd io.Reader, size int, work, ordered chan<- *chunk) error {
	br := bufio.NewReaderSize(rd, 1<<20)
	var line int64
	for {
		c := &chunk{items: make([]importItem, 0, size), raws: make([][]byte, 0, size), done: make(chan struct{})}
		var err error
		for len(c.items) < size {
			var raw []byte
			raw, err = readLine(br)
			if len(raw) > 0 || err == nil {
				line++
				if len(bytes.TrimSpace(raw)) == 0 {
					if err != nil {
						break
					}
					continue
				}
				c.items = append(c.items, importItem{line: line, size: int64(len(raw)) + 1})
				c.raws = append(c.raws, raw)
			}
			if err != nil {
				break
			}
		}
		if len(c.items) > 0 {
			select {
			case ordered <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case work <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ImportError{Line: line + 1, Err: err}
		}
	}
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		part, err := br.ReadSlice('\n')
		buf = append(buf, part...)
		if len(buf) > ecert.MaxJSONSize {
			return nil, fmt.Errorf("line longer than %d bytes", ecert.MaxJSONSize)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(buf, []byte("\n")), err
	}
}

func (it *importItem) parse(r *Registry, raw []byte) {
	if firstKey(raw) == "body" {
		var bl bodyLine
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&bl); err != nil {
			it.err = fmt.Errorf("body line: %w", err)
			return
		}
		if bl.Body == nil {
			it.err = fmt.Errorf("body line: no body")
			return
		}
		it.body = &bl
		return
	}
	c, err := ecert.Unmarshal(raw)
	if err != nil {
		it.err = err
		return
	}
	it.status, it.reason = c.Status, c.StatusReason.In("en")
	switch c.Status {
	case ecert.StatusSuspended, ecert.StatusRevoked, ecert.StatusWithdrawn, ecert.StatusExpired, ecert.StatusSuperseded:
		c.Status = ecert.StatusValid
		c.StatusReason = nil
	}
	it.p, it.err = r.prepare(c, true)
}

// firstKey returns the first key of a JSON object, or "".
func firstKey(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r")
	if len(b) == 0 || b[0] != '{' {
		return ""
	}
	b = bytes.TrimLeft(b[1:], " \t\r")
	if len(b) == 0 || b[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return ""
	}
	return string(b[1 : 1+end])
}

// ExportOptions tunes Export.
type ExportOptions struct {
	// AllVersions exports every version of each certificate, oldest
	// first, instead of the current version only.
	AllVersions bool
	// Progress, when set, is called every 1000 certificates.
	Progress func(certificates int64)
}

// Export writes the registry as JSON lines that Import reads back: the
// issuing bodies with their seal certificates, then the certificates in
// number order with their recorded status. Event times, reasons and
// actors are not exported; the log keeps them.
func (r *Registry) Export(ctx context.Context, w io.Writer, opts ExportOptions) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	bodies, err := r.st.Bodies(ctx)
	if err != nil {
		return 0, fmt.Errorf("registry: export: %w", err)
	}
	for _, sb := range bodies {
		bd, err := r.Body(ctx, sb.ID)
		if err != nil {
			return 0, fmt.Errorf("registry: export: %w", err)
		}
		bl := bodyLine{Body: bd}
		for _, sc := range bd.SealCerts {
			bl.SealCerts = append(bl.SealCerts, sc.Certificate.Raw)
		}
		if err := writeJSONLine(bw, bl); err != nil {
			return 0, err
		}
	}
	var n int64
	q := store.Query{Limit: MaxLimit}
	for {
		rows, err := r.st.Search(ctx, q)
		if err != nil {
			return n, fmt.Errorf("registry: export: %w", err)
		}
		for _, row := range rows {
			vs := []store.Version{row.Version}
			if opts.AllVersions && row.Cert.Version > 1 {
				if vs, err = r.st.Versions(ctx, row.Cert.Number); err != nil {
					return n, fmt.Errorf("registry: export: %w", err)
				}
			}
			for _, v := range vs {
				c, err := ecert.Unmarshal(v.JSON)
				if err != nil {
					return n, fmt.Errorf("registry: export %s: %w", v.Number, err)
				}
				c.Status = ecert.StatusSuperseded
				if v.Version == row.Cert.Version {
					c.Status = ecert.Status(row.Cert.Status)
					if row.Cert.Reason != "" {
						c.StatusReason = ecert.Text{"en": row.Cert.Reason}
					}
				}
				if err := writeJSONLine(bw, c); err != nil {
					return n, err
				}
			}
			n++
			if opts.Progress != nil && n%1000 == 0 {
				opts.Progress(n)
			}
		}
		if len(rows) < q.Limit {
			break
		}
		q.After = rows[len(rows)-1].Cert.Number
	}
	if opts.Progress != nil {
		opts.Progress(n)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("registry: export: %w", err)
	}
	return n, nil
}

func writeJSONLine(w *bufio.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("registry: export: %w", err)
	}
	return nil
}
