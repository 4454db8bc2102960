package registry

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/ecertkit/ecertkit/registry/internal/store"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

// MaxLeaves bounds one LogEntries call.
const MaxLeaves = 10000

// LogSize returns the number of events in the log.
func (r *Registry) LogSize(ctx context.Context) (uint64, error) {
	n, err := r.st.LogSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("registry: log size: %w", err)
	}
	r.seen(n)
	return n, nil
}

// nodeStride spaces the tree levels whose node hashes are stored: only
// levels 4, 8, 12, ... are written (one row per 16 leaves in all, instead
// of two per leaf for every level). A node at another level is computed
// from the at most 2^(nodeStride-1) stored nodes (or leaves, below level
// 4) under it; the siblings a proof needs below a stored level all lie in
// one aligned block, read with one query. Databases written before keep
// their rows at the other levels; they are not read.
const nodeStride = 4

// storedLevel reports whether nodes at level l are written to the store.
func storedLevel(l uint) bool { return l > 0 && l%nodeStride == 0 }

// cacheLevel is the lowest tree level whose nodes are cached in memory:
// they are shared by many proofs, few (one per 2^cacheLevel leaves) and,
// being perfect subtrees, never change.
const cacheLevel = 8

// maxCachedNodes bounds the cache (32 MiB of hashes at most).
const maxCachedNodes = 1 << 20

// The dense cache holds, for aligned blocks of 2^14 leaves ("chunks"),
// every node of levels 4 to 14: the chunk's 1,024 stored level-4 nodes,
// read with one range query, and the 1,023 nodes above them, computed
// once. Complete subtrees never change, so a chunk is loaded once the
// log has all of its leaves and is kept. With it, an inclusion proof
// reads only the 16 leaves of its own level-4 block (levels 0 to 3);
// the chunks of a 3-million-entry log take 12 MiB.
const (
	denseLevel     = nodeStride                       // lowest level of a chunk, a stored level
	denseTop       = denseLevel + 10                  // highest level of a chunk
	denseWidth     = 1 << (denseTop - denseLevel)     // level-4 nodes per chunk
	denseSize      = 2*denseWidth - 1                 // nodes per chunk
	denseLeaves    = uint64(denseWidth) << denseLevel // leaves per chunk
	maxDenseChunks = 4096                             // 2^26 leaves: 256 MiB of hashes at most
)

// denseChunk is one chunk's nodes, level by level from level 4 (at
// offset 0) up to its root (the last).
type denseChunk [denseSize][32]byte

// denseOffset is the position of level l's first node in a chunk.
func denseOffset(l uint) int { return 2 * (denseWidth - denseWidth>>(l-denseLevel)) }

// denseHash returns node (l, i) from the dense cache, or nil.
func (r *Registry) denseHash(l uint, i uint64) []byte {
	if l < denseLevel || l > denseTop {
		return nil
	}
	c := i >> (denseTop - l)
	if c >= maxDenseChunks {
		return nil
	}
	ch := r.dense[c].Load()
	if ch == nil {
		return nil
	}
	return ch[denseOffset(l)+int(i-c<<(denseTop-l))][:]
}

// loadDense loads the chunks that the nodes (levels[i], idx[i]) lie in
// and that are complete in the committed log, as far as r knows its
// size. A failed read leaves the chunk to a later call.
func (r *Registry) loadDense(ctx context.Context, levels []uint, idx []uint64) {
	seen := r.seenSize.Load()
	var last uint64 = 1<<64 - 1
	for i, l := range levels {
		if l < denseLevel || l > denseTop {
			continue
		}
		c := idx[i] >> (denseTop - l)
		if c == last || c >= maxDenseChunks || (c+1)*denseLeaves > seen || r.dense[c].Load() != nil {
			continue
		}
		last = c
		ids := make([]uint64, denseWidth)
		for k := range ids {
			ids[k] = store.NodeID(denseLevel, c*denseWidth+uint64(k))
		}
		hs, err := r.st.Nodes(ctx, ids)
		if err != nil || len(hs) != denseWidth {
			continue
		}
		ch := new(denseChunk)
		ok := true
		for k, h := range hs {
			ok = ok && len(h) == 32
			copy(ch[k][:], h)
		}
		if !ok {
			continue
		}
		var buf [65]byte
		buf[0] = 1 // RFC 6962 inner node prefix
		for lv := uint(denseLevel + 1); lv <= denseTop; lv++ {
			lo, up := denseOffset(lv-1), denseOffset(lv)
			for k := 0; k < denseWidth>>(lv-denseLevel); k++ {
				copy(buf[1:], ch[lo+2*k][:])
				copy(buf[33:], ch[lo+2*k+1][:])
				ch[up+k] = sha256.Sum256(buf[:])
			}
		}
		r.dense[c].CompareAndSwap(nil, ch)
	}
}

