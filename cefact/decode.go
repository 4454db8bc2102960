package cefact

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// Document is a decoded rsm:SPSCertificate: the certificate, and the leaves
// of the document that the model does not hold.
type Document struct {
	Certificate *ecert.Certificate
	// Unmapped lists, in document order, every leaf value that is not
	// mapped to a certificate field. They are also kept in
	// Certificate.Extensions (see ExtensionXMLPrefix), so encoding the
	// certificate writes them back.
	Unmapped []Unmapped
}

// Decode reads an rsm:SPSCertificate document. It is tolerant: any
// prefixes, missing or extra elements and elements out of schema order are
// accepted, and what the model cannot hold is reported in
// Document.Unmapped and kept in the certificate's Extensions. It rejects
// DOCTYPE declarations, input that is not UTF-8 and input beyond the
// limits of opts (nil for the defaults). Decode does not validate the
// certificate: call its Validate method. Decode does not check signatures
// either: a ds:Signature is kept like any other unmapped element; for a
// signed document, call Verify and decode Verified.Content.
func Decode(r io.Reader, opts *DecodeOptions) (*Document, error) {
	maxBytes, _, _ := opts.limits()
	src, err := readString(r, maxBytes)
	if err != nil {
		return nil, err
	}
	return unmarshal(src, opts)
}

// Unmarshal is Decode on a byte slice.
func Unmarshal(data []byte, opts *DecodeOptions) (*Document, error) {
	maxBytes, _, _ := opts.limits()
	if int64(len(data)) > maxBytes {
		return nil, &DecodeError{Offset: maxBytes, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)}
	}
	return unmarshal(string(data), opts)
}

// parseDoc reads src into st's tree and checks that its root is the
// element local in namespace uri.
func parseDoc(st *decodeState, src string, opts *DecodeOptions, uri, local string) (*xtree, error) {
	_, maxDepth, maxElems := opts.limits()
	t := &st.t
	if err := t.parse(&st.tk, src, parseOptions{maxDepth: maxDepth, maxElems: maxElems}); err != nil {
		return nil, err
	}
	if rs := t.nodes[t.root].space; t.tag(t.root) != local || t.uri(rs) != uri {
		return nil, &DecodeError{Offset: -1, Err: fmt.Errorf("%w: root element is {%s}%s, want {%s}%s", ErrNotSPS, t.uri(rs), t.tag(t.root), uri, local)}
	}
	return t, nil
}

// unmarshal decodes src, which is at most the maximum size.
func unmarshal(src string, opts *DecodeOptions) (*Document, error) {
	st := getDecodeState()
	defer putDecodeState(st)
	t, err := parseDoc(st, src, opts, NSCertificate, "SPSCertificate")
	if err != nil {
		return nil, err
	}
	d := newDecoder(st, t)
	d.certificate()
	return d.finish(), nil
}

func newDecoder(st *decodeState, t *xtree) *decoder {
	return &decoder{t: t, st: st, c: &ecert.Certificate{}, texts: st.texts, ram: t.ram}
}

// decoder maps a tree to the model. Elements are node indexes of the
// tree; -1 stands for none (nil in the etree version the tests keep).
type decoder struct {
	t     *xtree
	st    *decodeState
	c     *ecert.Certificate
	ram   int32                  // the space of ram:
	texts map[string]*ecert.Text // translation targets by model path
	notes []int32                // document-level notes not yet claimed
}

func (d *decoder) finish() *Document {
	doc := &Document{Certificate: d.c}
	for _, u := range d.t.collect() {
		key := ExtensionXMLPrefix + xpathString(u.path)
		val := u.attr
		if u.el >= 0 {
			val = d.t.fragment(u.el)
		}
		if d.c.Extensions == nil {
			d.c.Extensions = map[string]string{}
		}
		d.c.Extensions[key] = val
		doc.Unmapped = d.t.leaves(u, doc.Unmapped)
	}
	return doc
}

// Claims: the decoder marks the parts of the tree it mapped (an element,
// its text, some of its attributes); collect reports the rest. A claim
// can be undone with rollback to a mark: an element first claimed after
// the mark loses its whole claim.

func (d *decoder) claim(e int32, text bool, attrs uint8) {
	if e < 0 {
		return
	}
	n := &d.t.nodes[e]
	if !n.claimed {
		n.claimed = true
		d.st.log = append(d.st.log, e)
	}
	n.attrClaims |= attrs
	if text {
		n.textClaimed = true
	}
}

// take claims e (not its text) and the given attributes.
func (d *decoder) take(e int32) { d.claim(e, false, 0) }

