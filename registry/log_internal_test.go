package registry

import (
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
