package ecert

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// unmarshalInputs are certificates and near-certificates that probe where
// go-json-experiment's v1 options could part from encoding/json.
func unmarshalInputs(t testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.json"))
	golden, _ := filepath.Glob(filepath.Join("testdata", "canonical", "*.json"))
	for _, f := range append(files, golden...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) < 10 {
		t.Fatalf("only %d sample files", len(out))
	}
	base := string(out[0])
	for _, s := range []string{
		``, ` `, `null`, `[]`, `{}`, `{} `, "{}\n\t ", `{}{}`, `{} x`, `{"number":"1"} {"number":"2"}`,
		`{"NUMBER":"1","Version":2}`, `{"nUmBeR":"1"}`, `{"number":"1","number":"2"}`,
		`{"title":{"en":"a"},"title":{"zh":"b"}}`, `{"title":{"en":"a","en":"b"}}`,
		`{"number":"1","unknown":1}`, `{"holder":{"name":{"en":"x"},"unknown":true}}`,
		`{"holder":{"address":{"country":"CN","nope":null}}}`,
		`{"number":null,"title":null,"manufacturer":null,"products":null,"validUntil":null}`,
		`{"version":"2"}`, `{"version":2.0}`, `{"version":2.5}`, `{"version":1e2}`, `{"version":-0}`,
		`{"version":99999999999999999999}`, `{"version":true}`, `{"number":5}`,
		`{"number":"\u00e9\ud800\udc00\ud800 \/ \u2028"}`, "{\"number\":\"\xff\xfe\"}", "{\"title\":{\"\xff\":\"x\"}}",
		`{"issueDate":"2024-03-15T00:00:00Z"}`, `{"issueDate":"2024-03-15T00:00:00+08:00"}`,
		`{"issueDate":"2024-03-15"}`, `{"issueDate":"2024-03-15T00:00:00.123456789123Z"}`, `{"issueDate":null}`,
		`{"issueDate":"2024-03-15t00:00:00z"}`, `{"issueDate":"2024-03-15T24:00:00Z"}`, `{"issueDate":20240315}`,
		`{"products":[{"name":{"en":"a"},"models":[{"code":"x"},{"code":"y","extra":1}]}]}`,
		`{"products":{}}`, `{"title":[]}`, `{"status":"valid","statusReason":{"en":""}}`,
		`{"extensions":{"a":"1","b":null}}`, `{"extensions":{"a":1}}`, `{"consignment":{"items":[{"quantity":{"value":"1","unit":"kg"}}]}}`,
		`{"number":"1",}`, `{"number":"1"`, `{"number" "1"}`, `{'number':'1'}`,
	} {
		out = append(out, []byte(s))
	}
	// Each sample with one key's case changed, a field repeated, an
	// unknown field added, trailing data.
	for _, m := range []struct{ old, new string }{
		{`"number"`, `"Number"`}, {`"holder"`, `"HOLDER"`}, {`"name"`, `"Name"`}, {`"validUntil"`, `"validuntil"`},
		{`{`, `{"number":"dup",`}, {`{`, `{"zzz":1,`}, {`"country"`, `"countryX"`},
	} {
		out = append(out, []byte(strings.Replace(base, m.old, m.new, 1)))
	}
	out = append(out, []byte(base+"x"), []byte(base+"\n\n"), []byte(" \t"+base))
	return out
}

func sameUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := Unmarshal(data)
	want, werr := unmarshalV1(data)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("%q: error %v, encoding/json: %v", data, gerr, werr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%q: differs from encoding/json (-want +got):\n%s", data, diff)
	}
}

// Unmarshal's fast path decodes exactly what encoding/json decodes and
// fails exactly where it fails, with its error.
func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, b := range unmarshalInputs(t) {
		sameUnmarshal(t, b)
	}
}

func FuzzUnmarshalMatchesEncodingJSON(f *testing.F) {
	for _, b := range unmarshalInputs(f) {
		f.Add(b)
	}
	f.Fuzz(sameUnmarshal)
}
