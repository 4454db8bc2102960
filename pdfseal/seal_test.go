package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testsvc"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/pdfseal/internal/validate"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// ltvFixture is a PKI whose certificates name a live OCSP responder and
// CRL server, and a TSA signing with the PKI's TSA key.
type ltvFixture struct {
	*sealFixture
	rev *testsvc.Revocation
	tsa *testsvc.TSA
}

func newLTVFixture(t *testing.T) *ltvFixture {
	t.Helper()
	rev := testsvc.NewRevocation(t)
	f := newSealFixture(t, testpki.Options{OCSPURL: rev.OCSPURL, CRLURL: rev.CRLURL})
	rev.Start(t, f.pki, f.dir)
	tsa := testsvc.StartOpenSSLTSA(t, f.pki, f.dir)
	return &ltvFixture{sealFixture: f, rev: rev, tsa: tsa}
}

type sigInfo struct {
	dict      pdf.Dict
	byteRange []int64
	contents  []byte
}

// signatures returns the signature dictionaries of the document, in
// field order, with their byte ranges.
func signatures(t testing.TB, data []byte) (*pdf.Reader, []sigInfo) {
	t.Helper()
	r, err := pdf.Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, _, _ := r.Catalog()
	af, _ := r.Dict(cat["AcroForm"])
	fo, _ := r.Resolve(af["Fields"])
	var out []sigInfo
	for _, f := range fo.(pdf.Array) {
		fd, _ := r.Dict(f)
		if fd.Name("FT") != "Sig" {
			continue
		}
		v, _ := r.Dict(fd["V"])
		si := sigInfo{dict: v}
		for _, x := range v["ByteRange"].(pdf.Array) {
			si.byteRange = append(si.byteRange, int64(x.(pdf.Int)))
		}
		si.contents = []byte(v["Contents"].(pdf.String))
		out = append(out, si)
	}
	return r, out
}

// signedDigest hashes the byte ranges of a signature.
func signedDigest(data []byte, br []int64) validate.DigestCheck {
	return func(h crypto.Hash) ([]byte, error) {
		hh := h.New()
		hh.Write(data[br[0] : br[0]+br[1]])
		hh.Write(data[br[2] : br[2]+br[3]])
		return hh.Sum(nil), nil
	}
}

// flipInSignedRange flips one byte of the first page's content stream.
func flipInSignedRange(t testing.TB, data []byte) []byte {
	t.Helper()
	i := bytes.Index(data, []byte("Certificate of conformity"))
	if i < 0 {
		t.Fatal("no text to flip")
	}
	bad := append([]byte(nil), data...)
	bad[i] ^= 0x01
	return bad
}

