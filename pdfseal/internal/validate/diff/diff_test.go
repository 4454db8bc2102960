package diff

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/google/go-cmp/cmp"
)

// build writes a PDF revision: objects (number -> body) with a classic
// xref section; prev is the previous startxref (or -1 for none).
func build(base []byte, objs map[int]string, free []int, prev int) ([]byte, int) {
	b := bytes.NewBuffer(bytes.Clone(base))
	if base == nil {
		b.WriteString("%PDF-1.7\n")
	}
	var nums []int
	for n := range objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	offs := map[int]int{}
	for _, n := range nums {
		offs[n] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	x := b.Len()
	b.WriteString("xref\n")
	if prev < 0 {
		b.WriteString("0 1\n0000000000 65535 f \n")
	}
	for _, n := range free {
		fmt.Fprintf(b, "%d 1\n0000000000 00001 f \n", n)
	}
	for _, n := range nums {
		fmt.Fprintf(b, "%d 1\n%010d 00000 n \n", n, offs[n])
	}
	fmt.Fprintf(b, "trailer\n<< /Size 40 /Root 1 0 R /Info 9 0 R")
	if prev >= 0 {
		fmt.Fprintf(b, " /Prev %d", prev)
	}
	fmt.Fprintf(b, " >>\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes(), x
}

// base is a one-page document with a text field, a read-only field, and
// a page annotation array that names object 30, which is undefined.
var baseObjs = map[int]string{
	1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
	2:  "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	3:  "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X1 10 0 R >> >> /Annots [7 0 R 8 0 R 30 0 R] >>",
	4:  "<< /Length 8 >>\nstream\nBT ET q Q\nendstream",
	5:  "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	6:  "<< /Fields [7 0 R 8 0 R] >>",
	7:  "<< /FT /Tx /T (name) /V (Alice) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] /P 3 0 R >>",
	8:  "<< /FT /Tx /T (number) /Ff 1 /V (42) /Type /Annot /Subtype /Widget /Rect [100 650 300 670] /P 3 0 R >>",
	9:  "<< /Producer (test) >>",
	10: "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 0 >>\nstream\n\nendstream",
}

func revise(t *testing.T, objs map[int]string, free ...int) []Change {
	t.Helper()
	old, x := build(nil, baseObjs, nil, -1)
	cur, _ := build(old, objs, free, x)
	ro, err := pdf.Open(bytes.NewReader(old), int64(len(old)), nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := pdf.Open(bytes.NewReader(cur), int64(len(cur)), nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Revision(ro, rc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestRevision(t *testing.T) {
	tests := []struct {
		name   string
		objs   map[int]string
		free   []int
		class  Class
		covers bool
		says   string
	}{
		{"nothing", map[int]string{5: baseObjs[5]}, nil, None, false, ""},
		{"info", map[int]string{9: "<< /Producer (other) >>"}, nil, None, false, "document information updated"},
		{"content replaced", map[int]string{4: "<< /Length 5 >>\nstream\nBT ET\nendstream"}, nil, Other, false, "page 1: content stream (object 4) was changed"},
		{"font replaced", map[int]string{5: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"}, nil, Other, false, "page 1: font /F1 (object 5) was changed"},
		{"xobject replaced", map[int]string{10: "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length 3 >>\nstream\n0 g\nendstream"}, nil, Other, false, "page 1: XObject /X1 (object 10) was changed"},
		{"content deleted", nil, []int{4}, Other, false, "page 1: content stream (object 4) was deleted"},
		{"dangling reference defined", map[int]string{30: "<< /Type /Annot /Subtype /Square /Rect [0 0 595 842] >>"}, nil, Other, false, "object 30, referenced by the signed revision but undefined there, is now defined"},
		{"page resources", map[int]string{3: strings.Replace(baseObjs[3], "/F1 5 0 R", "/F1 5 0 R /F2 5 0 R", 1)}, nil, Other, false, "page 1: /Resources changed"},
		{"form filled", map[int]string{7: strings.Replace(baseObjs[7], "(Alice)", "(Bob) /AP << /N 11 0 R >>", 1),
			11: "<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Length 0 >>\nstream\n\nendstream"}, nil, FormFilling, false, "value filled in"},
		{"read-only field changed", map[int]string{8: strings.Replace(baseObjs[8], "(42)", "(43)", 1)}, nil, Other, false, "read-only"},
		{"field moved", map[int]string{7: strings.Replace(baseObjs[7], "[100 700 300 720]", "[100 100 300 120]", 1)}, nil, Other, false, "/Rect changed"},
		{"sticky note added", map[int]string{3: strings.Replace(baseObjs[3], "30 0 R]", "30 0 R 12 0 R]", 1),
			12: "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (note) >>"}, nil, Annotation, false, "Text annotation was added"},
		{"square annotation added", map[int]string{3: strings.Replace(baseObjs[3], "30 0 R]", "30 0 R 12 0 R]", 1),
			12: "<< /Type /Annot /Subtype /Square /Rect [50 50 500 800] >>"}, nil, Annotation, true, "covers page content"},
		{"signature added", map[int]string{6: "<< /Fields [7 0 R 8 0 R 12 0 R] /SigFlags 3 >>", 3: strings.Replace(baseObjs[3], "30 0 R]", "30 0 R 12 0 R]", 1),
			12: "<< /FT /Sig /T (Seal) /V 13 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P 3 0 R >>",
			13: "<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00> >>"}, nil, Signature, false, "a signature (field \"Seal\") was added"},
		{"document timestamp and DSS", map[int]string{1: "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /DSS 14 0 R >>", 14: "<< /Certs [] >>",
			6: "<< /Fields [7 0 R 8 0 R 12 0 R] /SigFlags 3 >>", 3: strings.Replace(baseObjs[3], "30 0 R]", "30 0 R 12 0 R]", 1),
			12: "<< /FT /Sig /T (TS) /V 13 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>",
			13: "<< /Type /DocTimeStamp /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <00> >>"}, nil, DSS, false, "a document timestamp"},
		{"harmless updates", map[int]string{1: "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /Version /2.0 >>", 6: "<< /Fields [7 0 R 8 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >>",
			3: strings.Replace(baseObjs[3], "/Type /Page", "/Type /Page /Tabs /S", 1)}, nil, None, false, "tab order set"},
		{"catalog open action", map[int]string{1: "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /OpenAction << /S /JavaScript /JS (x) >> >>"}, nil, Other, false, "document catalog: /OpenAction changed"},
		{"catalog replaced by a non-catalog", map[int]string{1: "<< /Type /Pages >>"}, nil, Other, false, "document catalog"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch := revise(t, tc.objs, tc.free...)
			worst := None
			covers := false
			var whats []string
			for _, c := range ch {
				worst = max(worst, c.Class)
				covers = covers || c.Covers
				whats = append(whats, c.What)
			}
			if worst != tc.class || covers != tc.covers {
				t.Errorf("class %v covers %v, want %v %v: %q", worst, covers, tc.class, tc.covers, whats)
			}
			if tc.says != "" && !strings.Contains(strings.Join(whats, "\n"), tc.says) {
				t.Errorf("changes %q do not say %q", whats, tc.says)
			}
		})
	}
}

func TestPermitted(t *testing.T) {
	type row struct{ P0, P1, P2, P3 bool }
	got := map[string]row{}
	for _, c := range []Change{{Class: None}, {Class: DSS}, {Class: Signature}, {Class: FormFilling}, {Class: Annotation}, {Class: Annotation, Covers: true}, {Class: Signature, Covers: true}, {Class: Other}} {
		k := c.Class.String()
		if c.Covers {
			k += " covering"
		}
		got[k] = row{Permitted(c, 0), Permitted(c, 1), Permitted(c, 2), Permitted(c, 3)}
	}
	want := map[string]row{
		"none":                 {true, true, true, true},
		"DSS or timestamps":    {true, true, true, true},
		"signatures":           {true, false, true, true},
		"form filling":         {false, false, true, true},
		"annotations":          {false, false, false, true},
		"annotations covering": {false, false, false, false},
		"signatures covering":  {false, false, false, false},
		"other":                {false, false, false, false},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("permissions (-want +got):\n%s", d)
	}
}

func TestLabels(t *testing.T) {
	old, _ := build(nil, baseObjs, nil, -1)
	r, err := pdf.Open(bytes.NewReader(old), int64(len(old)), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := Labels(r, []int{4, 5, 7, 10, 99})
	want := map[int]string{4: "page 1: content stream", 5: "page 1: font /F1", 7: `page 1: form field "name"`, 10: "page 1: XObject /X1"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
}
