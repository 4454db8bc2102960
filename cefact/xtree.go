package cefact

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/beevik/etree"
	"github.com/ecertkit/ecertkit/cefact/internal/xmltok"
	"github.com/ecertkit/ecertkit/ecert"
)

// xtree is a decoded document held in flat arrays of plain values: the
// nodes refer to each other by index and to their names and texts by
// offsets into the input. Decode maps it to the model and throws it away;
// an etree tree is built only for the unmapped parts it keeps (see
// fragment). Compared with an etree tree the nodes hold no pointers, so
// building them costs no write barriers and the garbage collector never
// scans them, and the pooled arrays need no clearing between documents.
//
// The tree holds what parseString keeps (the same texts, the same
// whitespace rules), so that the decoder reads exactly what it read from
// etree before (the test reference, decode_etree_test.go).
type xtree struct {
	src   string
	extra []string // texts that are not substrings of src (sref.off < 0)
	nodes []xnode
	attrs []xattr
	kids  []int32 // child lists: nodes[i].kid0 .. +nkid
	root  int32

	// Namespaces by id (an element's space): uris[id-1] is the URI and
	// spaces[id-1] its canonical prefix (see nsTable); id 0 is none.
	uris   []string
	spaces []string
	pref   []bool           // spaces[i] is the preferred prefix of uris[i]
	ids    map[string]int32 // ids beyond the first 16
	ns     *nsTable

	// ids of the canonical prefixes the decoder looks for, or noSpace.
	rsm, ram, udt int32

	stack   []xframe
	scratch []int32
}

// textNode is the space of a text node; noSpace matches no node.
const (
	textNode = -1
	noSpace  = -2
)

// sref is a string of the tree: src[off:off+n], or extra[-off-1].
type sref struct{ off, n int }

type xnode struct {
	name        sref  // an element's local name, or a text node's text
	space       int32 // namespace id, or textNode
	kid0, nkid  int32 // children (elements and texts) in xtree.kids
	attr0       int32 // attributes in xtree.attrs
	nattr       int32
	elems       bool  // has child elements
	texts       bool  // has text children
	claimed     bool  // see decoder.claim
	textClaimed bool  // the text is mapped
	attrClaims  uint8 // claimed attributes (claim* bits)
}

type xattr struct {
	space       int32
	name, value sref
}

// xframe is an open element while parsing.
type xframe struct {
	el    int32
	start int  // first child in scratch
	kids  bool // has child elements
	texts bool // has text children
	ws    sref // whitespace not yet attached
}

// The attributes that the decoder claims (all without namespace).
const (
	claimLang          uint8 = 1 << iota // languageID
	claimUnit                            // unitCode
	claimScheme                          // schemeID
	claimSchemeVersion                   // schemeVersionID
)

var claimNames = [...]string{"languageID", "unitCode", "schemeID", "schemeVersionID"}

func (t *xtree) str(r sref) string {
	if r.off >= 0 {
		return t.src[r.off : r.off+r.n]
	}
	return t.extra[-r.off-1]
}

// ref returns s as a string of the tree: as offsets when it is a
// substring of the input (names, and texts without references, are).
func (t *xtree) ref(s string) sref {
	if r, ok := t.sub(s); ok {
		return r
	}
	t.extra = append(t.extra, s)
	return sref{-len(t.extra), len(s)}
}

// sub returns the offsets of s in src when s is a substring of it.
func (t *xtree) sub(s string) (sref, bool) {
	if len(s) == 0 {
		return sref{}, true
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.StringData(t.src)))
	if p < uintptr(len(t.src)) && uintptr(len(s)) <= uintptr(len(t.src))-p {
		return sref{int(p), len(s)}, true
	}
	return sref{}, false
}

// concat returns a followed by s.
func (t *xtree) concat(a sref, s string) sref {
	switch {
	case a.n == 0:
		return t.ref(s)
	case s == "":
		return a
	}
	if b, ok := t.sub(s); ok && a.off >= 0 && b.off == a.off+a.n {
		return sref{a.off, a.n + b.n}
	}
	return t.ref(t.str(a) + s)
}

// spaceID returns the id of a namespace, giving it its canonical prefix
// (in order of first use, as parseString does).
func (t *xtree) spaceID(uri string) int32 {
	if uri == "" {
		return 0
	}
	n := min(len(t.uris), 16)
	for i := 0; i < n; i++ {
		if t.uris[i] == uri {
			return int32(i + 1)
		}
	}
	if len(t.uris) > 16 {
		if id, ok := t.ids[uri]; ok {
			return id
		}
	}
	p := t.ns.prefixFor(uri)
	t.uris = append(t.uris, uri)
	t.spaces = append(t.spaces, p)
	t.pref = append(t.pref, preferredPrefix[uri] == p)
	id := int32(len(t.uris))
	if id > 16 {
		if t.ids == nil {
			t.ids = map[string]int32{}
		}
		t.ids[uri] = id
	}
	return id
}

