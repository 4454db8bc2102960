package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// HardenOptions configures Harden. The zero value is a sensible public
// service: 8 MiB bodies, 20 requests per second per client with bursts of
// 40, the default security headers.
type HardenOptions struct {
	// MaxBody bounds request bodies; larger requests get 413. Zero means
	// 8 MiB.
	MaxBody int64
	// Rate is the sustained requests per second allowed per client (by
	// IP address) and Burst the bucket size; over it, 429 with
	// Retry-After. Zero means 20 and 40; a negative Rate disables the
	// limit (behind a proxy that limits, or for load tests).
	Rate  float64
	Burst int
	// ClientKey names the client of a request for rate limiting; nil
	// means the remote IP address.
	ClientKey func(*http.Request) string
	// ContentSecurityPolicy replaces the default policy, which allows
	// only same-origin resources and no scripts.
	ContentSecurityPolicy string
	// HSTS sets Strict-Transport-Security on TLS requests.
	HSTS bool
	// Logger receives one record per rejected request; nil discards.
	Logger *slog.Logger
	// Now is the clock of the rate limiter; nil means time.Now.
	Now func() time.Time
}

const defaultCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Harden wraps h with the protections every server here needs: security
// headers, a request size limit (413), per-client rate limits (429) and
// rejection of cross-origin unsafe requests (net/http's
// CrossOriginProtection), and recovers from panics with a 500.
func Harden(h http.Handler, o HardenOptions) http.Handler {
	if o.MaxBody == 0 {
		o.MaxBody = 8 << 20
	}
	if o.Rate == 0 {
		o.Rate, o.Burst = 20, 40
	}
	if o.Burst <= 0 {
		o.Burst = int(o.Rate*2) + 1
	}
	if o.ClientKey == nil {
		o.ClientKey = ClientIP
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	csp := o.ContentSecurityPolicy
	if csp == "" {
		csp = defaultCSP
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var lim *limiter
	if o.Rate > 0 {
		lim = newLimiter(o.Rate, float64(o.Burst), o.Now)
	}
	// The header values are shared, read-only slices of one element set
	// by map assignment: no canonicalisation or allocation per request
	// (Header.Set and Add replace or copy them, never write into them).
	headers := [...][2]string{
		{"X-Content-Type-Options", "nosniff"},
		{"X-Frame-Options", "DENY"},
		{"Referrer-Policy", "no-referrer"},
		{"Content-Security-Policy", csp},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
	}
	var values [len(headers)][]string
	for i, h := range headers {
		values[i] = []string{h[1]}[:1:1]
	}
	hsts := []string{"max-age=31536000"}[:1:1]
	cop := http.NewCrossOriginProtection()
	inner := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		for i := range headers {
			hd[headers[i][0]] = values[i]
		}
		if o.HSTS && r.TLS != nil {
			hd["Strict-Transport-Security"] = hsts
		}
		if lim != nil {
			key := o.ClientKey(r)
			if wait, ok := lim.allow(key); !ok {
				log.Info("rate limited", "client", key, "path", r.URL.Path)
				hd.Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
				writeError(w, http.StatusTooManyRequests, "too many requests")
				return
			}
		}
		if r.ContentLength > o.MaxBody {
			log.Info("body too large", "client", o.ClientKey(r), "length", r.ContentLength)
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", o.MaxBody))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, o.MaxBody)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		inner.ServeHTTP(w, r)
	})
}

// IsTooLarge reports whether err comes from reading a body over the
// limit set by Harden; handlers answer it with 413.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// ClientIP returns the remote IP address of a request.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type bucket struct {
	tokens float64
	last   time.Time
}

// limiterShards spreads the clients' buckets over independently locked
// maps, so that concurrent requests from different clients rarely wait
// for one another.
const limiterShards = 64

// maxBucketsPerShard bounds the limiter's memory: 64 x 2048 clients.
const maxBucketsPerShard = 2048

// limiter is a token bucket per client, sharded by a hash of the key.
type limiter struct {
	rate   float64
	burst  float64
	now    func() time.Time
	seed   maphash.Seed
	shards [limiterShards]limiterShard
}

type limiterShard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	_       [40]byte // keep shards on separate cache lines
}

func newLimiter(rate, burst float64, now func() time.Time) *limiter {
	l := &limiter{rate: rate, burst: burst, now: now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].buckets = map[string]*bucket{}
	}
	return l
}

