package xmltok

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/google/go-cmp/cmp"
)

// tokens reads src to the end and returns its tokens, one line each.
func tokens(src string, opts Options) ([]string, error) {
	tk := New(src, opts)
	var out []string
	for {
		tok, err := tk.Next()
		if err != nil {
			if _, ok := err.(*Error); !ok {
				return out, fmt.Errorf("error %T is not an *Error: %v", err, err)
			}
			return out, err
		}
		switch tok.Kind {
		case EOF:
			return out, nil
		case StartElement:
			s := fmt.Sprintf("start {%s}%s", tok.Name.Space, tok.Name.Local)
			for _, a := range tok.Attr {
				s += fmt.Sprintf(" {%s}%s=%q", a.Name.Space, a.Name.Local, a.Value)
			}
			out = append(out, s)
		case EndElement:
			out = append(out, fmt.Sprintf("end {%s}%s", tok.Name.Space, tok.Name.Local))
		case CharData:
			out = append(out, fmt.Sprintf("text %q", tok.Text))
		}
	}
}

// reference tokenizes src with encoding/xml in strict mode, with the
// namespace, structure and limit rules cefact applied on top of it before
// this package existed. The tokenizer must agree with it, apart from the
// deliberate differences in the package documentation.
func reference(src string, opts Options) ([]string, error) {
	data := bytes.TrimPrefix([]byte(src), []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, ErrInvalidUTF8
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	type scope struct{ prefix, uri string }
	var scopes []scope
	for p, u := range opts.Implicit {
		scopes = append(scopes, scope{p, u})
	}
	lookup := func(prefix string) (string, bool) {
		if prefix == "xml" {
			return NSXML, true
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if scopes[i].prefix == prefix {
				return scopes[i].uri, true
			}
		}
		return "", prefix == ""
	}
	good := func(n xml.Name) bool {
		return n.Local != "" && !strings.Contains(n.Local, ":") && (n.Space == "" || !strings.Contains(n.Space, ":"))
	}
	type frame struct {
		raw    xml.Name
		name   string
		scopes int
	}
	var stack []frame
	var out []string
	elems, seenRoot := 0, false
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && seenRoot && !opts.Fragment {
				return out, errors.New("two roots")
			}
			seenRoot = true
			if opts.MaxDepth > 0 && len(stack) >= opts.MaxDepth {
				return out, ErrTooDeep
			}
			elems++
			if opts.MaxElements > 0 && elems > opts.MaxElements {
				return out, ErrTooManyElements
			}
			if !good(t.Name) {
				return out, errors.New("bad name")
			}
			sd := len(scopes)
			for _, a := range t.Attr {
				if !good(a.Name) {
					return out, errors.New("bad attribute name")
				}
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					scopes = append(scopes, scope{"", a.Value})
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return out, errors.New("empty namespace")
					}
					scopes = append(scopes, scope{a.Name.Local, a.Value})
				}
			}
			uri, ok := lookup(t.Name.Space)
			if !ok {
				return out, errors.New("unbound element prefix")
			}
			name := fmt.Sprintf("{%s}%s", uri, t.Name.Local)
			s := "start " + name
			seen := map[xml.Name]bool{}
			for _, a := range t.Attr {
				if (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xmlns" {
					continue
				}
				n := xml.Name{Local: a.Name.Local}
				if a.Name.Space != "" {
					if n.Space, ok = lookup(a.Name.Space); !ok {
						return out, errors.New("unbound attribute prefix")
					}
				}
				if seen[n] {
					return out, errors.New("duplicate attribute")
				}
				seen[n] = true
				s += fmt.Sprintf(" {%s}%s=%q", n.Space, n.Local, a.Value)
			}
			out = append(out, s)
			stack = append(stack, frame{t.Name, name, sd})
		case xml.EndElement:
			if len(stack) == 0 {
				return out, errors.New("unexpected end tag")
			}
			f := stack[len(stack)-1]
			if f.raw != t.Name {
				return out, errors.New("end tag does not match")
			}
			out = append(out, "end "+f.name)
			scopes = scopes[:f.scopes]
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.Trim(t, " \t\r\n")) > 0 {
					return out, errors.New("text outside the root")
				}
				continue
			}
			out = append(out, fmt.Sprintf("text %q", string(t)))
		case xml.Directive:
			return out, ErrDTD
		case xml.ProcInst:
			if t.Target == "xml" {
				if seenRoot {
					return out, errors.New("XML declaration after the start")
				}
				if enc := procInstParam(string(t.Inst), "encoding"); enc != "" && !strings.EqualFold(enc, "utf-8") {
					return out, errors.New("not UTF-8")
				}
			}
		}
	}
	if len(stack) != 0 {
		return out, errors.New("unexpected EOF")
	}
	if !seenRoot && !opts.Fragment {
		return out, errors.New("no root")
	}
	return out, nil
}

