// Package diff classifies what an incremental update changed in a PDF,
// for the modification analysis of signature validation.
//
// Each revision is compared with the one before it: every object its
// cross-reference section (re)defines or frees is compared with its
// previous value and judged by the role it played in the previous
// revision (page, content stream, font, form field, DSS, ...). The
// outcome is a list of Changes, each in a Class:
//
//	DSS          DSS/VRI validation data or a document timestamp added
//	Signature    a signature added to an empty or new signature field
//	FormFilling  values (and their appearances) of existing form fields
//	Annotation   annotations added, changed or removed
//	Other        anything else: page content, resources, fonts, XObjects,
//	             the page tree, deleted objects, redefined references ...
//
// A Change that draws over page content (a visible new annotation or
// signature widget) is marked Covers. Permitted applies DocMDP rules.
package diff

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

// Class is the kind of a change, from least to most serious.
type Class int

const (
	None Class = iota
	DSS
	Signature
	FormFilling
	Annotation
	Other
)

func (c Class) String() string {
	switch c {
	case None:
		return "none"
	case DSS:
		return "DSS or timestamps"
	case Signature:
		return "signatures"
	case FormFilling:
		return "form filling"
	case Annotation:
		return "annotations"
	}
	return "other"
}

// Change is one change found between two revisions.
type Change struct {
	Class  Class
	Covers bool   // it draws over page content
	Object int    // the object number concerned, 0 when none
	What   string // for people: "page 1: content stream (object 5 0 R) replaced"
}

// Permitted reports whether a change is allowed after a signature with
// DocMDP permission level p (1, 2 or 3; 0 means no DocMDP: an approval
// signature, which here allows what P=1 allows plus new signatures).
// Changes that cover page content are never permitted.
func Permitted(c Change, p int) bool {
	if c.Covers {
		return false
	}
	switch c.Class {
	case None, DSS:
		return true
	case Signature:
		return p != 1
	case FormFilling:
		return p == 2 || p == 3
	case Annotation:
		return p == 3
	}
	return false
}

// Limits bound the analysis.
type Limits struct {
	MaxObjects int // objects walked per revision (default 200,000)
}

// Revision compares old (the file as it was before an update) with cur
// (the file after it) and returns the changes. Both readers must be
// opened on prefixes of the same file, cur's longer.
func Revision(old, cur *pdf.Reader, lim Limits) ([]Change, error) {
	if lim.MaxObjects <= 0 {
		lim.MaxObjects = 200_000
	}
	a := &analysis{old: old, cur: cur, lim: lim}
	if err := a.mapRoles(); err != nil {
		return nil, err
	}
	return a.run()
}

// role is what an object was used for in the old revision.
type role struct {
	kind  kind
	label string // "page 1: content stream", "form field \"name\""
	page  int    // 1-based page number, 0 when none
}

type kind int

const (
	kUnused kind = iota
	kCatalog
	kPageTree
	kPage
	kContent // page content, resources, fonts, XObjects: anything drawn
	kAnnots  // an /Annots array
	kAnnot   // an annotation that is not a form field widget
	kAnnotAP // appearance streams of annotations
	kAcroForm
	kFields // /Fields or /Kids array of fields
	kField  // a form field and/or its widget
	kFieldAP
	kSigValue
	kDSS
	kInfo
	kMetadata
	kOther
)

type analysis struct {
	old, cur *pdf.Reader
	lim      Limits
	roles    map[int]role
	refs     map[int]bool // every object number referenced in the old revision
	pageOf   map[int]int  // page object number -> page number
	changes  []Change
	visited  int
}

func (a *analysis) add(c Change) { a.changes = append(a.changes, c) }

