package cefact

import (
	"slices"
	"strings"

	"github.com/ecertkit/ecertkit/ecert"
)

// Document name codes (UNTDID 1001, D16B) for the schemes.
var schemeTypeCode = map[ecert.Scheme]string{
	ecert.SchemePhytosanitary:   "851",
	ecert.SchemeReexport:        "657",
	ecert.SchemeHealth:          "852",
	ecert.SchemeVeterinary:      "853",
	ecert.SchemeOrigin:          "861",
	ecert.SchemeInspection:      "856",
	ecert.SchemeConformityTrade: "2",
}

// typeCodeScheme is the reverse of schemeTypeCode.
var typeCodeScheme = func() map[string]ecert.Scheme {
	m := map[string]ecert.Scheme{}
	for s, c := range schemeTypeCode {
		m[c] = s
	}
	return m
}()

// CodeConformity is the document name code of a certificate of
// conformity (UNTDID 1001 code 2), written for every scheme that has no
// SPS code of its own (CCC, ISO 9001, ...).
const CodeConformity = "2"

// SchemeCodePrefix prefixes the scheme of a decoded document whose type
// code names no known scheme: type code 855 decodes as scheme
// "UNTDID-1001:855", which encodes back to type code 855.
const SchemeCodePrefix = "UNTDID-1001:"

func typeCodeFor(s ecert.Scheme) string {
	if c, ok := schemeTypeCode[s]; ok {
		return c
	}
	if c, ok := strings.CutPrefix(string(s), SchemeCodePrefix); ok && c != "" {
		return c
	}
	return CodeConformity
}

// schemeFor is the scheme a type code alone implies.
func schemeFor(code string) ecert.Scheme {
	if s, ok := typeCodeScheme[code]; ok {
		return s
	}
	return ecert.Scheme(SchemeCodePrefix + code)
}

// Status codes (UNTDID 4405, D16B) for the statuses.
var statusCode = map[ecert.Status]string{
	ecert.StatusValid:      "70",  // Issued
	ecert.StatusSuspended:  "111", // Inactive
	ecert.StatusRevoked:    "105", // Terminated
	ecert.StatusWithdrawn:  "40",  // Withdrawn
	ecert.StatusExpired:    "49",  // Expired version
	ecert.StatusSuperseded: "44",  // Replaced
}

var codeStatus = func() map[string]ecert.Status {
	m := map[string]ecert.Status{}
	for s, c := range statusCode {
		m[c] = s
	}
	return m
}()

// Party role codes (UNTDID 3035, D16B) of the certificate's parties.
const (
	roleHolder       = "CP"  // Party to receive certificate of compliance
	roleApplicant    = "DDD" // Applicant
	roleManufacturer = "MF"  // Manufacturer of goods
	roleFactory      = "MP"  // Manufacturing unit
)

// Identifiers and subjects of the ecertkit conventions.
const (
	partiesID    = "ECERT-PARTIES"
	partiesName  = "Certificate parties"
	standardID   = "ecert:standard" // schemeID of a clause that is a standard
	modelSystem  = "Model"          // classification system of a model
	hsSystem     = "HS"             // classification system of an HS code
	packageLevel = "1"
	// placeholderSeq numbers the placeholder trade line item; real ones
	// count from 1.
	placeholderSeq = "0"

	subjScheme         = "ecert:scheme"
	subjVersion        = "ecert:version"
	subjSupersedes     = "ecert:supersedes"
	subjValidFrom      = "ecert:validFrom"
	subjValidUntil     = "ecert:validUntil"
	subjStatusReason   = "ecert:statusReason"
	subjRemarks        = "ecert:remarks"
	subjVerification   = "ecert:verificationURL"
	subjConsignment    = "ecert:consignment"
	subjOrigin         = "ecert:consignment.originCountry"
	subjAccreditation  = "ecert:issuingBody.accreditation"
	subjBodyCountry    = "ecert:issuingBody.country"
	subjExtension      = "ecert:extension:"
	subjText           = "ecert:text:"
	subjProduct        = "ecert:product"
	subjSpecifications = "ecert:specifications"
	subjDeclarations   = "ADEDL" // IPPC ePhyto: additional declaration
	subjQuantityValue  = "OQV"   // IPPC ePhyto: other quantity, value
	subjQuantityUnit   = "OQU"   // IPPC ePhyto: other quantity, unit

	consignmentNone = "none"
)

// ExtensionXMLPrefix prefixes the Extensions keys under which Decode keeps
// the parts of a document that the model cannot hold: the key is the
// prefix and the XPath of the element (or attribute), the value its XML
// (or the attribute's value). Encode writes them back in place.
const ExtensionXMLPrefix = "cefact:xml:"

// sortedLangs returns the languages of t in the order the encoder writes
// them: sorted, with the primary language first when primaryFirst.
func sortedLangs(t ecert.Text, primaryFirst bool) []string {
	var buf [4]string
	return appendSortedLangs(buf[:0], t, primaryFirst)
}

// appendSortedLangs is sortedLangs into buf (no allocation for callers
// that pass a small array, in the common case of few languages).
func appendSortedLangs(keys []string, t ecert.Text, primaryFirst bool) []string {
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if primaryFirst && len(keys) > 1 {
		p := primaryLang(t)
		for i, k := range keys {
			if k == p {
				copy(keys[1:i+1], keys[:i])
				keys[0] = p
				break
			}
		}
	}
	return keys
}

// primaryLang is the language written in a single-language slot: English
// when present, otherwise the first in sort order.
func primaryLang(t ecert.Text) string {
	if _, ok := t["en"]; ok {
		return "en"
	}
	first, set := "", false
	for k := range t {
		if !set || k < first {
			first, set = k, true
		}
	}
	return first
}

// placeholderCountry is the country written in the required export and
// import country slots of a certificate without consignment.
func placeholderCountry(c *ecert.Certificate) string {
	if isCountry(c.IssuingBody.Country) {
		return c.IssuingBody.Country
	}
	if c.Holder.Address != nil && isCountry(c.Holder.Address.Country) {
		return c.Holder.Address.Country
	}
	return "ZZ"
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
