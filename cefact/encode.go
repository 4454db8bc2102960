package cefact

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/ecertkit/ecertkit/ecert"
)

// Encode writes c as an rsm:SPSCertificate document, following the mapping
// in the package documentation. Extensions under ExtensionXMLPrefix (the
// parts of a decoded document that the model could not hold) are written
// back where they were. Encode does not validate c: a certificate that
// fails ecert's Validate may give XML that fails the schema.
func Encode(w io.Writer, c *ecert.Certificate) error {
	if c != nil && !hasXMLExtensions(c) {
		return encodeDirect(w, c)
	}
	return encodeETree(w, c)
}

// encodeETree is Encode through an etree tree, into which insertUnmapped
// puts the parts kept from a decoded document.
func encodeETree(w io.Writer, c *ecert.Certificate) error {
	e := encoders.Get().(*encoder)
	defer func() {
		e.reset()
		encoders.Put(e)
	}()
	root, err := e.encodeTree(c)
	if err != nil {
		return err
	}
	return writeDoc(w, root)
}

// Marshal is Encode into a byte slice.
func Marshal(c *ecert.Certificate) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeDoc writes the XML declaration and root, indented by two spaces.
// The output is appended to a pooled buffer held in local variables (not
// in a heap object), so that appends need no write barrier while the
// garbage collector marks.
func writeDoc(w io.Writer, root *etree.Element) error {
	bp := writers.Get().(*[]byte)
	x := xmlWriter{w: w}
	buf := (*bp)[:0]
	buf = append(buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"...)
	buf = writeElem(&x, buf, root, 0)
	buf = append(buf, '\n')
	return x.finish(bp, buf)
}

// finish flushes what is left of buf, returns the pooled buffer bp (when
// it has not grown beyond 1 MiB) and reports the first encoding or write
// error.
func (x *xmlWriter) finish(bp *[]byte, buf []byte) error {
	if x.err == nil {
		buf = x.flush(buf)
	}
	if cap(buf) <= 1<<20 {
		*bp = buf[:0]
		writers.Put(bp)
	}
	if x.err != nil {
		return fmt.Errorf("cefact: encode: %w", x.err)
	}
	if x.werr != nil {
		return fmt.Errorf("cefact: encode: %w", x.werr)
	}
	return nil
}

// writers holds the output buffers of writeDoc.
var writers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// xmlWriter is where writeElem writes out and remembers the first text that
// XML cannot carry and the first write error.
type xmlWriter struct {
	w    io.Writer
	err  error
	werr error
}

// flushAt is the buffered size from which writeElem writes out.
const flushAt = 32 << 10

func (x *xmlWriter) flush(buf []byte) []byte {
	if len(buf) > 0 && x.werr == nil {
		_, x.werr = x.w.Write(buf)
	}
	return buf[:0]
}

// ErrInvalidText: a string of the certificate holds a character that XML
// 1.0 cannot carry (a control character or invalid UTF-8).
var ErrInvalidText = errors.New("text not representable in XML")

const indent = "\n                                                                "

// writeElem serializes e: elements with child elements get one child per
// line, leaves their text; text next to child elements (mixed content,
// only in kept fragments) is written as is, without indentation.
func writeElem(w *xmlWriter, buf []byte, e *etree.Element, depth int) []byte {
	buf = append(buf, '<')
	if e.Space != "" {
		buf = append(buf, e.Space...)
		buf = append(buf, ':')
	}
	buf = append(buf, e.Tag...)
	for _, a := range e.Attr {
		buf = append(buf, ' ')
		if a.Space != "" {
			buf = append(buf, a.Space...)
			buf = append(buf, ':')
		}
		buf = append(buf, a.Key...)
		buf = append(buf, `="`...)
		buf = escape(w, buf, a.Value, true)
		buf = append(buf, '"')
	}
	if len(e.Child) == 0 {
		buf = append(buf, "/>"...)
		if len(buf) >= flushAt {
			buf = w.flush(buf)
		}
		return buf
	}
	buf = append(buf, '>')
	mixed, kids := false, false
	for _, c := range e.Child {
		switch x := c.(type) {
		case *etree.CharData:
			if strings.TrimSpace(x.Data) != "" {
				mixed = true
			}
		case *etree.Element:
			kids = true
		}
	}
	pretty := kids && !mixed
	for _, c := range e.Child {
		switch x := c.(type) {
		case *etree.Element:
			if pretty {
				buf = writeIndent(buf, depth+1)
			}
			buf = writeElem(w, buf, x, depth+1)
		case *etree.CharData:
			if !pretty {
				buf = escape(w, buf, x.Data, false)
			}
		}
	}
	if pretty {
		buf = writeIndent(buf, depth)
	}
	buf = append(buf, "</"...)
	if e.Space != "" {
		buf = append(buf, e.Space...)
		buf = append(buf, ':')
	}
	buf = append(buf, e.Tag...)
	buf = append(buf, '>')
	if len(buf) >= flushAt {
		buf = w.flush(buf)
	}
	return buf
}

func writeIndent(buf []byte, depth int) []byte {
	n := 1 + 2*depth
	for n > len(indent) {
		buf = append(buf, indent...)
		n -= len(indent) - 1
	}
	return append(buf, indent[:n]...)
}

// escape appends s with the XML escapes for text (&, <, >, CR) or, for
// attributes, also quotes, tabs and newlines, so that a parser reads back
// exactly s.
func escape(w *xmlWriter, buf []byte, s string, attr bool) []byte {
	if w.err == nil && !utf8.ValidString(s) {
		w.err = fmt.Errorf("%w: %.40q", ErrInvalidText, s)
	}
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		case '\n':
			if !attr {
				continue
			}
			esc = "&#xA;"
		case '\t':
			if !attr {
				continue
			}
			esc = "&#x9;"
		default:
			if s[i] < 0x20 && w.err == nil {
				w.err = fmt.Errorf("%w: %.40q", ErrInvalidText, s)
			}
			continue
		}
		buf = append(buf, s[last:i]...)
		buf = append(buf, esc...)
		last = i + 1
	}
	return append(buf, s[last:]...)
}

