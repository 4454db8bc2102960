package pdfseal

import (
	"io"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
)

// extract fills rep.Certificate with the certificate data embedded in the
// document as the latest intact, valid signature signed it, provided
// nothing disallowed changed after that signature. The data is read from
// the signed revision's bytes, so what is returned is what was signed.
func (v *verifier) extract(rep *Report) {
	if rep.Indication == TotalFailed {
		return
	}
	var best *sigState
	for _, s := range v.sigs {
		if s.docTS || !s.rep.Intact || !s.rep.Valid || !s.rep.Changes.Permitted || s.rev < 0 || s.rep.Indication == TotalFailed {
			continue
		}
		if best == nil || s.rev > best.rev {
			best = s
		}
	}
	if best == nil {
		return
	}
	st, err := v.state(best.rev)
	if err != nil || !hasEmbeddedFiles(st) {
		return
	}
	// Fast path: the certificate file named by the catalog's /AF (as
	// Render writes it), read with the verifier's own reader. Anything
	// else goes through Extract.
	cert := quickCertificate(st)
	if cert == nil {
		end := v.ends[best.rev]
		x, err := Extract(io.NewSectionReader(v.r, 0, end), end)
		if err != nil {
			best.rep.Notes = append(best.rep.Notes, "the embedded certificate data cannot be read: "+err.Error())
			return
		}
		cert = x.Certificate
	}
	if cert == nil {
		return
	}
	d, err := cert.Digest()
	if err != nil {
		best.rep.Notes = append(best.rep.Notes, "the embedded certificate has no canonical form: "+err.Error())
		return
	}
	rep.Certificate = &EmbeddedCertificate{Certificate: cert, Digest: d, Revision: best.rev + 1, Field: best.rep.Field}
}

// hasEmbeddedFiles is a cheap test that spares the full extraction for
// documents without embedded or associated files.
func hasEmbeddedFiles(r *pdf.Reader) bool {
	cat, _, err := r.Catalog()
	if err != nil {
		return false
	}
	if cat["AF"] != nil {
		return true
	}
	names, _ := r.Dict(cat["Names"])
	return names != nil && names["EmbeddedFiles"] != nil
}

// quickCertificate reads the embedded certificate JSON through the
// catalog's associated files (/AF), or returns nil.
func quickCertificate(r *pdf.Reader) *ecert.Certificate {
	cat, _, err := r.Catalog()
	if err != nil {
		return nil
	}
	af, _ := r.Resolve(cat["AF"])
	arr, _ := af.(pdf.Array)
	for i, o := range arr {
		if i >= maxEmbeddedFiles {
			break
		}
		fs, _ := r.Dict(o)
		if fs == nil {
			continue
		}
		name, _ := fs["UF"].(pdf.String)
		if name == nil {
			name, _ = fs["F"].(pdf.String)
		}
		if decodeText(name) != CertificateFileName {
			continue
		}
		ef, _ := r.Dict(fs["EF"])
		if ef == nil {
			return nil
		}
		so := ef["UF"]
		if so == nil {
			so = ef["F"]
		}
		obj, _ := r.Resolve(so)
		st, ok := obj.(*pdf.Stream)
		if !ok {
			return nil
		}
		data, err := r.StreamData(st, maxEmbeddedFileSize)
		if err != nil {
			return nil
		}
		c, err := ecert.Unmarshal(data)
		if err != nil {
			return nil
		}
		return c
	}
	return nil
}
