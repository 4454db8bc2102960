package pdf

import (
	"bytes"
	"io"
	"sort"
	"strconv"
)

// XrefKind is the form of a cross-reference section.
type XrefKind int

const (
	XrefTable  XrefKind = iota // classic "xref" table with a trailer
	XrefStream                 // /Type /XRef stream (PDF 1.5)
)

// Revision is one cross-reference section of the file, newest first in
// Reader.Revisions. Each incremental update adds one.
type Revision struct {
	XrefOffset int64    // where the section starts ("xref" or "n g obj")
	Kind       XrefKind // table or stream
	Trailer    Dict     // the trailer dictionary (the stream dict for xref streams)
	// End is the offset just past the "%%EOF" marker (and its end-of-line)
	// that closes this revision, or -1 when none was found. The file as it
	// was at this revision is bytes [0, End).
	End int64
}

type xrefEntry struct {
	typ  uint8 // 0 free, 1 in file, 2 in object stream
	gen  uint16
	off  int64 // offset (typ 1) or object-stream number (typ 2)
	idx  int   // index in the object stream (typ 2)
	xsec int   // index into revisions of the section that defined it
}

// Reader gives access to the objects of a PDF file. It reads from the
// io.ReaderAt on demand and caches parsed objects. A Reader is not safe for
// concurrent use.
type Reader struct {
	r    io.ReaderAt
	size int64
	lim  Limits

	revs    []Revision
	xref    map[int]xrefEntry
	trailer Dict
	maxNum  int

	cache   map[Ref]Object
	loading map[Ref]bool
	objstm  map[int]*objStream

	endstream endstreamSearch // findEndstream's last answer
	searched  int64           // bytes read by searchForward (for tests)
}

type objStream struct {
	data  []byte
	first int64
	offs  []int64 // offsets relative to first, by index
	nums  []int
}

// Options configure Open.
type Options struct {
	Limits Limits
}

// Open reads the cross-reference data of the PDF in r (size bytes). It
// reads little of the file: the tail, the xref sections and their trailers.
func Open(r io.ReaderAt, size int64, opts *Options) (*Reader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	rd := &Reader{
		r: r, size: size, lim: o.Limits.withDefaults(),
		xref:    map[int]xrefEntry{},
		cache:   map[Ref]Object{},
		loading: map[Ref]bool{},
		objstm:  map[int]*objStream{},
	}
	if size < 8 {
		return nil, errAt(0, "header", ErrSyntax, "file too short (%d bytes)", size)
	}
	hdr := make([]byte, min(1024, size))
	if _, err := r.ReadAt(hdr, 0); err != nil && err != io.EOF {
		return nil, errAt(0, "header", ErrSyntax, "read: %v", err)
	}
	if !bytes.Contains(hdr, []byte("%PDF-")) {
		return nil, errAt(0, "header", ErrSyntax, "no %%PDF- header")
	}
	start, err := rd.findStartxref()
	if err != nil {
		return nil, err
	}
	if err := rd.readXrefChain(start); err != nil {
		return nil, err
	}
	return rd, nil
}

// Size is the length of the file.
func (r *Reader) Size() int64 { return r.size }

// ReaderAt is the underlying file.
func (r *Reader) ReaderAt() io.ReaderAt { return r.r }

// Trailer is the newest trailer dictionary.
func (r *Reader) Trailer() Dict { return r.trailer }

// Revisions lists the cross-reference sections, newest first.
func (r *Reader) Revisions() []Revision { return r.revs }

// XrefKind is the kind of the newest cross-reference section: an update
// should use the same kind.
func (r *Reader) XrefKind() XrefKind { return r.revs[0].Kind }

// MaxObjectNumber is the highest object number in use (or declared by /Size - 1).
func (r *Reader) MaxObjectNumber() int { return r.maxNum }

// Encrypted reports whether the trailer names an /Encrypt dictionary.
func (r *Reader) Encrypted() bool { return r.trailer["Encrypt"] != nil }

