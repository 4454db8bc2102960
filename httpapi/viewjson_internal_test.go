package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// encodingJSON is what writeJSON wrote before the lookup had its own
// encoder: encoding/json without HTML escaping, with a newline.
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLookupJSONMatchesEncodingJSON(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tricky := []string{"", "plain", "中国质量认证中心", "quote \" and \\ back", "tab\tnew\nline\r\x00\x1f\x7f",
		"<a href='x'>&amp;</a>", "sep\u2028para\u2029", "bad utf-8 \xff\xfe end", "é\u00a0ü", "emoji 🙂"}
	cert := &ecert.Certificate{Number: "2024/0001<&>", Title: ecert.Text{"en": "Title", "zh": "标题"}}
	var d ecert.Digest
	for i := range d {
		d[i] = byte(i * 7)
	}
	views := []*CertificateView{
		{}, // zero: null versions, events and certificate, zero times
		{Number: "2024000000000123", CurrentVersion: 2, Status: ecert.StatusValid, Usable: true,
			Body:      ecert.Body{ID: "CNCA-R-2002-001", Name: ecert.Text{"en": "CQC", "zh": "中国质量认证中心"}, Country: "CN"},
			ValidFrom: time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2029, 5, 3, 0, 0, 0, 0, shanghai),
			Digest: d,
			Versions: []VersionView{{Version: 1, Status: ecert.StatusSuperseded, IssueDate: time.Date(2024, 5, 3, 1, 2, 3, 456789, time.UTC), PDF: "/a.pdf", XML: "/a.xml"},
				{Version: 2, Status: ecert.StatusValid, Digest: d, IssueDate: time.Now(), PDF: "/b.pdf", XML: "/b.xml", Statement: "/b-statement.pdf"}},
			Events: []EventView{{Index: 0, Type: "issue", Time: time.Unix(0, 1)},
				{Index: 1<<64 - 1, Type: "modify", Version: 2, Status: "valid", Time: time.Now().In(shanghai), Reason: "r", Actor: "a", Proof: "/log/proofs/inclusion/1"}},
			Certificate: cert, At: time.Now()},
		{Versions: []VersionView{}, Events: []EventView{}, Certificate: &ecert.Certificate{}},
	}
	for _, s := range tricky {
		views = append(views, &CertificateView{Number: s, Status: ecert.Status(s), Body: ecert.Body{ID: s},
			Versions: []VersionView{{Status: ecert.Status(s), PDF: s, XML: s, Statement: s}},
			Events:   []EventView{{Type: s, Status: s, Reason: s, Actor: s, Proof: s}}, At: time.Now()})
	}
	for i, v := range views {
		rec := httptest.NewRecorder()
		writeView(rec, v)
		if want := encodingJSON(t, v); !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("view %d:\n got %s\nwant %s", i, rec.Body.Bytes(), want)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("view %d: Content-Type %q", i, ct)
		}
	}
	// A time that encoding/json refuses is an error, not bad JSON.
	rec := httptest.NewRecorder()
	writeView(rec, &CertificateView{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if rec.Code != 500 {
		t.Errorf("year 10000: status %d, want 500", rec.Code)
	}
}

func FuzzPlainJSON(f *testing.F) {
	for _, s := range []string{"", "abc", "中文", "\u2028", "\xff", `"`, "\\", "\x1f", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := getJSONBuf()
		defer putJSONBuf(b)
		b.str(s)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("str(%q) = %s, want %s", s, b.Bytes(), want)
		}
	})
}