func TestSealLevels(t *testing.T) {
	t.Parallel()
	f := newLTVFixture(t)
	in := sealTestPDF(2)
	for _, level := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
		t.Run(level.String(), func(t *testing.T) {
			opts := SealOptions{Level: level, TSA: &TSA{URL: f.tsa.URL}, Reason: "Certificate issued", Location: "Köln"}
			var buf bytes.Buffer
			res, err := Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &buf, f.signer(), opts)
			if err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			if res.Level != level || len(res.Warnings) > 0 {
				t.Errorf("result level %v warnings %v", res.Level, res.Warnings)
			}
			if level <= LevelBT {
				mutoolUnchanged(t, out)
			}
			sigs := f.pdfsig(t, out)
			wantSigs := 1
			if level == LevelBLTA {
				wantSigs = 2
			}
			if len(sigs) != wantSigs {
				t.Fatalf("pdfsig: %d signatures, want %d", len(sigs), wantSigs)
			}
			if s := sigs[0]; s.Validation != "Signature is Valid." || s.CertValidation != "Certificate is Trusted." || s.Type != "ETSI.CAdES.detached" {
				t.Errorf("pdfsig: %+v", s)
			}
			// pdfsig reports the seal as covering the whole document when
			// nothing follows it (B-B, B-T); at B-LT and B-LTA the DSS and
			// the document time-stamp follow in their own revisions.
			if want := level <= LevelBT; sigs[0].Total != want {
				t.Errorf("pdfsig total document signed = %v, want %v", sigs[0].Total, want)
			}
			if level == LevelBLTA && !sigs[1].Total {
				t.Error("the document time-stamp does not cover the whole document")
			}

			r, ss := signatures(t, out)
			seal := ss[0]
			if seal.dict.Name("SubFilter") != "ETSI.CAdES.detached" || seal.dict["M"] == nil {
				t.Errorf("signature dictionary %v", seal.dict)
			}
			sd, err := validate.ParseSignedData(seal.contents)
			if err != nil {
				t.Fatal(err)
			}
			// /Contents is sized from the real signature and token.
			if pad := len(seal.contents) - len(bytes.TrimRight(seal.contents, "\x00")); pad > 200 {
				t.Errorf("/Contents has %d bytes of padding", pad)
			}
			v, err := sd.Verify(signedDigest(out, seal.byteRange), validate.Algorithms{})
			if err != nil {
				t.Fatalf("CMS: %v", err)
			}
			if !v.SigningTime.IsZero() || v.SigningCertAttr != "v2" {
				t.Errorf("PAdES attributes: signing time %v, signing certificate %q", v.SigningTime, v.SigningCertAttr)
			}
			// The signed revision ends where the next update starts.
			sealEnd := seal.byteRange[2] + seal.byteRange[3]
			revEnds := map[int64]bool{}
			for _, rv := range r.Revisions() {
				revEnds[rv.End] = true
			}
			if !revEnds[sealEnd] {
				t.Errorf("the seal's byte range ends at %d, not at a revision end", sealEnd)
			}
			if level >= LevelBLT {
				// mutool calls the DSS revision "edits since signing"; the
				// signed revision itself is unchanged.
				mutoolUnchanged(t, out[:sealEnd])
			}
			toks := sd.TimestampTokens()
			if (level >= LevelBT) != (len(toks) == 1) {
				t.Fatalf("%d signature time-stamps at %v", len(toks), level)
			}
			if len(toks) == 1 {
				ts, err := validate.VerifyTimestamp(toks[0], sd.Signature, validate.Algorithms{})
				if err != nil {
					t.Fatalf("signature time-stamp: %v", err)
				}
				if !ts.Signer.Cert.Equal(f.pki.TSA) || time.Since(ts.Time) > time.Minute || !res.SignatureTime.Equal(ts.Time) {
					t.Errorf("time-stamp by %v at %v (result %v)", ts.Signer.Cert.Subject, ts.Time, res.SignatureTime)
				}
			}
			cat, _, _ := r.Catalog()
			dss, _ := r.Dict(cat["DSS"])
			if (level >= LevelBLT) != (dss != nil) {
				t.Fatalf("DSS %v at %v", dss, level)
			}
			if dss != nil {
				certs := dssItems(t, r, dss, "Certs")
				ocsps := dssItems(t, r, dss, "OCSPs")
				var have []string
				for _, c := range certs {
					cert, err := x509.ParseCertificate(c)
					if err != nil {
						t.Fatal(err)
					}
					have = append(have, cert.Subject.CommonName)
				}
				for _, want := range []*x509.Certificate{f.pki.Seal, f.pki.CA, f.pki.TSA, f.pki.OCSP} {
					if !strings.Contains(strings.Join(have, "|"), want.Subject.CommonName) {
						t.Errorf("DSS certificates %q lack %q", have, want.Subject.CommonName)
					}
				}
				if len(ocsps) != 2 { // the seal's and the TSA's
					t.Errorf("DSS has %d OCSP responses, want 2", len(ocsps))
				}
				vri, _ := r.Dict(dss["VRI"])
				if len(vri) != 1 {
					t.Errorf("VRI %v", vri)
				}
			}
			if level == LevelBLTA {
				dts := ss[1]
				if dts.dict.Name("Type") != "DocTimeStamp" || dts.dict.Name("SubFilter") != "ETSI.RFC3161" {
					t.Errorf("document time-stamp dictionary %v", dts.dict)
				}
				if end := dts.byteRange[2] + dts.byteRange[3]; end != int64(len(out)) {
					t.Errorf("document time-stamp covers up to %d of %d", end, len(out))
				}
				if _, err := validate.VerifyTimestampDigest(dts.contents, signedDigest(out, dts.byteRange), validate.Algorithms{}); err != nil {
					t.Errorf("document time-stamp: %v", err)
				}
			}
			// Our own verifier agrees.
			rep, err := Verify(context.Background(), bytes.NewReader(out), int64(len(out)), VerifyOptions{Roots: f.pki.Roots()})
			if err != nil || rep.Indication != TotalPassed {
				t.Errorf("Verify: %v %v %v: %s", err, rep.Indication, rep.SubIndication, rep.Explanation)
			}
			// One flipped byte inside the signed range.
			bad := f.pdfsig(t, flipInSignedRange(t, out))
			if !strings.Contains(bad[0].Validation, "Digest Mismatch") {
				t.Errorf("tampered: pdfsig says %q, want Digest Mismatch", bad[0].Validation)
			}
		})
	}
}

