// Package cefact reads and writes UN/CEFACT SPS e-certificates: the
// rsm:SPSCertificate XML message (release 17A, the version that the IPPC
// ePhyto hub, EU TRACES NT and national e-cert systems exchange), and its
// rsm:SPSAcknowledgement receipt. Enveloped XML signatures over both are
// in the subpackage cefact/xmlsig, so that this package depends only on
// the standard library, golang.org/x and etree.
//
// The common case is two calls:
//
//	err := cefact.Encode(w, cert)          // ecert.Certificate -> XML
//	doc, err := cefact.Decode(r, nil)      // XML -> doc.Certificate (+ doc.Unmapped)
//
// and, for signed exchanges, xmlsig.Sign (with any signer.Signer: key
// file, PKCS#11 token, cloud KMS) and xmlsig.Verify (against trust roots;
// decode the Verified.Content it returns, never the input).
//
// # Guarantees
//
//   - Encode writes XML that validates against the official 17A schema
//     (SPSCertificate_17p0.xsd), whatever the scheme (a certificate of
//     conformity is carried in the SPS message by the conventions below),
//     for a certificate that passes ecert's Validate and whose codes are
//     from the schema's code lists (ISO 3166 countries, UN/ECE Rec. 19
//     transport modes, Rec. 21 package types). Encode does not check them.
//   - Decode(Encode(c)) returns c: every field, including Extensions,
//     multilingual Text, Version and Supersedes, Status, VerificationURL
//     and References (tested with go-cmp on every sample).
//   - Decode is tolerant: any prefixes, element order, empty elements and
//     elements the model has no field for. Every leaf it does not map is
//     listed in Document.Unmapped (XPath and value) and kept, as XML, in
//     the certificate's Extensions under ExtensionXMLPrefix; Encode writes
//     it back in its place. So Encode(Decode(x)) keeps every leaf value and
//     attribute of x (compared as namespace-resolved trees; comments and
//     processing instructions are dropped, and elements may move into
//     schema order).
//   - Hostile input: DOCTYPE declarations are rejected (so no DTD, entity
//     expansion or external entity is ever processed), only UTF-8 is
//     accepted, and size, depth and element count are bounded
//     (DecodeOptions). Errors are *DecodeError wrapping ErrDTD, ErrTooLarge,
//     ErrTooDeep, ErrTooManyElements, ErrInvalidUTF8 or ErrNotSPS. The
//     parser is the package's own strict tokenizer (cefact/internal/xmltok):
//     it accepts what encoding/xml in strict mode accepts, with namespaces
//     and structure checked, and refuses in addition numeric references to
//     surrogates (&#xD800;), which encoding/xml turns into U+FFFD.
//   - Memory: the strings of a decoded Document share one copy of the
//     input, so a small part kept from it keeps the whole copy alive
//     (strings.Clone what you keep from a large document).
//
// # Where etree is used
//
// github.com/beevik/etree is the document model wherever the package needs
// a tree: cefact/xmlsig signs and verifies etree documents (goxmldsig
// works on etree); the parts of a decoded document that the model cannot
// hold are kept as XML serialized from etree elements; Encode builds an
// etree tree for a certificate that carries such kept parts, to put them
// back in place, and EncodeAcknowledgement always does.
//
// The common paths build no etree tree, for speed (its nodes are pointers
// and interface values that cost allocations, write barriers and garbage
// collection): Decode and DecodeAcknowledgement read the tokens into a flat
// tree of plain values (nodes by index, names and texts as offsets into the
// input) and map it to the model, and Encode writes a certificate without
// kept parts straight to the writer. They give byte for byte what the etree
// paths give; the tests keep the etree decoder as the reference and
// compare the two on every sample (and in a fuzz target).
//
// # Mapping
//
// Paths are relative to /rsm:SPSCertificate; D is rsm:SPSExchangedDocument,
// C is rsm:SPSConsignment, P is
// C/ram:ExportSPSCountry/ram:SubordinateSPSCountrySubDivision[ram:ID='ECERT-PARTIES'],
// L is C/ram:IncludedSPSConsignmentItem/ram:IncludedSPSTradeLineItem. A
// note "S" is a D/ram:IncludedSPSNote whose ram:Subject is S, its value in
// ram:Content.
//
// Multilingual Text: where the schema repeats an element (ram:Name of the
// document, ram:Description, ram:Content, location and qualification
// names, class names) there is one element per language, with
// @languageID. Where it allows one (party ram:Name, ram:CityName, person
// ram:Name), that element holds the primary language (English if present,
// else the first tag in sort order) and a note "ecert:text:PATH" holds the
// others, one ram:Content per language, PATH being the model path
// (holder.name, consignment.consignor.address.city, factories[0].name,
// signatory.name, ...). Street lines use LineOne..LineFive, one language
// each. Text without @languageID decodes under the empty language tag.
//
//	Number                   D/ram:ID
//	Title                    D/ram:Name (per language)
//	Scope                    D/ram:Description (per language)
//	Scheme                   D/ram:TypeCode (UNTDID 1001): 851 SPS-PHYTO, 657 SPS-REEXPORT,
//	                         852 SPS-HEALTH, 853 SPS-VET, 861 ORIGIN, 856 INSPECTION,
//	                         2 (certificate of conformity) TRADE-CONFORM and every other
//	                         scheme, named then in note "ecert:scheme"; any other code X
//	                         decodes as scheme "UNTDID-1001:X" and encodes back to X
//	Status                   D/ram:StatusCode (UNTDID 4405): valid 70 Issued,
//	                         suspended 111 Inactive, revoked 105 Terminated,
//	                         withdrawn 40 Withdrawn, expired 49 Expired version,
//	                         superseded 44 Replaced; other codes stay unmapped
//	StatusReason             note "ecert:statusReason" (per language)
//	IssueDate                D/ram:IssueDateTime/udt:DateTimeString (RFC 3339)
//	Version, Supersedes      notes "ecert:version", "ecert:supersedes"
//	ValidFrom, ValidUntil    notes "ecert:validFrom", "ecert:validUntil" (RFC 3339)
//	IssuingBody.ID, .Name,   D/ram:IssuerSPSParty: ram:ID, ram:Name,
//	  .Address                 ram:SpecifiedSPSAddress
//	IssuingBody.Accreditation note "ecert:issuingBody.accreditation"
//	IssuingBody.Country      the issuer's address ram:CountryID, or note
//	                         "ecert:issuingBody.country" when they differ
//	Holder                   P/ram:ActivityAuthorizedSPSParty with ram:RoleCode CP
//	                         (UNTDID 3035: party to receive certificate of compliance)
//	Applicant                the same with ram:RoleCode DDD (applicant)
//	Manufacturer             the same with ram:RoleCode MF (manufacturer of goods)
//	Factories                the same with ram:RoleCode MP (manufacturing unit), in order
//	Party.ID, .Name          ram:ID, ram:Name
//	Address                  ram:SpecifiedSPSAddress: ram:PostcodeCode, ram:LineOne..Five
//	                         (Street), ram:CityName, ram:CountryID,
//	                         ram:CountrySubDivisionID (Subdivision)
//	Signatory                D/ram:SignatorySPSAuthentication:
//	  .Name                    ram:ProviderSPSParty/ram:SpecifiedSPSPerson/ram:Name
//	  .Role                    .../ram:SpecifiedSPSPerson/ram:AttainedSPSQualification/ram:Name
//	  .Place                   ram:IssueSPSLocation/ram:Name (per language)
//	  (time)                   ram:ActualDateTime = IssueDate
//	Standards[i]             D/ram:SignatorySPSAuthentication/ram:IncludedSPSClause:
//	                         ram:ID (Code) with @schemeID="ecert:standard" and
//	                         @schemeVersionID (Edition); ram:Content per language (Title)
//	Remarks                  note "ecert:remarks" (per language)
//	VerificationURL          note "ecert:verificationURL"
//	References[i]            D/ram:ReferenceSPSReferencedDocument: ram:IssueDateTime
//	                         (Issued), ram:ID, and Type in ram:TypeCode when it is a
//	                         numeric UNTDID 1001 code, else in ram:Information
//	                         ("superseded", "test-report", ...)
//	Extensions[k]            note "ecert:extension:k"; keys under ExtensionXMLPrefix
//	                         are XML kept from a decoded document, written back in place
//	Consignment              C (absent: note "ecert:consignment" = "none", see below)
//	  .Consignor, .Consignee   C/ram:ConsignorSPSParty, C/ram:ConsigneeSPSParty
//	  .ExportCountry           C/ram:ExportSPSCountry/ram:ID
//	  .ImportCountry           C/ram:ImportSPSCountry/ram:ID
//	  .OriginCountry           note "ecert:consignment.originCountry"
//	  .Transport[i]            C/ram:MainCarriageSPSTransportMovement: ram:ID, ram:ModeCode
//	                           (Mode, UN/ECE Rec. 19), ram:UsedSPSTransportMeans/ram:Name (Means)
//	  .EntryPoint              C/ram:UnloadingBaseportSPSLocation/ram:Name (per language)
//	  .AdditionalDeclarations  note "ADEDL" (IPPC ePhyto additional declaration)
//	  .Items[i]                L (in order, ram:SequenceNumeric from 1):
//	    .Description             ram:Description (per language)
//	    .ScientificName          ram:ScientificName
//	    .NetWeight, .GrossWeight ram:NetWeightMeasure, ram:GrossWeightMeasure with @unitCode
//	    .Quantity                ram:AdditionalInformationSPSNote "OQV" (value) and "OQU" (unit)
//	    .HSCode                  ram:ApplicableSPSClassification, ram:SystemName HS, ram:ClassCode
//	    .Packages                ram:PhysicalSPSPackage: ram:LevelCode 1, ram:TypeCode (Unit,
//	                             UN/ECE Rec. 21), ram:ItemQuantity (Value)
//	    .OriginCountry           ram:OriginSPSCountry/ram:ID
//	Products[i]              L after the items, each marked by a
//	                         ram:AdditionalInformationSPSNote "ecert:product":
//	  .Name                    ram:Description (per language)
//	  .Brand                   the ram:Content of the "ecert:product" note
//	  .Specifications          ram:AdditionalInformationSPSNote "ecert:specifications"
//	  .HSCode                  ram:ApplicableSPSClassification, SystemName HS
//	  .Models[j]               ram:ApplicableSPSClassification with ram:SystemName Model:
//	                           ram:ClassCode (Code), ram:ClassName per language (Description)
//
// # Certificates of conformity
//
// The SPS message requires a consignment. A certificate without one (a
// CCC product certificate, an ISO 9001 system certificate) is written with
// note "ecert:consignment" = "none" and placeholders that satisfy the
// schema and decode to nothing: empty ram:ConsignorSPSParty and
// ram:ConsigneeSPSParty, the issuing body's country as export and import
// country, an empty examination location name, and, when there are no
// products, one trade line item with sequence number 0 and an empty
// description (written also for a consignment without items). Its products,
// models, standards and validity then map as in the table: products and
// models as trade line items with classifications, standards as clauses
// of the signatory's authentication, validity as notes, the holder,
// applicant, manufacturer and factories as authorized parties with role
// codes.
//
// # Signatures
//
// Package cefact/xmlsig signs and verifies (xmlsig.Sign, xmlsig.Verify).
// It reads its input through ReadChecked, which applies the limits and
// DOCTYPE rejection above before any other parser sees the bytes. The
// official 17A schema has no place for a ds:Signature, so a signed
// document validates only against a profile schema with that slot, such
// as testdata/SPSCertificate_signed_profile.xsd in this package's folder.
package cefact
