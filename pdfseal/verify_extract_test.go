package pdfseal

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// renderSealed renders the sample CCC certificate and seals it (B-B).
func renderSealed(t testing.TB, p *testpki.PKI) (*ecert.Certificate, []byte) {
	t.Helper()
	b, err := os.ReadFile(testtool.Testdata("good_ccc.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecert.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var doc bytes.Buffer
	if err := Render(context.Background(), c, &doc, RenderOptions{}); err != nil {
		t.Skipf("Render: %v", err)
	}
	return c, sealBytes(t, doc.Bytes(), p.SealSigner(), SealOptions{Level: LevelBB, Certify: CertifyNoChanges})
}

// TestVerifyEmbeddedCertificate: Verify returns the certificate data the
// intact seal covers, with its digest; not when the seal is broken or
// the embedded file was swapped afterwards.
func TestVerifyEmbeddedCertificate(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	c, sealed := renderSealed(t, p)
	want, err := c.Digest()
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyBytes(t, sealed, VerifyOptions{Roots: p.Roots()})
	if rep.Indication != TotalPassed {
		t.Fatalf("sealed certificate: %s/%s\n%s", rep.Indication, rep.SubIndication, summary(rep))
	}
	if rep.Certificate == nil {
		t.Fatal("no embedded certificate in the report")
	}
	if rep.Certificate.Digest != want || rep.Certificate.Certificate.Number != c.Number || rep.Certificate.Revision != 2 {
		t.Errorf("embedded certificate %s (%s, revision %d), want %s", rep.Certificate.Digest, rep.Certificate.Certificate.Number, rep.Certificate.Revision, want)
	}
	if !bytes.Contains([]byte(summary(rep)), []byte(want.String())) {
		t.Error("the summary does not show the digest")
	}
	if rep := verifyBytes(t, sealed, VerifyOptions{Roots: p.Roots(), SkipCertificate: true}); rep.Certificate != nil || rep.Indication != TotalPassed {
		t.Error("SkipCertificate: certificate returned")
	}
	// Untrusted but intact: the data is still returned (the caller sees
	// the verdict).
	if rep := verifyBytes(t, sealed, VerifyOptions{}); rep.Certificate == nil {
		t.Error("intact but untrusted: no certificate")
	}
	// A later update that swaps the embedded JSON: the certification
	// signature fails and no certificate is returned.
	r, err := pdf.Open(bytes.NewReader(sealed), int64(len(sealed)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, catRef, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	u := r.NewUpdate()
	nc := cat.Clone()
	delete(nc, "AF")
	nc["Names"] = pdf.Dict{}
	u.Set(catRef, nc)
	w, err := u.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	swapped := append(bytes.Clone(sealed), w.Data...)
	rep = verifyBytes(t, swapped, VerifyOptions{Roots: p.Roots()})
	if rep.Indication != TotalFailed || rep.Certificate != nil {
		t.Errorf("swapped: %s, certificate %v", rep.Indication, rep.Certificate != nil)
	}
}
