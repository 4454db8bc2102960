package pdfseal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// extractPDFCPU is Extract as it was written over pdfcpu (v0.15.0) before
// Extract moved to pdfseal's own reader (so that verification, which may
// call Extract, does not link pdfcpu). It is kept, unchanged, as the
// reference that TestExtractSameAsPDFCPU compares Extract with. pdfcpu's configuration directory is neither read
// nor written.
func extractPDFCPU(r io.ReaderAt, size int64) (x *Extracted, err error) {
	// pdfcpu is a large parser of untrusted input: a panic in it must not
	// take the caller down.
	defer func() {
		if p := recover(); p != nil {
			x, err = nil, &ExtractError{fmt.Errorf("malformed PDF (parser panic: %v)", p)}
		}
	}()
	ctx, err := api.ReadContext(io.NewSectionReader(r, 0, size), pdfcpuConfig())
	if err != nil {
		return nil, &ExtractError{fmt.Errorf("read PDF: %w", err)}
	}
	ex := &pdfcpuExtractor{ctx: ctx, seen: map[int]int{}}
	cat, err := ctx.Catalog()
	if err != nil {
		return nil, &ExtractError{fmt.Errorf("catalog: %w", err)}
	}
	if af, err := ctx.DereferenceArray(cat["AF"]); err == nil {
		for _, o := range af {
			if err := ex.filespec(o, true); err != nil {
				return nil, &ExtractError{err}
			}
		}
	}
	if names, err := ctx.DereferenceDict(cat["Names"]); err == nil && names != nil {
		if ef, err := ctx.DereferenceDict(names["EmbeddedFiles"]); err == nil && ef != nil {
			if err := ex.tree(ef, 0); err != nil {
				return nil, &ExtractError{err}
			}
		}
	}
	out := &Extracted{Files: ex.files}
	f := out.File(CertificateFileName)
	if f == nil {
		for i := range out.Files {
			if out.Files[i].MIMEType == "application/json" {
				f = &out.Files[i]
				break
			}
		}
	}
	if f != nil {
		c, err := ecert.Unmarshal(f.Data)
		if err != nil {
			return nil, &ExtractError{fmt.Errorf("embedded %s: %w", f.Name, err)}
		}
		out.Certificate = c
	}
	return out, nil
}

// pdfcpuConfig is a pdfcpu configuration made here, not loaded from (or
// installed into) pdfcpu's configuration directory.
func pdfcpuConfig() *model.Configuration {
	lim := model.DefaultResourceLimits()
	lim.MaxDecodeBytes = 256 << 20
	lim.MaxStreamBytes = 256 << 20
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Limits:                    lim,
		Offline:                   true,
	}
}

type pdfcpuExtractor struct {
	ctx   *model.Context
	files []EmbeddedFile
	seen  map[int]int // file spec object number -> index in files
}