// nodes returns node hashes for a proof or root at size: the nodes of
// the tree's right border at that size, shared by every proof at it, are
// cached too.
func (r *Registry) nodes(ctx context.Context, size uint64, levels []uint, idx []uint64) ([][]byte, error) {
	bl, bi := tlog.BorderNodes(size)
	border := make(map[uint64]bool, len(bl))
	for i := range bl {
		border[store.NodeID(bl[i], bi[i])] = true
	}
	r.loadDense(ctx, levels, idx)
	return r.nodesFrom(ctx, r.st, levels, idx, border)
}

// nodesFrom returns the hashes of the perfect subtrees (levels[i],
// idx[i]), reading what it needs from rd.
func (r *Registry) nodesFrom(ctx context.Context, rd store.Reader, levels []uint, idx []uint64, keep map[uint64]bool) ([][]byte, error) {
	out := make([][]byte, len(levels))
	// The base of a node is the stored level at or below it (0: the
	// leaves); a node is computed from the range [lo, hi) of hashes at
	// its base. Ranges that overlap or nearly touch are read together.
	var spans []span
	var todo []int
	for i, l := range levels {
		if h := r.denseHash(l, idx[i]); h != nil {
			out[i] = bytes.Clone(h)
			continue
		}
		if h, ok := r.nodeCache.Load(store.NodeID(l, idx[i])); ok {
			out[i] = bytes.Clone(h.([]byte))
			continue
		}
		base := l - l%nodeStride
		spans = append(spans, span{base: base, lo: idx[i] << (l - base), hi: (idx[i] + 1) << (l - base)})
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.base != b.base {
			return cmp.Compare(a.base, b.base)
		}
		return cmp.Compare(a.lo, b.lo)
	})
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp.base == last.base && sp.lo <= last.hi+1<<nodeStride {
			last.hi = max(last.hi, sp.hi)
			continue
		}
		merged = append(merged, sp)
	}
	if err := r.readSpans(ctx, rd, merged); err != nil {
		return nil, err
	}
	for _, i := range todo {
		l := levels[i]
		base := l - l%nodeStride
		lo, hi := idx[i]<<(l-base), (idx[i]+1)<<(l-base)
		var sub [][]byte
		for _, sp := range merged {
			if sp.base == base && sp.lo <= lo && hi <= sp.hi {
				sub = sp.hashes[lo-sp.lo : hi-sp.lo]
				break
			}
		}
		out[i] = subtreeHash(sub)
		if (l >= cacheLevel || keep[store.NodeID(l, idx[i])]) && r.cachedNodes.Load() < maxCachedNodes {
			if _, loaded := r.nodeCache.LoadOrStore(store.NodeID(l, idx[i]), bytes.Clone(out[i])); !loaded {
				r.cachedNodes.Add(1)
			}
		}
	}
	return out, nil
}

// span is a range [lo, hi) of hashes at a stored level (0: leaf hashes).
type span struct {
	base   uint
	lo, hi uint64
	hashes [][]byte
}

