// Package awskms is the awskms: back end of signer: asymmetric signing
// keys in AWS KMS (RSA 2048/3072/4096 with PKCS#1 v1.5 and PSS, ECC NIST
// P-256 and P-384), used through aws-sdk-go-v2's service/kms.
//
// Pass Open to signer.Open in signer.Options.Backends, or use
// signer/signers.Open:
//
//	s, err := signers.Open(ctx, "awskms:arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"+
//		"?chain=/etc/ecert/seal-chain.pem", nil)
//
// # URI
//
//	awskms:KEY?chain=/abs/chain.pem&region=R&profile=P&endpoint=https://...
//
// KEY is a key ID, a key ARN, "alias/NAME" or an alias ARN. chain= is
// required: KMS holds no certificates. region defaults to the ARN's region,
// then to the AWS configuration; profile selects a shared-config profile;
// endpoint overrides the service endpoint (VPC endpoints, tests).
// Credentials come from the default AWS chain (environment, shared files,
// SSO, instance or task role).
//
// # Signing
//
// The public key is fetched once on open. Each signature is one Sign
// call with MessageType DIGEST. RSA-PSS is signed by KMS with a salt as
// long as the hash: *rsa.PSSOptions with PSSSaltLengthEqualsHash, the
// hash size or PSSSaltLengthAuto (honoured as "hash length", which every
// Auto verifier accepts) are allowed; any other salt length is
// signer.ErrUnsupportedAlgorithm, as is a hash the key does not offer.
// The Signer implements signer.ContextSigner: SignContext honours the
// context's deadline; Sign uses Options.Timeout (30 s by default).
//
// # Errors
//
// signer.ErrAccessDenied (AccessDeniedException, disabled or
// pending-deletion keys, bad credentials), signer.ErrThrottled
// (ThrottlingException, after the SDK's own retries),
// signer.ErrKeyNotFound, signer.ErrUnsupportedAlgorithm (a key spec or
// usage other than SIGN_VERIFY with RSA/ECC NIST keys) and
// signer.ErrTimeout (also matching context.DeadlineExceeded).
package awskms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/ecertkit/ecertkit/signer"
)

// Client is the part of *kms.Client the back end uses.
type Client interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// Options configures a back end made with Backend. The zero value builds a
// client from the default AWS configuration and the URI.
type Options struct {
	// Client, when set, is used as is; region, profile and endpoint in
	// the URI are then refused, since they would be ignored.
	Client Client
	// LoadOptions are added to config.LoadDefaultConfig, after those
	// from the URI (e.g. config.WithCredentialsProvider).
	LoadOptions []func(*config.LoadOptions) error
	// ClientOptions are applied to the kms.Client it builds (retries,
	// HTTP client).
	ClientOptions []func(*kms.Options)
	// Timeout bounds each Sign call made without a context; 30 s when zero.
	Timeout time.Duration
}

// Open opens an awskms: URI with the default options. It is a signer.Backend.
func Open(ctx context.Context, uri string, opts *signer.Options) (signer.Signer, error) {
	return Backend(Options{})(ctx, uri, opts)
}

// Backend returns a signer.Backend for awskms: URIs with the given options.
func Backend(o Options) signer.Backend {
	return func(ctx context.Context, uri string, opts *signer.Options) (signer.Signer, error) {
		return open(ctx, uri, opts, o)
	}
}

