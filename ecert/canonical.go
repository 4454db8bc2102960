package ecert

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"golang.org/x/text/unicode/norm"
)

// MaxJSONSize bounds the JSON that Decode reads: a certificate with a
// 100,000-model annex fits well within it.
const MaxJSONSize = 64 << 20

// DecodeError is returned by Decode for input that is not a certificate.
type DecodeError struct {
	// Line and Column locate the problem (1-based), when known.
	Line, Column int
	Err          error
}

func (e *DecodeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("ecert: decode JSON: line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("ecert: decode JSON: %v", e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads one certificate in its JSON interchange form. Unknown
// fields, trailing data and input over MaxJSONSize are rejected. Decode
// does not validate: call Validate.
func Decode(r io.Reader) (*Certificate, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxJSONSize+1))
	if err != nil {
		return nil, &DecodeError{Err: err}
	}
	if len(data) > MaxJSONSize {
		return nil, &DecodeError{Err: fmt.Errorf("input larger than %d bytes", MaxJSONSize)}
	}
	return Unmarshal(data)
}

// Unmarshal is Decode on a byte slice.
func Unmarshal(data []byte) (*Certificate, error) {
	// Fast path: the v2 implementation with encoding/json's behaviour
	// (its v1 options) decodes a certificate in about half the time. On
	// any error, decode again with encoding/json, whose error this
	// package explains with a line and column.
	var c Certificate
	if jsonv2.Unmarshal(data, &c, strictV1()) == nil {
		return &c, nil
	}
	return unmarshalV1(data)
}

// strictV1 are encoding/json's decoding rules with unknown fields
// rejected (Decoder.DisallowUnknownFields), for go-json-experiment/json.
var strictV1 = sync.OnceValue(func() jsonv2.Options {
	return jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv2.RejectUnknownMembers(true))
})

// unmarshalV1 is Unmarshal with encoding/json.
func unmarshalV1(data []byte) (*Certificate, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Certificate
	if err := dec.Decode(&c); err != nil {
		return nil, decodeErr(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, decodeErr(data, dec, errors.New("trailing data after the certificate"))
	}
	return &c, nil
}

func decodeErr(data []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		err = fmt.Errorf("field %s: got JSON %s, want %s", te.Field, te.Value, te.Type)
	case err == io.EOF:
		err = errors.New("empty input")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if i := bytes.Index(data, []byte(name)); i >= 0 {
			off = int64(i)
		}
		err = fmt.Errorf("unknown field %s", name)
	default:
		var pe *time.ParseError
		if errors.As(err, &pe) {
			err = fmt.Errorf("field %s: %q is not an RFC 3339 time (e.g. 2024-03-15T00:00:00Z)", keyBefore(data, off), pe.Value)
		}
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &DecodeError{Line: line, Column: col, Err: err}
}

// keyBefore returns the last object key that starts before off.
func keyBefore(data []byte, off int64) string {
	m := keyRe().FindAllSubmatch(data[:min(off, int64(len(data)))], -1)
	if len(m) == 0 {
		return "?"
	}
	return string(m[len(m)-1][1])
}

// keyRe is compiled when a decode error needs it, not at start-up.
var keyRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"\\]{1,64})"\s*:`) })

// Encode writes the certificate as indented JSON, the interchange form
// (not the canonical form).
func (c *Certificate) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// Clone returns a deep copy.
func (c *Certificate) Clone() *Certificate {
	data, err := json.Marshal(c)
	if err != nil {
		panic("ecert: clone: " + err.Error()) // only strings, ints and times: cannot fail
	}
	var n Certificate
	if err := json.Unmarshal(data, &n); err != nil {
		panic("ecert: clone: " + err.Error())
	}
	return &n
}

// Canonical returns the canonical JSON form of the certificate: the bytes
// that Digest hashes. See the package documentation for its definition.
func (c *Certificate) Canonical() ([]byte, error) {
	n := c
	if !isNormal(reflect.ValueOf(c).Elem()) {
		// Slow path: normalize a copy, leaving c as the caller made it.
		n = c.Clone()
		normalize(reflect.ValueOf(n).Elem())
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("ecert: canonical form: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var (
	timeType = reflect.TypeOf(time.Time{})
	textType = reflect.TypeOf(Text(nil))
)

// isNormal reports whether normalize would change nothing, so that the
// common case (text already in NFC, times in UTC) skips the copy.
func isNormal(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return v.IsNil() || isNormal(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			var t time.Time
			if v.CanAddr() {
				t = *v.Addr().Interface().(*time.Time) // no copy to the heap
			} else {
				t = v.Interface().(time.Time)
			}
			return t.IsZero() || t.Location() == time.UTC
		}
		for i := 0; i < v.NumField(); i++ {
			if !isNormal(v.Field(i)) {
				return false
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if !isNormal(v.Index(i)) {
				return false
			}
		}
	case reflect.String:
		return isNFC(v.String())
	case reflect.Map:
		if v.IsNil() {
			return true
		}
		if v.Len() == 0 {
			return false // an empty map becomes nil
		}
		if v.Type() == textType && v.CanInterface() {
			// most maps: a plain range, without reflect's iterator
			for k, val := range v.Interface().(Text) {
				if val == "" || !isNFC(val) || !isNFC(k) {
					return false
				}
			}
			return true
		}
		iter := v.MapRange()
		for iter.Next() {
			val := iter.Value().String()
			if (v.Type() == textType && val == "") || !isNFC(val) || !isNFC(iter.Key().String()) {
				return false
			}
		}
	}
	return true
}

// isNFC is norm.NFC.IsNormalString with a fast path for ASCII, which is
// always in NFC.
func isNFC(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return norm.NFC.IsNormalString(s)
		}
	}
	return true
}

// normalize puts strings in NFC, times in UTC and drops empty Text entries.
func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if t := v.Interface().(time.Time); !t.IsZero() {
				v.Set(reflect.ValueOf(t.UTC()))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			normalize(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			normalize(v.Index(i))
		}
	case reflect.String:
		v.SetString(norm.NFC.String(v.String()))
	case reflect.Map:
		if v.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			val := norm.NFC.String(iter.Value().String())
			if v.Type() == textType && val == "" {
				continue
			}
			m.SetMapIndex(reflect.ValueOf(norm.NFC.String(iter.Key().String())).Convert(v.Type().Key()), reflect.ValueOf(val))
		}
		if m.Len() == 0 {
			m = reflect.Zero(v.Type())
		}
		v.Set(m)
	}
}

// Digest is the SHA-256 of a certificate's canonical form: the content
// fingerprint that registries and verifiers compare.
type Digest [sha256.Size]byte

// String returns "sha256:" and the digest in lower-case hex.
func (d Digest) String() string { return "sha256:" + hex.EncodeToString(d[:]) }

// IsZero reports whether d is the zero digest.
func (d Digest) IsZero() bool { return d == Digest{} }

// MarshalText implements encoding.TextMarshaler.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Digest) UnmarshalText(b []byte) error {
	p, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ParseDigest parses "sha256:<64 hex digits>" or the bare hex digits.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	h := strings.TrimPrefix(s, "sha256:")
	if len(h) != 2*sha256.Size {
		return d, fmt.Errorf("ecert: digest %q: want sha256: and 64 hex digits", s)
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, fmt.Errorf("ecert: digest %q: %v", s, err)
	}
	return d, nil
}

// Digest returns the SHA-256 of the canonical form.
func (c *Certificate) Digest() (Digest, error) {
	b, err := c.Canonical()
	if err != nil {
		return Digest{}, err
	}
	return sha256.Sum256(b), nil
}
