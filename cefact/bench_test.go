package cefact

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// benchCases: a small certificate (the SPS phytosanitary sample, two
// items) and a large one (the CCC sample, 300 models).
var benchCases = []struct{ name, file string }{
	{"small", "good_sps_phyto.json"},
	{"ccc300", "good_ccc.json"},
}

func BenchmarkEncode(b *testing.B) {
	for _, bc := range benchCases {
		c := readSample(b, testtool.Testdata(bc.file))
		data, _ := Marshal(c)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu0 := cpuTime()
			for b.Loop() {
				if err := Encode(io.Discard, c); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0, "docs")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bc := range benchCases {
		data, _ := Marshal(readSample(b, testtool.Testdata(bc.file)))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Unmarshal(data, nil); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0, "docs")
		})
	}
}

// BenchmarkRoundTrip is one encode plus one decode: the goal is 20,000
// small round trips per second per core. On a busy machine, read
// roundtrips/cpu-s (CPU time, see report) and compare with
// BenchmarkStdlibXML in the same run:
//
//	go test ./cefact -run XXX -bench 'RoundTrip|StdlibXML' -cpu 1
func BenchmarkRoundTrip(b *testing.B) {
	for _, bc := range benchCases {
		c := readSample(b, testtool.Testdata(bc.file))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			cpu0 := cpuTime()
			for b.Loop() {
				buf.Reset()
				if err := Encode(&buf, c); err != nil {
					b.Fatal(err)
				}
				if _, err := Unmarshal(buf.Bytes(), nil); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0, "roundtrips")
		})
	}
}

// The baseline: the same documents through plain encoding/xml structs
// (the elements that carry the certificate, no mapping logic, no
// tolerance, no unmapped bookkeeping).
type stdText struct {
	Lang  string `xml:"languageID,attr,omitempty"`
	Value string `xml:",chardata"`
}
type stdNote struct {
	Subject string    `xml:"Subject"`
	Content []stdText `xml:"Content"`
}
type stdParty struct {
	ID      string    `xml:"ID,omitempty"`
	Name    []stdText `xml:"Name"`
	Role    string    `xml:"RoleCode,omitempty"`
	Address *struct {
		Postcode string    `xml:"PostcodeCode,omitempty"`
		Line     []stdText `xml:"LineOne"`
		City     []stdText `xml:"CityName"`
		Country  string    `xml:"CountryID,omitempty"`
	} `xml:"SpecifiedSPSAddress"`
}
type stdClass struct {
	System string    `xml:"SystemName"`
	Code   string    `xml:"ClassCode"`
	Name   []stdText `xml:"ClassName"`
}
type stdLine struct {
	Seq         string     `xml:"SequenceNumeric"`
	Description []stdText  `xml:"Description"`
	Notes       []stdNote  `xml:"AdditionalInformationSPSNote"`
	Class       []stdClass `xml:"ApplicableSPSClassification"`
}
type stdCert struct {
	XMLName xml.Name `xml:"urn:un:unece:uncefact:data:standard:SPSCertificate:17 SPSCertificate"`
	Doc     struct {
		Name      []stdText `xml:"Name"`
		ID        string    `xml:"ID"`
		TypeCode  string    `xml:"TypeCode"`
		Status    string    `xml:"StatusCode"`
		IssueDate string    `xml:"IssueDateTime>DateTimeString"`
		Issuer    stdParty  `xml:"IssuerSPSParty"`
		Notes     []stdNote `xml:"IncludedSPSNote"`
	} `xml:"SPSExchangedDocument"`
	Consignment struct {
		Consignor stdParty `xml:"ConsignorSPSParty"`
		Consignee stdParty `xml:"ConsigneeSPSParty"`
		Export    struct {
			ID      string     `xml:"ID"`
			Parties []stdParty `xml:"SubordinateSPSCountrySubDivision>ActivityAuthorizedSPSParty"`
		} `xml:"ExportSPSCountry"`
		Import string    `xml:"ImportSPSCountry>ID"`
		Lines  []stdLine `xml:"IncludedSPSConsignmentItem>IncludedSPSTradeLineItem"`
	} `xml:"SPSConsignment"`
}

func BenchmarkStdlibXML(b *testing.B) {
	for _, bc := range benchCases {
		data, _ := Marshal(readSample(b, testtool.Testdata(bc.file)))
		var v stdCert
		if err := xml.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
		b.Run("marshal/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := xml.NewEncoder(io.Discard).Encode(&v); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0, "docs")
		})
		b.Run("unmarshal/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu0 := cpuTime()
			for b.Loop() {
				var w stdCert
				if err := xml.Unmarshal(data, &w); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0, "docs")
		})
	}
}

// report gives the rate per second of wall time and, where the process's
// CPU time is measured, per CPU-second (user+system, GC included: the
// per-core rate, steadier than wall time on a shared machine).
func report(b *testing.B, cpu0 time.Duration, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit+"/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/cpu.Seconds(), unit+"/cpu-s")
	}
}
