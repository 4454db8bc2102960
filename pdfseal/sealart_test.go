package pdfseal

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

// appearancePDF puts an appearance alone on a page of its size, as Seal
// would put it in a widget: a Form XObject drawn once.
func appearancePDF(t testing.TB, a *Appearance) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := render.NewWriter(&buf)
	cat, pages, page, content, form := w.Alloc(), w.Alloc(), w.Alloc(), w.Alloc(), w.Alloc()
	w.Object(cat, fmt.Sprintf("<</Type/Catalog/Pages %s>>", render.Ref(pages)))
	w.Object(pages, fmt.Sprintf("<</Type/Pages/Kids[%s]/Count 1>>", render.Ref(page)))
	w.Object(page, fmt.Sprintf("<</Type/Page/Parent %s/MediaBox[0 0 %s %s]/Contents %s/Resources<</XObject<</Seal %s>>>>>>",
		render.Ref(pages), num(a.Width), num(a.Height), render.Ref(content), render.Ref(form)))
	w.Stream(content, "", []byte("/Seal Do"), false)
	writeAppearance(w, form, a)
	if err := w.Finish(cat, 0, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// renderPNGFile rasterises a page of a PDF with pdftoppm and returns the
// PNG file's path.
func renderPNGFile(t testing.TB, pdf []byte, dpi int, page int) string {
	t.Helper()
	testtool.Need(t, "pdftoppm")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-png", "-r", fmt.Sprint(dpi), "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-singlefile", in, filepath.Join(dir, "out")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	return filepath.Join(dir, "out.png")
}

// renderPNG rasterises a page of a PDF with pdftoppm.
func renderPNG(t testing.TB, pdf []byte, dpi int, page int) image.Image {
	t.Helper()
	f, err := os.Open(renderPNGFile(t, pdf, dpi, page))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestSealAppearance(t *testing.T) {
	font := testFont(t)
	for _, tc := range []struct {
		name string
		body ecert.Body
		opts SealArtOptions
	}{
		{"chinese", ecert.Body{Name: ecert.Text{"zh": "中国质量认证中心", "en": "China Quality Certification Centre"}}, SealArtOptions{}},
		{"latin", ecert.Body{Name: ecert.Text{"en": "Qingdao Inspection Authority"}}, SealArtOptions{}},
		{"long", ecert.Body{Name: ecert.Text{"zh": "中华人民共和国青岛海关植物检疫专用"}}, SealArtOptions{Bottom: "检验检疫专用章"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Font = font
			a, err := SealAppearance(tc.body, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if a.Width != DefaultSealDiameter || a.Height != DefaultSealDiameter || len(a.Images) != 0 {
				t.Errorf("appearance %gx%g with %d images, want a %g-point square of vectors", a.Width, a.Height, len(a.Images), DefaultSealDiameter)
			}
			if bytes.Contains(a.Content, []byte("Tf")) || bytes.Contains(a.Content, []byte("Do")) {
				t.Error("the vector seal uses a font or an XObject")
			}
			img := renderPNG(t, appearancePDF(t, a), 150, 1)
			if *update {
				savePNG(t, filepath.Join(t.TempDir(), "seal.png"), img)
			}
			if os.Getenv("PDFSEAL_KEEP") != "" {
				savePNG(t, filepath.Join(os.Getenv("PDFSEAL_KEEP"), "seal_"+tc.name+".png"), img)
			}
			// Red ink on the ring at the top, bottom, left and right; white
			// just inside the ring beside the star.
			b := img.Bounds()
			cx, cy := (b.Min.X+b.Max.X)/2, (b.Min.Y+b.Max.Y)/2
			r := b.Dx() / 2
			edge := r - r*3/100 - 1
			for _, p := range []image.Point{{cx, cy - edge}, {cx, cy + edge}, {cx - edge, cy}, {cx + edge, cy}, {cx, cy}} {
				if !isRed(img.At(p.X, p.Y)) {
					t.Errorf("pixel %v is %v, want seal red", p, img.At(p.X, p.Y))
				}
			}
			red := 0
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if isRed(img.At(x, y)) {
						red++
					}
				}
			}
			// Ring + star + lettering cover a fair share of the disc.
			if frac := float64(red) / float64(b.Dx()*b.Dy()); frac < 0.12 || frac > 0.5 {
				t.Errorf("red covers %.2f of the square, want 0.12..0.5", frac)
			}
		})
	}
}

func TestSealAppearanceMissingGlyph(t *testing.T) {
	_, err := SealAppearance(ecert.Body{Name: ecert.Text{"zh": "中心\U0001F600"}}, SealArtOptions{Font: testFont(t)})
	var me *MissingGlyphsError
	if !errorsAs(err, &me) || len(me.Runes) != 1 || me.Runes[0] != '\U0001F600' {
		t.Fatalf("err = %v, want MissingGlyphsError naming U+1F600", err)
	}
	if !strings.Contains(err.Error(), "U+1F600") {
		t.Errorf("error %q does not name the rune", err)
	}
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 150 && g>>8 < 110 && b>>8 < 110
}

func savePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImageAppearance(t *testing.T) {
	// A red disc on a transparent background.
	img := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 200; x++ {
			if (x-100)*(x-100)+(y-50)*(y-50) < 45*45 {
				img.Set(x, y, color.NRGBA{0xD0, 0x10, 0x10, 0xFF})
			}
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	a, err := ImageAppearance(bytes.NewReader(pngData.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Images) != 1 || a.Images[0].SMask == nil || a.Images[0].Filter != "FlateDecode" {
		t.Fatalf("images = %+v, want one Flate image with a soft mask", a.Images)
	}
	if a.Width != DefaultSealDiameter || a.Height != DefaultSealDiameter/2 {
		t.Errorf("size %gx%g, want %gx%g", a.Width, a.Height, DefaultSealDiameter, DefaultSealDiameter/2)
	}
	page := renderPNG(t, appearancePDF(t, a), 72, 1)
	b := page.Bounds()
	if c := page.At(b.Dx()/2, b.Dy()/2); !isRed(c) {
		t.Errorf("centre is %v, want red", c)
	}
	if c := page.At(2, 2); isRed(c) {
		t.Errorf("corner is %v, want the transparent background (white)", c)
	}

	// A JPEG passes through as DCTDecode.
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, nil); err != nil {
		t.Fatal(err)
	}
	a, err = ImageAppearance(&jpg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Images[0].Filter != "DCTDecode" || a.Images[0].SMask != nil {
		t.Errorf("JPEG: filter %s, smask %v", a.Images[0].Filter, a.Images[0].SMask != nil)
	}
	if c := renderPNG(t, appearancePDF(t, a), 72, 1).At(b.Dx()/2, b.Dy()/2); !isRed(c) {
		t.Errorf("JPEG centre is %v, want red", c)
	}

	for _, bad := range [][]byte{nil, []byte("GIF89a...."), pngData.Bytes()[:40]} {
		if _, err := ImageAppearance(bytes.NewReader(bad)); err == nil || !strings.HasPrefix(err.Error(), "pdfseal: seal image") {
			t.Errorf("ImageAppearance(%q) err = %v, want a seal image error", bad, err)
		}
	}
}
