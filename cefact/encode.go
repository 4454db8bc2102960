package cefact

import (
	"bufio"
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
	root, err := encodeTree(c)
	if err != nil {
		return err
	}
	return writeDoc(w, root)
}

// Marshal is Encode into a byte slice.
func Marshal(c *ecert.Certificate) ([]byte, error) {
	var b strings.Builder
	if err := Encode(&b, c); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// writeDoc writes the XML declaration and root, indented by two spaces.
func writeDoc(w io.Writer, root *etree.Element) error {
	buf := writers.Get().(*bufio.Writer)
	buf.Reset(w)
	defer func() {
		buf.Reset(nil)
		writers.Put(buf)
	}()
	bw := &xmlWriter{Writer: buf}
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeElem(bw, root, 0)
	bw.WriteByte('\n')
	if bw.err != nil {
		return fmt.Errorf("cefact: encode: %w", bw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cefact: encode: %w", err)
	}
	return nil
}

// writers holds the output buffers of writeDoc.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}

// xmlWriter remembers the first text that XML cannot carry.
type xmlWriter struct {
	*bufio.Writer
	err error
}

// ErrInvalidText: a string of the certificate holds a character that XML
// 1.0 cannot carry (a control character or invalid UTF-8).
var ErrInvalidText = errors.New("text not representable in XML")

const indent = "\n                                                                "

// writeElem serializes e: elements with child elements get one child per
// line, leaves their text; text next to child elements (mixed content,
// only in kept fragments) is written as is, without indentation.
func writeElem(w *xmlWriter, e *etree.Element, depth int) {
	w.WriteByte('<')
	if e.Space != "" {
		w.WriteString(e.Space)
		w.WriteByte(':')
	}
	w.WriteString(e.Tag)
	for _, a := range e.Attr {
		w.WriteByte(' ')
		if a.Space != "" {
			w.WriteString(a.Space)
			w.WriteByte(':')
		}
		w.WriteString(a.Key)
		w.WriteString(`="`)
		escape(w, a.Value, true)
		w.WriteByte('"')
	}
	if len(e.Child) == 0 {
		w.WriteString("/>")
		return
	}
	w.WriteByte('>')
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
				writeIndent(w, depth+1)
			}
			writeElem(w, x, depth+1)
		case *etree.CharData:
			if !pretty {
				escape(w, x.Data, false)
			}
		}
	}
	if pretty {
		writeIndent(w, depth)
	}
	w.WriteString("</")
	if e.Space != "" {
		w.WriteString(e.Space)
		w.WriteByte(':')
	}
	w.WriteString(e.Tag)
	w.WriteByte('>')
}

func writeIndent(w *xmlWriter, depth int) {
	n := 1 + 2*depth
	for n > len(indent) {
		w.WriteString(indent)
		n -= len(indent) - 1
	}
	w.WriteString(indent[:n])
}

