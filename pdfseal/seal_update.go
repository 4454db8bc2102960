package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

type sigKind int

const (
	sigApproval sigKind = iota
	sigCertification
	sigDocTimestamp
)

// sigParams describe one signature field to add.
type sigParams struct {
	kind  sigKind
	opts  *SealOptions // nil for document time-stamps
	chain []*x509.Certificate
	field string
	hash  crypto.Hash
	// reserve returns the DER size to reserve in /Contents.
	reserve func() (int, error)
	// sign returns the DER for /Contents over the ByteRange digest.
	sign func(digest []byte, h crypto.Hash) ([]byte, error)
}

// sigUpdate is an appended update holding a signature.
type sigUpdate struct {
	field  string
	data   []byte
	ci, cj int // /Contents hex string: data[ci] == '<', data[cj-1] == '>'
}

// contents returns the /Contents bytes as a reader decodes them (the DER
// followed by zero padding).
func (u *sigUpdate) contents(der []byte) []byte {
	b := make([]byte, (u.cj-u.ci-2)/2)
	copy(b, der)
	return b
}

const maxSignAttempts = 3

// addSignature appends an update with the signature described by sp: it
// reserves /Contents, hashes the byte ranges, signs, and patches the
// signature in. When the signature outgrows the reservation (a TSA token
// larger than its probe), it starts over with more room.
func addSignature(ctx context.Context, d *doc, r *pdf.Reader, sp *sigParams) (*sigUpdate, error) {
	extra := 0
	for attempt := 0; ; attempt++ {
		reserve, err := sp.reserve()
		if err != nil {
			return nil, err
		}
		reserve += extra
		upd, err := buildSigUpdate(r, sp, reserve)
		if err != nil {
			return nil, err
		}
		base := d.total()
		total := base + int64(len(upd.data))
		a := base + int64(upd.ci)
		b := base + int64(upd.cj)
		if err := fillByteRange(upd.data, []int64{0, a, b, total - b}); err != nil {
			return nil, err
		}
		hh, err := d.prefixHash(ctx, sp.hash)
		if err != nil {
			return nil, err
		}
		hh.Write(upd.data[:upd.ci])
		hh.Write(upd.data[upd.cj:])
		der, err := sp.sign(hh.Sum(nil), sp.hash)
		if err != nil {
			return nil, err
		}
		if len(der) > reserve {
			if attempt+1 >= maxSignAttempts {
				return nil, fmt.Errorf("%w: %d bytes, %d reserved", ErrContentsTooSmall, len(der), reserve)
			}
			extra += len(der) - reserve + 512
			continue
		}
		hex.Encode(upd.data[upd.ci+1:], der)
		d.parts = append(d.parts, upd.data)
		return upd, nil
	}
}

// fillByteRange writes the byte range into the placeholder.
func fillByteRange(data []byte, br []int64) error {
	i := bytes.Index(data, []byte(byteRangeKey))
	if i < 0 {
		return fmt.Errorf("internal error: no ByteRange placeholder")
	}
	i += len(byteRangeKey)
	s := []byte{}
	for k, v := range br {
		if k > 0 {
			s = append(s, ' ')
		}
		s = strconv.AppendInt(s, v, 10)
	}
	if len(s) > byteRangeWidth {
		return fmt.Errorf("internal error: byte range too wide")
	}
	copy(data[i:], s)
	return nil
}

const (
	byteRangeKey   = "/ByteRange ["
	byteRangeWidth = 60
	contentsKey    = "/Contents <"
)

