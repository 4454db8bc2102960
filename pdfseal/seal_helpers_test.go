package pdfseal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// sealTestPDF is a small one-page PDF with some text (classic xref).
func sealTestPDF(pages int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	kids := ""
	for i := 0; i < pages; i++ {
		kids += fmt.Sprintf("%d 0 R ", 4+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := 0; i < pages; i++ {
		content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (Certificate of conformity, page %d) Tj ET", i+1)
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 3 0 R >> >> >>", 5+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0102030405060708><0102030405060708>] >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// sealFixture is a test PKI written to disk with an NSS database that
// trusts its root, for pdfsig.
type sealFixture struct {
	pki    *testpki.PKI
	dir    string
	nssdir string
}

func newSealFixture(t testing.TB, opts testpki.Options) *sealFixture {
	t.Helper()
	p, err := testpki.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	return &sealFixture{pki: p, dir: dir}
}

// nss creates (once) the NSS database trusting the root.
func (f *sealFixture) nss(t testing.TB) string {
	t.Helper()
	if f.nssdir != "" {
		return f.nssdir
	}
	testtool.Need(t, "certutil")
	d := filepath.Join(f.dir, "nss")
	os.MkdirAll(d, 0o755)
	run := func(args ...string) {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	run("-N", "-d", "sql:"+d, "--empty-password")
	run("-A", "-d", "sql:"+d, "-n", "root", "-t", "C,C,C", "-i", filepath.Join(f.dir, testpki.FileRoot))
	f.nssdir = d
	return d
}

func (f *sealFixture) signer() signer.Signer { return f.pki.SealSigner() }

// pdfsigSig is one signature as pdfsig reports it.
type pdfsigSig struct {
	Field, Type, Validation, CertValidation string
	Total                                   bool
	Raw                                     string
}

// pdfsig runs poppler's pdfsig on data and parses its report.
func (f *sealFixture) pdfsig(t testing.TB, data []byte) []pdfsigSig {
	t.Helper()
	testtool.Need(t, "pdfsig")
	nss := f.nss(t)
	file := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, file).CombinedOutput()
	parts := regexp.MustCompile(`(?m)^Signature #\d+:`).Split(string(out), -1)
	var sigs []pdfsigSig
	for _, p := range parts[1:] {
		s := pdfsigSig{Raw: p}
		for _, line := range strings.Split(p, "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "Signature Field Name":
				s.Field = v
			case "Signature Type":
				s.Type = v
			case "Signature Validation":
				s.Validation = v
			case "Certificate Validation":
				s.CertValidation = v
			}
			if line == "Total document signed" {
				s.Total = true
			}
		}
		sigs = append(sigs, s)
	}
	if len(sigs) == 0 {
		t.Fatalf("pdfsig found no signature:\n%s", out)
	}
	return sigs
}

// requireValid asserts that every signature is valid and trusted and the
// last covers the whole document.
func (f *sealFixture) requireValid(t testing.TB, data []byte, wantSigs int) []pdfsigSig {
	t.Helper()
	sigs := f.requirePdfsigValid(t, data, wantSigs)
	mutoolUnchanged(t, data)
	return sigs
}

// requirePdfsigValid is requireValid without mutool (which cannot verify
// RSA-PSS or Ed25519 signatures).
func (f *sealFixture) requirePdfsigValid(t testing.TB, data []byte, wantSigs int) []pdfsigSig {
	t.Helper()
	sigs := f.pdfsig(t, data)
	if wantSigs > 0 && len(sigs) != wantSigs {
		t.Errorf("pdfsig: %d signatures, want %d", len(sigs), wantSigs)
	}
	for i, s := range sigs {
		if s.Validation != "Signature is Valid." {
			t.Errorf("pdfsig signature #%d (%s): %q\n%s", i+1, s.Field, s.Validation, s.Raw)
		}
		if s.CertValidation != "Certificate is Trusted." {
			t.Errorf("pdfsig signature #%d (%s): certificate %q\n%s", i+1, s.Field, s.CertValidation, s.Raw)
		}
	}
	if last := sigs[len(sigs)-1]; !last.Total {
		t.Errorf("pdfsig: the last signature does not cover the whole document\n%s", last.Raw)
	}
	return sigs
}

// mutoolUnchanged asserts "mutool sign -v" finds every signature unchanged.
func mutoolUnchanged(t testing.TB, data []byte) {
	t.Helper()
	testtool.Need(t, "mutool")
	file := filepath.Join(t.TempDir(), "m.pdf")
	os.WriteFile(file, data, 0o644)
	out, _ := exec.Command("mutool", "sign", "-v", file).CombinedOutput()
	s := string(out)
	if !strings.Contains(s, "The document is unchanged since signing.") &&
		!strings.Contains(s, "changed since signing") {
		t.Errorf("mutool sign -v: no verdict:\n%s", s)
	}
	if n := strings.Count(s, "Verifying signature"); n == 0 {
		t.Errorf("mutool sign -v: no signature:\n%s", s)
	}
	if strings.Contains(s, "Digest Failure") || strings.Contains(s, "has been changed") || strings.Contains(s, "is corrupt") {
		t.Errorf("mutool sign -v reports a problem:\n%s", s)
	}
}

func sealBytes(t testing.TB, in []byte, s signer.Signer, opts SealOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	res, err := Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &out, s, opts)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if !bytes.Equal(out.Bytes()[:len(in)], in) {
		t.Fatal("the original bytes changed")
	}
	if res.BytesAdded != int64(out.Len()-len(in)) {
		t.Errorf("BytesAdded %d, appended %d", res.BytesAdded, out.Len()-len(in))
	}
	return out.Bytes()
}
