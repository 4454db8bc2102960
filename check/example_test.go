package check_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// The three-part check of a sealed certificate: seal, contents, status.
func Example() {
	ctx := context.Background()
	pki := testpki.MustNew(testpki.Options{})
	reg := memory.New(registry.Options{})
	defer reg.Close()

	c := loadCert(nil, "good_iso9001.json")
	b := c.IssuingBody
	reg.RegisterBody(ctx, registry.Body{ID: b.ID, Name: b.Name, Country: b.Country, Status: registry.BodyActive}, registry.Change{Actor: "admin"})
	reg.AddSealCert(ctx, b.ID, pki.Seal, registry.Change{Actor: "admin"})
	reg.Issue(ctx, c, registry.Change{Actor: "issuer"})

	var pdf, sealedPDF bytes.Buffer
	if err := pdfseal.Render(ctx, c, &pdf, pdfseal.RenderOptions{}); err != nil {
		panic(err)
	}
	if _, err := pdfseal.Seal(ctx, bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), &sealedPDF, pki.SealSigner(), pdfseal.SealOptions{Certify: 1}); err != nil {
		panic(err)
	}

	opts := check.Options{Registry: reg, Verify: pdfseal.VerifyOptions{Roots: pki.Roots()}}
	res, _ := check.PDF(ctx, bytes.NewReader(sealedPDF.Bytes()), int64(sealedPDF.Len()), opts)
	fmt.Println(res.Verdict)

	reg.Suspend(ctx, c.Number, registry.Change{Reason: "surveillance audit refused", Actor: "issuer"})
	res, _ = check.PDF(ctx, bytes.NewReader(sealedPDF.Bytes()), int64(sealedPDF.Len()), opts)
	fmt.Println(res.Verdict, res.Failed)
	// Output:
	// pass
	// fail status
}
