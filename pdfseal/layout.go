package pdfseal

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/boombuler/barcode/qr"
	"golang.org/x/image/font/sfnt"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

// A Layout draws a certificate on the pages of a Document. Render calls
// Draw once; the layout adds pages with d.AddPage and draws on them with
// the Page methods, which take care of fonts, subsetting and the QR code.
//
// Two layouts come with the package: ProductLayout for product and
// management-system certification certificates, InspectionLayout for
// inspection and SPS certificates (phytosanitary, veterinary...) with
// their consignment table. A body that wants its own design implements
// Layout in its own code and passes it in RenderOptions.Layout; nothing
// here needs to be forked. The built-in layouts are built from the same
// exported methods, so they are examples to copy from.
type Layout interface {
	Draw(ctx context.Context, d *Document, c *ecert.Certificate) error
}

// LayoutFunc adapts a function to Layout.
type LayoutFunc func(ctx context.Context, d *Document, c *ecert.Certificate) error

// Draw calls f.
func (f LayoutFunc) Draw(ctx context.Context, d *Document, c *ecert.Certificate) error {
	return f(ctx, d, c)
}

// LayoutNames lists the names LayoutByName accepts.
func LayoutNames() []string { return []string{"product", "inspection"} }

// LayoutByName returns a built-in layout: "product" (ProductLayout) or
// "inspection" (InspectionLayout, also "sps").
func LayoutByName(name string) (Layout, error) {
	switch strings.ToLower(name) {
	case "product", "ccc", "certification":
		return ProductLayout{}, nil
	case "inspection", "sps", "trade":
		return InspectionLayout{}, nil
	}
	return nil, fmt.Errorf("pdfseal: unknown layout %q: want one of %s", name, strings.Join(LayoutNames(), ", "))
}

// DefaultLayout is the layout Render uses when none is given:
// InspectionLayout for trade and inspection schemes and for certificates
// with a consignment, ProductLayout otherwise.
func DefaultLayout(c *ecert.Certificate) Layout {
	if c.Scheme.IsTrade() || c.Consignment != nil {
		return InspectionLayout{}
	}
	return ProductLayout{}
}

// A4 page size in points.
const (
	PageWidth  = 595.28
	PageHeight = 841.89
)

// Align is the horizontal alignment of text relative to its x coordinate.
type Align int

// Alignments.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// TextStyle is how text is drawn. The zero value is 10-point black text,
// left-aligned.
type TextStyle struct {
	Size  float64 // points; 0 means 10
	Bold  bool
	Color color.RGBA // the alpha is ignored; the zero value is black
	Align Align
}

func (st TextStyle) size() float64 {
	if st.Size <= 0 {
		return 10
	}
	return st.Size
}

// Document is the PDF being rendered: its pages, fonts and the seal
// artwork. Coordinates are PDF points with the origin at the bottom left
// of an A4 portrait page (PageWidth x PageHeight).
type Document struct {
	ctx    context.Context
	w      *render.Writer
	fonts  []*Font
	fonts2 []*fontUse // by index in fonts
	buf    sfnt.Buffer
	glyphs map[rune]glyphRef

	pages    []*Page
	forms    map[*Appearance]int // XObject numbers
	formName map[*Appearance]string
	resNum   int
	pagesNum int
	footer   func(p *Page, i, n int)
	seal     *Appearance
	cert     *ecert.Certificate
	missing  []rune
	err      error
}

type fontUse struct {
	num    int // Type0 font object, 0 until used
	name   string
	subset *render.Subset
}

type glyphRef struct {
	font int // index in fonts; -1: missing
	gid  uint16
}

// Page is one page of a Document.
type Page struct {
	d        *Document
	index    int
	content  render.Content
	footer   render.Content
	num      int // page object
	contents int // content stream object
	closed   bool
	fontOn   int     // current font in an open BT, -1 none
	sizeOn   float64 // its size
}