// leaf claims e, its text and the given attributes.
func (d *decoder) leaf(e int32, attrs uint8) { d.claim(e, true, attrs) }

func (d *decoder) mark() int { return len(d.st.log) }

func (d *decoder) rollback(m int) {
	for _, e := range d.st.log[m:] {
		n := &d.t.nodes[e]
		n.claimed, n.textClaimed, n.attrClaims = false, false, 0
	}
	d.st.log = d.st.log[:m]
}

// kids returns the children of e named space:local, in a slice from the
// decode's pooled storage.
func (d *decoder) kids(e, space int32, local string) []int32 {
	if e < 0 {
		return nil
	}
	t := d.t
	start := len(d.st.lists)
	for _, k := range t.children(e) {
		if c := &t.nodes[k]; c.space == space && t.str(c.name) == local {
			d.st.lists = append(d.st.lists, k)
		}
	}
	if len(d.st.lists) == start {
		return nil
	}
	return d.st.lists[start:len(d.st.lists):len(d.st.lists)]
}

func (d *decoder) rams(e int32, local string) []int32 { return d.kids(e, d.ram, local) }

func (d *decoder) kid(e, space int32, local string) int32 { return d.t.kid(e, space, local) }

func (d *decoder) rm(e int32, local string) int32 { return d.t.kid(e, d.ram, local) }

func (d *decoder) is(e, space int32, local string) bool {
	n := &d.t.nodes[e]
	return n.space == space && d.t.str(n.name) == local
}

func (d *decoder) hasElems(e int32) bool { return d.t.nodes[e].elems }

func (d *decoder) text(e int32) string { return d.t.leafText(e) }

// str claims a leaf with no attributes and returns its text.
func (d *decoder) str(e int32) (string, bool) {
	if e < 0 || d.hasElems(e) {
		return "", false
	}
	d.leaf(e, 0)
	return d.text(e), true
}

// strIf claims a leaf whose text is want.
func (d *decoder) strIf(e int32, want string) bool {
	if e < 0 || d.hasElems(e) || d.text(e) != want {
		return false
	}
	d.leaf(e, 0)
	return true
}

// strIfPeek reports whether e is a leaf with text want, claiming nothing.
func (d *decoder) strIfPeek(e int32, want string) bool {
	return e >= 0 && !d.hasElems(e) && d.text(e) == want
}

func (d *decoder) hasLang(e int32) bool { return d.t.attr(e, "languageID") != nil }

func (d *decoder) langOf(e int32) (lang string, attrs uint8) {
	if a := d.t.attr(e, "languageID"); a != nil {
		return d.t.str(a.value), claimLang
	}
	return "", 0
}

// textMulti claims the text elements es (one per language) and returns
// them as a Text. A second element in the same language is left unmapped.
// When required, one empty element without language is an empty Text (the
// encoder writes it for an empty Text).
func (d *decoder) textMulti(es []int32, required bool) ecert.Text {
	if required && len(es) == 1 && !d.hasLang(es[0]) && !d.hasElems(es[0]) && d.text(es[0]) == "" {
		d.leaf(es[0], 0)
		return nil
	}
	var t ecert.Text
	for _, e := range es {
		if d.hasElems(e) {
			continue
		}
		l, attrs := d.langOf(e)
		if _, dup := t[l]; dup {
			continue
		}
		if t == nil {
			t = ecert.Text{}
		}
		t[l] = d.text(e)
		d.leaf(e, attrs)
	}
	return t
}

// textSingle is textMulti for a slot that holds one element, with the
// other languages in translation notes for path.
func (d *decoder) textSingle(e int32, path string, required bool, dst *ecert.Text) {
	if e < 0 {
		return
	}
	one := [1]int32{e}
	*dst = d.textMulti(one[:], required)
	d.texts[path] = dst
}

// dateTime claims a udt:DateTimeType element holding a DateTimeString in
// the RFC 3339 form the encoder writes.
func (d *decoder) dateTime(e int32) (time.Time, bool) {
	if e < 0 {
		return time.Time{}, false
	}
	t := d.t
	var s int32 = -1
	n := 0
	for _, k := range t.children(e) {
		if t.isElem(k) {
			if n == 0 {
				s = k
			}
			n++
		}
	}
	if n != 1 || !d.is(s, t.udt, "DateTimeString") || d.hasElems(s) {
		return time.Time{}, false
	}
	v := d.text(s)
	tm, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || !timeIs(tm, v) || tm.IsZero() {
		return time.Time{}, false
	}
	d.take(e)
	d.leaf(s, 0)
	return tm, true
}