// encoder builds one document.
type encoder struct {
	nodes
	c     *ecert.Certificate
	notes []*etree.Element // document-level IncludedSPSNote, in order
	trans []*etree.Element // translation notes, written after notes
}

// nodes allocates the elements, texts and child lists of an encoded tree
// in blocks.
type nodes struct {
	elems slab[etree.Element]
	chars slab[etree.CharData]
	toks  slab[etree.Token]
	attrs slab[etree.Attr]
}

func (n *nodes) init() {
	n.elems.size, n.chars.size, n.toks.size, n.attrs.size = 128, 128, 512, 128
}

func (n *nodes) reset() {
	n.elems.reset()
	n.chars.reset()
	n.toks.reset()
	n.attrs.reset()
}

// attr is e.CreateAttr(key, value), with e's attribute list grown in a
// block.
func (n *nodes) attr(e *etree.Element, key, value string) {
	if len(e.Attr) == cap(e.Attr) {
		grown := n.attrs.many(max(1, 2*cap(e.Attr)))[:len(e.Attr)]
		copy(grown, e.Attr)
		e.Attr = grown
	}
	e.CreateAttr(key, value)
}

func (n *nodes) el(space, tag string) *etree.Element {
	e := n.elems.one()
	e.Space, e.Tag = space, tag
	return e
}

// addChild appends c to p's children, with the list grown in a block. The
// encoded tree is only written (and extended by insertUnmapped, which
// uses etree's methods on nodes of its own): parent links are not set.
func (n *nodes) addChild(p *etree.Element, c etree.Token) {
	if len(p.Child) == cap(p.Child) {
		grown := n.toks.many(max(2, 2*cap(p.Child)))[:len(p.Child)]
		copy(grown, p.Child)
		p.Child = grown
	}
	p.Child = append(p.Child, c)
}

func (n *nodes) add(p *etree.Element, space, tag string) *etree.Element {
	e := n.el(space, tag)
	n.addChild(p, e)
	return e
}

func (n *nodes) text(p *etree.Element, text string) {
	t := n.chars.one()
	t.Data = text
	n.addChild(p, t)
}

