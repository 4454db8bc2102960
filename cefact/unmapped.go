package cefact

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Unmapped is a leaf of a decoded document that the certificate model does
// not hold: an element's text or an attribute's value, with its XPath
// (canonical prefixes rsm, ram, udt, qdt, ds, xsi; 1-based positions among
// same-named siblings, e.g.
// /rsm:SPSCertificate/rsm:SPSConsignment/ram:UtilizedSPSTransportEquipment[1]/ram:AffixedSPSSeal[1]/ram:ID[1]).
// Decode also keeps these parts in the certificate's Extensions (see
// ExtensionXMLPrefix) so that Encode writes them back.
type Unmapped struct {
	XPath string
	Value string
}

// implicitPrefixes are bound in every fragment without declaration.
var implicitPrefixes = map[string]string{
	"rsm": NSCertificate,
	"ram": NSRAM,
	"udt": NSUDT,
	"qdt": NSQDT,
}

// step is one step of an XPath as written by this package.
type step struct {
	attr  bool
	space string // canonical prefix, or "" with uri set
	uri   string // for namespaces without a canonical prefix
	local string
	index int // 1-based; 0 for attributes and the root
}

func (s step) String() string {
	var b strings.Builder
	if s.attr {
		b.WriteByte('@')
	}
	switch {
	case s.uri != "":
		q := "'"
		if strings.Contains(s.uri, q) {
			q = `"`
		}
		fmt.Fprintf(&b, "*[local-name()='%s' and namespace-uri()=%s%s%s]", s.local, q, s.uri, q)
	case s.space != "":
		b.WriteString(s.space + ":" + s.local)
	default:
		b.WriteString(s.local)
	}
	if s.index > 0 {
		b.WriteString("[" + strconv.Itoa(s.index) + "]")
	}
	return b.String()
}

// parseXPath splits an XPath written by step.String.
func parseXPath(p string) ([]step, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("xpath %q: not absolute", p)
	}
	var steps []step
	i := 1
	for i <= len(p) {
		var s step
		if i < len(p) && p[i] == '@' {
			s.attr = true
			i++
		}
		rest := p[i:]
		switch {
		case strings.HasPrefix(rest, "*[local-name()='"):
			rest = rest[len("*[local-name()='"):]
			j := strings.IndexByte(rest, '\'')
			if j < 0 {
				return nil, fmt.Errorf("xpath %q: bad step", p)
			}
			s.local = rest[:j]
			rest = rest[j:]
			const mid = "' and namespace-uri()="
			if !strings.HasPrefix(rest, mid) || len(rest) < len(mid)+1 {
				return nil, fmt.Errorf("xpath %q: bad step", p)
			}
			rest = rest[len(mid):]
			q := rest[0]
			if q != '\'' && q != '"' {
				return nil, fmt.Errorf("xpath %q: bad step", p)
			}
			rest = rest[1:]
			j = strings.IndexByte(rest, q)
			if j < 0 || !strings.HasPrefix(rest[j+1:], "]") {
				return nil, fmt.Errorf("xpath %q: bad step", p)
			}
			s.uri = rest[:j]
			i += len("*[local-name()='") + len(s.local) + len(mid) + 1 + len(s.uri) + 2
		default:
			j := strings.IndexAny(rest, "[/")
			if j < 0 {
				j = len(rest)
			}
			name := rest[:j]
			if k := strings.IndexByte(name, ':'); k >= 0 {
				s.space, s.local = name[:k], name[k+1:]
			} else {
				s.local = name
			}
			i += j
		}
		if s.local == "" {
			return nil, fmt.Errorf("xpath %q: empty step", p)
		}
		if i < len(p) && p[i] == '[' {
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("xpath %q: bad position", p)
			}
			n, err := strconv.Atoi(p[i+1 : i+j])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("xpath %q: bad position", p)
			}
			s.index = n
			i += j + 1
		}
		steps = append(steps, s)
		if i >= len(p) {
			break
		}
		if p[i] != '/' {
			return nil, fmt.Errorf("xpath %q: unexpected %q", p, p[i])
		}
		i++
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("xpath %q: empty", p)
	}
	for k, s := range steps {
		if s.attr && k != len(steps)-1 {
			return nil, fmt.Errorf("xpath %q: attribute step before the end", p)
		}
		if !s.attr && k > 0 && s.index == 0 && !(s.local == "text()" && k == len(steps)-1) {
			return nil, fmt.Errorf("xpath %q: step %d has no position", p, k+1)
		}
	}
	return steps, nil
}

func (s step) asAttr() step { s.attr = true; return s }

func xpathString(path []step) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteByte('/')
		b.WriteString(s.String())
	}
	return b.String()
}