// readSpans reads the hashes of the spans: a block of leaves and a block
// of nodes (an inclusion proof's reads) with one query where the back end
// can, else one query each.
func (r *Registry) readSpans(ctx context.Context, rd store.Reader, spans []span) error {
	if rr, ok := rd.(store.RangeReader); ok && len(spans) == 2 && spans[0].base == 0 && spans[1].base > 0 {
		l, n := &spans[0], &spans[1]
		es, hs, err := rr.Ranges(ctx, l.lo, l.hi, store.NodeID(n.base, n.lo), store.NodeID(n.base, n.hi))
		if err != nil {
			return err
		}
		if l.hashes, err = leafHashes(es, l.lo, l.hi); err != nil {
			return err
		}
		if uint64(len(hs)) != n.hi-n.lo {
			return fmt.Errorf("nodes [%d, %d) at level %d: %d found: %w", n.lo, n.hi, n.base, len(hs), store.ErrNotFound)
		}
		n.hashes = hs
		return nil
	}
	for k := range spans {
		if err := r.readSpan(ctx, rd, &spans[k]); err != nil {
			return err
		}
	}
	return nil
}

// leafHashes checks that es are the entries [lo, hi) and returns their
// leaf hashes.
func leafHashes(es []store.Event, lo, hi uint64) ([][]byte, error) {
	if uint64(len(es)) != hi-lo {
		return nil, fmt.Errorf("log entries [%d, %d): %d found: %w", lo, hi, len(es), store.ErrNotFound)
	}
	// RFC 6962 leaf hashes (tlog.LeafHash) with one digest and one
	// backing array for the block.
	hs := make([][]byte, len(es))
	buf := make([]byte, 0, 32*len(es))
	h := sha256.New()
	for j, e := range es {
		if e.Seq != lo+uint64(j) {
			return nil, fmt.Errorf("log entry %d: %w", lo+uint64(j), store.ErrNotFound)
		}
		h.Reset()
		h.Write([]byte{0})
		h.Write(e.Leaf)
		buf = h.Sum(buf)
		hs[j] = buf[len(buf)-32 : len(buf) : len(buf)]
	}
	return hs, nil
}

// readSpan reads the hashes of sp: leaf hashes from the log entries, or
// stored nodes (one block of consecutive ids, which back ends read with
// one range scan).
func (r *Registry) readSpan(ctx context.Context, rd store.Reader, sp *span) error {
	if sp.base == 0 {
		es, err := rd.Leaves(ctx, sp.lo, sp.hi)
		if err != nil {
			return err
		}
		sp.hashes, err = leafHashes(es, sp.lo, sp.hi)
		return err
	}
	ids := make([]uint64, 0, sp.hi-sp.lo)
	for k := sp.lo; k < sp.hi; k++ {
		ids = append(ids, store.NodeID(sp.base, k))
	}
	var err error
	sp.hashes, err = rd.Nodes(ctx, ids)
	return err
}

// subtreeHash returns the root of the perfect subtree over hs (a power
// of two of them), leaving hs unchanged.
func subtreeHash(hs [][]byte) []byte {
	if len(hs) == 1 {
		return bytes.Clone(hs[0])
	}
	for _, h := range hs {
		if len(h) != 32 { // not a stored SHA-256 hash: hash it as it is
			level := make([][]byte, len(hs))
			copy(level, hs)
			for len(level) > 1 {
				for j := 0; j < len(level)/2; j++ {
					level[j] = tlog.NodeHash(level[2*j], level[2*j+1])
				}
				level = level[:len(level)/2]
			}
			return level[0]
		}
	}
	// RFC 6962 inner nodes (tlog.NodeHash), computed in place in one
	// array of hashes.
	level := make([][32]byte, len(hs)/2)
	var in [65]byte
	in[0] = 1
	for j := range level {
		copy(in[1:33], hs[2*j])
		copy(in[33:], hs[2*j+1])
		level[j] = sha256.Sum256(in[:])
	}
	for len(level) > 1 {
		for j := 0; j < len(level)/2; j++ {
			copy(in[1:33], level[2*j][:])
			copy(in[33:], level[2*j+1][:])
			level[j] = sha256.Sum256(in[:])
		}
		level = level[:len(level)/2]
	}
	return level[0][:]
}