// Certificate is the certificate being rendered.
func (d *Document) Certificate() *ecert.Certificate { return d.cert }

// Seal is the seal artwork to draw, or nil when the caller asked for none.
func (d *Document) Seal() *Appearance { return d.seal }

// Err is the first error met while drawing (a cancelled context, a QR
// code that cannot be made...); layouts with long loops may stop early
// when it is not nil. Render returns it.
func (d *Document) Err() error { return d.err }

// NumPages is the number of pages added so far.
func (d *Document) NumPages() int { return len(d.pages) }

// SetFooter registers a function that draws on every page once all pages
// exist, with the page's index (from 1) and the page count: the place for
// "page i of n".
func (d *Document) SetFooter(fn func(p *Page, i, n int)) { d.footer = fn }

// AddPage starts a new page. Drawing on a page is done before the next
// page is added: its content is then written out, which keeps memory
// bounded however many pages an annex has. Once the render's context is
// done, Err reports it and Render fails.
func (d *Document) AddPage() *Page {
	if err := d.ctx.Err(); err != nil {
		d.fail(err)
	}
	if n := len(d.pages); n > 0 {
		d.closePage(d.pages[n-1])
	}
	p := &Page{d: d, index: len(d.pages) + 1, num: d.w.Alloc(), contents: d.w.Alloc(), fontOn: -1}
	d.pages = append(d.pages, p)
	return p
}

// scratch is a page that is never written: layouts draw on it to
// measure.
func (d *Document) scratch() *Page { return &Page{d: d, fontOn: -1} }

func (d *Document) closePage(p *Page) {
	if p.closed {
		return
	}
	p.endText(&p.content)
	d.w.Stream(p.contents, "", p.content.B, true)
	p.content.B = nil
	p.closed = true
}

func (d *Document) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// glyph finds the first font that draws r.
func (d *Document) glyph(r rune) glyphRef {
	if g, ok := d.glyphs[r]; ok {
		return g
	}
	g := glyphRef{font: -1}
	for i, f := range d.fonts {
		if gid := f.f.GlyphIndex(&d.buf, r); gid != 0 {
			g = glyphRef{i, gid}
			break
		}
	}
	if g.font < 0 {
		d.missing = append(d.missing, r)
	}
	d.glyphs[r] = g
	return g
}

// normalizeSpace maps control characters and odd spaces to a plain space.
func normalizeSpace(r rune) rune {
	if unicode.IsSpace(r) || unicode.IsControl(r) {
		return ' '
	}
	return r
}

// TextWidth is the width of s in points when drawn with st.
func (d *Document) TextWidth(s string, st TextStyle) float64 {
	w := 0
	size := st.size()
	total := 0.0
	for _, r := range s {
		r = normalizeSpace(r)
		g := d.glyph(r)
		if g.font < 0 {
			continue
		}
		f := d.fonts[g.font].f
		w = f.Advance(g.gid)
		total += float64(w) / float64(f.UnitsPerEm)
	}
	return total * size
}

// Wrap breaks s into lines no wider than width: at spaces in Latin text
// and between any two CJK characters. Explicit newlines are kept.
func (d *Document) Wrap(s string, width float64, st TextStyle) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		lines = append(lines, d.wrapLine(para, width, st)...)
	}
	return lines
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

