package signer

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
)

// Backend opens the keys named by URIs of one scheme. Back ends are
// plain functions so that programs choose which ones they link: this
// package has file: built in, signer/pkcs11.Open and signer/awskms.Open
// are Backends, and signer/signers.Open passes all three.
//
// A Backend returns a Signer whose leaf matches its key (signer.New
// checks that); Open then applies the certificate policy. It must honour
// ctx while it blocks and must not put secrets in its errors.
type Backend func(ctx context.Context, uri string, opts *Options) (Signer, error)

// CertPolicy says what Open does with a leaf certificate unfit for sealing.
type CertPolicy int

const (
	// CertRefuse (the default) makes Open fail with a *CertificateError.
	CertRefuse CertPolicy = iota
	// CertReport makes Open pass each problem to Options.Report and the
	// logger, and open the key anyway.
	CertReport
)

// Options configures Open. The zero value (or nil) opens file: URIs,
// refuses unfit certificates and reads the process environment.
type Options struct {
	// Backends maps URI schemes (without the colon) to back ends. "file"
	// is built in; an entry for "file" replaces it.
	Backends map[string]Backend
	// CertPolicy decides whether a leaf without digitalSignature or
	// nonRepudiation, or outside its validity period, is refused.
	CertPolicy CertPolicy
	// Report receives each certificate problem under CertReport.
	Report func(error)
	// Time is the time at which validity is checked; now when zero.
	Time time.Time
	// LookupEnv reads environment variables named in URIs
	// (password-env); os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
	// Logger, when set, receives what back ends have to say (never a
	// secret).
	Logger *slog.Logger
}

func (o *Options) lookupEnv(name string) (string, bool) {
	if o != nil && o.LookupEnv != nil {
		return o.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// Env reads an environment variable through o.LookupEnv (o may be nil).
func (o *Options) Env(name string) (string, bool) { return o.lookupEnv(name) }

// Log returns the logger, or one that discards everything (o may be nil).
func (o *Options) Log() *slog.Logger {
	if o != nil && o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Open opens the key named by uri with its certificate chain. The scheme
// picks the back end: file: is built in, others come from opts.Backends
// (signer/signers.Open passes pkcs11: and awskms:). It checks that the
// leaf certificate matches the key and applies opts.CertPolicy. Close the
// Signer with [Close] when done.
func Open(ctx context.Context, uri string, opts *Options) (Signer, error) {
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("signer: open: %w: no scheme in %q", ErrBadURI, RedactURI(uri))
	}
	scheme = strings.ToLower(scheme)
	if err := ContextError(ctx, "signer: open"); err != nil {
		return nil, err
	}
	var b Backend
	if opts != nil {
		b = opts.Backends[scheme]
	}
	if b == nil && scheme == "file" {
		b = OpenFile
	}
	if b == nil {
		return nil, fmt.Errorf("signer: open: %w %q (known: %s)", ErrUnsupportedScheme, scheme, strings.Join(schemes(opts), ", "))
	}
	s, err := b(ctx, uri, opts)
	if err != nil {
		return nil, err
	}
	if _, isWrapped := s.(*wrapped); !isWrapped {
		w, err := New(s, s.Chain())
		if err != nil {
			Close(s)
			return nil, fmt.Errorf("signer: open %s: %w", RedactURI(uri), err)
		}
		s = w
	}
	var now time.Time
	if opts != nil {
		now = opts.Time
	}
	problems := CheckCertificate(s.Chain()[0], now)
	if len(problems) == 0 {
		return s, nil
	}
	if opts == nil || opts.CertPolicy == CertRefuse {
		Close(s)
		return nil, fmt.Errorf("signer: open %s: %w", RedactURI(uri), errors.Join(problems...))
	}
	for _, p := range problems {
		opts.Log().Warn("signer: certificate problem", "uri", RedactURI(uri), "problem", p.Error())
		if opts.Report != nil {
			opts.Report(p)
		}
	}
	return s, nil
}

func schemes(opts *Options) []string {
	s := []string{"file"}
	if opts != nil {
		for k := range opts.Backends {
			if k != "file" {
				s = append(s, k)
			}
		}
	}
	return s
}

// CheckCertificate returns the reasons, each a *CertificateError, why
// cert is unfit for sealing at time now (the current time when zero): a
// key usage without digitalSignature and nonRepudiation, or now outside
// its validity period. It returns nil for a fit certificate.
func CheckCertificate(cert *x509.Certificate, now time.Time) []error {
	if now.IsZero() {
		now = time.Now()
	}
	var errs []error
	if cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		errs = append(errs, &CertificateError{Cert: cert, Reason: "key usage has neither digitalSignature nor nonRepudiation"})
	}
	if now.Before(cert.NotBefore) {
		errs = append(errs, &CertificateError{Cert: cert, Reason: "not valid before " + cert.NotBefore.UTC().Format(time.RFC3339)})
	}
	if now.After(cert.NotAfter) {
		errs = append(errs, &CertificateError{Cert: cert, Reason: "expired at " + cert.NotAfter.UTC().Format(time.RFC3339)})
	}
	return errs
}

// RedactURI returns uri with the values of secret attributes (pin-value,
// pin, password) replaced by "REDACTED", for errors and logs. It splits
// the URI as ParseURI does, so whatever ParseURI would read as a secret
// is hidden.
func RedactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return uri
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	out := scheme + ":" + redactList(path, ";")
	if hasQuery {
		out += "?" + redactList(query, "&")
	}
	return out
}

