package ecert_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func load(t testing.TB, name string) *ecert.Certificate {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ecert.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

func samples(t testing.TB, prefix string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("..", "testdata", prefix+"*.json"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no %s samples: %v", prefix, err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

func TestGoodSamplesValidate(t *testing.T) {
	for _, name := range samples(t, "good_") {
		if err := load(t, name).Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestFailSamples(t *testing.T) {
	want := map[string][]string{
		"fail_bad_measure_and_lang.json":       {`title["english"]`, "consignment.items[0].netWeight.value", "consignment.items[0].netWeight.unit"},
		"fail_dates_out_of_order.json":         {"validUntil", "validUntil"},
		"fail_empty_model.json":                {"products[0].models[0]", "products[0].models[5]"},
		"fail_missing_fields.json":             {"number", "issuingBody.country", "holder.name", "status"},
		"fail_sps_without_consignment.json":    {"consignment"},
		"fail_version_without_supersedes.json": {"supersedes"},
	}
	for _, name := range samples(t, "fail_") {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no expectation in this test", name)
			continue
		}
		err := load(t, name).Validate()
		var ve *ecert.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want *ValidationError", name, err)
			continue
		}
		var got []string
		for _, p := range ve.Problems {
			got = append(got, p.Path)
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s: problem paths (-want +got):\n%s\n%v", name, d, err)
		}
	}
}

func TestValidateTable(t *testing.T) {
	base := func() *ecert.Certificate { return load(t, "good_iso9001.json") }
	tests := []struct {
		name   string
		modify func(c *ecert.Certificate)
		want   []string // problem paths; nil = valid
	}{
		{"valid", func(c *ecert.Certificate) {}, nil},
		{"no scheme", func(c *ecert.Certificate) { c.Scheme = " " }, []string{"scheme"}},
		{"version 0", func(c *ecert.Certificate) { c.Version = 0 }, []string{"version"}},
		{"supersedes itself", func(c *ecert.Certificate) { c.Version = 2; c.Supersedes = 2 }, []string{"supersedes"}},
		{"open scheme accepted", func(c *ecert.Certificate) { c.Scheme = "SOME-NEW-MARK" }, nil},
		{"no products or scope", func(c *ecert.Certificate) { c.Scope = nil }, []string{"products"}},
		{"empty model", func(c *ecert.Certificate) {
			c.Products = []ecert.Product{{Name: ecert.Text{"en": "x"}}, {Name: ecert.Text{"en": "y"}}, {Name: ecert.Text{"en": "z"}, Models: []ecert.Model{{Code: ""}}}}
		}, []string{"products[2].models[0]"}},
		{"bad hs code", func(c *ecert.Certificate) {
			c.Products = []ecert.Product{{Name: ecert.Text{"en": "x"}, HSCode: "84.15"}}
		}, []string{"products[0].hsCode"}},
		{"missing issue date", func(c *ecert.Certificate) { c.IssueDate = time.Time{} }, []string{"issueDate"}},
		{"missing validUntil", func(c *ecert.Certificate) { c.ValidUntil = time.Time{} }, []string{"validUntil"}},
		{"validity reversed", func(c *ecert.Certificate) { c.ValidUntil = c.ValidFrom.Add(-time.Hour) }, []string{"validUntil", "validUntil"}},
		{"bad language tag", func(c *ecert.Certificate) { c.Scope["zz-!!"] = "x" }, []string{`scope["zz-!!"]`}},
		{"any BCP 47 tag", func(c *ecert.Certificate) { c.Scope["zh-Hant-TW"] = "設計"; c.Scope["sr-Latn"] = "x" }, nil},
		// valid tags are cached after their first parse: a bad one must
		// fail every time, and the problems stay in key order
		{"bad language tag again", func(c *ecert.Certificate) { c.Scope["zz-!!"] = "x" }, []string{`scope["zz-!!"]`}},
		{"empty and bad tags", func(c *ecert.Certificate) { c.Scope[""] = "x"; c.Scope["!b"] = "y"; c.Scope["zh-Hant-TW"] = "z" }, []string{`scope[""]`, `scope["!b"]`}},
		{"bad url", func(c *ecert.Certificate) { c.VerificationURL = "javascript:alert(1)" }, []string{"verificationURL"}},
		{"empty signatory", func(c *ecert.Certificate) { c.Signatory = &ecert.Signatory{} }, []string{"signatory.name"}},
		{"address without country", func(c *ecert.Certificate) { c.Holder.Address.Country = "" }, []string{"holder.address.country"}},
		{"trade without consignment", func(c *ecert.Certificate) { c.Scheme = ecert.SchemeOrigin }, []string{"consignment"}},
		{"empty reference", func(c *ecert.Certificate) { c.References = []ecert.Reference{{}} }, []string{"references[0].type", "references[0].id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(c)
			err := c.Validate()
			var got []string
			if err != nil {
				var ve *ecert.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("got %T %v", err, err)
				}
				for _, p := range ve.Problems {
					got = append(got, p.Path)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", d, err)
			}
		})
	}
}

func TestNumberFormat(t *testing.T) {
	c := load(t, "good_ccc.json")
	opts := ecert.ValidateOptions{NumberFormats: map[string]ecert.NumberFormat{c.IssuingBody.ID: ecert.CCCNumberFormat}}
	if err := c.ValidateWith(opts); err != nil {
		t.Fatalf("good CCC number refused: %v", err)
	}
	c.Number = "2024-0107"
	err := c.ValidateWith(opts)
	var ve *ecert.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "number" || !strings.Contains(ve.Problems[0].Message, "16 digits") {
		t.Fatalf("bad CCC number: got %v", err)
	}
	// Another body's format does not apply.
	c.IssuingBody.ID = "OTHER"
	if err := c.ValidateWith(opts); err != nil {
		t.Fatalf("format of another body applied: %v", err)
	}
}

func TestLifecycleTransitions(t *testing.T) {
	statuses := []ecert.Status{"", ecert.StatusValid, ecert.StatusSuspended, ecert.StatusRevoked, ecert.StatusWithdrawn, ecert.StatusExpired, ecert.StatusSuperseded}
	events := []ecert.EventType{ecert.EventIssue, ecert.EventModify, ecert.EventRenew, ecert.EventSuspend, ecert.EventReinstate, ecert.EventRevoke, ecert.EventWithdraw}
	allowed := map[ecert.EventType]map[ecert.Status]ecert.Status{
		ecert.EventIssue:     {"": ecert.StatusValid},
		ecert.EventModify:    {ecert.StatusValid: ecert.StatusValid},
		ecert.EventRenew:     {ecert.StatusValid: ecert.StatusValid, ecert.StatusExpired: ecert.StatusValid},
		ecert.EventSuspend:   {ecert.StatusValid: ecert.StatusSuspended},
		ecert.EventReinstate: {ecert.StatusSuspended: ecert.StatusValid},
		ecert.EventRevoke:    {ecert.StatusValid: ecert.StatusRevoked, ecert.StatusSuspended: ecert.StatusRevoked},
		ecert.EventWithdraw:  {ecert.StatusValid: ecert.StatusWithdrawn, ecert.StatusSuspended: ecert.StatusWithdrawn},
	}
	for _, ev := range events {
		for _, from := range statuses {
			got, err := ecert.Next("N1", from, ev)
			want, ok := allowed[ev][from]
			if ok {
				if err != nil || got != want {
					t.Errorf("%s from %q: got %q, %v; want %q", ev, from, got, err, want)
				}
				continue
			}
			var te *ecert.TransitionError
			if !errors.As(err, &te) {
				t.Errorf("%s from %q: got %q, %v; want *TransitionError", ev, from, got, err)
				continue
			}
			if te.Number != "N1" || te.Status != from || te.Event != ev {
				t.Errorf("%s from %q: error names %+v", ev, from, te)
			}
			if !strings.Contains(te.Error(), "N1") || !strings.Contains(te.Error(), string(ev)) {
				t.Errorf("error text %q does not name the certificate and event", te.Error())
			}
		}
	}
	if _, err := ecert.Next("N1", ecert.StatusValid, "teleport"); err == nil {
		t.Error("unknown event accepted")
	}
}

func TestApplyAndStatusAt(t *testing.T) {
	c := load(t, "good_iso9001.json")
	during := c.ValidFrom.AddDate(0, 1, 0)
	after := c.ValidUntil.AddDate(0, 0, 1)
	if s := c.StatusAt(during); s != ecert.StatusValid {
		t.Fatalf("StatusAt during validity = %s", s)
	}
	if s := c.StatusAt(c.ValidUntil); s != ecert.StatusExpired {
		t.Fatalf("StatusAt at ValidUntil = %s", s)
	}
	ev, err := c.Apply(ecert.EventSuspend, during, "surveillance audit not held", "auditor-7")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != ecert.StatusSuspended || ev.Type != ecert.EventSuspend || ev.Actor != "auditor-7" || ev.Number != c.Number {
		t.Fatalf("after suspend: status %s, event %+v", c.Status, ev)
	}
	if c.StatusReason.In("en") != "surveillance audit not held" {
		t.Fatalf("reason not recorded: %v", c.StatusReason)
	}
	if _, err := c.Apply(ecert.EventReinstate, during, "", "a"); err != nil {
		t.Fatal(err)
	}
	// Suspending an expired certificate is refused.
	_, err = c.Apply(ecert.EventSuspend, after, "", "a")
	var te *ecert.TransitionError
	if !errors.As(err, &te) || te.Status != ecert.StatusExpired {
		t.Fatalf("suspend after expiry: %v", err)
	}
	// Revoked is final: reinstating is refused.
	if _, err := c.Apply(ecert.EventRevoke, during, "fraud", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(ecert.EventReinstate, during, "", "a"); !errors.As(err, &te) || te.Status != ecert.StatusRevoked {
		t.Fatalf("reinstate revoked: %v", err)
	}
	// Modifying a withdrawn certificate is refused.
	w := load(t, "good_iso9001.json")
	w.Status = ecert.StatusWithdrawn
	if _, err := w.Apply(ecert.EventModify, during, "", "a"); !errors.As(err, &te) || te.Event != ecert.EventModify {
		t.Fatalf("modify withdrawn: %v", err)
	}
}

func TestNewVersion(t *testing.T) {
	v1 := load(t, "good_ccc.json")
	v2 := v1.NewVersion()
	if v2.Version != 2 || v2.Supersedes != 1 || v2.Status != ecert.StatusValid {
		t.Fatalf("v2 = version %d supersedes %d status %s", v2.Version, v2.Supersedes, v2.Status)
	}
	v2.Products[0].Models[0].Code = "CHANGED"
	if v1.Products[0].Models[0].Code == "CHANGED" {
		t.Fatal("NewVersion shares memory with the original")
	}
	if err := v2.Validate(); err != nil {
		t.Fatal(err)
	}
	d1, _ := v1.Digest()
	d2, _ := v2.Digest()
	if d1 == d2 {
		t.Fatal("two versions have the same digest")
	}
}

func TestCanonicalGolden(t *testing.T) {
	for _, name := range samples(t, "good_") {
		c := load(t, name)
		got, err := c.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "canonical", name)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./ecert -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: canonical form differs from golden:\n%s", name, cmp.Diff(string(want), string(got)))
		}
		if !json.Valid(got) || bytes.ContainsAny(got, "\n") {
			t.Errorf("%s: canonical form is not compact JSON", name)
		}
	}
}

// TestDigestIgnoresPresentation: key order, white space, time zones and
// Unicode normalization forms do not change the digest; content does.
func TestDigestIgnoresPresentation(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "good_sps_phyto.json"))
	if err != nil {
		t.Fatal(err)
	}
	c1, err := ecert.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := c1.Digest()

	// Reorder keys (reverse sort) and re-indent.
	var generic any
	json.Unmarshal(raw, &generic)
	reordered := reverseKeys(generic)
	c2, err := ecert.Unmarshal([]byte(reordered))
	if err != nil {
		t.Fatalf("reordered: %v\n%s", err, reordered)
	}
	if d2, _ := c2.Digest(); d2 != d1 {
		t.Errorf("key order changed the digest")
	}

	// Same instant in another zone.
	c3 := c1.Clone()
	c3.IssueDate = c3.IssueDate.In(time.FixedZone("X", -5*3600))
	if d3, _ := c3.Digest(); d3 != d1 {
		t.Errorf("time zone changed the digest")
	}

	// NFD text equals NFC text: "é" composed vs decomposed.
	a, b := c1.Clone(), c1.Clone()
	a.Remarks = ecert.Text{"fr": "vérifié"}
	b.Remarks = ecert.Text{"fr": "ve\u0301rifie\u0301", "de": ""}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("NFC/NFD or an empty entry changed the digest")
	}

	// A content change does.
	c4 := c1.Clone()
	c4.Consignment.Items[0].NetWeight.Value = "18001"
	if d4, _ := c4.Digest(); d4 == d1 {
		t.Errorf("content change kept the digest")
	}
}

