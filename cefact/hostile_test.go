package cefact

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const spsHead = `<rsm:SPSCertificate xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSCertificate:17" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21">`

func TestHostileInput(t *testing.T) {
	deep := spsHead + strings.Repeat("<ram:X>", 100000) + strings.Repeat("</ram:X>", 100000) + "</rsm:SPSCertificate>"
	many := spsHead + strings.Repeat("<ram:X/>", 2000) + "</rsm:SPSCertificate>"
	billion := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>` + spsHead + `<ram:X>&lol9;</ram:X></rsm:SPSCertificate>`
	xxe := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + spsHead + `<ram:X>&xxe;</ram:X></rsm:SPSCertificate>`
	tests := []struct {
		name string
		in   string
		opts *DecodeOptions
		want error
	}{
		{"entity expansion bomb", billion, nil, ErrDTD},
		{"external entity", xxe, nil, ErrDTD},
		{"external DTD", `<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd">` + spsHead + `</rsm:SPSCertificate>`, nil, ErrDTD},
		{"depth bomb", deep, nil, ErrTooDeep},
		{"depth limit", spsHead + "<ram:A><ram:B><ram:C/></ram:B></ram:A></rsm:SPSCertificate>", &DecodeOptions{MaxDepth: 3}, ErrTooDeep},
		{"element limit", many, &DecodeOptions{MaxElements: 1000}, ErrTooManyElements},
		{"oversized", many, &DecodeOptions{MaxBytes: 1000}, ErrTooLarge},
		{"invalid UTF-8", spsHead + "<ram:X>\xff\xfe</ram:X></rsm:SPSCertificate>", nil, ErrInvalidUTF8},
		{"wrong root", `<html/>`, nil, ErrNotSPS},
		{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>` + spsHead + `</rsm:SPSCertificate>`, nil, nil},
		{"undefined entity", spsHead + "<ram:X>&xxe;</ram:X></rsm:SPSCertificate>", nil, nil},
		{"unbound prefix", `<rsm:SPSCertificate/>`, nil, nil},
		{"truncated", spsHead + "<ram:X>", nil, nil},
		{"two roots", spsHead + "</rsm:SPSCertificate>" + spsHead + "</rsm:SPSCertificate>", nil, nil},
		{"empty", ``, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Decode(strings.NewReader(tt.in), tt.opts)
			if err == nil {
				t.Fatal("accepted")
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error %T %v is not a *DecodeError", err, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			// ReadChecked, which cefact/xmlsig calls before signing or
			// verifying, applies the same protections (it does not check
			// the root element).
			if tt.want != nil && tt.want != ErrNotSPS {
				_, rerr := ReadChecked(strings.NewReader(tt.in), tt.opts)
				if !errors.Is(rerr, tt.want) || !errors.As(rerr, &de) {
					t.Errorf("ReadChecked: %v, want a *DecodeError wrapping %v", rerr, tt.want)
				}
			}
		})
	}
}

// FuzzDecode: Decode never panics, and what it accepts encodes and decodes
// again to the same certificate.
func FuzzDecode(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzDecode (small documents, hostile inputs, a
	// compact encoding of the ISO 9001 sample) and a minimal document.
	f.Add([]byte(spsHead + "</rsm:SPSCertificate>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := &DecodeOptions{MaxBytes: 1 << 20, MaxElements: 20000}
		doc, err := Unmarshal(data, opts)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		out, err := Marshal(doc.Certificate)
		if err != nil {
			t.Fatalf("decoded but cannot encode: %v", err)
		}
		doc2, err := Unmarshal(out, nil)
		if err != nil {
			t.Fatalf("cannot decode own encoding: %v\n%s", err, out)
		}
		if !bytes.Equal(mustCanonical(t, doc.Certificate), mustCanonical(t, doc2.Certificate)) {
			t.Fatalf("decode(encode(decode(x))) != decode(x)\n%s\n%s", mustCanonical(t, doc.Certificate), mustCanonical(t, doc2.Certificate))
		}
	})
}

func mustCanonical(t *testing.T, c interface{ Canonical() ([]byte, error) }) []byte {
	t.Helper()
	b, err := c.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeAcknowledgement: never panics; what it accepts encodes.
func FuzzDecodeAcknowledgement(f *testing.F) {
	f.Add([]byte(`<rsm:SPSAcknowledgement xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSAcknowledgement:17" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"><rsm:SPSAcknowledgementDocument><ram:StatusCode>39</ram:StatusCode><ram:ReferenceSPSReferencedDocument><ram:ID>X</ram:ID></ram:ReferenceSPSReferencedDocument></rsm:SPSAcknowledgementDocument></rsm:SPSAcknowledgement>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _, err := DecodeAcknowledgement(bytes.NewReader(data), &DecodeOptions{MaxBytes: 1 << 20, MaxElements: 20000})
		if err != nil {
			return
		}
		if err := EncodeAcknowledgement(io.Discard, a); err != nil {
			t.Fatalf("decoded but cannot encode: %v", err)
		}
	})
}
