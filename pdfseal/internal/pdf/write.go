package pdf

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Update is an incremental update being built: new and changed objects
// that Bytes serializes to append after the original file.
type Update struct {
	r       *Reader
	next    int
	objs    map[int]Object
	gens    map[int]int
	order   []int
	trailer Dict
}

// NewUpdate starts an incremental update of the file.
func (r *Reader) NewUpdate() *Update {
	return &Update{r: r, next: r.maxNum + 1, objs: map[int]Object{}, gens: map[int]int{}, trailer: Dict{}}
}

// Alloc reserves a new object number; give it a value with Set.
func (u *Update) Alloc() Ref {
	ref := Ref{Num: u.next}
	u.next++
	return ref
}

// Add stores o as a new object and returns its reference.
func (u *Update) Add(o Object) Ref {
	ref := u.Alloc()
	u.Set(ref, o)
	return ref
}

// Set stores o under ref: a changed object of the original file, or one
// reserved with Alloc.
func (u *Update) Set(ref Ref, o Object) {
	if _, ok := u.objs[ref.Num]; !ok {
		u.order = append(u.order, ref.Num)
	}
	u.objs[ref.Num] = o
	u.gens[ref.Num] = ref.Gen
}

// Has reports whether the update holds object num.
func (u *Update) Has(num int) bool { _, ok := u.objs[num]; return ok }

// Object returns the update's value for ref, if it holds one.
func (u *Update) Object(ref Ref) (Object, bool) { o, ok := u.objs[ref.Num]; return o, ok }

// SetTrailer sets a trailer entry beyond /Size, /Root, /Info, /ID, /Prev
// (which are carried over or computed).
func (u *Update) SetTrailer(key Name, v Object) { u.trailer[key] = v }

// Written is a serialized incremental update.
type Written struct {
	// Data is appended to the original file as is.
	Data []byte
	// Base is the file offset where Data starts (the original's size).
	Base int64
	// Offsets gives each object's offset within Data ("n g obj").
	Offsets map[int]int64
	// XrefOffset is the new cross-reference section's file offset.
	XrefOffset int64
}

// Bytes serializes the update: the objects, a cross-reference section of
// the same kind as the file's newest (table or stream) and the trailer
// with /Prev. It prefixes an end-of-line when the file does not end with one.
func (u *Update) Bytes() (*Written, error) {
	r := u.r
	w := &Written{Base: r.size, Offsets: make(map[int]int64, len(u.order)+1)}
	buf := make([]byte, 0, 4096)
	var last [1]byte
	if _, err := r.r.ReadAt(last[:], r.size-1); err != nil || (last[0] != '\n' && last[0] != '\r') {
		buf = append(buf, '\n')
	}
	nums := append([]int(nil), u.order...)
	for _, n := range nums {
		w.Offsets[n] = int64(len(buf))
		buf = strconv.AppendInt(buf, int64(n), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(u.gens[n]), 10)
		buf = append(buf, " obj\n"...)
		var err error
		if buf, err = AppendObject(buf, u.objs[n]); err != nil {
			return nil, fmt.Errorf("pdf: write object %d: %w", n, err)
		}
		buf = append(buf, "\nendobj\n"...)
	}
	prev := r.revs[0].XrefOffset
	old := r.trailer
	tr := Dict{"Root": old["Root"]}
	for _, k := range []Name{"Info", "ID"} {
		if v, ok := old[k]; ok {
			tr[k] = v
		}
	}
	for k, v := range u.trailer {
		tr[k] = v
	}
	tr["Prev"] = Int(prev)
	sort.Ints(nums)
	if r.XrefKind() == XrefStream {
		xref := u.next
		u.next++
		xoff := int64(len(buf))
		w.Offsets[xref] = xoff
		nums = append(nums, xref)
		maxOff := r.size + xoff
		ow := 4
		if maxOff > math.MaxUint32 {
			ow = 8
		}
		var data []byte
		var index Array
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			index = append(index, Int(nums[i]), Int(j-i+1))
			for k := i; k <= j; k++ {
				off := r.size + w.Offsets[nums[k]]
				data = append(data, 1)
				for b := ow - 1; b >= 0; b-- {
					data = append(data, byte(off>>(8*b)))
				}
				g := u.gens[nums[k]]
				data = append(data, byte(g>>8), byte(g))
			}
			i = j + 1
		}
		tr["Type"] = Name("XRef")
		tr["Size"] = Int(u.next)
		tr["W"] = Array{Int(1), Int(ow), Int(2)}
		tr["Index"] = index
		buf = strconv.AppendInt(buf, int64(xref), 10)
		buf = append(buf, " 0 obj\n"...)
		buf, _ = AppendObject(buf, &Stream{Dict: tr, Data: data, Offset: -1})
		buf = append(buf, "\nendobj\n"...)
		w.XrefOffset = r.size + xoff
	} else {
		w.XrefOffset = r.size + int64(len(buf))
		buf = append(buf, "xref\n"...)
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			buf = fmt.Appendf(buf, "%d %d\n", nums[i], j-i+1)
			for k := i; k <= j; k++ {
				buf = fmt.Appendf(buf, "%010d %05d n\r\n", r.size+w.Offsets[nums[k]], u.gens[nums[k]])
			}
			i = j + 1
		}
		tr["Size"] = Int(u.next)
		buf = append(buf, "trailer\n"...)
		buf, _ = AppendObject(buf, tr)
		buf = append(buf, '\n')
	}
	buf = append(buf, "startxref\n"...)
	buf = strconv.AppendInt(buf, w.XrefOffset, 10)
	buf = append(buf, "\n%%EOF\n"...)
	w.Data = buf
	return w, nil
}

