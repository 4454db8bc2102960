package pdfseal

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/render")

var (
	fontOnce sync.Once
	fontVal  *Font
	fontErr  error
)

// testFont loads the default CJK font once for all tests.
func testFont(t testing.TB) *Font {
	t.Helper()
	fontOnce.Do(func() {
		for _, p := range DefaultFontPaths() {
			if fontVal, fontErr = LoadFont(p); fontErr == nil {
				return
			}
		}
	})
	if fontVal == nil {
		testtool.Missing(t, "no CJK TrueType font (install fonts-wqy-zenhei): %v", fontErr)
	}
	return fontVal
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func loadCert(t testing.TB, name string) *ecert.Certificate {
	t.Helper()
	f, err := os.Open(testtool.Testdata(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ecert.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func renderCert(t testing.TB, c *ecert.Certificate, opts RenderOptions) []byte {
	t.Helper()
	if opts.Fonts == nil {
		opts.Fonts = []*Font{testFont(t)}
	}
	var buf bytes.Buffer
	if err := Render(context.Background(), c, &buf, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tool runs an external tool on a PDF written to a temporary file.
func tool(t testing.TB, pdf []byte, name string, args ...string) string {
	t.Helper()
	testtool.Need(t, name)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		args[i] = strings.ReplaceAll(strings.ReplaceAll(a, "IN", in), "DIR", dir)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr)
	}
	return string(out)
}

func pageCount(t testing.TB, pdf []byte) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(tool(t, pdf, "pdfinfo", "IN"))
	if m == nil {
		t.Fatal("pdfinfo: no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestRenderCCC is the acceptance check on the CCC sample.
func TestRenderCCC(t *testing.T) {
	c := loadCert(t, "good_ccc.json")
	pdf := renderCert(t, c, RenderOptions{})

	if out := tool(t, pdf, "qpdf", "--check", "IN"); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}

	text := tool(t, pdf, "pdftotext", "-f", "1", "-l", "1", "IN", "-")
	for _, want := range []string{c.Number, zh(c.Holder.Name), en(c.Holder.Name), "中国国家强制性产品认证证书",
		"CHINA COMPULSORY CERTIFICATION CERTIFICATE", "委托人名称、地址", "2029-03-14", "Page 1 of"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext page 1 lacks %q", want)
		}
	}

	fonts := tool(t, pdf, "pdffonts", "IN")
	if !regexp.MustCompile(`(?m)^[A-Z]{6}\+WenQuanYiZenHei\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes`).MatchString(fonts) {
		t.Errorf("pdffonts does not list the CJK font embedded and subset:\n%s", fonts)
	}
	if len(pdf) > 200<<10 {
		t.Errorf("PDF is %d bytes: is the font subset?", len(pdf))
	}

	// 300 models: page 1 and the annex.
	models := 0
	for _, p := range c.Products {
		models += len(p.Models)
	}
	if models != 300 {
		t.Fatalf("sample has %d models, want 300", models)
	}
	wantPages := 1 + annexPages(models)
	if n := pageCount(t, pdf); n != wantPages || n != 9 {
		t.Errorf("%d pages, want %d (1 + %d annex pages of %d rows)", n, wantPages, annexPages(models), annexRowsPerPage())
	}
	pages := strings.Split(tool(t, pdf, "pdftotext", "IN", "-"), "\f") // one form feed per page
	if len(pages) < wantPages {
		t.Fatalf("pdftotext gave %d pages", len(pages))
	}
	last := pages[wantPages-1]
	lastModel := c.Products[len(c.Products)-1].Models[len(c.Products[len(c.Products)-1].Models)-1].Code
	for _, want := range []string{fmt.Sprintf("Page %d of %d", wantPages, wantPages), lastModel, "序号", "Model", "附件"} {
		if !strings.Contains(last, want) {
			t.Errorf("last page lacks %q", want)
		}
	}
	for p := 2; p <= wantPages; p++ {
		if txt := pages[p-1]; !strings.Contains(txt, fmt.Sprintf("Page %d of %d", p, wantPages)) || !strings.Contains(txt, "型号") {
			t.Errorf("page %d lacks its footer or the repeated table header", p)
		}
	}

	// The QR code, read from a 150-dpi render.
	png := renderPNGFile(t, pdf, 150, 1)
	testtool.Need(t, "zbarimg")
	out, err := exec.Command("zbarimg", "-q", "--raw", png).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != c.VerificationURL {
		t.Errorf("zbarimg decoded %q, want %q", got, c.VerificationURL)
	}

	// The embedded JSON, saved by pdfdetach, has the input's digest.
	testtool.Need(t, "pdfdetach")
	dir := t.TempDir()
	in := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "saved.json")
	if out, err := exec.Command("pdfdetach", "-savefile", CertificateFileName, "-o", saved, in).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach: %v\n%s", err, out)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ecert.Unmarshal(data)
	if err != nil {
		t.Fatalf("saved JSON: %v", err)
	}
	gd, _ := got.Digest()
	wd, _ := c.Digest()
	if gd != wd {
		t.Errorf("digest of the detached JSON %v, want %v", gd, wd)
	}
	if canon, _ := c.Canonical(); !bytes.Equal(data, canon) {
		t.Error("the embedded JSON is not the canonical form")
	}
}

// TestRenderGolden compares page 1 of each layout with a golden PNG.
func TestRenderGolden(t *testing.T) {
	for _, tc := range []struct{ file, golden string }{
		{"good_ccc.json", "ccc_page1.png"},
		{"good_sps_phyto.json", "sps_page1.png"},
		{"good_iso9001.json", "iso9001_page1.png"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			img := renderPNG(t, renderCert(t, loadCert(t, tc.file), RenderOptions{}), 50, 1)
			path := filepath.Join("testdata", "render", tc.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				savePNG(t, path, img)
				return
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update to create it)", err)
			}
			defer f.Close()
			want, _, err := image.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if d := imageDiff(img, want); d != "" {
				out := filepath.Join(t.TempDir(), tc.golden)
				savePNG(t, out, img)
				t.Errorf("page 1 differs from %s: %s (got %s; run with -update if the change is intended)", path, d, out)
			}
		})
	}
}

// imageDiff reports how two renders differ beyond anti-aliasing noise.
func imageDiff(got, want image.Image) string {
	if got.Bounds() != want.Bounds() {
		return fmt.Sprintf("size %v, want %v", got.Bounds(), want.Bounds())
	}
	b := got.Bounds()
	bad, total := 0, 0
	sum := 0.0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := got.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			d := max(absDiff(r1, r2), absDiff(g1, g2), absDiff(b1, b2)) >> 8
			sum += float64(d)
			if d > 64 {
				bad++
			}
			total++
		}
	}
	if frac := float64(bad) / float64(total); frac > 0.003 || sum/float64(total) > 1.5 {
		return fmt.Sprintf("%.2f%% of pixels differ, mean difference %.2f/255 (tolerance 0.3%%, 1.5)", 100*frac, sum/float64(total))
	}
	return ""
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestExtractRoundTrip: every sample comes back equal from the PDF, and
// extra attachments keep their MIME type and relationship.
func TestExtractRoundTrip(t *testing.T) {
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><rsm:SPSCertificate xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSCertificate:17"/>`)
	for _, name := range []string{"good_ccc.json", "good_ccc_v2.json", "good_iso9001.json", "good_sps_phyto.json"} {
		t.Run(name, func(t *testing.T) {
			c := loadCert(t, name)
			pdf := renderCert(t, c, RenderOptions{Attachments: []Attachment{XMLAttachment(xml)}})
			x, err := Extract(bytes.NewReader(pdf), int64(len(pdf)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, x.Certificate); diff != "" {
				t.Errorf("extracted certificate differs (-in +out):\n%s", diff)
			}
			canon, _ := c.Canonical()
			want := []EmbeddedFile{
				{Name: CertificateFileName, MIMEType: "application/json", Description: "Certificate data (ecert canonical JSON)", Relationship: AFSource, Associated: true, Data: canon},
				{Name: XMLFileName, MIMEType: "text/xml", Description: "UN/CEFACT SPS e-certificate XML", Relationship: AFAlternative, Associated: true, Data: xml},
			}
			if diff := cmp.Diff(want, x.Files); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractNotACertificate(t *testing.T) {
	if _, err := Extract(bytes.NewReader([]byte("%PDF-1.7\ngarbage")), 16); err == nil {
		t.Error("Extract of garbage: no error")
	} else if !strings.HasPrefix(err.Error(), "pdfseal: extract: ") {
		t.Errorf("error %q lacks the prefix", err)
	}
	// A PDF without attachments gives no certificate and no error.
	a, err := SealAppearance(ecert.Body{Name: ecert.Text{"en": "X"}}, SealArtOptions{Font: testFont(t)})
	if err != nil {
		t.Fatal(err)
	}
	pdf := appearancePDF(t, a)
	x, err := Extract(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil || x.Certificate != nil || len(x.Files) != 0 {
		t.Errorf("Extract = %+v, %v; want nothing, no error", x, err)
	}
}

func TestRenderInvalid(t *testing.T) {
	matches, _ := filepath.Glob(testtool.Testdata("fail_*.json"))
	if len(matches) == 0 {
		t.Fatal("no fail_*.json samples")
	}
	for _, m := range matches {
		t.Run(filepath.Base(m), func(t *testing.T) {
			c := loadCert(t, filepath.Base(m))
			var buf bytes.Buffer
			err := Render(context.Background(), c, &buf, RenderOptions{Fonts: []*Font{testFont(t)}})
			var ve *ecert.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("err = %v, want *ecert.ValidationError", err)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written for an invalid certificate", buf.Len())
			}
		})
	}
}

func TestRenderMissingGlyphs(t *testing.T) {
	c := loadCert(t, "good_iso9001.json")
	c.Holder.Name["zh"] = "测试😀公司ༀ"
	var buf bytes.Buffer
	err := Render(context.Background(), c, &buf, RenderOptions{Fonts: []*Font{testFont(t)}})
	var me *MissingGlyphsError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want *MissingGlyphsError", err)
	}
	if diff := cmp.Diff([]rune{'\u0F00', '\U0001F600'}, me.Runes); diff != "" {
		t.Errorf("missing runes (-want +got):\n%s", diff)
	}
	for _, want := range []string{"U+1F600", "U+0F00", "WenQuanYiZenHei"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written", buf.Len())
	}

	// A Latin-only font cannot draw the Chinese text.
	lf := latinFont(t)
	err = Render(context.Background(), loadCert(t, "good_iso9001.json"), &buf, RenderOptions{Fonts: []*Font{lf}})
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "DejaVuSans") {
		t.Errorf("Latin-only font: err = %v, want MissingGlyphsError naming the font", err)
	}
}

const latinFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

func latinFont(t testing.TB) *Font {
	t.Helper()
	f, err := LoadFont(latinFontPath)
	if err != nil {
		testtool.Missing(t, "no Latin-only TrueType font (install fonts-dejavu-core): %v", err)
	}
	return f
}

// TestRenderFontFallback: fonts are tried in order for each character,
// so a Latin font first sets the English text and the CJK font the rest;
// both are embedded as subsets.
func TestRenderFontFallback(t *testing.T) {
	c := loadCert(t, "good_iso9001.json")
	pdf := renderCert(t, c, RenderOptions{Fonts: []*Font{latinFont(t), testFont(t)}})
	fonts := tool(t, pdf, "pdffonts", "IN")
	for _, name := range []string{"DejaVuSans", "WenQuanYiZenHei"} {
		if !regexp.MustCompile(`(?m)^[A-Z]{6}\+` + name + `\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes`).MatchString(fonts) {
			t.Errorf("pdffonts lacks %s embedded and subset:\n%s", name, fonts)
		}
	}
	text := tool(t, pdf, "pdftotext", "IN", "-")
	for _, want := range []string{"质量管理体系认证证书", "QUALITY MANAGEMENT SYSTEM CERTIFICATE", c.Number} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if out := tool(t, pdf, "qpdf", "--check", "IN"); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}
}

// TestNoDefaultFont: without fonts-wqy-zenhei, the error says what to do.
func TestNoDefaultFont(t *testing.T) {
	_, _, err := openFirstFont([]string{"/nonexistent/a.ttc", "/nonexistent/b.ttc"})
	var fe *FontNotFoundError
	if !errors.As(err, &fe) || len(fe.Tried) != 2 {
		t.Fatalf("err = %v, want FontNotFoundError with 2 paths", err)
	}
	for _, want := range []string{"/nonexistent/a.ttc", "fonts-wqy-zenhei"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestLoadFontErrors(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/nonexistent/font.ttf", "no such file"},
		{"render_test.go", "pdfseal: load font render_test.go"},
	} {
		if _, err := LoadFont(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadFont(%q) = %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
	// OpenType-CFF fonts are refused with a clear message.
	cff := []byte("OTTO\x00\x01\x00\x00\x00\x00\x00\x00")
	if _, err := ParseFont(cff, 0); err == nil {
		t.Error("ParseFont(CFF): no error")
	}
}

// TestCustomLayout: a body's own layout, written outside the package.
func TestCustomLayout(t *testing.T) {
	c := loadCert(t, "good_iso9001.json")
	layout := LayoutFunc(func(ctx context.Context, d *Document, c *ecert.Certificate) error {
		d.SetFooter(func(p *Page, i, n int) {
			p.Text(PageWidth/2, 30, fmt.Sprintf("%d/%d", i, n), TextStyle{Align: AlignCenter})
		})
		for i := 0; i < 2; i++ {
			p := d.AddPage()
			p.Text(72, 770, "自定义版式 Custom layout "+c.Number, TextStyle{Size: 14, Bold: true})
			p.Paragraph(72, 740, 300, strings.Repeat("质量管理体系 quality management ", 10), TextStyle{}, 0)
			if err := p.QRCode(c.VerificationURL, 72, 400, 100); err != nil {
				return err
			}
			p.Draw(d.Seal(), 300, 400, 100, 100)
		}
		return nil
	})
	pdf := renderCert(t, c, RenderOptions{Layout: layout})
	if n := pageCount(t, pdf); n != 2 {
		t.Errorf("%d pages, want 2", n)
	}
	text := tool(t, pdf, "pdftotext", "IN", "-")
	for _, want := range []string{"自定义版式 Custom layout " + c.Number, "1/2", "2/2", "质量管理体系"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// A layout's error is returned, wrapped.
	boom := errors.New("boom")
	err := Render(context.Background(), c, &bytes.Buffer{}, RenderOptions{Fonts: []*Font{testFont(t)},
		Layout: LayoutFunc(func(context.Context, *Document, *ecert.Certificate) error { return boom })})
	var re *RenderError
	if !errors.Is(err, boom) || !errors.As(err, &re) {
		t.Errorf("err = %v, want a RenderError wrapping the layout's", err)
	}
}

func TestLayoutByName(t *testing.T) {
	for _, name := range LayoutNames() {
		if _, err := LayoutByName(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := LayoutByName("fancy"); err == nil || !strings.Contains(err.Error(), "product, inspection") {
		t.Errorf("LayoutByName(fancy) = %v", err)
	}
	if _, ok := DefaultLayout(loadCert(t, "good_sps_phyto.json")).(InspectionLayout); !ok {
		t.Error("SPS certificate: default layout is not InspectionLayout")
	}
	if _, ok := DefaultLayout(loadCert(t, "good_ccc.json")).(ProductLayout); !ok {
		t.Error("CCC certificate: default layout is not ProductLayout")
	}
}

// TestRenderDeterministic: the same input gives the same bytes, also
// with the default font read from its file, and concurrently.
func TestRenderDeterministic(t *testing.T) {
	c := loadCert(t, "good_sps_phyto.json")
	want := renderCert(t, c, RenderOptions{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if err := Render(context.Background(), c, &buf, RenderOptions{}); err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Error("output differs between renders")
			}
		}()
	}
	wg.Wait()
}

func TestRenderNoSealAndImageSeal(t *testing.T) {
	c := loadCert(t, "good_iso9001.json")
	noSeal := renderCert(t, c, RenderOptions{NoSeal: true})
	withSeal := renderCert(t, c, RenderOptions{})
	red := func(pdf []byte) int {
		img := renderPNG(t, pdf, 30, 1)
		n := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if isRed(img.At(x, y)) {
					n++
				}
			}
		}
		return n
	}
	if r := red(noSeal); r != 0 {
		t.Errorf("NoSeal: %d red pixels", r)
	}
	if r := red(withSeal); r < 100 {
		t.Errorf("default seal: only %d red pixels", r)
	}

	// A body's own seal image, with transparency.
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			if d := (x-60)*(x-60) + (y-60)*(y-60); d < 55*55 && d > 45*45 {
				img.Set(x, y, color.NRGBA{0xD0, 0x10, 0x10, 0xFF})
			}
		}
	}
	var pngData bytes.Buffer
	png.Encode(&pngData, img)
	a, err := ImageAppearance(&pngData)
	if err != nil {
		t.Fatal(err)
	}
	withImage := renderCert(t, c, RenderOptions{Seal: a})
	if r := red(withImage); r < 50 {
		t.Errorf("image seal: only %d red pixels", r)
	}
	if out := tool(t, withImage, "qpdf", "--check", "IN"); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}
}

// stressCerts are samples with every field long: page 1 must still not
// overprint.
func stressCerts(t testing.TB) map[string]*ecert.Certificate {
	long := func(tx ecert.Text, n int) ecert.Text {
		out := ecert.Text{}
		for k, v := range tx {
			out[k] = strings.Repeat(v+" ", n)
		}
		return out
	}
	ccc := loadCert(t, "good_ccc.json")
	ccc.Holder.Name = long(ccc.Holder.Name, 4)
	ccc.Manufacturer.Name = long(ccc.Manufacturer.Name, 3)
	ccc.Factories = append(ccc.Factories, ccc.Factories[0], ccc.Factories[0])
	ccc.Remarks = long(ccc.Remarks, 5)
	ccc.Scope = long(ccc.Scope, 5)
	for range 3 {
		ccc.Standards = append(ccc.Standards, ccc.Standards...)
	}
	sps := loadCert(t, "good_sps_phyto.json")
	for len(sps.Consignment.Items) < 20 {
		sps.Consignment.Items = append(sps.Consignment.Items, sps.Consignment.Items...)
	}
	sps.Consignment.AdditionalDeclarations = long(sps.Consignment.AdditionalDeclarations, 6)
	sps.Remarks = ecert.Text{"zh": strings.Repeat("备注内容很长。", 40), "en": strings.Repeat("A long remark. ", 40)}
	sps.Consignment.Consignor.Name = long(sps.Consignment.Consignor.Name, 3)
	return map[string]*ecert.Certificate{"ccc": ccc, "sps": sps}
}

var wordRe = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// TestLayoutNoOverprint: no two words of page 1 overlap (pdftotext
// -bbox), however long the fields.
func TestLayoutNoOverprint(t *testing.T) {
	certs := stressCerts(t)
	for _, name := range []string{"good_ccc.json", "good_sps_phyto.json", "good_iso9001.json", "ccc", "sps"} {
		t.Run(name, func(t *testing.T) {
			c := certs[name]
			if c == nil {
				c = loadCert(t, name)
			}
			pdf := renderCert(t, c, RenderOptions{})
			type box struct {
				x0, y0, x1, y1 float64
				w              string
			}
			var words []box
			for _, m := range wordRe.FindAllStringSubmatch(tool(t, pdf, "pdftotext", "-bbox", "-f", "1", "-l", "1", "IN", "-"), -1) {
				var b box
				b.x0, _ = strconv.ParseFloat(m[1], 64)
				b.y0, _ = strconv.ParseFloat(m[2], 64)
				b.x1, _ = strconv.ParseFloat(m[3], 64)
				b.y1, _ = strconv.ParseFloat(m[4], 64)
				b.w = m[5]
				words = append(words, b)
			}
			if len(words) < 50 {
				t.Fatalf("only %d words on page 1", len(words))
			}
			bad := 0
			for i := range words {
				for j := i + 1; j < len(words); j++ {
					a, b := words[i], words[j]
					// Overlap by more than 1.5 points both ways (glyph boxes
					// of adjacent lines touch).
					if min(a.x1, b.x1)-max(a.x0, b.x0) > 1.5 && min(a.y1, b.y1)-max(a.y0, b.y0) > 1.5 {
						if bad++; bad <= 5 {
							t.Errorf("%q %v overprints %q %v", a.w, a, b.w, b)
						}
					}
				}
			}
			if name == "sps" {
				n := len(c.Consignment.Items)
				if got, want := pageCount(t, pdf), 3; got != want { // page 1, items, notes
					t.Errorf("%d items: %d pages, want %d", n, got, want)
				}
				if txt := tool(t, pdf, "pdftotext", "-f", "2", "-l", "2", "IN", "-"); !strings.Contains(txt, fmt.Sprintf("Items 1–%d of %d", n, n)) {
					t.Errorf("the annex does not list all %d items", n)
				}
				if txt := tool(t, pdf, "pdftotext", "-f", "3", "-l", "3", "IN", "-"); !strings.Contains(txt, "A long remark. A long remark.") {
					t.Error("the annex does not give the remarks")
				}
			}
		})
	}
}

func TestRenderCancelled(t *testing.T) {
	c := hugeCert(t, 20_000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Render(ctx, c, io.Discard, RenderOptions{Fonts: []*Font{testFont(t)}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestRenderStatusVersionQR: a later version says so, a certificate that
// is not valid says its status in red, and every layout's QR code reads
// back at 150 dpi.
func TestRenderStatusVersionQR(t *testing.T) {
	v2 := loadCert(t, "good_ccc_v2.json")
	if txt := tool(t, renderCert(t, v2, RenderOptions{}), "pdftotext", "-f", "1", "-l", "1", "IN", "-"); !strings.Contains(txt, fmt.Sprintf("Version %d", v2.Version)) {
		t.Errorf("version %d is not shown", v2.Version)
	}
	susp := loadCert(t, "good_iso9001.json")
	susp.Status = ecert.StatusSuspended
	if txt := tool(t, renderCert(t, susp, RenderOptions{}), "pdftotext", "-f", "1", "-l", "1", "IN", "-"); !strings.Contains(txt, "已暂停 SUSPENDED") {
		t.Error("the suspended status is not shown")
	}
	testtool.Need(t, "zbarimg")
	for _, name := range []string{"good_sps_phyto.json", "good_iso9001.json"} {
		c := loadCert(t, name)
		png := renderPNGFile(t, renderCert(t, c, RenderOptions{}), 150, 1)
		out, err := exec.Command("zbarimg", "-q", "--raw", png).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != c.VerificationURL {
			t.Errorf("%s: zbarimg = %q, %v; want %q", name, got, err, c.VerificationURL)
		}
	}
}
