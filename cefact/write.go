package cefact

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// The direct writer: Encode writes a certificate without XML extensions
// (nothing kept from a decoded document) straight from the model to the
// output, in the bytes that the etree path (encodeTree and writeDoc)
// writes for it. A certificate with ExtensionXMLPrefix entries takes the
// etree path, which puts the kept parts back into the tree before writing.

// hasXMLExtensions reports whether c keeps parts of a decoded document.
func hasXMLExtensions(c *ecert.Certificate) bool {
	for k := range c.Extensions {
		if strings.HasPrefix(k, ExtensionXMLPrefix) {
			return true
		}
	}
	return false
}

// xw writes elements into buf, indented as writeElem indents them: one
// child element per line, two spaces per level; an element without
// content is written as <x/>.
type xw struct {
	xmlWriter
	depth int  // elements open
	open  bool // the start tag of the innermost element is not closed yet
}

// start opens element name (with its prefix).
func (x *xw) start(buf []byte, name string) []byte {
	if x.open {
		buf = append(buf, '>')
	}
	if x.depth > 0 {
		buf = writeIndent(buf, x.depth)
	}
	buf = append(buf, '<')
	buf = append(buf, name...)
	x.open = true
	x.depth++
	return buf
}

// attr writes an attribute of the element just started.
func (x *xw) attr(buf []byte, name, value string) []byte {
	buf = append(buf, ' ')
	buf = append(buf, name...)
	buf = append(buf, `="`...)
	buf = escape(&x.xmlWriter, buf, value, true)
	buf = append(buf, '"')
	return buf
}

// end closes element name, which holds child elements or nothing.
func (x *xw) end(buf []byte, name string) []byte {
	x.depth--
	if x.open {
		buf = append(buf, "/>"...)
		x.open = false
	} else {
		buf = writeIndent(buf, x.depth)
		buf = append(buf, "</"...)
		buf = append(buf, name...)
		buf = append(buf, '>')
	}
	buf = x.flushFull(buf)
	return buf
}

// text closes the element just started with its text.
func (x *xw) text(buf []byte, name, text string) []byte {
	x.depth--
	x.open = false
	if text == "" {
		buf = append(buf, "/>"...)
	} else {
		buf = append(buf, '>')
		buf = escape(&x.xmlWriter, buf, text, false)
		buf = append(buf, "</"...)
		buf = append(buf, name...)
		buf = append(buf, '>')
	}
	buf = x.flushFull(buf)
	return buf
}

func (x *xw) flushFull(buf []byte) []byte {
	if len(buf) >= flushAt {
		buf = x.flush(buf)
	}
	return buf
}

// leaf writes an element with text and no attributes.
func (x *xw) leaf(buf []byte, name, text string) []byte {
	buf = x.start(buf, name)
	buf = x.text(buf, name, text)
	return buf
}

// lang writes an element with text in language lang ("" for none).
func (x *xw) lang(buf []byte, name, lang, text string) []byte {
	buf = x.start(buf, name)
	if lang != "" {
		buf = x.attr(buf, "languageID", lang)
	}
	buf = x.text(buf, name, text)
	return buf
}

// texts writes one element per language; required writes one empty
// element for an empty Text.
func (x *xw) texts(buf []byte, name string, t ecert.Text, required bool) []byte {
	if len(t) == 0 {
		if required {
			buf = x.leaf(buf, name, "")
		}
		return buf
	}
	var lb [4]string
	for _, l := range appendSortedLangs(lb[:0], t, false) {
		buf = x.lang(buf, name, l, t[l])
	}
	return buf
}

// single writes the primary language of t (the others are in the
// translation notes, see translations).
func (x *xw) single(buf []byte, name string, t ecert.Text, required bool) []byte {
	if len(t) == 0 {
		if required {
			buf = x.leaf(buf, name, "")
		}
		return buf
	}
	l := primaryLang(t)
	buf = x.lang(buf, name, l, t[l])
	return buf
}

func (x *xw) dateTime(buf []byte, name string, t time.Time) []byte {
	buf = x.start(buf, name)
	buf = x.start(buf, "udt:DateTimeString")
	buf = x.time(buf, "udt:DateTimeString", t)
	buf = x.end(buf, name)
	return buf
}

