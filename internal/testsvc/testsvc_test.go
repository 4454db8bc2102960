package testsvc

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/ecertkit/ecertkit/signer/testpki"
	"golang.org/x/crypto/ocsp"
)

func stamp(t *testing.T, url string) *timestamp.Timestamp {
	t.Helper()
	d := sha256.Sum256([]byte("hello"))
	req, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d[:], Certificates: true}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/timestamp-query", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("TSA: %s: %s", resp.Status, body)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !bytes.Equal(ts.HashedMessage, d[:]) || time.Since(ts.Time) > time.Minute {
		t.Fatalf("token: %x at %v", ts.HashedMessage, ts.Time)
	}
	return ts
}

func TestOpenSSLTSA(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	dir := t.TempDir()
	p.WriteFiles(dir)
	tsa := StartOpenSSLTSA(t, p, dir)
	ts := stamp(t, tsa.URL)
	if !ts.Certificates[0].Equal(p.TSA) {
		t.Errorf("token signed by %v, want the PKI's TSA", ts.Certificates[0].Subject)
	}
	if tsa.Requests.Load() != 1 {
		t.Errorf("requests %d", tsa.Requests.Load())
	}
}

func TestSigstoreTSA(t *testing.T) {
	tsa := StartSigstoreTSA(t)
	ts := stamp(t, tsa.URL)
	if !ts.Certificates[0].Equal(tsa.Chain[0]) {
		t.Errorf("token signer %v not the chain's leaf %v", ts.Certificates[0].Subject, tsa.Chain[0].Subject)
	}
}

func TestSigstoreTSAWithKey(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	dir := t.TempDir()
	p.WriteFiles(dir)
	tsa := StartSigstoreTSAWithKey(t, p, dir)
	ts := stamp(t, tsa.URL)
	if !ts.Certificates[0].Equal(p.TSA) {
		t.Errorf("token signer %v, want the PKI's TSA", ts.Certificates[0].Subject)
	}
}

func TestRevocation(t *testing.T) {
	rv := NewRevocation(t)
	p := testpki.MustNew(testpki.Options{OCSPURL: rv.OCSPURL, CRLURL: rv.CRLURL})
	dir := t.TempDir()
	p.WriteFiles(dir)
	bad, err := p.Issue(testpki.LeafOptions{CommonName: "Revoked Seal"})
	if err != nil {
		t.Fatal(err)
	}
	rv.Start(t, p, dir, bad.Cert)
	check := func(c *x509.Certificate, want int) {
		t.Helper()
		req, _ := ocsp.CreateRequest(c, p.CA, nil)
		resp, err := http.Post(rv.OCSPURL, "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		r, err := ocsp.ParseResponseForCert(body, c, p.CA)
		if err != nil {
			t.Fatalf("OCSP: %v", err)
		}
		if r.Status != want {
			t.Errorf("OCSP status for %s = %d, want %d", c.Subject.CommonName, r.Status, want)
		}
	}
	check(p.Seal, ocsp.Good)
	check(bad.Cert, ocsp.Revoked)
	resp, err := http.Get(rv.CRLURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(body, p.CRL) {
		t.Error("CRL served differs")
	}
}

func TestFailingServices(t *testing.T) {
	c := &http.Client{Timeout: 300 * time.Millisecond}
	if _, err := c.Get(DeadURL(t)); err == nil {
		t.Error("dead URL answered")
	}
	start := time.Now()
	if _, err := c.Get(HangingURL(t)); err == nil || time.Since(start) < 250*time.Millisecond {
		t.Errorf("hanging URL: %v after %v", err, time.Since(start))
	}
}
