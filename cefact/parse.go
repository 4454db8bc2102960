package cefact

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Namespaces of the SPS e-certificate messages (UN/CEFACT release 17A,
// library version 21). Note the capital S in the QDT namespace, as in the
// official schema.
const (
	NSCertificate     = "urn:un:unece:uncefact:data:standard:SPSCertificate:17"
	NSAcknowledgement = "urn:un:unece:uncefact:data:standard:SPSAcknowledgement:17"
	NSRAM             = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"
	NSUDT             = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21"
	NSQDT             = "urn:un:unece:uncefact:data:Standard:QualifiedDataType:21"
	NSDSig            = "http://www.w3.org/2000/09/xmldsig#"
	NSXSI             = "http://www.w3.org/2001/XMLSchema-instance"
	nsXML             = "http://www.w3.org/XML/1998/namespace"
)

// preferredPrefix is the prefix the package writes for each namespace it
// knows. Input may use any prefixes; the parser rewrites them to these.
var preferredPrefix = map[string]string{
	NSCertificate:     "rsm",
	NSAcknowledgement: "rsm",
	NSRAM:             "ram",
	NSUDT:             "udt",
	NSQDT:             "qdt",
	NSDSig:            "ds",
	NSXSI:             "xsi",
	nsXML:             "xml",
}

// Default limits of DecodeOptions.
const (
	DefaultMaxBytes    = 32 << 20
	DefaultMaxDepth    = 64
	DefaultMaxElements = 500_000
)

// DecodeOptions bounds the resources that decoding untrusted XML may use.
// The zero value applies the defaults.
type DecodeOptions struct {
	// MaxBytes is the largest input accepted (DefaultMaxBytes when zero).
	MaxBytes int64
	// MaxDepth is the deepest element nesting accepted (DefaultMaxDepth
	// when zero). SPS certificates nest about ten deep.
	MaxDepth int
	// MaxElements is the largest number of elements accepted
	// (DefaultMaxElements when zero).
	MaxElements int
}

func (o *DecodeOptions) limits() (maxBytes int64, maxDepth, maxElems int) {
	maxBytes, maxDepth, maxElems = DefaultMaxBytes, DefaultMaxDepth, DefaultMaxElements
	if o != nil {
		if o.MaxBytes > 0 {
			maxBytes = o.MaxBytes
		}
		if o.MaxDepth > 0 {
			maxDepth = o.MaxDepth
		}
		if o.MaxElements > 0 {
			maxElems = o.MaxElements
		}
	}
	return
}

// Errors for hostile or malformed input, wrapped in a *DecodeError.
var (
	// ErrDTD: the input has a document type declaration. DTDs, and with
	// them entity declarations and external entities, are never processed.
	ErrDTD = errors.New("DOCTYPE declarations are not accepted")
	// ErrTooLarge: the input exceeds DecodeOptions.MaxBytes.
	ErrTooLarge = errors.New("input too large")
	// ErrTooDeep: elements nest deeper than DecodeOptions.MaxDepth.
	ErrTooDeep = errors.New("elements nested too deep")
	// ErrTooManyElements: more elements than DecodeOptions.MaxElements.
	ErrTooManyElements = errors.New("too many elements")
	// ErrInvalidUTF8: the input is not valid UTF-8 (the only encoding accepted).
	ErrInvalidUTF8 = errors.New("input is not valid UTF-8")
	// ErrNotSPS: the root element is not the expected SPS message.
	ErrNotSPS = errors.New("not an SPS message")
)

// DecodeError reports input that could not be decoded.
type DecodeError struct {
	// Offset is the byte offset near the problem, when known (-1 if not).
	Offset int64
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("cefact: decode: at byte %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("cefact: decode: %v", e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// readLimited reads all of r up to max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &DecodeError{Offset: -1, Err: err}
	}
	if int64(len(data)) > max {
		return nil, &DecodeError{Offset: max, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)}
	}
	return data, nil
}