// time closes the element just started with t in RFC 3339 (which needs no
// escaping).
func (x *xw) time(buf []byte, name string, t time.Time) []byte {
	x.depth--
	x.open = false
	buf = append(buf, '>')
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, "</"...)
	buf = append(buf, name...)
	buf = append(buf, '>')
	buf = x.flushFull(buf)
	return buf
}

func (x *xw) noteTime(buf []byte, subject string, t time.Time) []byte {
	buf = x.start(buf, "ram:IncludedSPSNote")
	buf = x.leaf(buf, "ram:Subject", subject)
	buf = x.start(buf, "ram:Content")
	buf = x.time(buf, "ram:Content", t)
	buf = x.end(buf, "ram:IncludedSPSNote")
	return buf
}

func (x *xw) noteValue(buf []byte, subject, value string) []byte {
	buf = x.start(buf, "ram:IncludedSPSNote")
	buf = x.leaf(buf, "ram:Subject", subject)
	buf = x.leaf(buf, "ram:Content", value)
	buf = x.end(buf, "ram:IncludedSPSNote")
	return buf
}

func (x *xw) note(buf []byte, subject string, t ecert.Text) []byte {
	buf = x.start(buf, "ram:IncludedSPSNote")
	buf = x.leaf(buf, "ram:Subject", subject)
	buf = x.texts(buf, "ram:Content", t, true)
	buf = x.end(buf, "ram:IncludedSPSNote")
	return buf
}

func (x *xw) measure(buf []byte, name string, m *ecert.Measure) []byte {
	if m == nil {
		return buf
	}
	buf = x.start(buf, name)
	if m.Unit != "" {
		buf = x.attr(buf, "unitCode", m.Unit)
	}
	buf = x.text(buf, name, m.Value)
	return buf
}

// translations writes the translation notes of c, in the order in which
// encodeTree makes them: issuing body, consignor and consignee, holder,
// applicant, manufacturer, factories, signatory.
func (x *xw) translations(buf []byte, c *ecert.Certificate) []byte {
	buf = x.partyTranslations(buf, &c.IssuingBody.Name, c.IssuingBody.Address, "issuingBody", 0)
	if con := c.Consignment; con != nil {
		buf = x.partyTranslations(buf, &con.Consignor.Name, con.Consignor.Address, "consignment.consignor", 0)
		buf = x.partyTranslations(buf, &con.Consignee.Name, con.Consignee.Address, "consignment.consignee", 0)
	}
	buf = x.partyTranslations(buf, &c.Holder.Name, c.Holder.Address, "holder", 0)
	if p := c.Applicant; p != nil {
		buf = x.partyTranslations(buf, &p.Name, p.Address, "applicant", 0)
	}
	if p := c.Manufacturer; p != nil {
		buf = x.partyTranslations(buf, &p.Name, p.Address, "manufacturer", 0)
	}
	for i := range c.Factories {
		p := &c.Factories[i]
		buf = x.partyTranslations(buf, &p.Name, p.Address, "", i)
	}
	if s := c.Signatory; s != nil && len(s.Name) > 1 {
		buf = x.translation(buf, "signatory.name", s.Name, 1)
	}
	return buf
}

// partyTranslations writes the translation notes of a party's name,
// street and city; path is "" for factory i.
func (x *xw) partyTranslations(buf []byte, name *ecert.Text, a *ecert.Address, path string, i int) []byte {
	if len(*name) < 2 && (a == nil || len(a.Street) <= len(lineTags) && len(a.City) < 2) {
		return buf
	}
	if path == "" {
		path = "factories[" + strconv.Itoa(i) + "]"
	}
	keys, ok := partyPaths[path]
	if !ok {
		keys = [3]string{path + ".name", path + ".address.street", path + ".address.city"}
	}
	if len(*name) > 1 {
		buf = x.translation(buf, keys[0], *name, 1)
	}
	if a != nil {
		if len(a.Street) > len(lineTags) {
			buf = x.translation(buf, keys[1], a.Street, len(lineTags))
		}
		if len(a.City) > 1 {
			buf = x.translation(buf, keys[2], a.City, 1)
		}
	}
	return buf
}

