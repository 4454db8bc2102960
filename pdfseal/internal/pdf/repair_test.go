package pdf

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sameObjects checks that rebuilt finds every object of want, equal.
func sameObjects(t *testing.T, want, rebuilt *Reader) {
	t.Helper()
	for _, n := range want.ObjectNumbers() {
		gen, _ := want.ObjectGen(n)
		w, werr := want.Get(Ref{Num: n, Gen: gen})
		g, gerr := rebuilt.Get(Ref{Num: n, Gen: gen})
		if werr != nil || gerr != nil {
			t.Errorf("object %d: %v / %v", n, werr, gerr)
			continue
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("object %d differs (-xref +rebuilt):\n%s", n, diff)
		}
	}
	if diff := cmp.Diff(want.Trailer()["Root"], rebuilt.Trailer()["Root"]); diff != "" {
		t.Errorf("/Root differs: %s", diff)
	}
}

func TestOpenRepair(t *testing.T) {
	samples := map[string][]byte{"minimal": minimalPDF(), "hybrid": hybridPDF()}
	if b, err := os.ReadFile("testdata/xrefstream.pdf"); err == nil {
		samples["xrefstream"] = b
	}
	startxref := regexp.MustCompile(`startxref\s+(\d+)`)
	for name, good := range samples {
		t.Run(name, func(t *testing.T) {
			want := open(t, good)
			// An intact file opens as with Open.
			r, err := OpenRepair(bytes.NewReader(good), int64(len(good)), nil)
			if err != nil || len(r.Revisions()) != len(want.Revisions()) || r.Revisions()[0].XrefOffset != want.Revisions()[0].XrefOffset {
				t.Fatalf("intact file: %v", err)
			}
			for what, bad := range map[string][]byte{
				"no startxref": startxref.ReplaceAll(good, []byte("startxrex 0")),
				"bad startxref": startxref.ReplaceAllFunc(good, func(m []byte) []byte {
					return []byte("startxref\n" + strings.Repeat("1", len(m)-len("startxref\n")))
				}),
			} {
				if _, err := Open(bytes.NewReader(bad), int64(len(bad)), nil); err == nil {
					t.Fatalf("%s: Open accepted it", what)
				}
				r, err := OpenRepair(bytes.NewReader(bad), int64(len(bad)), nil)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if revs := r.Revisions(); len(revs) != 1 || revs[0].XrefOffset != -1 {
					t.Errorf("%s: revisions %+v", what, revs)
				}
				sameObjects(t, want, r)
			}
		})
	}
}

func TestOpenRepairLaterDefinitionWins(t *testing.T) {
	// No xref at all; object 2 is defined twice (an update appended
	// without cross-reference data) and the catalog has no trailer.
	data := []byte("%PDF-1.7\n1 0 obj<</Type/Catalog/V 2 0 R>>endobj\n2 0 obj(old)endobj\n2 0 obj(new)endobj\n%%EOF\n")
	r, err := OpenRepair(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, _, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Resolve(cat["V"]); string(v.(String)) != "new" {
		t.Errorf("object 2 = %q, want the later definition", v)
	}
	// Neither a catalog nor a trailer: an error, Open's.
	for _, bad := range []string{"%PDF-1.7\n1 0 obj<</A 1>>endobj\n", "%PDF-1.7\ngarbage", "garbage, no header 1 0 obj<</Type/Catalog>>endobj"} {
		if _, err := OpenRepair(strings.NewReader(bad), int64(len(bad)), nil); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzOpenRepair(f *testing.F) {
	f.Add(minimalPDF())
	f.Add(hybridPDF())
	f.Add([]byte("%PDF-1.7\n1 0 obj<</Type/Catalog/AF[2 0 R]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Add([]byte("%PDF-1.7\n7 0 obj<</Type/ObjStm/N 1/First 4/Length 15>>stream\n6 0 <</A 1>>\nendstream endobj 8 0 obj<</Type/Catalog>>endobj"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenRepair(bytes.NewReader(data), int64(len(data)), &Options{Limits: Limits{MaxStreamSize: 1 << 20, MaxObjects: 10000}})
		if err != nil {
			return
		}
		for _, n := range r.ObjectNumbers() {
			r.Get(Ref{Num: n})
		}
		r.Catalog()
		r.Pages()
	})
}

// TestEndstreamSearchLinear: streams whose /Length is wrong make the
// reader search for "endstream"; over many of them (hostile input, or a
// damaged file being rebuilt) the file is scanned about once, not once per
// stream.
func TestEndstreamSearchLinear(t *testing.T) {
	for name, tail := range map[string]string{"none": "", "one at the end": "endstream\n"} {
		var b bytes.Buffer
		b.WriteString("%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n")
		const n = 2000
		for i := 2; i < n; i++ {
			fmt.Fprintf(&b, "%d 0 obj<</Length 99999>>stream\n%s\n", i, strings.Repeat("x", 200))
		}
		b.WriteString(tail)
		data := b.Bytes()
		r, err := OpenRepair(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := 2; i < n; i++ {
			r.Get(Ref{Num: i})
		}
		if max := 3 * int64(len(data)); r.searched > max {
			t.Errorf("%s: searched %d bytes for endstream in a %d-byte file", name, r.searched, len(data))
		}
	}
}
