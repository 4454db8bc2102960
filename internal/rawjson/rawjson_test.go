package rawjson

import (
	"bytes"
	"encoding/json"
	"testing"
)

var samples = []string{
	`{}`,
	` { } `,
	`{"a":1}`,
	`{"a":"x\"}y","b":{"c":[1,{"d":"]}"}],"e":null},"f":[],"g":true,"h":-1.5e3}`,
	"{\n \"a\" : [ 1 , 2 ] ,\n \"b\" : \"\\\\\" }\n",
	`{"number":"2024","status":"valid","statusReason":{"en":"audit"},"remarks":{"zh":"中文"}}`,
}

// For JSON objects with distinct plain keys, Members finds exactly the
// members encoding/json finds, with the same raw values.
func checkMembers(t *testing.T, in []byte) {
	ms, err := Members(in, nil)
	var raw map[string]json.RawMessage
	jerr := json.Unmarshal(in, &raw)
	if jerr != nil || raw == nil {
		if err == nil && json.Valid(in) {
			t.Errorf("%q: Members accepted a valid non-object", in)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: %v", in, err)
	}
	if len(ms) != len(raw) {
		return // duplicate keys, or keys with escapes: not compared
	}
	for _, m := range ms {
		want, ok := raw[string(m.Name)]
		if !ok {
			return // an escaped key
		}
		if got := in[m.Start:m.End]; !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
			t.Errorf("%q: member %s = %q, want %q", in, m.Name, got, want)
		}
	}
}

func TestMembers(t *testing.T) {
	for _, s := range samples {
		checkMembers(t, []byte(s))
	}
	for _, bad := range []string{``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":[}`, `{"a":{]}`, `{"a":"x}`, `{"a":1}x`, `{a:1}`, `{"a":1 "b":2}`} {
		if _, err := Members([]byte(bad), nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	in := []byte(samples[5])
	ms, _ := Members(in, nil)
	if v, ok := Find(in, ms, "statusReason"); !ok || string(v) != `{"en":"audit"}` {
		t.Errorf("Find statusReason = %q, %v", v, ok)
	}
	if _, ok := Find(in, ms, "nope"); ok {
		t.Error("Find found a missing member")
	}
}

func FuzzMembers(f *testing.F) {
	for _, s := range samples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ms, err := Members(in, nil)
		if err == nil {
			for _, m := range ms {
				if m.Start < 0 || m.End > len(in) || m.Start >= m.End {
					t.Fatalf("%q: member %s at [%d, %d)", in, m.Name, m.Start, m.End)
				}
			}
		}
		checkMembers(t, in)
	})
}
