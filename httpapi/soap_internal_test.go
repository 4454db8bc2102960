package httpapi

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseSOAP: the SOAP reader never panics and either finds an
// operation in the pull namespace or returns an error.
func FuzzParseSOAP(f *testing.F) {
	for _, s := range []string{
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><p:PullCertificate xmlns:p="urn:ecertkit:pull:1"><p:NPPOCertificateNumber>X</p:NPPOCertificateNumber></p:PullCertificate></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><a/></s:Header><s:Body/></s:Envelope>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><x/>`,
		`<Envelope/>`,
		``,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><p:GetNewEnvelopeHeaders xmlns:p="urn:ecertkit:pull:1"><p:Since>1</p:Since></p:GetNewEnvelopeHeaders></s:Body></s:Envelope>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		op, dec, start, err := parseSOAP(strings.NewReader(s))
		if err != nil {
			return
		}
		if op == "" || start.Name.Space != PullNS || dec == nil {
			t.Fatalf("op %q in %q without error", op, start.Name.Space)
		}
		var req pullReq
		_ = dec.DecodeElement(&req, &start)
	})
}

func TestNewServerTimeouts(t *testing.T) {
	s := NewServer(":0", nil, ServerOptions{})
	if s.ReadHeaderTimeout != 5*time.Second || s.ReadTimeout == 0 || s.WriteTimeout == 0 || s.IdleTimeout == 0 || s.MaxHeaderBytes != 64<<10 {
		t.Errorf("server limits: %+v", s)
	}
	s = NewServer(":0", nil, ServerOptions{ReadTimeout: time.Second})
	if s.ReadTimeout != time.Second {
		t.Errorf("ReadTimeout %v", s.ReadTimeout)
	}
}

func TestCSRF(t *testing.T) {
	c := &CSRF{Key: []byte("0123456789abcdef0123456789abcdef")}
	if c.mac("a") == c.mac("b") || c.mac("a") != c.mac("a") {
		t.Error("mac")
	}
	other := &CSRF{Key: []byte("another key another key another k")}
	if other.mac("a") == c.mac("a") {
		t.Error("key ignored")
	}
}
