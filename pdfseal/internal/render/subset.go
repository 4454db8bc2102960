package render

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"unicode/utf16"
)

// Subset collects the glyphs a document uses from one font and builds a
// TrueType font holding only those, renumbered from 1 (0 is .notdef). The
// new glyph numbers are the CIDs of an Identity-H Type0 font.
type Subset struct {
	f     *Font
	newOf map[uint16]uint16
	old   []uint16 // by new glyph id
	uni   []rune   // by new glyph id; 0 for none
}

// NewSubset starts an empty subset of f.
func NewSubset(f *Font) *Subset {
	return &Subset{f: f, newOf: map[uint16]uint16{0: 0}, old: []uint16{0}, uni: []rune{0}}
}

// Font is the font subset.
func (s *Subset) Font() *Font { return s.f }

// Add includes glyph old, drawn for rune r, and returns its CID.
func (s *Subset) Add(old uint16, r rune) uint16 {
	if n, ok := s.newOf[old]; ok {
		return n
	}
	n := uint16(len(s.old))
	s.newOf[old] = n
	s.old = append(s.old, old)
	s.uni = append(s.uni, r)
	return n
}

// Len is the number of glyphs, .notdef included.
func (s *Subset) Len() int { return len(s.old) }

// Tag is the six-letter subset tag, derived from the glyphs used, so that
// the same text gives the same file.
func (s *Subset) Tag() string {
	h := fnv.New64a()
	var b [2]byte
	for _, g := range s.old {
		binary.BigEndian.PutUint16(b[:], g)
		h.Write(b[:])
	}
	v := h.Sum64()
	t := make([]byte, 6)
	for i := range t {
		t[i] = 'A' + byte(v%26)
		v /= 26
	}
	return string(t)
}

// Width is the advance of CID cid in thousandths of an em.
func (s *Subset) Width(cid uint16) int {
	return s.f.Advance(s.old[cid]) * 1000 / s.f.UnitsPerEm
}

// Widths returns the /W array of the CIDFont.
func (s *Subset) Widths() string {
	var b strings.Builder
	b.WriteString("[0[")
	for cid := range s.old {
		if cid > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, s.Width(uint16(cid)))
	}
	b.WriteString("]]")
	return b.String()
}

// ToUnicode returns the ToUnicode CMap that lets readers extract text.
func (s *Subset) ToUnicode() []byte {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n" +
		"/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n")
	var entries []string
	for cid, r := range s.uni {
		if r <= 0 {
			continue
		}
		var u strings.Builder
		for _, c := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&u, "%04X", c)
		}
		entries = append(entries, fmt.Sprintf("<%04X><%s>\n", cid, u.String()))
	}
	for len(entries) > 0 {
		n := min(100, len(entries))
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, e := range entries[:n] {
			b.WriteString(e)
		}
		b.WriteString("endbfchar\n")
		entries = entries[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}

// Composite glyph flags.
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components calls fn for the offset of each component glyph index of a
// composite glyph, and reports whether the glyph is composite.
func components(data []byte, fn func(off int)) error {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	p := 10
	for {
		if p+4 > len(data) {
			return fmt.Errorf("truncated composite glyph")
		}
		flags := binary.BigEndian.Uint16(data[p:])
		fn(p + 2)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

// Build returns the subset as a TrueType file.
func (s *Subset) Build() ([]byte, error) {
	f := s.f
	// Glyph data, with composite glyphs' components added (the loop runs
	// over the growing list) and renumbered.
	var glyf []byte
	loca := make([]byte, 0, 4*(len(s.old)+1))
	hmtx := make([]byte, 0, 4*len(s.old))
	for i := 0; i < len(s.old); i++ {
		data, err := f.glyphData(s.old[i])
		if err != nil {
			return nil, err
		}
		data = slices.Clone(data)
		var cerr error
		if err := components(data, func(off int) {
			c := binary.BigEndian.Uint16(data[off:])
			if int(c) >= f.NumGlyphs {
				cerr = fmt.Errorf("glyph %d: component %d out of range", s.old[i], c)
				return
			}
			binary.BigEndian.PutUint16(data[off:], s.Add(c, 0))
		}); err != nil {
			return nil, fmt.Errorf("glyph %d: %w", s.old[i], err)
		}
		if cerr != nil {
			return nil, cerr
		}
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		glyf = append(glyf, data...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		lsb := uint16(0)
		if len(data) >= 10 {
			lsb = binary.BigEndian.Uint16(data[2:]) // xMin
		}
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(f.Advance(s.old[i])))
		hmtx = binary.BigEndian.AppendUint16(hmtx, lsb)
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
	n := uint16(len(s.old))

	tables := map[string][]byte{"glyf": glyf, "loca": loca, "hmtx": hmtx}
	for _, tag := range []string{"head", "hhea", "maxp", "cvt ", "fpgm", "prep", "post", "OS/2"} {
		if _, ok := f.tables[tag]; !ok {
			continue
		}
		b, err := f.Table(tag)
		if err != nil {
			return nil, err
		}
		tables[tag] = b
	}
	head := tables["head"]
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	binary.BigEndian.PutUint16(tables["hhea"][34:], n)
	binary.BigEndian.PutUint16(tables["maxp"][4:], n)
	if post := tables["post"]; len(post) >= 32 {
		post = post[:32:32]
		binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names
		tables["post"] = post
	} else {
		delete(tables, "post")
	}
	if os2 := tables["OS/2"]; len(os2) < 78 {
		delete(tables, "OS/2")
	}

	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	nt := len(tags)
	es := 0
	for 1<<(es+1) <= nt {
		es++
	}
	out := make([]byte, 12+16*nt)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(nt))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*nt-16<<es))
	headOff := 0
	for i, tag := range tags {
		b := tables[tag]
		r := out[12+16*i:]
		copy(r, tag)
		binary.BigEndian.PutUint32(r[4:], checksum(b))
		binary.BigEndian.PutUint32(r[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(r[12:], uint32(len(b)))
		if tag == "head" {
			headOff = len(out)
		}
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out, nil
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
