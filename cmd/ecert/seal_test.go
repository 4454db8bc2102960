package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testsvc"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/pkcs11/softhsmtest"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// sealPKI runs "ecert pki init" and returns the directory, the seal URI
// and an NSS database trusting the root.
func sealPKI(t *testing.T, extra ...string) (dir, uri, nss string) {
	t.Helper()
	dir = t.TempDir()
	code, out, errOut := runMain(t, "", append([]string{"pki", "init", dir}, extra...)...)
	if code != exitOK {
		t.Fatalf("pki init: %d %s", code, errOut)
	}
	uri = strings.TrimSpace(out)
	testtool.Need(t, "certutil", "pdfsig", "mutool")
	nss = filepath.Join(dir, "nss")
	os.MkdirAll(nss, 0o755)
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + nss, "--empty-password"},
		{"-A", "-d", "sql:" + nss, "-n", "root", "-t", "C,C,C", "-i", filepath.Join(dir, testpki.FileRoot)},
	} {
		if o, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v %s", err, o)
		}
	}
	return dir, uri, nss
}

func pdfsigOut(t *testing.T, nss, file string) string {
	t.Helper()
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, file).CombinedOutput()
	return string(out)
}

// The acceptance check of the issue: pki init, issue the CCC sample,
// pdfsig and mutool accept it, one flipped byte is a digest mismatch.
func TestIssueAcceptance(t *testing.T) {
	_, uri, nss := sealPKI(t)
	out := filepath.Join(t.TempDir(), "ccc.pdf")
	code, stdout, stderr := runMain(t, "", "issue", sample("good_ccc.json"), "--signer", uri, "-o", out)
	if code != exitOK {
		t.Fatalf("issue: %d\n%s%s", code, stdout, stderr)
	}
	rep := pdfsigOut(t, nss, out)
	for _, want := range []string{"Signature is Valid.", "Certificate is Trusted.", "Total document signed", "ETSI.CAdES.detached"} {
		if !strings.Contains(rep, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, rep)
		}
	}
	if m, _ := exec.Command("mutool", "sign", "-v", out).CombinedOutput(); !strings.Contains(string(m), "The document is unchanged since signing.") {
		t.Errorf("mutool:\n%s", m)
	}
	data, _ := os.ReadFile(out)
	if !bytes.Contains(data, []byte("/Perms")) || !bytes.Contains(data, []byte("/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P 1/V/1.2>>")) {
		t.Error("not a P=1 certification signature")
	}
	i := bytes.Index(data, []byte("/Type /Catalog"))
	if i < 0 {
		i = 200
	}
	data[i+1] ^= 0x20
	bad := filepath.Join(t.TempDir(), "bad.pdf")
	os.WriteFile(bad, data, 0o644)
	if rep := pdfsigOut(t, nss, bad); !strings.Contains(rep, "Digest Mismatch") {
		t.Errorf("tampered: pdfsig:\n%s", rep)
	}
}

func TestSealCLI(t *testing.T) {
	dir, uri, nss := sealPKI(t)
	tmp := t.TempDir()
	in := filepath.Join(tmp, "in.pdf")
	if code, _, errOut := runMain(t, "", "render", sample("good_iso9001.json"), "-o", in); code != exitOK {
		t.Fatalf("render: %s", errOut)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 30, 30))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(1, 1, color.NRGBA{255, 0, 0, 128})
	var pb bytes.Buffer
	png.Encode(&pb, img)
	imgFile := filepath.Join(tmp, "seal.png")
	os.WriteFile(imgFile, pb.Bytes(), 0o644)

	p12 := testpki.SealP12URI(dir)
	tsa := testsvc.StartSigstoreTSA(t)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"invisible", []string{"--signer", uri}, nil},
		{"visible-image-p12", []string{"--signer", p12, "--visible", "1,300,100,120,80", "--image", imgFile, "--certify", "2"}, nil},
		{"visible-vector-pkcs7", []string{"--signer", uri, "--visible", "1,50,50,150,150", "--format", "pkcs7", "--reason", "Issued"}, []string{"adbe.pkcs7.detached"}},
		{"b-t", []string{"--signer", uri, "--level", "B-T", "--tsa", tsa.URL}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(tmp, tc.name+".pdf")
			code, stdout, stderr := runMain(t, "", append([]string{"seal", in, "-o", out}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("seal: %d\n%s%s", code, stdout, stderr)
			}
			rep := pdfsigOut(t, nss, out)
			for _, want := range append([]string{"Signature is Valid.", "Certificate is Trusted.", "Total document signed"}, tc.want...) {
				if !strings.Contains(rep, want) {
					t.Errorf("pdfsig lacks %q:\n%s", want, rep)
				}
			}
		})
	}
}

