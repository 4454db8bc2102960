package signer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// Key files and URIs come from configuration that may be wrong in any
// way: parsing must fail cleanly, never panic.
func FuzzParsePEMKey(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	sec1, _ := x509.MarshalECPrivateKey(k)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der[:40]}))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, _, err := parsePEMKey(data)
		if err == nil && key == nil {
			t.Fatal("nil key without error")
		}
	})
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"file:/abs/key.pem?chain=/abs/chain.pem",
		"file:///abs/seal.p12?password-file=/abs/pw",
		"pkcs11:token=Seal;object=seal;id=%01?module-path=/m.so&pin-value=1234",
		"awskms:arn:aws:kms:eu-central-1:111122223333:key/x?chain=/c.pem",
		"pkcs11:token=a;token=b", "x:%zz", ":",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		if u.Scheme == "" || strings.ContainsAny(u.Scheme, ":") {
			t.Fatalf("scheme %q from %q", u.Scheme, s)
		}
		// Every secret that ParseURI reads is hidden by RedactURI.
		r := RedactURI(s)
		ru, err := ParseURI(r)
		if err != nil {
			t.Fatalf("redacted %q -> %q does not parse: %v", s, r, err)
		}
		for _, name := range []string{"pin-value", "pin", "password"} {
			if v, ok := u.Attrs[name]; ok && v != "" && ru.Attrs[name] != "REDACTED" {
				t.Fatalf("path %s not redacted: %q -> %q", name, s, r)
			}
			if u.Query.Get(name) != "" && ru.Query.Get(name) != "REDACTED" {
				t.Fatalf("query %s not redacted: %q -> %q", name, s, r)
			}
		}
	})
}
