package pdfseal

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

var genVerify = flag.Bool("genverify", false, "regenerate testdata/verify from ../shared/interop")

// TestGenerateVerifyTestdata writes the good_/fail_ files of
// testdata/verify: attacks built on two pyHanko-signed files of the
// shared interop set (approval, and certification with DocMDP P=2).
// Run with -genverify; the files are committed.
func TestGenerateVerifyTestdata(t *testing.T) {
	if !*genVerify {
		t.Skip("run with -genverify to regenerate testdata/verify")
	}
	dir := testtool.Shared(t, "interop")
	approval, err := os.ReadFile(filepath.Join(dir, "pyhanko-pades-approval.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	certified, err := os.ReadFile(filepath.Join(dir, "pyhanko-pades-certified.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("testdata", "verify")
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good_pyhanko_approval.pdf", approval)
	write("good_pyhanko_certified_p2.pdf", certified)
	write("good_approval_trailing_newline.pdf", append(bytes.Clone(approval), '\n'))

	// --- universal signature forgery and signature wrapping (in place) ---
	edit := func(src []byte, old, new string) []byte {
		t.Helper()
		if len(old) != len(new) {
			t.Fatalf("edit %q -> %q changes the length", old, new)
		}
		i := bytes.Index(src, []byte(old))
		if i < 0 {
			t.Fatalf("edit: %q not found", old)
		}
		b := bytes.Clone(src)
		copy(b[i:], new)
		return b
	}
	br := "/ByteRange [ 00000000 00002745 00010369 00000666 ]"
	write("fail_byterange_missing.pdf", edit(approval, "/ByteRange", "/ByteRangX"))
	write("fail_byterange_not_from_zero.pdf", edit(approval, br, "/ByteRange [ 00000001 00002744 00010369 00000666 ]"))
	write("fail_byterange_wrapping.pdf", edit(approval, br, "/ByteRange [ 00000000 00002735 00010369 00000666 ]"))
	write("fail_byterange_overlap.pdf", edit(approval, br, "/ByteRange [ 00000000 00002745 00002700 00008335 ]"))
	write("fail_byterange_100mb_claim.pdf", edit(approval, br, "/ByteRange [ 00000000 00002745 00010369 99999999 ]"))
	// The signature value: all zeros (an empty claim), random hex, and a
	// well-formed SignedData without any signer.
	gapStart, gapEnd := 2745+1, 10369-1
	zero := bytes.Clone(approval)
	for i := gapStart; i < gapEnd; i++ {
		zero[i] = '0'
	}
	write("fail_contents_zero.pdf", zero)
	rnd := rand.New(rand.NewSource(6))
	garbage := bytes.Clone(approval)
	for i := gapStart; i < gapEnd; i++ {
		garbage[i] = "0123456789abcdef"[rnd.Intn(16)]
	}
	write("fail_contents_garbage.pdf", garbage)
	empty := bytes.Clone(zero)
	copy(empty[gapStart:], hex.EncodeToString(emptySignedData(t)))
	write("fail_contents_no_signer.pdf", empty)
	// One byte of the page content changed inside the signed range.
	tampered := bytes.Clone(approval)
	tampered[300] ^= 0x01
	write("fail_tampered_byte.pdf", tampered)
	// The document before it was signed: no signature at all.
	if i := bytes.Index(approval, []byte("%%EOF")); i > 0 {
		write("fail_unsigned.pdf", approval[:i+6])
	}
	write("fail_appended_garbage.pdf", append(bytes.Clone(approval), []byte("\n9 0 obj\n<< /Type /Annot >>\nendobj\n")...))

	// --- incremental saving and shadow attacks on the certified file ---
	// Objects: 1 catalog, 2 pages, 3 page, 4 content, 5 font F1,
	// 7 AcroForm, 8 signature field, 9 signature value, 10 info.
	update := func(name string, fn func(u *pdf.Update, r *pdf.Reader)) {
		t.Helper()
		r, err := pdf.Open(bytes.NewReader(certified), int64(len(certified)), nil)
		if err != nil {
			t.Fatal(err)
		}
		u := r.NewUpdate()
		fn(u, r)
		w, err := u.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		write(name, append(bytes.Clone(certified), w.Data...))
	}
	page := func(r *pdf.Reader) pdf.Dict {
		d, err := r.Dict(pdf.Ref{Num: 3})
		if err != nil || d == nil {
			t.Fatalf("page: %v", err)
		}
		return d.Clone()
	}
	content := func(s string) *pdf.Stream {
		return &pdf.Stream{Dict: pdf.Dict{}, Offset: -1, Data: []byte(s)}
	}
	update("fail_shadow_replace_content.pdf", func(u *pdf.Update, r *pdf.Reader) {
		u.Set(pdf.Ref{Num: 4}, content("BT /F1 24 Tf 72 720 Td (Certificate REVOKED - do not accept) Tj ET"))
	})
	update("fail_shadow_replace_font.pdf", func(u *pdf.Update, r *pdf.Reader) {
		u.Set(pdf.Ref{Num: 5}, pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Courier")})
	})
	update("fail_shadow_overlay_xobject.pdf", func(u *pdf.Update, r *pdf.Reader) {
		x := u.Add(&pdf.Stream{Dict: pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(595), pdf.Int(842)}}, Offset: -1,
			Data: []byte("1 1 1 rg 0 0 595 842 re f")})
		c := u.Add(content("/Ov Do"))
		p := page(r)
		p["Contents"] = pdf.Array{pdf.Ref{Num: 4}, c}
		p["Resources"] = pdf.Dict{"Font": pdf.Dict{"F1": pdf.Ref{Num: 5}}, "XObject": pdf.Dict{"Ov": x}}
		u.Set(pdf.Ref{Num: 3}, p)
	})
	update("fail_shadow_hide_delete.pdf", func(u *pdf.Update, r *pdf.Reader) {
		u.Set(pdf.Ref{Num: 4}, nil)
	})
	update("fail_evil_annotation.pdf", func(u *pdf.Update, r *pdf.Reader) {
		ap := u.Add(&pdf.Stream{Dict: pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(400), pdf.Int(100)}}, Offset: -1,
			Data: []byte("1 1 1 rg 0 0 400 100 re f BT /Helv 20 Tf 0 0 0 rg 10 40 Td (Valid until 2099) Tj ET")})
		an := u.Add(pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("FreeText"), "Rect": pdf.Array{pdf.Int(50), pdf.Int(650), pdf.Int(450), pdf.Int(750)},
			"Contents": pdf.String("Valid until 2099"), "DA": pdf.String("/Helv 20 Tf 0 g"), "AP": pdf.Dict{"N": ap}, "P": pdf.Ref{Num: 3}, "F": pdf.Int(4)})
		p := page(r)
		p["Annots"] = pdf.Array{pdf.Ref{Num: 8}, an}
		u.Set(pdf.Ref{Num: 3}, p)
	})
	update("fail_sneaky_signature.pdf", func(u *pdf.Update, r *pdf.Reader) {
		ap := u.Add(&pdf.Stream{Dict: pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(400), pdf.Int(100)}}, Offset: -1,
			Data: []byte("1 1 1 rg 0 0 400 100 re f")})
		f := u.Add(pdf.Dict{"FT": pdf.Name("Sig"), "T": pdf.String("Seal2"), "Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"),
			"Rect": pdf.Array{pdf.Int(50), pdf.Int(650), pdf.Int(450), pdf.Int(750)}, "F": pdf.Int(4), "P": pdf.Ref{Num: 3}, "AP": pdf.Dict{"N": ap}})
		p := page(r)
		p["Annots"] = pdf.Array{pdf.Ref{Num: 8}, f}
		u.Set(pdf.Ref{Num: 3}, p)
		u.Set(pdf.Ref{Num: 7}, pdf.Dict{"Fields": pdf.Array{pdf.Ref{Num: 8}, f}, "SigFlags": pdf.Int(3)})
	})
	update("good_certified_empty_signature_field.pdf", func(u *pdf.Update, r *pdf.Reader) {
		f := u.Add(pdf.Dict{"FT": pdf.Name("Sig"), "T": pdf.String("Seal2"), "Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"),
			"Rect": pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)}, "F": pdf.Int(132), "P": pdf.Ref{Num: 3}})
		p := page(r)
		p["Annots"] = pdf.Array{pdf.Ref{Num: 8}, f}
		u.Set(pdf.Ref{Num: 3}, p)
		u.Set(pdf.Ref{Num: 7}, pdf.Dict{"Fields": pdf.Array{pdf.Ref{Num: 8}, f}, "SigFlags": pdf.Int(3)})
	})
	update("good_certified_dss.pdf", func(u *pdf.Update, r *pdf.Reader) {
		signer, err := os.ReadFile(filepath.Join(dir, "test-signer.crt"))
		if err != nil {
			t.Fatal(err)
		}
		der := pemBody(t, signer)
		cs := u.Add(&pdf.Stream{Dict: pdf.Dict{}, Offset: -1, Data: der})
		dss := u.Add(pdf.Dict{"Type": pdf.Name("DSS"), "Certs": pdf.Array{cs}})
		cat, _, _ := r.Catalog()
		c := cat.Clone()
		c["DSS"] = dss
		u.Set(pdf.Ref{Num: 1}, c)
	})
	update("fail_catalog_openaction.pdf", func(u *pdf.Update, r *pdf.Reader) {
		cat, _, _ := r.Catalog()
		c := cat.Clone()
		c["OpenAction"] = pdf.Dict{"S": pdf.Name("JavaScript"), "JS": pdf.String("app.alert('valid')")}
		u.Set(pdf.Ref{Num: 1}, c)
	})
	update("fail_signature_dictionary_redefined.pdf", func(u *pdf.Update, r *pdf.Reader) {
		sig, _ := r.Dict(pdf.Ref{Num: 9})
		s := sig.Clone()
		s["Reason"] = pdf.String("approved")
		u.Set(pdf.Ref{Num: 9}, s)
	})
	update("fail_page_content_appended.pdf", func(u *pdf.Update, r *pdf.Reader) {
		// A second content stream appended to the page's /Contents.
		c := u.Add(content("BT /F1 30 Tf 72 500 Td (APPROVED) Tj ET"))
		p := page(r)
		p["Contents"] = pdf.Array{pdf.Ref{Num: 4}, c}
		u.Set(pdf.Ref{Num: 3}, p)
	})
	t.Logf("wrote %s", out)
}

