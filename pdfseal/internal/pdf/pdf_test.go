package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/google/go-cmp/cmp"
)

// minimalPDF builds a one-page PDF with a classic xref table.
func minimalPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
		"<< /Length 5 0 R >>\nstream\nBT ET\nendstream",
		"5",
	}
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<01020304><01020304>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

func open(t testing.TB, data []byte) *Reader {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

func TestParseObjects(t *testing.T) {
	tests := []struct {
		in   string
		want Object
	}{
		{"null", nil},
		{"true", Bool(true)},
		{"-12", Int(-12)},
		{"+.5", Real(0.5)},
		{"3.", Real(3)},
		{"(a\\(b\\)\\n\\101\\\r\nc)", String("a(b)\nAc")},
		{"(x(y)z)", String("x(y)z")},
		{"<48 65 6C6C6F7>", String("Hello" + "\x70")},
		{"/A#20B", Name("A B")},
		{"[1 2 0 R /N (s)]", Array{Int(1), Ref{Num: 2}, Name("N"), String("s")}},
		{"<< /K [1] /N null /D << /X 1.5 >> >>", Dict{"K": Array{Int(1)}, "D": Dict{"X": Real(1.5)}}},
		{"% comment\n 7 0 R", Ref{Num: 7}},
	}
	for _, tc := range tests {
		got, err := Parse([]byte(tc.in))
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	for _, in := range []string{"", "[1 2", "<< /A >>", "<zz>", "(abc", "<< 1 2 >>", "foo", deep, ")"} {
		_, err := Parse([]byte(in))
		if err == nil {
			t.Errorf("Parse(%.20q): no error", in)
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%.20q): error %T is not *Error", in, err)
		}
	}
	_, err := Parse([]byte(deep))
	if !errors.Is(err, ErrLimit) {
		t.Errorf("deep nesting: got %v, want ErrLimit", err)
	}
}

func TestReadTable(t *testing.T) {
	data := minimalPDF()
	r := open(t, data)
	if r.XrefKind() != XrefTable {
		t.Errorf("kind = %v", r.XrefKind())
	}
	pages, err := r.Pages()
	if err != nil || len(pages) != 1 || pages[0] != (Ref{Num: 3}) {
		t.Fatalf("Pages = %v, %v", pages, err)
	}
	mb, err := r.PageAttr(pages[0], "MediaBox")
	if err != nil || len(mb.(Array)) != 4 {
		t.Fatalf("MediaBox = %v, %v", mb, err)
	}
	o, err := r.Get(Ref{Num: 4})
	if err != nil {
		t.Fatal(err)
	}
	st := o.(*Stream)
	got, err := r.StreamData(st, 0)
	if err != nil || string(got) != "BT ET" {
		t.Fatalf("stream = %q, %v", got, err)
	}
	revs := r.Revisions()
	if len(revs) != 1 || revs[0].End != int64(len(data)) {
		t.Fatalf("revisions = %+v (size %d)", revs, len(data))
	}
}

func TestUpdateRoundTrip(t *testing.T) {
	for _, kind := range []string{"table", "stream"} {
		t.Run(kind, func(t *testing.T) {
			data := minimalPDF()
			if kind == "stream" {
				data = xrefStreamPDF(t)
			}
			r := open(t, data)
			cat, cref, err := r.Catalog()
			if err != nil {
				t.Fatal(err)
			}
			u := r.NewUpdate()
			sref := u.Add(&Stream{Dict: Dict{}, Data: []byte("xyz"), Offset: -1})
			n := u.Add(Dict{"Hello": String("wörld()"), "Data": sref})
			cat = cat.Clone()
			cat["Extra"] = n
			u.Set(cref, cat)
			w, err := u.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			out := append(append([]byte(nil), data...), w.Data...)
			r2 := open(t, out)
			if want := XrefTable; kind == "stream" {
				want = XrefStream
				if r2.XrefKind() != want {
					t.Errorf("kind = %v", r2.XrefKind())
				}
			} else if r2.XrefKind() != want {
				t.Errorf("kind = %v", r2.XrefKind())
			}
			cat2, _, err := r2.Catalog()
			if err != nil {
				t.Fatal(err)
			}
			d, err := r2.Dict(cat2["Extra"])
			if err != nil || d == nil {
				t.Fatalf("Extra = %v, %v", d, err)
			}
			if diff := cmp.Diff(String("wörld()"), d["Hello"]); diff != "" {
				t.Error(diff)
			}
			revs := r2.Revisions()
			if len(revs) < 2 || revs[0].End != int64(len(out)) || revs[1].End != int64(len(data)) {
				t.Errorf("revisions %+v; sizes %d %d", revs, len(data), len(out))
			}
			if p, err := r2.Pages(); err != nil || len(p) != 1 {
				t.Errorf("pages %v %v", p, err)
			}
			if qpdf, err := exec.LookPath("qpdf"); err == nil {
				f := filepath.Join(t.TempDir(), "u.pdf")
				os.WriteFile(f, out, 0o644)
				if o, err := exec.Command(qpdf, "--check", f).CombinedOutput(); err != nil {
					t.Errorf("qpdf --check: %v\n%s", err, o)
				}
			}
		})
	}
}

// xrefStreamPDF converts minimalPDF to object streams + xref stream with qpdf.
func xrefStreamPDF(t testing.TB) []byte {
	t.Helper()
	testtool.Need(t, "qpdf")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, minimalPDF(), 0o644)
	if o, err := exec.Command("qpdf", "--object-streams=generate", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, o)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHostile(t *testing.T) {
	base := minimalPDF()
	i := bytes.LastIndex(base, []byte("startxref"))
	x := bytes.Index(base, []byte("xref\n"))
	tests := map[string][]byte{
		"empty":         nil,
		"no header":     []byte("hello world, not a pdf at all"),
		"no startxref":  base[:i],
		"bad startxref": append(append([]byte(nil), base[:i]...), "startxref\n999999999\n%%EOF\n"...),
		"prev loop": append(append([]byte(nil), base[:x]...),
			fmt.Sprintf("xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 1 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", x, x)...),
		"huge subsection": append(append([]byte(nil), base[:x]...),
			fmt.Sprintf("xref\n0 999999999\ntrailer\n<<>>\nstartxref\n%d\n%%%%EOF\n", x)...),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(data), int64(len(data)), nil)
			var pe *Error
			if err == nil || !errors.As(err, &pe) {
				t.Fatalf("Open: %v, want *Error", err)
			}
		})
	}
	// A stream whose /Length lies: found by endstream.
	lying := bytes.Replace(base, []byte("5\nendobj"), []byte("9\nendobj"), 1)
	r := open(t, lying)
	o, err := r.Get(Ref{Num: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r.StreamData(o.(*Stream), 0); string(got) != "BT ET" {
		t.Errorf("lying length: %q", got)
	}
	// A Length that refers to its own stream: a cycle, not a hang.
	self := bytes.Replace(base, []byte("/Length 5 0 R"), []byte("/Length 4 0 R"), 1)
	r = open(t, self)
	if _, err := r.Get(Ref{Num: 4}); err != nil {
		t.Logf("self length: %v", err)
	}
	// Page tree cycle.
	cyc := bytes.Replace(base, []byte("/Kids [3 0 R]"), []byte("/Kids [2 0 R]"), 1)
	r = open(t, cyc)
	if _, err := r.Pages(); !errors.Is(err, ErrCycle) {
		t.Errorf("page cycle: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(minimalPDF())
	f.Add([]byte("%PDF-1.7\n1 0 obj<</Type/XRef/W[1 2 1]/Size 3/Length 3>>stream\nabc\nendstream\nendobj\nstartxref\n9\n%%EOF"))
	if b, err := os.ReadFile("testdata/xrefstream.pdf"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), int64(len(data)), &Options{Limits: Limits{MaxStreamSize: 1 << 20, MaxObjects: 10000}})
		if err != nil {
			return
		}
		for _, n := range r.ObjectNumbers() {
			o, err := r.Get(Ref{Num: n})
			if st, ok := o.(*Stream); ok && err == nil {
				r.StreamData(st, 1<<20)
			}
		}
		r.Pages()
		r.Revisions()
		if !r.Encrypted() {
			u := r.NewUpdate()
			u.Add(Dict{"A": Int(1)})
			u.Bytes()
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"<< /A [1 2 0 R (x) <41>] >>", "(\\101)", "/N#41", "[[[[", "1.5"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses must serialize and parse back to the same value.
		b, err := AppendObject(nil, o)
		if err != nil {
			return
		}
		o2, err := Parse(b)
		if err != nil {
			t.Fatalf("reparse %q: %v", b, err)
		}
		if diff := cmp.Diff(o, o2); diff != "" {
			t.Fatalf("round trip %q: %s", b, diff)
		}
	})
}

func TestInteropFiles(t *testing.T) {
	dir := testtool.Shared(t, "interop")
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := open(t, data)
			if _, err := r.Pages(); err != nil {
				t.Fatal(err)
			}
			revs := r.Revisions()
			if revs[0].End != int64(len(data)) {
				t.Errorf("newest revision ends at %d, file size %d", revs[0].End, len(data))
			}
			for _, n := range r.ObjectNumbers() {
				if _, err := r.Get(Ref{Num: n, Gen: 0}); err != nil {
					t.Errorf("object %d: %v", n, err)
				}
			}
		})
	}
}