// translation writes the note for path with the languages of t (primary
// first) from the skip-th on.
func (x *xw) translation(buf []byte, path string, t ecert.Text, skip int) []byte {
	subject, ok := textSubjects[path]
	if !ok {
		subject = subjText + path
	}
	buf = x.start(buf, "ram:IncludedSPSNote")
	buf = x.leaf(buf, "ram:Subject", subject)
	var lb [8]string
	for _, l := range appendSortedLangs(lb[:0], t, true)[skip:] {
		buf = x.lang(buf, "ram:Content", l, t[l])
	}
	buf = x.end(buf, "ram:IncludedSPSNote")
	return buf
}

// encodeDirect is Encode for a certificate without XML extensions.
func encodeDirect(w io.Writer, c *ecert.Certificate) error {
	sc, known := statusCode[c.Status]
	if !known && c.Status != "" {
		return fmt.Errorf("cefact: encode: unknown status %q", c.Status)
	}
	bp := writers.Get().(*[]byte)
	x := xw{xmlWriter: xmlWriter{w: w}}
	buf := (*bp)[:0]
	buf = append(buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"...)
	buf = x.start(buf, "rsm:SPSCertificate")
	buf = x.attr(buf, "xmlns:rsm", NSCertificate)
	buf = x.attr(buf, "xmlns:ram", NSRAM)
	buf = x.attr(buf, "xmlns:udt", NSUDT)
	buf = x.attr(buf, "xmlns:qdt", NSQDT)

	buf = x.start(buf, "rsm:SPSExchangedDocument")
	buf = x.texts(buf, "ram:Name", c.Title, false)
	buf = x.leaf(buf, "ram:ID", c.Number)
	buf = x.texts(buf, "ram:Description", c.Scope, false)
	buf = x.leaf(buf, "ram:TypeCode", typeCodeFor(c.Scheme))
	if known {
		buf = x.leaf(buf, "ram:StatusCode", sc)
	}
	if !c.IssueDate.IsZero() {
		buf = x.dateTime(buf, "ram:IssueDateTime", c.IssueDate)
	}
	buf = x.start(buf, "ram:IssuerSPSParty")
	buf = x.party(buf, &ecert.Party{ID: c.IssuingBody.ID, Name: c.IssuingBody.Name, Address: c.IssuingBody.Address}, "")
	buf = x.end(buf, "ram:IssuerSPSParty")
	buf = x.docNotes(buf, c)
	buf = x.translations(buf, c)
	for _, r := range c.References {
		buf = x.reference(buf, r)
	}
	buf = x.signatory(buf, c)
	buf = x.end(buf, "rsm:SPSExchangedDocument")
	buf = x.consignment(buf, c)
	buf = x.end(buf, "rsm:SPSCertificate")
	buf = append(buf, '\n')
	return x.finish(bp, buf)
}

// docNotes writes the document-level notes, in encodeTree's order.
func (x *xw) docNotes(buf []byte, c *ecert.Certificate) []byte {
	if sc := typeCodeFor(c.Scheme); schemeFor(sc) != c.Scheme {
		buf = x.noteValue(buf, subjScheme, string(c.Scheme))
	}
	if c.Version != 0 {
		buf = x.noteValue(buf, subjVersion, strconv.Itoa(c.Version))
	}
	if c.Supersedes != 0 {
		buf = x.noteValue(buf, subjSupersedes, strconv.Itoa(c.Supersedes))
	}
	if !c.ValidFrom.IsZero() {
		buf = x.noteTime(buf, subjValidFrom, c.ValidFrom)
	}
	if !c.ValidUntil.IsZero() {
		buf = x.noteTime(buf, subjValidUntil, c.ValidUntil)
	}
	if len(c.StatusReason) > 0 {
		buf = x.note(buf, subjStatusReason, c.StatusReason)
	}
	if len(c.Remarks) > 0 {
		buf = x.note(buf, subjRemarks, c.Remarks)
	}
	if c.VerificationURL != "" {
		buf = x.noteValue(buf, subjVerification, c.VerificationURL)
	}
	if c.IssuingBody.Accreditation != "" {
		buf = x.noteValue(buf, subjAccreditation, c.IssuingBody.Accreditation)
	}
	addrCountry := ""
	if c.IssuingBody.Address != nil {
		addrCountry = c.IssuingBody.Address.Country
	}
	if c.IssuingBody.Country != addrCountry {
		buf = x.noteValue(buf, subjBodyCountry, c.IssuingBody.Country)
	}
	if c.Consignment == nil {
		buf = x.noteValue(buf, subjConsignment, consignmentNone)
	} else {
		if c.Consignment.OriginCountry != "" {
			buf = x.noteValue(buf, subjOrigin, c.Consignment.OriginCountry)
		}
		if len(c.Consignment.AdditionalDeclarations) > 0 {
			buf = x.note(buf, subjDeclarations, c.Consignment.AdditionalDeclarations)
		}
	}
	if len(c.Extensions) > 0 {
		var lb [8]string
		keys := lb[:0]
		for k := range c.Extensions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			buf = x.noteValue(buf, subjExtension+k, c.Extensions[k])
		}
	}
	return buf
}