func dssItems(t testing.TB, r *pdf.Reader, dss pdf.Dict, key pdf.Name) [][]byte {
	t.Helper()
	a, _ := r.Resolve(dss[key])
	var out [][]byte
	for _, x := range a.(pdf.Array) {
		o, err := r.Get(x.(pdf.Ref))
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.StreamData(o.(*pdf.Stream), 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestSealCertification(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	art := testAppearance(t)
	second, err := f.pki.Issue(testpki.LeafOptions{CommonName: "Approving Inspector"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{CertifyNoChanges, CertifyFormFilling, CertifyAnnotations} {
		for _, visible := range []bool{false, true} {
			name := map[bool]string{false: "invisible", true: "visible"}[visible]
			t.Run(name+"-P"+string(rune('0'+p)), func(t *testing.T) {
				opts := SealOptions{Certify: p}
				if visible {
					opts.Visible = &Visible{Page: 1, X: 400, Y: 60, W: 140, H: 160, Appearance: art, ShowSigner: true, ShowTime: true}
				}
				out := sealBytes(t, sealTestPDF(1), f.signer(), opts)
				f.requireValid(t, out, 1)
				r, ss := signatures(t, out)
				cat, _, _ := r.Catalog()
				perms, _ := r.Dict(cat["Perms"])
				sref, ok := perms["DocMDP"].(pdf.Ref)
				if !ok {
					t.Fatalf("catalog /Perms %v", perms)
				}
				sd, _ := r.Dict(sref)
				if !bytes.Equal(sd["Contents"].(pdf.String), ss[0].contents) {
					t.Error("/Perms /DocMDP is not the signature")
				}
				if got := docMDPPermission(r, sref); got != p {
					t.Errorf("DocMDP P = %d, want %d", got, p)
				}
				refs, _ := r.Resolve(sd["Reference"])
				ref0, _ := r.Dict(refs.(pdf.Array)[0])
				tp, _ := r.Dict(ref0["TransformParams"])
				if ref0.Name("Type") != "SigRef" || ref0.Name("TransformMethod") != "DocMDP" || tp.Name("V") != "1.2" || tp.Name("Type") != "TransformParams" {
					t.Errorf("reference %v params %v", ref0, tp)
				}
				rep, err := Verify(context.Background(), bytes.NewReader(out), int64(len(out)), VerifyOptions{Roots: f.pki.Roots()})
				if err != nil || rep.Indication != TotalPassed {
					t.Errorf("Verify: %v %v %v: %s", err, rep.Indication, rep.SubIndication, rep.Explanation)
				}
				// What may follow: an approval by another signer. (pdfsig
				// reports "Unknown issue with Certificate" for a second
				// signature by the same certificate, ours or pyHanko's.)
				var sink bytes.Buffer
				_, err = Seal(context.Background(), bytes.NewReader(out), int64(len(out)), &sink, second.Signer(), SealOptions{})
				if p == CertifyNoChanges {
					if !errors.Is(err, ErrLocked) || sink.Len() != 0 {
						t.Errorf("approval after P=1: %v (wrote %d bytes)", err, sink.Len())
					}
				} else {
					if err != nil {
						t.Fatalf("approval after P=%d: %v", p, err)
					}
					sigs := f.requireValid(t, sink.Bytes(), 2)
					rep, err := Verify(context.Background(), bytes.NewReader(sink.Bytes()), int64(sink.Len()), VerifyOptions{Roots: f.pki.Roots()})
					if err != nil || rep.Indication != TotalPassed {
						t.Errorf("Verify of the countersigned file: %v %v %v: %s", err, rep.Indication, rep.SubIndication, rep.Explanation)
					}
					if sigs[0].Total {
						t.Error("the certification signature claims to cover the countersignature")
					}
				}
				if _, err := Seal(context.Background(), bytes.NewReader(out), int64(len(out)), &sink, f.signer(), SealOptions{Certify: 2}); !errors.Is(err, ErrLocked) {
					t.Errorf("second certification: %v, want ErrLocked", err)
				}
			})
		}
	}
}

// testAppearance is the vector seal from render when a font is available,
// else a hand-made red disc.
func testAppearance(t testing.TB) *Appearance {
	a, err := SealAppearance(ecert.Body{Name: ecert.Text{"en": "Example Certification Body GmbH"}}, SealArtOptions{})
	if err == nil {
		return a
	}
	t.Logf("SealAppearance: %v; using a hand-made appearance", err)
	return &Appearance{Width: 100, Height: 100, Content: []byte("1 0 0 rg 50 50 m 100 50 l 50 100 l 0 50 l h f")}
}

func TestSealVisibleRendered(t *testing.T) {
	t.Parallel()
	testtool.Need(t, "pdftoppm")
	f := newSealFixture(t, testpki.Options{})
	var pngBuf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			img.Set(x, y, color.NRGBA{0, 0, 255, 255})
		}
	}
	png.Encode(&pngBuf, img)
	imgApp, err := ImageAppearance(&pngBuf)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		app  *Appearance
		want func(c color.RGBA) bool
	}{
		{"vector", testAppearance(t), func(c color.RGBA) bool { return c.R > 150 && c.G < 120 && c.B < 120 }},
		{"image", imgApp, func(c color.RGBA) bool { return c.B > 150 && c.R < 100 && c.G < 100 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Seal on page 2 at (300,100) 150x150 points, with text lines.
			out := sealBytes(t, sealTestPDF(2), f.signer(), SealOptions{Visible: &Visible{
				Page: 2, X: 300, Y: 100, W: 150, H: 150, Appearance: tc.app, Lines: []string{"Seal test"}, ShowTime: true,
			}})
			f.requireValid(t, out, 1)
			dir := t.TempDir()
			file := filepath.Join(dir, "v.pdf")
			os.WriteFile(file, out, 0o644)
			// 72 dpi: one pixel per point; PDF y up, image y down (842 high).
			if o, err := exec.Command("pdftoppm", "-r", "72", "-f", "2", "-l", "2", "-png", file, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, o)
			}
			matches, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
			if len(matches) != 1 {
				t.Fatalf("pdftoppm wrote %v", matches)
			}
			pf, _ := os.Open(matches[0])
			page, err := png.Decode(pf)
			pf.Close()
			if err != nil {
				t.Fatal(err)
			}
			count := func(x0, y0, x1, y1 int) int {
				n := 0
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						r, g, b, _ := page.At(x, y).RGBA()
						if tc.want(color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}) {
							n++
						}
					}
				}
				return n
			}
			inside := count(300, 842-250, 450, 842-100)
			outside := count(0, 0, 290, 842)
			if inside < 500 || outside > 0 {
				t.Errorf("seal colour: %d pixels inside the box, %d left of it", inside, outside)
			}
			// The text lines are drawn (dark pixels in the lower part of the box).
			dark := 0
			for y := 842 - 115; y < 842-100; y++ {
				for x := 300; x < 450; x++ {
					r, g, b, _ := page.At(x, y).RGBA()
					if r < 0x4000 && g < 0x4000 && b < 0x4000 {
						dark++
					}
				}
			}
			if dark < 10 {
				t.Errorf("no text under the seal (%d dark pixels)", dark)
			}
		})
	}
}

