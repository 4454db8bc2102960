package httpapi

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves srv on ln until ctx ends, then shuts it down gracefully,
// giving requests in flight up to ten seconds. A TLS server (srv.TLSConfig
// set) serves TLS on a plain listener. It returns nil after a clean
// shutdown.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// ListenOptions configure ListenAndServe. The zero value serves plain HTTP.
type ListenOptions struct {
	// CertFile and KeyFile serve HTTPS with a certificate from files.
	CertFile, KeyFile string
	// GenerateCert serves HTTPS with a generated self-signed certificate
	// for localhost and the listening host (for demos and tests).
	GenerateCert bool
	// ClientCAs, with HTTPS, requests TLS client certificates issued by
	// these roots (mutual TLS for authorised parties; see Authenticate).
	ClientCAs *x509.CertPool
	// Logger receives the server's errors and a record when it listens.
	Logger *slog.Logger
}

// ListenAndServe listens on addr and serves h with NewServer's timeouts
// until ctx ends, over HTTPS when a certificate is given or generated.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, o ListenOptions) error {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := NewServer(addr, h, ServerOptions{ErrorLog: log})
	if o.CertFile != "" || o.GenerateCert {
		var cert, err = LoadCert(o.CertFile, o.KeyFile)
		if o.GenerateCert {
			host, _, _ := net.SplitHostPort(addr)
			cert, _, _, err = GenerateCert("localhost", host)
		}
		if err != nil {
			return fmt.Errorf("httpapi: server certificate: %w", err)
		}
		srv.TLSConfig = TLSConfig(cert, o.ClientCAs)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "tls", srv.TLSConfig != nil)
	return Serve(ctx, srv, ln)
}
