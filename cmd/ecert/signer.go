package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/signers"
)

type signerTestFlags struct {
	hash       string
	pss        bool
	allowUnfit bool
	timeout    time.Duration
}

func init() {
	register(&command{
		name: "signer test",
		args: "URI",
		summary: "Open a key by URI, sign a random digest and verify it against the chain's leaf.\n\n" +
			"Prints the algorithm, key size and subject; exit 0 if the signature verifies,\n" +
			"1 if the key cannot be opened or the signature does not verify.\n" +
			"URIs: file:/abs/key.pem?chain=/abs/chain.pem, file:/abs/seal.p12?password-file=/abs/pw,\n" +
			"pkcs11:token=T;object=O?module-path=/lib.so&pin-source=/abs/pin,\n" +
			"awskms:KEY-ARN?chain=/abs/chain.pem.",
		flags: func(fs *flag.FlagSet) any {
			f := &signerTestFlags{}
			fs.StringVar(&f.hash, "hash", "sha256", "digest: sha256, sha384 or sha512")
			fs.BoolVar(&f.pss, "pss", false, "sign RSA keys with PSS (salt = hash length) instead of PKCS#1 v1.5")
			fs.BoolVar(&f.allowUnfit, "allow-unfit", false, "report, instead of refusing, a certificate without digitalSignature/nonRepudiation or outside its validity")
			fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up opening and signing after this long")
			return f
		},
		run: func(ctx context.Context, e *env, o any, args []string) int {
			f := o.(*signerTestFlags)
			if len(args) != 1 {
				return fail(e, exitUsage, "signer test: want one URI")
			}
			h, ok := map[string]crypto.Hash{"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}[f.hash]
			if !ok {
				return fail(e, exitUsage, "signer test: -hash %q: want sha256, sha384 or sha512", f.hash)
			}
			ctx, cancel := context.WithTimeout(ctx, f.timeout)
			defer cancel()
			opts := &signer.Options{LookupEnv: func(name string) (string, bool) {
				v := e.getenv(name)
				return v, v != ""
			}}
			if f.allowUnfit {
				opts.CertPolicy = signer.CertReport
				opts.Report = func(err error) { fmt.Fprintf(e.stderr, "ecert: signer test: warning: %v\n", err) }
			}
			s, err := signers.Open(ctx, args[0], opts)
			if err != nil {
				return fail(e, exitNo, "signer test: %v", err)
			}
			defer signer.Close(s)
			alg, err := testSign(ctx, s, h, f.pss)
			info := signer.Describe(s)
			leaf := s.Chain()[0]
			fmt.Fprintf(e.stdout, "algorithm: %s\n", alg)
			fmt.Fprintf(e.stdout, "key size:  %d bits\n", info.Bits)
			fmt.Fprintf(e.stdout, "subject:   %s\n", nameString(leaf.Subject))
			fmt.Fprintf(e.stdout, "issuer:    %s\n", nameString(leaf.Issuer))
			fmt.Fprintf(e.stdout, "valid:     %s to %s\n", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
			fmt.Fprintf(e.stdout, "chain:     %d certificates\n", len(s.Chain()))
			fmt.Fprintf(e.stdout, "key:       %s %s\n", info.Backend, info.Name)
			if err != nil {
				fmt.Fprintf(e.stdout, "signature: FAILED\n")
				return fail(e, exitNo, "signer test: %v", err)
			}
			fmt.Fprintf(e.stdout, "signature: OK\n")
			return exitOK
		},
	})
}

// nameString is pkix.Name.String with the eIDAS organizationIdentifier
// (2.5.4.97) shown by name rather than as hex DER.
func nameString(n pkix.Name) string {
	oid := asn1.ObjectIdentifier{2, 5, 4, 97}
	var extra []pkix.AttributeTypeAndValue
	var orgID []string
	for _, a := range n.Names {
		if a.Type.Equal(oid) {
			if v, ok := a.Value.(string); ok {
				orgID = append(orgID, v)
				continue
			}
		}
		extra = append(extra, a)
	}
	if len(orgID) == 0 {
		return n.String()
	}
	n.Names, n.ExtraNames = extra, nil
	out := n.String()
	for _, v := range orgID {
		out += ",organizationIdentifier=" + v
	}
	return out
}

// testSign signs a random digest (a random message for Ed25519) and
// verifies the signature against the leaf certificate's public key with
// the standard library. It returns the algorithm's name.
func testSign(ctx context.Context, s signer.Signer, h crypto.Hash, pss bool) (string, error) {
	msg := make([]byte, 64)
	rand.Read(msg)
	hh := h.New()
	hh.Write(msg)
	digest := hh.Sum(nil)
	hname := map[crypto.Hash]string{crypto.SHA256: "SHA-256", crypto.SHA384: "SHA-384", crypto.SHA512: "SHA-512"}[h]
	switch pub := s.Chain()[0].PublicKey.(type) {
	case *rsa.PublicKey:
		var opts crypto.SignerOpts = h
		name := fmt.Sprintf("RSA-%d PKCS#1 v1.5 %s", pub.N.BitLen(), hname)
		if pss {
			opts = &rsa.PSSOptions{Hash: h, SaltLength: rsa.PSSSaltLengthEqualsHash}
			name = fmt.Sprintf("RSA-%d PSS %s (salt %d)", pub.N.BitLen(), hname, h.Size())
		}
		sig, err := signer.SignContext(ctx, s, digest, opts)
		if err != nil {
			return name, err
		}
		if pss {
			return name, rsa.VerifyPSS(pub, h, digest, sig, opts.(*rsa.PSSOptions))
		}
		return name, rsa.VerifyPKCS1v15(pub, h, digest, sig)
	case *ecdsa.PublicKey:
		name := fmt.Sprintf("ECDSA %s %s", pub.Curve.Params().Name, hname)
		sig, err := signer.SignContext(ctx, s, digest, h)
		if err != nil {
			return name, err
		}
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return name, errors.New("ECDSA signature (DER) does not verify against the leaf certificate")
		}
		return name, nil
	case ed25519.PublicKey:
		sig, err := signer.SignContext(ctx, s, msg, crypto.Hash(0))
		if err != nil {
			return "Ed25519", err
		}
		if !ed25519.Verify(pub, msg, sig) {
			return "Ed25519", errors.New("Ed25519 signature does not verify against the leaf certificate")
		}
		return "Ed25519", nil
	}
	return fmt.Sprintf("%T", s.Public()), fmt.Errorf("unsupported public key %T", s.Public())
}