func (d *decoder) certificate() {
	c := d.c
	t := d.t
	root := t.root
	d.take(root)
	doc := d.kid(root, t.rsm, "SPSExchangedDocument")
	cons := d.kid(root, t.rsm, "SPSConsignment")
	if doc >= 0 {
		d.take(doc)
		if s, ok := d.str(d.rm(doc, "ID")); ok {
			c.Number = s
		}
		c.Title = d.textMulti(d.rams(doc, "Name"), false)
		c.Scope = d.textMulti(d.rams(doc, "Description"), false)
		if s, ok := d.str(d.rm(doc, "TypeCode")); ok {
			c.Scheme = schemeFor(s)
		}
		if e := d.rm(doc, "StatusCode"); e >= 0 && !d.hasElems(e) {
			if st, ok := codeStatus[d.text(e)]; ok {
				d.leaf(e, 0)
				c.Status = st
			}
		}
		if tm, ok := d.dateTime(d.rm(doc, "IssueDateTime")); ok {
			c.IssueDate = tm
		}
		if is := d.rm(doc, "IssuerSPSParty"); is >= 0 {
			d.take(is)
			var p ecert.Party
			d.party(is, &p, "issuingBody")
			c.IssuingBody = ecert.Body{ID: p.ID, Name: p.Name, Address: p.Address}
			if p.Address != nil {
				c.IssuingBody.Country = p.Address.Country
			}
		}
		d.notes = d.rams(doc, "IncludedSPSNote")
		for _, r := range d.rams(doc, "ReferenceSPSReferencedDocument") {
			d.c.References = append(d.c.References, d.reference(r))
		}
		if a := d.rm(doc, "SignatorySPSAuthentication"); a >= 0 {
			d.signatory(a)
		}
	}
	d.docNotes()
	d.consignment(cons)
	d.translations()
}

func (d *decoder) reference(r int32) ecert.Reference {
	var ref ecert.Reference
	d.take(r)
	if t, ok := d.dateTime(d.rm(r, "IssueDateTime")); ok {
		ref.Issued = t
	}
	if e := d.rm(r, "Information"); e >= 0 && !d.hasElems(e) && !d.hasLang(e) && d.text(e) != "" && !isDigits(d.text(e)) {
		ref.Type, _ = d.str(e)
	} else if e := d.rm(r, "TypeCode"); e >= 0 && isDigits(d.text(e)) {
		if s, ok := d.str(e); ok {
			ref.Type = s
		}
	}
	if e := d.rm(r, "ID"); e >= 0 && d.text(e) != "" {
		if s, ok := d.str(e); ok {
			ref.ID = s
		}
	}
	return ref
}

func (d *decoder) signatory(a int32) {
	c := d.c
	d.take(a)
	var s *ecert.Signatory
	if pp := d.rm(a, "ProviderSPSParty"); pp >= 0 {
		if person := d.rm(pp, "SpecifiedSPSPerson"); person >= 0 {
			s = &ecert.Signatory{}
			d.take(pp)
			d.take(person)
			d.textSingle(d.rm(person, "Name"), "signatory.name", true, &s.Name)
			if q := d.rm(person, "AttainedSPSQualification"); q >= 0 {
				d.take(q)
				s.Role = d.textMulti(d.rams(q, "Name"), false)
			}
		}
	}
	if loc := d.rm(a, "IssueSPSLocation"); loc >= 0 {
		m := d.mark()
		d.take(loc)
		place := d.textMulti(d.rams(loc, "Name"), true)
		switch {
		case s != nil:
			s.Place = place
		case len(place) > 0:
			d.rollback(m)
		}
	}
	if s != nil {
		c.Signatory = s
		for _, e := range d.rams(a, "ActualDateTime") {
			if c.IssueDate.IsZero() {
				break
			}
			m := d.mark()
			if t, ok := d.dateTime(e); ok && sameTimeText(t, c.IssueDate) {
				break
			}
			d.rollback(m)
		}
	}
	for _, cl := range d.rams(a, "IncludedSPSClause") {
		id := d.rm(cl, "ID")
		if id < 0 || d.t.attrValue(id, "schemeID", "") != standardID || d.hasElems(id) {
			continue
		}
		st := ecert.Standard{Code: d.text(id), Edition: d.t.attrValue(id, "schemeVersionID", "")}
		d.take(cl)
		attrs := claimScheme
		if d.t.attr(id, "schemeVersionID") != nil {
			attrs |= claimSchemeVersion
		}
		d.leaf(id, attrs)
		st.Title = d.textMulti(d.rams(cl, "Content"), false)
		c.Standards = append(c.Standards, st)
	}
}