func TestExtendCLI(t *testing.T) {
	_, uri, nss := sealPKI(t)
	tmp := t.TempDir()
	sealed, ext := filepath.Join(tmp, "s.pdf"), filepath.Join(tmp, "e.pdf")
	if code, _, errOut := runMain(t, "", "issue", sample("good_iso9001.json"), "--signer", uri, "--certify", "2", "-o", sealed); code != exitOK {
		t.Fatalf("issue: %s", errOut)
	}
	tsa := testsvc.StartSigstoreTSA(t)
	code, stdout, stderr := runMain(t, "", "extend", sealed, "--level", "B-T", "--tsa", tsa.URL, "-o", ext)
	if code != exitOK || !strings.Contains(stdout, "B-B -> B-T") {
		t.Fatalf("extend: %d %s %s", code, stdout, stderr)
	}
	rep := pdfsigOut(t, nss, ext)
	if strings.Count(rep, "Signature #") != 2 || !strings.Contains(rep, "Signature is Valid.") || !strings.Contains(rep, "Certificate is Trusted.") {
		t.Errorf("pdfsig after extend:\n%s", rep)
	}
	if code, _, stderr := runMain(t, "", "extend", sample("good_ccc.json"), "-o", ext+"2", "--tsa", tsa.URL); code != exitUsage {
		t.Errorf("extend of a non-PDF: exit %d %s", code, stderr)
	}
}

func TestSealCLIErrors(t *testing.T) {
	_, uri, _ := sealPKI(t)
	tmp := t.TempDir()
	in := filepath.Join(tmp, "in.pdf")
	os.WriteFile(in, []byte("%PDF-1.7\nnot really\n"), 0o644)
	out := filepath.Join(tmp, "out.pdf")
	dead := testsvc.DeadURL(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"seal", in, "-o", out, "--signer", uri}, exitUsage, "invalid PDF"},
		{[]string{"seal", in, "-o", out}, exitUsage, "-signer"},
		{[]string{"seal", in, "-o", out, "--signer", uri, "--level", "B-T"}, exitUsage, "-tsa"},
		{[]string{"seal", in, "-o", out, "--signer", uri, "--visible", "1,2,3"}, exitUsage, "PAGE,X,Y,W,H"},
		{[]string{"seal", in, "-o", out, "--signer", uri, "--certify", "7"}, exitUsage, "-certify"},
		{[]string{"seal", sample("good_ccc.json"), "-o", out, "--signer", "file:/nonexistent/key.pem"}, exitUsage, "nonexistent"},
		{[]string{"issue", sample("good_ccc.json"), "-o", out, "--signer", uri, "--level", "B-T", "--tsa", dead}, exitNo, "TSA " + dead},
	} {
		code, _, stderr := runMain(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, want %d; stderr %q lacks %q", tc.args, code, tc.code, stderr, tc.msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v left %s behind", tc.args, out)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, ".out.pdf.tmp*")); len(left) > 0 {
			t.Fatalf("%v left temporary files %v", tc.args, left)
		}
	}
}