// mapRoles walks the old revision from its trailer and labels objects.
// The first label an object gets wins; the walk visits page content
// before annotations and forms, so an object shared by both counts as
// page content.
func (a *analysis) mapRoles() error {
	a.roles = map[int]role{}
	a.refs = map[int]bool{}
	a.pageOf = map[int]int{}
	tr := a.old.Trailer()
	cat, catRef, err := a.old.Catalog()
	if err != nil {
		return err
	}
	a.set(catRef.Num, role{kind: kCatalog, label: "document catalog"})
	pages, err := a.old.Pages()
	if err != nil {
		return err
	}
	if pr, ok := cat["Pages"].(pdf.Ref); ok {
		a.set(pr.Num, role{kind: kPageTree, label: "page tree"})
	}
	for i, p := range pages {
		a.pageOf[p.Num] = i + 1
		a.set(p.Num, role{kind: kPage, label: fmt.Sprintf("page %d", i+1), page: i + 1})
	}
	// Page tree nodes between the root and the pages.
	a.walkPageTree(cat["Pages"], 0)
	for i, p := range pages {
		n := i + 1
		pd, err := a.old.Dict(p)
		if err != nil || pd == nil {
			continue
		}
		a.markAll(pd["Contents"], role{kind: kContent, label: fmt.Sprintf("page %d: content stream", n), page: n}, 0)
		res, err := a.old.PageAttr(p, "Resources")
		if err == nil {
			if rr, ok := pageAttrRef(a.old, p, "Resources"); ok {
				a.set(rr.Num, role{kind: kContent, label: fmt.Sprintf("page %d: resources", n), page: n})
			}
			a.markResources(res, fmt.Sprintf("page %d", n), n, 0)
		}
		for _, k := range []pdf.Name{"Group", "Thumb", "MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox", "BoxColorInfo", "Rotate"} {
			a.markAll(pd[k], role{kind: kContent, label: fmt.Sprintf("page %d: /%s", n, k), page: n}, 0)
		}
	}
	// Form fields before annotations: a widget is judged as a field.
	if af, ok := cat["AcroForm"]; ok {
		if r, ok := af.(pdf.Ref); ok {
			a.set(r.Num, role{kind: kAcroForm, label: "interactive form (AcroForm)"})
		}
		afd, _ := a.old.Dict(af)
		if afd != nil {
			if r, ok := afd["Fields"].(pdf.Ref); ok {
				a.set(r.Num, role{kind: kFields, label: "form field list"})
			}
			fields, _ := a.old.Resolve(afd["Fields"])
			if arr, ok := fields.(pdf.Array); ok {
				for _, f := range arr {
					a.markField(f, "", 0)
				}
			}
			a.markAll(afd["DR"], role{kind: kContent, label: "form default resources"}, 0)
		}
	}
	for i, p := range pages {
		n := i + 1
		pd, err := a.old.Dict(p)
		if err != nil || pd == nil {
			continue
		}
		if r, ok := pd["Annots"].(pdf.Ref); ok {
			a.set(r.Num, role{kind: kAnnots, label: fmt.Sprintf("page %d: annotation list", n), page: n})
		}
		annots, _ := a.old.Resolve(pd["Annots"])
		arr, _ := annots.(pdf.Array)
		for _, an := range arr {
			r, ok := an.(pdf.Ref)
			if !ok {
				continue
			}
			d, _ := a.old.Dict(r)
			label := fmt.Sprintf("page %d: %s annotation", n, annotKind(d))
			a.set(r.Num, role{kind: kAnnot, label: label, page: n})
			if d != nil {
				a.markAll(d["AP"], role{kind: kAnnotAP, label: label + " appearance", page: n}, 0)
				a.markAll(d["Popup"], role{kind: kAnnot, label: fmt.Sprintf("page %d: Popup annotation", n), page: n}, 0)
			}
		}
	}
	if dss, ok := cat["DSS"]; ok {
		a.markAll(dss, role{kind: kDSS, label: "DSS"}, 0)
	}
	a.markAll(tr["Info"], role{kind: kInfo, label: "document information"}, 0)
	a.markAll(cat["Metadata"], role{kind: kMetadata, label: "XMP metadata"}, 0)
	for k, v := range cat {
		if k == "Pages" || k == "AcroForm" || k == "DSS" || k == "Metadata" {
			continue
		}
		a.markAll(v, role{kind: kOther, label: "document catalog /" + string(k)}, 0)
	}
	return nil
}

func pageAttrRef(r *pdf.Reader, page pdf.Ref, key pdf.Name) (pdf.Ref, bool) {
	var cur pdf.Object = page
	for i := 0; i < 64; i++ {
		d, err := r.Dict(cur)
		if err != nil || d == nil {
			return pdf.Ref{}, false
		}
		if v, ok := d[key]; ok {
			ref, ok := v.(pdf.Ref)
			return ref, ok
		}
		p, ok := d["Parent"]
		if !ok {
			return pdf.Ref{}, false
		}
		cur = p
	}
	return pdf.Ref{}, false
}

