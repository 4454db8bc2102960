package httpapi

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SOAP namespaces.
const (
	SOAPEnvNS = "http://schemas.xmlsoap.org/soap/envelope/"
	PullNS    = "urn:ecertkit:pull:1"
)

//go:embed ephyto.wsdl
var wsdlText string

// WSDL returns the pull service's WSDL with the endpoint address.
func WSDL(address string) []byte {
	var b strings.Builder
	xml.EscapeText(&b, []byte(address))
	return []byte(strings.Replace(wsdlText, "{{ADDRESS}}", b.String(), 1))
}

func (a *API) baseURL(r *http.Request) string {
	if a.BaseURL != "" {
		return strings.TrimSuffix(a.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *API) wsdl(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(WSDL(a.baseURL(r) + "/soap"))
}

// SOAPFault is a SOAP 1.1 fault: Code is "Client", "Server" or
// "VersionMismatch".
type SOAPFault struct {
	Code   string
	String string
}

func (f *SOAPFault) Error() string { return "httpapi: soap fault " + f.Code + ": " + f.String }

func writeSOAP(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<soap:Envelope xmlns:soap="`+SOAPEnvNS+`" xmlns:tns="`+PullNS+`"><soap:Body>`+body+`</soap:Body></soap:Envelope>`)
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeFault answers with a fault: HTTP 500 as SOAP 1.1 requires, or the
// status of an AuthError (401, 403) so that HTTP clients see it too.
func writeFault(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	f := &SOAPFault{Code: "Server", String: "internal error"}
	var sf *SOAPFault
	var ae *AuthError
	switch {
	case errors.As(err, &sf):
		f = sf
	case errors.As(err, &ae):
		status = ae.Status
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ecertkit"`)
		}
		f = &SOAPFault{Code: "Client", String: ae.Reason}
	case IsTooLarge(err):
		status = http.StatusRequestEntityTooLarge
		f = &SOAPFault{Code: "Client", String: "request too large"}
	default:
		if c := StatusOf(err); c < 500 {
			f = &SOAPFault{Code: "Client", String: err.Error()}
		}
	}
	writeSOAP(w, status, `<soap:Fault><faultcode>soap:`+f.Code+`</faultcode><faultstring>`+esc(f.String)+`</faultstring></soap:Fault>`)
}

func clientFault(format string, args ...any) error {
	return &SOAPFault{Code: "Client", String: fmt.Sprintf(format, args...)}
}

// parseSOAP reads a SOAP 1.1 envelope and returns the first element of
// its Body.
func parseSOAP(r io.Reader) (string, *xml.Decoder, xml.StartElement, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	depth := 0
	inBody := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if IsTooLarge(err) {
				return "", nil, xml.StartElement{}, err
			}
			return "", nil, xml.StartElement{}, clientFault("malformed SOAP envelope: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "Envelope" {
					return "", nil, xml.StartElement{}, clientFault("the document element is %s, not a SOAP Envelope", t.Name.Local)
				}
				if t.Name.Space != SOAPEnvNS {
					return "", nil, xml.StartElement{}, &SOAPFault{Code: "VersionMismatch", String: "the Envelope is not in the SOAP 1.1 namespace " + SOAPEnvNS}
				}
			case depth == 2 && t.Name.Space == SOAPEnvNS && t.Name.Local == "Header":
				if err := dec.Skip(); err != nil {
					return "", nil, xml.StartElement{}, clientFault("malformed SOAP Header: %v", err)
				}
				depth--
			case depth == 2 && t.Name.Space == SOAPEnvNS && t.Name.Local == "Body":
				inBody = true
			case depth == 2:
				return "", nil, xml.StartElement{}, clientFault("unexpected element %s in the Envelope", t.Name.Local)
			case depth == 3 && inBody:
				if t.Name.Space != PullNS {
					return "", nil, xml.StartElement{}, clientFault("operation %s is not in namespace %s", t.Name.Local, PullNS)
				}
				return t.Name.Local, dec, t, nil
			}
		case xml.EndElement:
			depth--
			if inBody && depth == 1 {
				return "", nil, xml.StartElement{}, clientFault("the SOAP Body is empty")
			}
		case xml.Directive:
			return "", nil, xml.StartElement{}, clientFault("DTDs are not allowed in SOAP messages")
		}
	}
}

type getHeadersReq struct {
	Since uint64 `xml:"urn:ecertkit:pull:1 Since"`
	Limit int    `xml:"urn:ecertkit:pull:1 Limit"`
}

type pullReq struct {
	Number  string `xml:"urn:ecertkit:pull:1 NPPOCertificateNumber"`
	Version int    `xml:"urn:ecertkit:pull:1 CertificateVersion"`
}

type ackReq struct {
	Delivery uint64 `xml:"urn:ecertkit:pull:1 HUBDeliveryNumber"`
	Number   string `xml:"urn:ecertkit:pull:1 NPPOCertificateNumber"`
	Version  int    `xml:"urn:ecertkit:pull:1 CertificateVersion"`
}

func headerXML(h ChangeHeader) string {
	return `<tns:EnvelopeHeader><tns:HUBDeliveryNumber>` + strconv.FormatUint(h.Index, 10) + `</tns:HUBDeliveryNumber>` +
		`<tns:From>` + esc(h.BodyID) + `</tns:From>` +
		`<tns:NPPOCertificateNumber>` + esc(h.Number) + `</tns:NPPOCertificateNumber>` +
		`<tns:CertificateVersion>` + strconv.Itoa(h.Version) + `</tns:CertificateVersion>` +
		`<tns:CertificateStatus>` + esc(h.Status) + `</tns:CertificateStatus>` +
		`<tns:EventType>` + esc(h.Event) + `</tns:EventType>` +
		`<tns:Time>` + h.Time.UTC().Format(time.RFC3339Nano) + `</tns:Time></tns:EnvelopeHeader>`
}

