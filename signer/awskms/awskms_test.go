package awskms_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/awskms"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

const (
	accessKey = "AKIDTESTECERTKIT"
	secretKey = "ecertkit-test-secret-must-not-leak"
	region    = "eu-central-1"
	account   = "111122223333"
)

// fakeKMS speaks the AWS KMS JSON 1.1 protocol (TrentService.GetPublicKey
// and TrentService.Sign) for the keys it holds, signing as KMS does: PSS
// with a salt as long as the hash, ECDSA in DER.
type fakeKMS struct {
	t    *testing.T
	mu   sync.Mutex
	keys map[string]*fakeKey // by key ID
	log  []string            // "Target KeyId SigningAlgorithm MessageType"
}

type fakeKey struct {
	key   crypto.Signer
	spec  string
	usage string
	algs  []string
	// fail makes every call fail with this KMS error code; "slow" makes
	// the server wait until the client gives up.
	fail string
}

func (f *fakeKMS) arn(id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

func (f *fakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.fail(w, 400, "SerializationException", "bad request "+r.Method+" "+r.Header.Get("Content-Type"))
		return
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+accessKey+"/") || !strings.Contains(auth, "/"+region+"/kms/aws4_request") {
		f.fail(w, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	var in struct {
		KeyId            string
		Message          []byte
		MessageType      string
		SigningAlgorithm string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.fail(w, 400, "SerializationException", err.Error())
		return
	}
	id := strings.TrimPrefix(in.KeyId, f.arn(""))
	f.mu.Lock()
	k := f.keys[id]
	var fail string
	if k != nil {
		fail = k.fail
	}
	f.log = append(f.log, strings.Join([]string{target, in.KeyId, in.SigningAlgorithm, in.MessageType}, " "))
	f.mu.Unlock()
	if k == nil {
		f.fail(w, 400, "NotFoundException", "Key '"+f.arn(id)+"' does not exist")
		return
	}
	switch fail {
	case "":
	case "slow":
		<-r.Context().Done()
		return
	default:
		f.fail(w, 400, fail, "simulated "+fail)
		return
	}
	var out any
	switch target {
	case "TrentService.GetPublicKey":
		der, _ := x509.MarshalPKIXPublicKey(k.key.Public())
		out = map[string]any{"KeyId": f.arn(id), "KeySpec": k.spec, "CustomerMasterKeySpec": k.spec, "KeyUsage": k.usage,
			"PublicKey": der, "SigningAlgorithms": k.algs}
	case "TrentService.Sign":
		ok := false
		for _, a := range k.algs {
			ok = ok || a == in.SigningAlgorithm
		}
		if !ok || in.MessageType != "DIGEST" {
			f.fail(w, 400, "ValidationException", "unsupported "+in.SigningAlgorithm+"/"+in.MessageType)
			return
		}
		var opts crypto.SignerOpts
		h := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}[in.SigningAlgorithm[len(in.SigningAlgorithm)-3:]]
		opts = h
		if strings.HasPrefix(in.SigningAlgorithm, "RSASSA_PSS_") {
			opts = &rsa.PSSOptions{Hash: h, SaltLength: rsa.PSSSaltLengthEqualsHash}
		}
		sig, err := k.key.Sign(rand.Reader, in.Message, opts)
		if err != nil {
			f.fail(w, 400, "KMSInternalException", err.Error())
			return
		}
		out = map[string]any{"KeyId": f.arn(id), "Signature": sig, "SigningAlgorithm": in.SigningAlgorithm}
	default:
		f.fail(w, 400, "UnknownOperationException", target)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func (f *fakeKMS) fail(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

var (
	rsaAlgs = []string{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
		"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"}
	p256Algs = []string{"ECDSA_SHA_256"}
	p384Algs = []string{"ECDSA_SHA_384"}
)

type env struct {
	kms     *fakeKMS
	srv     *httptest.Server
	dir     string
	pki     *testpki.PKI
	chains  map[string]string // key ID -> chain file
	backend signer.Backend
}

func setup(t *testing.T) *env {
	t.Helper()
	// Keep the SDK away from the machine's AWS configuration.
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	e := &env{dir: t.TempDir(), pki: testpki.MustNew(testpki.Options{}), chains: map[string]string{}}
	e.kms = &fakeKMS{t: t, keys: map[string]*fakeKey{}}
	add := func(id, spec string, kt testpki.KeyType, key crypto.Signer, algs []string, fail string) {
		leaf, err := e.pki.Issue(testpki.LeafOptions{KeyType: kt, Key: key, CommonName: "KMS seal " + id})
		if err != nil {
			t.Fatal(err)
		}
		e.kms.keys[id] = &fakeKey{key: leaf.Key, spec: spec, usage: "SIGN_VERIFY", algs: algs, fail: fail}
		e.chains[id] = filepath.Join(e.dir, id+".pem")
		if err := os.WriteFile(e.chains[id], testpki.CertsPEM(leaf.Chain...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	add("rsa-2048", "RSA_2048", testpki.RSA2048, e.pki.SealKey, rsaAlgs, "")
	add("p256", "ECC_NIST_P256", testpki.ECDSAP256, nil, p256Algs, "")
	add("p384", "ECC_NIST_P384", testpki.ECDSAP384, nil, p384Algs, "")
	add("denied", "ECC_NIST_P256", testpki.ECDSAP256, nil, p256Algs, "AccessDeniedException")
	add("throttled", "ECC_NIST_P256", testpki.ECDSAP256, nil, p256Algs, "ThrottlingException")
	add("disabled", "ECC_NIST_P256", testpki.ECDSAP256, nil, p256Algs, "DisabledException")
	add("slow", "ECC_NIST_P256", testpki.ECDSAP256, nil, p256Algs, "slow")
	add("encrypt", "RSA_2048", testpki.RSA2048, e.pki.SealKey, nil, "")
	e.kms.keys["encrypt"].usage = "ENCRYPT_DECRYPT"
	e.srv = httptest.NewServer(e.kms)
	t.Cleanup(e.srv.Close)
	e.backend = awskms.Backend(awskms.Options{
		LoadOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		},
		// One attempt, so that throttling is reported at once.
		ClientOptions: []func(*kms.Options){func(o *kms.Options) { o.RetryMaxAttempts = 1 }},
	})
	return e
}

func (e *env) uri(id string) string {
	return "awskms:" + e.kms.arn(id) + "?chain=" + e.chains[id] + "&endpoint=" + e.srv.URL
}

func (e *env) open(t *testing.T, uri string) (signer.Signer, error) {
	t.Helper()
	return signer.Open(context.Background(), uri, &signer.Options{Backends: map[string]signer.Backend{"awskms": e.backend}})
}

func TestSign(t *testing.T) {
	e := setup(t)
	msg := []byte("certificate of conformity")
	d256, d384, d512 := sha256.Sum256(msg), sha512.Sum384(msg), sha512.Sum512(msg)
	tests := []struct {
		name, key string
		digest    []byte
		opts      crypto.SignerOpts
		wantAlg   string
	}{
		{"rsa-pkcs1-sha256", "rsa-2048", d256[:], crypto.SHA256, "RSASSA_PKCS1_V1_5_SHA_256"},
		{"rsa-pkcs1-sha384", "rsa-2048", d384[:], crypto.SHA384, "RSASSA_PKCS1_V1_5_SHA_384"},
		{"rsa-pkcs1-sha512", "rsa-2048", d512[:], crypto.SHA512, "RSASSA_PKCS1_V1_5_SHA_512"},
		{"rsa-pss-sha256", "rsa-2048", d256[:], &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}, "RSASSA_PSS_SHA_256"},
		{"rsa-pss-sha512-auto", "rsa-2048", d512[:], &rsa.PSSOptions{Hash: crypto.SHA512}, "RSASSA_PSS_SHA_512"},
		{"p256-sha256", "p256", d256[:], crypto.SHA256, "ECDSA_SHA_256"},
		{"p384-sha384", "p384", d384[:], crypto.SHA384, "ECDSA_SHA_384"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := e.open(t, e.uri(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			info := signer.Describe(s)
			if info.Backend != "awskms" || info.Name != e.kms.arn(tc.key) {
				t.Errorf("KeyInfo %+v", info)
			}
			sig, err := s.Sign(rand.Reader, tc.digest, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			switch pub := s.Chain()[0].PublicKey.(type) {
			case *rsa.PublicKey:
				if _, ok := tc.opts.(*rsa.PSSOptions); ok {
					// KMS's salt is the hash length: verify exactly that.
					err = rsa.VerifyPSS(pub, tc.opts.HashFunc(), tc.digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
				} else {
					err = rsa.VerifyPKCS1v15(pub, tc.opts.HashFunc(), tc.digest, sig)
				}
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, tc.digest, sig) {
					err = errors.New("ECDSA signature does not verify")
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			e.kms.mu.Lock()
			last := e.kms.log[len(e.kms.log)-1]
			e.kms.mu.Unlock()
			if want := "TrentService.Sign " + e.kms.arn(tc.key) + " " + tc.wantAlg + " DIGEST"; last != want {
				t.Errorf("request %q, want %q", last, want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	e := setup(t)
	otherChain := e.chains["p384"]
	tests := []struct {
		name string
		uri  string
		want error
	}{
		{"access-denied", e.uri("denied"), signer.ErrAccessDenied},
		{"disabled-key", e.uri("disabled"), signer.ErrAccessDenied},
		{"throttled", e.uri("throttled"), signer.ErrThrottled},
		{"not-found", strings.Replace(e.uri("p256"), "key/p256", "key/nope", 1), signer.ErrKeyNotFound},
		{"mismatch", "awskms:" + e.kms.arn("p256") + "?chain=" + otherChain + "&endpoint=" + e.srv.URL, signer.ErrKeyMismatch},
		{"no-chain", "awskms:" + e.kms.arn("p256") + "?endpoint=" + e.srv.URL, signer.ErrBadURI},
		{"no-key", "awskms:?chain=" + otherChain, signer.ErrBadURI},
		{"encrypt-key", e.uri("encrypt"), signer.ErrUnsupportedAlgorithm},
		{"unknown-attribute", e.uri("p256") + "&colour=blue", signer.ErrBadURI},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.open(t, tc.uri)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), secretKey) {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
	s, err := e.open(t, e.uri("p256"))
	if err != nil {
		t.Fatal(err)
	}
	d384 := sha512.Sum384(nil)
	if _, err := s.Sign(rand.Reader, d384[:], crypto.SHA384); !errors.Is(err, signer.ErrUnsupportedAlgorithm) {
		t.Errorf("P-256 key with SHA-384 (KMS offers only ECDSA_SHA_256): %v", err)
	}
	r, err := e.open(t, e.uri("rsa-2048"))
	if err != nil {
		t.Fatal(err)
	}
	d256 := sha256.Sum256(nil)
	if _, err := r.Sign(rand.Reader, d256[:], &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: 20}); !errors.Is(err, signer.ErrUnsupportedAlgorithm) {
		t.Errorf("PSS salt 20: %v", err)
	}
	// The key is refused once open too: access revoked after opening.
	e.kms.mu.Lock()
	e.kms.keys["p256"].fail = "AccessDeniedException"
	e.kms.mu.Unlock()
	if _, err := s.Sign(rand.Reader, d256[:], crypto.SHA256); !errors.Is(err, signer.ErrAccessDenied) {
		t.Errorf("sign after access revoked: %v", err)
	}
	e.kms.mu.Lock()
	e.kms.keys["p256"].fail = "ThrottlingException"
	e.kms.mu.Unlock()
	if _, err := s.Sign(rand.Reader, d256[:], crypto.SHA256); !errors.Is(err, signer.ErrThrottled) {
		t.Errorf("sign throttled: %v", err)
	}
}

func TestDeadline(t *testing.T) {
	e := setup(t)
	// Open against a server that never answers: the deadline wins.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := signer.Open(ctx, e.uri("slow"), &signer.Options{Backends: map[string]signer.Backend{"awskms": e.backend}})
	if !errors.Is(err, signer.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("open: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("open took %v after a 200ms deadline", d)
	}
	// Sign with a context: open a working key, then make it slow.
	s, err := e.open(t, e.uri("p256"))
	if err != nil {
		t.Fatal(err)
	}
	e.kms.mu.Lock()
	e.kms.keys["p256"].fail = "slow"
	e.kms.mu.Unlock()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	d := sha256.Sum256(nil)
	_, err = signer.SignContext(ctx2, s, d[:], crypto.SHA256)
	if !errors.Is(err, signer.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("sign: %v", err)
	}
	// Sign without a context uses Options.Timeout.
	short := awskms.Backend(awskms.Options{
		LoadOptions:   []func(*config.LoadOptions) error{config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""))},
		ClientOptions: []func(*kms.Options){func(o *kms.Options) { o.RetryMaxAttempts = 1 }},
		Timeout:       200 * time.Millisecond,
	})
	e.kms.mu.Lock()
	e.kms.keys["p256"].fail = ""
	e.kms.mu.Unlock()
	s2, err := short(context.Background(), e.uri("p256"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.kms.mu.Lock()
	e.kms.keys["p256"].fail = "slow"
	e.kms.mu.Unlock()
	if _, err := s2.Sign(rand.Reader, d[:], crypto.SHA256); !errors.Is(err, signer.ErrTimeout) {
		t.Fatalf("sign with Options.Timeout: %v", err)
	}
}

// The region comes from the ARN, and a client can be given directly.
func TestClientOption(t *testing.T) {
	e := setup(t)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	client := kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = &e.srv.URL })
	b := awskms.Backend(awskms.Options{Client: client})
	s, err := b(context.Background(), "awskms:p384?chain="+e.chains["p384"], nil)
	if err != nil {
		t.Fatal(err)
	}
	d := sha512.Sum384([]byte("x"))
	sig, err := s.Sign(rand.Reader, d[:], crypto.SHA384)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), d[:], sig) {
		t.Error("signature does not verify")
	}
	if _, err := b(context.Background(), "awskms:p384?chain="+e.chains["p384"]+"&region=us-east-1", nil); !errors.Is(err, signer.ErrBadURI) {
		t.Errorf("region with a given client: %v", err)
	}
}

// profile= selects a shared-config profile: its region and credentials
// are used (the key is named by ID, so the region is not in the URI).
func TestProfile(t *testing.T) {
	e := setup(t)
	cfgDir := t.TempDir()
	conf := filepath.Join(cfgDir, "config")
	creds := filepath.Join(cfgDir, "credentials")
	os.WriteFile(conf, []byte("[profile seal]\nregion = "+region+"\n"), 0o600)
	os.WriteFile(creds, []byte("[seal]\naws_access_key_id = "+accessKey+"\naws_secret_access_key = "+secretKey+"\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", conf)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	b := awskms.Backend(awskms.Options{ClientOptions: []func(*kms.Options){func(o *kms.Options) { o.RetryMaxAttempts = 1 }}})
	s, err := b(context.Background(), "awskms:p256?profile=seal&chain="+e.chains["p256"]+"&endpoint="+e.srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("x"))
	sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), d[:], sig) {
		t.Error("signature does not verify")
	}
	// Without the profile there is no region: a clear error, no call.
	if _, err := b(context.Background(), "awskms:p256?chain="+e.chains["p256"]+"&endpoint="+e.srv.URL, nil); !errors.Is(err, signer.ErrBadURI) {
		t.Errorf("no region: %v", err)
	}
}
