package cefact

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/google/go-cmp/cmp"
)

// diffInputs are the documents of the differential tests: the good
// samples as Encode writes them, every file of ../shared/cefact/samples,
// the seeds of the fuzz targets, and hand-made documents with what the
// model cannot hold (unknown elements and attributes, mixed content,
// references, CDATA, comments, white space, foreign and repeated
// namespaces, translation notes that do not fit) and hostile ones.
func diffInputs(t testing.TB) [][]byte {
	t.Helper()
	var in [][]byte
	for _, f := range goodSamples(t) {
		x, err := Marshal(readSample(t, f))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, x)
		// The same with one leaf, one attribute and one element the
		// model has no field for, in three places.
		s := string(x)
		s = strings.Replace(s, "<ram:ID>", `<ram:ID schemeAgencyID="6">`, 1)
		s = strings.Replace(s, "</rsm:SPSExchangedDocument>", `<ram:CopyIndicator><udt:Indicator xmlns:udt="`+NSUDT+`">false</udt:Indicator></ram:CopyIndicator></rsm:SPSExchangedDocument>`, 1)
		s = strings.Replace(s, "</ram:IncludedSPSTradeLineItem>", `<ram:Extra a="1" xmlns:x="urn:x" x:b="2">t<!-- c --> &amp; <![CDATA[<u>]]><ram:Y/>tail</ram:Extra></ram:IncludedSPSTradeLineItem>`, 1)
		in = append(in, []byte(s))
	}
	shared, _ := filepath.Glob(filepath.Join(testtool.Root(), "..", "shared", "cefact", "samples", "*.xml"))
	for _, f := range shared {
		x, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, x)
	}
	for _, dir := range []string{"FuzzDecode", "FuzzDecodeAcknowledgement", "FuzzDecodeDifferential"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", dir, "*"))
		for _, f := range files {
			in = append(in, readCorpusFile(t, f)...)
		}
	}
	var ack bytes.Buffer
	if err := EncodeAcknowledgement(&ack, sampleAck()); err != nil {
		t.Fatal(err)
	}
	in = append(in, ack.Bytes(),
		bytes.Replace(ack.Bytes(), []byte("</rsm:SPSAcknowledgementDocument>"), []byte(`<ram:Note lang="x">n</ram:Note></rsm:SPSAcknowledgementDocument><rsm:Other/>`), 1))
	const ramNS = `xmlns:ram="` + NSRAM + `"`
	for _, s := range []string{
		spsHead + "</rsm:SPSCertificate>",
		spsHead + "<ram:X>&bad;</ram:X></rsm:SPSCertificate>",
		spsHead + `<rsm:SPSExchangedDocument><ram:ID>A&amp;B</ram:ID><ram:Name languageID="en">x&#xD;y</ram:Name><ram:Other a="1">t</ram:Other></rsm:SPSExchangedDocument></rsm:SPSCertificate>`,
		spsHead + `<rsm:SPSExchangedDocument>  <ram:ID>  A  </ram:ID><ram:ID>B</ram:ID> text <ram:Name>  <!-- c -->  </ram:Name><ram:Name languageID="en"> a <?pi x?> b </ram:Name><ram:Name languageID="en">dup</ram:Name></rsm:SPSExchangedDocument></rsm:SPSCertificate>`,
		spsHead + `<rsm:SPSExchangedDocument><ram:IncludedSPSNote><ram:Subject>ecert:text:holder.name</ram:Subject><ram:Content languageID="fr">x</ram:Content></ram:IncludedSPSNote><ram:IncludedSPSNote><ram:Subject></ram:Subject><ram:Subject>ecert:version</ram:Subject><ram:Content>2</ram:Content></ram:IncludedSPSNote><ram:IncludedSPSNote><ram:Subject>ecert:version</ram:Subject><ram:Content><ram:X/></ram:Content></ram:IncludedSPSNote><ram:IncludedSPSNote><ram:Subject>ecert:remarks</ram:Subject><ram:Content languageID="en">a</ram:Content><ram:Content languageID="en">b</ram:Content></ram:IncludedSPSNote></rsm:SPSExchangedDocument></rsm:SPSCertificate>`,
		`<a:SPSCertificate xmlns:a="` + NSCertificate + `" xmlns:b="` + NSRAM + `" xmlns:c="urn:one" xmlns:d="urn:two" c:x="1" d:y="2"><c:E d:z="3"><d:F/></c:E><b:Unknown xml:lang="en">v</b:Unknown></a:SPSCertificate>`,
		`<rsm:SPSCertificate xmlns:rsm="` + NSCertificate + `" xmlns:ns1="urn:taken" ` + ramNS + `><ns1:A/><ram:B xmlns:ram="urn:other">x</ram:B><rsm:X xmlns:rsm="` + NSAcknowledgement + `"/></rsm:SPSCertificate>`,
		`<x:SPSCertificate xmlns:x="` + NSAcknowledgement + `"/>`,
		`<rsm:SPSAcknowledgement xmlns:rsm="` + NSCertificate + `"/>`,
		`<html/>`,
		``,
		spsHead + "<ram:X>",
		spsHead + "<ram:X>\xff</ram:X></rsm:SPSCertificate>",
		`<!DOCTYPE r>` + spsHead + "</rsm:SPSCertificate>",
		spsHead + strings.Repeat("<ram:X>", 70) + strings.Repeat("</ram:X>", 70) + "</rsm:SPSCertificate>",
		spsHead + `<ram:P q="a&#9;b&#xA;&quot;">` + strings.Repeat("<ram:Q>1</ram:Q>", 40) + `</ram:P></rsm:SPSCertificate>`,
	} {
		in = append(in, []byte(s))
	}
	return in
}

