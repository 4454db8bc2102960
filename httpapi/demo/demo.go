// Package demo assembles a complete e-certificate system in one process,
// for "ecert demo" and for end-to-end tests: a demo PKI and a SQLite
// registry in a directory, the sample certificates issued through the
// issuing service (sealed PDFs and UN/CEFACT XML), and one HTTPS or HTTP
// server with the verification portal (/), the issuing API (/issuing/),
// the pull API (REST, OpenAPI, SOAP) and the push worker.
//
// The caller opens SQLite databases (OpenDB), so that the driver is its
// choice and this package stays free of it.
package demo

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/httpapi/issuing"
	"github.com/ecertkit/ecertkit/httpapi/portal"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/sqlite"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// Options configure the demo. Dir and OpenDB are required.
type Options struct {
	// Dir holds the PKI, the registry and the services database. An
	// existing demo directory is reused: nothing is issued again.
	Dir string
	// Addr is the listen address; "127.0.0.1:8080" when empty. Port 0
	// picks a free port.
	Addr string
	// TLS serves HTTPS with a certificate generated into Dir (or the
	// files CertFile and KeyFile when set).
	TLS               bool
	CertFile, KeyFile string
	// OpenDB opens a SQLite database file for the services store.
	OpenDB func(path string) (*sql.DB, error)
	// Samples are the certificate JSON files issued on first start, in
	// order; a file whose number is already issued is issued as a
	// modification. Empty means the repository's testdata/good_*.json
	// found from the working directory.
	Samples []string
	// Rate is the per-client request rate (see httpapi.HardenOptions);
	// negative disables the limit (load tests).
	Rate float64
	// SMTP, when set (host:port), is the relay for push e-mails.
	SMTP string
	// Out receives the URLs and the ready curl line.
	Out    io.Writer
	Logger *slog.Logger
}

// Demo is a running (or ready) demo system.
type Demo struct {
	Registry *registry.Registry
	Store    *httpapi.Store
	API      *httpapi.API
	Issuing  *issuing.Service
	Portal   *portal.Portal
	Pusher   *httpapi.Pusher
	PKI      *testpki.PKI
	Roots    *x509.CertPool
	// Tokens are the API tokens made at start, by principal ID:
	// "cqc-operator" and "gacc-operator" act for the two issuing bodies,
	// "nppo-nl" is an authorised foreign authority.
	Tokens map[string]string
	// Issued lists the sample certificate numbers.
	Issued []string
	Dir    string
	db     *sql.DB
	log    *slog.Logger
	opts   Options
}

// The demo's issuing bodies.
var bodies = []registry.Body{
	{ID: "CNCA-R-2002-001", Name: ecert.Text{"zh": "中国质量认证中心", "en": "China Quality Certification Centre"}, Country: "CN", Accreditation: "CNCA-R-2002-001"},
	{ID: "GACC-3700", Name: ecert.Text{"zh": "中华人民共和国青岛海关", "en": "Qingdao Customs of the People's Republic of China"}, Country: "CN"},
}