// party writes the content of an SPSPartyType element.
func (x *xw) party(buf []byte, pt *ecert.Party, role string) []byte {
	if pt.ID != "" {
		buf = x.leaf(buf, "ram:ID", pt.ID)
	}
	buf = x.single(buf, "ram:Name", pt.Name, false)
	if role != "" {
		buf = x.leaf(buf, "ram:RoleCode", role)
	}
	a := pt.Address
	if a == nil {
		return buf
	}
	buf = x.start(buf, "ram:SpecifiedSPSAddress")
	if a.Postcode != "" {
		buf = x.leaf(buf, "ram:PostcodeCode", a.Postcode)
	}
	if len(a.Street) > 0 {
		var lb [4]string
		for i, l := range appendSortedLangs(lb[:0], a.Street, true) {
			if i == len(lineTags) {
				break
			}
			buf = x.lang(buf, lineNames[i], l, a.Street[l])
		}
	}
	buf = x.single(buf, "ram:CityName", a.City, false)
	if a.Country != "" {
		buf = x.leaf(buf, "ram:CountryID", a.Country)
	}
	if a.Subdivision != "" {
		buf = x.leaf(buf, "ram:CountrySubDivisionID", a.Subdivision)
	}
	buf = x.end(buf, "ram:SpecifiedSPSAddress")
	return buf
}

var lineNames = [...]string{"ram:LineOne", "ram:LineTwo", "ram:LineThree", "ram:LineFour", "ram:LineFive"}

func (x *xw) signatory(buf []byte, c *ecert.Certificate) []byte {
	buf = x.start(buf, "ram:SignatorySPSAuthentication")
	s := c.Signatory
	if s != nil && !c.IssueDate.IsZero() {
		buf = x.dateTime(buf, "ram:ActualDateTime", c.IssueDate)
	}
	buf = x.start(buf, "ram:IssueSPSLocation")
	var place ecert.Text
	if s != nil {
		place = s.Place
	}
	buf = x.texts(buf, "ram:Name", place, true)
	buf = x.end(buf, "ram:IssueSPSLocation")
	if s != nil {
		buf = x.start(buf, "ram:ProviderSPSParty")
		buf = x.start(buf, "ram:SpecifiedSPSPerson")
		buf = x.single(buf, "ram:Name", s.Name, true)
		if len(s.Role) > 0 {
			buf = x.start(buf, "ram:AttainedSPSQualification")
			buf = x.texts(buf, "ram:Name", s.Role, true)
			buf = x.end(buf, "ram:AttainedSPSQualification")
		}
		buf = x.end(buf, "ram:SpecifiedSPSPerson")
		buf = x.end(buf, "ram:ProviderSPSParty")
	}
	for _, st := range c.Standards {
		buf = x.start(buf, "ram:IncludedSPSClause")
		buf = x.start(buf, "ram:ID")
		buf = x.attr(buf, "schemeID", standardID)
		if st.Edition != "" {
			buf = x.attr(buf, "schemeVersionID", st.Edition)
		}
		buf = x.text(buf, "ram:ID", st.Code)
		buf = x.texts(buf, "ram:Content", st.Title, false)
		buf = x.end(buf, "ram:IncludedSPSClause")
	}
	buf = x.end(buf, "ram:SignatorySPSAuthentication")
	return buf
}

