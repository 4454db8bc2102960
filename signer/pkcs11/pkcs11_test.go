//go:build cgo

package pkcs11_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/pkcs11"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

func open(t *testing.T, uri string) signer.Signer {
	t.Helper()
	s, err := signer.Open(context.Background(), uri, &signer.Options{Backends: map[string]signer.Backend{"pkcs11": pkcs11.Open}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := signer.Close(s); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestSoftHSMSign(t *testing.T) {
	h := token(t)
	d256 := sha256.Sum256([]byte("certificate of conformity"))
	d384 := sha512.Sum384([]byte("certificate of conformity"))
	d512 := sha512.Sum512([]byte("certificate of conformity"))
	tests := []struct {
		name     string
		uri      string
		alg      string
		chainLen int
		digest   []byte
		opts     crypto.SignerOpts
	}{
		{"rsa-pkcs1-sha256-by-label", h.uri("object=seal-rsa", "chain="+h.chain), "RSA", 2, d256[:], crypto.SHA256},
		{"rsa-pkcs1-sha512-by-id", h.uri("id=%01", ""), "RSA", 1, d512[:], crypto.SHA512},
		{"rsa-pss-sha256", h.uri("object=seal-rsa;type=private", "chain="+h.chain), "RSA", 2, d256[:], &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"rsa-pss-sha384", h.uri("object=seal-rsa", ""), "RSA", 1, d384[:], &rsa.PSSOptions{Hash: crypto.SHA384, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"ec-p256-sha256", h.uri("object=seal-ec", "chain="+h.chain), "ECDSA", 2, d256[:], crypto.SHA256},
		{"ec-p256-sha384-by-id", h.uri("id=%02", ""), "ECDSA", 1, d384[:], crypto.SHA384},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, tc.uri)
			if n := len(s.Chain()); n != tc.chainLen {
				t.Fatalf("chain of %d", n)
			}
			info := signer.Describe(s)
			if info.Backend != "pkcs11" || info.Algorithm != tc.alg || !strings.Contains(info.Name, "token="+tokenLabel) {
				t.Errorf("KeyInfo %+v", info)
			}
			if strings.Contains(info.Name, userPIN) {
				t.Errorf("PIN in KeyInfo")
			}
			sig, err := s.Sign(rand.Reader, tc.digest, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			// Verify with the standard library against the certificate
			// that was on the token.
			switch pub := s.Chain()[0].PublicKey.(type) {
			case *rsa.PublicKey:
				if pss, ok := tc.opts.(*rsa.PSSOptions); ok {
					err = rsa.VerifyPSS(pub, pss.Hash, tc.digest, sig, pss)
				} else {
					err = rsa.VerifyPKCS1v15(pub, tc.opts.HashFunc(), tc.digest, sig)
				}
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, tc.digest, sig) {
					err = errors.New("ECDSA signature is not valid DER or does not verify")
				}
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSoftHSMConcurrent(t *testing.T) {
	h := token(t)
	for _, obj := range []string{"seal-rsa", "seal-ec"} {
		s := open(t, h.uri("object="+obj, ""))
		d := sha256.Sum256([]byte(obj))
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 8 {
			wg.Go(func() {
				for range 5 {
					sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
					if err == nil {
						err = s.Chain()[0].CheckSignature(sigAlg(s), []byte(obj), sig)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: %v", obj, err)
		}
	}
}

func sigAlg(s signer.Signer) x509.SignatureAlgorithm {
	if _, ok := s.Public().(*rsa.PublicKey); ok {
		return x509.SHA256WithRSA
	}
	return x509.ECDSAWithSHA256
}

func TestSoftHSMErrors(t *testing.T) {
	h := token(t)
	otherChain := filepath.Join(t.TempDir(), "other.pem")
	other := testpki.MustNew(testpki.Options{SealKey: testpki.ECDSAP256})
	if err := os.WriteFile(otherChain, testpki.CertsPEM(other.Seal), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "pkcs11:token=" + tokenLabel + ";object=seal-rsa?module-path=" + softhsmModule
	tests := []struct {
		name string
		uri  string
		want error
	}{
		{"wrong-pin", base + "&pin-value=0000-wrong", signer.ErrWrongPIN},
		{"missing-token", strings.Replace(h.uri("object=seal-rsa", ""), tokenLabel, "no-such-token", 1), signer.ErrTokenNotFound},
		{"missing-key", h.uri("object=no-such-key", ""), signer.ErrKeyNotFound},
		{"no-certificate", h.uri("object=no-cert", ""), signer.ErrCertNotFound},
		{"mismatch", h.uri("object=no-cert", "chain="+otherChain), signer.ErrKeyMismatch},
		{"no-module-path", "pkcs11:token=x;object=y?pin-value=1", signer.ErrBadURI},
		{"token-by-two-ways", base + "&pin-value=1;serial=1", signer.ErrBadURI},
	}
	opts := &signer.Options{Backends: map[string]signer.Backend{"pkcs11": pkcs11.Open}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signer.Open(context.Background(), tc.uri, opts)
			if err == nil {
				signer.Close(s)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Log(err)
			for _, secret := range []string{userPIN, "0000-wrong"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("PIN in error: %v", err)
				}
			}
		})
	}
	t.Run("pss-auto-salt-is-hash-length", func(t *testing.T) {
		s := open(t, h.uri("object=seal-rsa", ""))
		d := sha256.Sum256(nil)
		sig, err := s.Sign(rand.Reader, d[:], &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthAuto})
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPSS(s.Public().(*rsa.PublicKey), crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("sha1-refused", func(t *testing.T) {
		s := open(t, h.uri("object=seal-ec", ""))
		d := make([]byte, 20)
		if _, err := s.Sign(rand.Reader, d, crypto.SHA1); !errors.Is(err, signer.ErrUnsupportedAlgorithm) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := pkcs11.Open(ctx, h.uri("object=seal-rsa", ""), nil)
		if !errors.Is(err, signer.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v", err)
		}
	})
}

// shimSource is a PKCS#11 module that forwards to SoftHSM but answers
// C_Login with CKR_PIN_LOCKED and reports CKF_USER_PIN_LOCKED, as a token
// does after too many wrong PINs. SoftHSM itself never locks a PIN.
const shimSource = `
#include <dlfcn.h>
#include "pkcs11go.h"

static CK_FUNCTION_LIST shim;
static CK_FUNCTION_LIST_PTR real;
static int borrowed;

static CK_RV shim_login(CK_SESSION_HANDLE h, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG n) { return CKR_PIN_LOCKED; }
static CK_RV shim_init(CK_VOID_PTR a) {
	CK_RV rv = real->C_Initialize(a);
	if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) { borrowed = 1; return CKR_OK; }
	return rv;
}
static CK_RV shim_fini(CK_VOID_PTR a) {
	if (borrowed) { borrowed = 0; return CKR_OK; }
	return real->C_Finalize(a);
}
static CK_RV shim_tokeninfo(CK_SLOT_ID s, CK_TOKEN_INFO_PTR i) {
	CK_RV rv = real->C_GetTokenInfo(s, i);
	if (rv == CKR_OK) i->flags |= CKF_USER_PIN_LOCKED;
	return rv;
}
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) {
	if (!real) {
		void *h = dlopen(REAL_MODULE, RTLD_NOW | RTLD_LOCAL);
		if (!h) return CKR_GENERAL_ERROR;
		CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
		if (!gfl || gfl(&real) != CKR_OK) return CKR_GENERAL_ERROR;
		shim = *real;
		shim.C_Login = shim_login;
		shim.C_Initialize = shim_init;
		shim.C_Finalize = shim_fini;
		shim.C_GetTokenInfo = shim_tokeninfo;
	}
	*pp = &shim;
	return CKR_OK;
}
`

func TestLockedToken(t *testing.T) {
	h := token(t)
	cc := testtool.Need(t, "gcc")[0]
	inc, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/miekg/pkcs11").Output()
	if err != nil {
		t.Fatalf("locate miekg/pkcs11 headers: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "shim.c")
	if err := os.WriteFile(src, []byte(shimSource), 0o600); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "locked.so")
	cmd := exec.Command(cc, "-shared", "-fPIC", "-o", so, src, "-I", strings.TrimSpace(string(inc)),
		`-DREAL_MODULE="`+softhsmModule+`"`, "-ldl")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build shim: %v\n%s", err, out)
	}
	uri := strings.Replace(h.uri("object=seal-rsa", ""), softhsmModule, so, 1)
	_, err = pkcs11.Open(context.Background(), uri, nil)
	if !errors.Is(err, signer.ErrTokenLocked) {
		t.Fatalf("err = %v, want ErrTokenLocked", err)
	}
	if strings.Contains(err.Error(), userPIN) {
		t.Errorf("PIN in error: %v", err)
	}
}