// fragment serializes an unmapped element with declarations for the
// namespaces it uses beyond the implicit ones.
func (t *tree) fragment(e *etree.Element) string {
	used := map[string]bool{}
	var scan func(e *etree.Element)
	scan = func(e *etree.Element) {
		if e.Space != "" {
			used[e.Space] = true
		}
		for _, a := range e.Attr {
			if a.Space != "" && a.Space != "xml" {
				used[a.Space] = true
			}
		}
		for _, k := range e.ChildElements() {
			scan(k)
		}
	}
	scan(e)
	cp := e.Copy()
	stripIndent(cp)
	prefixes := make([]string, 0, len(used))
	for p := range used {
		if p == "rsm" && (t.uriOf(p) == NSCertificate || t.uriOf(p) == NSAcknowledgement) {
			continue // the document's own prefix
		}
		if implicitPrefixes[p] != t.uriOf(p) {
			prefixes = append(prefixes, p)
		}
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		cp.CreateAttr("xmlns:"+p, t.uriOf(p))
	}
	doc := etree.NewDocument()
	doc.WriteSettings.CanonicalText = true
	doc.WriteSettings.CanonicalAttrVal = true
	doc.AddChild(cp)
	s, _ := doc.WriteToString()
	return s
}

// insertUnmapped writes the ExtensionXMLPrefix entries of ext back into
// the tree under root, whose schema type is rootType.
func insertUnmapped(root *etree.Element, ext map[string]string, rootType, rsmURI string) error {
	type entry struct {
		key   string
		steps []step
		value string
	}
	var entries []entry
	for k, v := range ext {
		p, ok := strings.CutPrefix(k, ExtensionXMLPrefix)
		if !ok {
			continue
		}
		steps, err := parseXPath(p)
		if err != nil {
			return fmt.Errorf("cefact: encode: extension %q: %w", k, err)
		}
		if len(steps) < 2 {
			return fmt.Errorf("cefact: encode: extension %q: no place below the root", k)
		}
		entries = append(entries, entry{k, steps, v})
	}
	if len(entries) == 0 {
		return nil
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i].steps, entries[j].steps
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		for k := range a {
			if a[k].space != b[k].space || a[k].local != b[k].local || a[k].uri != b[k].uri || a[k].attr != b[k].attr {
				return a[k].String() < b[k].String()
			}
			if a[k].index != b[k].index {
				return a[k].index < b[k].index
			}
		}
		return false
	})
	implicit := map[string]string{"rsm": rsmURI, "ram": NSRAM, "udt": NSUDT, "qdt": NSQDT}
	ns := newNSTable()
	for p, u := range implicit {
		ns.uri[p] = u
		ns.prefix[u] = p
	}
	ins := &inserter{root: root, rootType: rootType, ns: ns, implicit: implicit,
		kids: map[*etree.Element]map[string][]*etree.Element{}, types: map[*etree.Element]string{root: rootType}}
	for _, en := range entries {
		if err := ins.insert(en.steps, en.value); err != nil {
			return fmt.Errorf("cefact: encode: extension %q: %w", en.key, err)
		}
	}
	ins.reorder()
	// Declare the namespaces the inserted parts brought.
	var extra []string
	for p, u := range ns.uri {
		if implicit[p] != u && p != "xml" {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		if root.SelectAttr("xmlns:"+p) == nil {
			root.CreateAttr("xmlns:"+p, ns.uri[p])
		}
	}
	return nil
}

func spaceOf(s step, ns *nsTable) string {
	if s.uri != "" {
		return ns.prefixFor(s.uri)
	}
	if s.space != "" && ns.uri[s.space] == "" {
		if u, ok := preferredURI[s.space]; ok {
			return ns.prefixFor(u)
		}
	}
	return s.space
}

var preferredURI = map[string]string{"ds": NSDSig, "xsi": NSXSI, "xml": nsXML}

// inserter puts kept parts back into an encoded tree. It keeps, for each
// element it touches, its children by name in their final order, and
// rebuilds the child lists once at the end, so that inserting n parts
// costs O(n log n), not O(n^2).
type inserter struct {
	root     *etree.Element
	rootType string
	ns       *nsTable
	implicit map[string]string
	kids     map[*etree.Element]map[string][]*etree.Element // children by "space:tag", final order
	order    map[*etree.Element][]string                    // names in order of first appearance
	types    map[*etree.Element]string                      // schema type, where known
	dirty    []*etree.Element
}

func (in *inserter) byName(p *etree.Element) map[string][]*etree.Element {
	if m, ok := in.kids[p]; ok {
		return m
	}
	m := map[string][]*etree.Element{}
	if in.order == nil {
		in.order = map[*etree.Element][]string{}
	}
	for _, c := range p.ChildElements() {
		name := c.Space + ":" + c.Tag
		if _, seen := m[name]; !seen {
			in.order[p] = append(in.order[p], name)
		}
		m[name] = append(m[name], c)
	}
	in.kids[p] = m
	return m
}

