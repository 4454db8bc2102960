package pkcs11

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ecertkit/ecertkit/signer"
)

// config is a parsed pkcs11: URI. pin is a secret: never print it.
type config struct {
	modulePath  string
	tokenLabel  string
	tokenSerial string
	slotID      *int
	objectLabel string
	id          []byte
	pin         string
	chainPath   string
}

// name identifies the key without secrets, for KeyInfo and errors.
func (c *config) name() string {
	var parts []string
	switch {
	case c.tokenLabel != "":
		parts = append(parts, "token="+c.tokenLabel)
	case c.tokenSerial != "":
		parts = append(parts, "serial="+c.tokenSerial)
	case c.slotID != nil:
		parts = append(parts, "slot-id="+strconv.Itoa(*c.slotID))
	}
	if c.objectLabel != "" {
		parts = append(parts, "object="+c.objectLabel)
	}
	if c.id != nil {
		parts = append(parts, fmt.Sprintf("id=%x", c.id))
	}
	return strings.Join(parts, ";")
}

var moduleDirs = []string{
	"/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/aarch64-linux-gnu/pkcs11", "/usr/lib/pkcs11",
	"/usr/lib/softhsm", "/usr/lib/x86_64-linux-gnu/softhsm", "/usr/lib/aarch64-linux-gnu/softhsm",
	"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/usr/local/lib",
}

func parse(uri string) (*config, error) {
	u, err := signer.ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "pkcs11" {
		return nil, fmt.Errorf("%w: scheme %q is not pkcs11", signer.ErrBadURI, u.Scheme)
	}
	c := &config{}
	if u.Path != "" && u.Attrs == nil {
		return nil, fmt.Errorf("%w: path attributes must be name=value", signer.ErrBadURI)
	}
	for k, v := range u.Attrs {
		switch k {
		case "token":
			c.tokenLabel = v
		case "serial":
			c.tokenSerial = v
		case "slot-id":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: slot-id %q", signer.ErrBadURI, v)
			}
			c.slotID = &n
		case "object":
			c.objectLabel = v
		case "id":
			c.id = []byte(v)
		case "type":
			if v != "private" {
				return nil, fmt.Errorf("%w: type=%s (a signing key is type=private)", signer.ErrBadURI, v)
			}
		case "manufacturer", "model", "library-manufacturer", "library-description", "library-version":
			// informative; crypto11 selects by label, serial or slot only
		case "pin-value":
			c.pin = v
		default:
			return nil, fmt.Errorf("%w: unknown path attribute %q", signer.ErrBadURI, k)
		}
	}
	var pinSource string
	for k := range u.Query {
		v := u.Query.Get(k)
		switch k {
		case "module-path":
			c.modulePath = v
		case "module-name":
			if c.modulePath == "" {
				c.modulePath = findModule(v)
				if c.modulePath == "" {
					return nil, fmt.Errorf("%w: module-name %q not found in %s", signer.ErrBadURI, v, strings.Join(moduleDirs, ", "))
				}
			}
		case "pin-source":
			pinSource = v
		case "pin-value":
			c.pin = v
		case "chain":
			c.chainPath = v
		default:
			return nil, fmt.Errorf("%w: unknown query attribute %q", signer.ErrBadURI, k)
		}
	}
	if _, ok := u.Query["module-path"]; ok && c.modulePath == "" {
		return nil, fmt.Errorf("%w: empty module-path", signer.ErrBadURI)
	}
	if c.modulePath == "" {
		return nil, fmt.Errorf("%w: module-path (or module-name) is required", signer.ErrBadURI)
	}
	n := 0
	for _, set := range []bool{c.tokenLabel != "", c.tokenSerial != "", c.slotID != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: name the token by exactly one of token=, serial=, slot-id=", signer.ErrBadURI)
	}
	if c.objectLabel == "" && c.id == nil {
		return nil, fmt.Errorf("%w: name the key by object= or id=", signer.ErrBadURI)
	}
	if pinSource != "" {
		if c.pin != "" {
			return nil, fmt.Errorf("%w: both pin-source and pin-value", signer.ErrBadURI)
		}
		path := strings.TrimPrefix(pinSource, "file:")
		path = strings.TrimPrefix(path, "//")
		b, err := signer.ReadFileLimited(path)
		if err != nil {
			return nil, fmt.Errorf("pin-source: %w", err)
		}
		c.pin = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	return c, nil
}

func findModule(name string) string {
	if strings.ContainsRune(name, '/') {
		return ""
	}
	cands := []string{name}
	if !strings.HasSuffix(name, ".so") {
		cands = []string{"lib" + name + ".so", name + ".so", "lib" + name + "-pkcs11.so", name + "-pkcs11.so"}
	}
	for _, d := range moduleDirs {
		for _, c := range cands {
			p := filepath.Join(d, c)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
	}
	return ""
}