func TestSealTwice(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	other, err := f.pki.Issue(testpki.LeafOptions{CommonName: "Second Signer", KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	once := sealBytes(t, sealTestPDF(1), f.signer(), SealOptions{Visible: &Visible{X: 50, Y: 50, W: 100, H: 40, ShowSigner: true}})
	twice := sealBytes(t, once, other.Signer(), SealOptions{Format: FormatPKCS7})
	sigs := f.requireValid(t, twice, 2)
	if sigs[0].Total || !sigs[1].Total {
		t.Errorf("coverage: first %v, second %v", sigs[0].Total, sigs[1].Total)
	}
	var sink bytes.Buffer
	if _, err := Seal(context.Background(), bytes.NewReader(once), int64(len(once)), &sink, f.signer(), SealOptions{Certify: 2}); !errors.Is(err, ErrLocked) {
		t.Errorf("certifying a signed document: %v, want ErrLocked", err)
	}
	if sigs[0].Field != "Seal1" || sigs[1].Field != "Seal2" || sigs[1].Type != "adbe.pkcs7.detached" {
		t.Errorf("fields %q %q type %q", sigs[0].Field, sigs[1].Field, sigs[1].Type)
	}
	// adbe.pkcs7.detached carries the signing time in the CMS.
	_, ss := signatures(t, twice)
	sd, _ := validate.ParseSignedData(ss[1].contents)
	v, err := sd.Verify(signedDigest(twice, ss[1].byteRange), validate.Algorithms{})
	if err != nil || v.SigningTime.IsZero() {
		t.Errorf("pkcs7 signature: %v, signing time %v", err, v.SigningTime)
	}
}

func TestSealKeyTypes(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	for _, tc := range []struct {
		name string
		kt   testpki.KeyType
		pss  bool
		nss  bool // NSS (pdfsig) supports it
	}{
		{"rsa-pss", testpki.RSA2048, true, true},
		{"ecdsa-p256", testpki.ECDSAP256, false, true},
		{"ecdsa-p384", testpki.ECDSAP384, false, true},
		{"ed25519", testpki.Ed25519, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaf, err := f.pki.Issue(testpki.LeafOptions{KeyType: tc.kt})
			if err != nil {
				t.Fatal(err)
			}
			out := sealBytes(t, sealTestPDF(1), leaf.Signer(), SealOptions{PSS: tc.pss})
			_, ss := signatures(t, out)
			sd, err := validate.ParseSignedData(ss[0].contents)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sd.Verify(signedDigest(out, ss[0].byteRange), validate.Algorithms{}); err != nil {
				t.Fatalf("CMS: %v", err)
			}
			switch {
			case tc.pss:
				// mupdf verifies with OpenSSL's PKCS7 API, which has no PSS.
				f.requirePdfsigValid(t, out, 1)
			case tc.nss:
				f.requireValid(t, out, 1)
			}
		})
	}
}

func TestSealContentsSize(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	out := sealBytes(t, sealTestPDF(1), f.signer(), SealOptions{})
	_, ss := signatures(t, out)
	sd, _ := validate.ParseSignedData(ss[0].contents)
	_ = sd
	// The reservation is the exact size of an RSA signature: no padding.
	trimmed := bytes.TrimRight(ss[0].contents, "\x00")
	if pad := len(ss[0].contents) - len(trimmed); pad > 16 {
		t.Errorf("/Contents has %d bytes of padding for %d bytes of signature", pad, len(trimmed))
	}
}

func TestSealXrefStreamInput(t *testing.T) {
	t.Parallel()
	testtool.Need(t, "qpdf")
	f := newSealFixture(t, testpki.Options{})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.pdf"), sealTestPDF(3), 0o644)
	if o, err := exec.Command("qpdf", "--object-streams=generate", filepath.Join(dir, "in.pdf"), filepath.Join(dir, "os.pdf")).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, o)
	}
	in, _ := os.ReadFile(filepath.Join(dir, "os.pdf"))
	out := sealBytes(t, in, f.signer(), SealOptions{Certify: 2, Visible: &Visible{Page: 3, X: 10, Y: 10, W: 80, H: 80, Appearance: testAppearance(t)}})
	f.requireValid(t, out, 1)
	r, _ := signatures(t, out)
	if r.XrefKind() != pdf.XrefStream {
		t.Error("the update after an xref stream is not an xref stream")
	}
	os.WriteFile(filepath.Join(dir, "out.pdf"), out, 0o644)
	if o, err := exec.Command("qpdf", "--check", filepath.Join(dir, "out.pdf")).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, o)
	}
}

