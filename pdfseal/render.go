package pdfseal

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"time"

	"golang.org/x/image/font/sfnt"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

// RenderOptions tunes Render. The zero value renders with DefaultLayout,
// the default font (WenQuanYi Zen Hei), the vector seal of the issuing
// body and the canonical JSON embedded.
type RenderOptions struct {
	// Layout draws the pages; nil means DefaultLayout(cert).
	Layout Layout
	// Fonts are tried in order for each character: put a Latin font first
	// to set English text in it, and a CJK font after it. Nil means the
	// first of DefaultFontPaths, read straight from the file. Fonts are
	// never installed or cached on disk: pdfcpu's configuration directory
	// is not touched. Load fonts once with LoadFont and reuse them to
	// render many certificates fast.
	Fonts []*Font
	// Seal is the seal artwork drawn on page 1; nil means
	// SealAppearance(cert.IssuingBody, SealArtOptions{Font: the CJK font}).
	// Use ImageAppearance for a body's own seal image.
	Seal *Appearance
	// NoSeal leaves the seal off, e.g. when Seal will add a visible
	// signature in its place.
	NoSeal bool
	// Attachments are embedded as associated files after the certificate's
	// canonical JSON, for instance the UN/CEFACT XML made by package
	// cefact (see XMLAttachment).
	Attachments []Attachment
	// Validate checks the certificate with these options; the zero value
	// validates the model only.
	Validate ecert.ValidateOptions
	// Logger, if set, receives a debug record per render.
	Logger *slog.Logger
}

// AFRelationship is how an associated file relates to the PDF (ISO
// 32000-2, PDF/A-3).
type AFRelationship string

// Relationships.
const (
	AFSource      AFRelationship = "Source"      // the data the PDF was made from
	AFData        AFRelationship = "Data"        // data used by the PDF
	AFAlternative AFRelationship = "Alternative" // another representation of the content
	AFSupplement  AFRelationship = "Supplement"
	AFUnspecified AFRelationship = "Unspecified"
)

// Attachment is a file embedded in the PDF and listed in the catalog's
// associated files (/AF), as Factur-X and ZUGFeRD embed their XML.
type Attachment struct {
	Name         string // file name, e.g. "certificate.json"
	MIMEType     string // e.g. "application/json"
	Description  string
	Relationship AFRelationship // empty means AFData
	Data         []byte
}

// Names of the embedded files.
const (
	CertificateFileName = "ecert.json"
	XMLFileName         = "ecert-sps.xml"
)

// XMLAttachment wraps UN/CEFACT SPS e-cert XML (e.g. from cefact.Encode)
// as an associated file with the relationship Alternative, for
// RenderOptions.Attachments.
func XMLAttachment(xml []byte) Attachment {
	return Attachment{Name: XMLFileName, MIMEType: "text/xml", Relationship: AFAlternative,
		Description: "UN/CEFACT SPS e-certificate XML", Data: xml}
}

// RenderError is returned when a layout fails.
type RenderError struct {
	Number string
	Err    error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("pdfseal: render %s: %v", e.Number, e.Err)
}
func (e *RenderError) Unwrap() error { return e.Err }