func (x *xw) consignment(buf []byte, c *ecert.Certificate) []byte {
	buf = x.start(buf, "rsm:SPSConsignment")
	con := c.Consignment
	exportCountry, importCountry := "", ""
	if con != nil {
		buf = x.start(buf, "ram:ConsignorSPSParty")
		buf = x.party(buf, &con.Consignor, "")
		buf = x.end(buf, "ram:ConsignorSPSParty")
		buf = x.start(buf, "ram:ConsigneeSPSParty")
		buf = x.party(buf, &con.Consignee, "")
		buf = x.end(buf, "ram:ConsigneeSPSParty")
		exportCountry, importCountry = con.ExportCountry, con.ImportCountry
	} else {
		buf = x.leaf(buf, "ram:ConsignorSPSParty", "")
		buf = x.leaf(buf, "ram:ConsigneeSPSParty", "")
		exportCountry = placeholderCountry(c)
		importCountry = exportCountry
	}
	buf = x.start(buf, "ram:ExportSPSCountry")
	buf = x.leaf(buf, "ram:ID", exportCountry)
	// The certificate's own parties: holder, applicant, manufacturer, factories.
	buf = x.start(buf, "ram:SubordinateSPSCountrySubDivision")
	buf = x.leaf(buf, "ram:ID", partiesID)
	buf = x.leaf(buf, "ram:Name", partiesName)
	buf = x.authorized(buf, &c.Holder, roleHolder)
	if c.Applicant != nil {
		buf = x.authorized(buf, c.Applicant, roleApplicant)
	}
	if c.Manufacturer != nil {
		buf = x.authorized(buf, c.Manufacturer, roleManufacturer)
	}
	for i := range c.Factories {
		buf = x.authorized(buf, &c.Factories[i], roleFactory)
	}
	buf = x.end(buf, "ram:SubordinateSPSCountrySubDivision")
	buf = x.end(buf, "ram:ExportSPSCountry")
	buf = x.start(buf, "ram:ImportSPSCountry")
	buf = x.leaf(buf, "ram:ID", importCountry)
	buf = x.end(buf, "ram:ImportSPSCountry")
	if con != nil && len(con.EntryPoint) > 0 {
		buf = x.start(buf, "ram:UnloadingBaseportSPSLocation")
		buf = x.texts(buf, "ram:Name", con.EntryPoint, true)
		buf = x.end(buf, "ram:UnloadingBaseportSPSLocation")
	}
	buf = x.start(buf, "ram:ExaminationSPSEvent")
	buf = x.start(buf, "ram:OccurrenceSPSLocation")
	buf = x.leaf(buf, "ram:Name", "")
	buf = x.end(buf, "ram:OccurrenceSPSLocation")
	buf = x.end(buf, "ram:ExaminationSPSEvent")
	if con != nil {
		for _, t := range con.Transport {
			buf = x.start(buf, "ram:MainCarriageSPSTransportMovement")
			if t.ID != "" {
				buf = x.leaf(buf, "ram:ID", t.ID)
			}
			buf = x.leaf(buf, "ram:ModeCode", t.Mode)
			if t.Means != "" {
				buf = x.start(buf, "ram:UsedSPSTransportMeans")
				buf = x.leaf(buf, "ram:Name", t.Means)
				buf = x.end(buf, "ram:UsedSPSTransportMeans")
			}
			buf = x.end(buf, "ram:MainCarriageSPSTransportMovement")
		}
	}
	buf = x.start(buf, "ram:IncludedSPSConsignmentItem")
	seq := 0
	if con != nil {
		for i := range con.Items {
			seq++
			buf = x.item(buf, seq, &con.Items[i])
		}
	}
	for i := range c.Products {
		seq++
		buf = x.product(buf, seq, &c.Products[i])
	}
	if seq == 0 {
		// The schema needs one trade line item.
		buf = x.start(buf, "ram:IncludedSPSTradeLineItem")
		buf = x.leaf(buf, "ram:SequenceNumeric", placeholderSeq)
		buf = x.leaf(buf, "ram:Description", "")
		buf = x.end(buf, "ram:IncludedSPSTradeLineItem")
	}
	buf = x.end(buf, "ram:IncludedSPSConsignmentItem")
	buf = x.end(buf, "rsm:SPSConsignment")
	return buf
}

func (x *xw) authorized(buf []byte, p *ecert.Party, role string) []byte {
	buf = x.start(buf, "ram:ActivityAuthorizedSPSParty")
	buf = x.party(buf, p, role)
	buf = x.end(buf, "ram:ActivityAuthorizedSPSParty")
	return buf
}

func (x *xw) classification(buf []byte, system, code string) []byte {
	buf = x.start(buf, "ram:ApplicableSPSClassification")
	buf = x.leaf(buf, "ram:SystemName", system)
	buf = x.leaf(buf, "ram:ClassCode", code)
	buf = x.end(buf, "ram:ApplicableSPSClassification")
	return buf
}

