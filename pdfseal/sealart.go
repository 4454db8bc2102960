package pdfseal

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strings"
	"unicode"

	"golang.org/x/image/font/sfnt"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

// SealArtOptions tunes SealAppearance. The zero value draws a 42 mm seal
// in seal red with the body's Chinese name (or, without one, its English
// name in capitals) and the bottom line 认证专用章 (CERTIFICATION SEAL).
type SealArtOptions struct {
	// Font draws the lettering (as outlines). Nil: the first of
	// DefaultFontPaths.
	Font *Font
	// Diameter in points; 0 means 119 (42 mm, the usual size).
	Diameter float64
	// Name is set along the upper arc; empty means the body's name.
	Name string
	// Bottom is the horizontal line under the star; empty means 认证专用章
	// for a Chinese name and CERTIFICATION SEAL otherwise. Use "-" for none.
	Bottom string
	// Color is the ink; the zero value means seal red (#D01C1F).
	Color color.RGBA
}

// DefaultSealDiameter is the diameter of the vector seal, in points (42 mm).
const DefaultSealDiameter = 119.06

// SealAppearance draws the round official seal of an issuing body as pure
// vector graphics: a red ring, a five-pointed star, the body's name along
// the upper arc (Chinese if the body has a Chinese name, else Latin) and a
// bottom line. The lettering is drawn as glyph outlines, so the
// appearance needs no font resources. Render places it on the certificate;
// Seal uses it as the visible signature's appearance.
func SealAppearance(body ecert.Body, opts SealArtOptions) (*Appearance, error) {
	font := opts.Font
	if font == nil {
		f, closer, err := openDefaultFont()
		if err != nil {
			return nil, err
		}
		defer closer.Close()
		font = f
	}
	name, bottom := opts.Name, opts.Bottom
	cjk := false
	if name == "" {
		if zh := body.Name.In("zh", "zh-Hans", "zh-CN", "zh-Hans-CN"); zh != "" && hasHan(zh) {
			name, cjk = zh, true
		} else {
			name = strings.ToUpper(body.Name.In("en"))
		}
	} else {
		cjk = hasHan(name)
	}
	if bottom == "" {
		if cjk {
			bottom = "认证专用章"
		} else {
			bottom = "CERTIFICATION SEAL"
		}
	} else if bottom == "-" {
		bottom = ""
	}
	d := opts.Diameter
	if d <= 0 {
		d = DefaultSealDiameter
	}
	if d > 2000 {
		return nil, fmt.Errorf("pdfseal: seal art: diameter %g points is too large", d)
	}
	col := opts.Color
	if col == (color.RGBA{}) {
		col = color.RGBA{0xD0, 0x1C, 0x1F, 0xFF}
	}
	s := &sealArt{f: font.f, fonts: []string{font.String()}}
	name = strings.Join(strings.Fields(name), " ")
	if cjk {
		name = strings.ReplaceAll(name, " ", "")
	}
	if err := s.check(name + bottom); err != nil {
		return nil, err
	}

	R := d / 2
	c := &s.c
	c.Op("q")
	c.FillRGB(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	c.StrokeRGB(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	c.Op("1 j")
	// The ring.
	ringW := 0.055 * R
	c.LineWidth(ringW)
	c.Circle(R, R, R-ringW/2-0.01*R)
	c.Op("S")
	// The star.
	rs, ri := 0.34*R, 0.34*R*0.382
	for i := range 10 {
		a := math.Pi/2 + float64(i)*math.Pi/5
		r := rs
		if i%2 == 1 {
			r = ri
		}
		x, y := R+r*math.Cos(a), R+0.02*R+r*math.Sin(a)
		if i == 0 {
			c.MoveTo(x, y)
		} else {
			c.LineTo(x, y)
		}
	}
	c.Op("h f")
	// The name along the upper arc.
	if name != "" {
		if err := s.arc(name, R, ringW, cjk); err != nil {
			return nil, err
		}
	}
	// The bottom line.
	if bottom != "" {
		if err := s.line(bottom, R); err != nil {
			return nil, err
		}
	}
	c.Op("Q")
	return &Appearance{Width: d, Height: d, Content: c.B}, nil
}

type sealArt struct {
	f     *render.Font
	fonts []string
	buf   sfnt.Buffer
	c     render.Content
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func (s *sealArt) check(text string) error {
	var missing []rune
	seen := map[rune]bool{}
	for _, r := range text {
		if unicode.IsSpace(r) || seen[r] {
			continue
		}
		seen[r] = true
		if s.f.GlyphIndex(&s.buf, r) == 0 {
			missing = append(missing, r)
		}
	}
	if missing != nil {
		return &MissingGlyphsError{Runes: missing, Fonts: s.fonts}
	}
	return nil
}

// width is the advance of text at size 1.
func (s *sealArt) width(text string) float64 {
	w := 0.0
	for _, r := range text {
		w += float64(s.f.Advance(s.f.GlyphIndex(&s.buf, r))) / float64(s.f.UnitsPerEm)
	}
	return w
}

// glyph draws r at size with its baseline centred on (x, y), rotated by
// angle (radians, counter-clockwise).
func (s *sealArt) glyph(r rune, x, y, size, angle float64) error {
	g := s.f.GlyphIndex(&s.buf, r)
	if unicode.IsSpace(r) {
		return nil
	}
	k := size / float64(s.f.UnitsPerEm)
	adv := float64(s.f.Advance(g))
	c := &s.c
	c.Op("q")
	cos, sin := math.Cos(angle), math.Sin(angle)
	c.Transform(cos, sin, -sin, cos, x, y)
	c.Transform(k, 0, 0, k, -adv*k/2, 0)
	c.LineWidth(0.03 * float64(s.f.UnitsPerEm))
	if err := s.f.Outline(&s.buf, g, c); err != nil {
		return err
	}
	c.Op("B") // fill and stroke: seal lettering is bold
	c.Op("Q")
	return nil
}

// arc sets text along the upper arc, reading left to right, glyph tops
// towards the ring.
func (s *sealArt) arc(text string, R, ringW float64, cjk bool) error {
	runes := []rune(text)
	size, track, maxSpan := 0.27*R, 0.12, 250*math.Pi/180
	top := 0.86 // glyph top above the baseline, in em
	if !cjk {
		size, track, maxSpan, top = 0.2*R, 0.06, 280*math.Pi/180, 0.72
	}
	var rt, span float64
	for range 4 {
		rt = R - ringW - 0.05*R - top*size
		l := size * (s.width(text) + track*float64(len(runes)-1))
		span = l / rt
		if span <= maxSpan {
			break
		}
		size *= maxSpan / span
	}
	if span > maxSpan {
		span = maxSpan
	}
	pos := 0.0
	for _, r := range runes {
		w := size * s.width(string(r))
		a := math.Pi/2 + span/2 - (pos+w/2)/rt
		pos += w + track*size
		if err := s.glyph(r, R+rt*math.Cos(a), R+rt*math.Sin(a), size, a-math.Pi/2); err != nil {
			return err
		}
	}
	return nil
}

// line sets text horizontally, centred under the star.
func (s *sealArt) line(text string, R float64) error {
	runes := []rune(text)
	size, track := 0.19*R, 0.08
	w := func() float64 { return size * (s.width(text) + track*float64(len(runes)-1)) }
	if max := 1.15 * R; w() > max {
		size *= max / w()
	}
	x := R - w()/2
	y := R - 0.62*R
	for _, r := range runes {
		gw := size * s.width(string(r))
		if err := s.glyph(r, x+gw/2, y, size, 0); err != nil {
			return err
		}
		x += gw + track*size
	}
	return nil
}

// Limits on a seal image supplied by a body.
const (
	maxSealImageBytes  = 16 << 20
	maxSealImagePixels = 4096 * 4096
)

// ImageAppearance makes a seal appearance from a PNG or JPEG image supplied
// by the body, for bodies whose seal is not the standard round design. A
// PNG's alpha channel becomes a soft mask, so the seal can overlap text.
// The appearance is DefaultSealDiameter points on its longer side; Render
// and Seal scale it to the box they draw it in.
func ImageAppearance(r io.Reader) (*Appearance, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSealImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("pdfseal: seal image: %w", err)
	}
	if len(data) > maxSealImageBytes {
		return nil, fmt.Errorf("pdfseal: seal image: larger than %d bytes", maxSealImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("pdfseal: seal image: not a PNG or JPEG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxSealImagePixels {
		return nil, fmt.Errorf("pdfseal: seal image: %dx%d pixels: want at most %d pixels", cfg.Width, cfg.Height, maxSealImagePixels)
	}
	im := &AppearanceImage{Name: "Im0", Width: cfg.Width, Height: cfg.Height, BitsPerComponent: 8}
	switch {
	case format == "jpeg" && (cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.YCbCrModel):
		// Pass the JPEG through: PDF readers decode it (DCTDecode).
		im.Filter, im.Data = "DCTDecode", data
		im.ColorSpace = "DeviceRGB"
		if cfg.ColorModel == color.GrayModel {
			im.ColorSpace = "DeviceGray"
		}
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("pdfseal: seal image: %w", err)
		}
	case format == "jpeg" || format == "png":
		var img image.Image
		if format == "png" {
			img, err = png.Decode(bytes.NewReader(data))
		} else {
			img, err = jpeg.Decode(bytes.NewReader(data))
		}
		if err != nil {
			return nil, fmt.Errorf("pdfseal: seal image: %w", err)
		}
		im.ColorSpace, im.Filter = "DeviceRGB", "FlateDecode"
		b := img.Bounds()
		rgb := make([]byte, 0, 3*b.Dx()*b.Dy())
		alpha := make([]byte, 0, b.Dx()*b.Dy())
		opaque := true
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				rgb = append(rgb, c.R, c.G, c.B)
				alpha = append(alpha, c.A)
				opaque = opaque && c.A == 0xFF
			}
		}
		im.Data = deflate(rgb)
		if !opaque {
			im.SMask = &AppearanceImage{Name: "Im0Mask", Width: cfg.Width, Height: cfg.Height,
				ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "FlateDecode", Data: deflate(alpha)}
		}
	default:
		return nil, errors.New("pdfseal: seal image: want PNG or JPEG, got " + format)
	}
	w, h := DefaultSealDiameter, DefaultSealDiameter
	if cfg.Width > cfg.Height {
		h = w * float64(cfg.Height) / float64(cfg.Width)
	} else {
		w = h * float64(cfg.Width) / float64(cfg.Height)
	}
	var c render.Content
	c.Op("q")
	c.Transform(w, 0, 0, h, 0, 0)
	c.Op("/Im0 Do")
	c.Op("Q")
	return &Appearance{Width: w, Height: h, Content: c.B, Images: []AppearanceImage{*im}}, nil
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
