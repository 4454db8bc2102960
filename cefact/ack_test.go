package cefact

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/google/go-cmp/cmp"
)

func sampleAck() *Acknowledgement {
	return &Acknowledgement{
		Issued: time.Date(2024, 10, 9, 8, 0, 0, 0, time.UTC),
		Status: AckApproved,
		Reason: ecert.Text{"en": "Received and accepted", "zh": "已接收并接受"},
		References: []ecert.Reference{
			{Type: "851", ID: "CN-PHY-2024-0012345", Issued: time.Date(2024, 10, 8, 9, 30, 0, 0, time.FixedZone("", 8*3600))},
			{Type: "import-permit", ID: "SG-IP-2024-77"},
		},
	}
}

func TestAcknowledgementRoundTrip(t *testing.T) {
	a := sampleAck()
	var buf bytes.Buffer
	if err := EncodeAcknowledgement(&buf, a); err != nil {
		t.Fatal(err)
	}
	got, unmapped, err := DecodeAcknowledgement(bytes.NewReader(buf.Bytes()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if len(unmapped) != 0 {
		t.Errorf("unmapped: %v", unmapped)
	}
	// A certificate decoder refuses an acknowledgement, and vice versa.
	if _, err := Unmarshal(buf.Bytes(), nil); !errors.Is(err, ErrNotSPS) {
		t.Errorf("Decode(acknowledgement) = %v, want ErrNotSPS", err)
	}
	cert, _ := Marshal(readSample(t, testtool.Testdata("good_sps_phyto.json")))
	if _, _, err := DecodeAcknowledgement(bytes.NewReader(cert), nil); !errors.Is(err, ErrNotSPS) {
		t.Errorf("DecodeAcknowledgement(certificate) = %v, want ErrNotSPS", err)
	}
}

func TestAcknowledgementTolerant(t *testing.T) {
	in := `<?xml version="1.0"?>
<a:SPSAcknowledgement xmlns:a="urn:un:unece:uncefact:data:standard:SPSAcknowledgement:17"
  xmlns:r="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"
  xmlns:u="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21">
 <a:SPSAcknowledgementDocument>
  <r:IssueDateTime><u:DateTimeString format="205">202410090800</u:DateTimeString></r:IssueDateTime>
  <r:StatusCode listAgencyID="6">41</r:StatusCode>
  <r:ReasonInformation>Certificate number unknown</r:ReasonInformation>
  <r:ReferenceSPSReferencedDocument>
   <r:TypeCode>851</r:TypeCode>
   <r:RelationshipTypeCode>AAA</r:RelationshipTypeCode>
   <r:ID>CO-123</r:ID>
  </r:ReferenceSPSReferencedDocument>
 </a:SPSAcknowledgementDocument>
</a:SPSAcknowledgement>`
	a, unmapped, err := DecodeAcknowledgement(strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Acknowledgement{Status: AckRejected, Reason: ecert.Text{"": "Certificate number unknown"}, References: []ecert.Reference{{Type: "851", ID: "CO-123"}}}
	if diff := cmp.Diff(want, a, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Extensions" }, cmp.Ignore())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var paths []string
	for _, u := range unmapped {
		paths = append(paths, u.XPath+"="+u.Value)
	}
	wantPaths := []string{
		"/rsm:SPSAcknowledgement/rsm:SPSAcknowledgementDocument[1]/ram:IssueDateTime[1]/udt:DateTimeString[1]/@format=205",
		"/rsm:SPSAcknowledgement/rsm:SPSAcknowledgementDocument[1]/ram:IssueDateTime[1]/udt:DateTimeString[1]=202410090800",
		"/rsm:SPSAcknowledgement/rsm:SPSAcknowledgementDocument[1]/ram:StatusCode[1]/@listAgencyID=6",
		"/rsm:SPSAcknowledgement/rsm:SPSAcknowledgementDocument[1]/ram:ReferenceSPSReferencedDocument[1]/ram:RelationshipTypeCode[1]=AAA",
	}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("unmapped (-want +got):\n%s", diff)
	}
	// Encoding keeps every leaf.
	var out bytes.Buffer
	if err := EncodeAcknowledgement(&out, a); err != nil {
		t.Fatal(err)
	}
	wl, gl := leaves(t, []byte(in)), leaves(t, out.Bytes())
	for l, n := range wl {
		if gl[l] < n {
			t.Errorf("lost %s = %q", l.path, l.value)
		}
	}
}

func TestAcknowledgementSchema(t *testing.T) {
	xsd := filepath.Join(testtool.Shared(t, "cefact/xsd-17A"), "data", "standard", "SPSAcknowledgement_17p0.xsd")
	xmllint := testtool.Need(t, "xmllint")[0]
	var buf bytes.Buffer
	if err := EncodeAcknowledgement(&buf, sampleAck()); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "ack.xml")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, out).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, msg)
	}
}