func (n *nodes) addText(p *etree.Element, tag, text string) *etree.Element {
	e := n.add(p, "ram", tag)
	if text != "" {
		n.text(e, text)
	}
	return e
}

func (n *nodes) addLang(p *etree.Element, tag, lang, text string) *etree.Element {
	e := n.addText(p, tag, text)
	if lang != "" {
		n.attr(e, "languageID", lang)
	}
	return e
}

// texts writes one element per language; required writes one empty
// element for an empty Text.
func (n *nodes) texts(p *etree.Element, tag string, t ecert.Text, required bool) {
	if len(t) == 0 {
		if required {
			n.addText(p, tag, "")
		}
		return
	}
	var buf [4]string
	for _, l := range appendSortedLangs(buf[:0], t, false) {
		n.addLang(p, tag, l, t[l])
	}
}

// single writes the primary language of t in one element and the other
// languages in a translation note for path.
func (e *encoder) single(p *etree.Element, tag string, t ecert.Text, path string, required bool) {
	if len(t) == 0 {
		if required {
			e.addText(p, tag, "")
		}
		return
	}
	var buf [4]string
	langs := appendSortedLangs(buf[:0], t, true)
	e.addLang(p, tag, langs[0], t[langs[0]])
	e.translate(path, t, langs[1:])
}

func (e *encoder) translate(path string, t ecert.Text, langs []string) {
	if len(langs) == 0 {
		return
	}
	n := e.el("ram", "IncludedSPSNote")
	subject, ok := textSubjects[path]
	if !ok {
		subject = subjText + path
	}
	e.addText(n, "Subject", subject)
	for _, l := range langs {
		e.addLang(n, "Content", l, t[l])
	}
	e.trans = append(e.trans, n)
}

func (e *encoder) note(subject string, t ecert.Text) {
	n := e.el("ram", "IncludedSPSNote")
	e.addText(n, "Subject", subject)
	e.texts(n, "Content", t, true)
	e.notes = append(e.notes, n)
}

func (e *encoder) noteValue(subject, value string) {
	e.note(subject, ecert.Text{"": value})
}

func (n *nodes) dateTime(p *etree.Element, tag string, t time.Time) {
	d := n.add(p, "ram", tag)
	s := n.add(d, "udt", "DateTimeString")
	n.text(s, formatTime(t))
}

func formatTime(t time.Time) string {
	var buf [40]byte
	return string(t.AppendFormat(buf[:0], time.RFC3339Nano))
}

// sameTimeText reports whether formatTime(a) == formatTime(b), without
// allocating.
func sameTimeText(a, b time.Time) bool {
	var ba, bb [40]byte
	return string(a.AppendFormat(ba[:0], time.RFC3339Nano)) == string(b.AppendFormat(bb[:0], time.RFC3339Nano))
}

// timeIs reports whether formatTime(t) == s, without allocating.
func timeIs(t time.Time, s string) bool {
	var buf [40]byte
	return string(t.AppendFormat(buf[:0], time.RFC3339Nano)) == s
}

func (n *nodes) measure(p *etree.Element, tag string, m *ecert.Measure) {
	if m == nil {
		return
	}
	x := n.addText(p, tag, m.Value)
	if m.Unit != "" {
		n.attr(x, "unitCode", m.Unit)
	}
}

