// Command issuer is an issuing body's certificate service: the REST JSON
// API to issue, modify, renew, suspend, reinstate, revoke and withdraw
// certificates (package httpapi/issuing) beside the registry's pull API
// (package httpapi), with push to subscribers.
//
//	issuer -registry registry.db -db services.db -signer 'file:seal-key.pem?chain=seal-chain.pem' \
//	       -addr :8443 -tls-cert server.pem -tls-key server-key.pem -client-ca partners-ca.pem
//
// The seal key is named by a URI (file:, pkcs11:, awskms:). Register the
// issuing body and its seal certificate in the registry first (ecert
// registry ...), then give operators tokens:
//
//	issuer -db services.db -add-principal 'cqc-officer:CQC officer:CNCA-R-2002-001'
//
// which prints the new API token. Writes send it as "Authorization: Bearer TOKEN".
package main

import (
	"context"
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

	_ "modernc.org/sqlite"

	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/httpapi/issuing"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/sqlite"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/signers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "issuer:", err)
		os.Exit(1)
	}
}

func openDB(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("issuer", flag.ContinueOnError)
	regPath := fs.String("registry", "registry.db", "SQLite registry file")
	dbPath := fs.String("db", "services.db", "SQLite file for tokens, documents, subscriptions, outbox and checks")
	signerURI := fs.String("signer", "", "seal key URI (file:, pkcs11:, awskms:)")
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	baseURL := fs.String("base-url", "", "public URL of the service (links, WSDL, verification URL of new certificates)")
	portalURL := fs.String("portal-url", "", "portal lookup URL put in new certificates' QR codes (default BASE-URL/lookup)")
	tlsCert := fs.String("tls-cert", "", "HTTPS certificate chain PEM")
	tlsKey := fs.String("tls-key", "", "HTTPS key PEM")
	tlsGen := fs.Bool("tls-generate", false, "HTTPS with a generated self-signed certificate")
	clientCA := fs.String("client-ca", "", "PEM file of CAs whose client certificates may authenticate (mutual TLS)")
	smtpAddr := fs.String("smtp", "", "SMTP relay host:port for push e-mails")
	from := fs.String("from", "registry@localhost", "sender address of push e-mails")
	addPrincipal := fs.String("add-principal", "", "ID:NAME[:BODY-ID] — register a principal, print its new token and exit")
	level := fs.String("level", "B-B", "PAdES level: B-B, B-T, B-LT, B-LTA (B-T and up need -tsa)")
	tsa := fs.String("tsa", "", "RFC 3161 time-stamping URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	db, err := openDB(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := httpapi.OpenStore(ctx, db)
	if err != nil {
		return err
	}
	if *addPrincipal != "" {
		parts := strings.SplitN(*addPrincipal, ":", 3)
		if len(parts) < 2 {
			return errors.New("-add-principal: want ID:NAME[:BODY-ID]")
		}
		p := httpapi.Principal{ID: parts[0], Name: parts[1]}
		if len(parts) == 3 {
			p.BodyID = parts[2]
		}
		tok, err := st.AddPrincipal(ctx, p)
		if err != nil {
			return err
		}
		fmt.Println(tok)
		return nil
	}
	if *signerURI == "" {
		return errors.New("-signer is required")
	}
	sg, err := signers.Open(ctx, *signerURI, nil)
	if err != nil {
		return err
	}
	defer signer.Close(sg)
	reg, err := sqlite.Open(ctx, *regPath, registry.Options{Logger: log})
	if err != nil {
		return err
	}
	defer reg.Close()
	lvl, err := pdfseal.ParseLevel(*level)
	if err != nil {
		return err
	}
	so := pdfseal.SealOptions{Level: lvl}
	if *tsa != "" {
		so.TSA = &pdfseal.TSA{URL: *tsa}
	}
	var fonts []*pdfseal.Font
	for _, p := range pdfseal.DefaultFontPaths() {
		if f, err := pdfseal.LoadFont(p); err == nil {
			fonts = append(fonts, f)
			break
		}
	}
	pusher := &httpapi.Pusher{Registry: reg, Store: st, From: *from, Logger: log}
	if *smtpAddr != "" {
		pusher.Mailer = &httpapi.SMTPMailer{Addr: *smtpAddr, StartTLS: true}
	}
	pusher.Init()
	go pusher.Run(ctx)
	svc := &issuing.Service{Registry: reg, Store: st, Signer: sg, Render: pdfseal.RenderOptions{Fonts: fonts}, Seal: so, Pusher: pusher, Logger: log}
	if *portalURL != "" {
		svc.VerificationURL = *portalURL
	} else if *baseURL != "" {
		svc.VerificationURL = strings.TrimSuffix(*baseURL, "/") + "/lookup"
	}
	api := &httpapi.API{Registry: reg, Store: st, Pusher: pusher, BaseURL: *baseURL, Logger: log}
	mux := http.NewServeMux()
	api.Register(mux)
	mux.Handle("/issuing/", http.StripPrefix("/issuing", svc.Handler()))
	return serve(ctx, *addr, httpapi.Harden(mux, httpapi.HardenOptions{MaxBody: 16 << 20, HSTS: true, Logger: log}), *tlsCert, *tlsKey, *tlsGen, *clientCA, log)
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
