package ecert

import (
	"sort"
	"time"
)

// Text is text shown to people, in one or more languages, keyed by BCP 47
// language tag ("zh", "en", "zh-Hans-CN"). Certificates usually carry Chinese
// and English.
type Text map[string]string

// In returns the text in the first of langs that is present, then English,
// then any language (the lowest tag in sort order), so that a caller always
// gets something to show.
func (t Text) In(langs ...string) string {
	for _, l := range append(langs, "en") {
		if s, ok := t[l]; ok && s != "" {
			return s
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

// IsZero reports whether t holds no non-empty text.
func (t Text) IsZero() bool {
	for _, s := range t {
		if s != "" {
			return false
		}
	}
	return true
}

// Scheme names a certification or inspection scheme. The set is open: any
// non-empty value is accepted; the constants name the common ones.
type Scheme string

// Common schemes.
const (
	// Product certification.
	SchemeCCC       Scheme = "CCC"        // China Compulsory Certification
	SchemeCQCMark   Scheme = "CQC-MARK"   // CQC voluntary product certification
	SchemeCB        Scheme = "IECEE-CB"   // IECEE CB scheme test certificate
	SchemeVoluntary Scheme = "VOLUNTARY"  // other voluntary product marks
	SchemeEnergy    Scheme = "ENERGY-EFF" // energy-efficiency / green product labels

	// Management systems.
	SchemeISO9001  Scheme = "ISO-9001"
	SchemeISO14001 Scheme = "ISO-14001"
	SchemeISO45001 Scheme = "ISO-45001"
	SchemeISO22000 Scheme = "ISO-22000"
	SchemeISO27001 Scheme = "ISO-27001"

	// Trade and inspection certificates (UN/CEFACT SPS e-cert).
	SchemePhytosanitary   Scheme = "SPS-PHYTO"     // phytosanitary certificate (document type 851)
	SchemeReexport        Scheme = "SPS-REEXPORT"  // phytosanitary certificate for re-export (657)
	SchemeVeterinary      Scheme = "SPS-VET"       // veterinary health certificate
	SchemeHealth          Scheme = "SPS-HEALTH"    // sanitary / health certificate
	SchemeOrigin          Scheme = "ORIGIN"        // certificate of origin
	SchemeInspection      Scheme = "INSPECTION"    // inspection certificate (quality, weight, quantity)
	SchemeConformityTrade Scheme = "TRADE-CONFORM" // certificate of conformity for traded goods
)

// IsTrade reports whether the scheme is a trade or inspection certificate,
// which describes a consignment rather than a product type or a system.
func (s Scheme) IsTrade() bool {
	switch s {
	case SchemePhytosanitary, SchemeReexport, SchemeVeterinary, SchemeHealth,
		SchemeOrigin, SchemeInspection, SchemeConformityTrade:
		return true
	}
	return false
}

// IsManagementSystem reports whether the scheme certifies a management system.
func (s Scheme) IsManagementSystem() bool {
	switch s {
	case SchemeISO9001, SchemeISO14001, SchemeISO45001, SchemeISO22000, SchemeISO27001:
		return true
	}
	return false
}

// Certificate is an electronic certificate of conformity, or a trade or
// inspection certificate, in one version. The JSON form of this struct is the
// interchange form; Canonical gives its canonical bytes.
type Certificate struct {
	// Number is the certificate number, unique for the issuing body. All
	// versions of a certificate share it.
	Number string `json:"number"`
	Scheme Scheme `json:"scheme"`
	// Version counts from 1; a modification or renewal makes a new version.
	Version int `json:"version"`
	// Supersedes is the version this one replaces (0 for the first).
	Supersedes int `json:"supersedes,omitempty"`
	// Title is the certificate's title, e.g. 中国国家强制性产品认证证书 /
	// China Compulsory Certification Certificate.
	Title       Text  `json:"title,omitempty"`
	IssuingBody Body  `json:"issuingBody"`
	Holder      Party `json:"holder"`
	// Applicant is given when it differs from the holder.
	Applicant    *Party     `json:"applicant,omitempty"`
	Manufacturer *Party     `json:"manufacturer,omitempty"`
	Factories    []Party    `json:"factories,omitempty"`
	Products     []Product  `json:"products,omitempty"`
	Standards    []Standard `json:"standards,omitempty"`
	Scope        Text       `json:"scope,omitempty"`

	IssueDate  time.Time `json:"issueDate"`
	ValidFrom  time.Time `json:"validFrom"`
	ValidUntil time.Time `json:"validUntil,omitzero"`

	Status       Status `json:"status"`
	StatusReason Text   `json:"statusReason,omitempty"`

	Remarks         Text         `json:"remarks,omitempty"`
	Signatory       *Signatory   `json:"signatory,omitempty"`
	VerificationURL string       `json:"verificationURL,omitempty"`
	Consignment     *Consignment `json:"consignment,omitempty"`
	// References are other documents this one refers to (a test report, an
	// import permit, the superseded certificate).
	References []Reference `json:"references,omitempty"`
	// Extensions holds fields of the issuing system that have no place in
	// the model, so that a mapping loses nothing. Keys are namespaced by the
	// caller ("cqc:factoryInspectionDate").
	Extensions map[string]string `json:"extensions,omitempty"`
}

// Body is an issuing body: a certification body or an inspection authority.
type Body struct {
	// ID identifies the body, e.g. its accreditation number or national
	// registration (CNCA-R-2002-001).
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// Accreditation is the accreditation reference (CNAS C001-P).
	Accreditation string `json:"accreditation,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code.
	Country string   `json:"country"`
	Address *Address `json:"address,omitempty"`
}

// Party is a holder, applicant, manufacturer, factory, consignor or consignee.
type Party struct {
	ID      string   `json:"id,omitempty"`
	Name    Text     `json:"name"`
	Address *Address `json:"address,omitempty"`
}

// Address is a postal address. Street and City are multilingual.
type Address struct {
	Street      Text   `json:"street,omitempty"`
	City        Text   `json:"city,omitempty"`
	Subdivision string `json:"subdivision,omitempty"`
	Postcode    string `json:"postcode,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code.
	Country string `json:"country"`
}

// Product is a certified product with its models or types.
type Product struct {
	Name  Text   `json:"name"`
	Brand string `json:"brand,omitempty"`
	// Models are the models or types covered; certificates may list
	// hundreds in their annex.
	Models []Model `json:"models,omitempty"`
	// Specifications are ratings and specifications (220 V~ 50 Hz 1500 W).
	Specifications Text `json:"specifications,omitempty"`
	// HSCode is the Harmonized System code where it applies.
	HSCode string `json:"hsCode,omitempty"`
}

// Model is one model or type of a product.
type Model struct {
	Code        string `json:"code"`
	Description Text   `json:"description,omitempty"`
}

// Standard is a standard or technical rule applied, with its edition.
type Standard struct {
	Code    string `json:"code"`
	Edition string `json:"edition,omitempty"`
	Title   Text   `json:"title,omitempty"`
}

// Signatory is the person who signs for the issuing body.
type Signatory struct {
	Name  Text `json:"name"`
	Role  Text `json:"role,omitempty"`
	Place Text `json:"place,omitempty"`
}

// Reference is a document that the certificate refers to.
type Reference struct {
	// Type is a short word: "superseded", "test-report", "import-permit",
	// or a UN/CEFACT document type code.
	Type string `json:"type"`
	ID   string `json:"id"`
	// Issued is the reference's date when it is known.
	Issued time.Time `json:"issued,omitzero"`
}

// Consignment describes the goods of a trade certificate.
type Consignment struct {
	Consignor     Party  `json:"consignor"`
	Consignee     Party  `json:"consignee"`
	ExportCountry string `json:"exportCountry"`
	ImportCountry string `json:"importCountry"`
	// OriginCountry is given when all items share it.
	OriginCountry string      `json:"originCountry,omitempty"`
	Transport     []Transport `json:"transport,omitempty"`
	// EntryPoint is the declared point of entry.
	EntryPoint Text   `json:"entryPoint,omitempty"`
	Items      []Item `json:"items"`
	// AdditionalDeclarations are the declarations of the certificate
	// (e.g. phytosanitary additional declarations).
	AdditionalDeclarations Text `json:"additionalDeclarations,omitempty"`
}

// Transport is one movement of a consignment.
type Transport struct {
	// Mode is a UN/ECE Recommendation 19 code: 1 sea, 2 rail, 3 road, 4 air,
	// 5 mail, 8 inland water.
	Mode string `json:"mode"`
	// Means names the vessel, flight or vehicle.
	Means string `json:"means,omitempty"`
	// ID is the voyage, flight or registration number.
	ID string `json:"id,omitempty"`
}

// Item is a consignment item.
type Item struct {
	Description Text   `json:"description"`
	HSCode      string `json:"hsCode,omitempty"`
	// ScientificName is the botanical or zoological name where it applies.
	ScientificName string   `json:"scientificName,omitempty"`
	Quantity       *Measure `json:"quantity,omitempty"`
	NetWeight      *Measure `json:"netWeight,omitempty"`
	GrossWeight    *Measure `json:"grossWeight,omitempty"`
	Packages       *Measure `json:"packages,omitempty"`
	OriginCountry  string   `json:"originCountry,omitempty"`
}

// Measure is a decimal value with its unit (UN/ECE Recommendation 20 code:
// KGM, TNE, H87 pieces, CT cartons). Value is a decimal string so that the
// canonical form never depends on floating point.
type Measure struct {
	Value string `json:"value"`
	Unit  string `json:"unit"`
}
