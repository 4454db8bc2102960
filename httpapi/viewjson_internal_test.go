package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/registrytest"
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

// The lookup's usual path (rawView, from the recorded JSON) writes the
// bytes of Lookup and writeView (decoded certificates), whatever the
// certificate's state: superseded versions, current statuses recorded
// with and without a reason, text that JSON escapes.
func TestRawViewMatchesLookup(t *testing.T) {
	ctx := context.Background()
	reg := memory.New(registry.Options{})
	var buf bytes.Buffer
	if err := registrytest.WriteJSONL(&buf, 0, 6); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, &buf, registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	n := registrytest.GenNumber
	odd := registrytest.Gen(6)
	odd.Holder.Name = ecert.Text{"en": `Holder <&> "q" \ back`, "zh": "持证人\u2028"}
	odd.Remarks = ecert.Text{"en": "line\nbreak\ttab"}
	odd.StatusReason = ecert.Text{"en": "as issued"}
	steps := []func() error{
		func() error { _, err := reg.Issue(ctx, odd, registry.Change{}); return err },
		func() error {
			_, err := reg.Suspend(ctx, n(1), registry.Change{Reason: `audit "late" <&> ü`})
			return err
		},
		func() error { _, err := reg.Suspend(ctx, n(2), registry.Change{}); return err },
		func() error {
			_, err := reg.Revoke(ctx, n(3), registry.Change{Reason: "fraud", Actor: "x\"y"})
			return err
		},
		func() error {
			c := registrytest.Gen(4).NewVersion()
			c.Scope = ecert.Text{"en": "wider"}
			_, err := reg.Modify(ctx, c, registry.Change{Reason: "scope"})
			return err
		},
		func() error {
			c := odd.NewVersion()
			_, err := reg.Modify(ctx, c, registry.Change{})
			return err
		},
		func() error { _, err := reg.Withdraw(ctx, n(6), registry.Change{Reason: "asked"}); return err },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	for i := 0; i <= 6; i++ {
		h, err := reg.RawHistory(ctx, n(i))
		if err != nil {
			t.Fatal(err)
		}
		b := getJSONBuf()
		bodyID, ok := b.rawView(h)
		if !ok {
			t.Fatalf("%s: rawView failed", n(i))
		}
		v, err := Lookup(ctx, reg, n(i))
		if err != nil {
			t.Fatal(err)
		}
		// Lookup's At is a moment later: compare with rawView's.
		v.At = h.Versions[len(h.Versions)-1].At
		rec := httptest.NewRecorder()
		writeView(rec, v)
		if got, want := append(b.Bytes(), '\n'), rec.Body.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", n(i), got, want)
		}
		if bodyID != v.Body.ID {
			t.Errorf("%s: body %q, want %q", n(i), bodyID, v.Body.ID)
		}
		putJSONBuf(b)
	}
}