// encodeTree builds the document of c with e's nodes.
func (e *encoder) encodeTree(c *ecert.Certificate) (*etree.Element, error) {
	if c == nil {
		return nil, fmt.Errorf("cefact: encode: nil certificate")
	}
	e.c = c
	root := e.el("rsm", "SPSCertificate")
	e.attr(root, "xmlns:rsm", NSCertificate)
	e.attr(root, "xmlns:ram", NSRAM)
	e.attr(root, "xmlns:udt", NSUDT)
	e.attr(root, "xmlns:qdt", NSQDT)

	// Pieces that record translations and notes are built first.
	issuer := e.el("ram", "IssuerSPSParty")
	e.party(issuer, &ecert.Party{ID: c.IssuingBody.ID, Name: c.IssuingBody.Name, Address: c.IssuingBody.Address}, "issuingBody", "")
	cons := e.consignment()
	sig := e.signatory()

	// Document-level notes, in a fixed order.
	if sc := typeCodeFor(c.Scheme); schemeFor(sc) != c.Scheme {
		e.noteValue(subjScheme, string(c.Scheme))
	}
	if c.Version != 0 {
		e.noteValue(subjVersion, strconv.Itoa(c.Version))
	}
	if c.Supersedes != 0 {
		e.noteValue(subjSupersedes, strconv.Itoa(c.Supersedes))
	}
	if !c.ValidFrom.IsZero() {
		e.noteValue(subjValidFrom, formatTime(c.ValidFrom))
	}
	if !c.ValidUntil.IsZero() {
		e.noteValue(subjValidUntil, formatTime(c.ValidUntil))
	}
	if len(c.StatusReason) > 0 {
		e.note(subjStatusReason, c.StatusReason)
	}
	if len(c.Remarks) > 0 {
		e.note(subjRemarks, c.Remarks)
	}
	if c.VerificationURL != "" {
		e.noteValue(subjVerification, c.VerificationURL)
	}
	if c.IssuingBody.Accreditation != "" {
		e.noteValue(subjAccreditation, c.IssuingBody.Accreditation)
	}
	addrCountry := ""
	if c.IssuingBody.Address != nil {
		addrCountry = c.IssuingBody.Address.Country
	}
	if c.IssuingBody.Country != addrCountry {
		e.noteValue(subjBodyCountry, c.IssuingBody.Country)
	}
	if c.Consignment == nil {
		e.noteValue(subjConsignment, consignmentNone)
	} else {
		if c.Consignment.OriginCountry != "" {
			e.noteValue(subjOrigin, c.Consignment.OriginCountry)
		}
		if len(c.Consignment.AdditionalDeclarations) > 0 {
			e.note(subjDeclarations, c.Consignment.AdditionalDeclarations)
		}
	}
	keys := make([]string, 0, len(c.Extensions))
	for k := range c.Extensions {
		if !strings.HasPrefix(k, ExtensionXMLPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.noteValue(subjExtension+k, c.Extensions[k])
	}

	// rsm:SPSExchangedDocument
	d := e.add(root, "rsm", "SPSExchangedDocument")
	e.texts(d, "Name", c.Title, false)
	e.addText(d, "ID", c.Number)
	e.texts(d, "Description", c.Scope, false)
	e.addText(d, "TypeCode", typeCodeFor(c.Scheme))
	if sc, ok := statusCode[c.Status]; ok {
		e.addText(d, "StatusCode", sc)
	} else if c.Status != "" {
		return nil, fmt.Errorf("cefact: encode: unknown status %q", c.Status)
	}
	if !c.IssueDate.IsZero() {
		e.dateTime(d, "IssueDateTime", c.IssueDate)
	}
	e.addChild(d, issuer)
	for _, n := range e.notes {
		e.addChild(d, n)
	}
	for _, n := range e.trans {
		e.addChild(d, n)
	}
	for _, r := range c.References {
		e.reference(d, r)
	}
	e.addChild(d, sig)
	e.addChild(root, cons)

	if err := insertUnmapped(root, c.Extensions, "SPSCertificateType", NSCertificate); err != nil {
		return nil, err
	}
	return root, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// party writes the content of an SPSPartyType element.
func (e *encoder) party(p *etree.Element, pt *ecert.Party, path, role string) {
	if pt.ID != "" {
		e.addText(p, "ID", pt.ID)
	}
	keys, ok := partyPaths[path]
	if !ok {
		keys = [3]string{path + ".name", path + ".address.street", path + ".address.city"}
	}
	e.single(p, "Name", pt.Name, keys[0], false)
	if role != "" {
		e.addText(p, "RoleCode", role)
	}
	if a := pt.Address; a != nil {
		ad := e.add(p, "ram", "SpecifiedSPSAddress")
		if a.Postcode != "" {
			e.addText(ad, "PostcodeCode", a.Postcode)
		}
		langs := sortedLangs(a.Street, true)
		for i, l := range langs {
			if i == len(lineTags) {
				e.translate(keys[1], a.Street, langs[i:])
				break
			}
			e.addLang(ad, lineTags[i], l, a.Street[l])
		}
		e.single(ad, "CityName", a.City, keys[2], false)
		if a.Country != "" {
			e.addText(ad, "CountryID", a.Country)
		}
		if a.Subdivision != "" {
			e.addText(ad, "CountrySubDivisionID", a.Subdivision)
		}
	}
}

var lineTags = []string{"LineOne", "LineTwo", "LineThree", "LineFour", "LineFive"}

func (e *encoder) signatory() *etree.Element {
	c := e.c
	a := e.el("ram", "SignatorySPSAuthentication")
	s := c.Signatory
	if s != nil && !c.IssueDate.IsZero() {
		e.dateTime(a, "ActualDateTime", c.IssueDate)
	}
	loc := e.add(a, "ram", "IssueSPSLocation")
	var place ecert.Text
	if s != nil {
		place = s.Place
	}
	e.texts(loc, "Name", place, true)
	if s != nil {
		person := e.add(e.add(a, "ram", "ProviderSPSParty"), "ram", "SpecifiedSPSPerson")
		e.single(person, "Name", s.Name, "signatory.name", true)
		if len(s.Role) > 0 {
			e.texts(e.add(person, "ram", "AttainedSPSQualification"), "Name", s.Role, true)
		}
	}
	for _, st := range c.Standards {
		cl := e.add(a, "ram", "IncludedSPSClause")
		id := e.addText(cl, "ID", st.Code)
		e.attr(id, "schemeID", standardID)
		if st.Edition != "" {
			e.attr(id, "schemeVersionID", st.Edition)
		}
		e.texts(cl, "Content", st.Title, false)
	}
	return a
}

func (e *encoder) consignment() *etree.Element {
	c := e.c
	cs := e.el("rsm", "SPSConsignment")
	con := c.Consignment
	exportCountry, importCountry := placeholderCountry(c), placeholderCountry(c)
	consignor, consignee := e.add(cs, "ram", "ConsignorSPSParty"), e.add(cs, "ram", "ConsigneeSPSParty")
	if con != nil {
		e.party(consignor, &con.Consignor, "consignment.consignor", "")
		e.party(consignee, &con.Consignee, "consignment.consignee", "")
		exportCountry, importCountry = con.ExportCountry, con.ImportCountry
	}
	ex := e.add(cs, "ram", "ExportSPSCountry")
	e.addText(ex, "ID", exportCountry)
	// The certificate's own parties: holder, applicant, manufacturer, factories.
	sub := e.add(ex, "ram", "SubordinateSPSCountrySubDivision")
	e.addText(sub, "ID", partiesID)
	e.addText(sub, "Name", partiesName)
	e.party(e.add(sub, "ram", "ActivityAuthorizedSPSParty"), &c.Holder, "holder", roleHolder)
	if c.Applicant != nil {
		e.party(e.add(sub, "ram", "ActivityAuthorizedSPSParty"), c.Applicant, "applicant", roleApplicant)
	}
	if c.Manufacturer != nil {
		e.party(e.add(sub, "ram", "ActivityAuthorizedSPSParty"), c.Manufacturer, "manufacturer", roleManufacturer)
	}
	for i := range c.Factories {
		e.party(e.add(sub, "ram", "ActivityAuthorizedSPSParty"), &c.Factories[i], "factories["+strconv.Itoa(i)+"]", roleFactory)
	}
	e.addText(e.add(cs, "ram", "ImportSPSCountry"), "ID", importCountry)
	if con != nil && len(con.EntryPoint) > 0 {
		e.texts(e.add(cs, "ram", "UnloadingBaseportSPSLocation"), "Name", con.EntryPoint, true)
	}
	e.addText(e.add(e.add(cs, "ram", "ExaminationSPSEvent"), "ram", "OccurrenceSPSLocation"), "Name", "")
	if con != nil {
		for _, t := range con.Transport {
			m := e.add(cs, "ram", "MainCarriageSPSTransportMovement")
			if t.ID != "" {
				e.addText(m, "ID", t.ID)
			}
			e.addText(m, "ModeCode", t.Mode)
			if t.Means != "" {
				e.addText(e.add(m, "ram", "UsedSPSTransportMeans"), "Name", t.Means)
			}
		}
	}
	ci := e.add(cs, "ram", "IncludedSPSConsignmentItem")
	seq := 0
	if con != nil {
		for i := range con.Items {
			seq++
			e.item(e.add(ci, "ram", "IncludedSPSTradeLineItem"), seq, &con.Items[i])
		}
	}
	for i := range c.Products {
		seq++
		e.product(e.add(ci, "ram", "IncludedSPSTradeLineItem"), seq, &c.Products[i])
	}
	if seq == 0 {
		// The schema needs one trade line item.
		li := e.add(ci, "ram", "IncludedSPSTradeLineItem")
		e.addText(li, "SequenceNumeric", placeholderSeq)
		e.addText(li, "Description", "")
	}
	return cs
}

func (e *encoder) item(li *etree.Element, seq int, it *ecert.Item) {
	e.addText(li, "SequenceNumeric", strconv.Itoa(seq))
	e.texts(li, "Description", it.Description, true)
	if it.ScientificName != "" {
		e.addText(li, "ScientificName", it.ScientificName)
	}
	e.measure(li, "NetWeightMeasure", it.NetWeight)
	e.measure(li, "GrossWeightMeasure", it.GrossWeight)
	if q := it.Quantity; q != nil {
		for _, kv := range [2][2]string{{subjQuantityValue, q.Value}, {subjQuantityUnit, q.Unit}} {
			n := e.add(li, "ram", "AdditionalInformationSPSNote")
			e.addText(n, "Subject", kv[0])
			e.addText(n, "Content", kv[1])
		}
	}
	if it.HSCode != "" {
		cl := e.add(li, "ram", "ApplicableSPSClassification")
		e.addText(cl, "SystemName", hsSystem)
		e.addText(cl, "ClassCode", it.HSCode)
	}
	if p := it.Packages; p != nil {
		pk := e.add(li, "ram", "PhysicalSPSPackage")
		e.addText(pk, "LevelCode", packageLevel)
		e.addText(pk, "TypeCode", p.Unit)
		e.addText(pk, "ItemQuantity", p.Value)
	}
	if it.OriginCountry != "" {
		e.addText(e.add(li, "ram", "OriginSPSCountry"), "ID", it.OriginCountry)
	}
}

func (e *encoder) product(li *etree.Element, seq int, p *ecert.Product) {
	e.addText(li, "SequenceNumeric", strconv.Itoa(seq))
	e.texts(li, "Description", p.Name, true)
	n := e.add(li, "ram", "AdditionalInformationSPSNote")
	e.addText(n, "Subject", subjProduct)
	e.addText(n, "Content", p.Brand)
	if len(p.Specifications) > 0 {
		n := e.add(li, "ram", "AdditionalInformationSPSNote")
		e.addText(n, "Subject", subjSpecifications)
		e.texts(n, "Content", p.Specifications, true)
	}
	if p.HSCode != "" {
		cl := e.add(li, "ram", "ApplicableSPSClassification")
		e.addText(cl, "SystemName", hsSystem)
		e.addText(cl, "ClassCode", p.HSCode)
	}
	for _, m := range p.Models {
		cl := e.add(li, "ram", "ApplicableSPSClassification")
		e.addText(cl, "SystemName", modelSystem)
		e.addText(cl, "ClassCode", m.Code)
		e.texts(cl, "ClassName", m.Description, false)
	}
}

func (n *nodes) reference(p *etree.Element, r ecert.Reference) {
	rd := n.add(p, "ram", "ReferenceSPSReferencedDocument")
	if !r.Issued.IsZero() {
		n.dateTime(rd, "IssueDateTime", r.Issued)
	}
	if isDigits(r.Type) {
		n.addText(rd, "TypeCode", r.Type)
	}
	if r.ID != "" {
		n.addText(rd, "ID", r.ID)
	}
	if r.Type != "" && !isDigits(r.Type) {
		n.addText(rd, "Information", r.Type)
	}
}