func TestSealInterop(t *testing.T) {
	t.Parallel()
	dir := testtool.Shared(t, "interop")
	f := newSealFixture(t, testpki.Options{})
	nss := f.nss(t)
	if o, err := exec.Command("certutil", "-A", "-d", "sql:"+nss, "-n", "interop-root", "-t", "C,C,C", "-i", filepath.Join(dir, "test-root.crt")).CombinedOutput(); err != nil {
		t.Fatalf("certutil: %v %s", err, o)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	for _, file := range files {
		name := filepath.Base(file)
		if strings.Contains(name, "tampered") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			before := f.pdfsig(t, in)
			r, err := pdf.Open(bytes.NewReader(in), int64(len(in)), nil)
			if err != nil {
				t.Fatal(err)
			}
			cat, _, _ := r.Catalog()
			perms, _ := r.Dict(cat["Perms"])
			p1 := perms != nil && docMDPPermission(r, perms["DocMDP"]) == 1
			var buf bytes.Buffer
			_, err = Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &buf, f.signer(),
				SealOptions{Visible: &Visible{X: 20, Y: 20, W: 120, H: 60, ShowSigner: true, ShowTime: true}})
			if p1 {
				if !errors.Is(err, ErrLocked) {
					t.Fatalf("sealing a P=1 certified file: %v, want ErrLocked", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := buf.Bytes()
			mutoolUnchanged(t, out)
			sigs := f.pdfsig(t, out)
			if len(sigs) != len(before)+1 {
				t.Fatalf("%d signatures after sealing, %d before", len(sigs), len(before))
			}
			// Every earlier signature reads as it did before (pdfsig's
			// certificate verdict on pyHanko's adbe.pkcs7 signatures is
			// "Unknown issue" already in the input).
			for i := range before {
				if sigs[i].Validation != before[i].Validation || sigs[i].CertValidation != before[i].CertValidation {
					t.Errorf("signature #%d: %q/%q before, %q/%q after", i+1, before[i].Validation, before[i].CertValidation, sigs[i].Validation, sigs[i].CertValidation)
				}
				if sigs[i].Validation != "Signature is Valid." {
					t.Errorf("signature #%d: %q", i+1, sigs[i].Validation)
				}
			}
			if s := sigs[len(sigs)-1]; s.Validation != "Signature is Valid." || s.CertValidation != "Certificate is Trusted." || !s.Total {
				t.Errorf("the new seal: %+v", s)
			}
		})
	}
}

func TestSealRenderedCertificate(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	data, err := os.ReadFile(testtool.Testdata("good_ccc.json"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ecert.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var pdfBuf bytes.Buffer
	if err := Render(context.Background(), cert, &pdfBuf, RenderOptions{NoSeal: true}); err != nil {
		t.Skipf("render: %v", err)
	}
	art, err := SealAppearance(cert.IssuingBody, SealArtOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := sealBytes(t, pdfBuf.Bytes(), f.signer(), SealOptions{Certify: 1, Visible: &Visible{Page: 1, X: 400, Y: 80, W: 120, H: 120, Appearance: art}})
	f.requireValid(t, out, 1)
}

type brokenSigner struct {
	signer.Signer
	err error
}

func (b brokenSigner) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	return nil, b.err
}

func TestSealBadInput(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	in := sealTestPDF(1)
	ctx := context.Background()
	try := func(in []byte, s signer.Signer, opts SealOptions) error {
		var buf bytes.Buffer
		_, err := Seal(ctx, bytes.NewReader(in), int64(len(in)), &buf, s, opts)
		if err != nil && buf.Len() != 0 {
			t.Errorf("%v: %d bytes written on error", err, buf.Len())
		}
		if err != nil && !strings.HasPrefix(err.Error(), "pdfseal: seal: ") {
			t.Errorf("error %q lacks the prefix", err)
		}
		return err
	}
	x := bytes.LastIndex(in, []byte("startxref"))
	brokenXref := append(append([]byte(nil), in[:x]...), "startxref\n12\n%%EOF\n"...)
	if err := try(brokenXref, f.signer(), SealOptions{}); !errors.Is(err, ErrInvalidPDF) {
		t.Errorf("broken xref: %v", err)
	}
	if err := try([]byte("not a pdf"), f.signer(), SealOptions{}); !errors.Is(err, ErrInvalidPDF) {
		t.Errorf("not a PDF: %v", err)
	}
	if err := try(in, brokenSigner{f.signer(), errors.New("token removed")}, SealOptions{}); err == nil || !strings.Contains(err.Error(), "token removed") {
		t.Errorf("failing signer: %v", err)
	} else {
		var se *SignerError
		if !errors.As(err, &se) {
			t.Errorf("failing signer: %T is not a *SignerError", err)
		}
	}
	if err := try(in, f.signer(), SealOptions{Level: LevelBT}); !errors.Is(err, ErrOptions) {
		t.Errorf("B-T without TSA: %v", err)
	}
	if err := try(in, f.signer(), SealOptions{Certify: 4}); !errors.Is(err, ErrOptions) {
		t.Errorf("certify 4: %v", err)
	}
	if err := try(in, f.signer(), SealOptions{Visible: &Visible{Page: 9, W: 10, H: 10}}); !errors.Is(err, ErrOptions) {
		t.Errorf("page 9: %v", err)
	}
	if testtool.Need(t, "qpdf") != nil {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "in.pdf"), in, 0o644)
		if o, err := exec.Command("qpdf", "--encrypt", "user", "owner", "256", "--", filepath.Join(dir, "in.pdf"), filepath.Join(dir, "enc.pdf")).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v %s", err, o)
		}
		enc, _ := os.ReadFile(filepath.Join(dir, "enc.pdf"))
		if err := try(enc, f.signer(), SealOptions{}); !errors.Is(err, ErrEncrypted) {
			t.Errorf("encrypted: %v", err)
		}
	}
}

