package demo_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/httpapi/demo"
	"github.com/ecertkit/ecertkit/internal/testtool"
)

// TestDemoHTTPS: with TLS the demo serves HTTPS with a certificate it
// generates into its directory, HSTS on, and reusing the directory keeps
// the registry (nothing is issued twice).
func TestDemoHTTPS(t *testing.T) {
	dir := t.TempDir()
	samples := []string{testtool.Testdata("good_sps_phyto.json")}
	for round := 0; round < 2; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		var out bytes.Buffer
		go func() {
			done <- demo.Run(ctx, demo.Options{Dir: dir, Addr: "127.0.0.1:0", TLS: true, OpenDB: openDB, Samples: samples, Out: &out}, func(base string, d *demo.Demo) { ready <- base })
		}()
		var base string
		select {
		case base = <-ready:
		case err := <-done:
			cancel()
			if err != nil && strings.Contains(err.Error(), "no CJK TrueType font") {
				testtool.Missing(t, "%v", err)
			}
			t.Fatalf("demo: %v", err)
		case <-time.After(2 * time.Minute):
			cancel()
			t.Fatal("demo did not start")
		}
		if !strings.HasPrefix(base, "https://") {
			t.Fatalf("base %s", base)
		}
		pemBytes, err := os.ReadFile(filepath.Join(dir, "https-cert.pem"))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pemBytes)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := c.Get(base + "/certificates/" + numPhyto)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" || !strings.Contains(string(b), `"currentVersion":1`) {
			t.Errorf("round %d: %d HSTS=%q %.200s", round, resp.StatusCode, resp.Header.Get("Strict-Transport-Security"), b)
		}
		// The bulk pull needs credentials; the demo's TLS client
		// certificate is one, and the welcome text says how to use it.
		resp, err = c.Get(base + "/certificates?since=0")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("round %d: pull without credentials: %d", round, resp.StatusCode)
		}
		client, err := tls.LoadX509KeyPair(filepath.Join(dir, demo.ClientCertFile), filepath.Join(dir, demo.ClientKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		mc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{client}}}}
		resp, err = mc.Get(base + "/certificates?since=0")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"number":"`+numPhyto+`"`) {
			t.Errorf("round %d: pull with the demo's client certificate: %d %.300s", round, resp.StatusCode, b)
		}
		if w := "--cert " + filepath.Join(dir, demo.ClientCertFile) + " --key " + filepath.Join(dir, demo.ClientKeyFile); !strings.Contains(out.String(), w) {
			t.Errorf("round %d: welcome text without %q:\n%s", round, w, out.String())
		}
		mc.CloseIdleConnections()
		// plain HTTP to the TLS port fails
		if resp, err := http.Get("http" + strings.TrimPrefix(base, "https") + "/"); err == nil {
			if resp.StatusCode == 200 {
				t.Error("plain HTTP served")
			}
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
