package ecerttest

import (
	"crypto"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

const maxRequest = 64 << 10

// TSA starts an in-process RFC 3161 time-stamping authority that signs
// with the PKI's TSA key, and returns its URL (POST
// application/timestamp-query). It stops when the test ends.
func TSA(t testing.TB, pki *PKI) string {
	t.Helper()
	var mu sync.Mutex
	serial := int64(0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST a timestamp query", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			resp, _ := timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadDataFormat)
			w.Header().Set("Content-Type", "application/timestamp-reply")
			w.Write(resp)
			return
		}
		mu.Lock()
		serial++
		sn := serial
		mu.Unlock()
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              time.Now().UTC(),
			Nonce:             req.Nonce,
			Policy:            x509OID(1, 3, 6, 1, 4, 1, 57264, 1, 1),
			Ordering:          false,
			Accuracy:          time.Second,
			Qualified:         false,
			AddTSACertificate: req.Certificates,
			SerialNumber:      big.NewInt(sn),
		}
		resp, err := ts.CreateResponseWithOpts(pki.TSA, pki.TSAKey, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// OCSP starts an in-process RFC 6960 OCSP responder for certificates
// issued by the PKI's issuing CA, signing with the PKI's OCSP responder
// key. Serials in revoked are answered "revoked", every other serial
// "good". It answers POST requests (RFC 6960 appendix A.1). It stops
// when the test ends.
func OCSP(t testing.TB, pki *PKI, revoked ...*x509.Certificate) string {
	t.Helper()
	h := &ocspResponder{revoked: map[string]bool{}}
	h.pki.Store(pki)
	for _, c := range revoked {
		h.revoked[c.SerialNumber.String()] = true
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// NewPKIWithOCSP makes a test PKI whose seal, TSA and OCSP certificates
// name an in-process OCSP responder (see OCSP) in their AIA extension, so
// that sealing at B-LT fetches real OCSP responses. It returns the PKI and
// the responder's URL.
func NewPKIWithOCSP(t testing.TB, opts testpki.Options) (*PKI, string) {
	t.Helper()
	h := &ocspResponder{revoked: map[string]bool{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.OCSPURL = srv.URL
	pki := NewPKI(t, opts)
	h.pki.Store(pki)
	return pki, srv.URL
}

type ocspResponder struct {
	pki     atomic.Pointer[PKI]
	revoked map[string]bool // read-only once serving
}

func (h *ocspResponder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pki, rev := h.pki.Load(), h.revoked
	{
		if pki == nil {
			http.Error(w, "responder not ready", http.StatusServiceUnavailable)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "POST an OCSP request", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
		w.Header().Set("Content-Type", "application/ocsp-response")
		req, perr := ocsp.ParseRequest(body)
		if err != nil || perr != nil {
			w.Write(ocsp.MalformedRequestErrorResponse)
			return
		}
		now := time.Now().UTC().Truncate(time.Minute)
		tmpl := ocsp.Response{
			Status:       ocsp.Good,
			SerialNumber: req.SerialNumber,
			ThisUpdate:   now,
			NextUpdate:   now.Add(24 * time.Hour),
			Certificate:  pki.OCSP,
		}
		if rev[req.SerialNumber.String()] {
			tmpl.Status = ocsp.Revoked
			tmpl.RevokedAt = now.Add(-time.Hour)
			tmpl.RevocationReason = ocsp.KeyCompromise
		}
		resp, err := ocsp.CreateResponse(pki.CA, pki.OCSP, tmpl, pki.OCSPKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(resp)
	}
}

func x509OID(a ...int) []int { return a }
