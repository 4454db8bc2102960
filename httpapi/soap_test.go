package httpapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/registry"
)

// Hand-written SOAP 1.1 requests, as another system would send them.
const (
	soapHeaders = `<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="urn:ecertkit:pull:1">
  <soapenv:Header/>
  <soapenv:Body>
    <p:GetNewEnvelopeHeaders><p:Since>0</p:Since><p:Limit>50</p:Limit></p:GetNewEnvelopeHeaders>
  </soapenv:Body>
</soapenv:Envelope>`
	soapPull = `<?xml version="1.0" encoding="utf-8"?>
<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
  <S:Body>
    <PullCertificate xmlns="urn:ecertkit:pull:1"><NPPOCertificateNumber>CN-PHY-2024-0012345</NPPOCertificateNumber></PullCertificate>
  </S:Body>
</S:Envelope>`
	soapAck = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="urn:ecertkit:pull:1"><soapenv:Body>
<p:AcknowledgeEnvelopeReceipt><p:HUBDeliveryNumber>%d</p:HUBDeliveryNumber><p:NPPOCertificateNumber>CN-PHY-2024-0012345</p:NPPOCertificateNumber><p:CertificateVersion>1</p:CertificateVersion></p:AcknowledgeEnvelopeReceipt>
</soapenv:Body></soapenv:Envelope>`
)

func soapCall(e *env, token, body string) (int, string) {
	e.t.Helper()
	resp, b := e.do("POST", "/soap", token, strings.NewReader(body), "Content-Type", "text/xml; charset=utf-8", "SOAPAction", `"urn:ecertkit:pull:1#x"`)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		e.t.Errorf("SOAP response content type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, string(b)
}

func TestSOAPPull(t *testing.T) {
	e := newEnv(t)
	code, body := soapCall(e, e.importer, soapHeaders)
	if code != 200 || strings.Count(body, "<tns:EnvelopeHeader>") != 2 || !strings.Contains(body, "<tns:NPPOCertificateNumber>CN-PHY-2024-0012345<") {
		t.Fatalf("GetNewEnvelopeHeaders: %d %s", code, body)
	}
	var hdrs struct {
		Next    uint64 `xml:"Body>GetNewEnvelopeHeadersResponse>Next"`
		Headers []struct {
			Delivery uint64 `xml:"HUBDeliveryNumber"`
			Number   string `xml:"NPPOCertificateNumber"`
		} `xml:"Body>GetNewEnvelopeHeadersResponse>EnvelopeHeader"`
	}
	if err := xml.Unmarshal([]byte(body), &hdrs); err != nil {
		t.Fatal(err)
	}
	if len(hdrs.Headers) != 2 || hdrs.Next == 0 {
		t.Fatalf("parsed headers %+v", hdrs)
	}

	code, body = soapCall(e, e.importer, soapPull)
	if code != 200 {
		t.Fatalf("PullCertificate: %d %s", code, body)
	}
	m := regexp.MustCompile(`(?s)<tns:Content>(.*)</tns:Content>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], "SPSCertificate") {
		t.Fatalf("no SPSCertificate content in %s", body)
	}
	// The pulled XML validates against the UN/CEFACT 17A schema.
	if tools := testtool.Need(t, "xmllint"); tools != nil {
		xsd := filepath.Join(testtool.Shared(t, "cefact"), "xsd-17A", "data", "standard", "SPSCertificate_17p0.xsd")
		f := filepath.Join(t.TempDir(), "pulled.xml")
		os.WriteFile(f, []byte(m[1]), 0o644)
		out, err := exec.Command(tools[0], "--noout", "--schema", xsd, f).CombinedOutput()
		if err != nil {
			t.Errorf("pulled XML does not validate against xsd-17A: %v\n%s", err, out)
		}
	}

	var phytoIdx uint64
	for _, h := range hdrs.Headers {
		if h.Number == numPhyto {
			phytoIdx = h.Delivery
		}
	}
	code, body = soapCall(e, e.importer, strings.Replace(soapAck, "%d", itoa(phytoIdx), 1))
	if code != 200 || !strings.Contains(body, "<tns:Acknowledged>true</tns:Acknowledged>") {
		t.Fatalf("Acknowledge: %d %s", code, body)
	}
	acks, err := e.st.Acknowledgements(context.Background(), "importer-nl")
	if err != nil || len(acks) != 1 || acks[0].Delivery != phytoIdx || acks[0].Number != numPhyto {
		t.Errorf("acks = %+v, %v", acks, err)
	}

	resp, wsdl := e.do("GET", "/soap?wsdl", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(wsdl), `location="`+e.srv.URL+`/soap"`) {
		t.Errorf("WSDL: %d %.200s", resp.StatusCode, wsdl)
	}
	if err := xml.Unmarshal(wsdl, new(struct{})); err != nil {
		t.Errorf("WSDL is not well-formed: %v", err)
	}
}

