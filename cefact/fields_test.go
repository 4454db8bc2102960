package cefact

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/google/go-cmp/cmp"
)

// fullCertificate sets every field of the model, with several languages,
// so that a field the mapping forgets shows up as a diff.
func fullCertificate() *ecert.Certificate {
	tz := time.FixedZone("", -3*3600)
	addr := func(p string) *ecert.Address {
		return &ecert.Address{
			Street:      ecert.Text{"en": p + " street", "zh": p + " 街", "fr": p + " rue", "es": p + " calle", "de": p + " Straße", "ru": p + " улица"},
			City:        ecert.Text{"en": p + " city", "zh": p + " 市"},
			Subdivision: "GD", Postcode: "528311", Country: "CN",
		}
	}
	party := func(p string) ecert.Party {
		return ecert.Party{ID: p + "-id", Name: ecert.Text{"en": p, "zh": p + " 公司"}, Address: addr(p)}
	}
	applicant, manufacturer := party("applicant"), party("manufacturer")
	return &ecert.Certificate{
		Number:     "FULL-0001",
		Scheme:     ecert.SchemeConformityTrade,
		Version:    3,
		Supersedes: 2,
		Title:      ecert.Text{"en": "Certificate", "zh": "证书"},
		IssuingBody: ecert.Body{ID: "BODY-1", Name: ecert.Text{"en": "Body", "zh": "机构"},
			Accreditation: "CNAS C001-P", Country: "HK", Address: addr("body")},
		Holder:       party("holder"),
		Applicant:    &applicant,
		Manufacturer: &manufacturer,
		Factories:    []ecert.Party{party("factory 1"), {Name: ecert.Text{"en": "factory 2"}}},
		Products: []ecert.Product{
			{Name: ecert.Text{"en": "Air conditioner", "zh": "空调"}, Brand: "Midea 美的",
				Models:         []ecert.Model{{Code: "M-1", Description: ecert.Text{"en": "wall", "zh": "壁挂"}}, {Code: "M 2"}},
				Specifications: ecert.Text{"en": "220 V", "zh": "220 伏"}, HSCode: "841510"},
			{Name: ecert.Text{"en": "No brand"}},
		},
		Standards:       []ecert.Standard{{Code: "GB 4706.1", Edition: "2005", Title: ecert.Text{"en": "Safety", "zh": "安全"}}, {Code: "IEC 60335"}},
		Scope:           ecert.Text{"en": "scope", "zh": "范围"},
		IssueDate:       time.Date(2025, 6, 2, 10, 0, 0, 123000000, tz),
		ValidFrom:       time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC),
		ValidUntil:      time.Date(2029, 3, 14, 0, 0, 0, 0, time.UTC),
		Status:          ecert.StatusSuspended,
		StatusReason:    ecert.Text{"en": "surveillance overdue", "zh": "监督逾期"},
		Remarks:         ecert.Text{"en": "remark & <more>", "zh": "备注"},
		Signatory:       &ecert.Signatory{Name: ecert.Text{"en": "Wang Jian", "zh": "王建"}, Role: ecert.Text{"en": "Director"}, Place: ecert.Text{"zh": "北京"}},
		VerificationURL: "https://verify.example.org/c/FULL-0001?lang=zh&x=1",
		Consignment: &ecert.Consignment{
			Consignor: party("consignor"), Consignee: ecert.Party{Name: ecert.Text{"en": "consignee"}},
			ExportCountry: "CN", ImportCountry: "DE", OriginCountry: "CN",
			Transport:  []ecert.Transport{{Mode: "1", Means: "COSCO ARIES", ID: "V.024E"}, {Mode: "4"}},
			EntryPoint: ecert.Text{"en": "Hamburg", "de": "Hamburg Hafen"},
			Items: []ecert.Item{
				{Description: ecert.Text{"en": "apples"}, HSCode: "080810", ScientificName: "Malus domestica",
					Quantity: &ecert.Measure{Value: "12", Unit: "H87"}, NetWeight: &ecert.Measure{Value: "18000", Unit: "KGM"},
					GrossWeight: &ecert.Measure{Value: "19850.5", Unit: "KGM"}, Packages: &ecert.Measure{Value: "1800", Unit: "CT"}, OriginCountry: "CN"},
				{Description: ecert.Text{"en": "pears", "zh": "梨"}},
			},
			AdditionalDeclarations: ecert.Text{"en": "free from pests", "zh": "无害虫"},
		},
		References: []ecert.Reference{
			{Type: "superseded", ID: "FULL-0001/v2", Issued: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
			{Type: "4", ID: "TR-1"},
			{Type: "import-permit", ID: "IP-9"},
		},
		Extensions: map[string]string{"cqc:unitCode": "07", "cqc:note": "a <b> & c"},
	}
}

