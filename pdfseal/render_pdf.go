package pdfseal

import (
	"fmt"
	"strings"

	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

func num(v float64) string { return string(render.AppendNum(nil, v)) }

// writeAppearance writes a as a Form XObject numbered form, with its images.
func writeAppearance(w *render.Writer, form int, a *Appearance) {
	var res strings.Builder
	if len(a.Images) > 0 {
		res.WriteString("/XObject<<")
		for i := range a.Images {
			im := &a.Images[i]
			n := w.Alloc()
			fmt.Fprintf(&res, "%s %s", render.Name(im.Name), render.Ref(n))
			writeImage(w, n, im)
		}
		res.WriteString(">>")
	}
	w.Stream(form, fmt.Sprintf("/Type/XObject/Subtype/Form/BBox[0 0 %s %s]/Resources<<%s>>",
		num(a.Width), num(a.Height), res.String()), a.Content, true)
}

func writeImage(w *render.Writer, n int, im *AppearanceImage) {
	dict := fmt.Sprintf("/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace%s/BitsPerComponent %d/Filter%s",
		im.Width, im.Height, render.Name(im.ColorSpace), im.BitsPerComponent, render.Name(im.Filter))
	if im.SMask != nil {
		m := w.Alloc()
		dict += "/SMask " + render.Ref(m)
		writeImage(w, m, im.SMask)
	}
	w.RawStream(n, dict, im.Data)
}
