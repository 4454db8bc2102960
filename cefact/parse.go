package cefact

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/beevik/etree"
	"github.com/ecertkit/ecertkit/cefact/internal/xmltok"
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
	nsXML             = xmltok.NSXML
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

// readBuffers holds the read buffers of readString.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// readString reads all of r up to max bytes, as readLimited, into a pooled
// buffer and returns one copy of it as a string (the input that the
// decoded strings share).
func readString(r io.Reader, max int64) (string, error) {
	limit := max + 1
	if limit <= 0 { // max is the largest int64: no limit
		limit = max
	}
	bp := readBuffers.Get().(*[]byte)
	buf := (*bp)[:0]
	var err error
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):cap(buf)]
		if int64(len(room)) > limit-int64(len(buf)) {
			room = room[:limit-int64(len(buf))]
		}
		var n int
		n, err = r.Read(room)
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	var s string
	switch {
	case err != nil && err != io.EOF:
		err = &DecodeError{Offset: -1, Err: err}
	case int64(len(buf)) > max:
		err = &DecodeError{Offset: max, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)}
	default:
		s, err = string(buf), nil
	}
	if cap(buf) <= 1<<20 {
		*bp = buf[:0]
		readBuffers.Put(bp)
	}
	return s, err
}

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
	if err := check(string(data), parseOptions{maxDepth: maxDepth, maxElems: maxElems}); err != nil {
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

// reset empties t (allocating its maps the first time).
func (t *nsTable) reset() {
	if t.uri == nil {
		*t = *newNSTable()
		return
	}
	clear(t.uri)
	clear(t.prefix)
	t.next = 0
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

// parseOptions configures parseString.
type parseOptions struct {
	maxDepth, maxElems int
	// implicit prefixes bound before the document starts (for fragments).
	implicit map[string]string
	// fragment allows several top-level elements (returned as children
	// of a synthetic root).
	fragment bool
}

func (po parseOptions) tokOptions() xmltok.Options {
	return xmltok.Options{MaxDepth: po.maxDepth, MaxElements: po.maxElems, Fragment: po.fragment, Implicit: po.implicit}
}

// decodeError turns a tokenizer error into a *DecodeError wrapping the
// package's sentinel errors.
func decodeError(err error, po parseOptions) error {
	var te *xmltok.Error
	if !errors.As(err, &te) {
		return &DecodeError{Offset: -1, Err: err}
	}
	e := error(te)
	switch {
	case errors.Is(te.Err, xmltok.ErrDTD):
		e = ErrDTD
	case errors.Is(te.Err, xmltok.ErrInvalidUTF8):
		e = ErrInvalidUTF8
	case errors.Is(te.Err, xmltok.ErrTooDeep):
		e = fmt.Errorf("%w: more than %d levels", ErrTooDeep, po.maxDepth)
	case errors.Is(te.Err, xmltok.ErrTooManyElements):
		e = fmt.Errorf("%w: more than %d", ErrTooManyElements, po.maxElems)
	}
	return &DecodeError{Offset: int64(te.Offset), Err: e}
}

// check reads a whole document with the protections of parseString, without
// building a tree.
func check(src string, po parseOptions) error {
	tk := xmltok.New(src, po.tokOptions())
	for {
		tok, err := tk.Next()
		if err != nil {
			return decodeError(err, po)
		}
		if tok.Kind == xmltok.EOF {
			return nil
		}
	}
}

// parseString reads XML with the protections of the package (UTF-8 only, no
// DOCTYPE, bounded depth and element count; see cefact/internal/xmltok)
// into an etree tree, for the parts that Encode writes back
// (insertUnmapped). Decode reads into an xtree, which keeps the same
// content. Comments and processing instructions are dropped, and so is
// white space between child elements; the text of a leaf is kept whole.
func parseString(src string, po parseOptions, ns *nsTable) (*tree, error) {
	if ns == nil {
		ns = newNSTable()
	}
	tk := xmltok.New(src, po.tokOptions())
	b := &builder{ns: ns}
	b.init()
	var stack []frame
	var top []*etree.Element // top-level elements
	for {
		tok, err := tk.Next()
		if err != nil {
			return nil, decodeError(err, po)
		}
		switch tok.Kind {
		case xmltok.StartElement:
			var el *etree.Element
			if len(stack) == 0 {
				el = etree.NewElement(tok.Name.Local)
				el.Space = b.prefix(tok.Name.Space)
				top = append(top, el)
			} else {
				el = b.element(b.prefix(tok.Name.Space), tok.Name.Local)
				f := &stack[len(stack)-1]
				f.kids, f.ws = true, ""
				b.scratch = append(b.scratch, el)
			}
			if len(tok.Attr) > 0 {
				el.Attr = b.attrSlice(len(tok.Attr))
				for _, a := range tok.Attr {
					key := a.Name.Local
					if a.Name.Space != "" {
						key = b.prefix(a.Name.Space) + ":" + key
					}
					el.CreateAttr(key, a.Value)
				}
			}
			stack = append(stack, frame{el: el, start: len(b.scratch)})
		case xmltok.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !f.kids && f.ws != "" {
				b.scratch = append(b.scratch, b.text(f.ws))
			}
			if kids := b.scratch[f.start:]; len(kids) > 0 {
				f.el.Child = b.tokenSlice(len(kids))
				for _, k := range kids {
					f.el.AddChild(k)
				}
				b.scratch = b.scratch[:f.start]
			}
		case xmltok.CharData:
			// Whitespace between child elements (indentation) is dropped;
			// the text of a leaf is kept whole.
			f := &stack[len(stack)-1]
			if isSpace(tok.Text) {
				if !f.kids {
					f.ws += tok.Text
				}
				continue
			}
			b.scratch = append(b.scratch, b.text(f.ws+tok.Text))
			f.ws = ""
		case xmltok.EOF:
			if po.fragment {
				holder := etree.NewElement("fragment")
				for _, el := range top {
					holder.AddChild(el)
				}
				return &tree{root: holder, ns: ns, elems: tk.Elements()}, nil
			}
			return &tree{root: top[0], ns: ns, elems: tk.Elements()}, nil
		}
	}
}

// frame is an open element of parseString.
type frame struct {
	el    *etree.Element
	start int    // first child in builder.scratch
	kids  bool   // has child elements
	ws    string // whitespace not yet attached
}

// builder allocates the nodes of a parsed tree in blocks.
type builder struct {
	ns      *nsTable
	uris    []string // recently mapped namespaces and their prefixes
	pfx     []string
	elems   slab[etree.Element]
	texts   slab[etree.CharData]
	toks    slab[etree.Token]
	attrs   slab[etree.Attr]
	scratch []etree.Token
}

func (b *builder) init() {
	b.elems.size, b.texts.size, b.toks.size, b.attrs.size = 128, 128, 256, 32
}

// prefix is ns.prefixFor with a cache: the namespaces of a document are
// few, and equal URIs from the same declaration share their storage.
func (b *builder) prefix(uri string) string {
	if uri == "" {
		return ""
	}
	for i, u := range b.uris {
		if u == uri {
			return b.pfx[i]
		}
	}
	p := b.ns.prefixFor(uri)
	if len(b.uris) < 16 {
		b.uris = append(b.uris, uri)
		b.pfx = append(b.pfx, p)
	}
	return p
}

func (b *builder) element(space, tag string) *etree.Element {
	e := b.elems.one()
	e.Space, e.Tag = space, tag
	return e
}

func (b *builder) text(s string) *etree.CharData {
	t := b.texts.one()
	t.Data = s
	return t
}

// tokenSlice returns an empty slice with capacity n, so that n calls of
// AddChild fill it without allocating.
func (b *builder) tokenSlice(n int) []etree.Token { return b.toks.many(n) }

func (b *builder) attrSlice(n int) []etree.Attr { return b.attrs.many(n) }

// uriOf returns the namespace of a canonical prefix.
func (t *tree) uriOf(prefix string) string { return t.ns.uri[prefix] }

func hasChildElements(e *etree.Element) bool {
	for _, c := range e.Child {
		if _, ok := c.(*etree.Element); ok {
			return true
		}
	}
	return false
}

func isSpace(b string) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
