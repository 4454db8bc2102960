package xmlsig

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

const spsHead = `<rsm:SPSCertificate xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSCertificate:17" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21">`

// TestHostileInput: Verify and Sign apply cefact's protections
// (cefact.ReadChecked) before any signature processing, and fail with the
// same typed *cefact.DecodeError as cefact.Decode.
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
		opts *cefact.DecodeOptions
		want error
	}{
		{"entity expansion bomb", billion, nil, cefact.ErrDTD},
		{"external entity", xxe, nil, cefact.ErrDTD},
		{"external DTD", `<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd">` + spsHead + `</rsm:SPSCertificate>`, nil, cefact.ErrDTD},
		{"depth bomb", deep, nil, cefact.ErrTooDeep},
		{"depth limit", spsHead + "<ram:A><ram:B><ram:C/></ram:B></ram:A></rsm:SPSCertificate>", &cefact.DecodeOptions{MaxDepth: 3}, cefact.ErrTooDeep},
		{"element limit", many, &cefact.DecodeOptions{MaxElements: 1000}, cefact.ErrTooManyElements},
		{"oversized", many, &cefact.DecodeOptions{MaxBytes: 1000}, cefact.ErrTooLarge},
		{"invalid UTF-8", spsHead + "<ram:X>\xff\xfe</ram:X></rsm:SPSCertificate>", nil, cefact.ErrInvalidUTF8},
		{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>` + spsHead + `</rsm:SPSCertificate>`, nil, nil},
		{"undefined entity", spsHead + "<ram:X>&xxe;</ram:X></rsm:SPSCertificate>", nil, nil},
		{"truncated", spsHead + "<ram:X>", nil, nil},
		{"two roots", spsHead + "</rsm:SPSCertificate>" + spsHead + "</rsm:SPSCertificate>", nil, nil},
		{"empty", ``, nil, nil},
	}
	p := testpki.MustNew(testpki.Options{})
	check := func(t *testing.T, op string, err error, want error, start time.Time) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s accepted", op)
		}
		var de *cefact.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: error %T %v is not a *cefact.DecodeError", op, err, err)
		}
		if want != nil && !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", op, err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v", op, d)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var limits cefact.DecodeOptions
			if tt.opts != nil {
				limits = *tt.opts
			}
			start := time.Now()
			_, err := Verify(strings.NewReader(tt.in), &VerifyOptions{Roots: x509.NewCertPool(), Limits: limits})
			check(t, "Verify", err, tt.want, start)
			start = time.Now()
			err = Sign(context.Background(), io.Discard, strings.NewReader(tt.in), p.SealSigner(), tt.opts)
			check(t, "Sign", err, tt.want, start)
		})
	}
}

// FuzzVerify: Verify never panics on untrusted input and never accepts a
// document that is not signed by the test PKI.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(spsHead + "</rsm:SPSCertificate>"))
	f.Add([]byte(spsHead + `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></rsm:SPSCertificate>`))
	roots := x509.NewCertPool()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Verify(bytes.NewReader(data), &VerifyOptions{Roots: roots, Limits: cefact.DecodeOptions{MaxBytes: 1 << 20, MaxElements: 20000}})
		if err == nil {
			t.Fatalf("verified with an empty trust store: %+v", v)
		}
	})
}
