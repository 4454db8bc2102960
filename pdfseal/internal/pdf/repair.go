package pdf

import (
	"bytes"
	"io"
	"sort"
)

// OpenRepair is Open for reading the contents of damaged files: when the
// cross-reference data cannot be read (no startxref, offsets beyond the
// file or pointing elsewhere, a broken /Prev chain), it rebuilds the
// cross-reference table by scanning the whole file for "n g obj", as PDF
// viewers do. The last definition of an object in the file wins; objects
// in object streams are found through the streams' headers. The trailer is
// the last "trailer" dictionary or cross-reference stream that names a
// /Root, else a /Root pointing at the last /Type /Catalog object.
//
// A rebuilt Reader has one Revision (XrefOffset and End -1). It is meant
// for extracting contents, never for signature verification, whose
// revisions must be the file's own.
func OpenRepair(r io.ReaderAt, size int64, opts *Options) (*Reader, error) {
	rd, err := Open(r, size, opts)
	if err == nil || size < 8 {
		return rd, err
	}
	hdr := make([]byte, min(1024, size))
	if _, rerr := r.ReadAt(hdr, 0); rerr != nil && rerr != io.EOF || !bytes.Contains(hdr, []byte("%PDF-")) {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	rd = &Reader{
		r: r, size: size, lim: o.Limits.withDefaults(),
		xref:    map[int]xrefEntry{},
		cache:   map[Ref]Object{},
		loading: map[Ref]bool{},
		objstm:  map[int]*objStream{},
	}
	if rd.rebuild() != nil {
		return nil, err
	}
	return rd, nil
}

// rebuild scans the file and fills the cross-reference table and trailer.
func (r *Reader) rebuild() error {
	type found struct {
		off int64
		gen int64
	}
	objs := map[int]found{}
	var trailers []int64 // offsets just past "trailer"
	const chunk = 1 << 20
	const overlap = 64
	buf := make([]byte, min(chunk+overlap, r.size))
	for at := int64(0); at < r.size; at += chunk {
		n, err := r.r.ReadAt(buf[:min(int64(len(buf)), r.size-at)], at)
		if n <= 0 {
			if err != nil && err != io.EOF {
				return err
			}
			break
		}
		b := buf[:n]
		// Keywords starting in this chunk only; the overlap lets them end
		// past it.
		for i := 0; i < n && i < chunk; {
			j := bytes.Index(b[i:min(n, chunk+8)], []byte("obj"))
			k := bytes.Index(b[i:min(n, chunk+8)], []byte("trailer"))
			if j < 0 && k < 0 {
				break
			}
			if k >= 0 && (j < 0 || k < j) {
				p := i + k
				if (p == 0 && at == 0 || p > 0 && !isRegular(int(b[p-1]))) && (p+7 >= n || !isRegular(int(b[p+7]))) {
					trailers = append(trailers, at+int64(p)+7)
				}
				i = p + 7
				continue
			}
			p := i + j
			i = p + 3
			if p+3 < n && isRegular(int(b[p+3])) {
				continue
			}
			// Back over "num gen " before "obj".
			q := p
			for q > 0 && isWhite(int(b[q-1])) {
				q--
			}
			ge := q
			for q > 0 && b[q-1] >= '0' && b[q-1] <= '9' {
				q--
			}
			if q == ge || ge-q > 5 || ge == p {
				continue
			}
			gen := atoi(b[q:ge])
			q2 := q
			for q2 > 0 && isWhite(int(b[q2-1])) {
				q2--
			}
			if q2 == q {
				continue
			}
			ne := q2
			for q2 > 0 && b[q2-1] >= '0' && b[q2-1] <= '9' {
				q2--
			}
			if q2 == ne || ne-q2 > 10 || q2 > 0 && isRegular(int(b[q2-1])) {
				continue
			}
			num := atoi(b[q2:ne])
			if num < 0 || num >= int64(r.lim.MaxObjects) || gen > 65535 {
				continue
			}
			if _, ok := objs[int(num)]; !ok && len(objs) >= r.lim.MaxObjects {
				return errAt(-1, "repair", ErrLimit, "more than %d objects", r.lim.MaxObjects)
			}
			objs[int(num)] = found{off: at + int64(q2), gen: gen}
		}
	}
	// Plain objects first, in file order; then what object streams hold
	// where no later plain definition exists.
	nums := make([]int, 0, len(objs))
	for num, f := range objs {
		nums = append(nums, num)
		r.xref[num] = xrefEntry{typ: 1, off: f.off, gen: uint16(f.gen)}
		if num > r.maxNum {
			r.maxNum = num
		}
	}
	sort.Slice(nums, func(i, j int) bool { return objs[nums[i]].off < objs[nums[j]].off })
	var trailer Dict
	var trailerAt int64 = -1
	var catalog *Ref
	pos := map[int]int64{} // object number -> where its definition lies
	for num, f := range objs {
		pos[num] = f.off
	}
	for _, num := range nums {
		f := objs[num]
		ref := Ref{Num: num, Gen: int(f.gen)}
		o, err := r.Get(ref)
		if err != nil {
			continue
		}
		switch v := o.(type) {
		case Dict:
			if v.Name("Type") == "Catalog" {
				catalog = &ref
			}
		case *Stream:
			switch v.Dict.Name("Type") {
			case "XRef":
				if v.Dict["Root"] != nil && f.off > trailerAt {
					trailer, trailerAt = v.Dict, f.off
				}
			case "ObjStm":
				if _, err := r.getCompressed(num, -1, -1); err != nil {
					continue
				}
				for i, n := range r.objstm[num].nums {
					if p, ok := pos[n]; ok && p > f.off || n < 0 || n >= r.lim.MaxObjects {
						continue
					}
					pos[n] = f.off
					r.xref[n] = xrefEntry{typ: 2, off: int64(num), idx: i}
					if n > r.maxNum {
						r.maxNum = n
					}
				}
			}
		}
	}
	for _, off := range trailers {
		p := &parser{s: newScanner(r.r, r.size, off), lim: &r.lim}
		o, err := p.object(0)
		if d, ok := o.(Dict); err == nil && ok && d["Root"] != nil && off > trailerAt {
			trailer, trailerAt = d, off
		}
	}
	if trailer == nil {
		if catalog == nil {
			return errAt(-1, "repair", ErrXref, "no trailer and no catalog")
		}
		trailer = Dict{"Root": *catalog}
	}
	r.trailer = trailer
	r.revs = []Revision{{XrefOffset: -1, Kind: XrefTable, Trailer: trailer, End: -1}}
	return nil
}

func atoi(b []byte) int64 {
	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}
	return n
}
