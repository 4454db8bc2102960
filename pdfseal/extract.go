package pdfseal

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

// EmbeddedFile is a file embedded in a PDF.
type EmbeddedFile struct {
	Name         string
	MIMEType     string // the embedded file stream's /Subtype
	Description  string
	Relationship AFRelationship // empty when the file spec has none
	// Associated reports whether the catalog lists the file in /AF.
	Associated bool
	Data       []byte
}

// Extracted is what Extract finds in a PDF.
type Extracted struct {
	// Files are the embedded files: the associated files in the order of
	// the catalog's /AF array, then other files of the EmbeddedFiles name
	// tree.
	Files []EmbeddedFile
	// Certificate is decoded from the embedded certificate JSON
	// (CertificateFileName); nil when the PDF has none.
	Certificate *ecert.Certificate
}

// File returns the embedded file with the given name, or nil.
func (x *Extracted) File(name string) *EmbeddedFile {
	for i := range x.Files {
		if x.Files[i].Name == name {
			return &x.Files[i]
		}
	}
	return nil
}

// Limits on what Extract reads from an untrusted PDF.
const (
	maxEmbeddedFiles    = 64
	maxEmbeddedFileSize = ecert.MaxJSONSize
	maxNameTreeDepth    = 16
)

// ExtractError is returned for a PDF that cannot be read.
type ExtractError struct{ Err error }

func (e *ExtractError) Error() string { return "pdfseal: extract: " + e.Err.Error() }
func (e *ExtractError) Unwrap() error { return e.Err }

// Extract returns the files embedded in a PDF (the associated files that
// Render adds, or any others) and the certificate decoded from the
// embedded canonical JSON. It reads signed and incrementally updated
// files (classic and stream cross-references, object streams); the
// certificate is returned as found, not validated.
//
// Extract reads the PDF with pdfseal's own defensive reader, the one
// Verify uses, and writes nothing anywhere. Damaged cross-reference data
// is rebuilt by scanning the file, as viewers do. Embedded file streams
// may be uncompressed or use FlateDecode (with predictors), ASCIIHexDecode
// or ASCII85Decode; encrypted PDFs are an error.
func Extract(r io.ReaderAt, size int64) (x *Extracted, err error) {
	// The reader never panics by design; this is defence in depth for
	// untrusted input.
	defer func() {
		if p := recover(); p != nil {
			x, err = nil, &ExtractError{fmt.Errorf("malformed PDF (parser panic: %v)", p)}
		}
	}()
	rd, err := pdf.OpenRepair(r, size, nil)
	if err != nil {
		return nil, &ExtractError{fmt.Errorf("read PDF: %w", err)}
	}
	if rd.Encrypted() {
		return nil, &ExtractError{errors.New("read PDF: encrypted PDFs are not supported")}
	}
	cat, _, err := rd.Catalog()
	if err != nil {
		return nil, &ExtractError{fmt.Errorf("catalog: %w", err)}
	}
	ex := &extractor{r: rd, seen: map[int]int{}}
	if af, ok := ex.resolve(cat["AF"]).(pdf.Array); ok {
		for _, o := range af {
			if err := ex.filespec(o, true); err != nil {
				return nil, &ExtractError{err}
			}
		}
	}
	if names, ok := ex.resolve(cat["Names"]).(pdf.Dict); ok {
		if ef, ok := ex.resolve(names["EmbeddedFiles"]).(pdf.Dict); ok {
			if err := ex.tree(ef, 0); err != nil {
				return nil, &ExtractError{err}
			}
		}
	}
	out := &Extracted{Files: ex.files}
	f := out.File(CertificateFileName)
	if f == nil {
		for i := range out.Files {
			if out.Files[i].MIMEType == "application/json" {
				f = &out.Files[i]
				break
			}
		}
	}
	if f != nil {
		c, err := ecert.Unmarshal(f.Data)
		if err != nil {
			return nil, &ExtractError{fmt.Errorf("embedded %s: %w", f.Name, err)}
		}
		out.Certificate = c
	}
	return out, nil
}

type extractor struct {
	r     *pdf.Reader
	files []EmbeddedFile
	seen  map[int]int // file spec object number -> index in files
}

// resolve returns the direct object o refers to, or nil when it cannot be
// read.
func (x *extractor) resolve(o pdf.Object) pdf.Object {
	v, err := x.r.Resolve(o)
	if err != nil {
		return nil
	}
	return v
}