func open(ctx context.Context, uri string, sopts *signer.Options, o Options) (signer.Signer, error) {
	u, err := signer.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("signer: awskms: %w", err)
	}
	if u.Scheme != "awskms" {
		return nil, fmt.Errorf("signer: awskms: %w: scheme %q", signer.ErrBadURI, u.Scheme)
	}
	keyID := strings.TrimPrefix(u.Path, "///")
	if keyID == "" {
		return nil, fmt.Errorf("signer: awskms: %w: no key ID", signer.ErrBadURI)
	}
	op := "signer: awskms: " + keyID
	for k := range u.Query {
		switch k {
		case "chain", "region", "profile", "endpoint":
		default:
			return nil, fmt.Errorf("%s: %w: unknown attribute %q", op, signer.ErrBadURI, k)
		}
	}
	chainPath := u.Query.Get("chain")
	if chainPath == "" {
		return nil, fmt.Errorf("%s: %w: chain= is required (KMS holds no certificates)", op, signer.ErrBadURI)
	}
	chain, err := signer.ReadChainFile(chainPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	client := o.Client
	if client == nil {
		if client, err = newClient(ctx, keyID, u.Query.Get("region"), u.Query.Get("profile"), u.Query.Get("endpoint"), o); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	} else if u.Query.Has("region") || u.Query.Has("profile") || u.Query.Has("endpoint") {
		return nil, fmt.Errorf("%s: %w: region, profile and endpoint do not apply to a given client", op, signer.ErrBadURI)
	}
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, fmt.Errorf("%s: get public key: %w", op, mapError(ctx, err))
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("%s: %w: key usage %s (SIGN_VERIFY needed)", op, signer.ErrUnsupportedAlgorithm, out.KeyUsage)
	}
	switch out.KeySpec {
	case types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096, types.KeySpecEccNistP256, types.KeySpecEccNistP384:
	default:
		return nil, fmt.Errorf("%s: %w: key spec %s", op, signer.ErrUnsupportedAlgorithm, out.KeySpec)
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%s: public key: %w", op, err)
	}
	chain, err = signer.OrderChain(pub, chain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	k := &key{client: client, id: keyID, pub: pub, algs: out.SigningAlgorithms, timeout: timeout}
	if out.KeyId != nil {
		k.id = *out.KeyId // the key ARN, also when opened by alias
	}
	k.info = signer.Describe(k)
	k.info.Backend, k.info.Name = "awskms", k.id
	s, err := signer.New(k, chain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	sopts.Log().Debug("signer: awskms: opened", "key", k.id, "spec", string(out.KeySpec))
	return s, nil
}

func newClient(ctx context.Context, keyID, region, profile, endpoint string, o Options) (*kms.Client, error) {
	if region == "" {
		if a, err := arn.Parse(keyID); err == nil {
			region = a.Region
		}
	}
	var lo []func(*config.LoadOptions) error
	if region != "" {
		lo = append(lo, config.WithRegion(region))
	}
	if profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(profile))
	}
	lo = append(lo, o.LoadOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%w: no region (set region= or AWS_REGION)", signer.ErrBadURI)
	}
	co := []func(*kms.Options){}
	if endpoint != "" {
		co = append(co, func(ko *kms.Options) { ko.BaseEndpoint = aws.String(endpoint) })
	}
	co = append(co, o.ClientOptions...)
	return kms.NewFromConfig(cfg, co...), nil
}

type key struct {
	client  Client
	id      string
	pub     crypto.PublicKey
	algs    []types.SigningAlgorithmSpec
	timeout time.Duration
	info    signer.KeyInfo
}

func (k *key) Public() crypto.PublicKey { return k.pub }

func (k *key) KeyInfo() signer.KeyInfo { return k.info }

func (k *key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	defer cancel()
	return k.SignContext(ctx, digest, opts)
}

func (k *key) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	op := "signer: awskms: " + k.id + ": sign"
	alg, err := k.algorithm(opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := k.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(k.id),
		Message:          digest,
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: alg,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, mapError(ctx, err))
	}
	return out.Signature, nil
}

// algorithm maps Go's signer options to the KMS signing algorithm.
func (k *key) algorithm(opts crypto.SignerOpts) (types.SigningAlgorithmSpec, error) {
	h := opts.HashFunc()
	suffix := map[crypto.Hash]string{crypto.SHA256: "SHA_256", crypto.SHA384: "SHA_384", crypto.SHA512: "SHA_512"}[h]
	if suffix == "" {
		return "", fmt.Errorf("%w: hash %v", signer.ErrUnsupportedAlgorithm, h)
	}
	var alg types.SigningAlgorithmSpec
	switch k.pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			switch pss.SaltLength {
			case rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto, h.Size():
			default:
				return "", fmt.Errorf("%w: PSS salt length %d (AWS KMS uses the hash length, %d)", signer.ErrUnsupportedAlgorithm, pss.SaltLength, h.Size())
			}
			alg = types.SigningAlgorithmSpec("RSASSA_PSS_" + suffix)
		} else {
			alg = types.SigningAlgorithmSpec("RSASSA_PKCS1_V1_5_" + suffix)
		}
	case *ecdsa.PublicKey:
		alg = types.SigningAlgorithmSpec("ECDSA_" + suffix)
	default:
		return "", fmt.Errorf("%w: key type %T", signer.ErrUnsupportedAlgorithm, k.pub)
	}
	if len(k.algs) > 0 && !slices.Contains(k.algs, alg) {
		return "", fmt.Errorf("%w: the key offers %v, not %s", signer.ErrUnsupportedAlgorithm, k.algs, alg)
	}
	return alg, nil
}

// mapError turns KMS and SDK errors into signer's sentinels.
func mapError(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w (%w): %v", signer.ErrTimeout, context.DeadlineExceeded, err)
		}
		return fmt.Errorf("%w: %v", context.Canceled, err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		var kind error
		switch ae.ErrorCode() {
		case "AccessDeniedException", "DisabledException", "KMSInvalidStateException",
			"UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
			"IncompleteSignature", "MissingAuthenticationToken":
			kind = signer.ErrAccessDenied
		case "ThrottlingException", "LimitExceededException", "RequestLimitExceeded", "TooManyRequestsException":
			kind = signer.ErrThrottled
		case "NotFoundException":
			kind = signer.ErrKeyNotFound
		case "InvalidKeyUsageException", "UnsupportedOperationException", "IncorrectKeyException":
			kind = signer.ErrUnsupportedAlgorithm
		}
		if kind != nil {
			return fmt.Errorf("%w: %s: %s", kind, ae.ErrorCode(), ae.ErrorMessage())
		}
	}
	return err
}