// partyPaths holds the translation paths of the texts of the parties
// other than factories (name, street, city), so that they are not built for
// each document.
var partyPaths = func() map[string][3]string {
	m := map[string][3]string{}
	for _, p := range []string{"issuingBody", "holder", "applicant", "manufacturer", "consignment.consignor", "consignment.consignee"} {
		m[p] = [3]string{p + ".name", p + ".address.street", p + ".address.city"}
	}
	return m
}()

// textSubjects holds the subjects of the translation notes for the paths
// of partyPaths and the signatory's name (subjText+path).
var textSubjects = func() map[string]string {
	m := map[string]string{"signatory.name": subjText + "signatory.name"}
	for _, keys := range partyPaths {
		for _, k := range keys {
			m[k] = subjText + k
		}
	}
	return m
}()

// party reads an SPSPartyType element (already claimed) into p.
func (d *decoder) party(e int32, p *ecert.Party, path string) {
	if s, ok := d.str(d.rm(e, "ID")); ok {
		p.ID = s
	}
	keys, ok := partyPaths[path]
	if !ok {
		keys = [3]string{path + ".name", path + ".address.street", path + ".address.city"}
	}
	d.textSingle(d.rm(e, "Name"), keys[0], false, &p.Name)
	ad := d.rm(e, "SpecifiedSPSAddress")
	if ad < 0 {
		return
	}
	d.take(ad)
	a := &ecert.Address{}
	p.Address = a
	if s, ok := d.str(d.rm(ad, "PostcodeCode")); ok {
		a.Postcode = s
	}
	var buf [5]int32
	lines := buf[:0]
	for _, t := range lineTags {
		if l := d.rm(ad, t); l >= 0 {
			lines = append(lines, l)
		}
	}
	a.Street = d.textMulti(lines, false)
	d.texts[keys[1]] = &a.Street
	d.textSingle(d.rm(ad, "CityName"), keys[2], false, &a.City)
	if s, ok := d.str(d.rm(ad, "CountryID")); ok {
		a.Country = s
	}
	if s, ok := d.str(d.rm(ad, "CountrySubDivisionID")); ok {
		a.Subdivision = s
	}
}

// note is a parsed IncludedSPSNote: its subject and content elements.
type note struct {
	el       int32
	subject  string
	contents []int32
}

func (d *decoder) parseNote(n int32) (note, bool) {
	var out note
	out.el = n
	contents := 0
	t := d.t
	for _, k := range t.children(n) {
		kn := &t.nodes[k]
		if kn.space == textNode {
			continue
		}
		switch {
		case kn.space == d.ram && t.str(kn.name) == "Subject" && out.subject == "" && !kn.elems:
			out.subject = t.leafText(k)
		case kn.space == d.ram && t.str(kn.name) == "Content":
			contents++
		default:
			return note{}, false
		}
	}
	if out.subject == "" || contents == 0 {
		return note{}, false
	}
	out.contents = d.rams(n, "Content")
	return out, true
}

// claimNote claims the note and returns its content as Text; ok is false
// (and nothing is claimed) when a language repeats.
func (d *decoder) claimNote(n note) (ecert.Text, bool) {
	m := d.mark()
	d.take(n.el)
	d.leaf(d.rm(n.el, "Subject"), 0)
	t := d.textMulti(n.contents, false)
	if len(t) != len(n.contents) {
		d.rollback(m)
		return nil, false
	}
	return t, true
}

// noteValue claims a note with one content without language.
func (d *decoder) noteValue(n note) (string, bool) {
	if len(n.contents) != 1 || d.hasLang(n.contents[0]) {
		return "", false
	}
	// textMulti without the map: one content, no language.
	e := n.contents[0]
	if d.hasElems(e) {
		return "", false
	}
	d.take(n.el)
	d.leaf(d.rm(n.el, "Subject"), 0)
	d.leaf(e, 0)
	return d.text(e), true
}