// surrogateRef reports whether s holds a numeric character reference to a
// surrogate, which encoding/xml turns into U+FFFD and this package refuses.
func surrogateRef(s string) bool {
	for {
		i := strings.Index(s, "&#")
		if i < 0 {
			return false
		}
		s = s[i+2:]
		j := strings.IndexByte(s, ';')
		if j < 0 {
			return false
		}
		digits, base := s[:j], 10
		if strings.HasPrefix(digits, "x") {
			digits, base = digits[1:], 16
		}
		if n, err := strconv.ParseUint(digits, base, 64); err == nil && n >= 0xD800 && n <= 0xDFFF {
			return true
		}
	}
}

func FuzzTokenizer(f *testing.F) {
	for _, tt := range tokenTests {
		f.Add(tt.in)
	}
	for _, s := range errorTests {
		f.Add(s)
	}
	files, _ := filepath.Glob(filepath.Join(testtool.Root(), "..", "shared", "cefact", "samples", "*.xml"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		opts := Options{MaxDepth: 64, MaxElements: 10000}
		got, err := tokens(src, opts)
		want, werr := reference(src, opts)
		switch {
		case werr != nil && err == nil:
			t.Fatalf("accepted what the reference refuses (%v):\n%q\n%s", werr, src, strings.Join(got, "\n"))
		case werr == nil && err != nil:
			if surrogateRef(src) {
				return // documented difference
			}
			t.Fatalf("refused what the reference accepts: %v\n%q\n%s", err, src, strings.Join(want, "\n"))
		case werr == nil:
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("tokens differ from the reference (-want +got):\n%s\ninput %q", d, src)
			}
		default:
			for _, e := range []error{ErrDTD, ErrInvalidUTF8, ErrTooDeep, ErrTooManyElements} {
				if errors.Is(werr, e) && !errors.Is(err, e) && !errors.Is(err, ErrInvalidUTF8) && !errors.Is(err, ErrDTD) {
					t.Fatalf("error %v, reference %v\n%q", err, werr, src)
				}
			}
		}
	})
}

var tokenTests = []struct {
	in   string
	want []string
}{
	{`<a/>`, []string{"start {}a", "end {}a"}},
	{"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n<!-- c --><a>x</a>\n<?pi x?>\n", []string{"start {}a", `text "x"`, "end {}a"}},
	{`<p:a xmlns:p="u" xmlns="d"><b p:x="1" y="2"/><p:c xmlns:p="v"/></p:a>`, []string{
		"start {u}a", `start {d}b {u}x="1" {}y="2"`, "end {d}b", "start {v}c", "end {v}c", "end {u}a"}},
	{`<a xmlns="d"><b xmlns=""/></a>`, []string{"start {d}a", "start {}b", "end {}b", "end {d}a"}},
	{`<a xml:lang="en"/>`, []string{`start {}a {http://www.w3.org/XML/1998/namespace}lang="en"`, "end {}a"}},
	// the five entities, decimal and hexadecimal references, astral planes
	{`<a t="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#X43;</a>`, nil},
	{`<a t="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;&#0000065;</a>`, []string{
		`start {}a {}t="<>&'\""`, `text "<>&'\"AB😀A"`, "end {}a"}},
	// line ends: CR LF and CR become LF, &#xD; stays a CR
	{"<a t='1\r\n2\r3\t4\n5'>x\r\ny\rz&#xD;\n</a>", []string{"start {}a {}t=\"1\\n2\\n3\\t4\\n5\"", `text "x\ny\nz\r\n"`, "end {}a"}},
	// CDATA and comments split text, as in encoding/xml
	{"<a>x<![CDATA[<y>&amp;]]]>z<!--c-->w</a>", []string{"start {}a", `text "x"`, `text "<y>&amp;]"`, `text "z"`, `text "w"`, "end {}a"}},
	{"<a>]]&gt; ] ]] &#93;]></a>", []string{"start {}a", `text "]]> ] ]] ]]>"`, "end {}a"}},
	{`<a x="1"y='"'/>`, []string{`start {}a {}x="1" {}y="\""`, "end {}a"}},
	{"<a >\n<b\t/></a\n>", []string{"start {}a", `text "\n"`, "start {}b", "end {}b", "end {}a"}},
	{"<é·b xmlns:ü='u'><ü:c/></é·b>", []string{"start {}é·b", "start {u}c", "end {u}c", "end {}é·b"}},
	{"<a>\uFFFD\U0010FFFF</a>", []string{"start {}a", "text " + strconv.Quote("\uFFFD\U0010FFFF"), "end {}a"}},
	{" \n<a/>&#32;<![CDATA[ ]]>", []string{"start {}a", "end {}a"}},
	{"<!---->\n<!-- - --><a/>", []string{"start {}a", "end {}a"}},
}