func pemBody(t *testing.T, b []byte) []byte {
	t.Helper()
	i := bytes.Index(b, []byte("-----BEGIN CERTIFICATE-----"))
	j := bytes.Index(b, []byte("-----END CERTIFICATE-----"))
	if i < 0 || j < 0 {
		t.Fatal("no PEM certificate")
	}
	body := bytes.ReplaceAll(bytes.ReplaceAll(b[i+27:j], []byte("\n"), nil), []byte("\r"), nil)
	der := make([]byte, len(body))
	n, err := base64Decode(der, body)
	if err != nil {
		t.Fatal(err)
	}
	return der[:n]
}

// emptySignedData is a ContentInfo with a SignedData that has no signer.
func emptySignedData(t *testing.T) []byte {
	type encap struct{ Type asn1.ObjectIdentifier }
	type sd struct {
		Version    int
		DigestAlgs asn1.RawValue
		Encap      encap
		Signers    asn1.RawValue
	}
	set := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: []byte{}}
	inner, err := asn1.Marshal(sd{Version: 1, DigestAlgs: set, Encap: encap{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}}, Signers: set})
	if err != nil {
		t.Fatal(err)
	}
	ci, err := asn1.Marshal(struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}, asn1.RawValue{FullBytes: inner}})
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

func base64Decode(dst, src []byte) (int, error) { return base64.StdEncoding.Decode(dst, src) }