// Setup creates or reopens the demo in opts.Dir.
func Setup(ctx context.Context, opts Options) (*Demo, error) {
	if opts.Dir == "" || opts.OpenDB == nil {
		return nil, errors.New("demo: Dir and OpenDB are required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &Demo{Dir: opts.Dir, log: log, opts: opts, Tokens: map[string]string{}}
	fresh := false
	if _, err := os.Stat(filepath.Join(opts.Dir, "registry.db")); errors.Is(err, os.ErrNotExist) {
		fresh = true
	}
	pki, err := d.pki(fresh)
	if err != nil {
		return nil, err
	}
	d.PKI = pki
	d.Roots = x509.NewCertPool()
	d.Roots.AddCert(pki.Root)

	logSigner, logVerifier, err := logKey(opts.Dir)
	if err != nil {
		return nil, err
	}
	reg, err := sqlite.Open(ctx, filepath.Join(opts.Dir, "registry.db"), registry.Options{
		Origin: "demo.ecertkit.example/registry", LogSigners: []note.Signer{logSigner}, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("demo: registry: %w", err)
	}
	d.Registry = reg
	db, err := opts.OpenDB(filepath.Join(opts.Dir, "services.db"))
	if err != nil {
		reg.Close()
		return nil, fmt.Errorf("demo: services database: %w", err)
	}
	d.db = db
	if d.Store, err = httpapi.OpenStore(ctx, db); err != nil {
		d.Close()
		return nil, err
	}

	// Signers by URI, as a deployment would name them (file:, pkcs11:, awskms:).
	cqcSigner, err := signer.Open(ctx, testpki.SealKeyURI(opts.Dir), nil)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: open seal signer: %w", err)
	}
	gaccSigner, err := signer.Open(ctx, "file:"+filepath.Join(opts.Dir, "gacc-seal-key.pem")+"?chain="+filepath.Join(opts.Dir, "gacc-seal-chain.pem"), nil)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: open GACC seal signer: %w", err)
	}
	if fresh {
		for i, b := range bodies {
			if _, err := reg.RegisterBody(ctx, b, registry.Change{Actor: "demo-setup"}); err != nil {
				d.Close()
				return nil, fmt.Errorf("demo: register body: %w", err)
			}
			sg := []signer.Signer{cqcSigner, gaccSigner}[i]
			if _, err := reg.AddSealCert(ctx, b.ID, sg.Chain()[0], registry.Change{Actor: "demo-setup"}); err != nil {
				d.Close()
				return nil, fmt.Errorf("demo: register seal certificate: %w", err)
			}
		}
	}

	var fonts []*pdfseal.Font
	for _, p := range pdfseal.DefaultFontPaths() {
		if f, err := pdfseal.LoadFont(p); err == nil {
			fonts = []*pdfseal.Font{f}
			break
		}
	}
	if fonts == nil {
		d.Close()
		return nil, fmt.Errorf("demo: no CJK TrueType font found in %v (Debian: apt-get install fonts-wqy-zenhei)", pdfseal.DefaultFontPaths())
	}
	d.Pusher = &httpapi.Pusher{Registry: reg, Store: d.Store, From: "registry@demo.ecertkit.example", AllowHTTPWebhooks: true, Logger: log}
	if opts.SMTP != "" {
		d.Pusher.Mailer = &httpapi.SMTPMailer{Addr: opts.SMTP}
	}
	d.Pusher.Init()
	checker := httpapi.ThreePart(check.Options{Registry: reg, Verify: pdfseal.VerifyOptions{Roots: d.Roots}})
	d.API = &httpapi.API{Registry: reg, Store: d.Store, Checker: checker, Pusher: d.Pusher, Logger: log}
	d.Issuing = &issuing.Service{Registry: reg, Store: d.Store, Signer: cqcSigner,
		Signers: map[string]signer.Signer{bodies[0].ID: cqcSigner, bodies[1].ID: gaccSigner},
		Render:  pdfseal.RenderOptions{Fonts: fonts}, Pusher: d.Pusher, Logger: log}
	key := make([]byte, 32)
	rand.Read(key)
	d.Portal = &portal.Portal{Registry: reg, Store: d.Store, Checker: checker, CSRF: &httpapi.CSRF{Key: key, Secure: opts.TLS},
		LogVerifiers: []note.Verifier{logVerifier}, Logger: log}

	for _, p := range []httpapi.Principal{
		{ID: "cqc-operator", Name: "CQC certificate officer", BodyID: bodies[0].ID},
		{ID: "gacc-operator", Name: "Qingdao Customs officer", BodyID: bodies[1].ID},
		{ID: ClientPrincipal, Name: "NPPO of the Netherlands (importing authority)"},
	} {
		tok, err := d.Store.AddPrincipal(ctx, p)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.Tokens[p.ID] = tok
	}
	if err := d.registerClientCert(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(opts.Dir, "tokens.txt"), []byte(tokenLines(d.Tokens)), 0o600); err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	if fresh {
		if err := d.issueSamples(ctx); err != nil {
			d.Close()
			return nil, err
		}
	} else {
		pg, err := reg.Search(ctx, registry.Query{Limit: 100})
		if err == nil {
			for _, r := range pg.Records {
				d.Issued = append(d.Issued, r.Number)
			}
		}
	}
	return d, nil
}

func tokenLines(t map[string]string) string {
	ids := make([]string, 0, len(t))
	for id := range t {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%s %s\n", id, t[id])
	}
	return b.String()
}

// pki creates the demo PKI files, or reads them back.
func (d *Demo) pki(fresh bool) (*testpki.PKI, error) {
	dir := d.opts.Dir
	if !fresh {
		// The files are what the signers and roots are read from; the
		// PKI object itself is only needed fresh. Rebuild the root pool
		// from the file.
		b, err := os.ReadFile(filepath.Join(dir, testpki.FileRoot))
		if err != nil {
			return nil, fmt.Errorf("demo: existing demo without its PKI: %w", err)
		}
		certs, err := signer.ParseCertificatesPEM(b)
		if err != nil || len(certs) == 0 {
			return nil, fmt.Errorf("demo: read %s: %v", testpki.FileRoot, err)
		}
		return &testpki.PKI{Root: certs[0]}, nil
	}
	pki, err := testpki.New(testpki.Options{Organization: "China Quality Certification Centre (demo)"})
	if err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	if err := pki.WriteFiles(dir); err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	gacc, err := pki.Issue(testpki.LeafOptions{CommonName: "Qingdao Customs Seal (demo)"})
	if err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	kp, err := testpki.KeyPEM(gacc.Key)
	if err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gacc-seal-key.pem"), kp, 0o600); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gacc-seal-chain.pem"), testpki.CertsPEM(gacc.Chain...), 0o644); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// A TLS client certificate for the sample foreign authority, so that
	// the mutual-TLS pull can be tried (see printWelcome).
	client, err := pki.Issue(testpki.LeafOptions{CommonName: "NPPO of the Netherlands (demo pull client)",
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	if kp, err = testpki.KeyPEM(client.Key); err != nil {
		return nil, fmt.Errorf("demo: PKI: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ClientKeyFile), kp, 0o600); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ClientCertFile), testpki.CertsPEM(client.Chain...), 0o644); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return pki, nil
}

// The demo's TLS client certificate (with its issuing CA) and key, in
// Dir: they authenticate the principal ClientPrincipal (the sample
// foreign authority) over mutual TLS, for the bulk pull.
const (
	ClientCertFile  = "nppo-nl-client-cert.pem"
	ClientKeyFile   = "nppo-nl-client-key.pem"
	ClientPrincipal = "nppo-nl"
)

// registerClientCert registers the demo's client certificate for
// ClientPrincipal (demo directories made before it existed have none).
func (d *Demo) registerClientCert(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(d.Dir, ClientCertFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	certs, err := signer.ParseCertificatesPEM(b)
	if err != nil || len(certs) == 0 {
		return fmt.Errorf("demo: read %s: %v", ClientCertFile, err)
	}
	return d.Store.SetClientCert(ctx, ClientPrincipal, registry.SPKIHex(registry.SPKIHash(certs[0])))
}

// logKey creates or reads the transparency log's note key.
func logKey(dir string) (note.Signer, note.Verifier, error) {
	skPath, vkPath := filepath.Join(dir, "log.key"), filepath.Join(dir, "log.pub")
	sk, err := os.ReadFile(skPath)
	if errors.Is(err, os.ErrNotExist) {
		s, v, err := note.GenerateKey(rand.Reader, "demo.ecertkit.example/registry")
		if err != nil {
			return nil, nil, fmt.Errorf("demo: log key: %w", err)
		}
		if err := os.WriteFile(skPath, []byte(s+"\n"), 0o600); err != nil {
			return nil, nil, fmt.Errorf("demo: %w", err)
		}
		if err := os.WriteFile(vkPath, []byte(v+"\n"), 0o644); err != nil {
			return nil, nil, fmt.Errorf("demo: %w", err)
		}
		sk = []byte(s)
	} else if err != nil {
		return nil, nil, fmt.Errorf("demo: log key: %w", err)
	}
	vk, err := os.ReadFile(vkPath)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: log key: %w", err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(sk)))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: log key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vk)))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: log key: %w", err)
	}
	return s, v, nil
}

// FindSamples returns testdata/good_*.json of the repository that holds
// the working directory (searched upwards), v2 files after the others.
func FindSamples() ([]string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		m, _ := filepath.Glob(filepath.Join(dir, "testdata", "good_*.json"))
		if len(m) > 0 {
			sort.SliceStable(m, func(i, j int) bool {
				return !strings.Contains(m[i], "_v2") && strings.Contains(m[j], "_v2")
			})
			return m, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("demo: no testdata/good_*.json found above the working directory; run from the repository")
		}
		dir = parent
	}
}

func (d *Demo) issueSamples(ctx context.Context) error {
	files := d.opts.Samples
	if len(files) == 0 {
		var err error
		if files, err = FindSamples(); err != nil {
			return err
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		c, err := ecert.Unmarshal(b)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", f, err)
		}
		who := "cqc-operator"
		if c.IssuingBody.ID == bodies[1].ID {
			who = "gacc-operator"
		}
		p, err := d.Store.PrincipalByToken(ctx, d.Tokens[who])
		if err != nil {
			return err
		}
		q := issuing.Request{Principal: p}
		if _, err := d.Registry.Get(ctx, c.Number); err == nil {
			q.Reason = "sample modification"
			_, err = d.Issuing.Modify(ctx, q, c)
		} else {
			_, err = d.Issuing.Issue(ctx, q, c)
			d.Issued = append(d.Issued, c.Number)
		}
		if err != nil {
			return fmt.Errorf("demo: issue %s: %w", filepath.Base(f), err)
		}
		d.log.Info("demo: issued", "file", filepath.Base(f), "number", c.Number)
	}
	return nil
}

// Handler is the whole site: the portal at /, the issuing API under
// /issuing/, the pull API at its own paths, all behind Harden.
func (d *Demo) Handler() http.Handler {
	mux := http.NewServeMux()
	d.API.Register(mux)
	mux.Handle("/issuing/", http.StripPrefix("/issuing", d.Issuing.Handler()))
	ph := d.Portal.Handler()
	for _, p := range []string{"GET /{$}", "GET /lookup", "POST /verify", "GET /static/"} {
		mux.Handle(p, ph)
	}
	return httpapi.Harden(mux, httpapi.HardenOptions{Rate: d.opts.Rate, HSTS: d.opts.TLS, Logger: d.log})
}

// Close releases the databases.
func (d *Demo) Close() error {
	var errs []error
	if d.Registry != nil {
		errs = append(errs, d.Registry.Close())
	}
	if d.db != nil {
		errs = append(errs, d.db.Close())
	}
	return errors.Join(errs...)
}

// Run sets the demo up, serves it until ctx ends, and prints the URLs
// and a curl line to opts.Out. ready, when not nil, receives the base URL
// once the server listens.
func Run(ctx context.Context, opts Options, ready func(baseURL string, d *Demo)) error {
	d, err := Setup(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo: listen: %w", err)
	}
	scheme := "http"
	var tlsCfg *tls.Config
	if opts.TLS {
		cert, err := d.serverCert(ln.Addr().(*net.TCPAddr))
		if err != nil {
			ln.Close()
			return err
		}
		// client certificates under the demo CA authenticate bulk pull
		pool := x509.NewCertPool()
		pool.AddCert(d.PKI.Root)
		tlsCfg = httpapi.TLSConfig(cert, pool)
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String()
	d.Issuing.VerificationURL = base + "/lookup"
	srv := httpapi.NewServer(addr, d.Handler(), httpapi.ServerOptions{TLSConfig: tlsCfg, ErrorLog: d.log})
	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // the recorder writes what it holds before the databases close
	defer stop()
	wg.Add(2)
	go func() { defer wg.Done(); d.Pusher.Run(pctx) }()
	go func() { defer wg.Done(); d.Store.RunCheckRecorder(pctx) }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if opts.Out != nil {
		d.printWelcome(opts.Out, base)
	}
	if ready != nil {
		ready(base, d)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("demo: serve: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func (d *Demo) serverCert(a *net.TCPAddr) (tls.Certificate, error) {
	if d.opts.CertFile != "" {
		return httpapi.LoadCert(d.opts.CertFile, d.opts.KeyFile)
	}
	certPath, keyPath := filepath.Join(d.Dir, "https-cert.pem"), filepath.Join(d.Dir, "https-key.pem")
	if c, err := httpapi.LoadCert(certPath, keyPath); err == nil {
		return c, nil
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if !a.IP.IsUnspecified() {
		hosts = append(hosts, a.IP.String())
	}
	c, cp, kp, err := httpapi.GenerateCert(hosts...)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(certPath, cp, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(keyPath, kp, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("demo: %w", err)
	}
	return c, nil
}

func (d *Demo) printWelcome(w io.Writer, base string) {
	first := ""
	if len(d.Issued) > 0 {
		first = d.Issued[0]
	}
	k := ""
	if strings.HasPrefix(base, "https") {
		k = "--cacert " + filepath.Join(d.Dir, "https-cert.pem") + " "
	}
	fmt.Fprintf(w, `ecert demo: an e-certificate system with %d sample certificates (files in %s)

  verification portal   %s/
  look up a sample      %s/lookup?number=%s
  sealed PDF            %s/certificates/%s/versions/1.pdf
  pull API (OpenAPI)    %s/openapi.json
  SOAP pull (WSDL)      %s/soap?wsdl
  issuing API           %s/issuing/certificates
  API tokens            %s

Try it:
  curl -s %s%s/certificates/%s
  curl -s %s-X POST -H "Authorization: Bearer %s" %s/issuing/certificates/%s/suspend -d '{"reason":"demo"}'
%s
Press Ctrl-C to stop.
`, len(d.Issued), d.Dir, base, base, first, base, first, base, base, base, filepath.Join(d.Dir, "tokens.txt"),
		k, base, first, k, d.Tokens["cqc-operator"], base, first, d.mtlsLine(base, k))
}

// mtlsLine is the welcome's bulk pull with the demo's TLS client
// certificate (HTTPS only), or its API token over plain HTTP.
func (d *Demo) mtlsLine(base, k string) string {
	if !strings.HasPrefix(base, "https") {
		return fmt.Sprintf("  curl -s -H \"Authorization: Bearer %s\" '%s/certificates?since=0'   # bulk pull (authorised; --tls adds mutual TLS)\n",
			d.Tokens[ClientPrincipal], base)
	}
	if _, err := os.Stat(filepath.Join(d.Dir, ClientCertFile)); err != nil {
		return ""
	}
	return fmt.Sprintf("  curl -s %s--cert %s --key %s '%s/certificates?since=0'   # bulk pull with a TLS client certificate (mutual TLS, principal %s)\n",
		k, filepath.Join(d.Dir, ClientCertFile), filepath.Join(d.Dir, ClientKeyFile), base, ClientPrincipal)
}