// findStartxref finds the offset after the last "startxref" in the tail.
func (r *Reader) findStartxref() (int64, error) {
	n := min(int64(2048), r.size)
	tail := make([]byte, n)
	if _, err := r.r.ReadAt(tail, r.size-n); err != nil && err != io.EOF {
		return 0, errAt(r.size-n, "startxref", ErrXref, "read: %v", err)
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, errAt(r.size-n, "startxref", ErrXref, "no startxref in the last %d bytes", n)
	}
	p := &parser{s: newScanner(bytes.NewReader(tail), n, int64(i+9)), lim: &r.lim}
	off, ok := p.readInt()
	if !ok || off >= r.size {
		return 0, errAt(r.size-n+int64(i), "startxref", ErrXref, "bad startxref offset")
	}
	return off, nil
}

func (r *Reader) readXrefChain(off int64) error {
	seen := map[int64]bool{}
	for off >= 0 {
		if seen[off] {
			return errAt(off, "xref", ErrXref, "/Prev loop")
		}
		if len(r.revs) >= r.lim.MaxXrefChain {
			return errAt(off, "xref", ErrLimit, "more than %d xref sections", r.lim.MaxXrefChain)
		}
		seen[off] = true
		rev, prev, err := r.readSection(off, len(r.revs))
		if err != nil {
			return err
		}
		r.revs = append(r.revs, rev)
		if len(r.revs) == 1 {
			r.trailer = rev.Trailer
		}
		off = prev
	}
	if r.trailer["Root"] == nil {
		return errAt(r.revs[0].XrefOffset, "trailer", ErrXref, "no /Root")
	}
	if sz, ok := r.trailer.Int("Size"); ok && sz > 0 && int(sz)-1 > r.maxNum && sz <= int64(r.lim.MaxObjects) {
		r.maxNum = int(sz) - 1
	}
	return nil
}

// readSection parses the xref section at off, records its entries (older
// sections never override newer ones) and returns the /Prev offset or -1.
func (r *Reader) readSection(off int64, secIdx int) (Revision, int64, error) {
	s := newScanner(r.r, r.size, off)
	p := &parser{s: s, lim: &r.lim}
	rev := Revision{XrefOffset: off, End: -1}
	if s.expectKeyword("xref") {
		rev.Kind = XrefTable
		tr, err := r.readTable(p, secIdx)
		if err != nil {
			return rev, -1, err
		}
		rev.Trailer = tr
		// Hybrid file: the table's entries win, then the /XRefStm stream's.
		if xs, ok := tr.Int("XRefStm"); ok {
			if xs < 0 || xs >= r.size {
				return rev, -1, errAt(off, "xref", ErrXref, "bad /XRefStm %d", xs)
			}
			if _, err := r.readXrefStream(xs, secIdx); err != nil {
				return rev, -1, err
			}
		}
	} else {
		rev.Kind = XrefStream
		d, err := r.readXrefStream(off, secIdx)
		if err != nil {
			return rev, -1, err
		}
		rev.Trailer = d
	}
	rev.End = r.findEOF(s.pos)
	prev := int64(-1)
	if pv, ok := rev.Trailer["Prev"]; ok {
		n, ok := pv.(Int)
		if !ok || n < 0 || int64(n) >= r.size {
			return rev, -1, errAt(off, "trailer", ErrXref, "bad /Prev")
		}
		prev = int64(n)
	}
	return rev, prev, nil
}

// findEOF returns the offset just past the first %%EOF at or after from
// (and one end-of-line after it), or -1.
func (r *Reader) findEOF(from int64) int64 {
	const win = 4096
	buf := make([]byte, win+5)
	for at := from; at < r.size && at < from+1<<20; at += win {
		n, _ := r.r.ReadAt(buf[:min(int64(len(buf)), r.size-at)], at)
		if n <= 0 {
			return -1
		}
		if i := bytes.Index(buf[:n], []byte("%%EOF")); i >= 0 {
			end := at + int64(i) + 5
			var eol [2]byte
			m, _ := r.r.ReadAt(eol[:min(2, r.size-end)], end)
			if m > 0 && eol[0] == '\r' {
				end++
				if m > 1 && eol[1] == '\n' {
					end++
				}
			} else if m > 0 && eol[0] == '\n' {
				end++
			}
			return end
		}
	}
	return -1
}