// buildSigUpdate makes the update: the signature dictionary (with
// placeholders), its field/widget, the page's /Annots, the AcroForm and,
// for certification, the catalog's /Perms.
func buildSigUpdate(r *pdf.Reader, sp *sigParams, reserve int) (*sigUpdate, error) {
	cat0, catRef, err := r.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	cat := cat0.Clone()
	catChanged := false

	// What an existing certification signature allows.
	perms, err := r.Dict(cat["Perms"])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	if perms != nil && perms["DocMDP"] != nil {
		p := docMDPPermission(r, perms["DocMDP"])
		switch {
		case sp.kind == sigCertification:
			return nil, fmt.Errorf("%w: the document is already certified (a certification signature must be the first signature)", ErrLocked)
		case sp.kind == sigApproval && p == 1:
			return nil, fmt.Errorf("%w: it is certified with DocMDP P=1 (no changes); only DSS and document time-stamps may be added", ErrLocked)
		}
	}

	pages, err := r.Pages()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%w: the document has no pages", ErrInvalidPDF)
	}
	var vis *Visible
	if sp.opts != nil {
		vis = sp.opts.Visible
	}
	pageIdx := 0
	if vis != nil && vis.Page > 0 {
		pageIdx = vis.Page - 1
		if pageIdx >= len(pages) {
			return nil, fmt.Errorf("%w: page %d of a %d-page document", ErrOptions, vis.Page, len(pages))
		}
	}
	pageRef := pages[pageIdx]

	af, afRef, afIsRef, err := acroForm(r, cat)
	if err != nil {
		return nil, err
	}
	fields, fieldsRef, fieldsIsRef, names, err := formFields(r, af)
	if err != nil {
		return nil, err
	}
	if sp.kind == sigCertification {
		// ISO 32000: the DocMDP signature must be the first signed field.
		for _, f := range fields {
			fd, err := r.Dict(f)
			if err == nil && fd != nil && fd.Name("FT") == "Sig" && fd["V"] != nil {
				return nil, fmt.Errorf("%w: the document is already signed; a certification signature must be the first signature", ErrLocked)
			}
		}
	}
	name := sp.field
	if name == "" {
		prefix := "Seal"
		if sp.kind == sigDocTimestamp {
			prefix = "DocTimeStamp"
		}
		for i := 1; ; i++ {
			name = prefix + strconv.Itoa(i)
			if !names[name] {
				break
			}
		}
	} else if names[name] {
		return nil, fmt.Errorf("%w: a field named %q exists", ErrOptions, name)
	}

	u := r.NewUpdate()
	sigRef := u.Alloc()
	widRef := u.Alloc()
	u.Set(sigRef, pdf.Raw(sigDictBytes(sp, reserve)))

	rect := pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)}
	var apRef pdf.Ref
	if vis != nil {
		if !(vis.W > 0 && vis.H > 0) {
			return nil, fmt.Errorf("%w: the visible seal needs a positive width and height", ErrOptions)
		}
		rect = pdf.Array{pdf.Real(vis.X), pdf.Real(vis.Y), pdf.Real(vis.X + vis.W), pdf.Real(vis.Y + vis.H)}
		lines := append([]string(nil), vis.Lines...)
		if vis.ShowSigner {
			lines = append(lines, "Sealed by "+signerName(sp.chain))
		}
		if vis.ShowTime {
			lines = append(lines, "Date: "+sp.opts.Time.UTC().Format("2006-01-02 15:04:05")+" UTC")
		}
		apRef, err = addAppearance(u, vis, lines)
		if err != nil {
			return nil, err
		}
	} else {
		apRef = u.Add(&pdf.Stream{Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
			"BBox": pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)},
		}, Offset: -1, Data: []byte{}})
	}
	u.Set(widRef, pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"),
		"FT": pdf.Name("Sig"), "T": textString(name), "V": sigRef,
		"F": pdf.Int(132), "Rect": rect, "P": pageRef,
		"AP": pdf.Dict{"N": apRef},
	})

	// The page's /Annots.
	page, err := r.Dict(pageRef)
	if err != nil || page == nil {
		return nil, fmt.Errorf("%w: page %v: %v", ErrInvalidPDF, pageRef, err)
	}
	switch a := page["Annots"].(type) {
	case pdf.Ref:
		arr, err := r.Resolve(a)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidPDF, err)
		}
		old, _ := arr.(pdf.Array)
		u.Set(a, append(append(pdf.Array{}, old...), widRef))
	default:
		old, _ := a.(pdf.Array)
		p := page.Clone()
		p["Annots"] = append(append(pdf.Array{}, old...), widRef)
		u.Set(pageRef, p)
	}

	// The AcroForm and its /Fields.
	fields = append(append(pdf.Array{}, fields...), widRef)
	if fieldsIsRef {
		u.Set(fieldsRef, fields)
	} else {
		af["Fields"] = fields
	}
	af["SigFlags"] = pdf.Int(3)
	switch {
	case afIsRef:
		u.Set(afRef, af)
	default:
		if afRef.Num == 0 && cat["AcroForm"] == nil {
			cat["AcroForm"] = u.Add(af)
		} else {
			cat["AcroForm"] = af
		}
		catChanged = true
	}

	if sp.kind == sigCertification {
		np := pdf.Dict{}
		if perms != nil {
			np = perms.Clone()
		}
		np["DocMDP"] = sigRef
		if pr, ok := cat["Perms"].(pdf.Ref); ok {
			u.Set(pr, np)
		} else {
			cat["Perms"] = np
			catChanged = true
		}
	}
	if catChanged {
		u.Set(catRef, cat)
	}
	w, err := u.Bytes()
	if err != nil {
		return nil, err
	}
	off := int(w.Offsets[sigRef.Num])
	ci := bytes.Index(w.Data[off:], []byte(contentsKey))
	if ci < 0 {
		return nil, fmt.Errorf("internal error: no /Contents placeholder")
	}
	ci += off + len(contentsKey) - 1
	return &sigUpdate{field: name, data: w.Data, ci: ci, cj: ci + 2*reserve + 2}, nil
}

