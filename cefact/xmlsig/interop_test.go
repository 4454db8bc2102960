package xmlsig

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// TestXMLSecVerify checks that xmlsec1 accepts our signatures, with the
// test PKI's root as the only trust anchor.
func TestXMLSecVerify(t *testing.T) {
	xmlsec := testtool.Need(t, "xmlsec1")[0]
	for _, kt := range []testpki.KeyType{testpki.RSA2048, testpki.ECDSAP256} {
		t.Run(kt.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := testpki.MustNew(testpki.Options{SealKey: kt})
			if err := p.WriteFiles(dir); err != nil {
				t.Fatal(err)
			}
			for _, path := range goodSamples(t) {
				c := readSample(t, path)
				data, err := cefact.Marshal(c)
				if err != nil {
					t.Fatal(err)
				}
				var signed bytes.Buffer
				if err := Sign(context.Background(), &signed, bytes.NewReader(data), p.SealSigner(), nil); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, filepath.Base(path)+".signed.xml")
				if err := os.WriteFile(out, signed.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(xmlsec, "--verify", "--trusted-pem", filepath.Join(dir, "root.pem"), out)
				if msg, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("xmlsec1 rejects %s: %v\n%s", filepath.Base(out), err, msg)
				}
				// And a tampered copy is rejected by xmlsec1 too.
				bad := bytes.Replace(signed.Bytes(), []byte("<ram:ID>"+c.Number), []byte("<ram:ID>X"+c.Number), 1)
				if err := os.WriteFile(out, bad, 0o644); err != nil {
					t.Fatal(err)
				}
				cmd = exec.Command(xmlsec, "--verify", "--trusted-pem", filepath.Join(dir, "root.pem"), out)
				if msg, err := cmd.CombinedOutput(); err == nil {
					t.Fatalf("xmlsec1 accepts a tampered %s: %s", filepath.Base(out), msg)
				}
			}
		})
	}
}

// TestSignedProfileSchema: a signed document validates against a profile
// schema that adds the ds:Signature slot (testdata), and not against the
// official schema, as the package documentation says.
func TestSignedProfileSchema(t *testing.T) {
	xsdDir := filepath.Join(testtool.Shared(t, "cefact/xsd-17A"), "data", "standard")
	xmllint := testtool.Need(t, "xmllint")[0]
	abs, err := filepath.Abs(xsdDir)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.ReadFile(filepath.Join("..", "testdata", "SPSCertificate_signed_profile.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	profilePath := filepath.Join(dir, "profile.xsd")
	if err := os.WriteFile(profilePath, bytes.ReplaceAll(profile, []byte("XSD17A_DIR"), []byte(abs)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := testpki.MustNew(testpki.Options{})
	data, err := cefact.Marshal(readSample(t, testtool.Testdata("good_sps_phyto.json")))
	if err != nil {
		t.Fatal(err)
	}
	var signed bytes.Buffer
	if err := Sign(context.Background(), &signed, bytes.NewReader(data), p.SealSigner(), nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "signed.xml")
	if err := os.WriteFile(out, signed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", profilePath, out).CombinedOutput(); err != nil {
		t.Errorf("profile schema rejects the signed document: %v\n%s", err, msg)
	}
	if err := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join(xsdDir, "SPSCertificate_17p0.xsd"), out).Run(); err == nil {
		t.Error("the official schema accepts a signed document; the documentation says it does not")
	}
	// The INTERCOM signed sample fits the same profile.
	intercom := filepath.Join(testtool.Shared(t, "cefact/samples"), "intercom-SPSCertificate-signed.xml")
	if msg, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", profilePath, intercom).CombinedOutput(); err != nil {
		t.Errorf("profile schema rejects the INTERCOM signed sample: %v\n%s", err, msg)
	}
}
