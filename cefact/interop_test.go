package cefact

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
)

// TestXMLLintSchema validates against the official 17A schema, with
// xmllint: the encoding of every good sample, of a certificate with every
// field set (with and without consignment), and the re-encoding of the
// decoded schema-valid INTERCOM samples.
func TestXMLLintSchema(t *testing.T) {
	xsd := filepath.Join(testtool.Shared(t, "cefact/xsd-17A"), "data", "standard", "SPSCertificate_17p0.xsd")
	xmllint := testtool.Need(t, "xmllint")[0]
	dir := t.TempDir()
	validate := func(t *testing.T, name string, data []byte) {
		t.Helper()
		out := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xmllint rejects %s: %v\n%s", name, err, msg)
		}
	}
	encode := func(t *testing.T, c *ecert.Certificate) []byte {
		t.Helper()
		data, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, path := range goodSamples(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			validate(t, filepath.Base(path), encode(t, readSample(t, path)))
		})
	}
	t.Run("all fields", func(t *testing.T) { validate(t, "full", encode(t, fullCertificate())) })
	t.Run("all fields, no consignment", func(t *testing.T) {
		c := fullCertificate()
		c.Consignment = nil
		validate(t, "full-noconsignment", encode(t, c))
	})
	samples := testtool.Shared(t, "cefact/samples")
	for _, name := range []string{"intercom-SPSCertificate.xml", "intercom-SPSCertificate-annotated.xml"} {
		t.Run("re-encoded "+name, func(t *testing.T) {
			x, err := os.ReadFile(filepath.Join(samples, name))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Unmarshal(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, "re-"+name, encode(t, doc.Certificate))
		})
	}
}