func (t *xtree) text(s sref) int32 {
	t.nodes = append(t.nodes, xnode{name: s, space: textNode})
	return int32(len(t.nodes) - 1)
}

// parse reads src with the protections of parseString and keeps what
// parseString keeps: comments and processing instructions are dropped, and
// so is white space between child elements; the text of a leaf is kept
// whole.
func (t *xtree) parse(tk *xmltok.Tokenizer, src string, po parseOptions) error {
	t.src = src
	tk.Reset(src, po.tokOptions())
	stack := t.stack[:0]
	defer func() { t.stack = stack[:0] }()
	for {
		tok, err := tk.Next()
		if err != nil {
			return decodeError(err, po)
		}
		switch tok.Kind {
		case xmltok.StartElement:
			space := t.spaceID(tok.Name.Space)
			id := int32(len(t.nodes))
			t.nodes = append(t.nodes, xnode{name: t.ref(tok.Name.Local), space: space})
			if len(stack) == 0 {
				t.root = id
			} else {
				f := &stack[len(stack)-1]
				f.kids, f.ws = true, sref{}
				t.scratch = append(t.scratch, id)
			}
			if len(tok.Attr) > 0 {
				a0 := len(t.attrs)
				for _, a := range tok.Attr {
					t.attrs = append(t.attrs, xattr{space: t.spaceID(a.Name.Space), name: t.ref(a.Name.Local), value: t.ref(a.Value)})
				}
				n := &t.nodes[id]
				n.attr0, n.nattr = int32(a0), int32(len(tok.Attr))
			}
			stack = append(stack, xframe{el: id, start: len(t.scratch)})
		case xmltok.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !f.kids && f.ws.n > 0 {
				t.scratch = append(t.scratch, t.text(f.ws))
				f.texts = true
			}
			n := &t.nodes[f.el]
			n.elems, n.texts = f.kids, f.texts
			if kids := t.scratch[f.start:]; len(kids) > 0 {
				n.kid0, n.nkid = int32(len(t.kids)), int32(len(kids))
				t.kids = append(t.kids, kids...)
				t.scratch = t.scratch[:f.start]
			}
		case xmltok.CharData:
			if len(stack) == 0 {
				continue
			}
			f := &stack[len(stack)-1]
			if isSpace(tok.Text) {
				if !f.kids {
					f.ws = t.concat(f.ws, tok.Text)
				}
				continue
			}
			t.scratch = append(t.scratch, t.text(t.concat(f.ws, tok.Text)))
			f.ws, f.texts = sref{}, true
		case xmltok.EOF:
			t.rsm, t.ram, t.udt = noSpace, noSpace, noSpace
			for i, p := range t.spaces {
				switch p {
				case "rsm":
					t.rsm = int32(i + 1)
				case "ram":
					t.ram = int32(i + 1)
				case "udt":
					t.udt = int32(i + 1)
				}
			}
			return nil
		}
	}
}

// uri is the namespace of an element or attribute space.
func (t *xtree) uri(space int32) string {
	if space <= 0 {
		return ""
	}
	return t.uris[space-1]
}

func (t *xtree) prefix(space int32) string {
	if space <= 0 {
		return ""
	}
	return t.spaces[space-1]
}

func (t *xtree) tag(e int32) string { return t.str(t.nodes[e].name) }

// children are the child nodes of e (elements and texts).
func (t *xtree) children(e int32) []int32 {
	n := &t.nodes[e]
	return t.kids[n.kid0 : n.kid0+n.nkid]
}

func (t *xtree) isElem(k int32) bool { return t.nodes[k].space != textNode }

// hasElems is hasChildElements.
func (t *xtree) hasElems(e int32) bool { return t.nodes[e].elems }

// leafText is the character data of an element, concatenated.
func (t *xtree) leafText(e int32) string {
	n := &t.nodes[e]
	if !n.texts {
		return ""
	}
	if n.nkid == 1 {
		if c := &t.nodes[t.kids[n.kid0]]; c.space == textNode {
			return t.str(c.name)
		}
	}
	var b strings.Builder
	for _, k := range t.children(e) {
		if c := &t.nodes[k]; c.space == textNode {
			b.WriteString(t.str(c.name))
		}
	}
	return b.String()
}