// Root returns the root hash of the log at size (which must not exceed
// the log's size).
func (r *Registry) Root(ctx context.Context, size uint64) ([]byte, error) {
	if err := r.checkSize(ctx, size); err != nil {
		return nil, err
	}
	levels, idx := tlog.BorderNodes(size)
	hs, err := r.nodes(ctx, size, levels, idx)
	if err != nil {
		return nil, fmt.Errorf("registry: root at %d: %w", size, err)
	}
	t, err := tlog.ResumeTree(size, hs)
	if err != nil {
		return nil, err
	}
	return t.Root(), nil
}

// seen records that the log has reached size n.
func (r *Registry) seen(n uint64) {
	for {
		m := r.seenSize.Load()
		if n <= m || r.seenSize.CompareAndSwap(m, n) {
			return
		}
	}
}

func (r *Registry) checkSize(ctx context.Context, size uint64) error {
	if size <= r.seenSize.Load() {
		return nil // the log only grows
	}
	n, err := r.LogSize(ctx)
	if err != nil {
		return err
	}
	if size > n {
		return &NotFoundError{Kind: "log size", Key: fmt.Sprintf("%d (the log has %d entries)", size, n)}
	}
	return nil
}

// Checkpoint signs and returns a checkpoint of the log at its current
// size, as a C2SP signed note, and its parsed form.
func (r *Registry) Checkpoint(ctx context.Context) ([]byte, tlog.Checkpoint, error) {
	n, err := r.LogSize(ctx)
	if err != nil {
		return nil, tlog.Checkpoint{}, err
	}
	return r.CheckpointAt(ctx, n)
}

// CheckpointAt signs a checkpoint of the log at an earlier size. The tree
// at a size never changes, so a checkpoint signed later says the same as
// one signed then.
func (r *Registry) CheckpointAt(ctx context.Context, size uint64) ([]byte, tlog.Checkpoint, error) {
	if len(r.opts.LogSigners) == 0 {
		return nil, tlog.Checkpoint{}, ErrNoSigner
	}
	r.mu.Lock()
	if r.cp.signed != nil && r.cp.size == size {
		s, c := r.cp.signed, r.cp.c
		r.mu.Unlock()
		return s, c, nil
	}
	r.mu.Unlock()
	root, err := r.Root(ctx, size)
	if err != nil {
		return nil, tlog.Checkpoint{}, err
	}
	c := tlog.Checkpoint{Origin: r.opts.Origin, Size: size, Hash: root}
	signed, err := tlog.Sign(c, r.opts.LogSigners...)
	if err != nil {
		return nil, tlog.Checkpoint{}, fmt.Errorf("registry: %w", err)
	}
	r.mu.Lock()
	r.cp.size, r.cp.signed, r.cp.c = size, signed, c
	r.mu.Unlock()
	return signed, c, nil
}

// ProveInclusion returns the audit path of the entry at index in the log
// of the given size.
func (r *Registry) ProveInclusion(ctx context.Context, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, &NotFoundError{Kind: "log entry", Key: fmt.Sprintf("%d in a log of size %d", index, size)}
	}
	if err := r.checkSize(ctx, size); err != nil {
		return nil, err
	}
	pn, err := tlog.InclusionNodes(index, size)
	if err != nil {
		return nil, fmt.Errorf("registry: inclusion proof: %w", err)
	}
	levels, idx := pn.IDs()
	hs, err := r.nodes(ctx, size, levels, idx)
	if err != nil {
		return nil, fmt.Errorf("registry: inclusion proof: %w", err)
	}
	return pn.Proof(hs)
}

// ProveConsistency returns the proof that the log at size2 extends the
// log at size1.
func (r *Registry) ProveConsistency(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if size1 > size2 {
		return nil, fmt.Errorf("registry: consistency proof: size %d is after %d", size1, size2)
	}
	if err := r.checkSize(ctx, size2); err != nil {
		return nil, err
	}
	pn, err := tlog.ConsistencyNodes(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("registry: consistency proof: %w", err)
	}
	levels, idx := pn.IDs()
	hs, err := r.nodes(ctx, size2, levels, idx)
	if err != nil {
		return nil, fmt.Errorf("registry: consistency proof: %w", err)
	}
	return pn.Proof(hs)
}

