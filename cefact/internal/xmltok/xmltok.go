// Package xmltok is a strict, non-validating XML 1.0 tokenizer with
// namespaces, written for cefact's hostile-input rules and speed.
//
// It reads a whole document held in a string and returns start tags (with
// resolved namespaces and attributes), end tags and character data. Names,
// namespace URIs, attribute values and text are substrings of the input
// unless they hold references or carriage returns, so a document of n
// elements costs few allocations. Comments and processing instructions are
// skipped; any other markup declaration (DOCTYPE, ENTITY, ...) is refused
// with ErrDTD, so entities are never declared, expanded or fetched.
//
// Acceptance follows encoding/xml in strict mode, as cefact used it before
// (the same names, the five predefined entities and numeric character
// references, the same character checks and line-end handling), with these
// deliberate differences, all of them refusals of input encoding/xml
// accepts:
//
//   - any <!...> declaration is an error (ErrDTD);
//   - invalid UTF-8 anywhere, even in comments, is an error (ErrInvalidUTF8);
//   - a numeric character reference to a surrogate (&#xD800;) is an error
//     (encoding/xml turns it into U+FFFD);
//   - namespaces are checked: an unbound prefix, xmlns:p="" and a name with
//     an empty prefix or local part (":a", "a:") are errors, and so are two
//     attributes with the same namespace and local name;
//   - the structure is checked: end tags must match, one root element
//     (unless Options.Fragment), no text other than white space outside it,
//     no XML declaration after the root has started, and an XML
//     declaration may only name version 1.0 and encoding UTF-8;
//   - the limits of Options (depth, element count).
//
// As in encoding/xml, attribute values are not whitespace-normalized (a
// literal tab or newline stays one; "\r\n" and "\r" become "\n" in text and
// attribute values), and white space between attributes is optional.
package xmltok

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NSXML is the namespace of the reserved prefix xml.
const NSXML = "http://www.w3.org/XML/1998/namespace"

// Name is a namespace-resolved name: Space is the namespace URI ("" for
// none), Local the local part.
type Name struct {
	Space, Local string
}

// Attr is an attribute of a start tag. Namespace declarations (xmlns,
// xmlns:p) are not reported as attributes.
type Attr struct {
	Name  Name
	Value string
}

// Kind is the kind of a token.
type Kind uint8

const (
	// EOF: the document ended well-formed.
	EOF Kind = iota
	// StartElement: Token.Name and Token.Attr are set.
	StartElement
	// EndElement: Token.Name is set. A self-closing tag gives a
	// StartElement (SelfClosing set) and then an EndElement.
	EndElement
	// CharData: Token.Text is set (CDATA set for a CDATA section). Each
	// run of text and each CDATA section is one token, as in encoding/xml;
	// white space outside the root element is not reported.
	CharData
)

// Token is one token. Next reuses it: a Token and its Attr are only valid
// until the next call of Next, and only the fields of its Kind are
// meaningful (Name for elements, Attr and SelfClosing for start tags, Text
// and CDATA for character data).
type Token struct {
	Kind        Kind
	Name        Name
	Attr        []Attr
	Text        string
	CDATA       bool
	SelfClosing bool
}

// Errors that callers branch on, wrapped in an *Error.
var (
	ErrDTD             = errors.New("markup declarations (DOCTYPE) are not accepted")
	ErrTooDeep         = errors.New("elements nested too deep")
	ErrTooManyElements = errors.New("too many elements")
	ErrInvalidUTF8     = errors.New("input is not valid UTF-8")
)