func (d *decoder) docNotes() {
	c := d.c
	var seen subjects
	rest := d.notes[:0] // filtered in place: d.notes is the decoder's own list
	for _, ne := range d.notes {
		n, ok := d.parseNote(ne)
		if !ok || seen.has(n.subject) {
			rest = append(rest, ne)
			continue
		}
		m := d.mark()
		done := true
		switch s := n.subject; {
		case s == subjScheme:
			if v, ok := d.noteValue(n); ok && typeCodeFor(ecert.Scheme(v)) == typeCodeFor(c.Scheme) {
				c.Scheme = ecert.Scheme(v)
			} else {
				done = false
			}
		case s == subjVersion, s == subjSupersedes:
			v, ok := d.noteValue(n)
			i, err := strconv.Atoi(v)
			if !ok || err != nil || strconv.Itoa(i) != v || i == 0 {
				done = false
			} else if s == subjVersion {
				c.Version = i
			} else {
				c.Supersedes = i
			}
		case s == subjValidFrom, s == subjValidUntil:
			v, ok := d.noteValue(n)
			t, err := time.Parse(time.RFC3339Nano, v)
			if !ok || err != nil || !timeIs(t, v) || t.IsZero() {
				done = false
			} else if s == subjValidFrom {
				c.ValidFrom = t
			} else {
				c.ValidUntil = t
			}
		case s == subjStatusReason:
			c.StatusReason, done = d.claimNote(n)
		case s == subjRemarks:
			c.Remarks, done = d.claimNote(n)
		case s == subjVerification:
			c.VerificationURL, done = d.noteValue(n)
			done = done && c.VerificationURL != ""
		case s == subjAccreditation:
			c.IssuingBody.Accreditation, done = d.noteValue(n)
			done = done && c.IssuingBody.Accreditation != ""
		case s == subjBodyCountry:
			var v string
			if v, done = d.noteValue(n); done {
				c.IssuingBody.Country = v
			}
		case strings.HasPrefix(s, subjExtension) && len(s) > len(subjExtension) && !strings.HasPrefix(s[len(subjExtension):], ExtensionXMLPrefix):
			var v string
			if v, done = d.noteValue(n); done {
				if c.Extensions == nil {
					c.Extensions = map[string]string{}
				}
				c.Extensions[s[len(subjExtension):]] = v
			}
		default:
			done = false
		}
		if !done {
			d.rollback(m)
			rest = append(rest, ne)
			continue
		}
		seen.add(n.subject)
	}
	d.notes = rest
}

// subjects is a set of note subjects, on the stack while it is small.
type subjects struct {
	buf  [16]string
	list []string
	m    map[string]bool
}

func (s *subjects) has(v string) bool {
	if s.m != nil {
		return s.m[v]
	}
	for _, x := range s.list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *subjects) add(v string) {
	switch {
	case s.m != nil:
		s.m[v] = true
	case len(s.list) < len(s.buf):
		if s.list == nil {
			s.list = s.buf[:0]
		}
		s.list = append(s.list, v)
	default:
		s.m = make(map[string]bool, 2*len(s.buf))
		for _, x := range s.list {
			s.m[x] = true
		}
		s.m[v] = true
	}
}

// consignmentNotes handles the notes that belong to the consignment.
func (d *decoder) consignmentNotes(none bool) {
	c := d.c
	var seen subjects
	rest := d.notes[:0] // filtered in place: d.notes is the decoder's own list
	for _, ne := range d.notes {
		n, ok := d.parseNote(ne)
		if !ok || seen.has(n.subject) {
			rest = append(rest, ne)
			continue
		}
		m := d.mark()
		done := false
		switch {
		case n.subject == subjConsignment && none:
			v, ok := d.noteValue(n)
			done = ok && v == consignmentNone
		case n.subject == subjOrigin && c.Consignment != nil:
			c.Consignment.OriginCountry, done = d.noteValue(n)
			done = done && c.Consignment.OriginCountry != ""
		case n.subject == subjDeclarations && c.Consignment != nil:
			c.Consignment.AdditionalDeclarations, done = d.claimNote(n)
		}
		if !done {
			d.rollback(m)
			rest = append(rest, ne)
			continue
		}
		seen.add(n.subject)
	}
	d.notes = rest
}

func (d *decoder) hasNoneNote() bool {
	for _, ne := range d.notes {
		if n, ok := d.parseNote(ne); ok && n.subject == subjConsignment && len(n.contents) == 1 && d.text(n.contents[0]) == consignmentNone {
			return true
		}
	}
	return false
}