func (r *Reader) setEntry(num int, e xrefEntry) error {
	if num < 0 || num >= r.lim.MaxObjects {
		return errAt(-1, "xref", ErrLimit, "object number %d out of range", num)
	}
	if _, ok := r.xref[num]; ok {
		return nil
	}
	if len(r.xref) >= r.lim.MaxObjects {
		return errAt(-1, "xref", ErrLimit, "more than %d objects", r.lim.MaxObjects)
	}
	r.xref[num] = e
	if e.typ != 0 && num > r.maxNum {
		r.maxNum = num
	}
	return nil
}

func (r *Reader) readTable(p *parser, secIdx int) (Dict, error) {
	s := p.s
	for {
		s.skipSpace()
		if s.expectKeyword("trailer") {
			o, err := p.object(0)
			if err != nil {
				return nil, err
			}
			d, ok := o.(Dict)
			if !ok {
				return nil, errAt(s.pos, "trailer", ErrXref, "trailer is not a dictionary")
			}
			return d, nil
		}
		at := s.pos
		first, ok1 := p.readInt()
		count, ok2 := p.readInt()
		if !ok1 || !ok2 {
			return nil, errAt(at, "xref table", ErrXref, "expected subsection header or trailer")
		}
		if first+count > int64(r.lim.MaxObjects) || count*18 > r.size-s.pos {
			return nil, errAt(at, "xref table", ErrLimit, "subsection %d %d too large", first, count)
		}
		s.skipSpace()
		if r.fastTable(s, first, count, secIdx) {
			continue
		}
		for i := int64(0); i < count; i++ {
			off, ok1 := p.readInt()
			gen, ok2 := p.readInt()
			s.skipSpace()
			kind := s.next()
			if !ok1 || !ok2 || (kind != 'n' && kind != 'f') || gen > 65535 {
				return nil, errAt(s.pos, "xref table", ErrXref, "bad entry %d", first+i)
			}
			e := xrefEntry{gen: uint16(gen), xsec: secIdx}
			if kind == 'n' {
				if off >= r.size {
					return nil, errAt(s.pos, "xref table", ErrXref, "object %d offset %d beyond the file", first+i, off)
				}
				e.typ, e.off = 1, off
			}
			if kind == 'n' && off == 0 {
				e.typ = 0 // a few writers mark free objects as "0 n"
			}
			if err := r.setEntry(int(first+i), e); err != nil {
				return nil, err
			}
		}
	}
}