// hybridPDF has a classic table whose trailer names an /XRefStm: object 6
// lives in object stream 7 and only the xref stream knows it.
func hybridPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	offs := map[int]int{}
	obj := func(n int, s string) {
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, s)
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R /Extra 6 0 R >>")
	obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>")
	obj(4, "<< /Length 5 >>\nstream\nBT ET\nendstream")
	inner := "<< /Hybrid true >>"
	hdr := "6 0 "
	obj(7, fmt.Sprintf("<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s%s\nendstream", len(hdr), len(hdr)+len(inner), hdr, inner))
	xs := []byte{2, 0, 7, 0}
	obj(8, fmt.Sprintf("<< /Type /XRef /Size 9 /W [1 2 1] /Index [6 1] /Length %d >>\nstream\n%s\nendstream", len(xs), xs))
	x := b.Len()
	b.WriteString("xref\n0 5\n0000000000 65535 f\r\n")
	for n := 1; n <= 4; n++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[n])
	}
	fmt.Fprintf(&b, "7 2\n%010d 00000 n\r\n%010d 00000 n\r\n", offs[7], offs[8])
	fmt.Fprintf(&b, "trailer\n<< /Size 9 /Root 1 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", offs[8], x)
	return b.Bytes()
}

func TestHybrid(t *testing.T) {
	data := hybridPDF()
	r := open(t, data)
	cat, cref, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.Dict(cat["Extra"])
	if err != nil || d["Hybrid"] != Bool(true) {
		t.Fatalf("object 6 through /XRefStm: %v, %v", d, err)
	}
	if r.XrefKind() != XrefTable {
		t.Errorf("kind %v", r.XrefKind())
	}
	u := r.NewUpdate()
	cat = cat.Clone()
	cat["New"] = Int(1)
	u.Set(cref, cat)
	w, err := u.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	r2 := open(t, append(append([]byte(nil), data...), w.Data...))
	cat2, _, _ := r2.Catalog()
	d2, err := r2.Dict(cat2["Extra"])
	if err != nil || d2["Hybrid"] != Bool(true) || cat2["New"] != Int(1) {
		t.Errorf("after an update: %v %v %v", cat2, d2, err)
	}
	if n := r2.ObjectNumbers(); len(n) != 7 {
		t.Errorf("objects %v", n)
	}
}