// translations applies the translation notes to the Text fields they name.
func (d *decoder) translations() {
	for _, ne := range d.notes {
		n, ok := d.parseNote(ne)
		if !ok || !strings.HasPrefix(n.subject, subjText) {
			continue
		}
		dst := d.texts[n.subject[len(subjText):]]
		if dst == nil || *dst == nil {
			continue
		}
		// Every content must add a language of its own: none already in
		// dst, none twice in the note, and no child elements.
		fine := true
		for i, ct := range n.contents {
			l, _ := d.langOf(ct)
			if _, dup := (*dst)[l]; dup || d.hasElems(ct) {
				fine = false
				break
			}
			for _, prev := range n.contents[:i] {
				if pl, _ := d.langOf(prev); pl == l {
					fine = false
				}
			}
		}
		if !fine {
			continue
		}
		for _, ct := range n.contents {
			l, attrs := d.langOf(ct)
			(*dst)[l] = d.text(ct)
			d.leaf(ct, attrs)
		}
		d.take(n.el)
		d.leaf(d.rm(n.el, "Subject"), 0)
	}
}

func (d *decoder) consignment(cs int32) {
	c := d.c
	if cs < 0 {
		d.consignmentNotes(false)
		return
	}
	d.take(cs)
	none := d.hasNoneNote()
	var con *ecert.Consignment
	if !none {
		con = &ecert.Consignment{}
		c.Consignment = con
	}
	// The certificate's parties.
	ex := d.rm(cs, "ExportSPSCountry")
	if ex >= 0 {
		d.take(ex)
		for _, sub := range d.rams(ex, "SubordinateSPSCountrySubDivision") {
			if !d.strIfPeek(d.rm(sub, "ID"), partiesID) {
				continue
			}
			d.take(sub)
			d.strIf(d.rm(sub, "ID"), partiesID)
			d.strIf(d.rm(sub, "Name"), partiesName)
			d.parties(sub)
			break
		}
	}
	if con != nil {
		if e := d.rm(cs, "ConsignorSPSParty"); e >= 0 {
			d.take(e)
			d.party(e, &con.Consignor, "consignment.consignor")
		}
		if e := d.rm(cs, "ConsigneeSPSParty"); e >= 0 {
			d.take(e)
			d.party(e, &con.Consignee, "consignment.consignee")
		}
		if ex >= 0 {
			if s, ok := d.str(d.rm(ex, "ID")); ok {
				con.ExportCountry = s
			}
		}
		if im := d.rm(cs, "ImportSPSCountry"); im >= 0 {
			d.take(im)
			if s, ok := d.str(d.rm(im, "ID")); ok {
				con.ImportCountry = s
			}
		}
		if ub := d.rm(cs, "UnloadingBaseportSPSLocation"); ub >= 0 {
			d.take(ub)
			con.EntryPoint = d.textMulti(d.rams(ub, "Name"), false)
		}
		for _, m := range d.rams(cs, "MainCarriageSPSTransportMovement") {
			mode := d.rm(m, "ModeCode")
			if mode < 0 || d.hasElems(mode) {
				continue
			}
			var t ecert.Transport
			d.take(m)
			t.Mode, _ = d.str(mode)
			if e := d.rm(m, "ID"); e >= 0 && d.text(e) != "" {
				t.ID, _ = d.str(e)
			}
			if um := d.rm(m, "UsedSPSTransportMeans"); um >= 0 {
				if n := d.rm(um, "Name"); n >= 0 && d.text(n) != "" {
					if s, ok := d.str(n); ok {
						d.take(um)
						t.Means = s
					}
				}
			}
			con.Transport = append(con.Transport, t)
		}
	} else {
		// Placeholders of a certificate without consignment.
		for _, tag := range [...]string{"ConsignorSPSParty", "ConsigneeSPSParty"} {
			if e := d.rm(cs, tag); e >= 0 && !d.hasElems(e) && strings.TrimSpace(d.text(e)) == "" {
				d.take(e)
			}
		}
		pc := placeholderCountry(c)
		if ex >= 0 {
			d.strIf(d.rm(ex, "ID"), pc)
		}
		if im := d.rm(cs, "ImportSPSCountry"); im >= 0 {
			if d.strIf(d.rm(im, "ID"), pc) {
				d.take(im)
			}
		}
	}
	// The encoder writes an ExaminationSPSEvent with an empty location name.
	if ev := d.rm(cs, "ExaminationSPSEvent"); ev >= 0 {
		if loc := d.rm(ev, "OccurrenceSPSLocation"); loc >= 0 {
			d.take(ev)
			d.take(loc)
			for _, n := range d.rams(loc, "Name") {
				if d.strIf(n, "") {
					break
				}
			}
		}
	}
	d.consignmentNotes(none)
	d.lineItems(d.rm(cs, "IncludedSPSConsignmentItem"), con)
}

