package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

func TestXMLEncodeValidates(t *testing.T) {
	xsd := filepath.Join(testtool.Shared(t, "cefact/xsd-17A"), "data", "standard", "SPSCertificate_17p0.xsd")
	xmllint := testtool.Need(t, "xmllint")[0]
	files, _ := filepath.Glob(sample("good_*.json"))
	if len(files) < 4 {
		t.Fatalf("only %d good samples", len(files))
	}
	dir := t.TempDir()
	for _, f := range files {
		code, out, errs := runMain(t, "", "xml", "encode", f)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", f, code, errs)
		}
		p := filepath.Join(dir, filepath.Base(f)+".xml")
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, p).CombinedOutput(); err != nil {
			t.Errorf("%s: xmllint: %v\n%s", f, err, msg)
		}
	}
	// -o writes the file.
	p := filepath.Join(dir, "out.xml")
	if code, _, errs := runMain(t, "", "xml", "encode", "-o", p, files[0]); code != exitOK {
		t.Fatalf("-o: exit %d %s", code, errs)
	}
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Errorf("-o: %v", err)
	}
}

// TestXMLDecodeSamples decodes every shared sample to JSON and encodes the
// JSON back: every leaf of the sample survives the trip through JSON.
func TestXMLDecodeSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testtool.Shared(t, "cefact/samples"), "*.xml"))
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	dir := t.TempDir()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, errs := runMain(t, "", "xml", "decode", f)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["number"] == "" {
				t.Fatalf("output is not a certificate: %v", err)
			}
			if !strings.Contains(errs, "kept in extensions") || !strings.Contains(errs, "/rsm:SPSCertificate/") {
				t.Errorf("unmapped leaves not reported: %q", errs)
			}
			js := filepath.Join(dir, filepath.Base(f)+".json")
			os.WriteFile(js, []byte(out), 0o644)
			code, back, errs := runMain(t, "", "xml", "encode", js)
			if code != exitOK {
				t.Fatalf("encode back: exit %d: %s", code, errs)
			}
			orig, _ := os.ReadFile(f)
			want, got := xmlLeaves(t, orig), xmlLeaves(t, []byte(back))
			for l, n := range want {
				if got[l] < n {
					t.Errorf("lost %s = %.40q", l[0], l[1])
				}
			}
		})
	}
	if code, _, errs := runMain(t, "", "xml", "decode", "-q", files[0]); code != exitOK || strings.Contains(errs, "/rsm:") {
		t.Errorf("-q: exit %d, %q", code, errs)
	}
	if code, _, _ := runMain(t, "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "xml", "decode", "-"); code != exitUsage {
		t.Errorf("DOCTYPE on stdin: exit %d", code)
	}
	ack := `<rsm:SPSAcknowledgement xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSAcknowledgement:17" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"><rsm:SPSAcknowledgementDocument><ram:StatusCode>39</ram:StatusCode><ram:ReferenceSPSReferencedDocument><ram:ID>CO-1</ram:ID></ram:ReferenceSPSReferencedDocument></rsm:SPSAcknowledgementDocument></rsm:SPSAcknowledgement>`
	if code, out, errs := runMain(t, ack, "xml", "decode", "-"); code != exitOK || !strings.Contains(out, `"status": "39"`) || !strings.Contains(out, `"id": "CO-1"`) {
		t.Errorf("acknowledgement: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runMain(t, "<html/>", "xml", "decode", "-"); code != exitUsage {
		t.Errorf("not SPS: exit %d", code)
	}
	if code, _, _ := runMain(t, "", "xml", "decode"); code != exitUsage {
		t.Errorf("no file: exit %d", code)
	}
}

// xmlLeaves lists {path, value} leaves with namespaces resolved.
func xmlLeaves(t *testing.T, data []byte) map[[2]string]int {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	type frame struct {
		path   string
		counts map[string]int
		text   strings.Builder
		kids   bool
	}
	out := map[[2]string]int{}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			name := "{" + x.Name.Space + "}" + x.Name.Local
			path := "/" + name
			if n := len(stack); n > 0 {
				stack[n-1].kids = true
				stack[n-1].counts[name]++
				path = fmt.Sprintf("%s/%s[%d]", stack[n-1].path, name, stack[n-1].counts[name])
			}
			for _, a := range x.Attr {
				if a.Name.Space != "xmlns" && !(a.Name.Space == "" && a.Name.Local == "xmlns") {
					out[[2]string{path + "/@{" + a.Name.Space + "}" + a.Name.Local, a.Value}]++
				}
			}
			stack = append(stack, &frame{path: path, counts: map[string]int{}})
		case xml.CharData:
			if n := len(stack); n > 0 {
				stack[n-1].text.Write(x)
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !top.kids {
				out[[2]string{top.path, top.text.String()}]++
			}
		}
	}
}

