package cefact

import (
	"sync"
)

// slab hands out values from blocks that are kept for the next document:
// the trees that Decode and Encode build are dropped before they return,
// so their nodes can be reused instead of left to the garbage collector.
type slab[T any] struct {
	blocks [][]T
	used   int // blocks in use; the last one up to n
	n      int
	size   int // length of new blocks (at least 64)
}

// slabMaxBlocks bounds what a pooled slab keeps after a large document.
const slabMaxBlocks = 16

func (s *slab[T]) one() *T {
	if s.used == 0 || s.n == len(s.blocks[s.used-1]) {
		s.next(1)
	}
	v := &s.blocks[s.used-1][s.n]
	s.n++
	return v
}

// many returns an empty slice with capacity k.
func (s *slab[T]) many(k int) []T {
	if s.used == 0 || len(s.blocks[s.used-1])-s.n < k {
		s.next(k)
	}
	b := s.blocks[s.used-1]
	r := b[s.n : s.n : s.n+k]
	s.n += k
	return r
}

func (s *slab[T]) next(k int) {
	if s.used == len(s.blocks) || len(s.blocks[s.used]) < k {
		blk := make([]T, max(k, s.size, 64))
		if s.used == len(s.blocks) {
			s.blocks = append(s.blocks, blk)
		} else {
			s.blocks[s.used] = blk
		}
	}
	s.used++
	s.n = 0
}

// reset zeroes what was handed out (so that nothing stays reachable) and
// makes the blocks available again.
func (s *slab[T]) reset() {
	for i := 0; i < s.used; i++ {
		if i == s.used-1 {
			clear(s.blocks[i][:s.n])
		} else {
			clear(s.blocks[i])
		}
	}
	s.used, s.n = 0, 0
	if len(s.blocks) > slabMaxBlocks {
		clear(s.blocks[slabMaxBlocks:])
		s.blocks = s.blocks[:slabMaxBlocks]
	}
}

// poolMax bounds the buffers and maps that pooled states keep after a
// large document.
const poolMax = 4096

func (e *encoder) reset() {
	e.nodes.reset()
	clear(e.notes)
	clear(e.trans)
	e.c, e.notes, e.trans = nil, e.notes[:0], e.trans[:0]
}

// encoders holds the node slabs of Encode.
var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.nodes.init()
	return e
}}