func (d *Document) wrapLine(s string, width float64, st TextStyle) []string {
	s = strings.TrimSpace(s)
	if s == "" || d.TextWidth(s, st) <= width {
		return []string{s}
	}
	// Tokens: words, spaces, single CJK characters.
	var toks []string
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		j := i + n
		switch {
		case isCJK(r) || r == ' ':
			// one character
		default:
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if r2 == ' ' || isCJK(r2) {
					break
				}
				j += n2
			}
		}
		toks = append(toks, s[i:j])
		i = j
	}
	var lines []string
	var cur strings.Builder
	curW := 0.0
	for _, t := range toks {
		tw := d.TextWidth(t, st)
		if curW+tw > width && cur.Len() > 0 && t != " " && !isClosingPunct(t) {
			lines = append(lines, strings.TrimSpace(cur.String()))
			cur.Reset()
			curW = 0
		}
		if cur.Len() == 0 && t == " " {
			continue
		}
		// A word longer than the line is cut.
		for tw > width && cur.Len() == 0 {
			cut := 0
			for i := range t {
				if i > 0 && d.TextWidth(t[:i], st) > width {
					break
				}
				cut = i
			}
			if cut == 0 {
				_, cut = utf8.DecodeRuneInString(t)
			}
			lines = append(lines, t[:cut])
			t = t[cut:]
			tw = d.TextWidth(t, st)
		}
		cur.WriteString(t)
		curW += tw
	}
	if cur.Len() > 0 {
		lines = append(lines, strings.TrimSpace(cur.String()))
	}
	return lines
}

func isClosingPunct(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return strings.ContainsRune("，。、；：）》」』】,.;:)!?！？", r)
}

// Width and Height are the page size in points.
func (p *Page) Width() float64  { return PageWidth }
func (p *Page) Height() float64 { return PageHeight }

// Index is the page number, from 1.
func (p *Page) Index() int { return p.index }

// out is where drawing goes: the body, or the footer once pages are final.
func (p *Page) out() *render.Content {
	if p.closed {
		return &p.footer
	}
	return &p.content
}

func (p *Page) endText(c *render.Content) {
	if p.fontOn >= 0 {
		c.Op("ET")
		p.fontOn = -1
	}
}

