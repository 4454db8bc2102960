package pdfseal_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// Seal a rendered certificate with a visible, certifying seal (DocMDP
// P=1) and check the result with Verify. In production the signer comes
// from signers.Open with a file:, pkcs11: or awskms: URI, and a TSA URL
// gives B-T and above.
func ExampleSeal() {
	pki := testpki.MustNew(testpki.Options{})
	f, err := os.Open("../testdata/good_iso9001.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cert, err := ecert.Decode(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Render without the printed seal: the signature will show it.
	var doc bytes.Buffer
	if err := pdfseal.Render(context.Background(), cert, &doc, pdfseal.RenderOptions{NoSeal: true}); err != nil {
		fmt.Println(err)
		return
	}
	art, err := pdfseal.SealAppearance(cert.IssuingBody, pdfseal.SealArtOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, y, w, h := pdfseal.SealRect()
	var sealed bytes.Buffer
	res, err := pdfseal.Seal(context.Background(), bytes.NewReader(doc.Bytes()), int64(doc.Len()), &sealed, pki.SealSigner(), pdfseal.SealOptions{
		Certify: pdfseal.CertifyNoChanges,
		Visible: &pdfseal.Visible{Page: 1, X: x, Y: y, W: w, H: h, Appearance: art},
		Reason:  "Certificate issued",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sealed:", res.Level, res.FieldName)

	rep, err := pdfseal.Verify(context.Background(), bytes.NewReader(sealed.Bytes()), int64(sealed.Len()), pdfseal.VerifyOptions{
		Roots: pki.Roots(), Time: time.Now(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verified:", rep.Indication)
	// Output:
	// sealed: B-B Seal1
	// verified: TOTAL-PASSED
}