func (d *decoder) parties(sub int32) {
	c := d.c
	var haveHolder bool
	for _, pe := range d.rams(sub, "ActivityAuthorizedSPSParty") {
		role := d.rm(pe, "RoleCode")
		if role < 0 || d.hasElems(role) {
			continue
		}
		var p *ecert.Party
		var path string
		switch d.text(role) {
		case roleHolder:
			if haveHolder {
				continue
			}
			haveHolder, p, path = true, &c.Holder, "holder"
		case roleApplicant:
			if c.Applicant != nil {
				continue
			}
			c.Applicant = &ecert.Party{}
			p, path = c.Applicant, "applicant"
		case roleManufacturer:
			if c.Manufacturer != nil {
				continue
			}
			c.Manufacturer = &ecert.Party{}
			p, path = c.Manufacturer, "manufacturer"
		case roleFactory:
			c.Factories = append(c.Factories, ecert.Party{})
			continue
		default:
			continue
		}
		d.take(pe)
		d.leaf(role, 0)
		d.party(pe, p, path)
	}
	// Factories, now that the slice no longer grows.
	i := 0
	for _, pe := range d.rams(sub, "ActivityAuthorizedSPSParty") {
		role := d.rm(pe, "RoleCode")
		if role < 0 || d.hasElems(role) || d.text(role) != roleFactory {
			continue
		}
		d.take(pe)
		d.leaf(role, 0)
		d.party(pe, &c.Factories[i], "factories["+strconv.Itoa(i)+"]")
		i++
	}
}

func (d *decoder) lineItems(ci int32, con *ecert.Consignment) {
	c := d.c
	if ci < 0 {
		return
	}
	d.take(ci)
	lis := d.rams(ci, "IncludedSPSTradeLineItem")
	seq := 0
	var placeholder int32 = -1
	for _, li := range lis {
		if d.isPlaceholderItem(li) {
			if placeholder < 0 {
				placeholder = li
			}
			continue
		}
		isProduct := false
		for _, n := range d.rams(li, "AdditionalInformationSPSNote") {
			if pn, ok := d.parseNote(n); ok && pn.subject == subjProduct {
				isProduct = true
				break
			}
		}
		switch {
		case isProduct:
			seq++
			d.take(li)
			d.sequence(li, seq)
			c.Products = append(c.Products, d.product(li))
		case con != nil:
			seq++
			d.take(li)
			d.sequence(li, seq)
			con.Items = append(con.Items, d.item(li))
		}
	}
	// The placeholder line item of a certificate without items and
	// products: sequence 0, an empty description, nothing else.
	if seq == 0 && placeholder >= 0 {
		d.take(placeholder)
		d.strIf(d.rm(placeholder, "SequenceNumeric"), placeholderSeq)
		d.strIf(d.rm(placeholder, "Description"), "")
	}
}

func (d *decoder) item(li int32) ecert.Item {
	var it ecert.Item
	it.Description = d.textMulti(d.rams(li, "Description"), true)
	if s, ok := d.str(d.rm(li, "ScientificName")); ok {
		it.ScientificName = s
	}
	it.NetWeight = d.measure(d.rm(li, "NetWeightMeasure"))
	it.GrossWeight = d.measure(d.rm(li, "GrossWeightMeasure"))
	var qv, qu note
	var haveQV, haveQU bool
	for _, ne := range d.rams(li, "AdditionalInformationSPSNote") {
		n, ok := d.parseNote(ne)
		if !ok || len(n.contents) != 1 || d.hasLang(n.contents[0]) {
			continue
		}
		switch {
		case n.subject == subjQuantityValue && !haveQV:
			qv, haveQV = n, true
		case n.subject == subjQuantityUnit && !haveQU:
			qu, haveQU = n, true
		}
	}
	if haveQV && haveQU {
		v, _ := d.noteValue(qv)
		u, _ := d.noteValue(qu)
		it.Quantity = &ecert.Measure{Value: v, Unit: u}
	}
	it.HSCode = d.hsCode(li)
	for _, pk := range d.rams(li, "PhysicalSPSPackage") {
		if d.countElems(pk) != 3 || !d.strIfPeek(d.rm(pk, "LevelCode"), packageLevel) {
			continue
		}
		tc, iq := d.rm(pk, "TypeCode"), d.rm(pk, "ItemQuantity")
		if tc < 0 || iq < 0 || d.hasElems(tc) || d.hasElems(iq) {
			continue
		}
		d.take(pk)
		d.strIf(d.rm(pk, "LevelCode"), packageLevel)
		u, _ := d.str(tc)
		v, _ := d.str(iq)
		it.Packages = &ecert.Measure{Value: v, Unit: u}
		break
	}
	if oc := d.rm(li, "OriginSPSCountry"); oc >= 0 {
		if id := d.rm(oc, "ID"); id >= 0 && d.text(id) != "" {
			if s, ok := d.str(id); ok {
				d.take(oc)
				it.OriginCountry = s
			}
		}
	}
	return it
}

