package cefact

// The etree decoder that Decode used before the xtree (commit dc4888b),
// kept as the reference of the differential tests: its results are the
// contract (decode_diff_test.go).

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/ecertkit/ecertkit/ecert"
)

// etreeUnmarshal is Unmarshal as it was: the document is parsed into an
// etree tree, mapped, and the unclaimed parts of the tree reported.
func etreeUnmarshal(data []byte, opts *DecodeOptions) (*Document, error) {
	maxBytes, maxDepth, maxElems := opts.limits()
	if int64(len(data)) > maxBytes {
		return nil, &DecodeError{Offset: maxBytes, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)}
	}
	src := string(data)
	t, err := parseString(src, parseOptions{maxDepth: maxDepth, maxElems: maxElems}, nil)
	if err != nil {
		return nil, err
	}
	if t.root.Tag != "SPSCertificate" || t.uriOf(t.root.Space) != NSCertificate {
		return nil, &DecodeError{Offset: -1, Err: fmt.Errorf("%w: root element is {%s}%s, want {%s}SPSCertificate", ErrNotSPS, t.uriOf(t.root.Space), t.root.Tag, NSCertificate)}
	}
	d := newETreeDecoder(t)
	d.certificate()
	return d.finish(), nil
}

func newETreeDecoder(t *tree) *etreeDecoder {
	return &etreeDecoder{t: t, cl: &claims{el: map[*etree.Element]int32{}}, ptrs: &slab[*etree.Element]{size: 256}, c: &ecert.Certificate{}, texts: map[string]*ecert.Text{}}
}

