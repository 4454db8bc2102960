package cefact

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
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

// unmarshal decodes src, which is at most the maximum size.
func unmarshal(src string, opts *DecodeOptions) (*Document, error) {
	_, maxDepth, maxElems := opts.limits()
	st := getDecodeState()
	defer putDecodeState(st)
	t, err := parseString(src, parseOptions{maxDepth: maxDepth, maxElems: maxElems}, nil, st)
	if err != nil {
		return nil, err
	}
	if t.root.Tag != "SPSCertificate" || t.uriOf(t.root.Space) != NSCertificate {
		return nil, &DecodeError{Offset: -1, Err: fmt.Errorf("%w: root element is {%s}%s, want {%s}SPSCertificate", ErrNotSPS, t.uriOf(t.root.Space), t.root.Tag, NSCertificate)}
	}
	d := &decoder{t: t, cl: &st.cl, ptrs: &st.ptrs, c: &ecert.Certificate{}, texts: st.texts}
	d.certificate()
	return d.finish(), nil
}

type decoder struct {
	t     *tree
	cl    *claims
	c     *ecert.Certificate
	texts map[string]*ecert.Text // translation targets by model path
	ptrs  *slab[*etree.Element]  // storage for lists of elements
	notes []*etree.Element       // document-level notes not yet claimed
}