// add makes e the index-th child named like it of p (or the last).
func (in *inserter) add(p, e *etree.Element, index int) {
	m := in.byName(p)
	name := e.Space + ":" + e.Tag
	list, seen := m[name]
	if !seen {
		in.order[p] = append(in.order[p], name)
	}
	i := min(index-1, len(list))
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = e
	m[name] = list
	p.AddChild(e) // parent link; the position is fixed by reorder
	if len(in.dirty) == 0 || in.dirty[len(in.dirty)-1] != p {
		in.dirty = append(in.dirty, p)
	}
}

func (in *inserter) insert(steps []step, value string) error {
	cur := in.root
	last := len(steps) - 1
	for k := 1; k < last; k++ {
		s := steps[k]
		sp := spaceOf(s, in.ns)
		m := in.byName(cur)
		for len(m[sp+":"+s.local]) < s.index {
			// Structure that the mapped part did not regenerate.
			e := etree.NewElement(s.local)
			e.Space = sp
			in.add(cur, e, s.index)
		}
		next := m[sp+":"+s.local][s.index-1]
		in.types[next] = childType(in.types[cur], s.local)
		cur = next
	}
	s := steps[last]
	if s.local == "text()" && !s.attr {
		cur.InsertChildAt(0, etree.NewText(value))
		return nil
	}
	if s.attr {
		key := s.local
		if sp := spaceOf(s, in.ns); sp != "" {
			key = sp + ":" + s.local
		}
		cur.CreateAttr(key, value)
		return nil
	}
	ft, err := parseString(value, parseOptions{maxDepth: DefaultMaxDepth, maxElems: DefaultMaxElements, implicit: in.implicit, fragment: true}, in.ns)
	if err != nil {
		return err
	}
	kids := ft.root.ChildElements()
	if len(kids) != 1 {
		return errors.New("want exactly one element")
	}
	frag := kids[0]
	ft.root.RemoveChild(frag)
	if frag.Space != spaceOf(s, in.ns) || frag.Tag != s.local {
		return fmt.Errorf("element <%s:%s> does not match the path", frag.Space, frag.Tag)
	}
	in.add(cur, frag, s.index)
	return nil
}

// reorder rebuilds the child lists of the elements that received parts:
// text first, then the children grouped by name in schema order (names
// the schema does not know after, in order of appearance), each group in
// its final order.
func (in *inserter) reorder() {
	done := map[*etree.Element]bool{}
	for _, p := range in.dirty {
		if done[p] {
			continue
		}
		done[p] = true
		rank := map[string]int{}
		for i, c := range schemaTypes[in.types[p]] {
			rank[c.name] = i
		}
		names := append([]string(nil), in.order[p]...)
		sort.SliceStable(names, func(i, j int) bool {
			ri, oki := rank[localOf(names[i])]
			rj, okj := rank[localOf(names[j])]
			switch {
			case oki && okj:
				return ri < rj
			case oki != okj:
				return oki
			}
			return false
		})
		child := make([]etree.Token, 0, len(p.Child))
		for _, c := range p.Child {
			if _, ok := c.(*etree.Element); !ok {
				child = append(child, c)
			}
		}
		m := in.kids[p]
		for _, n := range names {
			for _, e := range m[n] {
				child = append(child, e)
			}
		}
		p.Child = child
		p.ReindexChildren()
	}
}

func localOf(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func childrenNamed(p *etree.Element, space, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range p.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == local && e.Space == space {
			out = append(out, e)
		}
	}
	return out
}

func childType(parentType, local string) string {
	for _, c := range schemaTypes[parentType] {
		if c.name == local {
			return c.typ
		}
	}
	return ""
}

type schemaChild struct{ name, typ string }

// stripIndent removes whitespace-only text from elements that have child
// elements, so that re-indenting the output does not accumulate it.
func stripIndent(e *etree.Element) {
	if !hasChildElements(e) {
		return
	}
	kept := e.Child[:0]
	for _, c := range e.Child {
		if cd, ok := c.(*etree.CharData); ok && strings.TrimSpace(cd.Data) == "" {
			continue
		}
		if k, ok := c.(*etree.Element); ok {
			stripIndent(k)
		}
		kept = append(kept, c)
	}
	for i := len(kept); i < len(e.Child); i++ {
		e.Child[i] = nil
	}
	e.Child = kept
	for i, c := range e.Child {
		switch x := c.(type) {
		case *etree.Element:
			_ = x
		}
		_ = i
	}
	e.ReindexChildren()
}