// sigDictBytes writes the signature dictionary with its placeholders
// first (so that no user string can precede them).
func sigDictBytes(sp *sigParams, reserve int) []byte {
	b := make([]byte, 0, 2*reserve+512)
	if sp.kind == sigDocTimestamp {
		b = append(b, "<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161"...)
	} else if sp.opts.Format == FormatPKCS7 {
		b = append(b, "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached"...)
	} else {
		b = append(b, "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached"...)
	}
	b = append(b, byteRangeKey...)
	b = append(b, bytes.Repeat([]byte{' '}, byteRangeWidth)...)
	b = append(b, ']')
	b = append(b, contentsKey...)
	b = append(b, bytes.Repeat([]byte{'0'}, 2*reserve)...)
	b = append(b, '>')
	if o := sp.opts; o != nil {
		b = append(b, "/M"...)
		b, _ = pdf.AppendObject(b, pdf.String(pdfDateTime(o.Time)))
		for _, kv := range []struct {
			k pdf.Name
			v string
		}{{"Name", o.Name}, {"Reason", o.Reason}, {"Location", o.Location}, {"ContactInfo", o.ContactInfo}} {
			if kv.v != "" {
				b, _ = pdf.AppendObject(b, kv.k)
				b, _ = pdf.AppendObject(b, textString(kv.v))
			}
		}
		if sp.kind == sigCertification {
			b = fmt.Appendf(b, "/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P %d/V/1.2>>>>]", o.Certify)
		}
		b = append(b, "/Prop_Build<</App<</Name/ecertkit>>>>"...)
	}
	return append(b, ">>"...)
}

// docMDPPermission returns the /P of the DocMDP signature (2 when absent,
// as the standard says; 0 when it cannot be read).
func docMDPPermission(r *pdf.Reader, sig pdf.Object) int {
	sd, err := r.Dict(sig)
	if err != nil || sd == nil {
		return 0
	}
	refs, _ := r.Resolve(sd["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, x := range arr {
		sr, _ := r.Dict(x)
		if sr == nil || sr.Name("TransformMethod") != "DocMDP" {
			continue
		}
		tp, _ := r.Dict(sr["TransformParams"])
		if tp == nil {
			return 2
		}
		if p, ok := tp.Int("P"); ok && p >= 1 && p <= 3 {
			return int(p)
		}
		return 2
	}
	return 2
}

// acroForm returns a copy of the AcroForm dictionary (new when absent),
// its reference when it is an indirect object.
func acroForm(r *pdf.Reader, cat pdf.Dict) (af pdf.Dict, ref pdf.Ref, isRef bool, err error) {
	switch v := cat["AcroForm"].(type) {
	case pdf.Ref:
		d, err := r.Dict(v)
		if err != nil {
			return nil, v, false, fmt.Errorf("%w: AcroForm: %w", ErrInvalidPDF, err)
		}
		if d == nil {
			return pdf.Dict{}, pdf.Ref{}, false, nil // a dangling reference: replace it
		}
		return d.Clone(), v, true, nil
	case pdf.Dict:
		return v.Clone(), pdf.Ref{Num: -1}, false, nil
	}
	return pdf.Dict{}, pdf.Ref{}, false, nil
}

// formFields returns the AcroForm's /Fields array and the names of the
// top-level fields.
func formFields(r *pdf.Reader, af pdf.Dict) (pdf.Array, pdf.Ref, bool, map[string]bool, error) {
	names := map[string]bool{}
	var arr pdf.Array
	var ref pdf.Ref
	isRef := false
	switch v := af["Fields"].(type) {
	case pdf.Ref:
		o, err := r.Resolve(v)
		if err != nil {
			return nil, ref, false, nil, fmt.Errorf("%w: AcroForm fields: %w", ErrInvalidPDF, err)
		}
		arr, _ = o.(pdf.Array)
		ref, isRef = v, true
	case pdf.Array:
		arr = v
	}
	for i, f := range arr {
		if i > 100000 {
			break
		}
		fd, err := r.Dict(f)
		if err != nil || fd == nil {
			continue
		}
		if t, ok := fd["T"].(pdf.String); ok {
			names[decodeTextString(t)] = true
		}
	}
	return arr, ref, isRef, names, nil
}

func signerName(chain []*x509.Certificate) string {
	c := chain[0]
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	if len(c.Subject.Organization) > 0 {
		return c.Subject.Organization[0]
	}
	return c.Subject.String()
}

// textString encodes a PDF text string: PDFDocEncoding-compatible ASCII as
// is, anything else as UTF-16BE with a BOM.
func textString(s string) pdf.String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return pdf.String(s)
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xfe, 0xff
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return pdf.String(b)
}

func decodeTextString(s pdf.String) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	}
	return string(s)
}

// pdfDateTime formats t as a PDF date in UTC: D:YYYYMMDDHHmmSS+00'00'.
func pdfDateTime(t time.Time) string {
	return "D:" + t.UTC().Format("20060102150405") + "+00'00'"
}
