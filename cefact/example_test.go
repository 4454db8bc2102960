package cefact_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/ecert"
)

func phyto() *ecert.Certificate {
	return &ecert.Certificate{
		Number:      "CN-PHY-2024-0012345",
		Scheme:      ecert.SchemePhytosanitary,
		Version:     1,
		Title:       ecert.Text{"en": "Phytosanitary Certificate", "zh": "植物检疫证书"},
		IssuingBody: ecert.Body{ID: "GACC-3700", Name: ecert.Text{"en": "Qingdao Customs"}, Country: "CN"},
		Holder:      ecert.Party{Name: ecert.Text{"en": "Qingdao Haifeng Fruit Co., Ltd."}},
		IssueDate:   time.Date(2024, 10, 8, 9, 30, 0, 0, time.UTC),
		ValidFrom:   time.Date(2024, 10, 8, 9, 30, 0, 0, time.UTC),
		Status:      ecert.StatusValid,
		Consignment: &ecert.Consignment{
			Consignor:     ecert.Party{Name: ecert.Text{"en": "Qingdao Haifeng Fruit Co., Ltd."}},
			Consignee:     ecert.Party{Name: ecert.Text{"en": "Fresh Produce Trading Pte. Ltd."}},
			ExportCountry: "CN",
			ImportCountry: "SG",
			Items: []ecert.Item{{
				Description: ecert.Text{"en": "Fresh apples", "zh": "鲜苹果"},
				NetWeight:   &ecert.Measure{Value: "18000", Unit: "KGM"},
			}},
		},
	}
}

func ExampleEncode() {
	var buf bytes.Buffer
	if err := cefact.Encode(&buf, phyto()); err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "TypeCode") || strings.Contains(line, "Description") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// <ram:TypeCode>851</ram:TypeCode>
	// <ram:Description languageID="en">Fresh apples</ram:Description>
	// <ram:Description languageID="zh">鲜苹果</ram:Description>
}

func ExampleDecode() {
	in := `<ns0:SPSCertificate xmlns:ns0="urn:un:unece:uncefact:data:standard:SPSCertificate:17"
  xmlns:ns1="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21">
 <ns0:SPSExchangedDocument>
  <ns1:ID>123ABC</ns1:ID>
  <ns1:TypeCode>851</ns1:TypeCode>
  <ns1:StatusCode>70</ns1:StatusCode>
  <ns1:IncludedSPSNote><ns1:Subject>SPSFL</ns1:Subject><ns1:Content>5</ns1:Content></ns1:IncludedSPSNote>
 </ns0:SPSExchangedDocument>
</ns0:SPSCertificate>`
	doc, err := cefact.Decode(strings.NewReader(in), nil)
	if err != nil {
		log.Fatal(err)
	}
	c := doc.Certificate
	fmt.Println(c.Number, c.Scheme, c.Status)
	for _, u := range doc.Unmapped {
		fmt.Println("unmapped:", u.XPath, "=", u.Value)
	}
	// Output:
	// 123ABC SPS-PHYTO valid
	// unmapped: /rsm:SPSCertificate/rsm:SPSExchangedDocument[1]/ram:IncludedSPSNote[1]/ram:Subject[1] = SPSFL
	// unmapped: /rsm:SPSCertificate/rsm:SPSExchangedDocument[1]/ram:IncludedSPSNote[1]/ram:Content[1] = 5
}

func ExampleEncodeAcknowledgement() {
	ack := &cefact.Acknowledgement{
		Issued:     time.Date(2024, 10, 9, 8, 0, 0, 0, time.UTC),
		Status:     cefact.AckApproved,
		References: []ecert.Reference{{Type: "851", ID: "CN-PHY-2024-0012345"}},
	}
	if err := cefact.EncodeAcknowledgement(os.Stdout, ack); err != nil {
		log.Fatal(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <rsm:SPSAcknowledgement xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSAcknowledgement:17" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21" xmlns:qdt="urn:un:unece:uncefact:data:Standard:QualifiedDataType:21">
	//   <rsm:SPSAcknowledgementDocument>
	//     <ram:IssueDateTime>
	//       <udt:DateTimeString>2024-10-09T08:00:00Z</udt:DateTimeString>
	//     </ram:IssueDateTime>
	//     <ram:StatusCode>39</ram:StatusCode>
	//     <ram:ReferenceSPSReferencedDocument>
	//       <ram:TypeCode>851</ram:TypeCode>
	//       <ram:ID>CN-PHY-2024-0012345</ram:ID>
	//     </ram:ReferenceSPSReferencedDocument>
	//   </rsm:SPSAcknowledgementDocument>
	// </rsm:SPSAcknowledgement>
}
