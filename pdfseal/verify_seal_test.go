package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testsvc"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// verifyFixture is a test PKI whose certificates name a live OCSP responder
// and CRL server, with a live TSA: what sealing at every level needs.
type verifyFixture struct {
	pki *testpki.PKI
	tsa *testsvc.TSA
	rev *testsvc.Revocation
	dir string
}

func newVerifyFixture(t testing.TB) *verifyFixture { return newVerifyFixtureOpts(t, true) }

// newVerifyFixtureOpts makes the fixture; without OCSP the certificates name
// only the CRL server.
func newVerifyFixtureOpts(t testing.TB, withOCSP bool) *verifyFixture {
	t.Helper()
	rev := testsvc.NewRevocation(t)
	po := testpki.Options{CRLURL: rev.CRLURL}
	if withOCSP {
		po.OCSPURL = rev.OCSPURL
	}
	p, err := testpki.New(po)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	rev.Start(t, p, dir)
	tsa := testsvc.StartOpenSSLTSA(t, p, dir)
	return &verifyFixture{pki: p, tsa: tsa, rev: rev, dir: dir}
}

func (f *verifyFixture) seal(t testing.TB, in []byte, opts SealOptions) []byte {
	t.Helper()
	if opts.Level >= LevelBT {
		opts.TSA = &TSA{URL: f.tsa.URL}
	}
	// CRLs keep the test fast: the openssl ocsp test responder answers
	// Go's HTTP client only after long delays here.
	opts.Revocation.PreferCRL = true
	return sealBytes(t, in, f.pki.SealSigner(), opts)
}

