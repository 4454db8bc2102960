package httpapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ecertkit/ecertkit/ecert"
)

// The public lookup is the busiest endpoint: its JSON is written by hand
// into a pooled buffer (the same bytes encoding/json writes, as
// TestLookupJSONMatchesEncodingJSON checks), and only the certificate
// model itself goes through encoding/json.

// jsonBuf is a reusable response buffer with an encoder writing into it.
type jsonBuf struct {
	bytes.Buffer
	enc *json.Encoder
}

var jsonBufs = sync.Pool{New: func() any {
	b := new(jsonBuf)
	b.enc = json.NewEncoder(&b.Buffer)
	b.enc.SetEscapeHTML(false)
	return b
}}

func getJSONBuf() *jsonBuf { return jsonBufs.Get().(*jsonBuf) }

func putJSONBuf(b *jsonBuf) {
	if b.Cap() > 256<<10 {
		return // let an unusually large response's buffer go
	}
	b.Reset()
	jsonBufs.Put(b)
}

// value appends v as encoding/json (without HTML escaping) writes it.
func (b *jsonBuf) value(v any) error {
	if err := b.enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// Shared, read-only header values (set by map assignment).
var (
	hdrJSON    = []string{"application/json; charset=utf-8"}[:1:1]
	hdrNoCache = []string{"no-cache"}[:1:1]
)

// writeBuf sends b (a complete JSON document) with status and releases b.
func writeBuf(w http.ResponseWriter, status int, b *jsonBuf) {
	b.WriteByte('\n')
	hd := w.Header()
	hd["Content-Type"] = hdrJSON
	hd["Content-Length"] = []string{strconv.Itoa(b.Len())}
	w.WriteHeader(status)
	w.Write(b.Bytes())
	putJSONBuf(b)
}

// writeJSON writes v as the JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b := getJSONBuf()
	if err := b.value(v); err != nil {
		putJSONBuf(b)
		http.Error(w, `{"error":"encode response"}`, http.StatusInternalServerError)
		return
	}
	writeBuf(w, status, b)
}

// writeView writes the public lookup of a certificate.
func writeView(w http.ResponseWriter, v *CertificateView) {
	b := getJSONBuf()
	if err := b.view(v); err != nil {
		putJSONBuf(b)
		http.Error(w, `{"error":"encode response"}`, http.StatusInternalServerError)
		return
	}
	w.Header()["Cache-Control"] = hdrNoCache
	writeBuf(w, http.StatusOK, b)
}

// view appends v exactly as encoding/json would.
func (b *jsonBuf) view(v *CertificateView) error {
	b.key(`{"number":`)
	b.str(v.Number)
	b.key(`,"currentVersion":`)
	b.int(int64(v.CurrentVersion))
	b.key(`,"status":`)
	b.str(string(v.Status))
	b.key(`,"usable":`)
	b.bool(v.Usable)
	b.key(`,"issuingBody":`)
	if err := b.value(v.Body); err != nil {
		return err
	}
	b.key(`,"validFrom":`)
	if err := b.time(v.ValidFrom); err != nil {
		return err
	}
	if !v.ValidUntil.IsZero() {
		b.key(`,"validUntil":`)
		if err := b.time(v.ValidUntil); err != nil {
			return err
		}
	}
	b.key(`,"digest":`)
	b.digest(v.Digest)
	b.key(`,"versions":`)
	if v.Versions == nil {
		b.key("null")
	} else {
		b.WriteByte('[')
		for i := range v.Versions {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := b.version(&v.Versions[i]); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	}
	b.key(`,"events":`)
	if v.Events == nil {
		b.key("null")
	} else {
		b.WriteByte('[')
		for i := range v.Events {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := b.event(&v.Events[i]); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	}
	b.key(`,"certificate":`)
	if v.Certificate == nil {
		b.key("null")
	} else if err := b.value(v.Certificate); err != nil {
		return err
	}
	b.key(`,"at":`)
	if err := b.time(v.At); err != nil {
		return err
	}
	b.WriteByte('}')
	return nil
}

func (b *jsonBuf) version(v *VersionView) error {
	b.key(`{"version":`)
	b.int(int64(v.Version))
	b.key(`,"status":`)
	b.str(string(v.Status))
	b.key(`,"digest":`)
	b.digest(v.Digest)
	b.key(`,"issueDate":`)
	if err := b.time(v.IssueDate); err != nil {
		return err
	}
	b.key(`,"pdf":`)
	b.str(v.PDF)
	b.key(`,"xml":`)
	b.str(v.XML)
	if v.Statement != "" {
		b.key(`,"statement":`)
		b.str(v.Statement)
	}
	b.WriteByte('}')
	return nil
}

func (b *jsonBuf) event(e *EventView) error {
	b.key(`{"index":`)
	b.Write(strconv.AppendUint(b.AvailableBuffer(), e.Index, 10))
	b.key(`,"type":`)
	b.str(e.Type)
	if e.Version != 0 {
		b.key(`,"version":`)
		b.int(int64(e.Version))
	}
	if e.Status != "" {
		b.key(`,"status":`)
		b.str(e.Status)
	}
	b.key(`,"time":`)
	if err := b.time(e.Time); err != nil {
		return err
	}
	if e.Reason != "" {
		b.key(`,"reason":`)
		b.str(e.Reason)
	}
	if e.Actor != "" {
		b.key(`,"actor":`)
		b.str(e.Actor)
	}
	b.key(`,"proof":`)
	b.str(e.Proof)
	b.WriteByte('}')
	return nil
}

func (b *jsonBuf) key(s string) { b.WriteString(s) }

func (b *jsonBuf) int(n int64) { b.Write(strconv.AppendInt(b.AvailableBuffer(), n, 10)) }

func (b *jsonBuf) bool(v bool) {
	if v {
		b.WriteString("true")
	} else {
		b.WriteString("false")
	}
}

// time appends t as time.Time's MarshalJSON does (RFC 3339 with
// sub-second digits; an error for years outside 0..9999).
func (b *jsonBuf) time(t time.Time) error {
	out, err := t.AppendText(append(b.AvailableBuffer(), '"'))
	if err != nil {
		return err
	}
	b.Write(append(out, '"'))
	return nil
}

func (b *jsonBuf) digest(d ecert.Digest) {
	out := append(b.AvailableBuffer(), `"sha256:`...)
	out = hex.AppendEncode(out, d[:])
	b.Write(append(out, '"'))
}

// str appends s as a JSON string. Strings that need no escaping (the
// usual case) are copied; others go through encoding/json.
func (b *jsonBuf) str(s string) {
	if plainJSON(s) {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	b.value(s) // a string always encodes
}

// plainJSON reports whether encoding/json (without HTML escaping) writes
// s between quotes unchanged: valid UTF-8 without control characters,
// quotes, backslashes or the line and paragraph separators U+2028/2029.
func plainJSON(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}
