// Command portal is the public verification portal of a registry: the
// bilingual HTML pages to look a certificate up and to upload a PDF for
// the three-part check (package httpapi/portal), beside the read side of
// the pull API (REST JSON with OpenAPI, SOAP). No login; every lookup and
// check is recorded.
//
//	portal -registry registry.db -db services.db -roots trust-anchors.pem -log-key log.pub -log-secret log.key \
//	       -addr :443 -tls-cert server.pem -tls-key server-key.pem
package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/httpapi/portal"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

func openDB(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	regPath := fs.String("registry", "registry.db", "SQLite registry file")
	dbPath := fs.String("db", "services.db", "SQLite file for documents and the record of checks")
	roots := fs.String("roots", "", "PEM file of the trust anchors of seal certificates (required)")
	logKey := fs.String("log-key", "", "file with the transparency log's note verifier key, to verify the proofs shown")
	origin := fs.String("origin", "", "the log's origin (default: the registry's)")
	logSecret := fs.String("log-secret", "", "file with the log's note signer key, to serve signed checkpoints and proofs")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	tlsCert := fs.String("tls-cert", "", "HTTPS certificate chain PEM")
	tlsKey := fs.String("tls-key", "", "HTTPS key PEM")
	tlsGen := fs.Bool("tls-generate", false, "HTTPS with a generated self-signed certificate")
	clientCA := fs.String("client-ca", "", "PEM file of CAs whose client certificates may authenticate bulk pull (mutual TLS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *roots == "" {
		return errors.New("-roots is required: without trust anchors no seal can pass")
	}
	pool, err := pdfseal.LoadRoots(*roots)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ropts := registry.Options{Logger: log, Origin: *origin}
	if *logSecret != "" {
		b, err := os.ReadFile(*logSecret)
		if err != nil {
			return err
		}
		s, err := note.NewSigner(strings.TrimSpace(string(b)))
		if err != nil {
			return fmt.Errorf("-log-secret: %w", err)
		}
		ropts.LogSigners = []note.Signer{s}
	}
	reg, err := sqlite.Open(ctx, *regPath, ropts)
	if err != nil {
		return err
	}
	defer reg.Close()
	db, err := openDB(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := httpapi.OpenStore(ctx, db)
	if err != nil {
		return err
	}
	var verifiers []note.Verifier
	if *logKey != "" {
		b, err := os.ReadFile(*logKey)
		if err != nil {
			return err
		}
		v, err := note.NewVerifier(strings.TrimSpace(string(b)))
		if err != nil {
			return fmt.Errorf("-log-key: %w", err)
		}
		verifiers = append(verifiers, v)
	}
	key := make([]byte, 32)
	rand.Read(key)
	checker := httpapi.ThreePart(check.Options{Registry: reg, Verify: pdfseal.VerifyOptions{Roots: pool}})
	secure := *tlsCert != "" || *tlsGen
	p := &portal.Portal{Registry: reg, Store: st, Checker: checker, CSRF: &httpapi.CSRF{Key: key, Secure: secure}, LogVerifiers: verifiers, Logger: log}
	api := &httpapi.API{Registry: reg, Store: st, Checker: checker, Logger: log}
	mux := http.NewServeMux()
	api.Register(mux)
	ph := p.Handler()
	for _, pat := range []string{"GET /{$}", "GET /lookup", "POST /verify", "GET /static/"} {
		mux.Handle(pat, ph)
	}
	return serve(ctx, *addr, httpapi.Harden(mux, httpapi.HardenOptions{HSTS: true, Logger: log}), *tlsCert, *tlsKey, *tlsGen, *clientCA, log)
}

// serve runs the server until ctx ends, over HTTPS when a certificate is
// given or generated, asking for client certificates under clientCA.
func serve(ctx context.Context, addr string, h http.Handler, certFile, keyFile string, generate bool, clientCA string, log *slog.Logger) error {
	var pool *x509.CertPool
	if clientCA != "" {
		roots, err := pdfseal.LoadRoots(clientCA)
		if err != nil {
			return err
		}
		pool = roots
	}
	return httpapi.ListenAndServe(ctx, addr, h, httpapi.ListenOptions{
		CertFile: certFile, KeyFile: keyFile, GenerateCert: generate, ClientCAs: pool, Logger: log,
	})
}
