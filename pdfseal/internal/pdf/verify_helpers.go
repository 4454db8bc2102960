package pdf

// Helpers for signature verification (pdfseal/internal/validate): added
// beside the reader by the verification work, using only its tables.

// ObjectGen returns the generation number of object num's current
// cross-reference entry and whether the object is in use.
func (r *Reader) ObjectGen(num int) (int, bool) {
	e, ok := r.xref[num]
	if !ok || e.typ == 0 {
		return 0, false
	}
	if e.typ == 2 {
		return 0, true
	}
	return int(e.gen), true
}

// ShareCache copies into r the objects other has already parsed whose
// cross-reference entries are the same in both readers: readers opened
// on prefixes of one file (its revisions) then parse shared objects once.
// Parsed objects are never modified by the readers.
func (r *Reader) ShareCache(other *Reader) {
	for ref, o := range other.cache {
		e, ok := r.xref[ref.Num]
		oe, ok2 := other.xref[ref.Num]
		if !ok || !ok2 || e.typ != oe.typ || e.off != oe.off || e.gen != oe.gen || e.idx != oe.idx {
			continue
		}
		if e.typ == 2 {
			// In an object stream: the same stream object must hold it.
			se, ok := r.xref[int(e.off)]
			ose, ok2 := other.xref[int(oe.off)]
			if !ok || !ok2 || se.typ != ose.typ || se.off != ose.off || se.gen != ose.gen {
				continue
			}
		}
		if _, have := r.cache[ref]; !have {
			r.cache[ref] = o
		}
	}
}