func TestSealServicesDown(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	in := sealTestPDF(1)
	dead := testsvc.DeadURL(t)
	hanging := testsvc.HangingURL(t)
	seal := func(ctx context.Context, opts SealOptions) (*SealResult, []byte, error) {
		var buf bytes.Buffer
		res, err := Seal(ctx, bytes.NewReader(in), int64(len(in)), &buf, f.signer(), opts)
		return res, buf.Bytes(), err
	}
	_, _, err := seal(context.Background(), SealOptions{Level: LevelBT, TSA: &TSA{URL: dead}})
	var se *ServiceError
	if !errors.As(err, &se) || se.Service != "TSA" || se.URL != dead || !strings.Contains(err.Error(), "TSA "+dead) {
		t.Errorf("dead TSA: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = seal(ctx, SealOptions{Level: LevelBT, TSA: &TSA{URL: hanging}})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("hanging TSA: returned after %v", el)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &se) || se.Service != "TSA" {
		t.Errorf("hanging TSA: %v", err)
	}
	// The per-service timeout holds without a context deadline too.
	start = time.Now()
	_, _, err = seal(context.Background(), SealOptions{Level: LevelBT, TSA: &TSA{URL: hanging, Timeout: 500 * time.Millisecond}})
	if el := time.Since(start); el > 3*time.Second || err == nil {
		t.Errorf("TSA timeout: %v after %v", err, el)
	}
	// Fallback to B-B when asked.
	res, out, err := seal(context.Background(), SealOptions{Level: LevelBT, TSA: &TSA{URL: dead}, Fallback: true})
	if err != nil || res.Level != LevelBB || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "TSA") {
		t.Fatalf("fallback: %v %+v", err, res)
	}
	f.requireValid(t, out, 1)
}

