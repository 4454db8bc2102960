package check_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/ecerttest"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// loadCert reads a sample certificate; t may be nil (in examples).
func loadCert(t testing.TB, name string) *ecert.Certificate {
	f, err := os.Open(filepath.Join("..", "testdata", name))
	if err == nil {
		defer f.Close()
		var c *ecert.Certificate
		if c, err = ecert.Decode(f); err == nil {
			return c
		}
	}
	if t == nil {
		panic(err)
	}
	t.Fatal(err)
	return nil
}

type fixture struct {
	pki *ecerttest.PKI
	reg *registry.Registry
	v1  *ecert.Certificate
	pdf []byte
	now time.Time
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pki := ecerttest.NewPKI(t)
	v1 := loadCert(t, "good_ccc.json")
	reg := ecerttest.Registry(t, pki, v1)
	return &fixture{pki: pki, reg: reg, v1: v1, pdf: sealed(t, pki, v1), now: time.Now()}
}

// sealed renders c and seals it as a certification (P=1) with the PKI's seal key.
func sealed(t testing.TB, p *ecerttest.PKI, c *ecert.Certificate) []byte {
	t.Helper()
	return ecerttest.Seal(t, p, c, pdfseal.SealOptions{Certify: 1})
}

func (f *fixture) check(t *testing.T, pdf []byte, roots bool) *check.Result {
	t.Helper()
	opts := check.Options{Registry: f.reg}
	if roots {
		opts.Verify.Roots = f.pki.Roots()
	}
	res, err := check.PDF(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func want(t *testing.T, res *check.Result, v check.Verdict, failed check.Part, explains string) {
	t.Helper()
	if res.Verdict != v || res.Failed != failed || !strings.Contains(res.Explanation, explains) {
		t.Errorf("got %s (failed %q): %s\nwant %s (failed %q) explaining %q\nsignature: %+v\ncontents: %+v\nstatus: %+v",
			res.Verdict, res.Failed, res.Explanation, v, failed, explains, res.Signature, res.Contents, res.Status)
	}
}

func TestPass(t *testing.T) {
	f := setup(t)
	res := f.check(t, f.pdf, true)
	want(t, res, check.Pass, "", "can be relied on")
	if res.Number != f.v1.Number || res.Version != 1 || res.Registry == nil || !res.Registry.Current {
		t.Errorf("result %+v", res)
	}
}

func TestTamperedFailsSignature(t *testing.T) {
	f := setup(t)
	bad := bytes.Clone(f.pdf)
	i := bytes.Index(bad, []byte("/MediaBox"))
	bad[i+1] = 'm'
	want(t, f.check(t, bad, true), check.Fail, check.PartSignature, "broken")
}

func TestUntrustedIsIndeterminate(t *testing.T) {
	f := setup(t)
	want(t, f.check(t, f.pdf, false), check.Indeterminate, check.PartSignature, "could not be confirmed")
}

func TestSuspendedFailsStatus(t *testing.T) {
	f := setup(t)
	if _, err := f.reg.Suspend(context.Background(), f.v1.Number, registry.Change{Reason: "audit", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	want(t, f.check(t, f.pdf, true), check.Fail, check.PartStatus, "suspended")
}

func TestOlderVersionFailsStatus(t *testing.T) {
	f := setup(t)
	v2 := loadCert(t, "good_ccc_v2.json")
	if _, err := f.reg.Modify(context.Background(), v2, registry.Change{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	want(t, f.check(t, f.pdf, true), check.Fail, check.PartStatus, "superseded by version 2")
	// The new version's PDF passes.
	want(t, f.check(t, sealed(t, f.pki, v2), true), check.Pass, "", "relied on")
}

func TestUnknownNumberFailsContents(t *testing.T) {
	f := setup(t)
	other := f.v1.Clone()
	other.Number = "2024010703999999"
	want(t, f.check(t, sealed(t, f.pki, other), true), check.Fail, check.PartContents, "no certificate numbered")
}

func TestAlteredContentsFailContents(t *testing.T) {
	f := setup(t)
	// Correctly sealed by the body's key, but not what the registry holds.
	alt := f.v1.Clone()
	alt.Products[0].Models = append(alt.Products[0].Models, ecert.Model{Code: "EXTRA-1"})
	want(t, f.check(t, sealed(t, f.pki, alt), true), check.Fail, check.PartContents, "altered")
}

func TestForeignSealFailsSignature(t *testing.T) {
	f := setup(t)
	// A certificate from the same trusted CA, but not registered for the body.
	leaf, err := f.pki.Issue(testpki.LeafOptions{CommonName: "Some Other Body Seal"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := ecerttest.Render(t, f.v1)
	var out bytes.Buffer
	if _, err := pdfseal.Seal(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, leaf.Signer(), pdfseal.SealOptions{}); err != nil {
		t.Fatal(err)
	}
	want(t, f.check(t, out.Bytes(), true), check.Fail, check.PartSignature, "not a seal of the issuing body")
}

func TestNotAPDF(t *testing.T) {
	f := setup(t)
	want(t, f.check(t, []byte("hello, I am not a PDF"), true), check.Fail, check.PartSignature, "not a readable PDF")
}

func TestUnsealedPDF(t *testing.T) {
	f := setup(t)
	res := f.check(t, ecerttest.Render(t, f.v1), true)
	if res.Verdict != check.Fail || res.Failed != check.PartSignature {
		t.Errorf("unsealed PDF: %s %s %s", res.Verdict, res.Failed, res.Explanation)
	}
}

// A PDF that names another (registered) body and carries that body's seal
// does not pass for a number the registry records for the first body: the
// registry's body decides whose seals count.
func TestSealOfAnotherBodyFailsSignature(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	other, err := f.pki.Issue(testpki.LeafOptions{CommonName: "Other Body Seal"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.RegisterBody(ctx, registry.Body{ID: "OTHER-BODY", Name: ecert.Text{"en": "Other Body"}, Country: "CN", Status: registry.BodyActive}, registry.Change{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.AddSealCert(ctx, "OTHER-BODY", other.Cert, registry.Change{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	forged := f.v1.Clone()
	forged.IssuingBody.ID = "OTHER-BODY"
	pdf := ecerttest.Render(t, forged)
	var out bytes.Buffer
	if _, err := pdfseal.Seal(ctx, bytes.NewReader(pdf), int64(len(pdf)), &out, other.Signer(), pdfseal.SealOptions{}); err != nil {
		t.Fatal(err)
	}
	want(t, f.check(t, out.Bytes(), true), check.Fail, check.PartSignature, "not a seal of the issuing body "+f.v1.IssuingBody.ID)
}