// ReadChecked reads an XML document from r with the protections of Decode
// and returns its bytes: at most opts.MaxBytes are read, and the document
// must parse within opts.MaxDepth and opts.MaxElements, without a DOCTYPE
// and in UTF-8 (nil opts for the defaults). It does not check that the root
// is an SPS message. Errors are *DecodeError wrapping ErrTooLarge,
// ErrTooDeep, ErrTooManyElements, ErrDTD, ErrInvalidUTF8 or a syntax error.
// Packages that process untrusted SPS XML with another parser (such as
// cefact/xmlsig with etree) call it first.
func ReadChecked(r io.Reader, opts *DecodeOptions) ([]byte, error) {
	maxBytes, maxDepth, maxElems := opts.limits()
	data, err := readLimited(r, maxBytes)
	if err != nil {
		return nil, err
	}
	if _, err := parse(data, parseOptions{maxDepth: maxDepth, maxElems: maxElems}, nil); err != nil {
		return nil, err
	}
	return data, nil
}

// tree is a parsed document whose element and attribute prefixes have been
// rewritten to canonical ones (preferredPrefix, or ns1, ns2, ... for other
// namespaces) and whose namespace declarations have been removed.
type tree struct {
	root  *etree.Element
	ns    *nsTable
	elems int // number of elements
}

// nsTable maps canonical prefixes to namespaces and back.
type nsTable struct {
	uri    map[string]string // prefix -> namespace
	prefix map[string]string // namespace -> prefix
	next   int
}

func newNSTable() *nsTable {
	return &nsTable{uri: map[string]string{}, prefix: map[string]string{}}
}

// prefixFor returns the canonical prefix of a namespace, allocating one.
func (t *nsTable) prefixFor(ns string) string {
	if ns == "" {
		return ""
	}
	if p, ok := t.prefix[ns]; ok {
		return p
	}
	p := preferredPrefix[ns]
	if p == "" || t.uri[p] != "" {
		for {
			t.next++
			p = "ns" + strconv.Itoa(t.next)
			if t.uri[p] == "" {
				break
			}
		}
	}
	t.uri[p] = ns
	t.prefix[ns] = p
	return p
}

type scopeDecl struct{ prefix, uri string }

// parseOptions configures parse.
type parseOptions struct {
	maxDepth, maxElems int
	// implicit prefixes bound before the document starts (for fragments).
	implicit map[string]string
	// fragment allows several top-level elements (returned as children
	// of a synthetic root).
	fragment bool
}