// fastTable reads a subsection of well-formed 20-byte entries in one
// read; it returns false (having consumed nothing) when any entry is not
// in the standard form, and the caller parses token by token.
func (r *Reader) fastTable(s *scanner, first, count int64, secIdx int) bool {
	n := count * 20
	if n <= 0 || n > 1<<26 || s.pos+n > r.size {
		return false
	}
	buf := make([]byte, n)
	if m, _ := r.r.ReadAt(buf, s.pos); int64(m) != n {
		return false
	}
	for i := int64(0); i < count; i++ {
		e := buf[i*20 : i*20+20]
		if e[10] != ' ' || e[16] != ' ' || (e[17] != 'n' && e[17] != 'f') ||
			!((e[18] == '\r' && e[19] == '\n') || (e[18] == ' ' && (e[19] == '\n' || e[19] == '\r'))) {
			return false
		}
		for _, c := range e[:10] {
			if c < '0' || c > '9' {
				return false
			}
		}
		for _, c := range e[11:16] {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	for i := int64(0); i < count; i++ {
		e := buf[i*20 : i*20+20]
		var off, gen int64
		for _, c := range e[:10] {
			off = off*10 + int64(c-'0')
		}
		for _, c := range e[11:16] {
			gen = gen*10 + int64(c-'0')
		}
		x := xrefEntry{gen: uint16(gen), xsec: secIdx}
		if e[17] == 'n' && off != 0 {
			if off >= r.size {
				return false
			}
			x.typ, x.off = 1, off
		}
		if gen > 65535 {
			return false
		}
		if err := r.setEntry(int(first+i), x); err != nil {
			return false
		}
	}
	s.pos += n
	return true
}

// readXrefStream parses the xref stream object at off and records entries.
func (r *Reader) readXrefStream(off int64, secIdx int) (Dict, error) {
	_, obj, err := r.parseIndirectAt(off, nil)
	if err != nil {
		return nil, errAt(off, "xref stream", ErrXref, "%v", err)
	}
	st, ok := obj.(*Stream)
	if !ok || st.Dict.Name("Type") != "XRef" {
		return nil, errAt(off, "xref", ErrXref, "neither an xref table nor an xref stream")
	}
	d := st.Dict
	size, _ := d.Int("Size")
	if size < 0 || size > int64(r.lim.MaxObjects) {
		return nil, errAt(off, "xref stream", ErrLimit, "/Size %d", size)
	}
	wa, _ := d["W"].(Array)
	if len(wa) != 3 {
		return nil, errAt(off, "xref stream", ErrXref, "bad /W")
	}
	var w [3]int
	for i := range w {
		n, ok := wa[i].(Int)
		if !ok || n < 0 || n > 8 {
			return nil, errAt(off, "xref stream", ErrXref, "bad /W")
		}
		w[i] = int(n)
	}
	row := w[0] + w[1] + w[2]
	if row == 0 {
		return nil, errAt(off, "xref stream", ErrXref, "bad /W")
	}
	var index []int64
	if ia, ok := d["Index"].(Array); ok {
		if len(ia)%2 != 0 {
			return nil, errAt(off, "xref stream", ErrXref, "bad /Index")
		}
		for _, v := range ia {
			n, ok := v.(Int)
			if !ok || n < 0 || n > Int(r.lim.MaxObjects) {
				return nil, errAt(off, "xref stream", ErrXref, "bad /Index")
			}
			index = append(index, int64(n))
		}
	} else {
		index = []int64{0, size}
	}
	var total int64
	for i := 1; i < len(index); i += 2 {
		total += index[i]
	}
	if total > int64(r.lim.MaxObjects) {
		return nil, errAt(off, "xref stream", ErrLimit, "%d entries", total)
	}
	data, err := r.decodeStream(st, total*int64(row+1)+64)
	if err != nil {
		return nil, errAt(off, "xref stream", ErrXref, "%v", err)
	}
	pos := 0
	field := func(n, def int) int64 {
		if n == 0 {
			return int64(def)
		}
		var v int64
		for i := 0; i < n; i++ {
			v = v<<8 | int64(data[pos+i])
		}
		pos += n
		return v
	}
	for i := 0; i+1 < len(index); i += 2 {
		for j := int64(0); j < index[i+1]; j++ {
			if pos+row > len(data) {
				return d, nil // short data: keep what was there
			}
			t := field(w[0], 1)
			f2 := field(w[1], 0)
			f3 := field(w[2], 0)
			num := int(index[i] + j)
			var e xrefEntry
			e.xsec = secIdx
			switch t {
			case 1:
				if f2 < 0 || f2 >= r.size || f3 > 65535 {
					return nil, errAt(off, "xref stream", ErrXref, "object %d offset %d beyond the file", num, f2)
				}
				e.typ, e.off, e.gen = 1, f2, uint16(f3)
			case 2:
				if f2 < 0 || f2 >= int64(r.lim.MaxObjects) || f3 > int64(r.lim.MaxObjects) {
					return nil, errAt(off, "xref stream", ErrXref, "bad compressed entry for object %d", num)
				}
				e.typ, e.off, e.idx = 2, f2, int(f3)
			default:
				e.typ = 0
			}
			if err := r.setEntry(num, e); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

// parseIndirectAt parses "n g obj ... endobj" at off. want, when not nil,
// must match the object's number and generation.
func (r *Reader) parseIndirectAt(off int64, want *Ref) (Ref, Object, error) {
	s := newScanner(r.r, r.size, off)
	p := &parser{s: s, lim: &r.lim}
	num, ok1 := p.readInt()
	gen, ok2 := p.readInt()
	if !ok1 || !ok2 || !s.expectKeyword("obj") {
		return Ref{}, nil, errAt(off, "object", ErrSyntax, "expected \"n g obj\"")
	}
	ref := Ref{Num: int(num), Gen: int(gen)}
	if want != nil && (ref.Num != want.Num || ref.Gen != want.Gen) {
		return ref, nil, errAt(off, "object "+want.String(), ErrXref, "xref points to object %d %d", num, gen)
	}
	obj, err := p.object(0)
	if err != nil {
		return ref, nil, err
	}
	d, isDict := obj.(Dict)
	if isDict && s.expectKeyword("stream") {
		// The EOL after "stream" is CRLF or LF (tolerate a lone CR).
		if s.peek() == '\r' {
			s.pos++
		}
		if s.peek() == '\n' {
			s.pos++
		}
		st := &Stream{Dict: d, Offset: s.pos, Length: -1}
		if err := r.streamLength(st, ref); err != nil {
			return ref, nil, err
		}
		return ref, st, nil
	}
	return ref, obj, nil
}

// streamLength sets st.Length from /Length when it is plausible (within
// the file and followed by "endstream"), else by searching for endstream.
func (r *Reader) streamLength(st *Stream, self Ref) error {
	var n int64 = -1
	switch l := st.Dict["Length"].(type) {
	case Int:
		n = int64(l)
	case Ref:
		if l != self {
			if o, err := r.Get(l); err == nil {
				if v, ok := o.(Int); ok {
					n = int64(v)
				}
			}
		}
	}
	if n >= 0 && n <= r.size-st.Offset && r.endstreamAt(st.Offset+n) {
		st.Length = n
		return nil
	}
	// Search for "endstream" (bounded by the file).
	end, ok := r.findEndstream(st.Offset)
	if !ok {
		return errAt(st.Offset, "stream", ErrSyntax, "no endstream")
	}
	// Drop the EOL before endstream.
	l := end - st.Offset
	var b [2]byte
	if l >= 2 {
		r.r.ReadAt(b[:], end-2)
		if b[1] == '\n' {
			l--
			if b[0] == '\r' {
				l--
			}
		} else if b[1] == '\r' {
			l--
		}
	} else if l == 1 {
		r.r.ReadAt(b[:1], end-1)
		if b[0] == '\n' || b[0] == '\r' {
			l--
		}
	}
	st.Length = l
	return nil
}

func (r *Reader) endstreamAt(off int64) bool {
	var b [12]byte
	n, _ := r.r.ReadAt(b[:], off)
	t := bytes.TrimLeft(b[:n], "\r\n \t\f\x00")
	return bytes.HasPrefix(t, []byte("endstream"))
}

// findEndstream returns the offset of the first "endstream" at or after
// from. It remembers its last answer: the first "endstream" at or after
// from is also the first one at or after any offset up to it, and when
// there is none there is none further on either. So a file with many
// streams whose /Length is wrong is scanned about once, not once per
// stream (which hostile input would make quadratic).
func (r *Reader) findEndstream(from int64) (int64, bool) {
	if c := r.endstream; c.valid && from >= c.from && (!c.found || from <= c.at) {
		return c.at, c.found
	}
	at, found := r.searchForward(from, []byte("endstream"))
	r.endstream = endstreamSearch{valid: true, from: from, at: at, found: found}
	return at, found
}

type endstreamSearch struct {
	valid, found bool
	from, at     int64
}

// searchForward returns the offset of the first pat at or after from.
func (r *Reader) searchForward(from int64, pat []byte) (int64, bool) {
	const win = 64 << 10
	buf := make([]byte, win+len(pat))
	for at := from; at < r.size; at += win {
		n, _ := r.r.ReadAt(buf[:min(int64(len(buf)), r.size-at)], at)
		r.searched += int64(n)
		if n <= 0 {
			return 0, false
		}
		if i := bytes.Index(buf[:n], pat); i >= 0 {
			return at + int64(i), true
		}
	}
	return 0, false
}

// Get returns the object ref refers to (nil for free or missing objects,
// as PDF requires). Streams are returned as *Stream.
func (r *Reader) Get(ref Ref) (Object, error) {
	if o, ok := r.cache[ref]; ok {
		return o, nil
	}
	if r.loading[ref] {
		return nil, errAt(-1, "object "+ref.String(), ErrCycle, "")
	}
	e, ok := r.xref[ref.Num]
	if !ok || e.typ == 0 {
		return nil, nil
	}
	r.loading[ref] = true
	defer delete(r.loading, ref)
	var o Object
	var err error
	switch e.typ {
	case 1:
		if int(e.gen) != ref.Gen {
			return nil, nil
		}
		_, o, err = r.parseIndirectAt(e.off, &ref)
	case 2:
		if ref.Gen != 0 {
			return nil, nil
		}
		o, err = r.getCompressed(int(e.off), e.idx, ref.Num)
	}
	if err != nil {
		return nil, err
	}
	r.cache[ref] = o
	return o, nil
}

func (r *Reader) getCompressed(stmNum, idx, num int) (Object, error) {
	os, ok := r.objstm[stmNum]
	if !ok {
		sref := Ref{Num: stmNum}
		if e := r.xref[stmNum]; e.typ != 1 {
			return nil, errAt(-1, "object stream "+sref.String(), ErrXref, "not a plain object")
		}
		o, err := r.Get(sref)
		if err != nil {
			return nil, err
		}
		st, ok := o.(*Stream)
		if !ok || st.Dict.Name("Type") != "ObjStm" {
			return nil, errAt(-1, "object stream "+sref.String(), ErrSyntax, "not an object stream")
		}
		n, _ := st.Dict.Int("N")
		first, _ := st.Dict.Int("First")
		if n < 0 || n > int64(r.lim.MaxElements) || first < 0 {
			return nil, errAt(st.Offset, "object stream "+sref.String(), ErrSyntax, "bad /N or /First")
		}
		data, err := r.decodeStream(st, r.lim.MaxStreamSize)
		if err != nil {
			return nil, err
		}
		if first > int64(len(data)) {
			return nil, errAt(st.Offset, "object stream "+sref.String(), ErrSyntax, "/First beyond data")
		}
		p := &parser{s: newScanner(bytes.NewReader(data), first, 0), lim: &r.lim}
		os = &objStream{data: data, first: first}
		for i := int64(0); i < n; i++ {
			on, ok1 := p.readInt()
			oo, ok2 := p.readInt()
			if !ok1 || !ok2 {
				break
			}
			os.nums = append(os.nums, int(on))
			os.offs = append(os.offs, oo)
		}
		r.objstm[stmNum] = os
	}
	if idx < 0 || idx >= len(os.offs) || os.nums[idx] != num {
		// Some writers get the index wrong; look the number up.
		idx = -1
		for i, n := range os.nums {
			if n == num {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, nil
		}
	}
	start := os.first + os.offs[idx]
	if start < 0 || start >= int64(len(os.data)) {
		return nil, errAt(-1, "object "+strconv.Itoa(num), ErrSyntax, "offset beyond its object stream")
	}
	p := &parser{s: newScanner(bytes.NewReader(os.data), int64(len(os.data)), start), lim: &r.lim}
	return p.object(0)
}

// Resolve follows references until it reaches a direct object.
func (r *Reader) Resolve(o Object) (Object, error) {
	for i := 0; ; i++ {
		ref, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		if i >= r.lim.MaxResolveHops {
			return nil, errAt(-1, "resolve "+ref.String(), ErrCycle, "more than %d hops", r.lim.MaxResolveHops)
		}
		var err error
		if o, err = r.Get(ref); err != nil {
			return nil, err
		}
	}
}

// Dict resolves o and returns it as a dictionary (a stream's dictionary
// counts); nil when o is not one.
func (r *Reader) Dict(o Object) (Dict, error) {
	o, err := r.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case Dict:
		return v, nil
	case *Stream:
		return v.Dict, nil
	}
	return nil, nil
}

// Catalog returns the document catalog and its reference.
func (r *Reader) Catalog() (Dict, Ref, error) {
	ref, ok := r.trailer["Root"].(Ref)
	if !ok {
		return nil, Ref{}, errAt(-1, "catalog", ErrXref, "/Root is not a reference")
	}
	d, err := r.Dict(ref)
	if err != nil {
		return nil, ref, err
	}
	if d == nil {
		return nil, ref, errAt(-1, "catalog", ErrXref, "/Root %v is not a dictionary", ref)
	}
	return d, ref, nil
}

// Pages returns the page objects' references in order. The page tree is
// walked with cycle detection and a bound of MaxObjects pages.
func (r *Reader) Pages() ([]Ref, error) {
	cat, _, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, errAt(-1, "pages", ErrSyntax, "/Pages is not a reference")
	}
	var pages []Ref
	seen := map[Ref]bool{}
	stack := []Ref{root}
	for len(stack) > 0 {
		ref := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[ref] {
			return nil, errAt(-1, "pages", ErrCycle, "page tree node %v visited twice", ref)
		}
		seen[ref] = true
		if len(seen) > r.lim.MaxObjects {
			return nil, errAt(-1, "pages", ErrLimit, "page tree too large")
		}
		d, err := r.Dict(ref)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, errAt(-1, "pages", ErrSyntax, "page tree node %v is not a dictionary", ref)
		}
		kids, isNode := d["Kids"]
		if d.Name("Type") == "Page" || !isNode {
			pages = append(pages, ref)
			continue
		}
		ka, err := r.Resolve(kids)
		if err != nil {
			return nil, err
		}
		arr, _ := ka.(Array)
		for i := len(arr) - 1; i >= 0; i-- {
			if k, ok := arr[i].(Ref); ok {
				stack = append(stack, k)
			}
		}
	}
	return pages, nil
}

// PageAttr returns an inheritable page attribute (MediaBox, CropBox,
// Resources, Rotate), looking up the /Parent chain (bounded).
func (r *Reader) PageAttr(page Ref, key Name) (Object, error) {
	var cur Object = page
	for i := 0; i < r.lim.MaxDepth; i++ {
		d, err := r.Dict(cur)
		if err != nil || d == nil {
			return nil, err
		}
		if v, ok := d[key]; ok {
			return r.Resolve(v)
		}
		p, ok := d["Parent"]
		if !ok {
			return nil, nil
		}
		cur = p
	}
	return nil, errAt(-1, "page attribute", ErrCycle, "/Parent chain too long")
}

// ObjectNumbers returns the object numbers in use, ascending.
func (r *Reader) ObjectNumbers() []int {
	nums := make([]int, 0, len(r.xref))
	for n, e := range r.xref {
		if e.typ != 0 {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	return nums
}

// ObjectRevision returns the index into Revisions of the section that
// defines object num (0 = newest), or -1 when it is not defined.
func (r *Reader) ObjectRevision(num int) int {
	e, ok := r.xref[num]
	if !ok || e.typ == 0 {
		return -1
	}
	return e.xsec
}

// ObjectOffset returns the file offset of a plain object, or -1 for objects
// in object streams or not present.
func (r *Reader) ObjectOffset(num int) int64 {
	e, ok := r.xref[num]
	if !ok || e.typ != 1 {
		return -1
	}
	return e.off
}
