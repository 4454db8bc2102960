package pdfseal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/ecertkit/ecertkit/ecert"
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
// files; the certificate is returned as found, not validated.
//
// Extract parses the PDF with pdfcpu, with a configuration of its own:
// pdfcpu's configuration directory is neither read nor written.
func Extract(r io.ReaderAt, size int64) (x *Extracted, err error) {
	// pdfcpu is a large parser of untrusted input: a panic in it must not
	// take the caller down.
	defer func() {
		if p := recover(); p != nil {
			x, err = nil, &ExtractError{fmt.Errorf("malformed PDF (parser panic: %v)", p)}
		}
	}()
	ctx, err := api.ReadContext(io.NewSectionReader(r, 0, size), pdfcpuConfig())
	if err != nil {
		return nil, &ExtractError{fmt.Errorf("read PDF: %w", err)}
	}
	ex := &extractor{ctx: ctx, seen: map[int]int{}}
	cat, err := ctx.Catalog()
	if err != nil {
		return nil, &ExtractError{fmt.Errorf("catalog: %w", err)}
	}
	if af, err := ctx.DereferenceArray(cat["AF"]); err == nil {
		for _, o := range af {
			if err := ex.filespec(o, true); err != nil {
				return nil, &ExtractError{err}
			}
		}
	}
	if names, err := ctx.DereferenceDict(cat["Names"]); err == nil && names != nil {
		if ef, err := ctx.DereferenceDict(names["EmbeddedFiles"]); err == nil && ef != nil {
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

// pdfcpuConfig is a pdfcpu configuration made here, not loaded from (or
// installed into) pdfcpu's configuration directory.
func pdfcpuConfig() *model.Configuration {
	lim := model.DefaultResourceLimits()
	lim.MaxDecodeBytes = 256 << 20
	lim.MaxStreamBytes = 256 << 20
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Limits:                    lim,
		Offline:                   true,
	}
}

type extractor struct {
	ctx   *model.Context
	files []EmbeddedFile
	seen  map[int]int // file spec object number -> index in files
}

func (x *extractor) tree(d types.Dict, depth int) error {
	if depth > maxNameTreeDepth {
		return errors.New("EmbeddedFiles name tree too deep")
	}
	if names, err := x.ctx.DereferenceArray(d["Names"]); err == nil {
		for i := 1; i < len(names); i += 2 {
			if err := x.filespec(names[i], false); err != nil {
				return err
			}
		}
	}
	kids, err := x.ctx.DereferenceArray(d["Kids"])
	if err != nil {
		return nil
	}
	for _, k := range kids {
		kd, err := x.ctx.DereferenceDict(k)
		if err != nil || kd == nil {
			continue
		}
		if err := x.tree(kd, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) filespec(o types.Object, associated bool) error {
	if ref, ok := o.(types.IndirectRef); ok {
		if i, dup := x.seen[ref.ObjectNumber.Value()]; dup {
			x.files[i].Associated = x.files[i].Associated || associated
			return nil
		}
		defer func(n int) { x.seen[n] = len(x.files) - 1 }(ref.ObjectNumber.Value())
	}
	fs, err := x.ctx.DereferenceDict(o)
	if err != nil || fs == nil {
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
	if n, err := x.ctx.DereferenceName(fs["AFRelationship"], model.V10, nil); err == nil {
		f.Relationship = AFRelationship(n.Value())
	}
	ef, err := x.ctx.DereferenceDict(fs["EF"])
	if err != nil || ef == nil {
		return fmt.Errorf("file spec %q has no embedded file", f.Name)
	}
	so := ef["UF"]
	if so == nil {
		so = ef["F"]
	}
	sd, _, err := x.ctx.DereferenceStreamDict(so)
	if err != nil || sd == nil {
		return fmt.Errorf("embedded file %q: bad stream: %v", f.Name, err)
	}
	if n := sd.NameEntry("Subtype"); n != nil {
		f.MIMEType = *n
	}
	if err := sd.DecodeWithLimit(maxEmbeddedFileSize); err != nil {
		return fmt.Errorf("embedded file %q: %w", f.Name, err)
	}
	f.Data = bytes.Clone(sd.Content)
	x.files = append(x.files, f)
	return nil
}

func (x *extractor) text(o types.Object) string {
	s, err := x.ctx.DereferenceStringOrHexLiteral(o, model.V10, nil)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}
