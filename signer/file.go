package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// OpenFile is the file: back end (built into Open). The URI names a PEM
// private key or a PKCS#12 file:
//
//	file:/abs/key.pem?chain=/abs/chain.pem   PKCS#1, PKCS#8 or SEC1 key; certificates
//	                                         from chain= and from the key file itself
//	file:/abs/seal.p12?password-file=/abs/pw PKCS#12 (PBES2/AES as OpenSSL 3 writes,
//	file:/abs/seal.p12?password-env=NAME     or the legacy 3DES/RC2); the password
//	                                         file's trailing newline is ignored
//
// "file:///abs/..." is accepted too; relative paths are resolved against
// the working directory. The chain is put in order, leaf first, whatever
// the order in the files. Encrypted PEM keys are refused: use PKCS#12.
func OpenFile(ctx context.Context, uri string, opts *Options) (Signer, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("signer: file: %w", err)
	}
	if u.Scheme != "file" {
		return nil, fmt.Errorf("signer: file: %w: scheme %q", ErrBadURI, u.Scheme)
	}
	path := u.Path
	if strings.HasPrefix(path, "//") {
		host, p, _ := strings.Cut(path[2:], "/")
		if host != "" && host != "localhost" {
			return nil, fmt.Errorf("signer: file: %w: remote host %q", ErrBadURI, host)
		}
		path = "/" + p
	}
	if path == "" {
		return nil, fmt.Errorf("signer: file: %w: no path in %q", ErrBadURI, RedactURI(uri))
	}
	for k := range u.Query {
		switch k {
		case "chain", "password-file", "password-env":
		default:
			return nil, fmt.Errorf("signer: file: %w: unknown attribute %q", ErrBadURI, k)
		}
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	op := "signer: file: " + path
	if err := ContextError(ctx, op); err != nil {
		return nil, err
	}
	data, err := ReadFileLimited(path)
	if err != nil {
		return nil, fmt.Errorf("signer: file: %w: %w", ErrKeyNotFound, err)
	}
	var key crypto.Signer
	var certs []*x509.Certificate
	_, hasPWFile := u.Query["password-file"]
	_, hasPWEnv := u.Query["password-env"]
	isPEM := bytes.Contains(data, []byte("-----BEGIN "))
	if hasPWFile || hasPWEnv || !isPEM {
		var password string
		switch {
		case hasPWFile && hasPWEnv:
			return nil, fmt.Errorf("%s: %w: both password-file and password-env", op, ErrBadURI)
		case hasPWFile:
			pw, err := ReadFileLimited(u.Query.Get("password-file"))
			if err != nil {
				return nil, fmt.Errorf("%s: password file: %w", op, err)
			}
			password = strings.TrimSuffix(strings.TrimSuffix(string(pw), "\n"), "\r")
		case hasPWEnv:
			name := u.Query.Get("password-env")
			pw, ok := opts.Env(name)
			if !ok {
				return nil, fmt.Errorf("%s: %w: environment variable %s is not set", op, ErrBadURI, name)
			}
			password = pw
		}
		k, leaf, cas, err := pkcs12.DecodeChain(data, password)
		if err != nil {
			if errors.Is(err, pkcs12.ErrIncorrectPassword) {
				return nil, fmt.Errorf("%s: PKCS#12: %w", op, ErrWrongPassword)
			}
			return nil, fmt.Errorf("%s: PKCS#12: %w", op, err)
		}
		sk, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%s: %w: key type %T", op, ErrUnsupportedAlgorithm, k)
		}
		key, certs = sk, append([]*x509.Certificate{leaf}, cas...)
	} else {
		if key, certs, err = parsePEMKey(data); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if chain := u.Query.Get("chain"); chain != "" {
		more, err := ReadChainFile(chain)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		certs = append(certs, more...)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: %w: give the chain with ?chain=/path/chain.pem", op, ErrCertNotFound)
	}
	if err := supportedKey(key.Public()); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	chain, err := OrderChain(key.Public(), dedupe(certs))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	info := publicKeyInfo(key.Public())
	info.Backend, info.Name = "file", path
	s, err := New(fileKey{key, info}, chain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s, nil
}

type fileKey struct {
	crypto.Signer
	info KeyInfo
}

func (k fileKey) KeyInfo() KeyInfo { return k.info }

func dedupe(certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		dup := false
		for _, o := range out {
			if o.Equal(c) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// parsePEMKey returns the one private key in data and any certificates.
func parsePEMKey(data []byte) (crypto.Signer, []*x509.Certificate, error) {
	var key any
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		var k any
		var err error
		switch blk.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("certificate: %w", err)
			}
			certs = append(certs, c)
			continue
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, errors.New("encrypted PKCS#8 keys are not supported: use a PKCS#12 file with password-file or password-env")
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			if _, enc := blk.Headers["Proc-Type"]; enc {
				return nil, nil, errors.New("encrypted PEM keys are not supported: use a PKCS#12 file with password-file or password-env")
			}
			k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			if _, enc := blk.Headers["Proc-Type"]; enc {
				return nil, nil, errors.New("encrypted PEM keys are not supported: use a PKCS#12 file with password-file or password-env")
			}
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		default:
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), "unknown") || strings.Contains(err.Error(), "unsupported") {
				return nil, nil, fmt.Errorf("%w: %v", ErrUnsupportedAlgorithm, err)
			}
			return nil, nil, fmt.Errorf("%s: %w", strings.ToLower(blk.Type), err)
		}
		if key != nil {
			return nil, nil, errors.New("more than one private key")
		}
		key = k
	}
	if key == nil {
		return nil, nil, fmt.Errorf("%w: no private key in PEM file", ErrKeyNotFound)
	}
	sk, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, key)
	}
	return sk, certs, nil
}
