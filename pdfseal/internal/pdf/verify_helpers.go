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
