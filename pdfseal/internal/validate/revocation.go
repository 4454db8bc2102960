package validate

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// RevStatus is a certificate's revocation status.
type RevStatus int

const (
	RevUnknown RevStatus = iota // no usable revocation data
	RevGood
	RevRevoked
)

// RevSource says where revocation data came from.
type RevSource string

const (
	SourceDSS    RevSource = "DSS"
	SourceCMS    RevSource = "CMS"
	SourceOnline RevSource = "online"
)

// RevData is a pool of revocation data (DER) from one source.
type RevData struct {
	Source RevSource
	OCSPs  [][]byte
	CRLs   [][]byte
}

// RevResult is the outcome of CheckRevocation for one certificate.
type RevResult struct {
	Status    RevStatus
	Source    RevSource
	Kind      string    // "OCSP" or "CRL"
	Produced  time.Time // OCSP producedAt / thisUpdate or CRL thisUpdate
	RevokedAt time.Time
	Reason    int
	// Err says why nothing usable was found (e.g. online lookup failed).
	Err error
}

// Fetcher fetches revocation data online.
type Fetcher struct {
	Client  *http.Client  // nil: a client with Timeout
	Timeout time.Duration // per request; zero means 10 s
	// MaxBytes caps a response body; zero means 4 MiB.
	MaxBytes int64
}

// CheckRevocation looks for the status of cert (issued by issuer) in the
// pools, in order, then online when f is non-nil. Responses produced after
// at are ignored (they did not exist at the validation time).
func CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time, pools []RevData, f *Fetcher) RevResult {
	for _, p := range pools {
		if r, ok := fromPool(cert, issuer, at, p); ok {
			return r
		}
	}
	if f == nil {
		return RevResult{Status: RevUnknown}
	}
	return f.fetch(ctx, cert, issuer, at)
}

func fromPool(cert, issuer *x509.Certificate, at time.Time, p RevData) (RevResult, bool) {
	var best RevResult
	found := false
	for _, der := range p.OCSPs {
		if r, ok := evalOCSP(der, cert, issuer, at); ok {
			r.Source = p.Source
			if !found || r.Status == RevRevoked || r.Produced.After(best.Produced) && best.Status != RevRevoked {
				best, found = r, true
			}
		}
	}
	if found {
		return best, true
	}
	for _, der := range p.CRLs {
		if r, ok := evalCRL(der, cert, issuer, at); ok {
			r.Source = p.Source
			if !found || r.Status == RevRevoked || r.Produced.After(best.Produced) && best.Status != RevRevoked {
				best, found = r, true
			}
		}
	}
	return best, found
}

// evalOCSP returns the status an OCSP response gives for cert, and false
// when the response is not about cert, is not signed by its issuer (or a
// delegated responder), or postdates at.
func evalOCSP(der []byte, cert, issuer *x509.Certificate, at time.Time) (RevResult, bool) {
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		return RevResult{}, false
	}
	if resp.Certificate != nil && !resp.Certificate.Equal(issuer) {
		ok := false
		for _, u := range resp.Certificate.ExtKeyUsage {
			ok = ok || u == x509.ExtKeyUsageOCSPSigning
		}
		if !ok {
			return RevResult{}, false
		}
	}
	if !at.IsZero() && resp.ThisUpdate.After(at.Add(5*time.Minute)) {
		return RevResult{}, false
	}
	r := RevResult{Kind: "OCSP", Produced: resp.ProducedAt}
	switch resp.Status {
	case ocsp.Good:
		r.Status = RevGood
	case ocsp.Revoked:
		r.Status, r.RevokedAt, r.Reason = RevRevoked, resp.RevokedAt, resp.RevocationReason
	default:
		return RevResult{}, false
	}
	return r, true
}

func evalCRL(der []byte, cert, issuer *x509.Certificate, at time.Time) (RevResult, bool) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil || !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
		return RevResult{}, false
	}
	if crl.CheckSignatureFrom(issuer) != nil {
		return RevResult{}, false
	}
	if !at.IsZero() && crl.ThisUpdate.After(at.Add(5*time.Minute)) {
		return RevResult{}, false
	}
	r := RevResult{Kind: "CRL", Produced: crl.ThisUpdate, Status: RevGood}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			r.Status, r.RevokedAt, r.Reason = RevRevoked, e.RevocationTime, e.ReasonCode
			break
		}
	}
	return r, true
}

func (f *Fetcher) fetch(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) RevResult {
	timeout := f.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	max := f.MaxBytes
	if max == 0 {
		max = 4 << 20
	}
	var lastErr error
	for _, url := range cert.OCSPServer {
		req, err := ocsp.CreateRequest(cert, issuer, nil)
		if err != nil {
			lastErr = err
			break
		}
		body, err := httpDo(ctx, client, timeout, http.MethodPost, url, req, "application/ocsp-request", max)
		if err != nil {
			lastErr = err
			continue
		}
		if r, ok := evalOCSP(body, cert, issuer, time.Time{}); ok {
			r.Source = SourceOnline
			return r
		}
		lastErr = fmt.Errorf("OCSP responder %s gave no usable answer", url)
	}
	for _, url := range cert.CRLDistributionPoints {
		body, err := httpDo(ctx, client, timeout, http.MethodGet, url, nil, "", max)
		if err != nil {
			lastErr = err
			continue
		}
		if r, ok := evalCRL(body, cert, issuer, time.Time{}); ok {
			r.Source = SourceOnline
			return r
		}
		lastErr = fmt.Errorf("CRL at %s is not usable for this certificate", url)
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("the certificate names no OCSP responder or CRL")
	}
	return RevResult{Status: RevUnknown, Err: lastErr}
}

func httpDo(ctx context.Context, c *http.Client, timeout time.Duration, method, url string, body []byte, ctype string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	// One request per connection: some responders (openssl ocsp) neither
	// close nor delimit a kept-alive response.
	req.Close = true
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s %s: response larger than %d bytes", method, url, max)
	}
	return b, nil
}