func TestSealRevocation(t *testing.T) {
	t.Parallel()
	rev := testsvc.NewRevocation(t)
	f := newSealFixture(t, testpki.Options{OCSPURL: rev.OCSPURL, CRLURL: rev.CRLURL})
	revoked, err := f.pki.Issue(testpki.LeafOptions{CommonName: "Revoked Seal"})
	if err != nil {
		t.Fatal(err)
	}
	rev.Start(t, f.pki, f.dir, revoked.Cert)
	tsa := testsvc.StartOpenSSLTSA(t, f.pki, f.dir)
	in := sealTestPDF(1)
	var buf bytes.Buffer
	_, err = Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &buf, revoked.Signer(), SealOptions{Level: LevelBLT, TSA: &TSA{URL: tsa.URL}})
	if !errors.Is(err, ErrRevoked) || buf.Len() != 0 {
		t.Errorf("revoked seal: %v", err)
	}
	// CRLs instead of OCSP.
	out := sealBytes(t, in, f.signer(), SealOptions{Level: LevelBLT, TSA: &TSA{URL: tsa.URL}, Revocation: Revocation{PreferCRL: true}})
	r, _ := signatures(t, out)
	cat, _, _ := r.Catalog()
	dss, _ := r.Dict(cat["DSS"])
	if crls := dssItems(t, r, dss, "CRLs"); len(crls) != 1 || !bytes.Equal(crls[0], f.pki.CRL) {
		t.Errorf("DSS CRLs: %d", len(crls))
	}
	if rev.CRLRequests.Load() == 0 {
		t.Error("the CRL was not fetched")
	}
}

func TestSealOCSPDown(t *testing.T) {
	t.Parallel()
	dead := testsvc.DeadURL(t)
	f := newSealFixture(t, testpki.Options{OCSPURL: dead})
	tsa := testsvc.StartOpenSSLTSA(t, f.pki, f.dir)
	in := sealTestPDF(1)
	var buf bytes.Buffer
	_, err := Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &buf, f.signer(), SealOptions{Level: LevelBLT, TSA: &TSA{URL: tsa.URL}})
	var se *ServiceError
	if !errors.As(err, &se) || se.Service != "OCSP" || se.URL != dead {
		t.Errorf("OCSP down: %v", err)
	}
	res, err := Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &buf, f.signer(), SealOptions{Level: LevelBLTA, TSA: &TSA{URL: tsa.URL}, Fallback: true})
	if err != nil || res.Level != LevelBT || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "OCSP") {
		t.Fatalf("fallback: %v %+v", err, res)
	}
	// pdfsig would try the dead responder itself; check integrity and the CMS.
	out := buf.Bytes()
	mutoolUnchanged(t, out)
	r, ss := signatures(t, out)
	if len(ss) != 1 || len(r.Revisions()) != 2 {
		t.Errorf("%d signatures, %d revisions", len(ss), len(r.Revisions()))
	}
	sd, _ := validate.ParseSignedData(ss[0].contents)
	if _, err := sd.Verify(signedDigest(out, ss[0].byteRange), validate.Algorithms{}); err != nil || len(sd.TimestampTokens()) != 1 {
		t.Errorf("CMS: %v", err)
	}
}