func (a *analysis) walkPageTree(o pdf.Object, depth int) {
	r, ok := o.(pdf.Ref)
	if !ok || depth > 64 {
		return
	}
	d, _ := a.old.Dict(r)
	if d == nil {
		return
	}
	if _, isPage := a.pageOf[r.Num]; isPage {
		return
	}
	a.set(r.Num, role{kind: kPageTree, label: "page tree"})
	if res, ok := d["Resources"]; ok {
		a.markResources(res, "page tree", 0, 0)
		if rr, ok := res.(pdf.Ref); ok {
			a.set(rr.Num, role{kind: kContent, label: "inherited page resources"})
		}
	}
	kids, _ := a.old.Resolve(d["Kids"])
	if arr, ok := kids.(pdf.Array); ok {
		for _, k := range arr {
			a.walkPageTree(k, depth+1)
		}
	}
}

func (a *analysis) markResources(res pdf.Object, where string, page, depth int) {
	d, _ := a.old.Dict(res)
	if d == nil || depth > 16 {
		return
	}
	for cat, v := range d {
		sub, _ := a.old.Dict(v)
		if r, ok := v.(pdf.Ref); ok {
			a.set(r.Num, role{kind: kContent, label: fmt.Sprintf("%s: /%s resources", where, cat), page: page})
		}
		if sub == nil {
			continue
		}
		for name, item := range sub {
			label := fmt.Sprintf("%s: %s /%s", where, resKind(cat), name)
			if r, ok := item.(pdf.Ref); ok {
				if _, seen := a.roles[r.Num]; !seen && cat == "XObject" {
					a.set(r.Num, role{kind: kContent, label: label, page: page})
					// A form XObject has resources of its own.
					if xd, _ := a.old.Dict(r); xd != nil {
						a.markResources(xd["Resources"], label, page, depth+1)
					}
				}
			}
			a.markAll(item, role{kind: kContent, label: label, page: page}, 0)
		}
	}
}

func resKind(cat pdf.Name) string {
	switch cat {
	case "Font":
		return "font"
	case "XObject":
		return "XObject"
	case "ExtGState":
		return "graphics state"
	case "Pattern":
		return "pattern"
	case "Shading":
		return "shading"
	case "ColorSpace":
		return "colour space"
	case "Properties":
		return "marked-content properties"
	}
	return "resource"
}

func (a *analysis) markField(o pdf.Object, parent string, depth int) {
	r, ok := o.(pdf.Ref)
	if !ok || depth > 32 {
		return
	}
	d, _ := a.old.Dict(r)
	if d == nil {
		return
	}
	name := parent
	if t, ok := d["T"].(pdf.String); ok {
		if name != "" {
			name += "."
		}
		name += string(t)
	}
	label := fmt.Sprintf("form field %q", name)
	if p, ok := d["P"].(pdf.Ref); ok {
		if n := a.pageOf[p.Num]; n > 0 {
			label = fmt.Sprintf("page %d: %s", n, label)
		}
	}
	if _, seen := a.roles[r.Num]; seen && a.roles[r.Num].kind != kUnused {
		return
	}
	a.set(r.Num, role{kind: kField, label: label})
	if v, ok := d["V"].(pdf.Ref); ok {
		if vd, _ := a.old.Dict(v); vd != nil && (vd.Name("Type") == "Sig" || vd.Name("Type") == "DocTimeStamp" || vd["ByteRange"] != nil) {
			a.set(v.Num, role{kind: kSigValue, label: label + ": signature dictionary"})
			a.markAll(v, role{kind: kSigValue, label: label + ": signature dictionary"}, 0)
		}
	}
	a.markAll(d["AP"], role{kind: kFieldAP, label: label + ": appearance"}, 0)
	if r, ok := d["Kids"].(pdf.Ref); ok {
		a.set(r.Num, role{kind: kFields, label: label + ": kids"})
	}
	kids, _ := a.old.Resolve(d["Kids"])
	if arr, ok := kids.(pdf.Array); ok {
		for _, k := range arr {
			a.markField(k, name, depth+1)
		}
	}
	for _, k := range []pdf.Name{"DR", "MK"} {
		a.markAll(d[k], role{kind: kFieldAP, label: label + ": /" + string(k)}, 0)
	}
}

func (a *analysis) set(num int, r role) {
	if _, ok := a.roles[num]; !ok {
		a.roles[num] = r
	}
	a.refs[num] = true
}