// InclusionProof returns a self-contained proof that the event at index
// is in the log: the leaf, its audit path and a signed checkpoint at the
// log's current size. Anyone can check it with its Verify method.
func (r *Registry) InclusionProof(ctx context.Context, index uint64) (*tlog.InclusionProof, error) {
	signed, c, err := r.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	es, err := r.st.Leaves(ctx, index, index+1)
	if err != nil {
		return nil, fmt.Errorf("registry: inclusion proof: %w", err)
	}
	if len(es) != 1 || index >= c.Size {
		return nil, &NotFoundError{Kind: "log entry", Key: fmt.Sprint(index)}
	}
	hs, err := r.ProveInclusion(ctx, index, c.Size)
	if err != nil {
		return nil, err
	}
	return &tlog.InclusionProof{Index: index, Leaf: es[0].Leaf, Hashes: hs, Checkpoint: signed}, nil
}

// ConsistencyProof returns a self-contained proof that the log now
// extends the log at an earlier size.
func (r *Registry) ConsistencyProof(ctx context.Context, size1 uint64) (*tlog.ConsistencyProof, error) {
	newSigned, c, err := r.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	oldSigned, _, err := r.CheckpointAt(ctx, size1)
	if err != nil {
		return nil, err
	}
	hs, err := r.ProveConsistency(ctx, size1, c.Size)
	if err != nil {
		return nil, err
	}
	return &tlog.ConsistencyProof{Old: oldSigned, New: newSigned, Hashes: hs}, nil
}

// LogEntries returns the events with start <= index < end (at most
// MaxLeaves), in order. Leaf holds the exact bytes that were hashed.
func (r *Registry) LogEntries(ctx context.Context, start, end uint64) ([]LogEntry, error) {
	if end < start || end-start > MaxLeaves {
		return nil, fmt.Errorf("registry: log entries [%d, %d): want at most %d in order", start, end, MaxLeaves)
	}
	es, err := r.st.Leaves(ctx, start, end)
	if err != nil {
		return nil, fmt.Errorf("registry: log entries: %w", err)
	}
	out := make([]LogEntry, len(es))
	for i, e := range es {
		ev, err := decodeEvent(e)
		if err != nil {
			return nil, err
		}
		out[i] = LogEntry{Index: e.Seq, Leaf: e.Leaf, Event: ev}
	}
	return out, nil
}

// LogEntry is one leaf of the log and its decoded event.
type LogEntry struct {
	Index uint64
	Leaf  []byte
	Event Event
}

// VerifyLog recomputes the whole log from its leaves and checks it
// against the stored tree at the current size: every stored leaf hash
// and node matches its recomputation, and every event decodes. It reads
// the log from the beginning; it is what a monitor does, run inside.
func (r *Registry) VerifyLog(ctx context.Context) (tlog.Checkpoint, error) {
	size, err := r.LogSize(ctx)
	if err != nil {
		return tlog.Checkpoint{}, err
	}
	t := tlog.NewTree()
	for start := uint64(0); start < size; start += MaxLeaves {
		end := min(start+MaxLeaves, size)
		es, err := r.st.Leaves(ctx, start, end)
		if err != nil {
			return tlog.Checkpoint{}, fmt.Errorf("registry: verify log: %w", err)
		}
		if uint64(len(es)) != end-start {
			return tlog.Checkpoint{}, fmt.Errorf("registry: verify log: %d entries in [%d, %d)", len(es), start, end)
		}
		for i, e := range es {
			if e.Seq != start+uint64(i) {
				return tlog.Checkpoint{}, fmt.Errorf("registry: verify log: entry %d missing", start+uint64(i))
			}
			if _, err := decodeEvent(e); err != nil {
				return tlog.Checkpoint{}, err
			}
			t.Append(e.Leaf, nil)
		}
	}
	stored, err := r.Root(ctx, size)
	if err != nil {
		return tlog.Checkpoint{}, err
	}
	if !bytes.Equal(stored, t.Root()) {
		return tlog.Checkpoint{}, fmt.Errorf("registry: verify log: stored tree root %x differs from the root %x of its leaves", stored, t.Root())
	}
	return tlog.Checkpoint{Origin: r.opts.Origin, Size: size, Hash: stored}, nil
}
