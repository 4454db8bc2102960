package ecerttest_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"
	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/ecerttest"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/signer/testpki"
	"github.com/google/go-cmp/cmp"
)

// The builders give exactly the repository's sample certificates.
func TestBuildersMatchSamples(t *testing.T) {
	for name, c := range map[string]*ecert.Certificate{
		"good_ccc.json":       ecerttest.CCC(),
		"good_iso9001.json":   ecerttest.ISO9001(),
		"good_sps_phyto.json": ecerttest.SPS(),
	} {
		f, err := os.Open(testtool.Testdata(name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ecert.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, c); d != "" {
			t.Errorf("%s (-sample +builder):\n%s", name, d)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := ecerttest.CCC(ecerttest.Models(7), ecerttest.Number("2024010703000001"))
	if len(c.Products[0].Models) != 7 || c.Number != "2024010703000001" || !strings.HasSuffix(c.VerificationURL, "2024010703000001") {
		t.Errorf("options not applied: %d models, %s, %s", len(c.Products[0].Models), c.Number, c.VerificationURL)
	}
}

// The in-process TSA answers real RFC 3161 requests that openssl accepts.
func TestTSAWithOpenSSL(t *testing.T) {
	testtool.Need(t, "openssl")
	pki := ecerttest.NewPKI(t)
	url := ecerttest.TSA(t, pki)
	data := []byte("the bytes to time-stamp")
	req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/timestamp-query", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(ts.HashedMessage, sum[:]) {
		t.Fatal("timestamp over the wrong digest")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "resp.tsr"), body, 0o644)
	out, err := exec.Command("openssl", "ts", "-verify", "-data", filepath.Join(dir, "data"), "-in", filepath.Join(dir, "resp.tsr"),
		"-CAfile", pki.RootFile, "-untrusted", filepath.Join(pki.Dir, testpki.FileCA)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	// Tampered data fails.
	os.WriteFile(filepath.Join(dir, "data"), []byte("other bytes"), 0o644)
	out, _ = exec.Command("openssl", "ts", "-verify", "-data", filepath.Join(dir, "data"), "-in", filepath.Join(dir, "resp.tsr"),
		"-CAfile", pki.RootFile, "-untrusted", filepath.Join(pki.Dir, testpki.FileCA)).CombinedOutput()
	if strings.Contains(string(out), "Verification: OK") {
		t.Fatal("openssl accepted a timestamp over other data")
	}
}

// The in-process OCSP responder answers real RFC 6960 requests that
// openssl accepts, good and revoked.
func TestOCSPWithOpenSSL(t *testing.T) {
	testtool.Need(t, "openssl")
	pki := ecerttest.NewPKI(t)
	revoked, err := pki.Issue(testpki.LeafOptions{CommonName: "Revoked Seal"})
	if err != nil {
		t.Fatal(err)
	}
	url := ecerttest.OCSP(t, pki, revoked.Cert)
	revokedPEM := filepath.Join(t.TempDir(), "revoked.pem")
	os.WriteFile(revokedPEM, testpki.CertsPEM(revoked.Cert), 0o644)
	for _, tc := range []struct{ cert, want string }{
		{filepath.Join(pki.Dir, testpki.FileSealCert), ": good"},
		{revokedPEM, ": revoked"},
	} {
		out, err := exec.Command("openssl", "ocsp", "-issuer", filepath.Join(pki.Dir, testpki.FileCA), "-cert", tc.cert,
			"-url", url, "-CAfile", pki.RootFile, "-verify_other", filepath.Join(pki.Dir, testpki.FileCA)).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Response verify OK") || !strings.Contains(string(out), tc.want) {
			t.Errorf("openssl ocsp %s: %v\n%s", filepath.Base(tc.cert), err, out)
		}
	}
}

// Issue, seal, verify and check against the registry.
func TestIssueSealVerifyCheck(t *testing.T) {
	pki := ecerttest.NewPKI(t)
	c := ecerttest.CCC(ecerttest.Models(20))
	reg := ecerttest.Registry(t, pki, c)
	pdf := ecerttest.Seal(t, pki, c, pdfseal.SealOptions{Certify: 1})
	ecerttest.RequirePassed(t, ecerttest.Verify(t, pki, pdf))
	ecerttest.RequireIndication(t, ecerttest.VerifyWith(t, pdf, pdfseal.VerifyOptions{}), pdfseal.Indeterminate, pdfseal.NoCertificateChainFound)
	res, err := check.PDF(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), check.Options{Registry: reg, Verify: pdfseal.VerifyOptions{Roots: pki.Roots()}})
	if err != nil || res.Verdict != check.Pass {
		t.Fatalf("check: %v %+v", err, res)
	}
}

// B-T and B-LT against the in-process TSA and OCSP responder.
func TestSealWithTSAAndOCSP(t *testing.T) {
	pki, _ := ecerttest.NewPKIWithOCSP(t, testpki.Options{})
	tsa := ecerttest.TSA(t, pki)
	pdf := ecerttest.Seal(t, pki, ecerttest.ISO9001(), pdfseal.SealOptions{Level: pdfseal.LevelBLT, TSA: &pdfseal.TSA{URL: tsa}})
	rep := ecerttest.Verify(t, pki, pdf)
	ecerttest.RequirePassed(t, rep)
	if got := rep.Signatures[0].Level; got != "B-LT" {
		t.Fatalf("level %s\n%s", got, ecerttest.Dump(rep))
	}
	if rep.Signatures[0].Revocation.Status != pdfseal.RevocationGood {
		t.Fatalf("revocation %+v", rep.Signatures[0].Revocation)
	}
}