func TestSOAPFaults(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, token, body string
		status            int
		code, text        string
	}{
		{"no credentials", "", soapHeaders, 401, "soap:Client", "credentials required"},
		{"bad token", "ect_bogus", soapHeaders, 401, "soap:Client", "unknown API token"},
		{"not XML", e.importer, "this is not XML", 500, "soap:Client", "malformed"},
		{"truncated", e.importer, soapHeaders[:200], 500, "soap:Client", "malformed"},
		{"not an envelope", e.importer, `<Envelope><Body/></Envelope>`, 500, "soap:VersionMismatch", "SOAP 1.1"},
		{"SOAP 1.2", e.importer, `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, 500, "soap:VersionMismatch", ""},
		{"empty body", e.importer, `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body></e:Body></e:Envelope>`, 500, "soap:Client", "empty"},
		{"unknown op", e.importer, `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><x:Delete xmlns:x="urn:ecertkit:pull:1"/></e:Body></e:Envelope>`, 500, "soap:Client", "unknown operation"},
		{"foreign op", e.importer, `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><x:PullCertificate xmlns:x="urn:other"/></e:Body></e:Envelope>`, 500, "soap:Client", "namespace"},
		{"DTD", e.importer, `<!DOCTYPE e [<!ENTITY x "y">]><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>`, 500, "soap:Client", "DTD"},
		{"unknown number", e.importer, strings.Replace(soapPull, numPhyto, "NOPE", 1), 500, "soap:Client", "not found"},
		{"bad since", e.importer, strings.Replace(soapHeaders, "<p:Since>0", "<p:Since>minus one", 1), 500, "soap:Client", "GetNewEnvelopeHeaders"},
	} {
		code, body := soapCall(e, tc.token, tc.body)
		var f struct {
			Code   string `xml:"Body>Fault>faultcode"`
			String string `xml:"Body>Fault>faultstring"`
		}
		if err := xml.Unmarshal([]byte(body), &f); err != nil {
			t.Errorf("%s: response is not XML: %v\n%s", tc.name, err, body)
			continue
		}
		if code != tc.status || f.Code != tc.code || !strings.Contains(f.String, tc.text) {
			t.Errorf("%s: %d %q %q; want %d %q containing %q", tc.name, code, f.Code, f.String, tc.status, tc.code, tc.text)
		}
	}
}

// TestMutualTLS: a registered client certificate authenticates a bulk
// pull; an unregistered one gets 401; the public lookup needs none.
func TestMutualTLS(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test client CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	client := func(cn string) (tls.Certificate, *x509.Certificate) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tt := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tt, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}, c
	}
	good, goodCert := client("NPPO Netherlands")
	other, _ := client("stranger")
	if err := e.st.SetClientCert(ctx, "importer-nl", registry.SPKIHex(registry.SPKIHash(goodCert))); err != nil {
		t.Fatal(err)
	}
	srvCert, _, _, err := httpapi.GenerateCert("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv := httptest.NewUnstartedServer(httpapi.Harden(e.api.Handler(), httpapi.HardenOptions{Rate: -1}))
	srv.TLS = httpapi.TLSConfig(srvCert, pool)
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(srvCert.Certificate[0])
	roots.AddCert(leaf)
	get := func(cert *tls.Certificate, path string) int {
		tc := &tls.Config{RootCAs: roots}
		if cert != nil {
			tc.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.TLS == nil {
			t.Fatal("not TLS")
		}
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name string
		cert *tls.Certificate
		path string
		want int
	}{
		{"registered client", &good, "/certificates?since=0", 200},
		{"unregistered client", &other, "/certificates?since=0", 401},
		{"no client certificate", nil, "/certificates?since=0", 401},
		{"public lookup", nil, "/certificates/" + numCCC, 200},
	} {
		if got := get(tc.cert, tc.path); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