// markAll labels every object reachable from o that has no label yet, and
// records every reference it meets.
func (a *analysis) markAll(o pdf.Object, r role, depth int) {
	if depth > 256 || a.visited > a.lim.MaxObjects {
		return
	}
	switch v := o.(type) {
	case pdf.Ref:
		a.refs[v.Num] = true
		if _, ok := a.roles[v.Num]; ok {
			return
		}
		a.roles[v.Num] = r
		a.visited++
		obj, err := a.old.Get(v)
		if err != nil {
			return
		}
		a.markAll(obj, r, depth+1)
	case pdf.Dict:
		for k, x := range v {
			if k == "Parent" || k == "P" {
				if ref, ok := x.(pdf.Ref); ok {
					a.refs[ref.Num] = true
				}
				continue
			}
			a.markAll(x, r, depth+1)
		}
	case *pdf.Stream:
		a.markAll(v.Dict, r, depth+1)
	case pdf.Array:
		for _, x := range v {
			a.markAll(x, r, depth+1)
		}
	}
}

// collectRefs records every reference reachable from the old trailer,
// through any key, so that a later definition of a reference that was
// dangling when signed is caught, and gives objects the role walk did not
// label a generic one.
func (a *analysis) collectRefs() {
	seen := map[int]bool{}
	var queue []pdf.Object
	queue = append(queue, a.old.Trailer())
	var visit func(o pdf.Object, depth int)
	visit = func(o pdf.Object, depth int) {
		if depth > 256 {
			return
		}
		switch v := o.(type) {
		case pdf.Ref:
			a.refs[v.Num] = true
			if !seen[v.Num] && len(seen) < a.lim.MaxObjects {
				seen[v.Num] = true
				if _, ok := a.roles[v.Num]; !ok {
					a.roles[v.Num] = role{kind: kOther, label: fmt.Sprintf("object %d", v.Num)}
				}
				if obj, err := a.old.Get(v); err == nil && obj != nil {
					queue = append(queue, obj)
				}
			}
		case pdf.Dict:
			for _, x := range v {
				visit(x, depth+1)
			}
		case *pdf.Stream:
			visit(v.Dict, depth+1)
		case pdf.Array:
			for _, x := range v {
				visit(x, depth+1)
			}
		}
	}
	for len(queue) > 0 {
		o := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		visit(o, 0)
	}
}

func annotKind(d pdf.Dict) string {
	if d == nil {
		return "unknown"
	}
	if s := d.Name("Subtype"); s != "" {
		return string(s)
	}
	return "unknown"
}

// run compares the objects the update touched.
func (a *analysis) run() ([]Change, error) {
	a.collectRefs()
	// Trailer: the catalog must stay the same object; no encryption.
	oldRoot, _ := a.old.Trailer()["Root"].(pdf.Ref)
	newRoot, _ := a.cur.Trailer()["Root"].(pdf.Ref)
	if oldRoot != newRoot {
		// Some writers put the catalog in a new object: judge the new
		// catalog against the old one.
		oc, _ := a.old.Dict(oldRoot)
		nc, _ := a.cur.Dict(newRoot)
		if oc == nil || nc == nil || nc.Name("Type") != "Catalog" {
			a.add(Change{Class: Other, What: fmt.Sprintf("the document catalog was replaced (%v -> %v)", oldRoot, newRoot)})
		} else {
			a.catalog(newRoot.Num, oc, nc)
		}
	}
	if a.cur.Trailer()["Encrypt"] != nil && a.old.Trailer()["Encrypt"] == nil {
		a.add(Change{Class: Other, What: "encryption was added"})
	}
	touched := map[int]bool{}
	for _, n := range a.cur.ObjectNumbers() {
		if a.cur.ObjectRevision(n) == 0 {
			touched[n] = true
		}
	}
	curSet := map[int]bool{}
	for _, n := range a.cur.ObjectNumbers() {
		curSet[n] = true
	}
	for _, n := range a.old.ObjectNumbers() {
		if !curSet[n] {
			touched[n] = true // freed or dropped
		}
	}
	nums := make([]int, 0, len(touched))
	for n := range touched {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		if err := a.object(n); err != nil {
			return nil, err
		}
	}
	return dedupe(a.changes), nil
}

