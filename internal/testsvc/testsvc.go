// Package testsvc starts real trust services on 127.0.0.1 for tests: RFC
// 3161 time-stamping authorities (sigstore's timestamp-server, or
// "openssl ts -reply" behind an HTTP handler), an OCSP responder
// ("openssl ocsp -index ... -port"), and CRLs over HTTP, plus failing
// services (a dead port, a responder that never answers).
//
// Services stop when the test ends. A missing tool skips the test, or
// fails it in CI (testtool.Need).
//
// The typical revocation fixture needs the URLs before the PKI exists
// (they go into the certificates), so it is built in three steps:
//
//	rev := testsvc.NewRevocation(t)                  // reserve the OCSP port, start the CRL server
//	p := testpki.MustNew(testpki.Options{OCSPURL: rev.OCSPURL, CRLURL: rev.CRLURL})
//	rev.Start(t, p, dir)                              // write index.txt, start openssl ocsp, serve p.CRL
package testsvc

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
	"golang.org/x/crypto/ocsp"
)

// TSA is a running time-stamping authority.
type TSA struct {
	URL string
	// Chain is the TSA's certificate chain, leaf first (for the sigstore
	// server with its in-memory signer, fetched from /api/v1/timestamp/certchain).
	Chain []*x509.Certificate
	// Requests counts the requests served (openssl variant only).
	Requests *atomic.Int64
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsvc: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs a long-lived tool until the test ends, with its
// output kept for failure messages.
func startProcess(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("testsvc: start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("testsvc: %s output:\n%s", name, out.String())
		}
	})
	return cmd
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitHTTP polls url until it answers (any status) or 15 s pass.
func waitHTTP(t testing.TB, url string, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if cmd != nil && cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("testsvc: %s did not come up", url)
}

// StartSigstoreTSA runs sigstore's timestamp-server with its in-memory
// signer (its own throwaway chain) on a free port.
func StartSigstoreTSA(t testing.TB) *TSA {
	t.Helper()
	return startSigstore(t, nil)
}

// StartSigstoreTSAWithKey runs sigstore's timestamp-server signing with the
// test PKI's TSA key and chain (files written by p.WriteFiles(dir)), so
// that the token's chain ends at the test root.
func StartSigstoreTSAWithKey(t testing.TB, p *testpki.PKI, dir string) *TSA {
	t.Helper()
	chain := filepath.Join(dir, "tsa-fullchain.pem")
	if err := os.WriteFile(chain, testpki.CertsPEM(p.TSA, p.CA, p.Root), 0o644); err != nil {
		t.Fatal(err)
	}
	return startSigstore(t, []string{
		"--timestamp-signer", "file",
		"--file-signer-key-path", filepath.Join(dir, testpki.FileTSAKey),
		"--certificate-chain-path", chain,
		// The test PKI's issuing CA has no EKU; sigstore wants timestamping
		// on intermediates unless told otherwise.
		"--enforce-intermediate-eku=false",
	})
}

func startSigstore(t testing.TB, extra []string) *TSA {
	bin := testtool.Need(t, "timestamp-server")
	if bin == nil {
		return nil
	}
	port := FreePort(t)
	args := []string{"serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--disable-ntp-monitoring", "--include-chain-in-response"}
	if extra == nil {
		extra = []string{"--timestamp-signer", "memory"}
	}
	args = append(args, extra...)
	cmd := startProcess(t, bin[0], args...)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/ping", cmd)
	resp, err := http.Get(base + "/api/v1/timestamp/certchain")
	if err != nil {
		t.Fatalf("testsvc: certchain: %v", err)
	}
	defer resp.Body.Close()
	pemData, _ := io.ReadAll(resp.Body)
	var chain []*x509.Certificate
	for {
		var b *pem.Block
		b, pemData = pem.Decode(pemData)
		if b == nil {
			break
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			chain = append(chain, c)
		}
	}
	if len(chain) == 0 {
		t.Fatalf("testsvc: timestamp-server returned no certificate chain")
	}
	return &TSA{URL: base + "/api/v1/timestamp", Chain: chain}
}

