package pkcs11

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecertkit/ecertkit/signer"
	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	pin := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(pin, []byte("12 34\r\n"), 0o600)
	c, err := parse("pkcs11:token=My%20Seal;object=seal;id=%0a%ff;type=private?module-path=/lib/x.so&pin-source=file:" + pin + "&chain=/c.pem")
	if err != nil {
		t.Fatal(err)
	}
	want := &config{modulePath: "/lib/x.so", tokenLabel: "My Seal", objectLabel: "seal", id: []byte{0x0a, 0xff}, pin: "12 34", chainPath: "/c.pem"}
	if diff := cmp.Diff(want, c, cmp.AllowUnexported(config{})); diff != "" {
		t.Error(diff)
	}
	if got := c.name(); got != "token=My Seal;object=seal;id=0aff" {
		t.Errorf("name %q", got)
	}
	for _, bad := range []string{
		"pkcs11:token=a;object=b",                                   // no module
		"pkcs11:object=b?module-path=/x.so",                         // no token
		"pkcs11:token=a?module-path=/x.so",                          // no key
		"pkcs11:token=a;serial=1;object=b?module-path=/x.so",        // two tokens
		"pkcs11:token=a;object=b;type=cert?module-path=/x.so",       // not a private key
		"pkcs11:token=a;object=b;slot-id=x?module-path=/x.so",       // bad slot
		"pkcs11:token=a;object=b?module-path=/x.so&frobnicate=1",    // unknown
		"pkcs11:token=a;object=b?module-name=no-such-module-at-all", // module not found
		"pkcs11:token=a;object=b?module-path=/x.so&pin-value=1&pin-source=/p",
	} {
		if _, err := parse(bad); !errors.Is(err, signer.ErrBadURI) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