// AppendObject appends the PDF syntax of o to b. Dictionary keys are
// written in sorted order so that output is deterministic.
func AppendObject(b []byte, o Object) ([]byte, error) {
	return appendObject(b, o, 0)
}

func appendObject(b []byte, o Object, depth int) ([]byte, error) {
	if depth > 1000 {
		return b, fmt.Errorf("object nested deeper than 1000")
	}
	switch v := o.(type) {
	case nil:
		return append(b, "null"...), nil
	case Bool:
		if v {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case Int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case Real:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("real %v cannot be written", f)
		}
		n := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		if !bytes.ContainsRune(b[n:], '.') {
			b = append(b, ".0"...) // stays a real when read back
		}
		return b, nil
	case String:
		return appendString(b, v), nil
	case Name:
		return appendName(b, v), nil
	case Ref:
		b = strconv.AppendInt(b, int64(v.Num), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(v.Gen), 10)
		return append(b, " R"...), nil
	case Raw:
		return append(b, v...), nil
	case Array:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			var err error
			if b, err = appendObject(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		b = append(b, "<<"...)
		for _, k := range keys {
			val := v[Name(k)]
			if val == nil {
				continue
			}
			b = appendName(b, Name(k))
			b = append(b, ' ')
			var err error
			if b, err = appendObject(b, val, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ">>"...), nil
	case *Stream:
		if depth > 0 {
			return b, fmt.Errorf("a stream must be an indirect object")
		}
		if v.Offset >= 0 && v.Data == nil {
			return b, fmt.Errorf("stream from the file cannot be rewritten")
		}
		d := v.Dict.Clone()
		d["Length"] = Int(len(v.Data))
		var err error
		if b, err = appendObject(b, d, depth+1); err != nil {
			return b, err
		}
		b = append(b, "\nstream\n"...)
		b = append(b, v.Data...)
		return append(b, "\nendstream"...), nil
	}
	return b, fmt.Errorf("cannot write %T", o)
}

func appendString(b []byte, s String) []byte {
	printable := true
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			printable = false
			break
		}
	}
	if !printable {
		const hexd = "0123456789ABCDEF"
		b = append(b, '<')
		for _, c := range s {
			b = append(b, hexd[c>>4], hexd[c&15])
		}
		return append(b, '>')
	}
	b = append(b, '(')
	for _, c := range s {
		if c == '(' || c == ')' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, ')')
}

func appendName(b []byte, n Name) []byte {
	const hexd = "0123456789ABCDEF"
	b = append(b, '/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(int(c)) {
			b = append(b, '#', hexd[c>>4], hexd[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}