// TestSealPKCS11 seals with keys that never leave a SoftHSM token (RSA and
// ECDSA) and checks the result with pdfsig and mutool.
func TestSealPKCS11(t *testing.T) {
	tok := softhsmtest.Start(t)
	testtool.Need(t, "certutil", "pdfsig", "mutool")
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	os.WriteFile(root, testpki.CertsPEM(tok.PKI.Root), 0o644)
	nss := filepath.Join(dir, "nss")
	os.MkdirAll(nss, 0o755)
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + nss, "--empty-password"},
		{"-A", "-d", "sql:" + nss, "-n", "root", "-t", "C,C,C", "-i", root},
	} {
		if o, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v %s", err, o)
		}
	}
	for _, obj := range []string{softhsmtest.RSA, softhsmtest.EC} {
		t.Run(obj, func(t *testing.T) {
			out := filepath.Join(dir, obj+".pdf")
			code, _, errs := runMain(t, "", "issue", sample("good_iso9001.json"), "--signer", tok.URI(obj, "chain="+tok.ChainFile), "-o", out)
			if code != exitOK {
				t.Fatalf("issue: exit %d: %s", code, errs)
			}
			if strings.Contains(errs, tok.PIN) {
				t.Error("PIN printed")
			}
			rep := pdfsigOut(t, nss, out)
			for _, want := range []string{"Signature is Valid.", "Certificate is Trusted.", "Total document signed"} {
				if !strings.Contains(rep, want) {
					t.Errorf("pdfsig lacks %q:\n%s", want, rep)
				}
			}
			if m, _ := exec.Command("mutool", "sign", "-v", out).CombinedOutput(); !strings.Contains(string(m), "The document is unchanged since signing.") {
				t.Errorf("mutool:\n%s", m)
			}
		})
	}
}

// TestIssueLevels is the acceptance check at every level against a local
// TSA (sigstore's timestamp-server with the test PKI's TSA key) and OCSP
// responder (openssl ocsp).
func TestIssueLevels(t *testing.T) {
	rev := testsvc.NewRevocation(t)
	p, err := testpki.New(testpki.Options{OCSPURL: rev.OCSPURL, CRLURL: rev.CRLURL})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	rev.Start(t, p, dir)
	tsa := testsvc.StartSigstoreTSAWithKey(t, p, dir)
	testtool.Need(t, "certutil", "pdfsig", "mutool")
	nss := filepath.Join(dir, "nss")
	os.MkdirAll(nss, 0o755)
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + nss, "--empty-password"},
		{"-A", "-d", "sql:" + nss, "-n", "root", "-t", "C,C,C", "-i", filepath.Join(dir, testpki.FileRoot)},
	} {
		if o, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v %s", err, o)
		}
	}
	for _, level := range []string{"B-T", "B-LT", "B-LTA"} {
		t.Run(level, func(t *testing.T) {
			out := filepath.Join(dir, level+".pdf")
			code, stdout, stderr := runMain(t, "", "issue", sample("good_ccc.json"), "--signer", testpki.SealKeyURI(dir), "--level", level, "--tsa", tsa.URL, "-o", out)
			if code != exitOK || !strings.Contains(stdout, "sealed ("+level+",") {
				t.Fatalf("issue: %d\n%s%s", code, stdout, stderr)
			}
			rep := pdfsigOut(t, nss, out)
			first := strings.SplitN(rep, "Signature #2", 2)[0]
			for _, want := range []string{"Signature is Valid.", "Certificate is Trusted."} {
				if !strings.Contains(first, want) {
					t.Errorf("pdfsig lacks %q:\n%s", want, rep)
				}
			}
			// B-T: the seal covers everything. B-LT, B-LTA: the DSS (and the
			// document time-stamp) follow in revisions of their own.
			if total := strings.Contains(first, "Total document signed"); total != (level == "B-T") {
				t.Errorf("seal covers the whole document: %v at %s\n%s", total, level, rep)
			}
			// (pdfsig lists the document time-stamp without verifying it.)
			if level == "B-LTA" && !strings.Contains(rep, "Signature Field Name: DocTimeStamp1") {
				t.Errorf("no document time-stamp:\n%s", rep)
			}
			code, stdout, stderr = runMain(t, "", "verify", "--trust", filepath.Join(dir, testpki.FileRoot), out)
			if code != exitOK {
				t.Errorf("ecert verify: %d\n%s%s", code, stdout, stderr)
			}
		})
	}
}