// readCorpusFile reads the []byte values of a Go fuzz corpus file.
func readCorpusFile(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, line := range strings.Split(string(data), "\n") {
		if q, ok := strings.CutPrefix(line, "[]byte("); ok && strings.HasSuffix(q, ")") {
			s, err := strconv.Unquote(q[:len(q)-1])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			out = append(out, []byte(s))
		}
	}
	return out
}

// compareDecoders decodes data as a certificate and as an acknowledgement
// with the decoders of the package and with the etree decoders they
// replaced, and reports any difference: decoded values, unmapped lists,
// kept fragments, error texts, and the encoding of what was decoded.
func compareDecoders(data []byte, opts *DecodeOptions) error {
	doc, err := Unmarshal(data, opts)
	ref, rerr := etreeUnmarshal(data, opts)
	if fmt.Sprint(err) != fmt.Sprint(rerr) {
		return fmt.Errorf("Unmarshal error %v, etree decoder %v", err, rerr)
	}
	if err == nil {
		if diff := cmp.Diff(ref, doc); diff != "" {
			return fmt.Errorf("Unmarshal differs from the etree decoder (-etree +xtree):\n%s", diff)
		}
		out, err := Marshal(doc.Certificate)
		rout, rerr := Marshal(ref.Certificate)
		if fmt.Sprint(err) != fmt.Sprint(rerr) || !bytes.Equal(out, rout) {
			return fmt.Errorf("encodings differ: %v %v\n%s\n%s", err, rerr, out, rout)
		}
		if err := compareEncoders(doc.Certificate); err != nil {
			return err
		}
		// Without the kept parts, Encode writes directly.
		c := *doc.Certificate
		c.Extensions = nil
		for k, v := range doc.Certificate.Extensions {
			if !strings.HasPrefix(k, ExtensionXMLPrefix) {
				if c.Extensions == nil {
					c.Extensions = map[string]string{}
				}
				c.Extensions[k] = v
			}
		}
		if err := compareEncoders(&c); err != nil {
			return err
		}
	}
	a, u, err := DecodeAcknowledgement(bytes.NewReader(data), opts)
	ra, ru, rerr := etreeDecodeAcknowledgement(bytes.NewReader(data), opts)
	if fmt.Sprint(err) != fmt.Sprint(rerr) {
		return fmt.Errorf("DecodeAcknowledgement error %v, etree decoder %v", err, rerr)
	}
	if diff := cmp.Diff(ra, a); diff != "" {
		return fmt.Errorf("DecodeAcknowledgement differs from the etree decoder (-etree +xtree):\n%s", diff)
	}
	if diff := cmp.Diff(ru, u); diff != "" {
		return fmt.Errorf("DecodeAcknowledgement's unmapped list differs (-etree +xtree):\n%s", diff)
	}
	return nil
}

// compareEncoders encodes c with Encode and with the etree path
// (encodeETree) and reports any difference in bytes or errors.
func compareEncoders(c *ecert.Certificate) error {
	var out, ref bytes.Buffer
	err := Encode(&out, c)
	rerr := encodeETree(&ref, c)
	if fmt.Sprint(err) != fmt.Sprint(rerr) {
		return fmt.Errorf("Encode error %v, etree path %v", err, rerr)
	}
	if err == nil && !bytes.Equal(out.Bytes(), ref.Bytes()) {
		return fmt.Errorf("Encode differs from the etree path:\n%s\n%s", out.Bytes(), ref.Bytes())
	}
	return nil
}

// TestDecodeMatchesETree: Decode reads a flat tree (xtree) instead of the
// etree tree it read before; for every sample, seed and hand-made input
// the results are the same, byte for byte.
func TestDecodeMatchesETree(t *testing.T) {
	inputs := diffInputs(t)
	if len(inputs) < 30 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	unmapped := 0
	for i, in := range inputs {
		for _, opts := range []*DecodeOptions{nil, {MaxDepth: 5, MaxElements: 60}} {
			if err := compareDecoders(in, opts); err != nil {
				t.Errorf("input %d (%.60q): %v", i, in, err)
			}
		}
		if doc, err := Unmarshal(in, nil); err == nil {
			unmapped += len(doc.Unmapped)
		}
	}
	// The inputs exercise the unmapped parts, not only the mapped ones.
	if unmapped < 50 {
		t.Errorf("only %d unmapped leaves in all inputs", unmapped)
	}
}

