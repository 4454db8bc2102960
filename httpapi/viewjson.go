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
	"github.com/ecertkit/ecertkit/internal/rawjson"
	"github.com/ecertkit/ecertkit/registry"
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

// rawView appends the public lookup of h, the bytes that view appends
// for Lookup's view of it, from the recorded JSON of the versions
// (registry.RawHistory) instead of decoded certificates. It returns the
// issuing body's id, and false (having appended part of the view) for
// recorded JSON that lacks a member the view takes from it.
func (b *jsonBuf) rawView(h *registry.RawHistory) (bodyID string, ok bool) {
	var mbuf [32]rawjson.Member
	cur := &h.Versions[len(h.Versions)-1]
	ms, err := rawjson.Members(cur.JSON, mbuf[:0])
	if err != nil {
		return "", false
	}
	body, ok1 := rawjson.Find(cur.JSON, ms, "issuingBody")
	from, ok2 := rawjson.Find(cur.JSON, ms, "validFrom")
	if !ok1 || !ok2 || len(body) == 0 || body[0] != '{' {
		return "", false
	}
	var bms [8]rawjson.Member
	bm, err := rawjson.Members(body, bms[:0])
	if err != nil {
		return "", false
	}
	id, ok := rawjson.Find(body, bm, "id")
	if !ok || decodeStr(id, &bodyID) != nil {
		return "", false
	}
	b.key(`{"number":`)
	b.str(h.Number)
	b.key(`,"currentVersion":`)
	b.int(int64(cur.Version))
	b.key(`,"status":`)
	b.str(string(cur.Status))
	b.key(`,"usable":`)
	b.bool(cur.Status.Usable())
	b.key(`,"issuingBody":`)
	b.Write(body)
	b.key(`,"validFrom":`)
	b.Write(from)
	if until, ok := rawjson.Find(cur.JSON, ms, "validUntil"); ok {
		b.key(`,"validUntil":`)
		b.Write(until)
	}
	b.key(`,"digest":`)
	b.digest(cur.Digest)
	b.key(`,"versions":[`)
	base := "/certificates/" + escapeSeg(h.Number) + "/versions/"
	curIssued, curOK := rawjson.Find(cur.JSON, ms, "issueDate")
	for i := range h.Versions {
		r := &h.Versions[i]
		issued, ok := curIssued, curOK
		if r != cur {
			vms, err := rawjson.Members(r.JSON, mbuf[len(ms):len(ms)])
			if err != nil {
				return "", false
			}
			issued, ok = rawjson.Find(r.JSON, vms, "issueDate")
		}
		if !ok {
			return "", false
		}
		if i > 0 {
			b.WriteByte(',')
		}
		v := strconv.Itoa(r.Version)
		vv := VersionView{Version: r.Version, Status: r.Status, Digest: r.Digest, PDF: base + v + ".pdf", XML: base + v + ".xml"}
		if r.Version > 1 {
			vv.Statement = base + v + "-statement.pdf"
		}
		b.versionRaw(&vv, issued)
	}
	b.key(`],"events":`)
	if len(h.Events) == 0 {
		b.key("null") // as Lookup leaves the slice nil
	} else {
		b.WriteByte('[')
		for i := range h.Events {
			e := &h.Events[i]
			if i > 0 {
				b.WriteByte(',')
			}
			ev := EventView{Index: e.Index, Type: e.Type, Version: e.Version, Status: e.Status, Time: e.Time,
				Reason: e.Reason, Actor: e.Actor, Proof: "/log/proofs/inclusion/" + strconv.FormatUint(e.Index, 10)}
			if b.event(&ev) != nil {
				return "", false
			}
		}
		b.WriteByte(']')
	}
	b.key(`,"certificate":`)
	out, err := cur.AppendCertificate(b.AvailableBuffer())
	if err != nil {
		return "", false
	}
	b.Write(out)
	b.key(`,"at":`)
	if b.time(cur.At) != nil {
		return "", false
	}
	b.WriteByte('}')
	return bodyID, true
}

// decodeStr decodes the JSON string raw into s.
func decodeStr(raw []byte, s *string) error {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		*s = string(raw[1 : len(raw)-1])
		return nil
	}
	return json.Unmarshal(raw, s)
}

// versionRaw is version with the issue date given as its JSON.
func (b *jsonBuf) versionRaw(v *VersionView, issueDate []byte) {
	b.key(`{"version":`)
	b.int(int64(v.Version))
	b.key(`,"status":`)
	b.str(string(v.Status))
	b.key(`,"digest":`)
	b.digest(v.Digest)
	b.key(`,"issueDate":`)
	b.Write(issueDate)
	b.key(`,"pdf":`)
	b.str(v.PDF)
	b.key(`,"xml":`)
	b.str(v.XML)
	if v.Statement != "" {
		b.key(`,"statement":`)
		b.str(v.Statement)
	}
	b.WriteByte('}')
}

func (b *jsonBuf) version(v *VersionView) error {
	var tb [40]byte
	issued, err := v.IssueDate.AppendText(append(tb[:0], '"'))
	if err != nil {
		return err
	}
	b.versionRaw(v, append(issued, '"'))
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