func (x *pdfcpuExtractor) tree(d types.Dict, depth int) error {
	if depth > maxNameTreeDepth {
		return errors.New("EmbeddedFiles name tree too deep")
	}
	if names, err := x.ctx.DereferenceArray(d["Names"]); err == nil {
		for i := 1; i < len(names); i += 2 {
			if err := x.filespec(names[i], false); err != nil {
				return err
			}
		}
	}
	kids, err := x.ctx.DereferenceArray(d["Kids"])
	if err != nil {
		return nil
	}
	for _, k := range kids {
		kd, err := x.ctx.DereferenceDict(k)
		if err != nil || kd == nil {
			continue
		}
		if err := x.tree(kd, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (x *pdfcpuExtractor) filespec(o types.Object, associated bool) error {
	if ref, ok := o.(types.IndirectRef); ok {
		if i, dup := x.seen[ref.ObjectNumber.Value()]; dup {
			x.files[i].Associated = x.files[i].Associated || associated
			return nil
		}
		defer func(n int) { x.seen[n] = len(x.files) - 1 }(ref.ObjectNumber.Value())
	}
	fs, err := x.ctx.DereferenceDict(o)
	if err != nil || fs == nil {
		return nil // not a file spec: ignore
	}
	if len(x.files) >= maxEmbeddedFiles {
		return fmt.Errorf("more than %d embedded files", maxEmbeddedFiles)
	}
	f := EmbeddedFile{Associated: associated}
	f.Name = x.text(fs["UF"])
	if f.Name == "" {
		f.Name = x.text(fs["F"])
	}
	f.Description = x.text(fs["Desc"])
	if n, err := x.ctx.DereferenceName(fs["AFRelationship"], model.V10, nil); err == nil {
		f.Relationship = AFRelationship(n.Value())
	}
	ef, err := x.ctx.DereferenceDict(fs["EF"])
	if err != nil || ef == nil {
		return fmt.Errorf("file spec %q has no embedded file", f.Name)
	}
	so := ef["UF"]
	if so == nil {
		so = ef["F"]
	}
	sd, _, err := x.ctx.DereferenceStreamDict(so)
	if err != nil || sd == nil {
		return fmt.Errorf("embedded file %q: bad stream: %v", f.Name, err)
	}
	if n := sd.NameEntry("Subtype"); n != nil {
		f.MIMEType = *n
	}
	if err := sd.DecodeWithLimit(maxEmbeddedFileSize); err != nil {
		return fmt.Errorf("embedded file %q: %w", f.Name, err)
	}
	f.Data = bytes.Clone(sd.Content)
	x.files = append(x.files, f)
	return nil
}

func (x *pdfcpuExtractor) text(o types.Object) string {
	s, err := x.ctx.DereferenceStringOrHexLiteral(o, model.V10, nil)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// extractCorpus is every PDF the tests have at hand that Extract may meet:
// the verification samples, the shared interop and attack files, rendered
// certificates (with attachments, incrementally updated, sealed) and hand
// written files with name trees, text encodings and odd file specs.
func extractCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	corpus := map[string][]byte{}
	for _, root := range []string{"testdata", filepath.Join("internal", "pdf", "testdata"), filepath.Join("..", "..", "shared", "interop"), filepath.Join("..", "..", "shared", "attacks")} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".pdf") {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				corpus[path] = b
			}
			return nil
		})
	}
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><x/>`)
	for _, name := range []string{"good_ccc.json", "good_iso9001.json", "good_sps_phyto.json"} {
		pdf := renderCert(t, loadCert(t, name), RenderOptions{Attachments: []Attachment{XMLAttachment(xml)}})
		corpus["render/"+name] = pdf
		corpus["sealed/"+name] = sealBytes(t, pdf, newSealFixture(t, testpki.Options{}).signer(), SealOptions{})
	}
	canon, err := loadCert(t, "good_iso9001.json").Canonical()
	if err != nil {
		t.Fatal(err)
	}
	corpus["tiny/flate"] = tinyPDF(t, canon, true)
	corpus["tiny/plain"] = tinyPDF(t, canon, false)
	corpus["tiny/badjson"] = tinyPDF(t, []byte(`{"number": 1}`), false)
	corpus["garbage"] = []byte("%PDF-1.7\ngarbage")
	corpus["no-root-object"] = []byte("%PDF-1.7\n1 0 obj<</Type/Catalog/AF[2 0 R]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF")
	// Name tree with kids, text strings in UTF-16BE, UTF-8 and
	// PDFDocEncoding, a file both associated and in the tree, a file spec
	// without /EF, a non-dictionary entry, MIME types with #xx escapes.
	hand := func(objs ...string) []byte {
		var buf bytes.Buffer
		w := render.NewWriter(&buf)
		nums := make([]int, len(objs))
		for i := range objs {
			nums[i] = w.Alloc()
		}
		for i, o := range objs {
			w.Object(nums[i], o)
		}
		if err := w.Finish(nums[0], 0, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	// Objects are numbered from 1 in the order given.
	corpus["hand/tree"] = hand(
		"<</Type/Catalog/Pages 2 0 R/Names<</EmbeddedFiles 4 0 R>>/AF[6 0 R 99 0 R]>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>",
		"<</Kids[5 0 R 10 0 R]>>",
		"<</Names[(a) 6 0 R (b) 8 0 R (c) 12 0 R (d) 3 0 R (e) 6 0 R]/Limits[(a)(e)]>>",
		"<</Type/Filespec/F(plain.txt)/UF<FEFF00E9007400E9002E0074007800740020>/Desc(caf\xe9 \x80 \x18 \x9f)/EF<</F 7 0 R>>/AFRelationship/Data>>",
		"<</Type/EmbeddedFile/Subtype/text#2Fplain/Length 5>>stream\nhello\nendstream",
		"<</Type/Filespec/F(\xef\xbb\xbfutf8 \xc3\xa9.json)/EF<</UF 9 0 R>>/Desc<48656C6C6F>>>",
		"<</Type/EmbeddedFile/Subtype/application#2Fjson/Length 2>>stream\n{}\nendstream",
		"<</Names[(f) 11 0 R]>>",
		"<</Type/Filespec/F(deep.bin)/EF<</F 13 0 R>>/AFRelationship 14 0 R>>",
		"<</Type/Filespec/F(noef)>>",
		"<</Length 3/Filter/ASCIIHexDecode>>stream\n414>\nendstream",
		"/Supplement",
	)
	corpus["hand/noef-in-af"] = hand(
		"<</Type/Catalog/Pages 2 0 R/AF[4 0 R]>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>",
		"<</Type/Filespec/F(x)>>",
	)
	corpus["hand/bad-utf16"] = hand(
		"<</Type/Catalog/Pages 2 0 R/AF[4 0 R 6 0 R]>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>",
		"<</Type/Filespec/UF<FEFFDC00>/F(fallback)/EF<</F 5 0 R>>>>",
		"<</Length 1>>stream\nx\nendstream",
		"<</Type/Filespec/UF<FEFFD83DDE00>/Desc<FEFF00>/EF<</F 5 0 R>>>>",
	)
	return corpus
}

// TestExtractSameAsPDFCPU: Extract, over pdfseal's reader, finds exactly
// what the pdfcpu implementation it replaced found, on every sample.
func TestExtractSameAsPDFCPU(t *testing.T) {
	corpus := extractCorpus(t)
	if len(corpus) < 40 {
		t.Fatalf("only %d samples", len(corpus))
	}
	withFiles := 0
	for name, b := range corpus {
		got, gerr := Extract(bytes.NewReader(b), int64(len(b)))
		want, werr := extractPDFCPU(bytes.NewReader(b), int64(len(b)))
		if (gerr != nil) != (werr != nil) {
			t.Errorf("%s: Extract error %v, pdfcpu error %v", name, gerr, werr)
			continue
		}
		if gerr != nil {
			continue
		}
		if len(want.Files) > 0 {
			withFiles++
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Extract differs from pdfcpu (-pdfcpu +Extract):\n%s", name, diff)
		}
	}
	if withFiles < 8 {
		t.Errorf("only %d samples with embedded files", withFiles)
	}
}
