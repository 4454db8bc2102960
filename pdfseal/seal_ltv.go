package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal/internal/cms"
	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"golang.org/x/crypto/ocsp"
)

// revData is the validation data that goes into the DSS.
type revData struct {
	certs []*x509.Certificate
	ocsps [][]byte
	crls  [][]byte
	vri   []vriEntry
	seen  map[[32]byte]bool
}

type vriEntry struct {
	contents            []byte // the signature's /Contents bytes
	certs               []*x509.Certificate
	ocsps, crls         [][]byte
	timestampedContents bool
}

func (rd *revData) add(b []byte) bool {
	if rd.seen == nil {
		rd.seen = map[[32]byte]bool{}
	}
	k := sha256.Sum256(b)
	if rd.seen[k] {
		return false
	}
	rd.seen[k] = true
	return true
}

func (rd *revData) addCerts(cs ...*x509.Certificate) {
	for _, c := range cs {
		if c != nil && rd.add(c.Raw) {
			rd.certs = append(rd.certs, c)
		}
	}
}

type revFetcher struct {
	opts Revocation
	log  *slog.Logger
}

func newRevFetcher(o Revocation, log *slog.Logger) *revFetcher {
	return &revFetcher{opts: o, log: log}
}

func (f *revFetcher) client() *http.Client {
	if f.opts.HTTPClient != nil {
		return f.opts.HTTPClient
	}
	return http.DefaultClient
}

func (f *revFetcher) timeout() time.Duration {
	if f.opts.Timeout > 0 {
		return f.opts.Timeout
	}
	return 30 * time.Second
}

var oidOCSPNoCheck = []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// collect fetches revocation data for every certificate in certs that
// is not self-signed, finding issuers in certs and pool.
func (f *revFetcher) collect(ctx context.Context, certs, pool []*x509.Certificate, rd *revData) error {
	rd.addCerts(certs...)
	all := append(append([]*x509.Certificate(nil), certs...), pool...)
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			continue // a trust anchor
		}
		noCheck := false
		for _, e := range c.Extensions {
			if e.Id.Equal(oidOCSPNoCheck) {
				noCheck = true
			}
		}
		if noCheck {
			continue
		}
		var issuer *x509.Certificate
		for _, i := range all {
			if bytes.Equal(i.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(i) == nil {
				issuer = i
				break
			}
		}
		if issuer == nil {
			f.log.Debug("pdfseal: no issuer for revocation check", "cert", c.Subject.String())
			continue
		}
		rd.addCerts(issuer)
		var errs []error
		done := false
		if !f.opts.PreferCRL {
			for _, u := range c.OCSPServer {
				err := f.fetchOCSP(ctx, u, c, issuer, rd)
				if err == nil {
					done = true
					break
				}
				if errors.Is(err, ErrRevoked) {
					return err
				}
				errs = append(errs, err)
			}
		}
		if !done {
			for _, u := range c.CRLDistributionPoints {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					continue
				}
				err := f.fetchCRL(ctx, u, c, issuer, rd)
				if err == nil {
					done = true
					break
				}
				if errors.Is(err, ErrRevoked) {
					return err
				}
				errs = append(errs, err)
			}
		}
		if !done && f.opts.PreferCRL {
			for _, u := range c.OCSPServer {
				err := f.fetchOCSP(ctx, u, c, issuer, rd)
				if err == nil {
					done = true
					break
				}
				if errors.Is(err, ErrRevoked) {
					return err
				}
				errs = append(errs, err)
			}
		}
		if !done && len(errs) > 0 {
			return errors.Join(errs...)
		}
		if !done {
			f.log.Debug("pdfseal: certificate names no OCSP responder or CRL", "cert", c.Subject.String())
		}
	}
	return nil
}

func (f *revFetcher) get(ctx context.Context, method, url, ctype string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	const max = 16 << 20
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if len(data) > max {
		return nil, fmt.Errorf("response larger than %d bytes", max)
	}
	return data, nil
}

func (f *revFetcher) fetchOCSP(ctx context.Context, url string, c, issuer *x509.Certificate, rd *revData) error {
	req, err := ocsp.CreateRequest(c, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return &ServiceError{Service: "OCSP", URL: url, Err: err}
	}
	data, err := f.get(ctx, http.MethodPost, url, "application/ocsp-request", req)
	if err != nil {
		return &ServiceError{Service: "OCSP", URL: url, Err: err}
	}
	resp, err := ocsp.ParseResponseForCert(data, c, issuer)
	if err != nil {
		return &ServiceError{Service: "OCSP", URL: url, Err: err}
	}
	switch resp.Status {
	case ocsp.Good:
	case ocsp.Revoked:
		return fmt.Errorf("%w: %s (serial %x) since %v, says %s", ErrRevoked, c.Subject.CommonName, c.SerialNumber, resp.RevokedAt, url)
	default:
		return &ServiceError{Service: "OCSP", URL: url, Err: fmt.Errorf("status unknown for %s", c.Subject.CommonName)}
	}
	if rd.add(data) {
		rd.ocsps = append(rd.ocsps, data)
	}
	if resp.Certificate != nil {
		rd.addCerts(resp.Certificate)
	}
	return nil
}