// FuzzDecodeDifferential: for any input, Decode and DecodeAcknowledgement
// give what the etree decoders gave (values, unmapped lists, errors), and
// Encode writes what the etree path writes for what was decoded, with and
// without the kept parts.
func FuzzDecodeDifferential(f *testing.F) {
	for _, in := range diffInputs(f) {
		// Large seeds stall the fuzzing engine's mutator; the
		// differential test reads them all.
		if len(in) <= 16<<10 {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := compareDecoders(data, &DecodeOptions{MaxBytes: 1 << 20, MaxElements: 20000}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestEncodeMatchesETree: Encode writes a certificate without kept parts
// directly, and one with kept parts through an etree tree; both give what
// the etree path gives, for the samples (valid or not), certificates with
// every text in several languages, texts XML cannot carry, an unknown
// status, and a writer that fails.
func TestEncodeMatchesETree(t *testing.T) {
	var certs []*ecert.Certificate
	files, _ := filepath.Glob(testtool.Testdata("*.json"))
	for _, f := range files {
		if c, err := ecert.Decode(bytes.NewReader(mustRead(t, f))); err == nil {
			certs = append(certs, c)
		}
	}
	if len(certs) < 8 {
		t.Fatalf("only %d certificates", len(certs))
	}
	multi := func(base string, n int) ecert.Text {
		t := ecert.Text{}
		for i, l := range []string{"zh", "en", "fr", "", "de", "es", "ar", "ru"}[:min(n, 8)] {
			t[l] = base + strconv.Itoa(i) + " <&>\"'\t\n\r"
		}
		return t
	}
	for i, c := range certs[:len(certs):len(certs)] {
		m := *c
		m.Title, m.Scope, m.Remarks, m.StatusReason = multi("title", 3), multi("scope", 2), multi("r", 4), multi("s", 2)
		party := func(p ecert.Party, n int) ecert.Party {
			p.Name = multi("name", n)
			p.Address = &ecert.Address{Street: multi("street", 2+n), City: multi("city", n), Country: "CN", Postcode: "1&2", Subdivision: "x"}
			return p
		}
		m.Holder = party(m.Holder, 1+i%3)
		m.Applicant = &ecert.Party{ID: "a"}
		*m.Applicant = party(*m.Applicant, 2+i%4)
		m.Manufacturer = &ecert.Party{}
		m.Factories = []ecert.Party{party(ecert.Party{}, 8), {}, party(ecert.Party{ID: "f"}, 3)}
		m.IssuingBody.Name = multi("body", 5)
		m.IssuingBody.Country = "ZZ"
		m.Signatory = &ecert.Signatory{Name: multi("sig", 3), Place: multi("p", 2), Role: multi("role", 2)}
		m.Extensions = map[string]string{"b": "2", "a": "1<"}
		if m.Consignment != nil {
			con := *m.Consignment
			con.Consignor = party(con.Consignor, 2)
			con.Consignee = party(con.Consignee, 7)
			con.EntryPoint = multi("entry", 2)
			con.OriginCountry = "NZ"
			m.Consignment = &con
		}
		certs = append(certs, &m)
		bad := m
		bad.Number = "a\x01b"
		certs = append(certs, &bad)
		bad2 := m
		bad2.Holder.ID = "\xff"
		certs = append(certs, &bad2)
		st := m
		st.Status = "dormant"
		certs = append(certs, &st)
		empty := &ecert.Certificate{Status: c.Status}
		certs = append(certs, empty)
	}
	for i, c := range certs {
		if err := compareEncoders(c); err != nil {
			t.Errorf("certificate %d: %v", i, err)
		}
		// A writer that fails: the same bytes reach it, and the same error.
		for _, n := range []int{0, 1, 2} {
			a, b := &failingWriter{n: n}, &failingWriter{n: n}
			err, rerr := Encode(a, c), encodeETree(b, c)
			if fmt.Sprint(err) != fmt.Sprint(rerr) || !bytes.Equal(a.buf.Bytes(), b.buf.Bytes()) {
				t.Errorf("certificate %d, writer failing after %d writes: %v, etree path %v", i, n, err, rerr)
			}
		}
	}
	// The large sample is written in several pieces.
	big := readSample(t, testtool.Testdata("good_ccc.json"))
	a := &failingWriter{n: 100}
	if err := Encode(a, big); err != nil || a.writes < 2 {
		t.Errorf("large certificate: %v, %d writes", err, a.writes)
	}
	if err := Encode(io.Discard, nil); err == nil {
		t.Error("nil certificate encoded")
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// failingWriter accepts n writes and fails after.
type failingWriter struct {
	n, writes int
	buf       bytes.Buffer
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.writes >= w.n {
		return 0, errors.New("disk full")
	}
	w.writes++
	return w.buf.Write(p)
}