// Render writes the certificate as a PDF: A4 portrait, Chinese and English
// text in an embedded subset of a TrueType font, the annex on numbered
// pages with "page i of n", a QR code to the verification URL, the seal,
// and the canonical JSON (and any other attachments) embedded as
// associated files that Extract returns.
//
// An invalid certificate gives its *ecert.ValidationError and text that no
// font can draw a *MissingGlyphsError, both before anything is written.
// A failure later (a custom layout's error, a write error) may leave a
// partial PDF in w: write to a temporary file or a buffer.
func Render(ctx context.Context, cert *ecert.Certificate, w io.Writer, opts RenderOptions) error {
	start := time.Now()
	if cert == nil {
		return fmt.Errorf("pdfseal: render: nil certificate")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := cert.ValidateWith(opts.Validate); err != nil {
		return err
	}
	canon, err := cert.Canonical()
	if err != nil {
		return err
	}
	fonts := opts.Fonts
	if len(fonts) == 0 {
		f, closer, err := openDefaultFont()
		if err != nil {
			return err
		}
		defer closer.Close()
		fonts = []*Font{f}
	}
	for _, f := range fonts {
		if f == nil || f.f == nil {
			return fmt.Errorf("pdfseal: render: nil font in RenderOptions.Fonts")
		}
	}
	seal := opts.Seal
	if seal == nil && !opts.NoSeal {
		so := SealArtOptions{Font: cjkFont(fonts)}
		if cert.Scheme.IsTrade() || cert.Consignment != nil {
			so.Bottom = "检验检疫专用章"
			if zh(cert.IssuingBody.Name) == "" {
				so.Bottom = "INSPECTION SEAL"
			}
		}
		seal, err = SealAppearance(cert.IssuingBody, so)
		if err != nil {
			return err
		}
	}
	if opts.NoSeal {
		seal = nil
	}
	layout := opts.Layout
	if layout == nil {
		layout = DefaultLayout(cert)
	}

	pw := render.NewWriter(w)
	d := &Document{ctx: ctx, w: pw, fonts: fonts, glyphs: map[rune]glyphRef{}, forms: map[*Appearance]int{},
		formName: map[*Appearance]string{}, seal: seal, cert: cert}
	d.fonts2 = make([]*fontUse, len(fonts))
	for i := range d.fonts2 {
		d.fonts2[i] = &fontUse{}
	}
	d.checkGlyphs(certStrings(cert))
	if len(d.missing) > 0 {
		return d.missingErr()
	}
	catalog, info := pw.Alloc(), pw.Alloc()
	d.pagesNum, d.resNum = pw.Alloc(), pw.Alloc()

	if err := layout.Draw(ctx, d, cert); err != nil {
		return &RenderError{Number: cert.Number, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := d.finish(); err != nil {
		return err
	}

	// Associated files: the canonical JSON first.
	files := append([]Attachment{{Name: CertificateFileName, MIMEType: "application/json",
		Description: "Certificate data (ecert canonical JSON)", Relationship: AFSource, Data: canon}}, opts.Attachments...)
	modDate := pdfDate(cert.IssueDate)
	var af, names []string
	type named struct{ name, ref string }
	var tree []named
	seen := map[string]bool{}
	for _, a := range files {
		if a.Name == "" || seen[a.Name] {
			return fmt.Errorf("pdfseal: render: attachment name %q is empty or used twice", a.Name)
		}
		seen[a.Name] = true
		rel := a.Relationship
		if rel == "" {
			rel = AFData
		}
		mime := a.MIMEType
		if mime == "" {
			mime = "application/octet-stream"
		}
		ef, fs := pw.Alloc(), pw.Alloc()
		sum := md5.Sum(a.Data)
		pw.Stream(ef, fmt.Sprintf("/Type/EmbeddedFile/Subtype%s/Params<</Size %d/ModDate%s/CheckSum<%x>>>",
			render.Name(mime), len(a.Data), render.LiteralString(modDate), sum), a.Data, true)
		desc := ""
		if a.Description != "" {
			desc = "/Desc" + render.TextString(a.Description)
		}
		pw.Object(fs, fmt.Sprintf("<</Type/Filespec/F%s/UF%s/EF<</F %s/UF %s>>%s/AFRelationship/%s>>",
			render.LiteralString(asciiName(a.Name)), render.TextString(a.Name), render.Ref(ef), render.Ref(ef), desc, string(rel)))
		af = append(af, render.Ref(fs))
		tree = append(tree, named{a.Name, render.Ref(fs)})
	}
	sort.Slice(tree, func(i, j int) bool { return tree[i].name < tree[j].name })
	for _, t := range tree {
		names = append(names, render.TextString(t.name)+" "+t.ref)
	}
	title := cert.Title.In("en")
	if title == "" {
		title = "Certificate"
	}
	pw.Object(catalog, fmt.Sprintf("<</Type/Catalog/Pages %s/Names<</EmbeddedFiles<</Names[%s]>>>>/AF[%s]/Lang(zh-CN)/ViewerPreferences<</DisplayDocTitle true>>>>",
		render.Ref(d.pagesNum), strings.Join(names, " "), strings.Join(af, " ")))
	pw.Object(info, fmt.Sprintf("<</Title%s/Subject%s/Author%s/Keywords%s/Creator(ecertkit pdfseal.Render)/Producer(ecertkit)/CreationDate%s/ModDate%s>>",
		render.TextString(title+" "+cert.Number), render.TextString("Certificate No. "+cert.Number),
		render.TextString(cert.IssuingBody.Name.In("en")), render.TextString(string(cert.Scheme)+" "+cert.Number),
		render.LiteralString(modDate), render.LiteralString(modDate)))
	id := md5.Sum(canon)
	if err := pw.Finish(catalog, info, id[:]); err != nil {
		return fmt.Errorf("pdfseal: render: write: %w", err)
	}
	if opts.Logger != nil {
		opts.Logger.Debug("pdfseal: rendered", "number", cert.Number, "pages", len(d.pages),
			"bytes", pw.Len(), "duration", time.Since(start))
	}
	return nil
}

func (d *Document) missingErr() error {
	names := make([]string, len(d.fonts))
	for i, f := range d.fonts {
		names[i] = f.String()
	}
	return &MissingGlyphsError{Runes: d.missing, Fonts: names}
}

// cjkFont is the first font that has 中, else the first font.
func cjkFont(fonts []*Font) *Font {
	var buf sfnt.Buffer
	for _, f := range fonts {
		if f.f.GlyphIndex(&buf, '中') != 0 {
			return f
		}
	}
	return fonts[0]
}

func asciiName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '_'
		}
	}
	return string(b)
}

func pdfDate(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	t = t.UTC()
	return "D:" + t.Format("20060102150405") + "+00'00'"
}

// certStrings collects every string of the certificate that a layout may
// draw (all of them, keys of extensions aside).
func certStrings(c *ecert.Certificate) []string {
	var out []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).Name != "Extensions" { // not drawn
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Map:
			iter := v.MapRange()
			for iter.Next() {
				walk(iter.Value())
			}
		case reflect.String:
			out = append(out, v.String())
		}
	}
	walk(reflect.ValueOf(c))
	return out
}