// stripDecl removes an XML declaration so that a document can be
// embedded in another.
func stripDecl(doc []byte) []byte {
	doc = bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))
	doc = bytes.TrimSpace(doc)
	if bytes.HasPrefix(doc, []byte("<?xml")) {
		if i := bytes.Index(doc, []byte("?>")); i >= 0 {
			doc = bytes.TrimSpace(doc[i+2:])
		}
	}
	return doc
}

func (a *API) soap(w http.ResponseWriter, r *http.Request) {
	p, err := a.Authenticate(r)
	if err == nil && p == nil {
		err = Unauthenticated("credentials required: an API token or a registered TLS client certificate")
	}
	if err != nil {
		writeFault(w, err)
		return
	}
	op, dec, start, err := parseSOAP(r.Body)
	if err != nil {
		writeFault(w, err)
		return
	}
	body, err := a.soapOp(r.Context(), p, op, dec, start)
	if err != nil {
		writeFault(w, err)
		return
	}
	writeSOAP(w, http.StatusOK, body)
}

func (a *API) soapOp(ctx context.Context, p *Principal, op string, dec *xml.Decoder, start xml.StartElement) (string, error) {
	switch op {
	case "GetNewEnvelopeHeaders":
		var req getHeadersReq
		if err := dec.DecodeElement(&req, &start); err != nil {
			return "", clientFault("GetNewEnvelopeHeaders: %v", err)
		}
		pg, err := Changes(ctx, a.Registry, req.Since, req.Limit)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		b.WriteString(`<tns:GetNewEnvelopeHeadersResponse><tns:Next>` + strconv.FormatUint(pg.Next, 10) + `</tns:Next>`)
		for _, h := range pg.Changes {
			b.WriteString(headerXML(h))
		}
		b.WriteString(`</tns:GetNewEnvelopeHeadersResponse>`)
		return b.String(), nil
	case "PullCertificate":
		var req pullReq
		if err := dec.DecodeElement(&req, &start); err != nil {
			return "", clientFault("PullCertificate: %v", err)
		}
		if req.Number == "" {
			return "", clientFault("PullCertificate: NPPOCertificateNumber is required")
		}
		rec, err := a.Registry.Get(ctx, req.Number)
		if err != nil {
			return "", clientFault("%v", err)
		}
		v := req.Version
		if v == 0 {
			v = rec.Version
		}
		doc, err := a.Store.Document(ctx, req.Number, v, KindXML)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return "", clientFault("no UN/CEFACT XML for %s version %d", req.Number, v)
			}
			return "", err
		}
		status := rec.Status
		if v != rec.Version {
			status = "superseded"
		}
		h := ChangeHeader{Number: req.Number, Version: v, Status: string(status), BodyID: rec.Certificate.IssuingBody.ID, Event: "pull", Time: a.now()}
		if hist, err := a.Registry.History(ctx, req.Number); err == nil {
			for _, e := range hist.Events {
				if e.Version == v || e.Version == 0 {
					h.Index, h.Event = e.Index, e.Type
				}
			}
		}
		return `<tns:PullCertificateResponse><tns:Envelope>` + headerXML(h) + `<tns:Content>` + string(stripDecl(doc)) +
			`</tns:Content></tns:Envelope></tns:PullCertificateResponse>`, nil
	case "AcknowledgeEnvelopeReceipt":
		var req ackReq
		if err := dec.DecodeElement(&req, &start); err != nil {
			return "", clientFault("AcknowledgeEnvelopeReceipt: %v", err)
		}
		if req.Number == "" || req.Version < 1 {
			return "", clientFault("AcknowledgeEnvelopeReceipt: NPPOCertificateNumber and CertificateVersion are required")
		}
		if _, err := a.Registry.GetVersion(ctx, req.Number, req.Version); err != nil {
			return "", clientFault("%v", err)
		}
		if err := a.Store.Acknowledge(ctx, p.ID, req.Delivery, req.Number, req.Version); err != nil {
			return "", err
		}
		return `<tns:AcknowledgeEnvelopeReceiptResponse><tns:Acknowledged>true</tns:Acknowledged></tns:AcknowledgeEnvelopeReceiptResponse>`, nil
	}
	return "", clientFault("unknown operation %s", op)
}

// Acknowledgement is a receipt a party acknowledged.
type Acknowledgement struct {
	Principal string
	Delivery  uint64
	Number    string
	Version   int
	At        time.Time
}

// Acknowledge records that a party received a delivery (idempotent).
func (s *Store) Acknowledge(ctx context.Context, principal string, delivery uint64, number string, version int) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO acks (principal, log_index, number, version, at) VALUES (?, ?, ?, ?, ?)`,
		principal, int64(delivery), number, version, s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("httpapi: acknowledge: %w", err)
	}
	return nil
}

// Acknowledgements lists what a principal acknowledged.
func (s *Store) Acknowledgements(ctx context.Context, principal string) ([]Acknowledgement, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT principal, log_index, number, version, at FROM acks WHERE principal = ? ORDER BY log_index`, principal)
	if err != nil {
		return nil, fmt.Errorf("httpapi: acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []Acknowledgement
	for rows.Next() {
		var k Acknowledgement
		var idx, at int64
		if err := rows.Scan(&k.Principal, &idx, &k.Number, &k.Version, &at); err != nil {
			return nil, fmt.Errorf("httpapi: acknowledgements: %w", err)
		}
		k.Delivery, k.At = uint64(idx), time.UnixMicro(at).UTC()
		out = append(out, k)
	}
	return out, rows.Err()
}