// kid is the first child element of e named space:local, or -1 (also for
// e < 0).
func (t *xtree) kid(e, space int32, local string) int32 {
	if e < 0 {
		return -1
	}
	for _, k := range t.children(e) {
		if c := &t.nodes[k]; c.space == space && t.str(c.name) == local {
			return k
		}
	}
	return -1
}

// attr is the attribute local without namespace of e, or nil.
func (t *xtree) attr(e int32, local string) *xattr {
	n := &t.nodes[e]
	for i := n.attr0; i < n.attr0+n.nattr; i++ {
		if a := &t.attrs[i]; a.space == 0 && t.str(a.name) == local {
			return a
		}
	}
	return nil
}

func (t *xtree) attrValue(e int32, local, dflt string) string {
	if a := t.attr(e, local); a != nil {
		return t.str(a.value)
	}
	return dflt
}

// attrClaimed reports whether attribute a of n is among its claimed ones.
func (t *xtree) attrClaimed(n *xnode, a *xattr) bool {
	if n.attrClaims == 0 || a.space != 0 {
		return false
	}
	name := t.str(a.name)
	for i, c := range claimNames {
		if n.attrClaims&(1<<i) != 0 && name == c {
			return true
		}
	}
	return false
}

// stepFor names element or attribute space:local.
func (t *xtree) stepFor(space int32, local string, attr bool, index int) step {
	s := step{attr: attr, local: local, index: index}
	if space <= 0 {
		return s
	}
	if t.pref[space-1] {
		s.space = t.spaces[space-1]
	} else {
		s.uri = t.uris[space-1]
	}
	return s
}

// xpart is an unclaimed element (with its subtree) or attribute.
type xpart struct {
	path []step
	el   int32  // -1 for an attribute or a text
	attr string // attribute value or text
}

// collect walks the tree and returns the parts that were not claimed.
func (t *xtree) collect() []xpart {
	var out []xpart
	// The path to the element walked, in plain values; with makes the
	// steps of a reported part.
	type xstep struct {
		space int32
		name  sref
		index int
	}
	path := make([]xstep, 1, 16)
	path[0] = xstep{t.nodes[t.root].space, t.nodes[t.root].name, 0}
	with := func(s step) []step {
		p := make([]step, len(path)+1)
		for i, x := range path {
			p[i] = t.stepFor(x.space, t.str(x.name), false, x.index)
		}
		p[len(path)] = s
		return p
	}
	var walk func(e int32)
	walk = func(e int32) {
		n := &t.nodes[e]
		for i := n.attr0; i < n.attr0+n.nattr; i++ {
			a := &t.attrs[i]
			if !t.attrClaimed(n, a) {
				out = append(out, xpart{path: with(t.stepFor(a.space, t.str(a.name), false, 0).asAttr()), el: -1, attr: t.str(a.value)})
			}
		}
		if !n.textClaimed {
			if s := t.leafText(e); strings.TrimSpace(s) != "" {
				// Text of an element mapped only as a structure (or mixed
				// with its child elements): kept as one text node at the
				// start of the element, addressed as text().
				out = append(out, xpart{path: with(step{local: "text()"}), el: -1, attr: s})
			}
		}
		var pos xsiblings
		for _, k := range t.children(e) {
			kn := &t.nodes[k]
			if kn.space == textNode {
				continue
			}
			index := pos.next(t, k)
			if !kn.claimed {
				out = append(out, xpart{path: with(t.stepFor(kn.space, t.str(kn.name), false, index)), el: k})
				continue
			}
			if kn.nattr == 0 && !kn.elems && (kn.textClaimed || strings.TrimSpace(t.leafText(k)) == "") {
				continue // nothing in it is unmapped
			}
			path = append(path, xstep{kn.space, kn.name, index})
			walk(k)
			path = path[:len(path)-1]
		}
	}
	walk(t.root)
	return out
}

// xsiblings gives the 1-based position of each child among its
// same-named siblings, in document order.
type xsiblings struct {
	n     int
	first [16]int32 // first child of each name
	count [16]int
	many  map[xname]int // once there are more names
}

type xname struct {
	space int32
	local string
}

