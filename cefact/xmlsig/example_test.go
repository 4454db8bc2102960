package xmlsig_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/cefact/xmlsig"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/signer/testpki"
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

func ExampleSign() {
	pki := testpki.MustNew(testpki.Options{}) // in production: signer.Open(ctx, "pkcs11:...", nil)
	var xml, signed bytes.Buffer
	if err := cefact.Encode(&xml, phyto()); err != nil {
		log.Fatal(err)
	}
	if err := xmlsig.Sign(context.Background(), &signed, &xml, pki.SealSigner(), nil); err != nil {
		log.Fatal(err)
	}
	v, err := xmlsig.Verify(&signed, &xmlsig.VerifyOptions{Roots: pki.Roots()})
	if err != nil {
		log.Fatal(err)
	}
	doc, err := v.Decode(nil) // the verified content, not the input
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified", doc.Certificate.Number, "signed by", v.Signer.Subject.CommonName != "")
	// Output: verified CN-PHY-2024-0012345 signed by true
}
