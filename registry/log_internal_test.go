package registry

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/ecertkit/ecertkit/registry/internal/store"
	"github.com/ecertkit/ecertkit/registry/tlog"
)

// countingLog serves a synthetic log's leaves and stored nodes, counting
// the rows read.
type countingLog struct {
	store.Reader // nil: only Leaves and Nodes are called
	size         uint64
	nodes        map[uint64][]byte
	rows         int
}

func leafOf(i uint64) []byte { return []byte(fmt.Sprintf("leaf %d", i)) }

func (l *countingLog) Leaves(ctx context.Context, start, end uint64) ([]store.Event, error) {
	var es []store.Event
	for i := start; i < end && i < l.size; i++ {
		es = append(es, store.Event{Seq: i, Leaf: leafOf(i)})
	}
	l.rows += len(es)
	return es, nil
}

func (l *countingLog) Nodes(ctx context.Context, ids []uint64) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := l.nodes[id]
		if !ok {
			return nil, fmt.Errorf("node %x: %w", id, store.ErrNotFound)
		}
		out[i] = h
	}
	l.rows += len(ids)
	return out, nil
}

// Proofs read a bounded number of rows however large the log: the
// leaves and stored nodes of the aligned blocks around the path, not the
// ranges between distant nodes at one level.
func TestProofRowsBounded(t *testing.T) {
	ctx := context.Background()
	const size = 70001
	l := &countingLog{size: size, nodes: map[uint64][]byte{}}
	tree := tlog.NewTree()
	for i := uint64(0); i < size; i++ {
		tree.Append(leafOf(i), func(level uint, index uint64, hash []byte) {
			if storedLevel(level) {
				l.nodes[store.NodeID(level, index)] = hash
			}
		})
	}
	c := tlog.Checkpoint{Size: size, Hash: tree.Root()}
	for _, cached := range []bool{false, true} {
		r := &Registry{}
		for _, index := range []uint64{0, 5, 17, 4095, 65535, 65536, 69999, size - 1} {
			if !cached {
				r = &Registry{}
			}
			pn, err := tlog.InclusionNodes(index, size)
			if err != nil {
				t.Fatal(err)
			}
			levels, idx := pn.IDs()
			l.rows = 0
			hs, err := r.nodesFrom(ctx, l, levels, idx, nil)
			if err != nil {
				t.Fatal(err)
			}
			proof, err := pn.Proof(hs)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyInclusion(c, index, leafOf(index), proof); err != nil {
				t.Errorf("proof of %d: %v", index, err)
			}
			if limit := 5 * 32; l.rows > limit {
				t.Errorf("proof of %d in %d (cache %v) read %d rows, want at most %d", index, size, cached, l.rows, limit)
			}
		}
	}
}

// Ranges makes countingLog a store.RangeReader, as SQLite is.
func (l *countingLog) Ranges(ctx context.Context, leafFrom, leafTo, nodeFrom, nodeTo uint64) ([]store.Event, [][]byte, error) {
	es, _ := l.Leaves(ctx, leafFrom, leafTo)
	var hs [][]byte
	for id := nodeFrom; id < nodeTo; id++ {
		h, ok := l.nodes[id]
		if !ok {
			break
		}
		hs = append(hs, h)
	}
	l.rows += len(hs)
	return es, hs, nil
}

// countingStore makes countingLog a store.Store for a Registry.
type countingStore struct{ *countingLog }

func (s countingStore) Update(context.Context, func(store.Tx) error) error { return nil }
func (s countingStore) Close() error                                       { return nil }

// The dense cache serves levels 4 to 14 of complete chunks: proofs and
// roots stay correct, the chunks of the log's unfinished end are not
// loaded, and a proof in a loaded chunk reads only its 16 leaves.
func TestDenseCache(t *testing.T) {
	ctx := context.Background()
	const size = 3*denseLeaves + 1234 // three complete chunks and a partial one
	l := &countingLog{size: size, nodes: map[uint64][]byte{}}
	tree := tlog.NewTree()
	roots := map[uint64][]byte{}
	for i := uint64(0); i < size; i++ {
		tree.Append(leafOf(i), func(level uint, index uint64, hash []byte) {
			if storedLevel(level) {
				l.nodes[store.NodeID(level, index)] = hash
			}
		})
		if n := i + 1; n%10007 == 0 || n == size || n == denseLeaves || n == 2*denseLeaves+16 {
			roots[n] = tree.Root()
		}
	}
	r := &Registry{st: countingStore{l}}
	r.seen(size)
	c := tlog.Checkpoint{Size: size, Hash: roots[size]}
	for _, index := range []uint64{0, 5, 17, 4095, denseLeaves - 1, denseLeaves, 2*denseLeaves + 300, 3*denseLeaves - 1, 3 * denseLeaves, size - 1} {
		for pass := 0; pass < 2; pass++ {
			l.rows = 0
			hs, err := r.ProveInclusion(ctx, index, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyInclusion(c, index, leafOf(index), hs); err != nil {
				t.Errorf("proof of %d (pass %d): %v", index, pass, err)
			}
			if complete := index < 3*denseLeaves; complete && pass == 1 && l.rows > 16 {
				t.Errorf("proof of %d in a loaded chunk read %d rows, want 16", index, l.rows)
			}
		}
	}
	for c := range r.dense {
		if got, want := r.dense[c].Load() != nil, c < 3; got != want {
			t.Errorf("chunk %d loaded: %v, want %v", c, got, want)
		}
	}
	// Every cached node is the hash of the leaves under it.
	for _, n := range []struct {
		l uint
		i uint64
	}{{4, 0}, {4, 1023}, {5, 700}, {9, 33}, {14, 0}, {14, 2}, {12, 11}} {
		got := r.denseHash(n.l, n.i)
		var hs [][]byte
		for k := n.i << n.l; k < (n.i+1)<<n.l; k++ {
			hs = append(hs, tlog.LeafHash(leafOf(k)))
		}
		if want := subtreeHash(hs); !bytes.Equal(got, want) {
			t.Errorf("dense node %d/%d = %x, want %x", n.l, n.i, got, want)
		}
	}
	for n, want := range roots {
		got, err := r.Root(ctx, n)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("root at %d = %x, %v; want %x", n, got, err, want)
		}
		if n == size {
			continue
		}
		p, err := r.ProveConsistency(ctx, n, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.VerifyConsistency(tlog.Checkpoint{Size: n, Hash: want}, c, p); err != nil {
			t.Errorf("consistency %d -> %d: %v", n, size, err)
		}
	}
}