func TestXMLSignVerify(t *testing.T) {
	dir := t.TempDir()
	p := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256})
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	key := "file:" + filepath.Join(dir, "seal-key.pem") + "?chain=" + filepath.Join(dir, "seal-chain.pem")
	root := filepath.Join(dir, "root.pem")
	signed := filepath.Join(dir, "signed.xml")
	// From JSON: encoded, then signed.
	if code, _, errs := runMain(t, "", "xml", "sign", "-key", key, "-o", signed, sample("good_sps_phyto.json")); code != exitOK {
		t.Fatalf("sign: exit %d: %s", code, errs)
	}
	code, out, errs := runMain(t, "", "xml", "verify", "-trust", root, "-o", "-", signed)
	if code != exitOK || !strings.Contains(out, "signature valid (ecdsa-sha256)") || !strings.Contains(out, `"number": "CN-PHY-2024-0012345"`) {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	// From XML on standard input.
	_, xmlDoc, _ := runMain(t, "", "xml", "encode", sample("good_iso9001.json"))
	code, signedOut, errs := runMain(t, xmlDoc, "xml", "sign", "-key", key, "-")
	if code != exitOK || !strings.Contains(signedOut, "<ds:Signature") {
		t.Fatalf("sign stdin: exit %d: %s", code, errs)
	}
	if code, out, _ := runMain(t, signedOut, "xml", "verify", "-trust", root, "-"); code != exitOK {
		t.Errorf("verify stdin: exit %d %s", code, out)
	}
	// Tampered: exit 1 with a reason.
	bad := strings.Replace(signedOut, "00124Q31234R2M", "00124Q31234R2X", 1)
	if code, out, _ := runMain(t, bad, "xml", "verify", "-trust", root, "-"); code != exitNo || !strings.Contains(out, "INVALID") {
		t.Errorf("tampered: exit %d %q", code, out)
	}
	// Signing twice is refused.
	if code, _, _ := runMain(t, signedOut, "xml", "sign", "-key", key, "-"); code != exitUsage {
		t.Errorf("sign signed: exit %d", code)
	}
	// xmlsec1 agrees.
	if xmlsec := testtool.Need(t, "xmlsec1"); xmlsec != nil {
		if msg, err := exec.Command(xmlsec[0], "--verify", "--trusted-pem", root, signed).CombinedOutput(); err != nil {
			t.Errorf("xmlsec1: %v\n%s", err, msg)
		}
	}
	// Usage.
	if code, _, _ := runMain(t, "", "xml", "sign", signed); code != exitUsage {
		t.Errorf("sign without -key: exit %d", code)
	}
	if code, _, _ := runMain(t, "", "xml", "verify", signed); code != exitUsage {
		t.Errorf("verify without -trust: exit %d", code)
	}
}

func TestXMLVerifyIntercom(t *testing.T) {
	f := filepath.Join(testtool.Shared(t, "cefact/samples"), "intercom-SPSCertificate-signed.xml")
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	b64 := s[strings.Index(s, "<ds:X509Certificate>")+len("<ds:X509Certificate>") : strings.Index(s, "</ds:X509Certificate>")]
	blk, _ := pem.Decode([]byte("-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n"))
	root := filepath.Join(t.TempDir(), "agrocalidad.pem")
	os.WriteFile(root, pem.EncodeToMemory(blk), 0o644)
	if code, out, errs := runMain(t, "", "xml", "verify", "-trust", root, "-time", "2025-01-01T00:00:00Z", f); code != exitOK || !strings.Contains(out, "certificate 123456789CO") {
		t.Errorf("fixed clock: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := runMain(t, "", "xml", "verify", "-trust", root, f); code != exitNo {
		t.Errorf("now (expired): exit %d %s", code, out)
	}
}