func TestSigstoreTSA(t *testing.T) {
	t.Parallel()
	f := newSealFixture(t, testpki.Options{})
	tsa := testsvc.StartSigstoreTSA(t)
	out := sealBytes(t, sealTestPDF(1), f.signer(), SealOptions{Level: LevelBT, TSA: &TSA{URL: tsa.URL}})
	f.requireValid(t, out, 1)
	_, ss := signatures(t, out)
	sd, _ := validate.ParseSignedData(ss[0].contents)
	toks := sd.TimestampTokens()
	if len(toks) != 1 {
		t.Fatalf("%d tokens", len(toks))
	}
	ts, err := validate.VerifyTimestamp(toks[0], sd.Signature, validate.Algorithms{})
	if err != nil || !ts.Signer.Cert.Equal(tsa.Chain[0]) {
		t.Errorf("token: %v", err)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"B-B": LevelBB, "b-t": LevelBT, "B-LT": LevelBLT, "LTA": LevelBLTA, "PAdES-B-LTA": LevelBLTA} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
		if want.String() == "" {
			t.Error("empty String")
		}
	}
	if _, err := ParseLevel("B-X"); err == nil {
		t.Error("B-X accepted")
	}
}

// The reservation grows when a signature outgrows it, and gives up with
// ErrContentsTooSmall when it keeps growing.
func TestSealReservationRetry(t *testing.T) {
	t.Parallel()
	in := sealTestPDF(1)
	for _, tc := range []struct {
		name    string
		sizes   []int // DER sizes returned by successive sign calls
		wantErr error
	}{
		{"fits", []int{90}, nil},
		{"grows once", []int{150, 150}, nil},
		{"keeps growing", []int{150, 1200, 5000}, ErrContentsTooSmall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &doc{in: bytes.NewReader(in), size: int64(len(in))}
			r, err := d.open()
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			sp := &sigParams{kind: sigDocTimestamp, hash: crypto.SHA256,
				reserve: func() (int, error) { return 100, nil },
				sign: func(digest []byte, h crypto.Hash) ([]byte, error) {
					n := tc.sizes[min(calls, len(tc.sizes)-1)]
					calls++
					return bytes.Repeat([]byte{0xab}, n), nil
				},
			}
			upd, err := addSignature(context.Background(), d, r, sp)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if len(d.parts) != 0 {
					t.Error("a failed signature left an update")
				}
				return
			}
			if calls != len(tc.sizes) {
				t.Errorf("%d sign calls, want %d", calls, len(tc.sizes))
			}
			_, ss := signatures(t, append(append([]byte(nil), in...), d.parts[0]...))
			want := bytes.Repeat([]byte{0xab}, tc.sizes[len(tc.sizes)-1])
			if !bytes.HasPrefix(ss[0].contents, want) || upd.cj-upd.ci-2 < 2*len(want) {
				t.Errorf("contents %x...", ss[0].contents[:8])
			}
		})
	}
}

func TestSealOCSPSlow(t *testing.T) {
	t.Parallel()
	hanging := testsvc.HangingURL(t)
	f := newSealFixture(t, testpki.Options{OCSPURL: hanging})
	tsa := testsvc.StartOpenSSLTSA(t, f.pki, f.dir)
	in := sealTestPDF(1)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	var buf bytes.Buffer
	_, err := Seal(ctx, bytes.NewReader(in), int64(len(in)), &buf, f.signer(), SealOptions{Level: LevelBLT, TSA: &TSA{URL: tsa.URL}})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("returned after %v", el)
	}
	var se *ServiceError
	if !errors.As(err, &se) || se.Service != "OCSP" || se.URL != hanging || !errors.Is(err, context.DeadlineExceeded) || buf.Len() != 0 {
		t.Errorf("slow OCSP: %v", err)
	}
	// Revocation.Timeout bounds each request without a context deadline.
	start = time.Now()
	_, err = Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &buf, f.signer(), SealOptions{Level: LevelBLT, TSA: &TSA{URL: tsa.URL}, Revocation: Revocation{Timeout: 400 * time.Millisecond}})
	if el := time.Since(start); el > 3*time.Second || !errors.As(err, &se) {
		t.Errorf("OCSP timeout: %v after %v", err, el)
	}
}
