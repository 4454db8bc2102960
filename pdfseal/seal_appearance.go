package pdfseal

import (
	"fmt"
	"math"
	"strconv"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

// addAppearance adds the widget's normal appearance: a form XObject of
// the box's size that draws the artwork (itself a form XObject, scaled
// to fit with its aspect ratio kept, centred) above the text lines.
func addAppearance(u *pdf.Update, v *Visible, lines []string) (pdf.Ref, error) {
	w, h := v.W, v.H
	res := pdf.Dict{}
	var content []byte

	// Text lines at the bottom, Helvetica, sized to fit.
	textH := 0.0
	fs := 0.0
	if len(lines) > 0 {
		lineH := math.Min(h/float64(len(lines)+1), 10)
		if v.Appearance == nil {
			lineH = math.Min(h/float64(len(lines)), 12)
		}
		fs = lineH * 0.8
		textH = lineH*float64(len(lines)) + 1
		res["Font"] = pdf.Dict{"Helv": u.Add(pdf.Dict{
			"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"),
			"BaseFont": pdf.Name("Helvetica"), "Encoding": pdf.Name("WinAnsiEncoding"),
		})}
		content = append(content, "BT 0 g /Helv "...)
		content = appendNum(content, fs)
		content = append(content, " Tf "...)
		for i, line := range lines {
			y := textH - 1 - lineH*float64(i+1) + (lineH-fs)/2 + fs*0.2
			content = append(content, "1 0 0 1 2 "...)
			content = appendNum(content, y)
			content = append(content, " Tm "...)
			content, _ = pdf.AppendObject(content, pdf.String(winAnsi(line, w-4, fs)))
			content = append(content, " Tj "...)
		}
		content = append(content, "ET\n"...)
	}

	if a := v.Appearance; a != nil {
		if !(a.Width > 0 && a.Height > 0) {
			return pdf.Ref{}, fmt.Errorf("%w: the appearance has no size", ErrOptions)
		}
		art, err := addArtwork(u, a)
		if err != nil {
			return pdf.Ref{}, err
		}
		res["XObject"] = pdf.Dict{"Art": art}
		aw, ah := w, h-textH
		if ah > 0 {
			s := math.Min(aw/a.Width, ah/a.Height)
			tx := (aw - a.Width*s) / 2
			ty := textH + (ah-a.Height*s)/2
			content = append(content, "q "...)
			for _, f := range []float64{s, 0, 0, s, tx, ty} {
				content = appendNum(content, f)
				content = append(content, ' ')
			}
			content = append(content, "cm /Art Do Q\n"...)
		}
	}
	return u.Add(&pdf.Stream{Dict: pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Real(w), pdf.Real(h)},
		"Resources": res,
	}, Offset: -1, Data: content}), nil
}

// addArtwork writes an Appearance as a form XObject with its images.
func addArtwork(u *pdf.Update, a *Appearance) (pdf.Ref, error) {
	res := pdf.Dict{}
	if len(a.Images) > 0 {
		xo := pdf.Dict{}
		for i := range a.Images {
			im := &a.Images[i]
			ref, err := addImage(u, im)
			if err != nil {
				return pdf.Ref{}, err
			}
			xo[pdf.Name(im.Name)] = ref
		}
		res["XObject"] = xo
	}
	return u.Add(&pdf.Stream{Dict: pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Real(a.Width), pdf.Real(a.Height)},
		"Resources": res,
	}, Offset: -1, Data: a.Content}), nil
}

func addImage(u *pdf.Update, im *AppearanceImage) (pdf.Ref, error) {
	if im.Name == "" || im.Width <= 0 || im.Height <= 0 {
		return pdf.Ref{}, fmt.Errorf("%w: appearance image %q has no name or size", ErrOptions, im.Name)
	}
	cs := im.ColorSpace
	if cs == "" {
		cs = "DeviceRGB"
	}
	bpc := im.BitsPerComponent
	if bpc == 0 {
		bpc = 8
	}
	d := pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"),
		"Width": pdf.Int(im.Width), "Height": pdf.Int(im.Height),
		"ColorSpace": pdf.Name(cs), "BitsPerComponent": pdf.Int(bpc),
	}
	if im.Filter != "" {
		d["Filter"] = pdf.Name(im.Filter)
	}
	if im.SMask != nil {
		m := *im.SMask
		m.ColorSpace = "DeviceGray"
		m.SMask = nil
		if m.Name == "" {
			m.Name = im.Name + "Mask"
		}
		ref, err := addImage(u, &m)
		if err != nil {
			return pdf.Ref{}, err
		}
		d["SMask"] = ref
	}
	return u.Add(&pdf.Stream{Dict: d, Offset: -1, Data: im.Data}), nil
}

func appendNum(b []byte, f float64) []byte {
	f = math.Round(f*1000) / 1000
	if f == math.Trunc(f) {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// winAnsi converts s to WinAnsiEncoding bytes (Latin-1 subset; other
// characters become '?') and cuts it to fit width at font size fs, using
// Helvetica's average advance as an estimate.
func winAnsi(s string, width, fs float64) []byte {
	b := make([]byte, 0, len(s))
	adv := 0.0
	for _, r := range s {
		c := byte('?')
		if r < 0x80 || (r >= 0xa0 && r <= 0xff) {
			c = byte(r)
		}
		cw := helvWidth(c) * fs / 1000
		if adv+cw > width {
			break
		}
		adv += cw
		b = append(b, c)
	}
	return b
}

// helvWidth approximates Helvetica's glyph widths (1/1000 em).
func helvWidth(c byte) float64 {
	switch {
	case c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == 'i' || c == 'l' || c == 'j' || c == 'I' || c == '!' || c == '\'':
		return 278
	case c == 'f' || c == 't' || c == 'r' || c == '-' || c == '(' || c == ')' || c == '/':
		return 333
	case c == 'm' || c == 'M' || c == 'W':
		return 833
	case c == 'w':
		return 722
	case c >= 'A' && c <= 'Z':
		return 667
	case c >= '0' && c <= '9':
		return 556
	}
	return 556
}
