package render

import (
	"math"
	"strconv"
)

// Content builds a PDF content stream.
type Content struct {
	B []byte
}

// Num appends a number with at most three decimals and a trailing space.
func (c *Content) Num(v float64) *Content {
	c.B = AppendNum(c.B, v)
	c.B = append(c.B, ' ')
	return c
}

// AppendNum appends v in PDF syntax (no exponent, at most 3 decimals).
func AppendNum(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	r := math.Round(v * 1000)
	if r == 0 {
		return append(b, '0')
	}
	if r == math.Trunc(r/1000)*1000 {
		return strconv.AppendInt(b, int64(r/1000), 10)
	}
	b = strconv.AppendFloat(b, r/1000, 'f', -1, 64)
	return b
}

// Op appends an operator and a newline.
func (c *Content) Op(op string) {
	c.B = append(c.B, op...)
	c.B = append(c.B, '\n')
}

func (c *Content) MoveTo(x, y float64) { c.Num(x).Num(y).Op("m") }
func (c *Content) LineTo(x, y float64) { c.Num(x).Num(y).Op("l") }
func (c *Content) CurveTo(x1, y1, x2, y2, x3, y3 float64) {
	c.Num(x1).Num(y1).Num(x2).Num(y2).Num(x3).Num(y3).Op("c")
}
func (c *Content) Rect(x, y, w, h float64) { c.Num(x).Num(y).Num(w).Num(h).Op("re") }

// Transform appends a cm operator.
func (c *Content) Transform(a, b, cc, d, e, f float64) {
	c.Num(a).Num(b).Num(cc).Num(d).Num(e).Num(f).Op("cm")
}

// FillRGB and StrokeRGB set colours.
func (c *Content) FillRGB(r, g, b float64)   { c.Num(r).Num(g).Num(b).Op("rg") }
func (c *Content) StrokeRGB(r, g, b float64) { c.Num(r).Num(g).Num(b).Op("RG") }

// LineWidth sets the line width.
func (c *Content) LineWidth(w float64) { c.Num(w).Op("w") }

// Circle appends a closed circle path (four Bézier arcs).
func (c *Content) Circle(cx, cy, r float64) {
	const k = 0.5522847498
	c.MoveTo(cx+r, cy)
	c.CurveTo(cx+r, cy+k*r, cx+k*r, cy+r, cx, cy+r)
	c.CurveTo(cx-k*r, cy+r, cx-r, cy+k*r, cx-r, cy)
	c.CurveTo(cx-r, cy-k*r, cx-k*r, cy-r, cx, cy-r)
	c.CurveTo(cx+k*r, cy-r, cx+r, cy-k*r, cx+r, cy)
	c.Op("h")
}