// etreeDecodeAcknowledgement is DecodeAcknowledgement as it was.
func etreeDecodeAcknowledgement(r io.Reader, opts *DecodeOptions) (*Acknowledgement, []Unmapped, error) {
	maxBytes, maxDepth, maxElems := opts.limits()
	src, err := readString(r, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	t, err := parseString(src, parseOptions{maxDepth: maxDepth, maxElems: maxElems}, nil)
	if err != nil {
		return nil, nil, err
	}
	if t.root.Tag != "SPSAcknowledgement" || t.uriOf(t.root.Space) != NSAcknowledgement {
		return nil, nil, &DecodeError{Offset: -1, Err: fmt.Errorf("%w: root element is {%s}%s, want {%s}SPSAcknowledgement", ErrNotSPS, t.uriOf(t.root.Space), t.root.Tag, NSAcknowledgement)}
	}
	d := newETreeDecoder(t)
	a := &Acknowledgement{}
	d.cl.take(t.root)
	if doc := etreeKid(t.root, "rsm", "SPSAcknowledgementDocument"); doc != nil {
		d.cl.take(doc)
		if tm, ok := d.dateTime(etreeRam(doc, "IssueDateTime")); ok {
			a.Issued = tm
		}
		if s, ok := d.str(etreeRam(doc, "StatusCode")); ok {
			a.Status = s
		}
		a.Reason = d.textMulti(d.kids(doc, "ram", "ReasonInformation"), false)
		for _, r := range d.kids(doc, "ram", "ReferenceSPSReferencedDocument") {
			a.References = append(a.References, d.reference(r))
		}
	}
	var unmapped []Unmapped
	for _, u := range t.collect(d.cl) {
		val := u.attr
		if u.el != nil {
			val = t.fragment(u.el)
		}
		if a.Extensions == nil {
			a.Extensions = map[string]string{}
		}
		a.Extensions[ExtensionXMLPrefix+xpathString(u.path)] = val
		unmapped = t.leaves(u, unmapped)
	}
	return a, unmapped, nil
}

type etreeDecoder struct {
	t     *tree
	cl    *claims
	c     *ecert.Certificate
	texts map[string]*ecert.Text // translation targets by model path
	ptrs  *slab[*etree.Element]  // storage for lists of elements
	notes []*etree.Element       // document-level notes not yet claimed
}

func (d *etreeDecoder) finish() *Document {
	doc := &Document{Certificate: d.c}
	for _, u := range d.t.collect(d.cl) {
		key := ExtensionXMLPrefix + xpathString(u.path)
		val := u.attr
		if u.el != nil {
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

// kids returns the children of e named space:local, in a slice from the
// decode's pooled storage.
func (d *etreeDecoder) kids(e *etree.Element, space, local string) []*etree.Element {
	if e == nil {
		return nil
	}
	n := 0
	for _, c := range e.Child {
		if k, ok := c.(*etree.Element); ok && k.Tag == local && k.Space == space {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := d.ptrs.many(n)
	for _, c := range e.Child {
		if k, ok := c.(*etree.Element); ok && k.Tag == local && k.Space == space {
			out = append(out, k)
		}
	}
	return out
}

func etreeKid(e *etree.Element, space, local string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Child {
		if k, ok := c.(*etree.Element); ok && k.Tag == local && k.Space == space {
			return k
		}
	}
	return nil
}

func etreeRam(e *etree.Element, local string) *etree.Element { return etreeKid(e, "ram", local) }

// str claims a leaf with no attributes and returns its text.
func (d *etreeDecoder) str(e *etree.Element) (string, bool) {
	if e == nil || hasChildElements(e) {
		return "", false
	}
	d.cl.leaf(e)
	return leafText(e), true
}

// strIf claims a leaf whose text is want.
func (d *etreeDecoder) strIf(e *etree.Element, want string) bool {
	if e == nil || hasChildElements(e) || leafText(e) != want {
		return false
	}
	d.cl.leaf(e)
	return true
}

// langAttr is the claimed attribute list of a text with a language (shared:
// claims never append to a list in place).
var langAttr = []string{"languageID"}

// unitCodeAttr is the claimed attribute list of a measure with a unit.
var unitCodeAttr = []string{"unitCode"}

func etreeLangOf(e *etree.Element) (lang string, attrs []string) {
	if a := e.SelectAttr("languageID"); a != nil {
		return a.Value, langAttr
	}
	return "", nil
}

// textMulti claims the text elements es (one per language) and returns
// them as a Text. A second element in the same language is left unmapped.
// When required, one empty element without language is an empty Text (the
// encoder writes it for an empty Text).
func (d *etreeDecoder) textMulti(es []*etree.Element, required bool) ecert.Text {
	if required && len(es) == 1 && es[0].SelectAttr("languageID") == nil && !hasChildElements(es[0]) && leafText(es[0]) == "" {
		d.cl.leaf(es[0])
		return nil
	}
	var t ecert.Text
	for _, e := range es {
		if hasChildElements(e) {
			continue
		}
		l, attrs := etreeLangOf(e)
		if _, dup := t[l]; dup {
			continue
		}
		if t == nil {
			t = ecert.Text{}
		}
		t[l] = leafText(e)
		d.cl.leaf(e, attrs...)
	}
	return t
}

// textSingle is textMulti for a slot that holds one element, with the
// other languages in translation notes for path.
func (d *etreeDecoder) textSingle(e *etree.Element, path string, required bool, dst *ecert.Text) {
	if e == nil {
		return
	}
	*dst = d.textMulti([]*etree.Element{e}, required)
	d.texts[path] = dst
}

// dateTime claims a udt:DateTimeType element holding a DateTimeString in
// the RFC 3339 form the encoder writes.
func (d *etreeDecoder) dateTime(e *etree.Element) (time.Time, bool) {
	if e == nil {
		return time.Time{}, false
	}
	var buf [2]*etree.Element
	ks, n := childElements(buf[:0], e)
	if n != 1 || ks[0].Space != "udt" || ks[0].Tag != "DateTimeString" || hasChildElements(ks[0]) {
		return time.Time{}, false
	}
	s := leafText(ks[0])
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !timeIs(t, s) || t.IsZero() {
		return time.Time{}, false
	}
	d.cl.take(e)
	d.cl.leaf(ks[0])
	return t, true
}

func (d *etreeDecoder) certificate() {
	c := d.c
	root := d.t.root
	d.cl.take(root)
	doc := etreeKid(root, "rsm", "SPSExchangedDocument")
	cons := etreeKid(root, "rsm", "SPSConsignment")
	if doc != nil {
		d.cl.take(doc)
		if s, ok := d.str(etreeRam(doc, "ID")); ok {
			c.Number = s
		}
		c.Title = d.textMulti(d.kids(doc, "ram", "Name"), false)
		c.Scope = d.textMulti(d.kids(doc, "ram", "Description"), false)
		if s, ok := d.str(etreeRam(doc, "TypeCode")); ok {
			c.Scheme = schemeFor(s)
		}
		if e := etreeRam(doc, "StatusCode"); e != nil && !hasChildElements(e) {
			if st, ok := codeStatus[leafText(e)]; ok {
				d.cl.leaf(e)
				c.Status = st
			}
		}
		if t, ok := d.dateTime(etreeRam(doc, "IssueDateTime")); ok {
			c.IssueDate = t
		}
		if is := etreeRam(doc, "IssuerSPSParty"); is != nil {
			d.cl.take(is)
			var p ecert.Party
			d.party(is, &p, "issuingBody")
			c.IssuingBody = ecert.Body{ID: p.ID, Name: p.Name, Address: p.Address}
			if p.Address != nil {
				c.IssuingBody.Country = p.Address.Country
			}
		}
		d.notes = d.kids(doc, "ram", "IncludedSPSNote")
		for _, r := range d.kids(doc, "ram", "ReferenceSPSReferencedDocument") {
			d.c.References = append(d.c.References, d.reference(r))
		}
		if a := etreeRam(doc, "SignatorySPSAuthentication"); a != nil {
			d.signatory(a)
		}
	}
	d.docNotes()
	d.consignment(cons)
	d.translations()
}

func (d *etreeDecoder) reference(r *etree.Element) ecert.Reference {
	var ref ecert.Reference
	d.cl.take(r)
	if t, ok := d.dateTime(etreeRam(r, "IssueDateTime")); ok {
		ref.Issued = t
	}
	if e := etreeRam(r, "Information"); e != nil && !hasChildElements(e) && e.SelectAttr("languageID") == nil && leafText(e) != "" && !isDigits(leafText(e)) {
		ref.Type, _ = d.str(e)
	} else if e := etreeRam(r, "TypeCode"); e != nil && isDigits(leafText(e)) {
		if s, ok := d.str(e); ok {
			ref.Type = s
		}
	}
	if e := etreeRam(r, "ID"); e != nil && leafText(e) != "" {
		if s, ok := d.str(e); ok {
			ref.ID = s
		}
	}
	return ref
}

func (d *etreeDecoder) signatory(a *etree.Element) {
	c := d.c
	d.cl.take(a)
	var s *ecert.Signatory
	if pp := etreeRam(a, "ProviderSPSParty"); pp != nil {
		if person := etreeRam(pp, "SpecifiedSPSPerson"); person != nil {
			s = &ecert.Signatory{}
			d.cl.take(pp)
			d.cl.take(person)
			d.textSingle(etreeRam(person, "Name"), "signatory.name", true, &s.Name)
			if q := etreeRam(person, "AttainedSPSQualification"); q != nil {
				d.cl.take(q)
				s.Role = d.textMulti(d.kids(q, "ram", "Name"), false)
			}
		}
	}
	if loc := etreeRam(a, "IssueSPSLocation"); loc != nil {
		m := d.cl.mark()
		d.cl.take(loc)
		place := d.textMulti(d.kids(loc, "ram", "Name"), true)
		switch {
		case s != nil:
			s.Place = place
		case len(place) > 0:
			d.cl.rollback(m)
		}
	}
	if s != nil {
		c.Signatory = s
		for _, e := range d.kids(a, "ram", "ActualDateTime") {
			if c.IssueDate.IsZero() {
				break
			}
			m := d.cl.mark()
			if t, ok := d.dateTime(e); ok && sameTimeText(t, c.IssueDate) {
				break
			}
			d.cl.rollback(m)
		}
	}
	for _, cl := range d.kids(a, "ram", "IncludedSPSClause") {
		id := etreeRam(cl, "ID")
		if id == nil || id.SelectAttrValue("schemeID", "") != standardID || hasChildElements(id) {
			continue
		}
		st := ecert.Standard{Code: leafText(id), Edition: id.SelectAttrValue("schemeVersionID", "")}
		d.cl.take(cl)
		attrs := []string{"schemeID"}
		if id.SelectAttr("schemeVersionID") != nil {
			attrs = append(attrs, "schemeVersionID")
		}
		d.cl.leaf(id, attrs...)
		st.Title = d.textMulti(d.kids(cl, "ram", "Content"), false)
		c.Standards = append(c.Standards, st)
	}
}

// party reads an SPSPartyType element (already claimed) into p.
func (d *etreeDecoder) party(e *etree.Element, p *ecert.Party, path string) {
	if s, ok := d.str(etreeRam(e, "ID")); ok {
		p.ID = s
	}
	keys, ok := partyPaths[path]
	if !ok {
		keys = [3]string{path + ".name", path + ".address.street", path + ".address.city"}
	}
	d.textSingle(etreeRam(e, "Name"), keys[0], false, &p.Name)
	ad := etreeRam(e, "SpecifiedSPSAddress")
	if ad == nil {
		return
	}
	d.cl.take(ad)
	a := &ecert.Address{}
	p.Address = a
	if s, ok := d.str(etreeRam(ad, "PostcodeCode")); ok {
		a.Postcode = s
	}
	var lines []*etree.Element
	for _, t := range lineTags {
		if l := etreeRam(ad, t); l != nil {
			lines = append(lines, l)
		}
	}
	a.Street = d.textMulti(lines, false)
	d.texts[keys[1]] = &a.Street
	d.textSingle(etreeRam(ad, "CityName"), keys[2], false, &a.City)
	if s, ok := d.str(etreeRam(ad, "CountryID")); ok {
		a.Country = s
	}
	if s, ok := d.str(etreeRam(ad, "CountrySubDivisionID")); ok {
		a.Subdivision = s
	}
}

// note is a parsed IncludedSPSNote: its subject and content elements.
type etreeNote struct {
	el       *etree.Element
	subject  string
	contents []*etree.Element
}

func (d *etreeDecoder) parseNote(n *etree.Element) (etreeNote, bool) {
	var out etreeNote
	out.el = n
	contents := 0
	for _, c := range n.Child {
		k, ok := c.(*etree.Element)
		if !ok {
			continue
		}
		switch {
		case k.Space == "ram" && k.Tag == "Subject" && out.subject == "" && !hasChildElements(k):
			out.subject = leafText(k)
		case k.Space == "ram" && k.Tag == "Content":
			contents++
		default:
			return etreeNote{}, false
		}
	}
	if out.subject == "" || contents == 0 {
		return etreeNote{}, false
	}
	out.contents = d.kids(n, "ram", "Content")
	return out, true
}

// claimNote claims the note and returns its content as Text; ok is false
// (and nothing is claimed) when a language repeats.
func (d *etreeDecoder) claimNote(n etreeNote) (ecert.Text, bool) {
	m := d.cl.mark()
	d.cl.take(n.el)
	d.cl.leaf(etreeRam(n.el, "Subject"))
	t := d.textMulti(n.contents, false)
	if len(t) != len(n.contents) {
		d.cl.rollback(m)
		return nil, false
	}
	return t, true
}

// noteValue claims a note with one content without language.
func (d *etreeDecoder) noteValue(n etreeNote) (string, bool) {
	if len(n.contents) != 1 || n.contents[0].SelectAttr("languageID") != nil {
		return "", false
	}
	t, ok := d.claimNote(n)
	return t[""], ok
}

func (d *etreeDecoder) docNotes() {
	c := d.c
	seen := map[string]bool{}
	rest := d.notes[:0] // filtered in place: d.notes is the decoder's own list
	for _, ne := range d.notes {
		n, ok := d.parseNote(ne)
		if !ok || seen[n.subject] {
			rest = append(rest, ne)
			continue
		}
		m := d.cl.mark()
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
			d.cl.rollback(m)
			rest = append(rest, ne)
			continue
		}
		seen[n.subject] = true
	}
	d.notes = rest
}

// consignmentNotes handles the notes that belong to the consignment.
func (d *etreeDecoder) consignmentNotes(none bool) {
	c := d.c
	seen := map[string]bool{}
	rest := d.notes[:0] // filtered in place: d.notes is the decoder's own list
	for _, ne := range d.notes {
		n, ok := d.parseNote(ne)
		if !ok || seen[n.subject] {
			rest = append(rest, ne)
			continue
		}
		m := d.cl.mark()
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
			d.cl.rollback(m)
			rest = append(rest, ne)
			continue
		}
		seen[n.subject] = true
	}
	d.notes = rest
}

func (d *etreeDecoder) hasNoneNote() bool {
	for _, ne := range d.notes {
		if n, ok := d.parseNote(ne); ok && n.subject == subjConsignment && len(n.contents) == 1 && leafText(n.contents[0]) == consignmentNone {
			return true
		}
	}
	return false
}

// translations applies the translation notes to the Text fields they name.
func (d *etreeDecoder) translations() {
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
			l, _ := etreeLangOf(ct)
			if _, dup := (*dst)[l]; dup || hasChildElements(ct) {
				fine = false
				break
			}
			for _, prev := range n.contents[:i] {
				if pl, _ := etreeLangOf(prev); pl == l {
					fine = false
				}
			}
		}
		if !fine {
			continue
		}
		for _, ct := range n.contents {
			l, attrs := etreeLangOf(ct)
			(*dst)[l] = leafText(ct)
			d.cl.leaf(ct, attrs...)
		}
		d.cl.take(n.el)
		d.cl.leaf(etreeRam(n.el, "Subject"))
	}
}

func (d *etreeDecoder) consignment(cs *etree.Element) {
	c := d.c
	if cs == nil {
		d.consignmentNotes(false)
		return
	}
	d.cl.take(cs)
	none := d.hasNoneNote()
	var con *ecert.Consignment
	if !none {
		con = &ecert.Consignment{}
		c.Consignment = con
	}
	// The certificate's parties.
	ex := etreeRam(cs, "ExportSPSCountry")
	if ex != nil {
		d.cl.take(ex)
		for _, sub := range d.kids(ex, "ram", "SubordinateSPSCountrySubDivision") {
			if !d.strIfPeek(etreeRam(sub, "ID"), partiesID) {
				continue
			}
			d.cl.take(sub)
			d.strIf(etreeRam(sub, "ID"), partiesID)
			d.strIf(etreeRam(sub, "Name"), partiesName)
			d.parties(sub)
			break
		}
	}
	if con != nil {
		if e := etreeRam(cs, "ConsignorSPSParty"); e != nil {
			d.cl.take(e)
			d.party(e, &con.Consignor, "consignment.consignor")
		}
		if e := etreeRam(cs, "ConsigneeSPSParty"); e != nil {
			d.cl.take(e)
			d.party(e, &con.Consignee, "consignment.consignee")
		}
		if ex != nil {
			if s, ok := d.str(etreeRam(ex, "ID")); ok {
				con.ExportCountry = s
			}
		}
		if im := etreeRam(cs, "ImportSPSCountry"); im != nil {
			d.cl.take(im)
			if s, ok := d.str(etreeRam(im, "ID")); ok {
				con.ImportCountry = s
			}
		}
		if ub := etreeRam(cs, "UnloadingBaseportSPSLocation"); ub != nil {
			d.cl.take(ub)
			con.EntryPoint = d.textMulti(d.kids(ub, "ram", "Name"), false)
		}
		for _, m := range d.kids(cs, "ram", "MainCarriageSPSTransportMovement") {
			mode := etreeRam(m, "ModeCode")
			if mode == nil || hasChildElements(mode) {
				continue
			}
			var t ecert.Transport
			d.cl.take(m)
			t.Mode, _ = d.str(mode)
			if e := etreeRam(m, "ID"); e != nil && leafText(e) != "" {
				t.ID, _ = d.str(e)
			}
			if um := etreeRam(m, "UsedSPSTransportMeans"); um != nil {
				if n := etreeRam(um, "Name"); n != nil && leafText(n) != "" {
					if s, ok := d.str(n); ok {
						d.cl.take(um)
						t.Means = s
					}
				}
			}
			con.Transport = append(con.Transport, t)
		}
	} else {
		// Placeholders of a certificate without consignment.
		for _, tag := range []string{"ConsignorSPSParty", "ConsigneeSPSParty"} {
			if e := etreeRam(cs, tag); e != nil && !hasChildElements(e) && strings.TrimSpace(leafText(e)) == "" {
				d.cl.take(e)
			}
		}
		pc := placeholderCountry(c)
		if ex != nil {
			d.strIf(etreeRam(ex, "ID"), pc)
		}
		if im := etreeRam(cs, "ImportSPSCountry"); im != nil {
			if d.strIf(etreeRam(im, "ID"), pc) {
				d.cl.take(im)
			}
		}
	}
	// The encoder writes an ExaminationSPSEvent with an empty location name.
	if ev := etreeRam(cs, "ExaminationSPSEvent"); ev != nil {
		if loc := etreeRam(ev, "OccurrenceSPSLocation"); loc != nil {
			d.cl.take(ev)
			d.cl.take(loc)
			for _, n := range d.kids(loc, "ram", "Name") {
				if d.strIf(n, "") {
					break
				}
			}
		}
	}
	d.consignmentNotes(none)
	d.lineItems(etreeRam(cs, "IncludedSPSConsignmentItem"), con)
}

// strIfPeek reports whether e is a leaf with text want, claiming nothing.
func (d *etreeDecoder) strIfPeek(e *etree.Element, want string) bool {
	return e != nil && !hasChildElements(e) && leafText(e) == want
}

func (d *etreeDecoder) parties(sub *etree.Element) {
	c := d.c
	var haveHolder bool
	for _, pe := range d.kids(sub, "ram", "ActivityAuthorizedSPSParty") {
		role := etreeRam(pe, "RoleCode")
		if role == nil || hasChildElements(role) {
			continue
		}
		var p *ecert.Party
		var path string
		switch leafText(role) {
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
		d.cl.take(pe)
		d.cl.leaf(role)
		d.party(pe, p, path)
	}
	// Factories, now that the slice no longer grows.
	i := 0
	for _, pe := range d.kids(sub, "ram", "ActivityAuthorizedSPSParty") {
		role := etreeRam(pe, "RoleCode")
		if role == nil || hasChildElements(role) || leafText(role) != roleFactory {
			continue
		}
		d.cl.take(pe)
		d.cl.leaf(role)
		d.party(pe, &c.Factories[i], "factories["+strconv.Itoa(i)+"]")
		i++
	}
}

func (d *etreeDecoder) lineItems(ci *etree.Element, con *ecert.Consignment) {
	c := d.c
	if ci == nil {
		return
	}
	d.cl.take(ci)
	lis := d.kids(ci, "ram", "IncludedSPSTradeLineItem")
	seq := 0
	var placeholder *etree.Element
	for _, li := range lis {
		if etreeIsPlaceholderItem(li) {
			if placeholder == nil {
				placeholder = li
			}
			continue
		}
		isProduct := false
		for _, n := range d.kids(li, "ram", "AdditionalInformationSPSNote") {
			if pn, ok := d.parseNote(n); ok && pn.subject == subjProduct {
				isProduct = true
				break
			}
		}
		switch {
		case isProduct:
			seq++
			d.cl.take(li)
			d.sequence(li, seq)
			c.Products = append(c.Products, d.product(li))
		case con != nil:
			seq++
			d.cl.take(li)
			d.sequence(li, seq)
			con.Items = append(con.Items, d.item(li))
		}
	}
	// The placeholder line item of a certificate without items and
	// products: sequence 0, an empty description, nothing else.
	if seq == 0 && placeholder != nil {
		d.cl.take(placeholder)
		d.strIf(etreeRam(placeholder, "SequenceNumeric"), placeholderSeq)
		d.strIf(etreeRam(placeholder, "Description"), "")
	}
}

func (d *etreeDecoder) item(li *etree.Element) ecert.Item {
	var it ecert.Item
	it.Description = d.textMulti(d.kids(li, "ram", "Description"), true)
	if s, ok := d.str(etreeRam(li, "ScientificName")); ok {
		it.ScientificName = s
	}
	it.NetWeight = d.measure(etreeRam(li, "NetWeightMeasure"))
	it.GrossWeight = d.measure(etreeRam(li, "GrossWeightMeasure"))
	var qv, qu *etreeNote
	for _, ne := range d.kids(li, "ram", "AdditionalInformationSPSNote") {
		n, ok := d.parseNote(ne)
		if !ok || len(n.contents) != 1 || n.contents[0].SelectAttr("languageID") != nil {
			continue
		}
		switch {
		case n.subject == subjQuantityValue && qv == nil:
			qv = &n
		case n.subject == subjQuantityUnit && qu == nil:
			qu = &n
		}
	}
	if qv != nil && qu != nil {
		v, _ := d.noteValue(*qv)
		u, _ := d.noteValue(*qu)
		it.Quantity = &ecert.Measure{Value: v, Unit: u}
	}
	it.HSCode = d.hsCode(li)
	for _, pk := range d.kids(li, "ram", "PhysicalSPSPackage") {
		_, n := childElements(nil, pk)
		if n != 3 || !d.strIfPeek(etreeRam(pk, "LevelCode"), packageLevel) {
			continue
		}
		tc, iq := etreeRam(pk, "TypeCode"), etreeRam(pk, "ItemQuantity")
		if tc == nil || iq == nil || hasChildElements(tc) || hasChildElements(iq) {
			continue
		}
		d.cl.take(pk)
		d.strIf(etreeRam(pk, "LevelCode"), packageLevel)
		u, _ := d.str(tc)
		v, _ := d.str(iq)
		it.Packages = &ecert.Measure{Value: v, Unit: u}
		break
	}
	if oc := etreeRam(li, "OriginSPSCountry"); oc != nil {
		if id := etreeRam(oc, "ID"); id != nil && leafText(id) != "" {
			if s, ok := d.str(id); ok {
				d.cl.take(oc)
				it.OriginCountry = s
			}
		}
	}
	return it
}

func (d *etreeDecoder) measure(e *etree.Element) *ecert.Measure {
	if e == nil || hasChildElements(e) {
		return nil
	}
	m := &ecert.Measure{Value: leafText(e)}
	if a := e.SelectAttr("unitCode"); a != nil {
		if a.Value == "" {
			return nil
		}
		m.Unit = a.Value
		d.cl.leaf(e, unitCodeAttr...)
	} else {
		d.cl.leaf(e)
	}
	return m
}

// classification returns the SystemName and ClassCode of a simple
// classification (no attributes, one SystemName, one ClassCode, ClassNames
// with languages only when names is true).
func etreeClassification(cl *etree.Element, names bool) (system string, code *etree.Element, ok bool) {
	var sys *etree.Element
	for _, c := range cl.Child {
		k, ok := c.(*etree.Element)
		if !ok {
			continue
		}
		switch {
		case k.Space == "ram" && k.Tag == "SystemName" && sys == nil && k.SelectAttr("languageID") == nil && !hasChildElements(k):
			sys = k
		case k.Space == "ram" && k.Tag == "ClassCode" && code == nil && !hasChildElements(k):
			code = k
		case k.Space == "ram" && k.Tag == "ClassName" && names:
		default:
			return "", nil, false
		}
	}
	if sys == nil || code == nil {
		return "", nil, false
	}
	return leafText(sys), code, true
}

func (d *etreeDecoder) hsCode(li *etree.Element) string {
	for _, cl := range d.kids(li, "ram", "ApplicableSPSClassification") {
		if sys, code, ok := etreeClassification(cl, false); ok && sys == hsSystem && leafText(code) != "" {
			d.cl.take(cl)
			d.cl.leaf(etreeRam(cl, "SystemName"))
			s, _ := d.str(code)
			return s
		}
	}
	return ""
}

func (d *etreeDecoder) product(li *etree.Element) ecert.Product {
	var p ecert.Product
	p.Name = d.textMulti(d.kids(li, "ram", "Description"), true)
	seenSpec := false
	for _, ne := range d.kids(li, "ram", "AdditionalInformationSPSNote") {
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
	for _, cl := range d.kids(li, "ram", "ApplicableSPSClassification") {
		sys, code, ok := etreeClassification(cl, true)
		if !ok || sys != modelSystem {
			continue
		}
		d.cl.take(cl)
		d.cl.leaf(etreeRam(cl, "SystemName"))
		m := ecert.Model{}
		m.Code, _ = d.str(code)
		m.Description = d.textMulti(d.kids(cl, "ram", "ClassName"), false)
		p.Models = append(p.Models, m)
	}
	return p
}

// sequence claims the SequenceNumeric that the encoder writes for the
// seq-th line item.
func (d *etreeDecoder) sequence(li *etree.Element, seq int) {
	want := strconv.Itoa(seq)
	for _, e := range d.kids(li, "ram", "SequenceNumeric") {
		if d.strIf(e, want) {
			return
		}
	}
}

func etreeIsPlaceholderItem(li *etree.Element) bool {
	var buf [3]*etree.Element
	ks, n := childElements(buf[:0], li)
	return len(li.Attr) == 0 && n == 2 &&
		ks[0].Space == "ram" && ks[0].Tag == "SequenceNumeric" && len(ks[0].Attr) == 0 && leafText(ks[0]) == placeholderSeq &&
		ks[1].Space == "ram" && ks[1].Tag == "Description" && len(ks[1].Attr) == 0 && leafText(ks[1]) == "" && !hasChildElements(ks[0]) && !hasChildElements(ks[1])
}

// stepFor names element or attribute space:local of a parsed tree.
func (t *tree) stepFor(space, local string, attr bool, index int) step {
	s := step{attr: attr, local: local, index: index}
	if space == "" {
		return s
	}
	uri := t.uriOf(space)
	if preferredPrefix[uri] == space {
		s.space = space
		return s
	}
	s.uri = uri
	return s
}

// claims records which parts of a parsed tree the decoder mapped: for
// each claimed element, whether its text is claimed (bit 0) and which of
// its attributes (the rest: 1 + an index into attrs, or 0 for none).
type claims struct {
	el    map[*etree.Element]int32
	attrs [][]string
	log   []*etree.Element
}

func (c *claims) reset() {
	if len(c.log) > poolMax {
		*c = claims{el: make(map[*etree.Element]int32, 256)}
		return
	}
	clear(c.el)
	clear(c.attrs)
	clear(c.log)
	c.attrs, c.log = c.attrs[:0], c.log[:0]
}

func (c *claims) mark() int { return len(c.log) }

func (c *claims) rollback(m int) {
	for _, e := range c.log[m:] {
		delete(c.el, e)
	}
	c.log = c.log[:m]
}

// take claims e (not its text) and the named attributes.
func (c *claims) take(e *etree.Element, attrs ...string) { c.claim(e, 0, attrs) }

// leaf claims e, its text and the named attributes.
func (c *claims) leaf(e *etree.Element, attrs ...string) { c.claim(e, 1, attrs) }

func (c *claims) claim(e *etree.Element, text int32, attrs []string) {
	v, ok := c.el[e]
	if !ok {
		c.log = append(c.log, e)
	}
	if len(attrs) > 0 {
		if i := v >> 1; i > 0 {
			c.attrs[i-1] = append(c.attrs[i-1], attrs...)
		} else {
			c.attrs = append(c.attrs, attrs[:len(attrs):len(attrs)])
			v |= int32(len(c.attrs)) << 1
		}
	}
	c.el[e] = v | text
}

// attrIn reports whether key is among the attributes of claim v.
func (c *claims) attrIn(v int32, key string) bool {
	i := v >> 1
	if i == 0 {
		return false
	}
	for _, k := range c.attrs[i-1] {
		if k == key {
			return true
		}
	}
	return false
}

// unmappedPart is an unclaimed element (with its subtree) or attribute.
type unmappedPart struct {
	path []step
	el   *etree.Element // nil for an attribute
	attr string         // attribute value
}

// collect walks the tree and returns the parts that were not claimed.
func (t *tree) collect(c *claims) []unmappedPart {
	var out []unmappedPart
	path := make([]step, 1, 16)
	path[0] = t.stepFor(t.root.Space, t.root.Tag, false, 0)
	with := func(s step) []step {
		p := make([]step, len(path)+1)
		copy(p, path)
		p[len(path)] = s
		return p
	}
	// v is e's claim (see claims): one map lookup per element.
	var walk func(e *etree.Element, v int32)
	walk = func(e *etree.Element, v int32) {
		for _, a := range e.Attr {
			key := a.Key
			if a.Space != "" {
				key = a.Space + ":" + a.Key
			}
			if !c.attrIn(v, key) {
				out = append(out, unmappedPart{path: with(t.stepFor(a.Space, a.Key, false, 0).asAttr()), attr: a.Value})
			}
		}
		if v&1 == 0 {
			if s := leafText(e); strings.TrimSpace(s) != "" {
				// Text of an element mapped only as a structure (or mixed
				// with its child elements): kept as one text node at the
				// start of the element, addressed as text().
				out = append(out, unmappedPart{path: with(step{local: "text()"}), attr: s})
			}
		}
		var pos siblingCounter
		for _, ch := range e.Child {
			k, ok := ch.(*etree.Element)
			if !ok {
				continue
			}
			index := pos.next(k)
			kv, claimed := c.el[k]
			if !claimed {
				out = append(out, unmappedPart{path: with(t.stepFor(k.Space, k.Tag, false, index)), el: k})
				continue
			}
			if len(k.Attr) == 0 && !hasChildElements(k) && (kv&1 != 0 || strings.TrimSpace(leafText(k)) == "") {
				continue // nothing in it is unmapped
			}
			path = append(path, t.stepFor(k.Space, k.Tag, false, index))
			walk(k, kv)
			path = path[:len(path)-1]
		}
	}
	walk(t.root, c.el[t.root])
	return out
}

// siblingCounter gives the 1-based position of each child among its
// same-named siblings, in document order.
type siblingCounter struct {
	n     int
	first [16]*etree.Element // first child of each name
	count [16]int
	many  map[[2]string]int // once there are more names
}

func (s *siblingCounter) next(k *etree.Element) int {
	if s.many != nil {
		n := [2]string{k.Space, k.Tag}
		s.many[n]++
		return s.many[n]
	}
	for i, f := range s.first[:s.n] {
		if f.Tag == k.Tag && f.Space == k.Space {
			s.count[i]++
			return s.count[i]
		}
	}
	if s.n == len(s.first) {
		s.many = make(map[[2]string]int, 2*len(s.first))
		for i, f := range s.first {
			s.many[[2]string{f.Space, f.Tag}] = s.count[i]
		}
		return s.next(k)
	}
	s.first[s.n], s.count[s.n] = k, 1
	s.n++
	return 1
}

// leaves flattens an unmapped part into reported leaves.
func (t *tree) leaves(u unmappedPart, out []Unmapped) []Unmapped {
	if u.el == nil {
		return append(out, Unmapped{XPath: xpathString(u.path), Value: u.attr})
	}
	var walk func(e *etree.Element, path []step)
	walk = func(e *etree.Element, path []step) {
		for _, a := range e.Attr {
			p := append(append([]step(nil), path...), t.stepFor(a.Space, a.Key, true, 0))
			out = append(out, Unmapped{XPath: xpathString(p), Value: a.Value})
		}
		if !hasChildElements(e) {
			out = append(out, Unmapped{XPath: xpathString(path), Value: leafText(e)})
			return
		}
		counts := map[string]int{}
		for _, k := range e.ChildElements() {
			name := k.Space + ":" + k.Tag
			counts[name]++
			walk(k, append(append([]step(nil), path...), t.stepFor(k.Space, k.Tag, false, counts[name])))
		}
	}
	walk(u.el, u.path)
	return out
}

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

// childElements puts the first cap(buf) child elements of e in buf (which
// never grows, so that a buffer on the caller's stack stays there) and
// returns them with the number of child elements.
func childElements(buf []*etree.Element, e *etree.Element) ([]*etree.Element, int) {
	n := 0
	for _, c := range e.Child {
		if k, ok := c.(*etree.Element); ok {
			if len(buf) < cap(buf) {
				buf = append(buf, k)
			}
			n++
		}
	}
	return buf, n
}
