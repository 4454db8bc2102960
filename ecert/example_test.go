package ecert_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

func Example() {
	c, err := ecert.Decode(strings.NewReader(`{
	  "number": "00124Q31234R2M", "scheme": "ISO-9001", "version": 1,
	  "issuingBody": {"id": "CNCA-R-2002-001", "name": {"en": "China Quality Certification Centre"}, "country": "CN"},
	  "holder": {"name": {"zh": "上海精密仪器股份有限公司", "en": "Shanghai Precision Instruments Co., Ltd."}},
	  "scope": {"en": "Design and production of electronic measuring instruments"},
	  "issueDate": "2024-09-01T00:00:00Z", "validFrom": "2024-09-01T00:00:00Z", "validUntil": "2027-08-31T00:00:00Z",
	  "status": "valid"
	}`))
	if err != nil {
		panic(err)
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	d, _ := c.Digest()
	fmt.Println(c.Holder.Name.In("zh"))
	fmt.Println(d)
	fmt.Println(c.StatusAt(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)))
	// Output:
	// 上海精密仪器股份有限公司
	// sha256:ab493c671e77060603abf22d2d42a86cfd8ed4256269fe61565a8c02ce8f0609
	// expired
}

func ExampleCertificate_Validate() {
	c := &ecert.Certificate{Number: "X-1", Scheme: ecert.SchemeCCC, Version: 1, Status: ecert.StatusValid}
	err := c.Validate()
	var ve *ecert.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems[:3] {
			fmt.Println(p)
		}
	}
	// Output:
	// issuingBody.id: empty
	// issuingBody.name: empty
	// issuingBody.country: empty
}

func ExampleNext() {
	_, err := ecert.Next("2024010703123456", ecert.StatusRevoked, ecert.EventReinstate)
	fmt.Println(err)
	s, _ := ecert.Next("2024010703123456", ecert.StatusSuspended, ecert.EventReinstate)
	fmt.Println(s)
	// Output:
	// ecert: certificate 2024010703123456 is revoked: cannot reinstate it
	// valid
}