func (f *revFetcher) fetchCRL(ctx context.Context, url string, c, issuer *x509.Certificate, rd *revData) error {
	data, err := f.get(ctx, http.MethodGet, url, "", nil)
	if err != nil {
		return &ServiceError{Service: "CRL", URL: url, Err: err}
	}
	if blk, _ := pem.Decode(data); blk != nil {
		data = blk.Bytes
	}
	crl, err := x509.ParseRevocationList(data)
	if err != nil {
		return &ServiceError{Service: "CRL", URL: url, Err: err}
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return &ServiceError{Service: "CRL", URL: url, Err: fmt.Errorf("not signed by %s: %w", issuer.Subject.CommonName, err)}
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return fmt.Errorf("%w: %s (serial %x) since %v, says %s", ErrRevoked, c.Subject.CommonName, c.SerialNumber, e.RevocationTime, url)
		}
	}
	if rd.add(data) {
		rd.crls = append(rd.crls, data)
	}
	return nil
}

// addDSS appends an update with the Document Security Store: the
// certificates, OCSP responses and CRLs (merged with an existing DSS) and
// a VRI entry per signature.
func addDSS(d *doc, rd *revData) error {
	r, err := d.open()
	if err != nil {
		return err
	}
	cat0, catRef, err := r.Catalog()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidPDF, err)
	}
	cat := cat0.Clone()
	u := r.NewUpdate()
	dss := pdf.Dict{}
	dssRef, dssIsRef := cat["DSS"].(pdf.Ref)
	if old, err := r.Dict(cat["DSS"]); err == nil && old != nil {
		dss = old.Clone()
	}
	refs := map[[32]byte]pdf.Ref{}
	addStreams := func(key pdf.Name, items [][]byte) pdf.Array {
		var out pdf.Array
		existing, _ := r.Resolve(dss[key])
		arr, _ := existing.(pdf.Array)
		out = append(out, arr...)
		for _, it := range items {
			k := sha256.Sum256(it)
			if _, ok := refs[k]; ok {
				continue
			}
			ref := u.Add(&pdf.Stream{Dict: pdf.Dict{}, Offset: -1, Data: it})
			refs[k] = ref
			out = append(out, ref)
		}
		return out
	}
	certDER := make([][]byte, len(rd.certs))
	for i, c := range rd.certs {
		certDER[i] = c.Raw
	}
	if a := addStreams("Certs", certDER); len(a) > 0 {
		dss["Certs"] = a
	}
	if a := addStreams("OCSPs", rd.ocsps); len(a) > 0 {
		dss["OCSPs"] = a
	}
	if a := addStreams("CRLs", rd.crls); len(a) > 0 {
		dss["CRLs"] = a
	}
	if len(rd.vri) > 0 {
		vri := pdf.Dict{}
		if old, err := r.Dict(dss["VRI"]); err == nil && old != nil {
			vri = old.Clone()
		}
		pick := func(items [][]byte) pdf.Array {
			var a pdf.Array
			for _, it := range items {
				if ref, ok := refs[sha256.Sum256(it)]; ok {
					a = append(a, ref)
				}
			}
			return a
		}
		for _, v := range rd.vri {
			sum := sha1.Sum(v.contents)
			e := pdf.Dict{"Type": pdf.Name("VRI")}
			cd := make([][]byte, len(v.certs))
			for i, c := range v.certs {
				cd[i] = c.Raw
			}
			if a := pick(cd); len(a) > 0 {
				e["Cert"] = a
			}
			if a := pick(v.ocsps); len(a) > 0 {
				e["OCSP"] = a
			}
			if a := pick(v.crls); len(a) > 0 {
				e["CRL"] = a
			}
			vri[pdf.Name(strings.ToUpper(hex.EncodeToString(sum[:])))] = e
		}
		dss["VRI"] = vri
	}
	dss["Type"] = pdf.Name("DSS")
	if dssIsRef {
		u.Set(dssRef, dss)
	} else {
		cat["DSS"] = u.Add(dss)
		u.Set(catRef, cat)
	}
	w, err := u.Bytes()
	if err != nil {
		return err
	}
	d.parts = append(d.parts, w.Data)
	return nil
}

// addDocTimestamp appends an update with a document time-stamp
// (/DocTimeStamp, ETSI.RFC3161) over the whole document.
func addDocTimestamp(ctx context.Context, d *doc, t *TSA, c *cms.TSAClient, estimate int) error {
	if t == nil || t.URL == "" {
		return fmt.Errorf("%w: a document time-stamp needs a TSA URL", ErrOptions)
	}
	if c == nil {
		c = newTSAClient(t)
	}
	r, err := d.open()
	if err != nil {
		return err
	}
	sp := &sigParams{kind: sigDocTimestamp, hash: crypto.SHA256}
	sp.reserve = func() (int, error) {
		if estimate == 0 {
			n, err := probeTSA(ctx, c, t)
			if err != nil {
				return 0, err
			}
			estimate = n
		}
		return estimate + 256, nil
	}
	sp.sign = func(digest []byte, h crypto.Hash) ([]byte, error) {
		tok, err := stampWithTimeout(ctx, c, t, digest, h)
		if err != nil {
			return nil, err
		}
		return tok.Token, nil
	}
	_, err = addSignature(ctx, d, r, sp)
	return err
}
