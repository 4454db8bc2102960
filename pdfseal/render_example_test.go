package pdfseal_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal"
)

func readSample(name string) *ecert.Certificate {
	f, err := os.Open(testtool.Testdata(name))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	c, err := ecert.Decode(f)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// Render a certificate, then read its data back from the PDF.
func ExampleRender() {
	cert := readSample("good_ccc.json")
	var pdf bytes.Buffer
	if err := pdfseal.Render(context.Background(), cert, &pdf, pdfseal.RenderOptions{}); err != nil {
		log.Fatal(err)
	}
	x, err := pdfseal.Extract(bytes.NewReader(pdf.Bytes()), int64(pdf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range x.Files {
		fmt.Println(f.Name, f.MIMEType, f.Relationship)
	}
	fmt.Println(x.Certificate.Number)
	// Output:
	// ecert.json application/json Source
	// 2024010703123456
}

// Render many certificates fast: load the fonts once.
func ExampleLoadFont() {
	font, err := pdfseal.LoadFont(pdfseal.DefaultFontPaths()[0])
	if err != nil {
		log.Fatal(err)
	}
	opts := pdfseal.RenderOptions{Fonts: []*pdfseal.Font{font}}
	for _, name := range []string{"good_iso9001.json", "good_sps_phyto.json"} {
		var pdf bytes.Buffer
		if err := pdfseal.Render(context.Background(), readSample(name), &pdf, opts); err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, "rendered")
	}
	// Output:
	// good_iso9001.json rendered
	// good_sps_phyto.json rendered
}

// A body's own layout, without forking: implement Layout (here with
// LayoutFunc) using the Document and Page methods.
func ExampleLayout() {
	myLayout := pdfseal.LayoutFunc(func(ctx context.Context, d *pdfseal.Document, c *ecert.Certificate) error {
		d.SetFooter(func(p *pdfseal.Page, i, n int) {
			p.Text(pdfseal.PageWidth/2, 30, fmt.Sprintf("%d / %d", i, n), pdfseal.TextStyle{Size: 8, Align: pdfseal.AlignCenter})
		})
		p := d.AddPage()
		p.Text(pdfseal.PageWidth/2, 760, c.Title.In("zh"), pdfseal.TextStyle{Size: 24, Bold: true, Align: pdfseal.AlignCenter})
		p.Text(pdfseal.PageWidth/2, 730, c.Number, pdfseal.TextStyle{Size: 12, Align: pdfseal.AlignCenter})
		p.Paragraph(72, 680, 450, c.Holder.Name.In("zh")+" "+c.Holder.Name.In("en"), pdfseal.TextStyle{}, 0)
		if err := p.QRCode(c.VerificationURL, 72, 72, 100); err != nil {
			return err
		}
		x, y, w, h := pdfseal.SealRect()
		p.Draw(d.Seal(), x, y, w, h)
		return nil
	})
	var pdf bytes.Buffer
	err := pdfseal.Render(context.Background(), readSample("good_iso9001.json"), &pdf, pdfseal.RenderOptions{Layout: myLayout})
	fmt.Println(err)
	// Output: <nil>
}

// The seal artwork, for Seal's visible signature.
func ExampleSealAppearance() {
	body := ecert.Body{Name: ecert.Text{"zh": "中国质量认证中心", "en": "China Quality Certification Centre"}}
	a, err := pdfseal.SealAppearance(body, pdfseal.SealArtOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.0f x %.0f points, %d images\n", a.Width, a.Height, len(a.Images))
	// Output: 119 x 119 points, 0 images
}
