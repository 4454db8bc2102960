package pdfseal

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

// TestRenderPassesPDFCPUValidation: pdfcpu, an independent reader,
// validates Render's output. Relaxed mode: pdfcpu's strict mode rejects
// any catalog /AF ("PDF 2.0 associated files not supported") and the
// /AFRelationship of PDF/A-3 in a PDF 1.7 file.
func TestRenderPassesPDFCPUValidation(t *testing.T) {
	for _, name := range []string{"good_ccc.json", "good_sps_phyto.json"} {
		pdf := renderCert(t, loadCert(t, name), RenderOptions{Attachments: []Attachment{XMLAttachment([]byte("<x/>"))}})
		conf := pdfcpuConfig()
		if err := api.Validate(bytes.NewReader(pdf), conf); err != nil {
			t.Errorf("%s: pdfcpu validate: %v", name, err)
		}
	}
}

// tinyPDF is a one-page PDF with one associated file, written by hand:
// small seeds keep the fuzzer fast (it stalls on the 30 KB of a render).
func tinyPDF(t testing.TB, data []byte, compress bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := render.NewWriter(&buf)
	cat, pages, page, ef, fs := w.Alloc(), w.Alloc(), w.Alloc(), w.Alloc(), w.Alloc()
	w.Object(cat, fmt.Sprintf("<</Type/Catalog/Pages %s/Names<</EmbeddedFiles<</Names[(ecert.json) %s]>>>>/AF[%s]>>",
		render.Ref(pages), render.Ref(fs), render.Ref(fs)))
	w.Object(pages, fmt.Sprintf("<</Type/Pages/Kids[%s]/Count 1>>", render.Ref(page)))
	w.Object(page, fmt.Sprintf("<</Type/Page/Parent %s/MediaBox[0 0 100 100]>>", render.Ref(pages)))
	w.Stream(ef, "/Type/EmbeddedFile/Subtype/application#2Fjson", data, compress)
	w.Object(fs, fmt.Sprintf("<</Type/Filespec/F(ecert.json)/UF(ecert.json)/EF<</F %s>>/AFRelationship/Source>>", render.Ref(ef)))
	if err := w.Finish(cat, 0, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractTiny(t *testing.T) {
	canon, err := loadCert(t, "good_iso9001.json").Canonical()
	if err != nil {
		t.Fatal(err)
	}
	x, err := Extract(bytes.NewReader(tinyPDF(t, canon, true)), int64(len(tinyPDF(t, canon, true))))
	if err != nil || x.Certificate == nil || x.Certificate.Number != "00124Q31234R2M" {
		t.Fatalf("Extract = %+v, %v", x, err)
	}
	// Bad JSON in the attachment is a clear error.
	bad := tinyPDF(t, []byte(`{"number": 1}`), false)
	if _, err := Extract(bytes.NewReader(bad), int64(len(bad))); err == nil || !strings.Contains(err.Error(), "embedded ecert.json") {
		t.Errorf("bad JSON: err = %v", err)
	}
}

func FuzzExtract(f *testing.F) {
	canon, err := loadCert(f, "good_iso9001.json").Canonical()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tinyPDF(f, canon, true))
	f.Add(tinyPDF(f, canon, false))
	f.Add(tinyPDF(f, []byte("{}"), false))
	f.Add([]byte("%PDF-1.7\n1 0 obj<</Type/Catalog/AF[2 0 R]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := Extract(bytes.NewReader(data), int64(len(data)))
		if err == nil && x == nil {
			t.Fatal("nil result without an error")
		}
	})
}

// TestNoPDFCPUConfigDir: neither Render nor Extract creates pdfcpu's
// configuration directory (where pdfcpu would install fonts) behind the
// caller's back.
func TestNoPDFCPUConfigDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	c := loadCert(t, "good_sps_phyto.json")
	pdf := renderCert(t, c, RenderOptions{})
	if _, err := Extract(bytes.NewReader(pdf), int64(len(pdf))); err != nil {
		t.Fatal(err)
	}
	var found []string
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if path != home {
			found = append(found, path)
		}
		return nil
	})
	if len(found) > 0 {
		t.Errorf("files created under $HOME: %v", found)
	}
}

// TestExtractIncrementalUpdate: Extract reads a PDF that was updated
// after rendering, as sealing does.
func TestExtractIncrementalUpdate(t *testing.T) {
	c := loadCert(t, "good_iso9001.json")
	pdf := renderCert(t, c, RenderOptions{})
	size := regexp.MustCompile(`/Size (\d+)/Root (\d+) 0 R`).FindSubmatch(pdf)
	start := regexp.MustCompile(`startxref\n(\d+)`).FindSubmatch(pdf)
	if size == nil || start == nil {
		t.Fatal("no trailer")
	}
	n, _ := strconv.Atoi(string(size[1]))
	var upd bytes.Buffer
	upd.Write(pdf)
	off := upd.Len()
	fmt.Fprintf(&upd, "%d 0 obj\n<</Title(updated)>>\nendobj\n", n)
	xref := upd.Len()
	fmt.Fprintf(&upd, "xref\n%d 1\n%010d 00000 n \ntrailer\n<</Size %d/Root %s 0 R/Info %d 0 R/Prev %s>>\nstartxref\n%d\n%%%%EOF\n",
		n, off, n+1, size[2], n, start[1], xref)
	x, err := Extract(bytes.NewReader(upd.Bytes()), int64(upd.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, x.Certificate); diff != "" {
		t.Errorf("certificate (-in +out):\n%s", diff)
	}
	if out := tool(t, upd.Bytes(), "qpdf", "--check", "IN"); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check of the updated file:\n%s", out)
	}
}
