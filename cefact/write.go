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
	buf   []byte
	depth int  // elements open
	open  bool // the start tag of the innermost element is not closed yet
}

// start opens element name (with its prefix).
func (x *xw) start(name string) {
	if x.open {
		x.buf = append(x.buf, '>')
	}
	if x.depth > 0 {
		x.buf = writeIndent(x.buf, x.depth)
	}
	x.buf = append(x.buf, '<')
	x.buf = append(x.buf, name...)
	x.open = true
	x.depth++
}

// attr writes an attribute of the element just started.
func (x *xw) attr(name, value string) {
	x.buf = append(x.buf, ' ')
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, `="`...)
	x.buf = escape(&x.xmlWriter, x.buf, value, true)
	x.buf = append(x.buf, '"')
}

// end closes element name, which holds child elements or nothing.
func (x *xw) end(name string) {
	x.depth--
	if x.open {
		x.buf = append(x.buf, "/>"...)
		x.open = false
	} else {
		x.buf = writeIndent(x.buf, x.depth)
		x.buf = append(x.buf, "</"...)
		x.buf = append(x.buf, name...)
		x.buf = append(x.buf, '>')
	}
	x.flushFull()
}

// text closes the element just started with its text.
func (x *xw) text(name, text string) {
	x.depth--
	x.open = false
	if text == "" {
		x.buf = append(x.buf, "/>"...)
	} else {
		x.buf = append(x.buf, '>')
		x.buf = escape(&x.xmlWriter, x.buf, text, false)
		x.buf = append(x.buf, "</"...)
		x.buf = append(x.buf, name...)
		x.buf = append(x.buf, '>')
	}
	x.flushFull()
}

func (x *xw) flushFull() {
	if len(x.buf) >= flushAt {
		x.buf = x.flush(x.buf)
	}
}

// leaf writes an element with text and no attributes.
func (x *xw) leaf(name, text string) {
	x.start(name)
	x.text(name, text)
}

// lang writes an element with text in language lang ("" for none).
func (x *xw) lang(name, lang, text string) {
	x.start(name)
	if lang != "" {
		x.attr("languageID", lang)
	}
	x.text(name, text)
}

// texts writes one element per language; required writes one empty
// element for an empty Text.
func (x *xw) texts(name string, t ecert.Text, required bool) {
	if len(t) == 0 {
		if required {
			x.leaf(name, "")
		}
		return
	}
	var buf [4]string
	for _, l := range appendSortedLangs(buf[:0], t, false) {
		x.lang(name, l, t[l])
	}
}

// single writes the primary language of t (the others are in the
// translation notes, see translations).
func (x *xw) single(name string, t ecert.Text, required bool) {
	if len(t) == 0 {
		if required {
			x.leaf(name, "")
		}
		return
	}
	l := primaryLang(t)
	x.lang(name, l, t[l])
}

func (x *xw) dateTime(name string, t time.Time) {
	x.start(name)
	x.start("udt:DateTimeString")
	x.time("udt:DateTimeString", t)
	x.end(name)
}

// time closes the element just started with t in RFC 3339 (which needs no
// escaping).
func (x *xw) time(name string, t time.Time) {
	x.depth--
	x.open = false
	x.buf = append(x.buf, '>')
	x.buf = t.AppendFormat(x.buf, time.RFC3339Nano)
	x.buf = append(x.buf, "</"...)
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, '>')
	x.flushFull()
}

func (x *xw) noteTime(subject string, t time.Time) {
	x.start("ram:IncludedSPSNote")
	x.leaf("ram:Subject", subject)
	x.start("ram:Content")
	x.time("ram:Content", t)
	x.end("ram:IncludedSPSNote")
}

func (x *xw) noteValue(subject, value string) {
	x.start("ram:IncludedSPSNote")
	x.leaf("ram:Subject", subject)
	x.leaf("ram:Content", value)
	x.end("ram:IncludedSPSNote")
}

func (x *xw) note(subject string, t ecert.Text) {
	x.start("ram:IncludedSPSNote")
	x.leaf("ram:Subject", subject)
	x.texts("ram:Content", t, true)
	x.end("ram:IncludedSPSNote")
}