func dedupe(cs []Change) []Change {
	type key struct {
		c    Class
		obj  int
		what string
	}
	seen := map[key]bool{}
	var out []Change
	for _, c := range cs {
		k := key{c.Class, c.Object, c.What}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	return out
}

func getObj(r *pdf.Reader, num int) (pdf.Object, error) {
	gen, ok := r.ObjectGen(num)
	if !ok {
		return nil, nil
	}
	return r.Get(pdf.Ref{Num: num, Gen: gen})
}

func (a *analysis) object(n int) error {
	oldO, oerr := getObj(a.old, n)
	newO, nerr := getObj(a.cur, n)
	rl, used := a.roles[n]
	if nerr != nil {
		if used || a.refs[n] {
			a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) is unreadable after the update: %v", a.label(n), n, nerr)})
		}
		return nil
	}
	if oerr != nil {
		oldO = nil
	}
	if oldO == nil {
		if newO == nil {
			return nil
		}
		if a.refs[n] {
			a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("object %d, referenced by the signed revision but undefined there, is now defined (%s)", n, a.label(n))})
		}
		return nil // a new object: judged by whatever references it
	}
	if newO == nil {
		if used && rl.kind != kUnused {
			c := Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) was deleted", rl.label, n)}
			if rl.kind == kAnnot {
				c.Class = Annotation
			}
			a.add(c)
		}
		return nil
	}
	eq, err := a.equal(oldO, newO, 0)
	if err != nil {
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) cannot be compared: %v", a.label(n), n, err)})
		return nil
	}
	if eq {
		return nil
	}
	if !used {
		return nil // an object the old revision did not use
	}
	switch rl.kind {
	case kCatalog:
		a.catalog(n, oldO, newO)
	case kAcroForm:
		a.acroForm(oldO, newO, n)
	case kFields:
		a.fieldList(oldO, newO, rl.label, n)
	case kPage:
		a.page(n, rl, oldO, newO)
	case kAnnots:
		a.annotList(oldO, newO, rl.page, n)
	case kAnnot:
		if od := dictOf(oldO); od != nil && od.Name("Subtype") == "Widget" {
			// A widget outside the field tree is still a form widget.
			a.field(n, rl, oldO, newO)
			break
		}
		a.changedAnnot(n, rl, newO)
	case kField:
		a.field(n, rl, oldO, newO)
	case kFieldAP:
		a.add(Change{Class: FormFilling, Object: n, What: fmt.Sprintf("%s (object %d) changed", rl.label, n)})
	case kAnnotAP:
		a.add(Change{Class: Annotation, Covers: true, Object: n, What: fmt.Sprintf("%s (object %d) changed", rl.label, n)})
	case kDSS:
		a.add(Change{Class: DSS, Object: n, What: "DSS validation data updated"})
	case kInfo, kMetadata:
		// Not displayed: document information and XMP metadata may change.
		a.add(Change{Class: None, Object: n, What: rl.label + " updated"})
	case kContent:
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) was changed", rl.label, n)})
	default:
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) was changed", rl.label, n)})
	}
	return nil
}

func (a *analysis) label(n int) string {
	if r, ok := a.roles[n]; ok {
		return r.label
	}
	return fmt.Sprintf("object %d", n)
}

// equal compares two objects from the old and the new revision; streams
// compare by dictionary and raw bytes.
func (a *analysis) equal(x, y pdf.Object, depth int) (bool, error) {
	if depth > 256 {
		return false, fmt.Errorf("nesting too deep")
	}
	switch u := x.(type) {
	case nil:
		return y == nil, nil
	case pdf.Bool, pdf.Int, pdf.Real, pdf.Name, pdf.Ref:
		return x == y, nil
	case pdf.String:
		v, ok := y.(pdf.String)
		return ok && bytes.Equal(u, v), nil
	case pdf.Array:
		v, ok := y.(pdf.Array)
		if !ok || len(u) != len(v) {
			return false, nil
		}
		for i := range u {
			if eq, err := a.equal(u[i], v[i], depth+1); !eq || err != nil {
				return eq, err
			}
		}
		return true, nil
	case pdf.Dict:
		v, ok := y.(pdf.Dict)
		if !ok || len(u) != len(v) {
			return false, nil
		}
		for k, xv := range u {
			yv, ok := v[k]
			if !ok {
				return false, nil
			}
			if eq, err := a.equal(xv, yv, depth+1); !eq || err != nil {
				return eq, err
			}
		}
		return true, nil
	case *pdf.Stream:
		v, ok := y.(*pdf.Stream)
		if !ok {
			return false, nil
		}
		if eq, err := a.equal(u.Dict, v.Dict, depth+1); !eq || err != nil {
			return eq, err
		}
		if u.Length != v.Length {
			return false, nil
		}
		if u.Offset == v.Offset {
			return true, nil // the same bytes of the same file
		}
		bu, err := a.old.RawStreamData(u, 0)
		if err != nil {
			return false, err
		}
		bv, err := a.cur.RawStreamData(v, 0)
		if err != nil {
			return false, err
		}
		return bytes.Equal(bu, bv), nil
	}
	return false, nil
}