func verifyBytes(t testing.TB, b []byte, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// TestVerifyOwnSeals: our own seals at every level pass with the test
// root and are INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND without it.
func TestVerifyOwnSeals(t *testing.T) {
	f := newVerifyFixture(t)
	in := sealTestPDF(1)
	tests := []struct {
		name string
		opts SealOptions
	}{
		{"B-B", SealOptions{Level: LevelBB}},
		{"B-T", SealOptions{Level: LevelBT}},
		{"B-LT", SealOptions{Level: LevelBLT}},
		{"B-LTA", SealOptions{Level: LevelBLTA}},
		{"B-B certified P=1", SealOptions{Level: LevelBB, Certify: CertifyNoChanges}},
		{"B-LTA certified P=1", SealOptions{Level: LevelBLTA, Certify: CertifyNoChanges}},
		{"B-B PKCS#7", SealOptions{Level: LevelBB, Format: FormatPKCS7}},
		{"B-B RSA-PSS SHA-384", SealOptions{Level: LevelBB, PSS: true, Hash: crypto.SHA384}},
		{"B-T visible", SealOptions{Level: LevelBT, Visible: &Visible{X: 300, Y: 50, W: 200, H: 80, Lines: []string{"Sealed"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := f.seal(t, in, tc.opts)
			rep := verifyBytes(t, out, VerifyOptions{Roots: f.pki.Roots()})
			if rep.Indication != TotalPassed {
				t.Fatalf("got %s/%s\n%s", rep.Indication, rep.SubIndication, summary(rep))
			}
			var sig *SignatureReport
			for i := range rep.Signatures {
				if rep.Signatures[i].Kind != "document timestamp" {
					sig = &rep.Signatures[i]
				}
			}
			if sig == nil {
				t.Fatal("no signature in the report")
			}
			wantLevel := tc.opts.Level.String()
			if tc.opts.Format == FormatPKCS7 {
				wantLevel = ""
			}
			if sig.Level != wantLevel {
				t.Errorf("level %q, want %q\n%s", sig.Level, wantLevel, summary(rep))
			}
			if tc.opts.Level >= LevelBLT && (sig.Revocation.Status != RevocationGood || sig.Revocation.Source != "DSS") {
				t.Errorf("revocation %+v, want good from the DSS", sig.Revocation)
			}
			if tc.opts.Certify > 0 && sig.CertificationLevel != tc.opts.Certify {
				t.Errorf("certification level %d", sig.CertificationLevel)
			}
			if sig.Visible != (tc.opts.Visible != nil) {
				t.Errorf("visible %v", sig.Visible)
			}
			rep = verifyBytes(t, out, VerifyOptions{})
			if rep.Indication != Indeterminate || rep.SubIndication != NoCertificateChainFound {
				t.Errorf("without the root: %s/%s", rep.Indication, rep.SubIndication)
			}
		})
	}
}

// TestVerifyLTVPastExpiry: a B-LTA seal stays valid after the seal
// certificate expired, because the timestamps prove when it was made;
// a B-B seal does not.
func TestVerifyLTVPastExpiry(t *testing.T) {
	f := newVerifyFixtureOpts(t, false)
	now := time.Now()
	leaf, err := f.pki.Issue(testpki.LeafOptions{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	in := sealTestPDF(1)
	later := now.Add(48 * time.Hour)
	opts := SealOptions{Level: LevelBLTA, TSA: &TSA{URL: f.tsa.URL}, Revocation: Revocation{PreferCRL: true}}
	lta := sealBytes(t, in, leaf.Signer(), opts)
	rep := verifyBytes(t, lta, VerifyOptions{Roots: f.pki.Roots(), Time: later})
	if rep.Indication != TotalPassed {
		t.Errorf("B-LTA after expiry: %s/%s\n%s", rep.Indication, rep.SubIndication, summary(rep))
	}
	if s := rep.Signatures[0]; s.TrustedAt.Equal(later) || s.TrustedAt.IsZero() || len(s.Notes) == 0 {
		t.Errorf("trusted at %v (validation time %v), notes %q", s.TrustedAt, later, s.Notes)
	}
	bb := sealBytes(t, in, leaf.Signer(), SealOptions{Level: LevelBB})
	rep = verifyBytes(t, bb, VerifyOptions{Roots: f.pki.Roots(), Time: later})
	if rep.Indication != Indeterminate || rep.SubIndication != OutOfBoundsNoPOE {
		t.Errorf("B-B after expiry: %s/%s", rep.Indication, rep.SubIndication)
	}
}

// TestVerifyRevoked: a seal certificate revoked before the signature's
// timestamp fails, found online (CRL) for a B-T seal, and the same from
// the DSS of a B-LT seal made after the revocation.
func TestVerifyRevoked(t *testing.T) {
	f := newVerifyFixtureOpts(t, false)
	in := sealTestPDF(1)
	out := f.seal(t, in, SealOptions{Level: LevelBT})
	rep := verifyBytes(t, out, VerifyOptions{Roots: f.pki.Roots(), Revocation: RevocationOnline})
	if rep.Indication != TotalPassed || rep.Signatures[0].Revocation.Status != RevocationGood || rep.Signatures[0].Revocation.Source != "online" {
		t.Errorf("before revocation: %s, %+v", rep.Indication, rep.Signatures[0].Revocation)
	}
	// Revoke the seal certificate half an hour before the timestamp.
	crl, err := f.pki.NewCRL([]*big.Int{f.pki.Seal.SerialNumber}, time.Now().Add(-30*time.Minute), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.rev.SetCRL(crl)
	rep = verifyBytes(t, out, VerifyOptions{Roots: f.pki.Roots()})
	if rep.Indication != TotalPassed || rep.Signatures[0].Revocation.Status != RevocationUnknown {
		t.Errorf("embedded only, a B-T seal has no revocation data: %s, %+v", rep.Indication, rep.Signatures[0].Revocation)
	}
	rep = verifyBytes(t, out, VerifyOptions{Roots: f.pki.Roots(), Revocation: RevocationOnline, OnlineTimeout: 5 * time.Second})
	if s := rep.Signatures[0]; rep.Indication != TotalFailed || rep.SubIndication != Revoked || s.Revocation.Status != RevocationRevoked || s.Revocation.Source != "online" {
		t.Errorf("online: %s/%s %+v", rep.Indication, rep.SubIndication, s.Revocation)
	}
}

// TestVerifyOnlineUnreachable: with the online policy and no answer, the
// verdict is INDETERMINATE / TRY_LATER within the timeout.
func TestVerifyOnlineUnreachable(t *testing.T) {
	p, err := testpki.New(testpki.Options{OCSPURL: testsvc.DeadURL(t), CRLURL: testsvc.DeadURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	out := sealBytes(t, sealTestPDF(1), p.SealSigner(), SealOptions{Level: LevelBB})
	start := time.Now()
	rep := verifyBytes(t, out, VerifyOptions{Roots: p.Roots(), Revocation: RevocationOnline, OnlineTimeout: time.Second})
	if rep.Indication != Indeterminate || rep.SubIndication != TryLater {
		t.Errorf("got %s/%s\n%s", rep.Indication, rep.SubIndication, summary(rep))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	rep = verifyBytes(t, out, VerifyOptions{Roots: p.Roots(), Revocation: RevocationNone})
	if rep.Indication != TotalPassed || rep.Signatures[0].Revocation.Status != RevocationNotChecked {
		t.Errorf("policy none: %s %+v", rep.Indication, rep.Signatures[0].Revocation)
	}
}

// TestVerifyAnnotationsUnderP3: a certification signature with P=3
// allows a sticky note, but not an annotation or a signature widget that
// draws over the page (evil annotation, sneaky signature); P=2 allows
// neither annotation.
func TestVerifyAnnotationsUnderP3(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	addAnnot := func(t *testing.T, sealed []byte, annot pdf.Dict, field bool) []byte {
		t.Helper()
		r, err := pdf.Open(bytes.NewReader(sealed), int64(len(sealed)), nil)
		if err != nil {
			t.Fatal(err)
		}
		pages, err := r.Pages()
		if err != nil {
			t.Fatal(err)
		}
		u := r.NewUpdate()
		if ap, ok := annot["AP"].(pdf.Dict); ok {
			annot["AP"] = pdf.Dict{"N": u.Add(&pdf.Stream{Dict: ap, Offset: -1, Data: []byte("1 1 1 rg 0 0 400 100 re f")})}
		}
		annot["P"] = pages[0]
		ref := u.Add(annot)
		pd, _ := r.Dict(pages[0])
		pd = pd.Clone()
		annots, _ := r.Resolve(pd["Annots"])
		arr, _ := annots.(pdf.Array)
		pd["Annots"] = append(append(pdf.Array{}, arr...), ref)
		u.Set(pages[0], pd)
		if field {
			cat, _, _ := r.Catalog()
			afRef, _ := cat["AcroForm"].(pdf.Ref)
			af, _ := r.Dict(cat["AcroForm"])
			af = af.Clone()
			fields, _ := r.Resolve(af["Fields"])
			fa, _ := fields.(pdf.Array)
			af["Fields"] = append(append(pdf.Array{}, fa...), ref)
			u.Set(afRef, af)
		}
		w, err := u.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return append(bytes.Clone(sealed), w.Data...)
	}
	form := pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(400), pdf.Int(100)}}
	note := func() pdf.Dict {
		return pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Text"), "Rect": pdf.Array{pdf.Int(20), pdf.Int(20), pdf.Int(40), pdf.Int(40)}, "Contents": pdf.String("checked")}
	}
	freeText := func() pdf.Dict {
		return pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("FreeText"), "Rect": pdf.Array{pdf.Int(72), pdf.Int(700), pdf.Int(472), pdf.Int(800)}, "DA": pdf.String("/Helv 12 Tf 0 g"), "AP": form.Clone()}
	}
	widget := func() pdf.Dict {
		return pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"), "T": pdf.String("Sneaky"), "Rect": pdf.Array{pdf.Int(72), pdf.Int(700), pdf.Int(472), pdf.Int(800)}, "F": pdf.Int(4), "AP": form.Clone()}
	}
	tests := []struct {
		name    string
		certify int
		annot   pdf.Dict
		field   bool
		ind     Indication
		class   ChangeClass
	}{
		{"P=3 sticky note", CertifyAnnotations, note(), false, TotalPassed, ChangeAnnotations},
		{"P=3 evil annotation", CertifyAnnotations, freeText(), false, TotalFailed, ChangeAnnotations},
		{"P=3 sneaky signature", CertifyAnnotations, widget(), true, TotalFailed, ChangeAnnotations},
		{"P=2 sticky note", CertifyFormFilling, note(), false, TotalFailed, ChangeAnnotations},
		{"approval sticky note", 0, note(), false, TotalFailed, ChangeAnnotations},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sealed := sealBytes(t, sealTestPDF(1), p.SealSigner(), SealOptions{Level: LevelBB, Certify: tc.certify})
			rep := verifyBytes(t, addAnnot(t, sealed, tc.annot, tc.field), VerifyOptions{Roots: p.Roots()})
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || s.Changes.Class != tc.class {
				t.Errorf("got %s, changes %s, want %s, %s\n%s", rep.Indication, s.Changes.Class, tc.ind, tc.class, summary(rep))
			}
			if tc.ind == TotalFailed && !strings.Contains(rep.Explanation, "page 1") {
				t.Errorf("explanation does not name the change: %s", rep.Explanation)
			}
		})
	}
}
