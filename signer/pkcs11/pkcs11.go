//go:build cgo

package pkcs11

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ThalesGroup/crypto11"
	"github.com/ecertkit/ecertkit/signer"
	p11 "github.com/miekg/pkcs11"
)

// Open opens the key named by a pkcs11: URI (see the package
// documentation). It is a signer.Backend. It logs in to the token and
// keeps a session pool until the Signer is closed with signer.Close.
func Open(ctx context.Context, uri string, opts *signer.Options) (signer.Signer, error) {
	cfg, err := parse(uri)
	if err != nil {
		return nil, fmt.Errorf("signer: pkcs11: %w", err)
	}
	op := "signer: pkcs11: " + cfg.name()
	if err := signer.ContextError(ctx, op); err != nil {
		return nil, err
	}
	c11, err := configure(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s, err := find(c11, cfg)
	if err != nil {
		c11.Close()
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	opts.Log().Debug("signer: pkcs11: opened", "key", cfg.name(), "module", cfg.modulePath)
	return s, nil
}

// configure loads the module and logs in. crypto11 takes no context, so a
// deadline abandons the call; its result is closed when it arrives.
func configure(ctx context.Context, cfg *config) (*crypto11.Context, error) {
	type result struct {
		c   *crypto11.Context
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := crypto11.Configure(&crypto11.Config{
			Path:        cfg.modulePath,
			TokenLabel:  cfg.tokenLabel,
			TokenSerial: cfg.tokenSerial,
			SlotNumber:  cfg.slotID,
			Pin:         cfg.pin,
		})
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, mapError(r.err, "open token")
		}
		return r.c, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, signer.ContextError(ctx, "open token")
	}
}

func find(c11 *crypto11.Context, cfg *config) (signer.Signer, error) {
	var label []byte
	if cfg.objectLabel != "" {
		label = []byte(cfg.objectLabel)
	}
	k, err := c11.FindKeyPair(cfg.id, label)
	if err != nil {
		return nil, mapError(err, "find key")
	}
	if k == nil {
		return nil, fmt.Errorf("%w on the token", signer.ErrKeyNotFound)
	}
	var certs []*x509.Certificate
	// The certificate with the key's id, else with its label.
	var cert *x509.Certificate
	if cfg.id != nil {
		cert, err = c11.FindCertificate(cfg.id, nil, nil)
	}
	if cert == nil && err == nil && label != nil {
		cert, err = c11.FindCertificate(nil, label, nil)
	}
	if err != nil {
		return nil, mapError(err, "find certificate")
	}
	if cert != nil {
		certs = append(certs, cert)
	}
	if cfg.chainPath != "" {
		more, err := signer.ReadChainFile(cfg.chainPath)
		if err != nil {
			return nil, err
		}
		certs = append(certs, more...)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: none on the token with the key's id or label, and no chain=", signer.ErrCertNotFound)
	}
	chain, err := signer.OrderChain(k.Public(), dedupe(certs))
	if err != nil {
		return nil, err
	}
	info := signer.Describe(k)
	info.Backend, info.Name = "pkcs11", cfg.name()
	return signer.New(&key{k: k, c11: c11, info: info}, chain)
}

func dedupe(certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
next:
	for _, c := range certs {
		for _, o := range out {
			if o.Equal(c) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// key is a token key; crypto11 makes it safe for concurrent use.
type key struct {
	k         crypto11.Signer
	c11       *crypto11.Context
	info      signer.KeyInfo
	closeOnce sync.Once
	closeErr  error
}

func (k *key) Public() crypto.PublicKey { return k.k.Public() }

func (k *key) KeyInfo() signer.KeyInfo { return k.info }

func (k *key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if pss, ok := opts.(*rsa.PSSOptions); ok && pss.SaltLength == rsa.PSSSaltLengthAuto {
		// crypto11 cannot pick the largest salt; the hash length is what
		// every verifier of an Auto signature accepts (and what KMS uses).
		opts = &rsa.PSSOptions{Hash: pss.Hash, SaltLength: rsa.PSSSaltLengthEqualsHash}
	}
	sig, err := k.k.Sign(rand, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("signer: pkcs11: %s: %w", k.info.Name, mapError(err, "sign"))
	}
	return sig, nil
}

// Close logs out and releases the module when no other Signer uses it.
func (k *key) Close() error {
	k.closeOnce.Do(func() { k.closeErr = k.c11.Close() })
	return k.closeErr
}

// mapError turns PKCS#11 and crypto11 errors into signer's sentinels,
// keeping the original for detail. No PIN ever reaches an error: crypto11
// does not put it in its messages, and neither do we.
func mapError(err error, op string) error {
	var rv p11.Error
	if errors.As(err, &rv) {
		var kind error
		switch rv {
		case p11.CKR_PIN_INCORRECT, p11.CKR_PIN_INVALID, p11.CKR_PIN_LEN_RANGE:
			kind = signer.ErrWrongPIN
		case p11.CKR_PIN_LOCKED, p11.CKR_PIN_EXPIRED:
			kind = signer.ErrTokenLocked
		case p11.CKR_TOKEN_NOT_PRESENT, p11.CKR_TOKEN_NOT_RECOGNIZED, p11.CKR_SLOT_ID_INVALID, p11.CKR_DEVICE_REMOVED:
			kind = signer.ErrTokenNotFound
		case p11.CKR_MECHANISM_INVALID, p11.CKR_MECHANISM_PARAM_INVALID, p11.CKR_KEY_TYPE_INCONSISTENT,
			p11.CKR_KEY_FUNCTION_NOT_PERMITTED, p11.CKR_KEY_SIZE_RANGE:
			kind = signer.ErrUnsupportedAlgorithm
		}
		if kind != nil {
			return fmt.Errorf("%s: %w (%s)", op, kind, rv.Error())
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "was not found or is empty"), strings.Contains(msg, "could not find public key to match"):
		return fmt.Errorf("%s: %w on the token", op, signer.ErrKeyNotFound)
	case strings.Contains(msg, "could not find PKCS#11 token"):
		return fmt.Errorf("%s: %w", op, signer.ErrTokenNotFound)
	case strings.Contains(msg, "unsupported RSA option"), strings.Contains(msg, "unsupported hash"):
		return fmt.Errorf("%s: %w: %v", op, signer.ErrUnsupportedAlgorithm, err)
	case strings.Contains(msg, "failed to open module"), strings.Contains(msg, "failed to create module context"):
		return fmt.Errorf("%s: cannot load PKCS#11 module: %w", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