func (x *extractor) tree(d pdf.Dict, depth int) error {
	if depth > maxNameTreeDepth {
		return errors.New("EmbeddedFiles name tree too deep")
	}
	if names, ok := x.resolve(d["Names"]).(pdf.Array); ok {
		for i := 1; i < len(names); i += 2 {
			if err := x.filespec(names[i], false); err != nil {
				return err
			}
		}
	}
	kids, _ := x.resolve(d["Kids"]).(pdf.Array)
	for _, k := range kids {
		kd, ok := x.resolve(k).(pdf.Dict)
		if !ok {
			continue
		}
		if err := x.tree(kd, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) filespec(o pdf.Object, associated bool) error {
	ref, isRef := o.(pdf.Ref)
	if isRef {
		if i, dup := x.seen[ref.Num]; dup {
			x.files[i].Associated = x.files[i].Associated || associated
			return nil
		}
	}
	fs, ok := x.resolve(o).(pdf.Dict)
	if !ok {
		return nil // not a file spec: ignore
	}
	if len(x.files) >= maxEmbeddedFiles {
		return fmt.Errorf("more than %d embedded files", maxEmbeddedFiles)
	}
	f := EmbeddedFile{Associated: associated}
	f.Name = x.text(fs["UF"])
	if f.Name == "" {
		f.Name = x.text(fs["F"])
	}
	f.Description = x.text(fs["Desc"])
	if n, ok := x.resolve(fs["AFRelationship"]).(pdf.Name); ok {
		f.Relationship = AFRelationship(n)
	}
	ef, ok := x.resolve(fs["EF"]).(pdf.Dict)
	if !ok {
		return fmt.Errorf("file spec %q has no embedded file", f.Name)
	}
	so := ef["UF"]
	if so == nil {
		so = ef["F"]
	}
	sobj, err := x.r.Resolve(so)
	st, ok := sobj.(*pdf.Stream)
	if err != nil || !ok {
		return fmt.Errorf("embedded file %q: bad stream: %v", f.Name, err)
	}
	if n, ok := st.Dict["Subtype"].(pdf.Name); ok {
		f.MIMEType = string(n)
	}
	data, err := x.r.StreamData(st, maxEmbeddedFileSize)
	if err != nil {
		return fmt.Errorf("embedded file %q: %w", f.Name, err)
	}
	f.Data = data
	x.files = append(x.files, f)
	if isRef {
		x.seen[ref.Num] = len(x.files) - 1
	}
	return nil
}

// text returns a PDF text string as UTF-8 with surrounding space trimmed,
// or "" when o is not a string: UTF-16BE with a byte order mark, UTF-8
// (with or without a byte order mark), else PDFDocEncoding.
func (x *extractor) text(o pdf.Object) string {
	s, ok := x.resolve(o).(pdf.String)
	if !ok {
		return ""
	}
	return strings.TrimSpace(pdfText(s))
}

// pdfText decodes a PDF text string as pdfcpu does: UTF-16BE when it has
// the byte order mark and an even length ("" when it is not well-formed
// UTF-16); UTF-8 (a byte order mark dropped) when it is valid and has no
// byte in 0x18..0x1F, which PDFDocEncoding maps to accents; else
// PDFDocEncoding.
func pdfText(b []byte) string {
	if len(b) >= 2 && len(b)%2 == 0 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2-1)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		for i := 0; i < len(u); i++ {
			switch c := u[i]; {
			case c >= 0xdc00 && c <= 0xdfff:
				return "" // a low surrogate first
			case c >= 0xd800 && c <= 0xdbff:
				if i+1 >= len(u) || u[i+1] < 0xdc00 || u[i+1] > 0xdfff {
					return ""
				}
				i++
			}
		}
		return string(utf16.Decode(u))
	}
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		b = b[3:]
	}
	if utf8.Valid(b) && !hasDocEncodingAccent(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = pdfDocRune(c)
	}
	return string(r)
}

func hasDocEncodingAccent(b []byte) bool {
	for _, c := range b {
		if c >= 0x18 && c <= 0x1f {
			return true
		}
	}
	return false
}

// pdfDocHigh maps PDFDocEncoding 0x80..0xA0 (ISO 32000-1, table D.2); 0
// is undefined.
var pdfDocHigh = [...]rune{
	0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, // 80
	0x2039, 0x203a, 0x2212, 0x2030, 0x201e, 0x201c, 0x201d, 0x2018, // 88
	0x2019, 0x201a, 0x2122, 0xfb01, 0xfb02, 0x0141, 0x0152, 0x0160, // 90
	0x0178, 0x017d, 0x0131, 0x0142, 0x0153, 0x0161, 0x017e, 0, // 98
	0x20ac, // A0
}

// pdfDocLow maps PDFDocEncoding 0x18..0x1F (accents).
var pdfDocLow = [...]rune{0x02d8, 0x02c7, 0x02c6, 0x02d9, 0x02dd, 0x02db, 0x02da, 0x02dc}

func pdfDocRune(c byte) rune {
	switch {
	case c >= 0x18 && c <= 0x1f:
		return pdfDocLow[c-0x18]
	case c >= 0x80 && c <= 0xa0:
		if r := pdfDocHigh[c-0x80]; r != 0 {
			return r
		}
	case c == 0x09 || c == 0x0a || c == 0x0d || c >= 0x20 && c <= 0x7e || c >= 0xa1 && c != 0xad:
		return rune(c)
	}
	return utf8.RuneError
}