func (d *decoder) finish() *Document {
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
func (d *decoder) kids(e *etree.Element, space, local string) []*etree.Element {
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

func kid(e *etree.Element, space, local string) *etree.Element {
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

func ram(e *etree.Element, local string) *etree.Element { return kid(e, "ram", local) }

// str claims a leaf with no attributes and returns its text.
func (d *decoder) str(e *etree.Element) (string, bool) {
	if e == nil || hasChildElements(e) {
		return "", false
	}
	d.cl.leaf(e)
	return leafText(e), true
}

// strIf claims a leaf whose text is want.
func (d *decoder) strIf(e *etree.Element, want string) bool {
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

func langOf(e *etree.Element) (lang string, attrs []string) {
	if a := e.SelectAttr("languageID"); a != nil {
		return a.Value, langAttr
	}
	return "", nil
}

// textMulti claims the text elements es (one per language) and returns
// them as a Text. A second element in the same language is left unmapped.
// When required, one empty element without language is an empty Text (the
// encoder writes it for an empty Text).
func (d *decoder) textMulti(es []*etree.Element, required bool) ecert.Text {
	if required && len(es) == 1 && es[0].SelectAttr("languageID") == nil && !hasChildElements(es[0]) && leafText(es[0]) == "" {
		d.cl.leaf(es[0])
		return nil
	}
	var t ecert.Text
	for _, e := range es {
		if hasChildElements(e) {
			continue
		}
		l, attrs := langOf(e)
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
func (d *decoder) textSingle(e *etree.Element, path string, required bool, dst *ecert.Text) {
	if e == nil {
		return
	}
	*dst = d.textMulti([]*etree.Element{e}, required)
	d.texts[path] = dst
}

// dateTime claims a udt:DateTimeType element holding a DateTimeString in
// the RFC 3339 form the encoder writes.
func (d *decoder) dateTime(e *etree.Element) (time.Time, bool) {
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

func (d *decoder) certificate() {
	c := d.c
	root := d.t.root
	d.cl.take(root)
	doc := kid(root, "rsm", "SPSExchangedDocument")
	cons := kid(root, "rsm", "SPSConsignment")
	if doc != nil {
		d.cl.take(doc)
		if s, ok := d.str(ram(doc, "ID")); ok {
			c.Number = s
		}
		c.Title = d.textMulti(d.kids(doc, "ram", "Name"), false)
		c.Scope = d.textMulti(d.kids(doc, "ram", "Description"), false)
		if s, ok := d.str(ram(doc, "TypeCode")); ok {
			c.Scheme = schemeFor(s)
		}
		if e := ram(doc, "StatusCode"); e != nil && !hasChildElements(e) {
			if st, ok := codeStatus[leafText(e)]; ok {
				d.cl.leaf(e)
				c.Status = st
			}
		}
		if t, ok := d.dateTime(ram(doc, "IssueDateTime")); ok {
			c.IssueDate = t
		}
		if is := ram(doc, "IssuerSPSParty"); is != nil {
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
		if a := ram(doc, "SignatorySPSAuthentication"); a != nil {
			d.signatory(a)
		}
	}
	d.docNotes()
	d.consignment(cons)
	d.translations()
}

func (d *decoder) reference(r *etree.Element) ecert.Reference {
	var ref ecert.Reference
	d.cl.take(r)
	if t, ok := d.dateTime(ram(r, "IssueDateTime")); ok {
		ref.Issued = t
	}
	if e := ram(r, "Information"); e != nil && !hasChildElements(e) && e.SelectAttr("languageID") == nil && leafText(e) != "" && !isDigits(leafText(e)) {
		ref.Type, _ = d.str(e)
	} else if e := ram(r, "TypeCode"); e != nil && isDigits(leafText(e)) {
		if s, ok := d.str(e); ok {
			ref.Type = s
		}
	}
	if e := ram(r, "ID"); e != nil && leafText(e) != "" {
		if s, ok := d.str(e); ok {
			ref.ID = s
		}
	}
	return ref
}

func (d *decoder) signatory(a *etree.Element) {
	c := d.c
	d.cl.take(a)
	var s *ecert.Signatory
	if pp := ram(a, "ProviderSPSParty"); pp != nil {
		if person := ram(pp, "SpecifiedSPSPerson"); person != nil {
			s = &ecert.Signatory{}
			d.cl.take(pp)
			d.cl.take(person)
			d.textSingle(ram(person, "Name"), "signatory.name", true, &s.Name)
			if q := ram(person, "AttainedSPSQualification"); q != nil {
				d.cl.take(q)
				s.Role = d.textMulti(d.kids(q, "ram", "Name"), false)
			}
		}
	}
	if loc := ram(a, "IssueSPSLocation"); loc != nil {
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
		id := ram(cl, "ID")
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
func (d *decoder) party(e *etree.Element, p *ecert.Party, path string) {
	if s, ok := d.str(ram(e, "ID")); ok {
		p.ID = s
	}
	keys, ok := partyPaths[path]
	if !ok {
		keys = [3]string{path + ".name", path + ".address.street", path + ".address.city"}
	}
	d.textSingle(ram(e, "Name"), keys[0], false, &p.Name)
	ad := ram(e, "SpecifiedSPSAddress")
	if ad == nil {
		return
	}
	d.cl.take(ad)
	a := &ecert.Address{}
	p.Address = a
	if s, ok := d.str(ram(ad, "PostcodeCode")); ok {
		a.Postcode = s
	}
	var lines []*etree.Element
	for _, t := range lineTags {
		if l := ram(ad, t); l != nil {
			lines = append(lines, l)
		}
	}
	a.Street = d.textMulti(lines, false)
	d.texts[keys[1]] = &a.Street
	d.textSingle(ram(ad, "CityName"), keys[2], false, &a.City)
	if s, ok := d.str(ram(ad, "CountryID")); ok {
		a.Country = s
	}
	if s, ok := d.str(ram(ad, "CountrySubDivisionID")); ok {
		a.Subdivision = s
	}
}

// note is a parsed IncludedSPSNote: its subject and content elements.
type note struct {
	el       *etree.Element
	subject  string
	contents []*etree.Element
}

func (d *decoder) parseNote(n *etree.Element) (note, bool) {
	var out note
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
			return note{}, false
		}
	}
	if out.subject == "" || contents == 0 {
		return note{}, false
	}
	out.contents = d.kids(n, "ram", "Content")
	return out, true
}

// claimNote claims the note and returns its content as Text; ok is false
// (and nothing is claimed) when a language repeats.
func (d *decoder) claimNote(n note) (ecert.Text, bool) {
	m := d.cl.mark()
	d.cl.take(n.el)
	d.cl.leaf(ram(n.el, "Subject"))
	t := d.textMulti(n.contents, false)
	if len(t) != len(n.contents) {
		d.cl.rollback(m)
		return nil, false
	}
	return t, true
}

// noteValue claims a note with one content without language.
func (d *decoder) noteValue(n note) (string, bool) {
	if len(n.contents) != 1 || n.contents[0].SelectAttr("languageID") != nil {
		return "", false
	}
	t, ok := d.claimNote(n)
	return t[""], ok
}

func (d *decoder) docNotes() {
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
func (d *decoder) consignmentNotes(none bool) {
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

func (d *decoder) hasNoneNote() bool {
	for _, ne := range d.notes {
		if n, ok := d.parseNote(ne); ok && n.subject == subjConsignment && len(n.contents) == 1 && leafText(n.contents[0]) == consignmentNone {
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
			l, _ := langOf(ct)
			if _, dup := (*dst)[l]; dup || hasChildElements(ct) {
				fine = false
				break
			}
			for _, prev := range n.contents[:i] {
				if pl, _ := langOf(prev); pl == l {
					fine = false
				}
			}
		}
		if !fine {
			continue
		}
		for _, ct := range n.contents {
			l, attrs := langOf(ct)
			(*dst)[l] = leafText(ct)
			d.cl.leaf(ct, attrs...)
		}
		d.cl.take(n.el)
		d.cl.leaf(ram(n.el, "Subject"))
	}
}

func (d *decoder) consignment(cs *etree.Element) {
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
	ex := ram(cs, "ExportSPSCountry")
	if ex != nil {
		d.cl.take(ex)
		for _, sub := range d.kids(ex, "ram", "SubordinateSPSCountrySubDivision") {
			if !d.strIfPeek(ram(sub, "ID"), partiesID) {
				continue
			}
			d.cl.take(sub)
			d.strIf(ram(sub, "ID"), partiesID)
			d.strIf(ram(sub, "Name"), partiesName)
			d.parties(sub)
			break
		}
	}
	if con != nil {
		if e := ram(cs, "ConsignorSPSParty"); e != nil {
			d.cl.take(e)
			d.party(e, &con.Consignor, "consignment.consignor")
		}
		if e := ram(cs, "ConsigneeSPSParty"); e != nil {
			d.cl.take(e)
			d.party(e, &con.Consignee, "consignment.consignee")
		}
		if ex != nil {
			if s, ok := d.str(ram(ex, "ID")); ok {
				con.ExportCountry = s
			}
		}
		if im := ram(cs, "ImportSPSCountry"); im != nil {
			d.cl.take(im)
			if s, ok := d.str(ram(im, "ID")); ok {
				con.ImportCountry = s
			}
		}
		if ub := ram(cs, "UnloadingBaseportSPSLocation"); ub != nil {
			d.cl.take(ub)
			con.EntryPoint = d.textMulti(d.kids(ub, "ram", "Name"), false)
		}
		for _, m := range d.kids(cs, "ram", "MainCarriageSPSTransportMovement") {
			mode := ram(m, "ModeCode")
			if mode == nil || hasChildElements(mode) {
				continue
			}
			var t ecert.Transport
			d.cl.take(m)
			t.Mode, _ = d.str(mode)
			if e := ram(m, "ID"); e != nil && leafText(e) != "" {
				t.ID, _ = d.str(e)
			}
			if um := ram(m, "UsedSPSTransportMeans"); um != nil {
				if n := ram(um, "Name"); n != nil && leafText(n) != "" {
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
			if e := ram(cs, tag); e != nil && !hasChildElements(e) && strings.TrimSpace(leafText(e)) == "" {
				d.cl.take(e)
			}
		}
		pc := placeholderCountry(c)
		if ex != nil {
			d.strIf(ram(ex, "ID"), pc)
		}
		if im := ram(cs, "ImportSPSCountry"); im != nil {
			if d.strIf(ram(im, "ID"), pc) {
				d.cl.take(im)
			}
		}
	}
	// The encoder writes an ExaminationSPSEvent with an empty location name.
	if ev := ram(cs, "ExaminationSPSEvent"); ev != nil {
		if loc := ram(ev, "OccurrenceSPSLocation"); loc != nil {
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
	d.lineItems(ram(cs, "IncludedSPSConsignmentItem"), con)
}

// strIfPeek reports whether e is a leaf with text want, claiming nothing.
func (d *decoder) strIfPeek(e *etree.Element, want string) bool {
	return e != nil && !hasChildElements(e) && leafText(e) == want
}

func (d *decoder) parties(sub *etree.Element) {
	c := d.c
	var haveHolder bool
	for _, pe := range d.kids(sub, "ram", "ActivityAuthorizedSPSParty") {
		role := ram(pe, "RoleCode")
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
		role := ram(pe, "RoleCode")
		if role == nil || hasChildElements(role) || leafText(role) != roleFactory {
			continue
		}
		d.cl.take(pe)
		d.cl.leaf(role)
		d.party(pe, &c.Factories[i], "factories["+strconv.Itoa(i)+"]")
		i++
	}
}

func (d *decoder) lineItems(ci *etree.Element, con *ecert.Consignment) {
	c := d.c
	if ci == nil {
		return
	}
	d.cl.take(ci)
	lis := d.kids(ci, "ram", "IncludedSPSTradeLineItem")
	seq := 0
	var placeholder *etree.Element
	for _, li := range lis {
		if isPlaceholderItem(li) {
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
		d.strIf(ram(placeholder, "SequenceNumeric"), placeholderSeq)
		d.strIf(ram(placeholder, "Description"), "")
	}
}

func (d *decoder) item(li *etree.Element) ecert.Item {
	var it ecert.Item
	it.Description = d.textMulti(d.kids(li, "ram", "Description"), true)
	if s, ok := d.str(ram(li, "ScientificName")); ok {
		it.ScientificName = s
	}
	it.NetWeight = d.measure(ram(li, "NetWeightMeasure"))
	it.GrossWeight = d.measure(ram(li, "GrossWeightMeasure"))
	var qv, qu *note
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
		if n != 3 || !d.strIfPeek(ram(pk, "LevelCode"), packageLevel) {
			continue
		}
		tc, iq := ram(pk, "TypeCode"), ram(pk, "ItemQuantity")
		if tc == nil || iq == nil || hasChildElements(tc) || hasChildElements(iq) {
			continue
		}
		d.cl.take(pk)
		d.strIf(ram(pk, "LevelCode"), packageLevel)
		u, _ := d.str(tc)
		v, _ := d.str(iq)
		it.Packages = &ecert.Measure{Value: v, Unit: u}
		break
	}
	if oc := ram(li, "OriginSPSCountry"); oc != nil {
		if id := ram(oc, "ID"); id != nil && leafText(id) != "" {
			if s, ok := d.str(id); ok {
				d.cl.take(oc)
				it.OriginCountry = s
			}
		}
	}
	return it
}

func (d *decoder) measure(e *etree.Element) *ecert.Measure {
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
func classification(cl *etree.Element, names bool) (system string, code *etree.Element, ok bool) {
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

func (d *decoder) hsCode(li *etree.Element) string {
	for _, cl := range d.kids(li, "ram", "ApplicableSPSClassification") {
		if sys, code, ok := classification(cl, false); ok && sys == hsSystem && leafText(code) != "" {
			d.cl.take(cl)
			d.cl.leaf(ram(cl, "SystemName"))
			s, _ := d.str(code)
			return s
		}
	}
	return ""
}

func (d *decoder) product(li *etree.Element) ecert.Product {
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
		sys, code, ok := classification(cl, true)
		if !ok || sys != modelSystem {
			continue
		}
		d.cl.take(cl)
		d.cl.leaf(ram(cl, "SystemName"))
		m := ecert.Model{}
		m.Code, _ = d.str(code)
		m.Description = d.textMulti(d.kids(cl, "ram", "ClassName"), false)
		p.Models = append(p.Models, m)
	}
	return p
}

// sequence claims the SequenceNumeric that the encoder writes for the
// seq-th line item.
func (d *decoder) sequence(li *etree.Element, seq int) {
	want := strconv.Itoa(seq)
	for _, e := range d.kids(li, "ram", "SequenceNumeric") {
		if d.strIf(e, want) {
			return
		}
	}
}

func isPlaceholderItem(li *etree.Element) bool {
	var buf [3]*etree.Element
	ks, n := childElements(buf[:0], li)
	return len(li.Attr) == 0 && n == 2 &&
		ks[0].Space == "ram" && ks[0].Tag == "SequenceNumeric" && len(ks[0].Attr) == 0 && leafText(ks[0]) == placeholderSeq &&
		ks[1].Space == "ram" && ks[1].Tag == "Description" && len(ks[1].Attr) == 0 && leafText(ks[1]) == "" && !hasChildElements(ks[0]) && !hasChildElements(ks[1])
}