// reverseKeys writes v as JSON with object keys in reverse order.
func reverseKeys(v any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Sort(sort.Reverse(sort.StringSlice(keys)))
			b.WriteString("{\n")
			for i, k := range keys {
				if i > 0 {
					b.WriteString(",\n")
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteString(" : ")
				walk(x[k])
			}
			b.WriteString("\n}")
		case []any:
			b.WriteString("[ ")
			for i, e := range x {
				if i > 0 {
					b.WriteString(" , ")
				}
				walk(e)
			}
			b.WriteString(" ]")
		default:
			vb, _ := json.Marshal(x)
			b.Write(vb)
		}
	}
	walk(v)
	return b.String()
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		line           int
	}{
		{"unknown field", "{\n  \"number\": \"1\",\n  \"colour\": \"red\"\n}", `unknown field "colour"`, 3},
		{"syntax", "{\n\"number\": 1,,}", "invalid character", 2},
		{"type", `{"version": "two"}`, "field version", 1},
		{"trailing", `{"number":"1"} {"number":"2"}`, "trailing data", 1},
		{"empty", ``, "empty input", 1},
		{"bad time", `{"issueDate": "15 March 2024"}`, "issueDate", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ecert.Unmarshal([]byte(tt.in))
			var de *ecert.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want *DecodeError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if tt.line > 0 && de.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", de.Line, tt.line, err)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	r := strings.NewReader(`{"number":"` + strings.Repeat("x", ecert.MaxJSONSize) + `"}`)
	if _, err := ecert.Decode(r); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, name := range samples(t, "good_") {
		c := load(t, name)
		var buf bytes.Buffer
		if err := c.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ecert.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c, back); d != "" {
			t.Errorf("%s: round trip (-in +out):\n%s", name, d)
		}
	}
}