// escape writes s with the XML escapes for text (&, <, >, CR) or, for
// attributes, also quotes, tabs and newlines, so that a parser reads back
// exactly s.
func escape(w *xmlWriter, s string, attr bool) {
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
		w.WriteString(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// encoder builds one document.
type encoder struct {
	c     *ecert.Certificate
	notes []*etree.Element // document-level IncludedSPSNote, in order
	trans []*etree.Element // translation notes, written after notes
}

func el(space, tag string) *etree.Element {
	e := etree.NewElement(tag)
	e.Space = space
	return e
}

func add(p *etree.Element, space, tag string) *etree.Element {
	e := el(space, tag)
	p.AddChild(e)
	return e
}

func addText(p *etree.Element, tag, text string) *etree.Element {
	e := add(p, "ram", tag)
	if text != "" {
		e.AddChild(etree.NewText(text))
	}
	return e
}

func addLang(p *etree.Element, tag, lang, text string) *etree.Element {
	e := addText(p, tag, text)
	if lang != "" {
		e.CreateAttr("languageID", lang)
	}
	return e
}

// texts writes one element per language; required writes one empty
// element for an empty Text.
func texts(p *etree.Element, tag string, t ecert.Text, required bool) {
	if len(t) == 0 {
		if required {
			addText(p, tag, "")
		}
		return
	}
	for _, l := range sortedLangs(t, false) {
		addLang(p, tag, l, t[l])
	}
}

// single writes the primary language of t in one element and the other
// languages in a translation note for path.
func (e *encoder) single(p *etree.Element, tag string, t ecert.Text, path string, required bool) {
	if len(t) == 0 {
		if required {
			addText(p, tag, "")
		}
		return
	}
	langs := sortedLangs(t, true)
	addLang(p, tag, langs[0], t[langs[0]])
	e.translate(path, t, langs[1:])
}

func (e *encoder) translate(path string, t ecert.Text, langs []string) {
	if len(langs) == 0 {
		return
	}
	n := el("ram", "IncludedSPSNote")
	addText(n, "Subject", subjText+path)
	for _, l := range langs {
		addLang(n, "Content", l, t[l])
	}
	e.trans = append(e.trans, n)
}

func (e *encoder) note(subject string, t ecert.Text) {
	n := el("ram", "IncludedSPSNote")
	addText(n, "Subject", subject)
	texts(n, "Content", t, true)
	e.notes = append(e.notes, n)
}

func (e *encoder) noteValue(subject, value string) {
	e.note(subject, ecert.Text{"": value})
}

func dateTime(p *etree.Element, tag string, t time.Time) {
	d := add(p, "ram", tag)
	s := add(d, "udt", "DateTimeString")
	s.AddChild(etree.NewText(formatTime(t)))
}

func formatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func measure(p *etree.Element, tag string, m *ecert.Measure) {
	if m == nil {
		return
	}
	x := addText(p, tag, m.Value)
	if m.Unit != "" {
		x.CreateAttr("unitCode", m.Unit)
	}
}

func encodeTree(c *ecert.Certificate) (*etree.Element, error) {
	if c == nil {
		return nil, fmt.Errorf("cefact: encode: nil certificate")
	}
	e := &encoder{c: c}
	root := el("rsm", "SPSCertificate")
	for _, p := range []string{"rsm", "ram", "udt", "qdt"} {
		uri := NSRAM
		switch p {
		case "rsm":
			uri = NSCertificate
		case "udt":
			uri = NSUDT
		case "qdt":
			uri = NSQDT
		}
		root.CreateAttr("xmlns:"+p, uri)
	}

	// Pieces that record translations and notes are built first.
	issuer := el("ram", "IssuerSPSParty")
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
	d := add(root, "rsm", "SPSExchangedDocument")
	texts(d, "Name", c.Title, false)
	addText(d, "ID", c.Number)
	texts(d, "Description", c.Scope, false)
	addText(d, "TypeCode", typeCodeFor(c.Scheme))
	if sc, ok := statusCode[c.Status]; ok {
		addText(d, "StatusCode", sc)
	} else if c.Status != "" {
		return nil, fmt.Errorf("cefact: encode: unknown status %q", c.Status)
	}
	if !c.IssueDate.IsZero() {
		dateTime(d, "IssueDateTime", c.IssueDate)
	}
	d.AddChild(issuer)
	for _, n := range e.notes {
		d.AddChild(n)
	}
	for _, n := range e.trans {
		d.AddChild(n)
	}
	for _, r := range c.References {
		reference(d, r)
	}
	d.AddChild(sig)
	root.AddChild(cons)

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
		addText(p, "ID", pt.ID)
	}
	e.single(p, "Name", pt.Name, path+".name", false)
	if role != "" {
		addText(p, "RoleCode", role)
	}
	if a := pt.Address; a != nil {
		ad := add(p, "ram", "SpecifiedSPSAddress")
		if a.Postcode != "" {
			addText(ad, "PostcodeCode", a.Postcode)
		}
		langs := sortedLangs(a.Street, true)
		for i, l := range langs {
			if i == len(lineTags) {
				e.translate(path+".address.street", a.Street, langs[i:])
				break
			}
			addLang(ad, lineTags[i], l, a.Street[l])
		}
		e.single(ad, "CityName", a.City, path+".address.city", false)
		if a.Country != "" {
			addText(ad, "CountryID", a.Country)
		}
		if a.Subdivision != "" {
			addText(ad, "CountrySubDivisionID", a.Subdivision)
		}
	}
}

var lineTags = []string{"LineOne", "LineTwo", "LineThree", "LineFour", "LineFive"}

func (e *encoder) signatory() *etree.Element {
	c := e.c
	a := el("ram", "SignatorySPSAuthentication")
	s := c.Signatory
	if s != nil && !c.IssueDate.IsZero() {
		dateTime(a, "ActualDateTime", c.IssueDate)
	}
	loc := add(a, "ram", "IssueSPSLocation")
	var place ecert.Text
	if s != nil {
		place = s.Place
	}
	texts(loc, "Name", place, true)
	if s != nil {
		person := add(add(a, "ram", "ProviderSPSParty"), "ram", "SpecifiedSPSPerson")
		e.single(person, "Name", s.Name, "signatory.name", true)
		if len(s.Role) > 0 {
			texts(add(person, "ram", "AttainedSPSQualification"), "Name", s.Role, true)
		}
	}
	for _, st := range c.Standards {
		cl := add(a, "ram", "IncludedSPSClause")
		id := addText(cl, "ID", st.Code)
		id.CreateAttr("schemeID", standardID)
		if st.Edition != "" {
			id.CreateAttr("schemeVersionID", st.Edition)
		}
		texts(cl, "Content", st.Title, false)
	}
	return a
}

func (e *encoder) consignment() *etree.Element {
	c := e.c
	cs := el("rsm", "SPSConsignment")
	con := c.Consignment
	exportCountry, importCountry := placeholderCountry(c), placeholderCountry(c)
	consignor, consignee := add(cs, "ram", "ConsignorSPSParty"), add(cs, "ram", "ConsigneeSPSParty")
	if con != nil {
		e.party(consignor, &con.Consignor, "consignment.consignor", "")
		e.party(consignee, &con.Consignee, "consignment.consignee", "")
		exportCountry, importCountry = con.ExportCountry, con.ImportCountry
	}
	ex := add(cs, "ram", "ExportSPSCountry")
	addText(ex, "ID", exportCountry)
	// The certificate's own parties: holder, applicant, manufacturer, factories.
	sub := add(ex, "ram", "SubordinateSPSCountrySubDivision")
	addText(sub, "ID", partiesID)
	addText(sub, "Name", partiesName)
	e.party(add(sub, "ram", "ActivityAuthorizedSPSParty"), &c.Holder, "holder", roleHolder)
	if c.Applicant != nil {
		e.party(add(sub, "ram", "ActivityAuthorizedSPSParty"), c.Applicant, "applicant", roleApplicant)
	}
	if c.Manufacturer != nil {
		e.party(add(sub, "ram", "ActivityAuthorizedSPSParty"), c.Manufacturer, "manufacturer", roleManufacturer)
	}
	for i := range c.Factories {
		e.party(add(sub, "ram", "ActivityAuthorizedSPSParty"), &c.Factories[i], "factories["+strconv.Itoa(i)+"]", roleFactory)
	}
	addText(add(cs, "ram", "ImportSPSCountry"), "ID", importCountry)
	if con != nil && len(con.EntryPoint) > 0 {
		texts(add(cs, "ram", "UnloadingBaseportSPSLocation"), "Name", con.EntryPoint, true)
	}
	addText(add(add(cs, "ram", "ExaminationSPSEvent"), "ram", "OccurrenceSPSLocation"), "Name", "")
	if con != nil {
		for _, t := range con.Transport {
			m := add(cs, "ram", "MainCarriageSPSTransportMovement")
			if t.ID != "" {
				addText(m, "ID", t.ID)
			}
			addText(m, "ModeCode", t.Mode)
			if t.Means != "" {
				addText(add(m, "ram", "UsedSPSTransportMeans"), "Name", t.Means)
			}
		}
	}
	ci := add(cs, "ram", "IncludedSPSConsignmentItem")
	seq := 0
	if con != nil {
		for i := range con.Items {
			seq++
			e.item(add(ci, "ram", "IncludedSPSTradeLineItem"), seq, &con.Items[i])
		}
	}
	for i := range c.Products {
		seq++
		e.product(add(ci, "ram", "IncludedSPSTradeLineItem"), seq, &c.Products[i])
	}
	if seq == 0 {
		// The schema needs one trade line item.
		li := add(ci, "ram", "IncludedSPSTradeLineItem")
		addText(li, "SequenceNumeric", placeholderSeq)
		addText(li, "Description", "")
	}
	return cs
}

func (e *encoder) item(li *etree.Element, seq int, it *ecert.Item) {
	addText(li, "SequenceNumeric", strconv.Itoa(seq))
	texts(li, "Description", it.Description, true)
	if it.ScientificName != "" {
		addText(li, "ScientificName", it.ScientificName)
	}
	measure(li, "NetWeightMeasure", it.NetWeight)
	measure(li, "GrossWeightMeasure", it.GrossWeight)
	if q := it.Quantity; q != nil {
		for _, kv := range [2][2]string{{subjQuantityValue, q.Value}, {subjQuantityUnit, q.Unit}} {
			n := add(li, "ram", "AdditionalInformationSPSNote")
			addText(n, "Subject", kv[0])
			addText(n, "Content", kv[1])
		}
	}
	if it.HSCode != "" {
		cl := add(li, "ram", "ApplicableSPSClassification")
		addText(cl, "SystemName", hsSystem)
		addText(cl, "ClassCode", it.HSCode)
	}
	if p := it.Packages; p != nil {
		pk := add(li, "ram", "PhysicalSPSPackage")
		addText(pk, "LevelCode", packageLevel)
		addText(pk, "TypeCode", p.Unit)
		addText(pk, "ItemQuantity", p.Value)
	}
	if it.OriginCountry != "" {
		addText(add(li, "ram", "OriginSPSCountry"), "ID", it.OriginCountry)
	}
}

func (e *encoder) product(li *etree.Element, seq int, p *ecert.Product) {
	addText(li, "SequenceNumeric", strconv.Itoa(seq))
	texts(li, "Description", p.Name, true)
	n := add(li, "ram", "AdditionalInformationSPSNote")
	addText(n, "Subject", subjProduct)
	addText(n, "Content", p.Brand)
	if len(p.Specifications) > 0 {
		n := add(li, "ram", "AdditionalInformationSPSNote")
		addText(n, "Subject", subjSpecifications)
		texts(n, "Content", p.Specifications, true)
	}
	if p.HSCode != "" {
		cl := add(li, "ram", "ApplicableSPSClassification")
		addText(cl, "SystemName", hsSystem)
		addText(cl, "ClassCode", p.HSCode)
	}
	for _, m := range p.Models {
		cl := add(li, "ram", "ApplicableSPSClassification")
		addText(cl, "SystemName", modelSystem)
		addText(cl, "ClassCode", m.Code)
		texts(cl, "ClassName", m.Description, false)
	}
}

func reference(p *etree.Element, r ecert.Reference) {
	rd := add(p, "ram", "ReferenceSPSReferencedDocument")
	if !r.Issued.IsZero() {
		dateTime(rd, "IssueDateTime", r.Issued)
	}
	if isDigits(r.Type) {
		addText(rd, "TypeCode", r.Type)
	}
	if r.ID != "" {
		addText(rd, "ID", r.ID)
	}
	if r.Type != "" && !isDigits(r.Type) {
		addText(rd, "Information", r.Type)
	}
}