// Text draws s on one line with its baseline at y, aligned on x as
// st.Align says, and returns its width. Characters that no configured
// font has make Render fail with a MissingGlyphsError.
func (p *Page) Text(x, y float64, s string, st TextStyle) float64 {
	d := p.d
	w := d.TextWidth(s, st)
	switch st.Align {
	case AlignCenter:
		x -= w / 2
	case AlignRight:
		x -= w
	}
	c := p.out()
	size := st.size()
	c.Op("BT")
	col := st.Color
	c.FillRGB(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	if st.Bold {
		c.StrokeRGB(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
		c.Num(size * 0.035).Op("w 2 Tr")
	}
	c.Num(x).Num(y).Op("Td")
	cur := -1
	var hex []byte
	flush := func() {
		if len(hex) > 0 {
			c.B = append(c.B, '<')
			c.B = append(c.B, hex...)
			c.B = append(c.B, ">Tj\n"...)
			hex = hex[:0]
		}
	}
	for _, r := range s {
		r = normalizeSpace(r)
		g := d.glyph(r)
		if g.font < 0 {
			continue
		}
		if g.font != cur {
			flush()
			cur = g.font
			u := d.useFont(g.font)
			c.B = append(c.B, u.name...)
			c.B = append(c.B, ' ')
			c.Num(size).Op("Tf")
		}
		cid := d.fonts2[g.font].subset.Add(g.gid, r)
		const digits = "0123456789ABCDEF"
		hex = append(hex, digits[cid>>12], digits[cid>>8&15], digits[cid>>4&15], digits[cid&15])
	}
	flush()
	if st.Bold {
		c.Op("0 Tr")
	}
	c.Op("ET")
	return w
}

func (d *Document) useFont(i int) *fontUse {
	u := d.fonts2[i]
	if u.num == 0 {
		u.num = d.w.Alloc()
		u.name = fmt.Sprintf("/F%d", i+1)
		u.subset = render.NewSubset(d.fonts[i].f)
	}
	return u
}

// Paragraph draws s wrapped to width, the first baseline at y, lines
// leading points apart (0: 1.3 times the size), and returns the number of
// lines.
func (p *Page) Paragraph(x, y, width float64, s string, st TextStyle, leading float64) int {
	if leading <= 0 {
		leading = 1.3 * st.size()
	}
	lines := p.d.Wrap(s, width, st)
	for i, l := range lines {
		p.Text(x, y-float64(i)*leading, l, st)
	}
	return len(lines)
}

func setStroke(c *render.Content, col color.RGBA, width float64) {
	c.StrokeRGB(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	c.LineWidth(width)
}

// Line draws a straight line.
func (p *Page) Line(x1, y1, x2, y2, width float64, col color.RGBA) {
	c := p.out()
	setStroke(c, col, width)
	c.MoveTo(x1, y1)
	c.LineTo(x2, y2)
	c.Op("S")
}

// Rect draws a rectangle with its lower left corner at (x, y): filled
// with fill unless it is nil, outlined with stroke unless it is nil.
func (p *Page) Rect(x, y, w, h float64, fill, stroke *color.RGBA, lineWidth float64) {
	if fill == nil && stroke == nil {
		return
	}
	c := p.out()
	if fill != nil {
		c.FillRGB(float64(fill.R)/255, float64(fill.G)/255, float64(fill.B)/255)
	}
	if stroke != nil {
		setStroke(c, *stroke, lineWidth)
	}
	c.Rect(x, y, w, h)
	switch {
	case fill != nil && stroke != nil:
		c.Op("B")
	case fill != nil:
		c.Op("f")
	default:
		c.Op("S")
	}
}

// Draw places an appearance (the seal) scaled into the box at (x, y)
// with width w and height h. It is written once per document as a Form
// XObject however many pages show it.
func (p *Page) Draw(a *Appearance, x, y, w, h float64) {
	if a == nil || a.Width <= 0 || a.Height <= 0 {
		return
	}
	d := p.d
	name, ok := d.formName[a]
	if !ok {
		name = fmt.Sprintf("/X%d", len(d.forms)+1)
		d.forms[a] = d.w.Alloc()
		d.formName[a] = name
	}
	c := p.out()
	c.Op("q")
	c.Op("/GSm gs") // multiply, as ink does: the text under a seal shows through
	c.Transform(w/a.Width, 0, 0, h/a.Height, x, y)
	c.Op(name + " Do")
	c.Op("Q")
}

// QRCode draws a QR code of data (error correction level M) as vector
// squares, size points wide, with its lower left corner at (x, y). The
// size includes the quiet zone of four modules that scanners need, which
// is left white.
func (p *Page) QRCode(data string, x, y, size float64) error {
	code, err := qr.Encode(data, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("pdfseal: QR code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx()
	m := size / float64(n+8)
	c := p.out()
	c.Op("q")
	c.FillRGB(1, 1, 1)
	c.Rect(x, y, size, size)
	c.Op("f")
	c.FillRGB(0, 0, 0)
	for row := 0; row < n; row++ {
		for col := 0; col < n; {
			if !dark(code.At(b.Min.X+col, b.Min.Y+row)) {
				col++
				continue
			}
			start := col
			for col < n && dark(code.At(b.Min.X+col, b.Min.Y+row)) {
				col++
			}
			c.Rect(x+float64(4+start)*m, y+size-float64(5+row)*m, float64(col-start)*m, m)
		}
	}
	c.Op("f")
	c.Op("Q")
	return nil
}

func dark(c color.Color) bool {
	r, _, _, _ := c.RGBA()
	return r < 0x8000
}

// finish draws footers and writes fonts, resources, the page tree.
func (d *Document) finish() error {
	if len(d.pages) == 0 {
		return errors.New("pdfseal: render: the layout drew no page")
	}
	d.closePage(d.pages[len(d.pages)-1])
	n := len(d.pages)
	for _, p := range d.pages {
		if d.footer != nil {
			d.footer(p, p.index, n)
		}
	}
	if len(d.missing) > 0 {
		names := make([]string, len(d.fonts))
		for i, f := range d.fonts {
			names[i] = f.String()
		}
		return &MissingGlyphsError{Runes: d.missing, Fonts: names}
	}
	if d.err != nil {
		return d.err
	}
	for _, p := range d.pages {
		contents := render.Ref(p.contents)
		if len(p.footer.B) > 0 {
			f := d.w.Alloc()
			d.w.Stream(f, "", p.footer.B, true)
			contents = "[" + contents + " " + render.Ref(f) + "]"
		}
		d.w.Object(p.num, fmt.Sprintf("<</Type/Page/Parent %s/MediaBox[0 0 %s %s]/Resources %s/Contents %s>>",
			render.Ref(d.pagesNum), num(PageWidth), num(PageHeight), render.Ref(d.resNum), contents))
	}
	var kids strings.Builder
	for i, p := range d.pages {
		if i > 0 {
			kids.WriteByte(' ')
		}
		kids.WriteString(render.Ref(p.num))
	}
	d.w.Object(d.pagesNum, fmt.Sprintf("<</Type/Pages/Kids[%s]/Count %d>>", kids.String(), n))

	// Resources shared by all pages.
	var res strings.Builder
	res.WriteString("<<")
	var fontRes []string
	for _, u := range d.fonts2 {
		if u.num == 0 {
			continue
		}
		fontRes = append(fontRes, u.name+" "+render.Ref(u.num))
		if err := d.writeFont(u); err != nil {
			return err
		}
	}
	if len(fontRes) > 0 {
		res.WriteString("/Font<<" + strings.Join(fontRes, "") + ">>")
	}
	if len(d.forms) > 0 {
		var names []string
		for a, name := range d.formName {
			names = append(names, name+" "+render.Ref(d.forms[a]))
			writeAppearance(d.w, d.forms[a], a)
		}
		sort.Strings(names)
		res.WriteString("/XObject<<" + strings.Join(names, "") + ">>")
	}
	res.WriteString("/ExtGState<</GSm<</Type/ExtGState/BM/Multiply>>>>>>")
	d.w.Object(d.resNum, res.String())
	return d.w.Err()
}

func (d *Document) writeFont(u *fontUse) error {
	s := u.subset
	ttf, err := s.Build()
	if err != nil {
		return fmt.Errorf("pdfseal: subset font %s: %w", s.Font().Name, err)
	}
	f := s.Font()
	base := render.Name(s.Tag() + "+" + f.Name)
	k := func(v int) int { return v * 1000 / f.UnitsPerEm }
	cid, desc, file, toUni := d.w.Alloc(), d.w.Alloc(), d.w.Alloc(), d.w.Alloc()
	d.w.Object(u.num, fmt.Sprintf("<</Type/Font/Subtype/Type0/BaseFont%s/Encoding/Identity-H/DescendantFonts[%s]/ToUnicode %s>>",
		base, render.Ref(cid), render.Ref(toUni)))
	d.w.Object(cid, fmt.Sprintf("<</Type/Font/Subtype/CIDFontType2/BaseFont%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor %s/W %s/CIDToGIDMap/Identity>>",
		base, render.Ref(desc), s.Widths()))
	d.w.Object(desc, fmt.Sprintf("<</Type/FontDescriptor/FontName%s/Flags 4/FontBBox[%d %d %d %d]/ItalicAngle 0/Ascent %d/Descent %d/CapHeight %d/StemV 80/FontFile2 %s>>",
		base, k(f.BBox[0]), k(f.BBox[1]), k(f.BBox[2]), k(f.BBox[3]), k(f.Ascent), k(f.Descent), k(f.CapHeight), render.Ref(file)))
	d.w.Stream(file, fmt.Sprintf("/Length1 %d", len(ttf)), ttf, true)
	d.w.Stream(toUni, "", s.ToUnicode(), true)
	return nil
}

// checkGlyphs finds the characters of the certificate's text that no font
// draws, before anything is written.
func (d *Document) checkGlyphs(strs []string) {
	seen := map[rune]bool{}
	for _, s := range strs {
		for _, r := range s {
			if !seen[r] {
				seen[r] = true
				d.glyph(normalizeSpace(r))
			}
		}
	}
	slices.Sort(d.missing)
}