func (x *xw) measure(name string, m *ecert.Measure) {
	if m == nil {
		return
	}
	x.start(name)
	if m.Unit != "" {
		x.attr("unitCode", m.Unit)
	}
	x.text(name, m.Value)
}

// translations writes the translation notes of c, in the order in which
// encodeTree makes them: issuing body, consignor and consignee, holder,
// applicant, manufacturer, factories, signatory.
func (x *xw) translations(c *ecert.Certificate) {
	x.partyTranslations(&c.IssuingBody.Name, c.IssuingBody.Address, "issuingBody", 0)
	if con := c.Consignment; con != nil {
		x.partyTranslations(&con.Consignor.Name, con.Consignor.Address, "consignment.consignor", 0)
		x.partyTranslations(&con.Consignee.Name, con.Consignee.Address, "consignment.consignee", 0)
	}
	x.partyTranslations(&c.Holder.Name, c.Holder.Address, "holder", 0)
	if p := c.Applicant; p != nil {
		x.partyTranslations(&p.Name, p.Address, "applicant", 0)
	}
	if p := c.Manufacturer; p != nil {
		x.partyTranslations(&p.Name, p.Address, "manufacturer", 0)
	}
	for i := range c.Factories {
		p := &c.Factories[i]
		x.partyTranslations(&p.Name, p.Address, "", i)
	}
	if s := c.Signatory; s != nil && len(s.Name) > 1 {
		x.translation("signatory.name", s.Name, 1)
	}
}

// partyTranslations writes the translation notes of a party's name,
// street and city; path is "" for factory i.
func (x *xw) partyTranslations(name *ecert.Text, a *ecert.Address, path string, i int) {
	if len(*name) < 2 && (a == nil || len(a.Street) <= len(lineTags) && len(a.City) < 2) {
		return
	}
	if path == "" {
		path = "factories[" + strconv.Itoa(i) + "]"
	}
	keys, ok := partyPaths[path]
	if !ok {
		keys = [3]string{path + ".name", path + ".address.street", path + ".address.city"}
	}
	if len(*name) > 1 {
		x.translation(keys[0], *name, 1)
	}
	if a != nil {
		if len(a.Street) > len(lineTags) {
			x.translation(keys[1], a.Street, len(lineTags))
		}
		if len(a.City) > 1 {
			x.translation(keys[2], a.City, 1)
		}
	}
}

// translation writes the note for path with the languages of t (primary
// first) from the skip-th on.
func (x *xw) translation(path string, t ecert.Text, skip int) {
	subject, ok := textSubjects[path]
	if !ok {
		subject = subjText + path
	}
	x.start("ram:IncludedSPSNote")
	x.leaf("ram:Subject", subject)
	var buf [8]string
	for _, l := range appendSortedLangs(buf[:0], t, true)[skip:] {
		x.lang("ram:Content", l, t[l])
	}
	x.end("ram:IncludedSPSNote")
}