func dictOf(o pdf.Object) pdf.Dict {
	switch v := o.(type) {
	case pdf.Dict:
		return v
	case *pdf.Stream:
		return v.Dict
	}
	return nil
}

// changedKeys lists the keys whose values differ, sorted.
func (a *analysis) changedKeys(x, y pdf.Dict) []pdf.Name {
	var out []pdf.Name
	for k, xv := range x {
		if eq, err := a.equal(xv, y[k], 0); !eq || err != nil {
			out = append(out, k)
		}
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func keyList(ks []pdf.Name) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = "/" + string(k)
	}
	return strings.Join(s, ", ")
}

func (a *analysis) catalog(n int, oldO, newO pdf.Object) {
	od, nd := dictOf(oldO), dictOf(newO)
	if od == nil || nd == nil {
		a.add(Change{Class: Other, Object: n, What: "the document catalog is no longer a dictionary"})
		return
	}
	var other []pdf.Name
	for _, k := range a.changedKeys(od, nd) {
		switch k {
		case "DSS":
			a.add(Change{Class: DSS, Object: n, What: "DSS validation data added"})
		case "Extensions":
			a.add(Change{Class: DSS, Object: n, What: "developer extensions declared"})
		case "AcroForm":
			a.acroForm(od["AcroForm"], nd["AcroForm"], n)
		case "Metadata":
			a.add(Change{Class: None, Object: n, What: "XMP metadata replaced"})
		case "Version":
			a.add(Change{Class: None, Object: n, What: "PDF version declared"})
		default:
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		a.add(Change{Class: Other, Object: n, What: "document catalog: " + keyList(other) + " changed"})
	}
}

func (a *analysis) acroForm(oldO, newO pdf.Object, n int) {
	od, _ := a.old.Dict(oldO)
	nd, _ := a.cur.Dict(newO)
	if r, ok := newO.(pdf.Ref); ok {
		nd, _ = a.cur.Dict(r)
	}
	if od == nil && nd != nil {
		// An interactive form created after signing: only signature
		// fields may be in it.
		od = pdf.Dict{}
	}
	if nd == nil {
		a.add(Change{Class: Other, Object: n, What: "the interactive form (AcroForm) was removed"})
		return
	}
	var other []pdf.Name
	for _, k := range a.changedKeys(od, nd) {
		switch k {
		case "Fields":
			a.fieldList(od["Fields"], nd["Fields"], "form field list", n)
		case "SigFlags":
			a.add(Change{Class: None, Object: n, What: "signature flags set"})
		case "DR", "DA":
			// Defaults for building field appearances: nothing shows
			// differently until a widget's appearance changes, which is
			// judged on its own.
			a.add(Change{Class: None, Object: n, What: "form default resources or appearance updated"})
		default:
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		a.add(Change{Class: Other, Object: n, What: "interactive form: " + keyList(other) + " changed"})
	}
}

// refList resolves an array object (direct or by reference) in r.
func refList(r *pdf.Reader, o pdf.Object) pdf.Array {
	v, _ := r.Resolve(o)
	arr, _ := v.(pdf.Array)
	return arr
}

// added returns the elements of n not in o, and whether every element of
// o is still in n.
func added(o, n pdf.Array) (pdf.Array, bool) {
	have := map[pdf.Ref]bool{}
	for _, x := range n {
		if r, ok := x.(pdf.Ref); ok {
			have[r] = true
		}
	}
	kept := true
	old := map[pdf.Ref]bool{}
	for _, x := range o {
		r, ok := x.(pdf.Ref)
		if !ok {
			continue
		}
		old[r] = true
		if !have[r] {
			kept = false
		}
	}
	var out pdf.Array
	for _, x := range n {
		if r, ok := x.(pdf.Ref); ok && !old[r] {
			out = append(out, x)
		} else if !ok {
			out = append(out, x)
		}
	}
	return out, kept
}

func (a *analysis) fieldList(oldO, newO pdf.Object, label string, n int) {
	oa := refList(a.old, oldO)
	if r, ok := oldO.(pdf.Ref); ok && oa == nil {
		oa = refList(a.old, r)
	}
	na := refList(a.cur, newO)
	add, kept := added(oa, na)
	if !kept {
		a.add(Change{Class: Other, Object: n, What: label + ": fields were removed"})
	}
	for _, f := range add {
		a.newField(f)
	}
}

// newField judges a field added to the form.
func (a *analysis) newField(o pdf.Object) {
	r, _ := o.(pdf.Ref)
	d, _ := a.cur.Dict(o)
	if d == nil {
		a.add(Change{Class: Other, Object: r.Num, What: "a malformed form field was added"})
		return
	}
	if d.Name("FT") != "Sig" {
		a.add(Change{Class: Other, Object: r.Num, What: fmt.Sprintf("a new form field %q (%s) was added", string(str(d["T"])), d.Name("FT"))})
		return
	}
	cls, what := a.sigValueClass(d)
	a.add(Change{Class: cls, Object: r.Num, What: what})
	// A merged field/widget pair is judged for coverage when it appears
	// in a page's annotation list.
}

func str(o pdf.Object) pdf.String { s, _ := o.(pdf.String); return s }

// sigValueClass classifies a signature field's value: a document
// timestamp counts with DSS data, anything else as a signature.
func (a *analysis) sigValueClass(field pdf.Dict) (Class, string) {
	name := string(str(field["T"]))
	v, _ := a.cur.Dict(field["V"])
	switch {
	case v == nil:
		return Signature, fmt.Sprintf("an empty signature field %q was added", name)
	case v.Name("Type") == "DocTimeStamp" || v.Name("SubFilter") == "ETSI.RFC3161":
		return DSS, fmt.Sprintf("a document timestamp (field %q) was added", name)
	}
	return Signature, fmt.Sprintf("a signature (field %q) was added", name)
}

func (a *analysis) page(n int, rl role, oldO, newO pdf.Object) {
	od, nd := dictOf(oldO), dictOf(newO)
	if nd == nil {
		a.add(Change{Class: Other, Object: n, What: rl.label + " is no longer a page dictionary"})
		return
	}
	var other []pdf.Name
	for _, k := range a.changedKeys(od, nd) {
		if k == "Annots" {
			a.annotList(od["Annots"], nd["Annots"], rl.page, n)
			continue
		}
		if k == "Tabs" { // tab order of the page's fields
			a.add(Change{Class: None, Object: n, What: rl.label + ": tab order set"})
			continue
		}
		other = append(other, k)
	}
	if len(other) > 0 {
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s: %s changed (object %d)", rl.label, keyList(other), n)})
	}
}

func (a *analysis) annotList(oldO, newO pdf.Object, page, n int) {
	oa := refList(a.old, oldO)
	na := refList(a.cur, newO)
	add, kept := added(oa, na)
	if !kept {
		a.add(Change{Class: Annotation, Object: n, What: fmt.Sprintf("page %d: annotations were removed", page)})
	}
	for _, x := range add {
		a.newAnnot(x, page)
	}
}

// newAnnot judges an annotation added to a page.
func (a *analysis) newAnnot(o pdf.Object, page int) {
	r, _ := o.(pdf.Ref)
	d, _ := a.cur.Dict(o)
	if d == nil {
		a.add(Change{Class: Other, Object: r.Num, What: fmt.Sprintf("page %d: a malformed annotation was added", page)})
		return
	}
	sub := d.Name("Subtype")
	covers, where := a.covers(d, page)
	if sub == "Widget" {
		field := d
		if d["FT"] == nil {
			if p, _ := a.cur.Dict(d["Parent"]); p != nil {
				field = p
			}
		}
		if field.Name("FT") == "Sig" {
			cls, what := a.sigValueClass(field)
			if covers {
				a.add(Change{Class: Annotation, Covers: true, Object: r.Num, What: fmt.Sprintf("page %d: a visible signature widget covers page content at %s", page, where)})
				return
			}
			a.add(Change{Class: cls, Object: r.Num, What: what})
			return
		}
		a.add(Change{Class: Other, Object: r.Num, What: fmt.Sprintf("page %d: a new form field widget was added at %s", page, where)})
		return
	}
	if covers {
		a.add(Change{Class: Annotation, Covers: true, Object: r.Num, What: fmt.Sprintf("page %d: a %s annotation added at %s covers page content", page, sub, where)})
		return
	}
	a.add(Change{Class: Annotation, Object: r.Num, What: fmt.Sprintf("page %d: a %s annotation was added", page, sub)})
}

func (a *analysis) changedAnnot(n int, rl role, newO pdf.Object) {
	d := dictOf(newO)
	if d == nil || d["Subtype"] == nil || d["Rect"] == nil {
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) was replaced by something that is not an annotation", rl.label, n)})
		return
	}
	covers, where := a.covers(d, rl.page)
	a.add(Change{Class: Annotation, Covers: covers, Object: n, What: fmt.Sprintf("%s (object %d) was changed; it shows at %s", rl.label, n, where)})
}

// covers reports whether an annotation draws something over the page: it
// is not hidden, has a non-empty rectangle on the page and an appearance
// (or is of a kind that viewers draw without one). Sticky-note icons
// (Text) and popups without a custom appearance do not count.
func (a *analysis) covers(d pdf.Dict, page int) (bool, string) {
	rect := a.rect(d["Rect"])
	where := fmt.Sprintf("[%g %g %g %g]", rect[0], rect[1], rect[2], rect[3])
	if f, ok := d.Int("F"); ok && f&(1<<1|1<<5) != 0 { // Hidden, NoView
		return false, where
	}
	if rect[2]-rect[0] <= 0 || rect[3]-rect[1] <= 0 {
		return false, where
	}
	sub := d.Name("Subtype")
	ap := d["AP"] != nil
	switch sub {
	case "Popup", "Link":
		return ap, where
	case "Text":
		return ap, where
	case "Widget":
		return ap, where
	}
	return true, where
}

func (a *analysis) rect(o pdf.Object) [4]float64 {
	v, _ := a.cur.Resolve(o)
	arr, _ := v.(pdf.Array)
	var out [4]float64
	if len(arr) != 4 {
		return out
	}
	for i, x := range arr {
		x, _ = a.cur.Resolve(x)
		switch n := x.(type) {
		case pdf.Int:
			out[i] = float64(n)
		case pdf.Real:
			out[i] = float64(n)
		}
	}
	if out[0] > out[2] {
		out[0], out[2] = out[2], out[0]
	}
	if out[1] > out[3] {
		out[1], out[3] = out[3], out[1]
	}
	return out
}

// Labels describes, for each given object number, the role the object
// plays in the revision r ("page 1: content stream", "form field \"x\""),
// for naming objects that an unreadable update redefines. Objects the
// revision does not use are left out.
func Labels(r *pdf.Reader, nums []int) map[int]string {
	a := &analysis{old: r, cur: r, lim: Limits{MaxObjects: 200_000}}
	if err := a.mapRoles(); err != nil {
		return nil
	}
	a.collectRefs()
	out := map[int]string{}
	for _, n := range nums {
		if rl, ok := a.roles[n]; ok {
			out[n] = rl.label
		}
	}
	return out
}

// field judges a change to an existing form field (or its widget).
func (a *analysis) field(n int, rl role, oldO, newO pdf.Object) {
	od, nd := dictOf(oldO), dictOf(newO)
	if nd == nil {
		a.add(Change{Class: Other, Object: n, What: rl.label + " was removed"})
		return
	}
	if od["Subtype"] != nil && nd["Subtype"] == nil || od["T"] != nil && nd["T"] == nil {
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s (object %d) was replaced by an object that is no longer a form field", rl.label, n)})
		return
	}
	ft := od.Name("FT")
	if ft == "" {
		if p, _ := a.old.Dict(od["Parent"]); p != nil {
			ft = p.Name("FT")
		}
	}
	ff, _ := od.Int("Ff")
	var other []pdf.Name
	var fill []pdf.Name
	for _, k := range a.changedKeys(od, nd) {
		switch k {
		case "V", "AP", "AS":
			fill = append(fill, k)
		case "Kids":
			a.fieldList(od["Kids"], nd["Kids"], rl.label+": kids", n)
		default:
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s: %s changed (object %d)", rl.label, keyList(other), n)})
	}
	if len(fill) == 0 {
		return
	}
	if ft == "Sig" {
		if od["V"] != nil {
			a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s: an existing signature was replaced (object %d)", rl.label, n)})
			return
		}
		cls, what := a.sigValueClass(nd)
		if covers, where := a.covers(nd, rl.page); covers && nd.Name("Subtype") == "Widget" {
			a.add(Change{Class: Annotation, Covers: true, Object: n, What: fmt.Sprintf("%s: a visible signature appearance covers page content at %s", rl.label, where)})
			return
		}
		a.add(Change{Class: cls, Object: n, What: what})
		return
	}
	if ff&1 != 0 {
		a.add(Change{Class: Other, Object: n, What: fmt.Sprintf("%s is read-only but its value was changed (object %d)", rl.label, n)})
		return
	}
	a.add(Change{Class: FormFilling, Object: n, What: fmt.Sprintf("%s: value filled in (%s)", rl.label, keyList(fill))})
}