// parse reads XML with the protections of the package: UTF-8 only, no
// DOCTYPE, bounded depth and element count. Comments and processing
// instructions are dropped.
func parse(data []byte, po parseOptions, ns *nsTable) (*tree, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, &DecodeError{Offset: int64(off), Err: ErrInvalidUTF8}
	}
	if ns == nil {
		ns = newNSTable()
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var scopes []scopeDecl
	for p, u := range po.implicit {
		scopes = append(scopes, scopeDecl{p, u})
	}
	lookup := func(prefix string) (string, bool) {
		if prefix == "xml" {
			return nsXML, true
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if scopes[i].prefix == prefix {
				return scopes[i].uri, true
			}
		}
		if prefix == "" {
			return "", true
		}
		return "", false
	}
	fail := func(err error) (*tree, error) {
		return nil, &DecodeError{Offset: dec.InputOffset(), Err: err}
	}
	holder := etree.NewElement("fragment")
	type frame struct {
		el         *etree.Element
		rawSpace   string
		rawLocal   string
		scopeDepth int
		kids       bool   // has child elements
		ws         string // whitespace not yet attached
	}
	var stack []frame
	elems := 0
	seenRoot := false
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && seenRoot && !po.fragment {
				return fail(errors.New("more than one root element"))
			}
			seenRoot = true
			if len(stack) >= po.maxDepth {
				return fail(fmt.Errorf("%w: more than %d levels", ErrTooDeep, po.maxDepth))
			}
			elems++
			if elems > po.maxElems {
				return fail(fmt.Errorf("%w: more than %d", ErrTooManyElements, po.maxElems))
			}
			if !goodName(t.Name) {
				return fail(fmt.Errorf("bad element name %q", t.Name.Space+":"+t.Name.Local))
			}
			for _, a := range t.Attr {
				if !goodName(a.Name) {
					return fail(fmt.Errorf("bad attribute name %q", a.Name.Space+":"+a.Name.Local))
				}
			}
			sd := len(scopes)
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					scopes = append(scopes, scopeDecl{"", a.Value})
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return fail(fmt.Errorf("empty namespace for prefix %q", a.Name.Local))
					}
					scopes = append(scopes, scopeDecl{a.Name.Local, a.Value})
				}
			}
			uri, ok := lookup(t.Name.Space)
			if !ok {
				return fail(fmt.Errorf("element <%s:%s>: unbound prefix %q", t.Name.Space, t.Name.Local, t.Name.Space))
			}
			el := etree.NewElement(t.Name.Local)
			el.Space = ns.prefixFor(uri)
			for _, a := range t.Attr {
				if (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xmlns" {
					continue
				}
				key := a.Name.Local
				if a.Name.Space != "" {
					auri, ok := lookup(a.Name.Space)
					if !ok {
						return fail(fmt.Errorf("attribute %s:%s: unbound prefix %q", a.Name.Space, a.Name.Local, a.Name.Space))
					}
					key = ns.prefixFor(auri) + ":" + a.Name.Local
				}
				if el.SelectAttr(key) != nil {
					return fail(fmt.Errorf("element <%s>: duplicate attribute %s", t.Name.Local, key))
				}
				el.CreateAttr(key, a.Value)
			}
			parent := holder
			if len(stack) > 0 {
				top := &stack[len(stack)-1]
				parent = top.el
				top.kids, top.ws = true, ""
			}
			parent.AddChild(el)
			stack = append(stack, frame{el: el, rawSpace: t.Name.Space, rawLocal: t.Name.Local, scopeDepth: sd})
		case xml.EndElement:
			if len(stack) == 0 {
				return fail(fmt.Errorf("unexpected end tag </%s>", t.Name.Local))
			}
			top := stack[len(stack)-1]
			if top.rawSpace != t.Name.Space || top.rawLocal != t.Name.Local {
				return fail(fmt.Errorf("end tag </%s> does not match <%s>", t.Name.Local, top.rawLocal))
			}
			if !top.kids && top.ws != "" {
				top.el.AddChild(etree.NewText(top.ws))
			}
			scopes = scopes[:top.scopeDepth]
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return fail(errors.New("text outside the root element"))
				}
				continue
			}
			// Whitespace between child elements (indentation) is dropped;
			// the text of a leaf is kept whole.
			top := &stack[len(stack)-1]
			if isSpace(t) {
				if !top.kids {
					top.ws += string(t)
				}
				continue
			}
			top.el.AddChild(etree.NewText(top.ws + string(t)))
			top.ws = ""
		case xml.Directive:
			return fail(ErrDTD)
		case xml.ProcInst:
			if t.Target == "xml" {
				if seenRoot {
					return fail(errors.New("XML declaration after the start"))
				}
				if enc := procInstParam(string(t.Inst), "encoding"); enc != "" && !strings.EqualFold(enc, "utf-8") {
					return fail(fmt.Errorf("encoding %q: only UTF-8 is accepted", enc))
				}
			}
		case xml.Comment:
			// dropped
		}
	}
	if len(stack) != 0 {
		return fail(fmt.Errorf("unexpected end of input inside <%s>", stack[len(stack)-1].rawLocal))
	}
	kids := holder.ChildElements()
	if len(kids) == 0 {
		return fail(errors.New("no root element"))
	}
	if po.fragment {
		return &tree{root: holder, ns: ns, elems: elems}, nil
	}
	root := kids[0]
	holder.RemoveChild(root)
	return &tree{root: root, ns: ns, elems: elems}, nil
}

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

// uriOf returns the namespace of a canonical prefix.
func (t *tree) uriOf(prefix string) string { return t.ns.uri[prefix] }

// leafText is the character data of an element, concatenated.
func leafText(e *etree.Element) string {
	if len(e.Child) == 1 {
		if cd, ok := e.Child[0].(*etree.CharData); ok {
			return cd.Data
		}
	}
	var b strings.Builder
	for _, c := range e.Child {
		if cd, ok := c.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return b.String()
}

func hasChildElements(e *etree.Element) bool {
	for _, c := range e.Child {
		if _, ok := c.(*etree.Element); ok {
			return true
		}
	}
	return false
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// goodName rejects names that namespaces in XML forbid: an empty local
// part or more than one colon.
func goodName(n xml.Name) bool {
	return n.Local != "" && !strings.Contains(n.Local, ":") && (n.Space == "" || !strings.Contains(n.Space, ":"))
}
