package cefact

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/google/go-cmp/cmp"
)

func goodSamples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(testtool.Testdata("good_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no good samples: %v", err)
	}
	return files
}

func readSample(t testing.TB, path string) *ecert.Certificate {
	t.Helper()
	f, err := os.Open(path)
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

func TestRoundTripGoodSamples(t *testing.T) {
	for _, path := range goodSamples(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			c := readSample(t, path)
			data, err := Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Unmarshal(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, doc.Certificate); diff != "" {
				t.Errorf("decode(encode(c)) differs (-want +got):\n%s", diff)
			}
			if len(doc.Unmapped) != 0 {
				t.Errorf("our own encoding has unmapped parts: %v", doc.Unmapped)
			}
			// The digest, which registries compare, survives too.
			d1, _ := c.Digest()
			d2, _ := doc.Certificate.Digest()
			if d1 != d2 {
				t.Errorf("digest changed: %s -> %s", d1, d2)
			}
		})
	}
}

// leaf is one leaf of a namespace-resolved tree: the path of
// {namespace}local[n] steps, and the value of an element's text or of an
// attribute (last step @{namespace}local).
type leaf struct{ path, value string }

// leaves lists the leaves of an XML document with encoding/xml's
// namespace resolution, independent of prefixes and declarations.
func leaves(t testing.TB, data []byte) map[leaf]int {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	type frame struct {
		path     string
		counts   map[string]int
		text     strings.Builder
		children bool
	}
	out := map[leaf]int{}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("leaves: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			name := "{" + x.Name.Space + "}" + x.Name.Local
			path := "/" + name
			if n := len(stack); n > 0 {
				top := stack[n-1]
				top.children = true
				top.counts[name]++
				path = fmt.Sprintf("%s/%s[%d]", top.path, name, top.counts[name])
			}
			for _, a := range x.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				out[leaf{path + "/@{" + a.Name.Space + "}" + a.Name.Local, a.Value}]++
			}
			stack = append(stack, &frame{path: path, counts: map[string]int{}})
		case xml.CharData:
			if n := len(stack); n > 0 {
				stack[n-1].text.Write(x)
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !top.children {
				out[leaf{top.path, top.text.String()}]++
			}
		}
	}
	return out
}

func sharedSamples(t testing.TB) []string {
	dir := testtool.Shared(t, "cefact/samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", dir, err)
	}
	return files
}

func TestDecodeSharedSamples(t *testing.T) {
	for _, path := range sharedSamples(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			x, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Unmarshal(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := doc.Certificate
			if c.Number == "" || c.Scheme == "" || c.IssueDate.IsZero() {
				t.Errorf("core fields not decoded: number %q scheme %q issued %v", c.Number, c.Scheme, c.IssueDate)
			}
			if c.Consignment == nil || len(c.Consignment.Items) == 0 {
				t.Errorf("consignment not decoded: %+v", c.Consignment)
			}
			y, err := Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			want, got := leaves(t, x), leaves(t, y)
			var missing []string
			for l, n := range want {
				if got[l] < n {
					missing = append(missing, fmt.Sprintf("%s = %.60q", l.path, l.value))
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("encode(decode(x)) lost %d leaves of x:\n%s", len(missing), strings.Join(missing, "\n"))
			}
			// Every reported leaf is a leaf of x, with its value.
			for _, u := range doc.Unmapped {
				l := leaf{resolveXPath(t, u.XPath), u.Value}
				if want[l] == 0 {
					t.Errorf("reported unmapped leaf %s = %.40q is not in the input", l.path, l.value)
				}
			}
			t.Logf("%d leaves, %d unmapped", len(want), len(doc.Unmapped))
			// And the decoded certificate decodes the same from its own encoding.
			doc2, err := Unmarshal(y, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, doc2.Certificate); diff != "" {
				t.Errorf("decode(encode(decode(x))) differs from decode(x) (-want +got):\n%s", diff)
			}
		})
	}
}

// resolveXPath turns an XPath of Unmapped into the {namespace}local[n]
// form of leaves.
func resolveXPath(t *testing.T, p string) string {
	steps, err := parseXPath(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	uris := map[string]string{"rsm": NSCertificate, "ram": NSRAM, "udt": NSUDT, "qdt": NSQDT, "ds": NSDSig, "xsi": NSXSI}
	var b strings.Builder
	for _, s := range steps {
		b.WriteByte('/')
		if s.attr {
			b.WriteByte('@')
		}
		uri := s.uri
		if uri == "" && s.space != "" {
			uri = uris[s.space]
		}
		b.WriteString("{" + uri + "}" + s.local)
		if s.index > 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
		}
	}
	return b.String()
}