func TestParseDigest(t *testing.T) {
	c := load(t, "good_ccc.json")
	d, _ := c.Digest()
	for _, s := range []string{d.String(), strings.TrimPrefix(d.String(), "sha256:")} {
		p, err := ecert.ParseDigest(s)
		if err != nil || p != d {
			t.Errorf("ParseDigest(%q) = %v, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "sha256:zz", "sha256:" + strings.Repeat("g", 64), "md5:" + strings.Repeat("0", 64)} {
		if _, err := ecert.ParseDigest(s); err == nil {
			t.Errorf("ParseDigest(%q) accepted", s)
		}
	}
}

func TestTextIn(t *testing.T) {
	tx := ecert.Text{"zh": "中文", "en": "English", "fr": ""}
	for _, tt := range []struct {
		langs []string
		want  string
	}{{[]string{"zh"}, "中文"}, {[]string{"fr"}, "English"}, {nil, "English"}, {[]string{"de", "zh"}, "中文"}} {
		if got := tx.In(tt.langs...); got != tt.want {
			t.Errorf("In(%v) = %q, want %q", tt.langs, got, tt.want)
		}
	}
	if got := (ecert.Text{"ja": "日本語"}).In("en"); got != "日本語" {
		t.Errorf("fallback to any language: %q", got)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"good_iso9001.json", "good_sps_phyto.json", "fail_missing_fields.json"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"number":"1","extensions":{"":"x"},"title":{"\u0301":"y"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ecert.Unmarshal(data)
		if err != nil {
			var de *ecert.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_ = c.Validate()
		c.StatusAt(time.Now())
		b1, err := c.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		// The canonical form is a fixed point.
		c2, err := ecert.Unmarshal(b1)
		if err != nil {
			t.Fatalf("canonical form does not decode: %v\n%s", err, b1)
		}
		b2, err := c2.Canonical()
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("canonical form not stable:\n%s\n%s", b1, b2)
		}
	})
}

// TestCanonicalFastPath: a certificate that needs no normalization gives the
// same bytes as its normalized copy, and Canonical never changes its input.
func TestCanonicalFastPath(t *testing.T) {
	c := load(t, "good_sps_phyto.json") // holds a +08:00 time: slow path
	before := c.Clone()
	slow, err := c.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, c); d != "" {
		t.Fatalf("Canonical changed its input:\n%s", d)
	}
	if c.IssueDate.Location() == time.UTC {
		t.Fatal("sample should hold a non-UTC time")
	}
	n, err := ecert.Unmarshal(slow) // normalized: fast path
	if err != nil {
		t.Fatal(err)
	}
	fast, _ := n.Canonical()
	if !bytes.Equal(slow, fast) {
		t.Fatalf("fast and slow paths differ:\n%s\n%s", slow, fast)
	}
	// An empty map is dropped on both paths.
	n.Extensions = map[string]string{}
	if b, _ := n.Canonical(); !bytes.Equal(b, fast) {
		t.Fatal("empty extensions map changed the canonical form")
	}
}

func BenchmarkDigest(b *testing.B) {
	for _, name := range []string{"good_iso9001.json", "good_ccc.json"} {
		c := load(b, name)
		c2, _ := c.Canonical()
		n, _ := ecert.Unmarshal(c2)
		b.Run(strings.TrimSuffix(name, ".json"), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := n.Digest(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