func roundTrip(t *testing.T, c *ecert.Certificate) *Document {
	t.Helper()
	data, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Unmarshal(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, doc.Certificate); diff != "" {
		t.Errorf("decode(encode(c)) differs (-want +got):\n%s", diff)
	}
	if len(doc.Unmapped) > 0 {
		t.Errorf("unmapped: %v", doc.Unmapped)
	}
	return doc
}

func TestRoundTripAllFields(t *testing.T) {
	full := fullCertificate()
	// Every field of the model is set, so the round trip covers them all.
	var unset []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				unset = append(unset, path)
				return
			}
			walk(v.Elem(), path)
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				if v.Interface().(time.Time).IsZero() {
					unset = append(unset, path)
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case reflect.Slice:
			if v.Len() == 0 {
				unset = append(unset, path)
			}
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path)
			}
		default:
			if v.IsZero() {
				unset = append(unset, path)
			}
		}
	}
	walk(reflect.ValueOf(full.Products[0]), "Products[0]")
	walk(reflect.ValueOf(full.Consignment.Items[0]), "Items[0]")
	walk(reflect.ValueOf(*full), "")
	// Fields that are legitimately empty in some element of a slice.
	allowed := map[string]bool{"Products[0].Models.Description": true, ".Factories.ID": true, ".Factories.Address": true, ".Products.Brand": true, ".Products.Models": true,
		".Products.Specifications": true, ".Products.HSCode": true, ".Products.Models.Description": true, ".Standards.Edition": true, ".Standards.Title": true,
		".Consignment.Consignee.ID": true, ".Consignment.Consignee.Address": true, ".Consignment.Transport.Means": true, ".Consignment.Transport.ID": true,
		".Consignment.Items.HSCode": true, ".Consignment.Items.ScientificName": true, ".Consignment.Items.Quantity": true, ".Consignment.Items.NetWeight": true,
		".Consignment.Items.GrossWeight": true, ".Consignment.Items.Packages": true, ".Consignment.Items.OriginCountry": true, ".References.Issued": true}
	for _, u := range unset {
		if !allowed[u] {
			t.Errorf("fullCertificate leaves %s unset", u)
		}
	}
	roundTrip(t, full)
}