func redactList(s, sep string) string {
	parts := strings.Split(s, sep)
	for i, p := range parts {
		raw, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name := raw
		if n, err := url.QueryUnescape(raw); err == nil {
			name = n
		}
		switch strings.ToLower(name) {
		case "pin-value", "pin", "password":
			parts[i] = raw + "=REDACTED"
		}
	}
	return strings.Join(parts, sep)
}

// URI is a key URI split into its parts.
type URI struct {
	Scheme string // lower case, without the colon
	// Path is the percent-decoded part between "scheme:" and "?": a file
	// path, a KMS key ID, or RFC 7512 path attributes.
	Path string
	// Attrs holds the path split at ";" into name=value pairs, each value
	// percent-decoded (RFC 7512 path attributes); nil when Path has no "=".
	Attrs map[string]string
	// Query holds the query attributes ("chain", "module-path", ...).
	Query url.Values
}

// ParseURI splits a key URI. It refuses repeated attributes, which RFC
// 7512 forbids and which would make the key ambiguous.
func ParseURI(uri string) (*URI, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("%w: no scheme in %q", ErrBadURI, RedactURI(uri))
	}
	u := &URI{Scheme: strings.ToLower(scheme)}
	rawPath, rawQuery, _ := strings.Cut(rest, "?")
	var err error
	if u.Path, err = url.PathUnescape(rawPath); err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadURI, RedactURI(uri), err)
	}
	if u.Query, err = url.ParseQuery(rawQuery); err != nil {
		return nil, fmt.Errorf("%w: %q: query: %v", ErrBadURI, RedactURI(uri), err)
	}
	for k, v := range u.Query {
		if len(v) > 1 {
			return nil, fmt.Errorf("%w: %q: attribute %q repeated", ErrBadURI, RedactURI(uri), k)
		}
	}
	if strings.Contains(rawPath, "=") {
		u.Attrs = map[string]string{}
		for _, kv := range strings.Split(rawPath, ";") {
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("%w: %q: attribute %q has no value", ErrBadURI, RedactURI(uri), k)
			}
			dv, err := url.PathUnescape(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %q: attribute %q: %v", ErrBadURI, RedactURI(uri), k, err)
			}
			if _, dup := u.Attrs[k]; dup {
				return nil, fmt.Errorf("%w: %q: attribute %q repeated", ErrBadURI, RedactURI(uri), k)
			}
			u.Attrs[k] = dv
		}
	}
	return u, nil
}

// maxFile bounds what is read from a key, chain or password file.
const maxFile = 4 << 20

// ReadFileLimited reads a file of at most 4 MiB (keys, chains, PINs).
func ReadFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	return b, nil
}

// ReadChainFile reads PEM certificates from a file, in file order.
func ReadChainFile(path string) ([]*x509.Certificate, error) {
	b, err := ReadFileLimited(path)
	if err != nil {
		return nil, fmt.Errorf("read chain: %w", err)
	}
	certs, err := ParseCertificatesPEM(b)
	if err != nil {
		return nil, fmt.Errorf("read chain %s: %w", path, err)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("read chain %s: %w: no CERTIFICATE block", path, ErrCertNotFound)
	}
	return certs, nil
}

// ParseCertificatesPEM returns the CERTIFICATE blocks of data, in order;
// other blocks are skipped.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			return certs, nil
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
}

// OrderChain puts the certificate whose public key is pub first and
// the others after it in issuing order (each one's issuer next); the
// certificates it cannot link keep their order at the end. It returns a
// *KeyMismatchError naming the first certificate when none matches pub.
func OrderChain(pub any, certs []*x509.Certificate) ([]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, ErrCertNotFound
	}
	leaf := -1
	for i, c := range certs {
		if MatchKey(c, pub) == nil {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return nil, MatchKey(certs[0], pub)
	}
	used := make([]bool, len(certs))
	used[leaf] = true
	out := []*x509.Certificate{certs[leaf]}
	for {
		last := out[len(out)-1]
		next := -1
		for i, c := range certs {
			if !used[i] && string(c.RawSubject) == string(last.RawIssuer) && last.CheckSignatureFrom(c) == nil {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		out = append(out, certs[next])
	}
	for i, c := range certs {
		if !used[i] {
			out = append(out, c)
		}
	}
	return out, nil
}