// allow takes a token from the client's bucket, or says how long to wait.
func (l *limiter) allow(key string) (time.Duration, bool) {
	now := l.now()
	sh := &l.shards[maphash.String(l.seed, key)%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b, ok := sh.buckets[key]
	if !ok {
		if len(sh.buckets) >= maxBucketsPerShard {
			l.evict(sh, now)
		}
		b = &bucket{tokens: l.burst, last: now}
		sh.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// evict makes room in a full shard: it forgets the buckets that have
// refilled (forgetting them changes nothing), and when none has, the
// least recently used quarter, so that a flood of new clients costs one
// sweep per quarter of the shard rather than one per client.
func (l *limiter) evict(sh *limiterShard, now time.Time) {
	for k, b := range sh.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(sh.buckets, k)
		}
	}
	if len(sh.buckets) < maxBucketsPerShard*3/4 {
		return
	}
	lasts := make([]time.Time, 0, len(sh.buckets))
	for _, b := range sh.buckets {
		lasts = append(lasts, b.last)
	}
	slices.SortFunc(lasts, time.Time.Compare)
	cut := lasts[len(lasts)/4]
	for k, b := range sh.buckets {
		if !b.last.After(cut) {
			delete(sh.buckets, k)
		}
	}
}

// CSRF issues and checks tokens for HTML forms (double submit: a random
// cookie and a form field that is its HMAC under Key). It complements the
// Origin checks in Harden for browsers that send no Sec-Fetch-Site.
type CSRF struct {
	// Key authenticates tokens; at least 32 random bytes.
	Key []byte
	// Secure marks the cookie Secure (set it when serving HTTPS).
	Secure bool
}

const csrfCookie = "ecert_csrf"

// CSRFField is the name of the form field that carries the token.
const CSRFField = "csrf_token"

// Token returns the token to put in a form, setting the cookie when the
// request has none.
func (c *CSRF) Token(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		v = ck.Value
	} else {
		var b [24]byte
		rand.Read(b[:])
		v = base64.RawURLEncoding.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteStrictMode})
	}
	return c.mac(v)
}

func (c *CSRF) mac(v string) string {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Valid reports whether the request carries a token matching its cookie.
// Call it after parsing the form.
func (c *CSRF) Valid(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	got := r.FormValue(CSRFField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.mac(ck.Value))) == 1
}

// ServerOptions sets an http.Server's limits. Zero values mean the
// defaults noted.
type ServerOptions struct {
	ReadHeaderTimeout time.Duration // 5s
	ReadTimeout       time.Duration // 60s (uploads)
	WriteTimeout      time.Duration // 60s
	IdleTimeout       time.Duration // 120s
	MaxHeaderBytes    int           // 64 KiB
	TLSConfig         *tls.Config
	ErrorLog          *slog.Logger
}

// NewServer returns an http.Server with timeouts on every phase, so that
// slow or idle clients cannot hold connections.
func NewServer(addr string, h http.Handler, o ServerOptions) *http.Server {
	d := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	s := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: d(o.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       d(o.ReadTimeout, 60*time.Second),
		WriteTimeout:      d(o.WriteTimeout, 60*time.Second),
		IdleTimeout:       d(o.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    o.MaxHeaderBytes,
		TLSConfig:         o.TLSConfig,
	}
	if s.MaxHeaderBytes == 0 {
		s.MaxHeaderBytes = 64 << 10
	}
	if o.ErrorLog != nil {
		s.ErrorLog = slog.NewLogLogger(o.ErrorLog.Handler(), slog.LevelWarn)
	}
	return s
}

// TLSConfig returns a server TLS configuration (TLS 1.2 or later) with
// the certificate, asking for client certificates issued under clientCAs
// when it is not nil (mutual TLS for bulk pull; clients without a
// certificate can still use the public endpoints).
func TLSConfig(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if clientCAs != nil {
		c.ClientCAs = clientCAs
		c.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return c
}

// LoadCert reads a PEM certificate chain and key, as for HTTPS.
func LoadCert(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("httpapi: load TLS certificate: %w", err)
	}
	return c, nil
}

// GenerateCert makes a self-signed ECDSA P-256 server certificate for
// hosts (names or IP addresses), valid for a year, and returns it with
// its certificate and key in PEM.
func GenerateCert(hosts ...string) (tls.Certificate, []byte, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("httpapi: generate key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ecertkit demo server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("httpapi: create certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("httpapi: marshal key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("httpapi: generated certificate: %w", err)
	}
	return c, certPEM, keyPEM, nil
}