func TestRoundTripVariants(t *testing.T) {
	base := fullCertificate
	tests := map[string]func(c *ecert.Certificate){
		"no consignment":              func(c *ecert.Certificate) { c.Consignment = nil },
		"no consignment, no products": func(c *ecert.Certificate) { c.Consignment, c.Products = nil, nil },
		"no signatory":                func(c *ecert.Certificate) { c.Signatory = nil },
		"empty signatory":             func(c *ecert.Certificate) { c.Signatory = &ecert.Signatory{} },
		"minimal": func(c *ecert.Certificate) {
			*c = ecert.Certificate{Number: "N", Scheme: ecert.SchemeCCC, Status: ecert.StatusValid}
		},
		"zero": func(c *ecert.Certificate) { *c = ecert.Certificate{} },
		"language-less text": func(c *ecert.Certificate) {
			c.Holder.Name = ecert.Text{"": "no language", "en": "English"}
			c.Title = ecert.Text{"": "t"}
		},
		"body country from address": func(c *ecert.Certificate) { c.IssuingBody.Country = "CN" },
		"body without address":      func(c *ecert.Certificate) { c.IssuingBody.Address = nil },
		"empty address":             func(c *ecert.Certificate) { c.Holder.Address = &ecert.Address{} },
		"unknown type code":         func(c *ecert.Certificate) { c.Scheme = "UNTDID-1001:855" },
		"empty extension value":     func(c *ecert.Certificate) { c.Extensions = map[string]string{"x": ""} },
	}
	for _, s := range []ecert.Status{ecert.StatusValid, ecert.StatusSuspended, ecert.StatusRevoked, ecert.StatusWithdrawn, ecert.StatusExpired, ecert.StatusSuperseded, ""} {
		tests["status "+string(s)] = func(c *ecert.Certificate) { c.Status = s }
	}
	for _, s := range []ecert.Scheme{ecert.SchemeCCC, ecert.SchemeISO9001, ecert.SchemePhytosanitary, ecert.SchemeReexport, ecert.SchemeVeterinary,
		ecert.SchemeHealth, ecert.SchemeOrigin, ecert.SchemeInspection, ecert.SchemeConformityTrade, "MY-SCHEME", ""} {
		tests[fmt.Sprintf("scheme %q", s)] = func(c *ecert.Certificate) { c.Scheme = s }
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			c := base()
			change(c)
			roundTrip(t, c)
		})
	}
}

func TestEncodeRejectsUnrepresentableText(t *testing.T) {
	for _, bad := range []string{"bell\a", "nul\x00", "bad\xffutf8"} {
		c := fullCertificate()
		c.Remarks = ecert.Text{"en": bad}
		if _, err := Marshal(c); !errors.Is(err, ErrInvalidText) {
			t.Errorf("%q: %v, want ErrInvalidText", bad, err)
		}
	}
	// Tabs, newlines and carriage returns survive, in text and attributes.
	c := fullCertificate()
	c.Remarks = ecert.Text{"en": "a\tb\r\nc\rd\n"}
	c.Standards[0].Edition = "2005\t\r\n"
	roundTrip(t, c)
}

// TestEmptyElementsKept: empty elements in slots the encoder writes only
// for non-empty values survive decode and encode.
func TestEmptyElementsKept(t *testing.T) {
	in := spsHead + `<rsm:SPSExchangedDocument><ram:Name/><ram:ID>X</ram:ID><ram:TypeCode>851</ram:TypeCode>
<ram:IncludedSPSNote><ram:Subject>ecert:statusReason</ram:Subject><ram:Content/></ram:IncludedSPSNote>
<ram:SignatorySPSAuthentication><ram:IssueSPSLocation><ram:Name/></ram:IssueSPSLocation>
<ram:ProviderSPSParty><ram:SpecifiedSPSPerson><ram:Name/><ram:AttainedSPSQualification><ram:Name/></ram:AttainedSPSQualification></ram:SpecifiedSPSPerson></ram:ProviderSPSParty>
</ram:SignatorySPSAuthentication></rsm:SPSExchangedDocument>
<rsm:SPSConsignment><ram:UnloadingBaseportSPSLocation><ram:Name/></ram:UnloadingBaseportSPSLocation>
<ram:IncludedSPSConsignmentItem><ram:IncludedSPSTradeLineItem><ram:SequenceNumeric>1</ram:SequenceNumeric><ram:Description/></ram:IncludedSPSTradeLineItem></ram:IncludedSPSConsignmentItem>
</rsm:SPSConsignment></rsm:SPSCertificate>`
	doc, err := Unmarshal([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(doc.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	want, got := leaves(t, []byte(in)), leaves(t, out)
	for l, n := range want {
		if got[l] < n {
			t.Errorf("lost %s = %q", l.path, l.value)
		}
	}
	doc2, err := Unmarshal(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc.Certificate, doc2.Certificate); diff != "" {
		t.Errorf("not stable (-first +second):\n%s", diff)
	}
}
