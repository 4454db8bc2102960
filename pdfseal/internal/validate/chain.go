package validate

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ChainStatus classifies the outcome of building a certificate path.
type ChainStatus int

const (
	ChainOK          ChainStatus = iota
	ChainNoRoot                  // no path to a trusted root
	ChainExpired                 // a certificate on the path had expired at the time
	ChainNotYetValid             // a certificate on the path was not yet valid at the time
	ChainUsage                   // key usage or extended key usage does not allow the use
	ChainInvalid                 // any other path error (bad signature, constraints)
)

// ChainResult is the outcome of BuildChain.
type ChainResult struct {
	Status ChainStatus
	// Chain runs from the certificate to the root when Status is ChainOK.
	Chain []*x509.Certificate
	Err   error
}

// ChainOptions parameterise BuildChain.
type ChainOptions struct {
	Roots *x509.CertPool
	// Intermediates are candidate issuers (from the CMS, the DSS, ...).
	Intermediates []*x509.Certificate
	// Time is the time at which the path must be valid.
	Time time.Time
	// Usage is the extended key usage required; ExtKeyUsageAny accepts any.
	Usage x509.ExtKeyUsage
	// Signing requires digitalSignature or nonRepudiation key usage on the
	// end certificate (when it has a key usage extension).
	Signing bool
}

// BuildChain finds a path from cert to one of the roots valid at opts.Time.
func BuildChain(cert *x509.Certificate, opts ChainOptions) ChainResult {
	if opts.Signing && cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return ChainResult{Status: ChainUsage, Err: fmt.Errorf("%w: key usage allows neither digitalSignature nor nonRepudiation", ErrKeyUsage)}
	}
	if opts.Roots == nil {
		return ChainResult{Status: ChainNoRoot, Err: errors.New("no trust roots configured")}
	}
	inter := x509.NewCertPool()
	for _, c := range opts.Intermediates {
		if c != cert {
			inter.AddCert(c)
		}
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         opts.Roots,
		Intermediates: inter,
		CurrentTime:   opts.Time,
		KeyUsages:     []x509.ExtKeyUsage{opts.Usage},
	})
	if err == nil {
		return ChainResult{Status: ChainOK, Chain: chains[0]}
	}
	var cie x509.CertificateInvalidError
	var uae x509.UnknownAuthorityError
	switch {
	case errors.As(err, &cie):
		switch cie.Reason {
		case x509.Expired:
			if cie.Cert != nil && opts.Time.Before(cie.Cert.NotBefore) {
				return ChainResult{Status: ChainNotYetValid, Err: err}
			}
			return ChainResult{Status: ChainExpired, Err: err}
		case x509.IncompatibleUsage:
			return ChainResult{Status: ChainUsage, Err: err}
		}
		return ChainResult{Status: ChainInvalid, Err: err}
	case errors.As(err, &uae):
		return ChainResult{Status: ChainNoRoot, Err: err}
	}
	return ChainResult{Status: ChainInvalid, Err: err}
}
