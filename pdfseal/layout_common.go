package pdfseal

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// Colours of the built-in layouts.
var (
	inkNavy  = color.RGBA{0x1B, 0x36, 0x5D, 0xFF}
	inkGrey  = color.RGBA{0x55, 0x5B, 0x66, 0xFF}
	inkRule  = color.RGBA{0xB4, 0xBD, 0xCA, 0xFF}
	inkZebra = color.RGBA{0xF0, 0xF3, 0xF8, 0xFF}
	inkRed   = color.RGBA{0xC0, 0x1A, 0x1A, 0xFF}
	inkWhite = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

// Page geometry of the built-in layouts.
const (
	marginX   = 52.0
	contentW  = PageWidth - 2*marginX
	footerY   = 40.0
	annexTop  = PageHeight - 70
	annexRowH = 15.5
)

// zh returns the Chinese text of t, or "".
func zh(t ecert.Text) string {
	for _, k := range []string{"zh", "zh-Hans", "zh-CN", "zh-Hans-CN", "zh-Hant"} {
		if s := t[k]; s != "" {
			return s
		}
	}
	return ""
}

// en returns the English (else any non-Chinese) text of t, or "" when
// t has only Chinese.
func en(t ecert.Text) string {
	s := t.In("en")
	if s == zh(t) {
		return ""
	}
	return s
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// address formats an address in one language.
func address(a *ecert.Address, lang string) string {
	if a == nil {
		return ""
	}
	var parts []string
	pick := zh
	if lang == "en" {
		pick = en
	}
	if lang == "zh" {
		if c := pick(a.City); c != "" && !strings.Contains(pick(a.Street), c) {
			parts = append(parts, c)
		}
		if s := pick(a.Street); s != "" {
			parts = append(parts, s)
		}
		return strings.Join(parts, "")
	}
	for _, s := range []string{pick(a.Street), pick(a.City), a.Subdivision, a.Postcode, a.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// rosette draws a guilloche ring (interwoven wavy circles) in a pale
// tint behind the text of page 1, as printed certificates have.
func rosette(p *Page, cx, cy, r float64) {
	c := p.out()
	c.Op("q")
	c.StrokeRGB(0.86, 0.9, 0.95)
	c.LineWidth(0.4)
	const curves, points, waves = 9, 243, 27
	for i := 0; i < curves; i++ {
		phase := 2 * math.Pi * float64(i) / curves
		for j := 0; j <= points; j++ {
			t := 2 * math.Pi * float64(j) / points
			rr := r + 0.09*r*math.Sin(waves*t+phase) + 0.04*r*math.Sin(3*t-phase)
			// A tenth of a point is precise enough and compresses well.
			x, y := math.Round(10*(cx+rr*math.Cos(t)))/10, math.Round(10*(cy+rr*math.Sin(t)))/10
			if j == 0 {
				c.MoveTo(x, y)
			} else {
				c.LineTo(x, y)
			}
		}
		c.Op("h")
	}
	c.Op("S")
	c.Op("Q")
}

// border draws the frame of a certificate page: a heavy rule and a fine
// one inside it.
func border(p *Page) {
	const o, i = 22.0, 27.0
	p.Rect(o, o, PageWidth-2*o, PageHeight-2*o, nil, &inkNavy, 2.2)
	p.Rect(i, i, PageWidth-2*i, PageHeight-2*i, nil, &inkNavy, 0.6)
}

// footer puts the certificate number and "page i of n" on every page.
func footer(d *Document, number string) {
	d.SetFooter(func(p *Page, i, n int) {
		st := TextStyle{Size: 7.5, Color: inkGrey}
		p.Text(marginX, footerY, "证书编号 Certificate No. "+number, st)
		st.Align = AlignRight
		p.Text(PageWidth-marginX, footerY, fmt.Sprintf("第 %d 页 共 %d 页  Page %d of %d", i, n, i, n), st)
	})
}

// fit shortens s with an ellipsis until it fits width.
func fit(d *Document, s string, width float64, st TextStyle) string {
	if d.TextWidth(s, st) <= width {
		return s
	}
	room := width - d.TextWidth("…", st)
	w := 0.0
	for i, r := range s {
		w += d.TextWidth(string(r), st)
		if w > room {
			return s[:i] + "…"
		}
	}
	return s
}

// label draws a bilingual field label: Chinese in bold, English below in
// small grey type. It returns the height used.
func label(p *Page, x, y, width float64, zhs, ens string) float64 {
	p.Text(x, y, fit(p.d, zhs, width, TextStyle{Size: 9.5, Bold: true, Color: inkNavy}), TextStyle{Size: 9.5, Bold: true, Color: inkNavy})
	n := p.Paragraph(x, y-11, width, ens, TextStyle{Size: 7, Color: inkGrey}, 8.5)
	return 11 + float64(n)*8.5
}

// bilingual draws a value in Chinese then English, wrapped to width and
// capped at maxLines lines each, and returns the height used.
func bilingual(p *Page, x, y, width float64, zhs, ens string, maxLines int) float64 {
	h := 0.0
	if zhs != "" {
		h += lines(p, x, y, width, zhs, TextStyle{Size: 10}, 13, maxLines)
	}
	if ens != "" {
		h += lines(p, x, y-h, width, ens, TextStyle{Size: 8.5, Color: inkGrey}, 11, maxLines)
	}
	return h
}

func lines(p *Page, x, y, width float64, s string, st TextStyle, leading float64, maxLines int) float64 {
	ls := p.d.Wrap(s, width, st)
	if maxLines > 0 && len(ls) > maxLines {
		ls = ls[:maxLines]
		ls[maxLines-1] = fit(p.d, ls[maxLines-1]+"…", width, st)
	}
	for i, l := range ls {
		p.Text(x, y-float64(i)*leading, l, st)
	}
	return float64(len(ls)) * leading
}

// column is a column of a table.
type column struct {
	zh, en string
	width  float64
}

// tableHeader draws a table's header row with its top at y and returns
// the y below it.
func tableHeader(p *Page, x, y float64, cols []column) float64 {
	const h = 24.0
	w := 0.0
	for _, c := range cols {
		w += c.width
	}
	p.Rect(x, y-h, w, h, &inkNavy, nil, 0)
	cx := x
	for _, c := range cols {
		p.Text(cx+4, y-10, fit(p.d, c.zh, c.width-8, TextStyle{Size: 8.5, Bold: true}), TextStyle{Size: 8.5, Bold: true, Color: inkWhite})
		p.Text(cx+4, y-19.5, fit(p.d, c.en, c.width-8, TextStyle{Size: 6.5}), TextStyle{Size: 6.5, Color: inkWhite})
		cx += c.width
	}
	return y - h
}

// tableRow draws one row of single-line cells with its top at y.
func tableRow(p *Page, x, y float64, cols []column, cells []string, zebra bool) float64 {
	w := 0.0
	for _, c := range cols {
		w += c.width
	}
	if zebra {
		p.Rect(x, y-annexRowH, w, annexRowH, &inkZebra, nil, 0)
	}
	cx := x
	st := TextStyle{Size: 8}
	for i, c := range cols {
		if i < len(cells) && cells[i] != "" {
			p.Text(cx+4, y-11, fit(p.d, cells[i], c.width-8, st), st)
		}
		cx += c.width
	}
	return y - annexRowH
}

// annex lays out rows (fetched one at a time, so a 100,000-row annex is
// never held in memory) on continuation pages whose table header repeats.
func annex(d *Document, c *ecert.Certificate, titleZh, titleEn string, cols []column, n int, row func(i int) []string) {
	perPage := annexRowsPerPage()
	for start := 0; start < n && d.Err() == nil; start += perPage {
		p := d.AddPage()
		border(p)
		p.Text(PageWidth/2, PageHeight-62, titleZh, TextStyle{Size: 15, Bold: true, Color: inkNavy, Align: AlignCenter})
		p.Text(PageWidth/2, PageHeight-78, titleEn, TextStyle{Size: 10, Color: inkNavy, Align: AlignCenter})
		p.Text(marginX, PageHeight-98, "证书编号 Certificate No.: "+c.Number, TextStyle{Size: 8.5, Bold: true})
		p.Text(PageWidth-marginX, PageHeight-98, fmt.Sprintf("第 %d–%d 项，共 %d 项  Items %d–%d of %d",
			start+1, min(start+perPage, n), n, start+1, min(start+perPage, n), n), TextStyle{Size: 8, Color: inkGrey, Align: AlignRight})
		y := tableHeader(p, marginX, annexTableTop, cols)
		for i := start; i < n && i < start+perPage; i++ {
			y = tableRow(p, marginX, y, cols, row(i), (i-start)%2 == 1)
		}
		p.Line(marginX, y, marginX+contentW, y, 0.6, inkNavy)
	}
}

const annexTableTop = PageHeight - 106

// annexRowsPerPage is how many table rows fit between the header and
// the footer of an annex page.
func annexRowsPerPage() int {
	avail := annexTableTop - 24 - (footerY + 14)
	return int(avail / annexRowH)
}

// annexPages is the number of annex pages a certificate gets from the
// built-in layouts for rows table rows (the product layout lists every
// model of a certificate with more than a handful in its annex).
func annexPages(rows int) int {
	per := annexRowsPerPage()
	return (rows + per - 1) / per
}

// Where the built-in layouts draw the seal on page 1.
const (
	sealSize = 118.0
	sealX    = PageWidth - marginX - sealSize - 4
	sealY    = 62.0
)

// SealRect is the box, in PDF points on page 1, where ProductLayout and
// InspectionLayout draw the seal. Render with RenderOptions.NoSeal and
// give this box to Seal's visible signature to make the signature's own
// appearance the seal on the certificate.
func SealRect() (x, y, w, h float64) { return sealX, sealY, sealSize, sealSize }