func TestTokens(t *testing.T) {
	for _, tt := range tokenTests {
		got, err := tokens(tt.in, Options{})
		want, werr := reference(tt.in, Options{})
		if tt.want == nil {
			if err == nil || werr == nil {
				t.Errorf("%q: want an error, got %v (reference %v)", tt.in, err, werr)
			}
			continue
		}
		if err != nil || werr != nil {
			t.Errorf("%q: %v (reference %v)", tt.in, err, werr)
			continue
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, d)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q differs from encoding/xml (-want +got):\n%s", tt.in, d)
		}
	}
}

// errorTests must fail, in the tokenizer and in the reference (except the
// deliberate differences at the end).
var errorTests = []string{
	``, ` `, `<!-- only a comment -->`, `<a>`, `<a></b>`, `</a>`, `<a/><b/>`, `<a/>x`, `x<a/>`,
	`<a`, `<a x`, `<a x=`, `<a x="1`, `<a x=1/>`, `<a x/>`, `<a x="1" x="2"/>`, `<a/ >`, `< a/>`, `<a></ a>`, `<a></a`,
	`<1a/>`, `<-a/>`, `<a:b:c/>`, `<:a/>`, `<a:/>`, `<p:a/>`, `<a p:x="1"/>`, `<a xmlns:p=""/>`,
	`<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`,
	`<a>&lt</a>`, `<a>&foo;</a>`, `<a>&;</a>`, `<a>&#;</a>`, `<a>&#x;</a>`, `<a>&#12a;</a>`, `<a>&#0;</a>`, `<a>&#x110000;</a>`,
	`<a>&#xFFFE;</a>`, `<a>&#99999999999;</a>`, `<a>&#x 41;</a>`, `<a x="&foo;"/>`, `<a x="<"/>`,
	"<a>\x00</a>", "<a>\x1f</a>", "<a x='\x01'/>", "<a>\uFFFE</a>", "<a>\uFFFF</a>", "<a><![CDATA[\x02]]></a>",
	`<a>]]></a>`, `<a><![CDATA[x</a>`, `<a><![CDAT[x]]></a>`, `<a><!- x --></a>`, `<a><!-- x -- y --></a>`, `<a><!-- x`,
	`<?xml version="1.1"?><a/>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, `<a><?xml version="1.0"?></a>`,
	`<? x?><a/>`, `<?x`, `<a/><!`, `<a/><![`, `<a/><!-`,
	`<!DOCTYPE a><a/>`, `<a><!ENTITY x "y"></a>`, `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
	"<a>\xff</a>", "<a>\xed\xa0\x80</a>",
	// deliberate differences: encoding/xml accepts these
	`<a>&#xD800;</a>`, `<a>&#57343;</a>`,
}

func TestErrors(t *testing.T) {
	for _, in := range errorTests {
		_, err := tokens(in, Options{})
		if err == nil {
			t.Errorf("%q: accepted", in)
			continue
		}
		if !surrogateRef(in) {
			if _, werr := reference(in, Options{}); werr == nil {
				t.Errorf("%q: the reference accepts it", in)
			}
		}
		var e *Error
		if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(in) {
			t.Errorf("%q: %v: no *Error with an offset in the input", in, err)
		}
	}
}

func TestSentinels(t *testing.T) {
	tests := []struct {
		in   string
		opts Options
		want error
	}{
		{`<!DOCTYPE a SYSTEM "http://127.0.0.1:1/x.dtd"><a/>`, Options{}, ErrDTD},
		{"<a>\xff</a>", Options{}, ErrInvalidUTF8},
		{"<!DOCTYPE a><a>\xff</a>", Options{}, ErrInvalidUTF8},
		{`<a><b><c/></b></a>`, Options{MaxDepth: 2}, ErrTooDeep},
		{strings.Repeat("<a>", 1e6), Options{MaxDepth: 64}, ErrTooDeep},
		{`<a><b/><b/><b/></a>`, Options{MaxElements: 3}, ErrTooManyElements},
	}
	for _, tt := range tests {
		_, err := tokens(tt.in, tt.opts)
		if !errors.Is(err, tt.want) {
			t.Errorf("%.40q: %v, want %v", tt.in, err, tt.want)
		}
	}
	// Limits are inclusive.
	if _, err := tokens(`<a><b><c/></b></a>`, Options{MaxDepth: 3, MaxElements: 3}); err != nil {
		t.Error(err)
	}
}

func TestOptions(t *testing.T) {
	got, err := tokens(`<ram:A/> <b/>`, Options{Fragment: true, Implicit: map[string]string{"ram": "r"}})
	if d := cmp.Diff([]string{"start {r}A", "end {r}A", "start {}b", "end {}b"}, got); err != nil || d != "" {
		t.Errorf("fragment: %v %s", err, d)
	}
	if _, err := tokens(``, Options{Fragment: true}); err != nil {
		t.Errorf("empty fragment: %v", err)
	}
	// Reset reuses the buffers.
	tk := New("<a/>", Options{})
	for {
		tok, err := tk.Next()
		if err != nil || tok.Kind == EOF {
			break
		}
	}
	tk.Reset("<b>x</b>", Options{})
	tok, err := tk.Next()
	if err != nil || tok.Name.Local != "b" || tk.Depth() != 1 || tk.Elements() != 1 {
		t.Errorf("after Reset: %+v %v", tok, err)
	}
}

func TestErrorPosition(t *testing.T) {
	_, err := tokens("<a>\n<b>\n&bad;</b></a>", Options{})
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 || e.Offset != 8 || !strings.Contains(e.Error(), "line 3") {
		t.Errorf("%v (%+v)", err, e)
	}
}

// Text and names without references are substrings of the input: a
// document's tokens cost no allocations.
func TestAllocs(t *testing.T) {
	src := strings.Repeat(`<x:a xmlns:x="urn:x" k="v"><b>text</b><c/></x:a>`, 1)
	tk := New(src, Options{})
	n := testing.AllocsPerRun(100, func() {
		tk.Reset(src, Options{})
		for {
			tok, err := tk.Next()
			if err != nil {
				t.Fatal(err)
			}
			if tok.Kind == EOF {
				break
			}
		}
	})
	if n > 0 {
		t.Errorf("%v allocations per document", n)
	}
}

func BenchmarkTokenizer(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(testtool.Root(), "..", "shared", "cefact", "samples", "intercom-SPSCertificate.xml"))
	if len(files) == 0 {
		b.Skip("no samples")
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		b.Fatal(err)
	}
	src := string(data)
	b.Run("xmltok", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		tk := New(src, Options{})
		for b.Loop() {
			tk.Reset(src, Options{})
			for {
				tok, err := tk.Next()
				if err != nil {
					b.Fatal(err)
				}
				if tok.Kind == EOF {
					break
				}
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			dec := xml.NewDecoder(strings.NewReader(src))
			for {
				_, err := dec.RawToken()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