// encodeDirect is Encode for a certificate without XML extensions.
func encodeDirect(w io.Writer, c *ecert.Certificate) error {
	sc, known := statusCode[c.Status]
	if !known && c.Status != "" {
		return fmt.Errorf("cefact: encode: unknown status %q", c.Status)
	}
	bp := writers.Get().(*[]byte)
	x := xw{xmlWriter: xmlWriter{w: w}, buf: (*bp)[:0]}
	x.buf = append(x.buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"...)
	x.start("rsm:SPSCertificate")
	x.attr("xmlns:rsm", NSCertificate)
	x.attr("xmlns:ram", NSRAM)
	x.attr("xmlns:udt", NSUDT)
	x.attr("xmlns:qdt", NSQDT)

	x.start("rsm:SPSExchangedDocument")
	x.texts("ram:Name", c.Title, false)
	x.leaf("ram:ID", c.Number)
	x.texts("ram:Description", c.Scope, false)
	x.leaf("ram:TypeCode", typeCodeFor(c.Scheme))
	if known {
		x.leaf("ram:StatusCode", sc)
	}
	if !c.IssueDate.IsZero() {
		x.dateTime("ram:IssueDateTime", c.IssueDate)
	}
	x.start("ram:IssuerSPSParty")
	x.party(&ecert.Party{ID: c.IssuingBody.ID, Name: c.IssuingBody.Name, Address: c.IssuingBody.Address}, "")
	x.end("ram:IssuerSPSParty")
	x.docNotes(c)
	x.translations(c)
	for _, r := range c.References {
		x.reference(r)
	}
	x.signatory(c)
	x.end("rsm:SPSExchangedDocument")
	x.consignment(c)
	x.end("rsm:SPSCertificate")
	x.buf = append(x.buf, '\n')
	if x.err == nil {
		x.buf = x.flush(x.buf)
	}
	if cap(x.buf) <= 1<<20 {
		*bp = x.buf[:0]
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

// docNotes writes the document-level notes, in encodeTree's order.
func (x *xw) docNotes(c *ecert.Certificate) {
	if sc := typeCodeFor(c.Scheme); schemeFor(sc) != c.Scheme {
		x.noteValue(subjScheme, string(c.Scheme))
	}
	if c.Version != 0 {
		x.noteValue(subjVersion, strconv.Itoa(c.Version))
	}
	if c.Supersedes != 0 {
		x.noteValue(subjSupersedes, strconv.Itoa(c.Supersedes))
	}
	if !c.ValidFrom.IsZero() {
		x.noteTime(subjValidFrom, c.ValidFrom)
	}
	if !c.ValidUntil.IsZero() {
		x.noteTime(subjValidUntil, c.ValidUntil)
	}
	if len(c.StatusReason) > 0 {
		x.note(subjStatusReason, c.StatusReason)
	}
	if len(c.Remarks) > 0 {
		x.note(subjRemarks, c.Remarks)
	}
	if c.VerificationURL != "" {
		x.noteValue(subjVerification, c.VerificationURL)
	}
	if c.IssuingBody.Accreditation != "" {
		x.noteValue(subjAccreditation, c.IssuingBody.Accreditation)
	}
	addrCountry := ""
	if c.IssuingBody.Address != nil {
		addrCountry = c.IssuingBody.Address.Country
	}
	if c.IssuingBody.Country != addrCountry {
		x.noteValue(subjBodyCountry, c.IssuingBody.Country)
	}
	if c.Consignment == nil {
		x.noteValue(subjConsignment, consignmentNone)
	} else {
		if c.Consignment.OriginCountry != "" {
			x.noteValue(subjOrigin, c.Consignment.OriginCountry)
		}
		if len(c.Consignment.AdditionalDeclarations) > 0 {
			x.note(subjDeclarations, c.Consignment.AdditionalDeclarations)
		}
	}
	if len(c.Extensions) > 0 {
		var buf [8]string
		keys := buf[:0]
		for k := range c.Extensions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			x.noteValue(subjExtension+k, c.Extensions[k])
		}
	}
}

// party writes the content of an SPSPartyType element.
func (x *xw) party(pt *ecert.Party, role string) {
	if pt.ID != "" {
		x.leaf("ram:ID", pt.ID)
	}
	x.single("ram:Name", pt.Name, false)
	if role != "" {
		x.leaf("ram:RoleCode", role)
	}
	a := pt.Address
	if a == nil {
		return
	}
	x.start("ram:SpecifiedSPSAddress")
	if a.Postcode != "" {
		x.leaf("ram:PostcodeCode", a.Postcode)
	}
	if len(a.Street) > 0 {
		var buf [4]string
		for i, l := range appendSortedLangs(buf[:0], a.Street, true) {
			if i == len(lineTags) {
				break
			}
			x.lang(lineNames[i], l, a.Street[l])
		}
	}
	x.single("ram:CityName", a.City, false)
	if a.Country != "" {
		x.leaf("ram:CountryID", a.Country)
	}
	if a.Subdivision != "" {
		x.leaf("ram:CountrySubDivisionID", a.Subdivision)
	}
	x.end("ram:SpecifiedSPSAddress")
}

var lineNames = [...]string{"ram:LineOne", "ram:LineTwo", "ram:LineThree", "ram:LineFour", "ram:LineFive"}

func (x *xw) signatory(c *ecert.Certificate) {
	x.start("ram:SignatorySPSAuthentication")
	s := c.Signatory
	if s != nil && !c.IssueDate.IsZero() {
		x.dateTime("ram:ActualDateTime", c.IssueDate)
	}
	x.start("ram:IssueSPSLocation")
	var place ecert.Text
	if s != nil {
		place = s.Place
	}
	x.texts("ram:Name", place, true)
	x.end("ram:IssueSPSLocation")
	if s != nil {
		x.start("ram:ProviderSPSParty")
		x.start("ram:SpecifiedSPSPerson")
		x.single("ram:Name", s.Name, true)
		if len(s.Role) > 0 {
			x.start("ram:AttainedSPSQualification")
			x.texts("ram:Name", s.Role, true)
			x.end("ram:AttainedSPSQualification")
		}
		x.end("ram:SpecifiedSPSPerson")
		x.end("ram:ProviderSPSParty")
	}
	for _, st := range c.Standards {
		x.start("ram:IncludedSPSClause")
		x.start("ram:ID")
		x.attr("schemeID", standardID)
		if st.Edition != "" {
			x.attr("schemeVersionID", st.Edition)
		}
		x.text("ram:ID", st.Code)
		x.texts("ram:Content", st.Title, false)
		x.end("ram:IncludedSPSClause")
	}
	x.end("ram:SignatorySPSAuthentication")
}

func (x *xw) consignment(c *ecert.Certificate) {
	x.start("rsm:SPSConsignment")
	con := c.Consignment
	exportCountry, importCountry := "", ""
	if con != nil {
		x.start("ram:ConsignorSPSParty")
		x.party(&con.Consignor, "")
		x.end("ram:ConsignorSPSParty")
		x.start("ram:ConsigneeSPSParty")
		x.party(&con.Consignee, "")
		x.end("ram:ConsigneeSPSParty")
		exportCountry, importCountry = con.ExportCountry, con.ImportCountry
	} else {
		x.leaf("ram:ConsignorSPSParty", "")
		x.leaf("ram:ConsigneeSPSParty", "")
		exportCountry = placeholderCountry(c)
		importCountry = exportCountry
	}
	x.start("ram:ExportSPSCountry")
	x.leaf("ram:ID", exportCountry)
	// The certificate's own parties: holder, applicant, manufacturer, factories.
	x.start("ram:SubordinateSPSCountrySubDivision")
	x.leaf("ram:ID", partiesID)
	x.leaf("ram:Name", partiesName)
	x.authorized(&c.Holder, roleHolder)
	if c.Applicant != nil {
		x.authorized(c.Applicant, roleApplicant)
	}
	if c.Manufacturer != nil {
		x.authorized(c.Manufacturer, roleManufacturer)
	}
	for i := range c.Factories {
		x.authorized(&c.Factories[i], roleFactory)
	}
	x.end("ram:SubordinateSPSCountrySubDivision")
	x.end("ram:ExportSPSCountry")
	x.start("ram:ImportSPSCountry")
	x.leaf("ram:ID", importCountry)
	x.end("ram:ImportSPSCountry")
	if con != nil && len(con.EntryPoint) > 0 {
		x.start("ram:UnloadingBaseportSPSLocation")
		x.texts("ram:Name", con.EntryPoint, true)
		x.end("ram:UnloadingBaseportSPSLocation")
	}
	x.start("ram:ExaminationSPSEvent")
	x.start("ram:OccurrenceSPSLocation")
	x.leaf("ram:Name", "")
	x.end("ram:OccurrenceSPSLocation")
	x.end("ram:ExaminationSPSEvent")
	if con != nil {
		for _, t := range con.Transport {
			x.start("ram:MainCarriageSPSTransportMovement")
			if t.ID != "" {
				x.leaf("ram:ID", t.ID)
			}
			x.leaf("ram:ModeCode", t.Mode)
			if t.Means != "" {
				x.start("ram:UsedSPSTransportMeans")
				x.leaf("ram:Name", t.Means)
				x.end("ram:UsedSPSTransportMeans")
			}
			x.end("ram:MainCarriageSPSTransportMovement")
		}
	}
	x.start("ram:IncludedSPSConsignmentItem")
	seq := 0
	if con != nil {
		for i := range con.Items {
			seq++
			x.item(seq, &con.Items[i])
		}
	}
	for i := range c.Products {
		seq++
		x.product(seq, &c.Products[i])
	}
	if seq == 0 {
		// The schema needs one trade line item.
		x.start("ram:IncludedSPSTradeLineItem")
		x.leaf("ram:SequenceNumeric", placeholderSeq)
		x.leaf("ram:Description", "")
		x.end("ram:IncludedSPSTradeLineItem")
	}
	x.end("ram:IncludedSPSConsignmentItem")
	x.end("rsm:SPSConsignment")
}

func (x *xw) authorized(p *ecert.Party, role string) {
	x.start("ram:ActivityAuthorizedSPSParty")
	x.party(p, role)
	x.end("ram:ActivityAuthorizedSPSParty")
}

func (x *xw) classification(system, code string) {
	x.start("ram:ApplicableSPSClassification")
	x.leaf("ram:SystemName", system)
	x.leaf("ram:ClassCode", code)
	x.end("ram:ApplicableSPSClassification")
}

func (x *xw) item(seq int, it *ecert.Item) {
	x.start("ram:IncludedSPSTradeLineItem")
	x.leaf("ram:SequenceNumeric", strconv.Itoa(seq))
	x.texts("ram:Description", it.Description, true)
	if it.ScientificName != "" {
		x.leaf("ram:ScientificName", it.ScientificName)
	}
	x.measure("ram:NetWeightMeasure", it.NetWeight)
	x.measure("ram:GrossWeightMeasure", it.GrossWeight)
	if q := it.Quantity; q != nil {
		for _, kv := range [2][2]string{{subjQuantityValue, q.Value}, {subjQuantityUnit, q.Unit}} {
			x.start("ram:AdditionalInformationSPSNote")
			x.leaf("ram:Subject", kv[0])
			x.leaf("ram:Content", kv[1])
			x.end("ram:AdditionalInformationSPSNote")
		}
	}
	if it.HSCode != "" {
		x.classification(hsSystem, it.HSCode)
	}
	if p := it.Packages; p != nil {
		x.start("ram:PhysicalSPSPackage")
		x.leaf("ram:LevelCode", packageLevel)
		x.leaf("ram:TypeCode", p.Unit)
		x.leaf("ram:ItemQuantity", p.Value)
		x.end("ram:PhysicalSPSPackage")
	}
	if it.OriginCountry != "" {
		x.start("ram:OriginSPSCountry")
		x.leaf("ram:ID", it.OriginCountry)
		x.end("ram:OriginSPSCountry")
	}
	x.end("ram:IncludedSPSTradeLineItem")
}

func (x *xw) product(seq int, p *ecert.Product) {
	x.start("ram:IncludedSPSTradeLineItem")
	x.leaf("ram:SequenceNumeric", strconv.Itoa(seq))
	x.texts("ram:Description", p.Name, true)
	x.start("ram:AdditionalInformationSPSNote")
	x.leaf("ram:Subject", subjProduct)
	x.leaf("ram:Content", p.Brand)
	x.end("ram:AdditionalInformationSPSNote")
	if len(p.Specifications) > 0 {
		x.start("ram:AdditionalInformationSPSNote")
		x.leaf("ram:Subject", subjSpecifications)
		x.texts("ram:Content", p.Specifications, true)
		x.end("ram:AdditionalInformationSPSNote")
	}
	if p.HSCode != "" {
		x.classification(hsSystem, p.HSCode)
	}
	for _, m := range p.Models {
		x.start("ram:ApplicableSPSClassification")
		x.leaf("ram:SystemName", modelSystem)
		x.leaf("ram:ClassCode", m.Code)
		x.texts("ram:ClassName", m.Description, false)
		x.end("ram:ApplicableSPSClassification")
	}
	x.end("ram:IncludedSPSTradeLineItem")
}

func (x *xw) reference(r ecert.Reference) {
	x.start("ram:ReferenceSPSReferencedDocument")
	if !r.Issued.IsZero() {
		x.dateTime("ram:IssueDateTime", r.Issued)
	}
	if isDigits(r.Type) {
		x.leaf("ram:TypeCode", r.Type)
	}
	if r.ID != "" {
		x.leaf("ram:ID", r.ID)
	}
	if r.Type != "" && !isDigits(r.Type) {
		x.leaf("ram:Information", r.Type)
	}
	x.end("ram:ReferenceSPSReferencedDocument")
}