func (s *xsiblings) next(t *xtree, k int32) int {
	kn := &t.nodes[k]
	if s.many != nil {
		n := xname{kn.space, t.str(kn.name)}
		s.many[n]++
		return s.many[n]
	}
	for i, f := range s.first[:s.n] {
		if fn := &t.nodes[f]; fn.space == kn.space && t.str(fn.name) == t.str(kn.name) {
			s.count[i]++
			return s.count[i]
		}
	}
	if s.n == len(s.first) {
		s.many = make(map[xname]int, 2*len(s.first))
		for i, f := range s.first {
			s.many[xname{t.nodes[f].space, t.tag(f)}] = s.count[i]
		}
		return s.next(t, k)
	}
	s.first[s.n], s.count[s.n] = k, 1
	s.n++
	return 1
}

// leaves flattens an unmapped part into reported leaves.
func (t *xtree) leaves(u xpart, out []Unmapped) []Unmapped {
	if u.el < 0 {
		return append(out, Unmapped{XPath: xpathString(u.path), Value: u.attr})
	}
	var walk func(e int32, path []step)
	walk = func(e int32, path []step) {
		n := &t.nodes[e]
		for i := n.attr0; i < n.attr0+n.nattr; i++ {
			a := &t.attrs[i]
			p := append(append([]step(nil), path...), t.stepFor(a.space, t.str(a.name), true, 0))
			out = append(out, Unmapped{XPath: xpathString(p), Value: t.str(a.value)})
		}
		if !n.elems {
			out = append(out, Unmapped{XPath: xpathString(path), Value: t.leafText(e)})
			return
		}
		counts := map[xname]int{}
		for _, k := range t.children(e) {
			kn := &t.nodes[k]
			if kn.space == textNode {
				continue
			}
			name := xname{kn.space, t.str(kn.name)}
			counts[name]++
			walk(k, append(append([]step(nil), path...), t.stepFor(kn.space, name.local, false, counts[name])))
		}
	}
	walk(u.el, u.path)
	return out
}

// etree copies the subtree of e into a new etree element, as parseString
// would have built it.
func (t *xtree) etree(e int32) *etree.Element {
	n := &t.nodes[e]
	el := etree.NewElement(t.str(n.name))
	el.Space = t.prefix(n.space)
	for i := n.attr0; i < n.attr0+n.nattr; i++ {
		a := &t.attrs[i]
		key := t.str(a.name)
		if a.space != 0 {
			key = t.prefix(a.space) + ":" + key
		}
		el.CreateAttr(key, t.str(a.value))
	}
	for _, k := range t.children(e) {
		if kn := &t.nodes[k]; kn.space == textNode {
			el.AddChild(etree.NewText(t.str(kn.name)))
		} else {
			el.AddChild(t.etree(k))
		}
	}
	return el
}

// fragment serializes an unmapped element as tree.fragment does.
func (t *xtree) fragment(e int32) string {
	return (&tree{ns: t.ns}).fragment(t.etree(e))
}

func (t *xtree) reset() {
	t.src = ""
	clear(t.extra)
	clear(t.uris)
	clear(t.spaces)
	t.extra, t.uris, t.spaces, t.pref = bounded(t.extra), bounded(t.uris), bounded(t.spaces), bounded(t.pref)
	t.ids, t.ns = nil, nil
	t.nodes, t.attrs, t.kids, t.scratch = bounded(t.nodes), bounded(t.attrs), bounded(t.kids), bounded(t.scratch)
}

// xtreeMax bounds the length of the slices that a pooled tree keeps after
// a large document.
const xtreeMax = 1 << 15

// bounded empties s, dropping it when it grew beyond xtreeMax.
func bounded[T any](s []T) []T {
	if cap(s) > xtreeMax {
		return nil
	}
	return s[:0]
}

// decodeState is what one Decode needs beyond its result: the tokenizer,
// the tree, the namespace table, the lists of child elements the decoder
// asks for and the claims log. Decodes take one from decodeStates and give
// it back when the tree is no longer used. Apart from the namespace names
// and the translation targets, it holds no pointers.
type decodeState struct {
	tk    xmltok.Tokenizer
	t     xtree
	ns    nsTable
	lists []int32
	log   []int32
	texts map[string]*ecert.Text // decoder.texts
}

var decodeStates = sync.Pool{New: func() any {
	return &decodeState{texts: map[string]*ecert.Text{}}
}}

func getDecodeState() *decodeState {
	st := decodeStates.Get().(*decodeState)
	st.ns.reset()
	st.t.ns = &st.ns
	return st
}

func putDecodeState(st *decodeState) {
	st.t.reset()
	st.ns.reset()
	clear(st.texts)
	st.lists, st.log = bounded(st.lists), bounded(st.log)
	st.tk.Reset("", xmltok.Options{})
	decodeStates.Put(st)
}