func (d *decoder) countElems(e int32) int {
	n := 0
	for _, k := range d.t.children(e) {
		if d.t.isElem(k) {
			n++
		}
	}
	return n
}

func (d *decoder) measure(e int32) *ecert.Measure {
	if e < 0 || d.hasElems(e) {
		return nil
	}
	m := &ecert.Measure{Value: d.text(e)}
	if a := d.t.attr(e, "unitCode"); a != nil {
		if a.value.n == 0 {
			return nil
		}
		m.Unit = d.t.str(a.value)
		d.leaf(e, claimUnit)
	} else {
		d.leaf(e, 0)
	}
	return m
}

// classification returns the SystemName and ClassCode of a simple
// classification (no attributes, one SystemName, one ClassCode, ClassNames
// with languages only when names is true).
func (d *decoder) classification(cl int32, names bool) (system string, code int32, ok bool) {
	t := d.t
	var sys int32 = -1
	code = -1
	for _, k := range t.children(cl) {
		kn := &t.nodes[k]
		if kn.space == textNode {
			continue
		}
		switch {
		case kn.space == d.ram && t.str(kn.name) == "SystemName" && sys < 0 && !d.hasLang(k) && !kn.elems:
			sys = k
		case kn.space == d.ram && t.str(kn.name) == "ClassCode" && code < 0 && !kn.elems:
			code = k
		case kn.space == d.ram && t.str(kn.name) == "ClassName" && names:
		default:
			return "", -1, false
		}
	}
	if sys < 0 || code < 0 {
		return "", -1, false
	}
	return d.text(sys), code, true
}

func (d *decoder) hsCode(li int32) string {
	for _, cl := range d.rams(li, "ApplicableSPSClassification") {
		if sys, code, ok := d.classification(cl, false); ok && sys == hsSystem && d.text(code) != "" {
			d.take(cl)
			d.leaf(d.rm(cl, "SystemName"), 0)
			s, _ := d.str(code)
			return s
		}
	}
	return ""
}

func (d *decoder) product(li int32) ecert.Product {
	var p ecert.Product
	p.Name = d.textMulti(d.rams(li, "Description"), true)
	seenSpec := false
	for _, ne := range d.rams(li, "AdditionalInformationSPSNote") {
		n, ok := d.parseNote(ne)
		if !ok {
			continue
		}
		switch {
		case n.subject == subjProduct:
			if v, ok := d.noteValue(n); ok {
				p.Brand = v
			}
		case n.subject == subjSpecifications && !seenSpec:
			if t, ok := d.claimNote(n); ok {
				p.Specifications, seenSpec = t, true
			}
		}
	}
	p.HSCode = d.hsCode(li)
	for _, cl := range d.rams(li, "ApplicableSPSClassification") {
		sys, code, ok := d.classification(cl, true)
		if !ok || sys != modelSystem {
			continue
		}
		d.take(cl)
		d.leaf(d.rm(cl, "SystemName"), 0)
		m := ecert.Model{}
		m.Code, _ = d.str(code)
		m.Description = d.textMulti(d.rams(cl, "ClassName"), false)
		p.Models = append(p.Models, m)
	}
	return p
}

// sequence claims the SequenceNumeric that the encoder writes for the
// seq-th line item.
func (d *decoder) sequence(li int32, seq int) {
	want := strconv.Itoa(seq)
	for _, e := range d.rams(li, "SequenceNumeric") {
		if d.strIf(e, want) {
			return
		}
	}
}

func (d *decoder) isPlaceholderItem(li int32) bool {
	t := d.t
	var ks [2]int32
	n := 0
	for _, k := range t.children(li) {
		if t.isElem(k) {
			if n < len(ks) {
				ks[n] = k
			}
			n++
		}
	}
	if t.nodes[li].nattr != 0 || n != 2 {
		return false
	}
	a, b := &t.nodes[ks[0]], &t.nodes[ks[1]]
	return d.is(ks[0], d.ram, "SequenceNumeric") && a.nattr == 0 && d.text(ks[0]) == placeholderSeq &&
		d.is(ks[1], d.ram, "Description") && b.nattr == 0 && d.text(ks[1]) == "" && !a.elems && !b.elems
}