// Error is a tokenizing error at a byte offset of the input (after a
// leading byte order mark, if any).
type Error struct {
	Offset int
	Line   int
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("xml: line %d: %v", e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Options configures a Tokenizer. Zero limits mean no limit.
type Options struct {
	// MaxDepth is the deepest nesting of elements accepted.
	MaxDepth int
	// MaxElements is the largest number of elements accepted.
	MaxElements int
	// Fragment accepts several top-level elements (and none).
	Fragment bool
	// Implicit binds prefixes before the input starts.
	Implicit map[string]string
}

type binding struct{ prefix, uri string }

type frame struct {
	qname  string // as written, for matching the end tag
	colon  int32  // of qname; -1 without prefix
	uri    int32  // index in scopes of the namespace's binding; -1 none, -2 xml
	scopes int32  // len(Tokenizer.scopes) before the element's declarations
}

type rawAttr struct {
	prefix, local, value string
	off                  int
}

// Tokenizer reads one document.
type Tokenizer struct {
	s        string
	pos      int
	opts     Options
	stack    []frame
	scopes   []binding
	raw      []rawAttr
	attr     []Attr
	buf      []byte
	elements int
	seenRoot bool
	closing  bool // a self-closing tag's end is due
	err      error
	tok      Token
}

// New returns a tokenizer for the document src. A leading UTF-8 byte order
// mark is skipped.
func New(src string, opts Options) *Tokenizer {
	t := &Tokenizer{}
	t.Reset(src, opts)
	return t
}

// Reset makes t read src, keeping its buffers (but no reference to the
// previous input).
func (t *Tokenizer) Reset(src string, opts Options) {
	src = strings.TrimPrefix(src, "\xef\xbb\xbf")
	if cap(t.buf) > 64<<10 {
		t.buf = nil // do not keep the copy of a large text
	}
	if cap(t.raw) > 1024 || cap(t.scopes) > 1024 {
		t.raw, t.attr, t.scopes = nil, nil, nil // nor room for many attributes
	}
	clear(t.scopes[:cap(t.scopes)])
	clear(t.raw[:cap(t.raw)])
	clear(t.attr[:cap(t.attr)])
	clear(t.stack[:cap(t.stack)])
	*t = Tokenizer{s: src, opts: opts, stack: t.stack[:0], scopes: t.scopes[:0], raw: t.raw[:0], attr: t.attr[:0], buf: t.buf[:0]}
	for p, u := range opts.Implicit {
		t.scopes = append(t.scopes, binding{p, u})
	}
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, n := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		t.pos = off
		t.fail(ErrInvalidUTF8)
	}
}

// Elements is the number of start tags read so far.
func (t *Tokenizer) Elements() int { return t.elements }

// Depth is the number of open elements.
func (t *Tokenizer) Depth() int { return len(t.stack) }

// Offset is the byte offset of the next unread input.
func (t *Tokenizer) Offset() int { return t.pos }

func (t *Tokenizer) fail(err error) error {
	if t.err == nil {
		t.err = &Error{Offset: t.pos, Line: 1 + strings.Count(t.s[:t.pos], "\n"), Err: err}
	}
	return t.err
}

func (t *Tokenizer) failf(format string, args ...any) error {
	return t.fail(fmt.Errorf(format, args...))
}

// Next returns the next token, a token of kind EOF at the end of a
// well-formed document, or an *Error. After an error, Next returns the
// same error.
func (t *Tokenizer) Next() (*Token, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.closing {
		t.closing = false
		return t.pop(), nil
	}
	for t.pos < len(t.s) {
		if t.s[t.pos] != '<' {
			text, ok := t.text(0)
			if !ok {
				return nil, t.err
			}
			if len(t.stack) == 0 {
				if !isSpace(text) {
					return nil, t.failf("text outside the root element")
				}
				continue
			}
			return t.charData(text, false), nil
		}
		if t.pos+1 >= len(t.s) {
			return nil, t.unexpectedEOF()
		}
		switch t.s[t.pos+1] {
		case '/':
			return t.endTag()
		case '?':
			if !t.procInst() {
				return nil, t.err
			}
		case '!':
			rest := t.s[t.pos+2:]
			switch {
			case strings.HasPrefix(rest, "--"):
				// encoding/xml: the comment ends at the first "--", which
				// must be followed by '>'.
				i := strings.Index(rest[2:], "--")
				if i < 0 {
					t.pos = len(t.s)
					return nil, t.unexpectedEOF()
				}
				t.pos += 2 + 2 + i + 2
				if t.pos >= len(t.s) {
					return nil, t.unexpectedEOF()
				}
				if t.s[t.pos] != '>' {
					return nil, t.failf(`invalid sequence "--" in a comment`)
				}
				t.pos++
			case strings.HasPrefix(rest, "[CDATA["):
				t.pos += 2 + len("[CDATA[")
				text, ok := t.cdata()
				if !ok {
					return nil, t.err
				}
				if len(t.stack) == 0 {
					if !isSpace(text) {
						return nil, t.failf("text outside the root element")
					}
					continue
				}
				return t.charData(text, true), nil
			case rest == "" || rest == "-" || strings.HasPrefix("[CDATA[", rest):
				return nil, t.unexpectedEOF()
			case rest[0] == '-':
				return nil, t.failf("invalid sequence <!- not part of <!--")
			case rest[0] == '[':
				return nil, t.failf("invalid <![ sequence")
			default:
				return nil, t.fail(ErrDTD)
			}
		default:
			return t.startTag()
		}
	}
	if t.err != nil {
		return nil, t.err
	}
	if len(t.stack) > 0 {
		return nil, t.failf("unexpected end of input inside <%s>", t.stack[len(t.stack)-1].qname)
	}
	if !t.seenRoot && !t.opts.Fragment {
		return nil, t.failf("no root element")
	}
	t.tok = Token{Kind: EOF}
	return &t.tok, nil
}

func (t *Tokenizer) unexpectedEOF() error {
	t.pos = len(t.s)
	return t.failf("unexpected end of input")
}

func (t *Tokenizer) pop() *Token {
	f := &t.stack[len(t.stack)-1]
	t.tok.Kind = EndElement
	t.tok.Name = t.frameName(f)
	t.scopes = t.scopes[:f.scopes]
	t.stack = t.stack[:len(t.stack)-1]
	return &t.tok
}

// charData makes t.tok a CharData token. The fields of other kinds are
// left as they are (fewer pointer writes): Token's documentation says
// which fields each kind sets.
func (t *Tokenizer) charData(text string, cdata bool) *Token {
	t.tok.Kind = CharData
	t.tok.Text = text
	t.tok.CDATA = cdata
	return &t.tok
}

func (t *Tokenizer) endTag() (*Token, error) {
	t.pos += 2
	start := t.pos
	// Fast path: the name of the open element, then '>'.
	if n := len(t.stack); n > 0 {
		q := t.stack[n-1].qname
		if end := start + len(q); end < len(t.s) && t.s[end] == '>' && t.s[start:end] == q {
			t.pos = end + 1
			return t.pop(), nil
		}
	}
	qname, ok := t.name()
	if !ok {
		return nil, t.err
	}
	t.space()
	if t.pos >= len(t.s) {
		return nil, t.unexpectedEOF()
	}
	if t.s[t.pos] != '>' {
		return nil, t.failf("invalid characters between </%s and >", qname)
	}
	if len(t.stack) == 0 {
		t.pos = start
		return nil, t.failf("unexpected end tag </%s>", qname)
	}
	if top := t.stack[len(t.stack)-1].qname; top != qname {
		t.pos = start
		return nil, t.failf("end tag </%s> does not match <%s>", qname, top)
	}
	t.pos++
	return t.pop(), nil
}

// procInst skips a processing instruction, checking an XML declaration.
func (t *Tokenizer) procInst() bool {
	t.pos += 2
	target, ok := t.name()
	if !ok {
		return false
	}
	t.space()
	end := strings.Index(t.s[t.pos:], "?>")
	if end < 0 {
		t.unexpectedEOF()
		return false
	}
	content := t.s[t.pos : t.pos+end]
	if target == "xml" {
		if t.seenRoot {
			return t.failf("XML declaration after the start") == nil
		}
		if v := procInst("version", content); v != "" && v != "1.0" {
			return t.failf("unsupported XML version %q", v) == nil
		}
		// Both encoding/xml's reading of the declaration and cefact's
		// earlier one must find UTF-8 (or nothing).
		for _, enc := range []string{procInst("encoding", content), procInstParam(content, "encoding")} {
			if enc != "" && !strings.EqualFold(enc, "utf-8") {
				return t.failf("encoding %q: only UTF-8 is accepted", enc) == nil
			}
		}
	}
	t.pos += end + 2
	return true
}

// procInst is encoding/xml's reading of a pseudo-attribute.
func procInst(param, s string) string {
	param = param + "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// procInstParam is a more lenient reading (spaces around '=').
func procInstParam(s, name string) string {
	i := strings.Index(s, name)
	if i < 0 {
		return ""
	}
	s = strings.TrimLeft(s[i+len(name):], " \t\r\n")
	if !strings.HasPrefix(s, "=") {
		return ""
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return ""
	}
	q := s[0]
	s = s[1:]
	if j := strings.IndexByte(s, q); j >= 0 {
		return s[:j]
	}
	return ""
}

func (t *Tokenizer) startTag() (*Token, error) {
	if len(t.stack) == 0 && t.seenRoot && !t.opts.Fragment {
		return nil, t.failf("more than one root element")
	}
	t.seenRoot = true
	if t.opts.MaxDepth > 0 && len(t.stack) >= t.opts.MaxDepth {
		return nil, t.fail(fmt.Errorf("%w: more than %d levels", ErrTooDeep, t.opts.MaxDepth))
	}
	t.elements++
	if t.opts.MaxElements > 0 && t.elements > t.opts.MaxElements {
		return nil, t.fail(fmt.Errorf("%w: more than %d", ErrTooManyElements, t.opts.MaxElements))
	}
	t.pos++
	start := t.pos
	qname, colon, ok := t.qname()
	if !ok {
		return nil, t.err
	}
	prefix, local, ok := splitQName(qname, colon)
	if !ok {
		t.pos = start
		return nil, t.failf("bad element name %q", qname)
	}
	t.raw = t.raw[:0]
	selfClosing := false
	for {
		t.space()
		if t.pos >= len(t.s) {
			return nil, t.unexpectedEOF()
		}
		c := t.s[t.pos]
		if c == '/' {
			t.pos++
			if t.pos >= len(t.s) {
				return nil, t.unexpectedEOF()
			}
			if t.s[t.pos] != '>' {
				return nil, t.failf("expected /> in element")
			}
			t.pos++
			selfClosing = true
			break
		}
		if c == '>' {
			t.pos++
			break
		}
		aoff := t.pos
		aname, acolon, ok := t.qname()
		if !ok {
			return nil, t.err
		}
		ap, al, ok := splitQName(aname, acolon)
		if !ok {
			t.pos = aoff
			return nil, t.failf("bad attribute name %q", aname)
		}
		t.space()
		if t.pos >= len(t.s) {
			return nil, t.unexpectedEOF()
		}
		if t.s[t.pos] != '=' {
			return nil, t.failf("attribute name without = in element")
		}
		t.pos++
		t.space()
		if t.pos >= len(t.s) {
			return nil, t.unexpectedEOF()
		}
		q := t.s[t.pos]
		if q != '"' && q != '\'' {
			return nil, t.failf("unquoted or missing attribute value in element")
		}
		t.pos++
		v, ok := t.text(q)
		if !ok {
			return nil, t.err
		}
		t.raw = append(t.raw, rawAttr{ap, al, v, aoff})
	}

	// Namespace declarations, then names.
	scopes := len(t.scopes)
	for _, a := range t.raw {
		switch {
		case a.prefix == "" && a.local == "xmlns":
			t.scopes = append(t.scopes, binding{"", a.value})
		case a.prefix == "xmlns":
			if a.value == "" {
				t.pos = a.off
				return nil, t.failf("empty namespace for prefix %q", a.local)
			}
			t.scopes = append(t.scopes, binding{a.local, a.value})
		}
	}
	ui, ok := t.lookupIndex(prefix)
	if !ok {
		t.pos = start
		return nil, t.failf("element <%s>: unbound prefix %q", qname, prefix)
	}
	name := Name{t.uri(ui), local}
	t.attr = t.attr[:0]
	for _, a := range t.raw {
		if (a.prefix == "" && a.local == "xmlns") || a.prefix == "xmlns" {
			continue
		}
		an := Name{Local: a.local}
		if a.prefix != "" {
			if an.Space, ok = t.lookup(a.prefix); !ok {
				t.pos = a.off
				return nil, t.failf("attribute %s:%s: unbound prefix %q", a.prefix, a.local, a.prefix)
			}
		}
		for _, b := range t.attr {
			if b.Name == an {
				t.pos = a.off
				return nil, t.failf("element <%s>: duplicate attribute %s:%s", qname, a.prefix, a.local)
			}
		}
		t.attr = append(t.attr, Attr{an, a.value})
	}
	t.stack = append(t.stack, frame{qname: qname, colon: int32(colon), uri: ui, scopes: int32(scopes)})
	t.closing = selfClosing
	t.tok.Kind = StartElement
	t.tok.Name = name
	t.tok.Attr = t.attr
	t.tok.SelfClosing = selfClosing
	return &t.tok, nil
}

func (t *Tokenizer) lookup(prefix string) (string, bool) {
	i, ok := t.lookupIndex(prefix)
	return t.uri(i), ok
}

// lookupIndex finds the binding of prefix: its index in t.scopes, -1 for
// no namespace (ok only for the empty prefix), -2 for xml.
func (t *Tokenizer) lookupIndex(prefix string) (int32, bool) {
	if prefix == "xml" {
		return -2, true
	}
	for i := len(t.scopes) - 1; i >= 0; i-- {
		if p := t.scopes[i].prefix; len(p) == len(prefix) && p == prefix {
			return int32(i), true
		}
	}
	return -1, prefix == ""
}

func (t *Tokenizer) uri(i int32) string {
	switch i {
	case -1:
		return ""
	case -2:
		return NSXML
	}
	return t.scopes[i].uri
}

func (t *Tokenizer) frameName(f *frame) Name {
	return Name{t.uri(f.uri), f.qname[f.colon+1:]}
}

// splitQName splits prefix:local at colon (from qname); both parts must
// be non-empty and there may be at most one colon.
func splitQName(q string, colon int) (prefix, local string, ok bool) {
	switch {
	case colon == -1:
		return "", q, true
	case colon <= 0 || colon == len(q)-1:
		return "", "", false
	}
	return q[:colon], q[colon+1:], true
}

func (t *Tokenizer) space() {
	for t.pos < len(t.s) {
		switch t.s[t.pos] {
		case ' ', '\t', '\r', '\n':
			t.pos++
		default:
			return
		}
	}
}

// nameByte: 1 for bytes that may start a name, 2 for bytes that may only
// continue one, 3 for non-ASCII bytes (checked with the tables).
var nameByte = func() (tab [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		tab[c], tab[c-'a'+'A'] = 1, 1
	}
	tab['_'], tab[':'] = 1, 1
	for c := '0'; c <= '9'; c++ {
		tab[c] = 2
	}
	tab['-'], tab['.'] = 2, 2
	for c := 0x80; c < 0x100; c++ {
		tab[c] = 3
	}
	return
}()

// plainNameByte: ASCII name bytes other than ':'.
var plainNameByte = func() (tab [256]bool) {
	for c := range nameByte {
		tab[c] = (nameByte[c] == 1 || nameByte[c] == 2) && c != ':'
	}
	return
}()

// name reads an XML name.
func (t *Tokenizer) name() (string, bool) {
	n, _, ok := t.qname()
	return n, ok
}

// qname reads an XML name and returns the position of its first colon
// (-1 for none, -2 for more than one).
func (t *Tokenizer) qname() (string, int, bool) {
	start := t.pos
	i := t.pos
	ascii := true
	colon := -1
	s := t.s
	for {
		for i < len(s) && plainNameByte[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		switch k := nameByte[s[i]]; {
		case k == 0:
		case k == 3:
			ascii = false
			i++
			continue
		default: // ':'
			if colon == -1 {
				colon = i - start
			} else {
				colon = -2
			}
			i++
			continue
		}
		break
	}
	if i >= len(s) {
		t.pos = i
		t.unexpectedEOF()
		return "", 0, false
	}
	n := s[start:i]
	if n == "" {
		if t.pos > 0 && s[t.pos-1] == '<' {
			return "", 0, t.failf("expected element name after <") == nil
		}
		return "", 0, t.failf("expected a name") == nil
	}
	if ascii {
		if nameByte[n[0]] != 1 {
			return "", 0, t.failf("invalid XML name: %s", n) == nil
		}
	} else if !isName(n) {
		return "", 0, t.failf("invalid XML name: %s", n) == nil
	}
	t.pos = i
	return n, colon, true
}

func isName(s string) bool {
	c, n := utf8.DecodeRuneInString(s)
	if c == utf8.RuneError && n == 1 || !unicode.Is(first, c) {
		return false
	}
	for n < len(s) {
		s = s[n:]
		c, n = utf8.DecodeRuneInString(s)
		if c == utf8.RuneError && n == 1 || !unicode.Is(first, c) && !unicode.Is(second, c) {
			return false
		}
	}
	return true
}

// textByte marks the bytes text scanning stops at: markup, references,
// carriage returns, ']' (for "]]>"), 0xEF (for U+FFFE and U+FFFF), quotes
// and the control characters XML forbids.
var textByte = func() (tab [256]bool) {
	for c := 0; c < 0x20; c++ {
		tab[c] = c != '\t' && c != '\n'
	}
	for _, c := range "<&]\"'" {
		tab[c] = true
	}
	tab[0xEF] = true
	return
}()

// text reads character data up to '<' (quote 0) or an attribute value up
// to its closing quote, which it consumes.
func (t *Tokenizer) text(quote byte) (string, bool) {
	start := t.pos
	i := t.pos
	s := t.s
	for {
		for i < len(s) && !textByte[s[i]] {
			i++
		}
		if i >= len(s) {
			if quote != 0 {
				t.pos = i
				return "", t.unexpectedEOF() == nil
			}
			t.pos = i
			return s[start:i], true
		}
		switch c := s[i]; c {
		case '<':
			if quote != 0 {
				t.pos = i
				return "", t.failf("unescaped < inside quoted string") == nil
			}
			t.pos = i
			return s[start:i], true
		case '"', '\'':
			if c == quote {
				t.pos = i + 1
				return s[start:i], true
			}
			i++
		case ']':
			if quote == 0 && strings.HasPrefix(s[i:], "]]>") {
				t.pos = i
				return "", t.failf("unescaped ]]> not in CDATA section") == nil
			}
			i++
		case 0xEF:
			if !t.checkEF(i) {
				return "", false
			}
			i += 3
		case '&', '\r':
			t.pos = i
			return t.decodeText(start, quote)
		default:
			t.pos = i
			return "", t.failf("illegal character code %U", rune(c)) == nil
		}
	}
}

// checkEF rejects U+FFFE and U+FFFF (the input is valid UTF-8).
func (t *Tokenizer) checkEF(i int) bool {
	if i+2 < len(t.s) && t.s[i+1] == 0xBF && (t.s[i+2] == 0xBE || t.s[i+2] == 0xBF) {
		t.pos = i
		r, _ := utf8.DecodeRuneInString(t.s[i:])
		return t.failf("illegal character code %U", r) == nil
	}
	return true
}

// decodeText continues text at t.pos, which holds '&' or '\r', copying
// the decoded text from start into t.buf.
func (t *Tokenizer) decodeText(start int, quote byte) (string, bool) {
	s := t.s
	b := append(t.buf[:0], s[start:t.pos]...)
	i := t.pos
	for {
		j := i
		for j < len(s) && !textByte[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		i = j
		if i >= len(s) {
			t.pos = i
			if quote != 0 {
				return "", t.unexpectedEOF() == nil
			}
			break
		}
		c := s[i]
		if c == '<' {
			t.pos = i
			if quote != 0 {
				return "", t.failf("unescaped < inside quoted string") == nil
			}
			break
		}
		if c == quote && quote != 0 {
			t.pos = i + 1
			break
		}
		switch c {
		case '"', '\'':
			b = append(b, c)
			i++
		case ']':
			if quote == 0 && strings.HasPrefix(s[i:], "]]>") {
				t.pos = i
				return "", t.failf("unescaped ]]> not in CDATA section") == nil
			}
			b = append(b, c)
			i++
		case 0xEF:
			if !t.checkEF(i) {
				return "", false
			}
			b = append(b, s[i:i+3]...)
			i += 3
		case '\r':
			b = append(b, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case '&':
			var ok bool
			if b, i, ok = t.reference(b, i); !ok {
				return "", false
			}
		default:
			t.pos = i
			return "", t.failf("illegal character code %U", rune(c)) == nil
		}
	}
	t.buf = b
	return string(b), true
}

// reference decodes the reference at s[i] == '&' onto b.
func (t *Tokenizer) reference(b []byte, i int) ([]byte, int, bool) {
	s := t.s
	end := strings.IndexByte(s[i:], ';')
	bad := func(ref string) ([]byte, int, bool) {
		t.pos = i
		if end < 0 {
			if len(ref) > 16 {
				ref = ref[:16]
			}
			return nil, 0, t.failf("invalid character entity %s (no semicolon)", ref) == nil
		}
		return nil, 0, t.failf("invalid character entity %s", ref) == nil
	}
	if end < 0 {
		return bad(s[i:])
	}
	ref := s[i+1 : i+end]
	next := i + end + 1
	if strings.HasPrefix(ref, "#") {
		digits, base := ref[1:], 10
		if strings.HasPrefix(digits, "x") {
			digits, base = digits[1:], 16
		}
		if digits == "" {
			return bad(s[i:next])
		}
		for k := 0; k < len(digits); k++ {
			c := digits[k]
			if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
				return bad(s[i:next])
			}
		}
		n, err := strconv.ParseUint(digits, base, 32)
		if err != nil || !isInCharacterRange(rune(n)) || n > unicode.MaxRune {
			return bad(s[i:next])
		}
		return utf8.AppendRune(b, rune(n)), next, true
	}
	var r byte
	switch ref {
	case "lt":
		r = '<'
	case "gt":
		r = '>'
	case "amp":
		r = '&'
	case "apos":
		r = '\''
	case "quot":
		r = '"'
	default:
		return bad(s[i:next])
	}
	return append(b, r), next, true
}

func isInCharacterRange(r rune) bool {
	return r == 0x09 ||
		r == 0x0A ||
		r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// cdata reads a CDATA section's content after "<![CDATA[".
func (t *Tokenizer) cdata() (string, bool) {
	s := t.s
	start := t.pos
	end := strings.Index(s[start:], "]]>")
	if end < 0 {
		t.pos = len(s)
		return "", t.failf("unexpected end of input in CDATA section") == nil
	}
	data := s[start : start+end]
	cr := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\r':
			cr = true
		case c < 0x20 && c != '\t' && c != '\n':
			t.pos = start + i
			return "", t.failf("illegal character code %U", rune(c)) == nil
		case c == 0xEF:
			if !t.checkEF(start + i) {
				return "", false
			}
		}
	}
	t.pos = start + end + 3
	if cr {
		data = strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
	}
	return data, true
}

func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}