// StartOpenSSLTSA serves RFC 3161 over HTTP by running
// "openssl ts -reply" for each request, signing with the test PKI's TSA
// key (files written by p.WriteFiles(dir)). Tokens carry the TSA
// certificate and the issuing CA.
func StartOpenSSLTSA(t testing.TB, p *testpki.PKI, dir string) *TSA {
	t.Helper()
	if testtool.Need(t, "openssl") == nil {
		return nil
	}
	work := filepath.Join(dir, "openssl-tsa")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(work, "tsa.cnf")
	conf := fmt.Sprintf(`[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = %[1]s
serial = %[1]s/serial
crypto_device = builtin
signer_cert = %[2]s
certs = %[3]s
signer_key = %[4]s
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, work, filepath.Join(dir, testpki.FileTSACert), filepath.Join(dir, testpki.FileCA), filepath.Join(dir, testpki.FileTSAKey))
	os.WriteFile(cfg, []byte(conf), 0o644)
	os.WriteFile(filepath.Join(work, "serial"), []byte("01\n"), 0o644)
	var mu sync.Mutex
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST a timestamp query", http.StatusMethodNotAllowed)
			return
		}
		q, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		n.Add(1)
		qf, rf := filepath.Join(work, "q.tsq"), filepath.Join(work, "r.tsr")
		os.WriteFile(qf, q, 0o644)
		out, err := exec.CommandContext(r.Context(), "openssl", "ts", "-reply", "-config", cfg, "-section", "tsa1",
			"-queryfile", qf, "-out", rf).CombinedOutput()
		if err != nil {
			http.Error(w, fmt.Sprintf("openssl ts: %v: %s", err, out), http.StatusInternalServerError)
			return
		}
		resp, err := os.ReadFile(rf)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return &TSA{URL: srv.URL + "/tsa", Chain: []*x509.Certificate{p.TSA, p.CA}, Requests: &n}
}

// Revocation is an OCSP responder and a CRL server for a test PKI.
type Revocation struct {
	OCSPURL string // http://127.0.0.1:PORT (openssl ocsp)
	CRLURL  string // http://127.0.0.1:PORT/ca.crl
	// CRLRequests and OCSP are counters of CRL downloads.
	CRLRequests atomic.Int64
	ocspPort    int
	crl         atomic.Pointer[[]byte]
}

// NewRevocation reserves the OCSP port and starts the CRL server, so that
// their URLs can go into the PKI's certificates.
func NewRevocation(t testing.TB) *Revocation {
	t.Helper()
	rv := &Revocation{ocspPort: FreePort(t)}
	rv.OCSPURL = fmt.Sprintf("http://127.0.0.1:%d", rv.ocspPort)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rv.CRLRequests.Add(1)
		c := rv.crl.Load()
		if c == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(*c)
	}))
	t.Cleanup(srv.Close)
	rv.CRLURL = srv.URL + "/ca.crl"
	return rv
}

// SetCRL replaces the CRL served.
func (rv *Revocation) SetCRL(der []byte) { rv.crl.Store(&der) }

// Start serves p.CRL and starts "openssl ocsp" for the issuing CA on the
// reserved port, answering from an index that lists the seal, TSA and
// OCSP certificates as valid and the serials in revoked as revoked.
// dir holds p.WriteFiles(dir).
func (rv *Revocation) Start(t testing.TB, p *testpki.PKI, dir string, revoked ...*x509.Certificate) {
	t.Helper()
	rv.SetCRL(p.CRL)
	if testtool.Need(t, "openssl") == nil {
		return
	}
	idx := filepath.Join(dir, "index.txt")
	if err := os.WriteFile(idx, []byte(IndexTxt([]*x509.Certificate{p.Seal, p.TSA, p.OCSP}, revoked)), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(idx+".attr", []byte("unique_subject = no\n"), 0o644)
	cmd := startProcess(t, "openssl", "ocsp", "-index", idx, "-port", fmt.Sprint(rv.ocspPort), // OpenSSL 3.0 takes a port number only (and listens on all interfaces); clients use 127.0.0.1
		"-rsigner", filepath.Join(dir, testpki.FileOCSPCert), "-rkey", filepath.Join(dir, testpki.FileOCSPKey),
		"-CA", filepath.Join(dir, testpki.FileCA), "-ignore_err", "-nmin", "60")
	// Wait with a real request: openssl ocsp serves one connection at a
	// time and stalls on a connection that sends nothing.
	req, err := ocsp.CreateRequest(p.Seal, p.CA, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := c.Post(rv.OCSPURL, "application/ocsp-request", bytes.NewReader(req))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("testsvc: openssl ocsp on %s did not come up: %v", rv.OCSPURL, err)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// IndexTxt writes an OpenSSL CA database (index.txt): valid lines for
// certs, revoked lines for revoked.
func IndexTxt(certs, revoked []*x509.Certificate) string {
	var b strings.Builder
	line := func(c *x509.Certificate, rev bool) {
		status, revTime := "V", ""
		if rev {
			status, revTime = "R", time.Now().Add(-time.Minute).UTC().Format("060102150405Z")
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\tunknown\t%s\n", status, c.NotAfter.UTC().Format("060102150405Z"),
			revTime, serialHex(c.SerialNumber), opensslDN(c))
	}
	for _, c := range certs {
		line(c, false)
	}
	for _, c := range revoked {
		line(c, true)
	}
	return b.String()
}

func serialHex(n *big.Int) string {
	s := strings.ToUpper(n.Text(16))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

func opensslDN(c *x509.Certificate) string {
	var b strings.Builder
	for _, n := range c.Subject.Names {
		k := n.Type.String()
		switch k {
		case "2.5.4.3":
			k = "CN"
		case "2.5.4.10":
			k = "O"
		case "2.5.4.6":
			k = "C"
		case "2.5.4.11":
			k = "OU"
		}
		fmt.Fprintf(&b, "/%s=%v", k, n.Value)
	}
	return b.String()
}

// DeadURL returns an http URL on a port where nothing listens.
func DeadURL(t testing.TB) string {
	return fmt.Sprintf("http://127.0.0.1:%d/", FreePort(t))
}

// HangingURL returns the URL of a server that accepts requests and never
// answers until the test ends (for deadline tests).
func HangingURL(t testing.TB) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL + "/slow"
}
