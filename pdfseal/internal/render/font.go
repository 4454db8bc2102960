// Package render holds the PDF internals of pdfseal.Render: TrueType
// parsing and subsetting, a streaming PDF object writer and a content
// stream builder. Nothing here knows about certificates.
package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Limits on font files: a font is trusted configuration, but a wrong file
// must give an error, not exhaust memory.
const (
	maxTables    = 256
	maxGlyphs    = 65535
	maxTableSize = 64 << 20
)

type table struct{ off, len uint32 }

// Font is a TrueType font (glyf outlines), one face of a file or collection.
// It is immutable after Open and safe for concurrent use.
type Font struct {
	Name       string // PostScript name
	UnitsPerEm int
	NumGlyphs  int
	Ascent     int // hhea, font units
	Descent    int // negative
	CapHeight  int
	BBox       [4]int

	src      io.ReaderAt
	sf       *sfnt.Font
	tables   map[string]table
	loca     []uint32 // NumGlyphs+1 offsets into glyf
	advances []uint16
}

// Open parses face index of a TrueType file or collection (.ttf, .ttc).
func Open(src io.ReaderAt, index int) (*Font, error) {
	if index < 0 {
		return nil, fmt.Errorf("font index %d out of range", index)
	}
	f := &Font{src: src}
	// The face's table directory.
	off := int64(0)
	hdr := make([]byte, 12)
	if _, err := src.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("read font header: %w", err)
	}
	if string(hdr[:4]) == "ttcf" {
		n := binary.BigEndian.Uint32(hdr[8:])
		if uint32(index) >= n {
			return nil, fmt.Errorf("font index %d out of range", index)
		}
		b := make([]byte, 4)
		if _, err := src.ReadAt(b, 12+4*int64(index)); err != nil {
			return nil, fmt.Errorf("read collection: %w", err)
		}
		off = int64(binary.BigEndian.Uint32(b))
		if _, err := src.ReadAt(hdr, off); err != nil {
			return nil, fmt.Errorf("read font header: %w", err)
		}
	}
	switch string(hdr[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return nil, errors.New("font has PostScript (CFF) outlines: a TrueType font (glyf outlines) is needed, e.g. WenQuanYi Zen Hei")
	default:
		return nil, errors.New("not a TrueType font")
	}
	numTables := int(binary.BigEndian.Uint16(hdr[4:]))
	if numTables > maxTables {
		return nil, fmt.Errorf("font has %d tables", numTables)
	}
	dir := make([]byte, 16*numTables)
	if _, err := src.ReadAt(dir, off+12); err != nil {
		return nil, fmt.Errorf("read table directory: %w", err)
	}
	f.tables = make(map[string]table, numTables)
	for i := 0; i < numTables; i++ {
		r := dir[16*i:]
		t := table{binary.BigEndian.Uint32(r[8:]), binary.BigEndian.Uint32(r[12:])}
		if t.len > maxTableSize {
			return nil, fmt.Errorf("font table %q is %d bytes", r[:4], t.len)
		}
		f.tables[string(r[:4])] = t
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if _, ok := f.tables[tag]; !ok {
			return nil, fmt.Errorf("font has no %q table: a TrueType font (glyf outlines) is needed", tag)
		}
	}
	// sfnt reads cmaps and outlines, but insists that tables start on
	// four-byte boundaries, which WenQuanYi Zen Hei's do not: give it a
	// view of the face with its tables realigned.
	sf, err := sfnt.ParseReaderAt(newAlignedView(src, f.tables))
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	f.sf = sf
	f.UnitsPerEm = int(sf.UnitsPerEm())
	var buf sfnt.Buffer
	if f.Name, err = sf.Name(&buf, sfnt.NameIDPostScript); err != nil || f.Name == "" {
		f.Name = "Font"
	}
	f.Name = sanitizeName(f.Name)
	head, err := f.Table("head")
	if err != nil || len(head) < 54 {
		return nil, fmt.Errorf("bad head table: %v", err)
	}
	for i := range 4 {
		f.BBox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	maxp, err := f.Table("maxp")
	if err != nil || len(maxp) < 6 {
		return nil, fmt.Errorf("bad maxp table: %v", err)
	}
	f.NumGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	hhea, err := f.Table("hhea")
	if err != nil || len(hhea) < 36 {
		return nil, fmt.Errorf("bad hhea table: %v", err)
	}
	f.Ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.Descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.CapHeight = f.Ascent * 7 / 10
	if os2, err := f.Table("OS/2"); err == nil && len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.CapHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	nh := int(binary.BigEndian.Uint16(hhea[34:]))
	if nh == 0 || nh > f.NumGlyphs {
		return nil, errors.New("bad hhea.numberOfHMetrics")
	}
	hmtx, err := f.Table("hmtx")
	if err != nil || len(hmtx) < 4*nh {
		return nil, fmt.Errorf("bad hmtx table: %v", err)
	}
	f.advances = make([]uint16, f.NumGlyphs)
	for g := range f.advances {
		if g < nh {
			f.advances[g] = binary.BigEndian.Uint16(hmtx[4*g:])
		} else {
			f.advances[g] = f.advances[nh-1]
		}
	}
	loca, err := f.Table("loca")
	if err != nil {
		return nil, err
	}
	f.loca = make([]uint32, f.NumGlyphs+1)
	glyfLen := f.tables["glyf"].len
	for g := range f.loca {
		var o uint32
		if longLoca {
			if 4*g+4 > len(loca) {
				return nil, errors.New("short loca table")
			}
			o = binary.BigEndian.Uint32(loca[4*g:])
		} else {
			if 2*g+2 > len(loca) {
				return nil, errors.New("short loca table")
			}
			o = 2 * uint32(binary.BigEndian.Uint16(loca[2*g:]))
		}
		if o > glyfLen || (g > 0 && o < f.loca[g-1]) {
			return nil, errors.New("bad loca table")
		}
		f.loca[g] = o
	}
	return f, nil
}

// alignedView is a virtual TrueType file: a table directory followed by
// the tables of another file at four-byte-aligned offsets, read through.
type alignedView struct {
	src    io.ReaderAt
	header []byte
	parts  []viewPart // sorted by virtual offset
	size   int64
}

type viewPart struct{ voff, soff, n int64 }

func newAlignedView(src io.ReaderAt, tables map[string]table) *alignedView {
	var tags []string
	for tag := range tables {
		switch tag {
		case "EBDT", "EBLC", "EBSC", "BDF ", "CBDT", "CBLC", "sbix":
			continue // bitmaps: of no use here
		}
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	v := &alignedView{src: src}
	h := make([]byte, 12+16*len(tags))
	binary.BigEndian.PutUint32(h, 0x00010000)
	binary.BigEndian.PutUint16(h[4:], uint16(len(tags)))
	off := int64(len(h)) // a multiple of four
	for i, tag := range tags {
		t := tables[tag]
		r := h[12+16*i:]
		copy(r, tag)
		binary.BigEndian.PutUint32(r[8:], uint32(off))
		binary.BigEndian.PutUint32(r[12:], t.len)
		v.parts = append(v.parts, viewPart{off, int64(t.off), int64(t.len)})
		off += (int64(t.len) + 3) &^ 3
	}
	v.header, v.size = h, off
	return v
}

func (v *alignedView) ReadAt(p []byte, off int64) (int, error) {
	total := 0
	for len(p) > 0 {
		if off >= v.size {
			return total, io.EOF
		}
		n := len(p)
		if off < int64(len(v.header)) {
			n = copy(p, v.header[off:])
		} else {
			i, _ := slices.BinarySearchFunc(v.parts, off, func(pt viewPart, o int64) int {
				switch {
				case pt.voff+pt.n <= o:
					return -1
				case pt.voff > o:
					return 1
				}
				return 0
			})
			switch {
			case i < len(v.parts) && v.parts[i].voff <= off && off < v.parts[i].voff+v.parts[i].n:
				pt := v.parts[i]
				n = int(min(int64(n), pt.voff+pt.n-off))
				if _, err := v.src.ReadAt(p[:n], pt.soff+off-pt.voff); err != nil {
					return total, err
				}
			default: // padding
				next := v.size
				if i < len(v.parts) {
					next = v.parts[i].voff
				}
				n = int(min(int64(n), next-off))
				clear(p[:n])
			}
		}
		p, off, total = p[n:], off+int64(n), total+n
	}
	return total, nil
}

func sanitizeName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0x20 && c < 0x7f && c != '/' && c != '#' && c != '(' && c != ')' && c != '<' && c != '>' && c != '[' && c != ']' && c != '{' && c != '}' && c != '%' {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "Font"
	}
	return string(b)
}

// Table returns a copy of a table's bytes.
func (f *Font) Table(tag string) ([]byte, error) {
	t, ok := f.tables[tag]
	if !ok {
		return nil, fmt.Errorf("no %q table", tag)
	}
	b := make([]byte, t.len)
	if _, err := f.src.ReadAt(b, int64(t.off)); err != nil {
		return nil, fmt.Errorf("read %q table: %w", tag, err)
	}
	return b, nil
}

// glyphData returns the glyf bytes of glyph g (empty for blank glyphs).
func (f *Font) glyphData(g uint16) ([]byte, error) {
	if int(g) >= f.NumGlyphs {
		return nil, fmt.Errorf("glyph %d out of range", g)
	}
	a, b := f.loca[g], f.loca[g+1]
	if a == b {
		return nil, nil
	}
	d := make([]byte, b-a)
	if _, err := f.src.ReadAt(d, int64(f.tables["glyf"].off)+int64(a)); err != nil {
		return nil, fmt.Errorf("read glyph %d: %w", g, err)
	}
	return d, nil
}

// GlyphIndex maps a rune to a glyph; 0 means the font has none.
func (f *Font) GlyphIndex(buf *sfnt.Buffer, r rune) uint16 {
	g, err := f.sf.GlyphIndex(buf, r)
	if err != nil {
		return 0
	}
	return uint16(g)
}

// Advance is the advance width of glyph g in font units.
func (f *Font) Advance(g uint16) int {
	if int(g) >= len(f.advances) {
		return 0
	}
	return int(f.advances[g])
}

// Outline appends the glyph's outline to p as PDF path operators, in font
// units with the y axis up. It reports whether the glyph has any contour.
func (f *Font) Outline(buf *sfnt.Buffer, g uint16, c *Content) error {
	segs, err := f.sf.LoadGlyph(buf, sfnt.GlyphIndex(g), fixed.I(f.UnitsPerEm), nil)
	if err != nil {
		return fmt.Errorf("glyph %d outline: %w", g, err)
	}
	pt := func(p fixed.Point26_6) (float64, float64) {
		return float64(p.X) / 64, -float64(p.Y) / 64
	}
	var cx, cy float64
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			cx, cy = pt(s.Args[0])
			c.MoveTo(cx, cy)
		case sfnt.SegmentOpLineTo:
			cx, cy = pt(s.Args[0])
			c.LineTo(cx, cy)
		case sfnt.SegmentOpQuadTo:
			qx, qy := pt(s.Args[0])
			x, y := pt(s.Args[1])
			c.CurveTo(cx+2*(qx-cx)/3, cy+2*(qy-cy)/3, x+2*(qx-x)/3, y+2*(qy-y)/3, x, y)
			cx, cy = x, y
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			cx, cy = pt(s.Args[2])
			c.CurveTo(x1, y1, x2, y2, cx, cy)
		}
	}
	return nil
}