func (x *xw) item(buf []byte, seq int, it *ecert.Item) []byte {
	buf = x.start(buf, "ram:IncludedSPSTradeLineItem")
	buf = x.leaf(buf, "ram:SequenceNumeric", strconv.Itoa(seq))
	buf = x.texts(buf, "ram:Description", it.Description, true)
	if it.ScientificName != "" {
		buf = x.leaf(buf, "ram:ScientificName", it.ScientificName)
	}
	buf = x.measure(buf, "ram:NetWeightMeasure", it.NetWeight)
	buf = x.measure(buf, "ram:GrossWeightMeasure", it.GrossWeight)
	if q := it.Quantity; q != nil {
		for _, kv := range [2][2]string{{subjQuantityValue, q.Value}, {subjQuantityUnit, q.Unit}} {
			buf = x.start(buf, "ram:AdditionalInformationSPSNote")
			buf = x.leaf(buf, "ram:Subject", kv[0])
			buf = x.leaf(buf, "ram:Content", kv[1])
			buf = x.end(buf, "ram:AdditionalInformationSPSNote")
		}
	}
	if it.HSCode != "" {
		buf = x.classification(buf, hsSystem, it.HSCode)
	}
	if p := it.Packages; p != nil {
		buf = x.start(buf, "ram:PhysicalSPSPackage")
		buf = x.leaf(buf, "ram:LevelCode", packageLevel)
		buf = x.leaf(buf, "ram:TypeCode", p.Unit)
		buf = x.leaf(buf, "ram:ItemQuantity", p.Value)
		buf = x.end(buf, "ram:PhysicalSPSPackage")
	}
	if it.OriginCountry != "" {
		buf = x.start(buf, "ram:OriginSPSCountry")
		buf = x.leaf(buf, "ram:ID", it.OriginCountry)
		buf = x.end(buf, "ram:OriginSPSCountry")
	}
	buf = x.end(buf, "ram:IncludedSPSTradeLineItem")
	return buf
}

func (x *xw) product(buf []byte, seq int, p *ecert.Product) []byte {
	buf = x.start(buf, "ram:IncludedSPSTradeLineItem")
	buf = x.leaf(buf, "ram:SequenceNumeric", strconv.Itoa(seq))
	buf = x.texts(buf, "ram:Description", p.Name, true)
	buf = x.start(buf, "ram:AdditionalInformationSPSNote")
	buf = x.leaf(buf, "ram:Subject", subjProduct)
	buf = x.leaf(buf, "ram:Content", p.Brand)
	buf = x.end(buf, "ram:AdditionalInformationSPSNote")
	if len(p.Specifications) > 0 {
		buf = x.start(buf, "ram:AdditionalInformationSPSNote")
		buf = x.leaf(buf, "ram:Subject", subjSpecifications)
		buf = x.texts(buf, "ram:Content", p.Specifications, true)
		buf = x.end(buf, "ram:AdditionalInformationSPSNote")
	}
	if p.HSCode != "" {
		buf = x.classification(buf, hsSystem, p.HSCode)
	}
	for _, m := range p.Models {
		buf = x.start(buf, "ram:ApplicableSPSClassification")
		buf = x.leaf(buf, "ram:SystemName", modelSystem)
		buf = x.leaf(buf, "ram:ClassCode", m.Code)
		buf = x.texts(buf, "ram:ClassName", m.Description, false)
		buf = x.end(buf, "ram:ApplicableSPSClassification")
	}
	buf = x.end(buf, "ram:IncludedSPSTradeLineItem")
	return buf
}

func (x *xw) reference(buf []byte, r ecert.Reference) []byte {
	buf = x.start(buf, "ram:ReferenceSPSReferencedDocument")
	if !r.Issued.IsZero() {
		buf = x.dateTime(buf, "ram:IssueDateTime", r.Issued)
	}
	if isDigits(r.Type) {
		buf = x.leaf(buf, "ram:TypeCode", r.Type)
	}
	if r.ID != "" {
		buf = x.leaf(buf, "ram:ID", r.ID)
	}
	if r.Type != "" && !isDigits(r.Type) {
		buf = x.leaf(buf, "ram:Information", r.Type)
	}
	buf = x.end(buf, "ram:ReferenceSPSReferencedDocument")
	return buf
}
