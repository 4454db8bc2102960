package cefact

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// TestPooledStateNotShared: Decode and Encode reuse tree nodes through
// sync.Pools, so nothing they return may point into pooled memory. Many
// goroutines decode and encode the samples (and failing inputs) at once;
// every result must equal the one computed alone, also after the pools
// have served other documents.
func TestPooledStateNotShared(t *testing.T) {
	type want struct {
		in       []byte
		doc, out []byte // JSON of the Document, and its encoding
		err      bool
	}
	var inputs [][]byte
	for _, f := range goodSamples(t) {
		x, err := Marshal(readSample(t, f))
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, x)
	}
	shared, _ := filepath.Glob(filepath.Join(testtool.Root(), "..", "shared", "cefact", "samples", "*.xml"))
	for _, f := range shared {
		if x, err := os.ReadFile(f); err == nil {
			inputs = append(inputs, x)
		}
	}
	inputs = append(inputs,
		[]byte(spsHead+"<ram:X>&bad;</ram:X></rsm:SPSCertificate>"),
		[]byte(spsHead+`<rsm:SPSExchangedDocument><ram:ID>A&amp;B</ram:ID><ram:Name languageID="en">x&#xD;y</ram:Name><ram:Other a="1">t</ram:Other></rsm:SPSExchangedDocument></rsm:SPSCertificate>`),
		// Texts that are not substrings of the input (references, white
		// space joined to text across a comment), mapped and kept.
		[]byte(spsHead+`<rsm:SPSExchangedDocument><ram:ID> <!-- c --> N&#x31;</ram:ID><ram:Name languageID="e&amp;n"> <?p?> t&lt;</ram:Name><ram:Other a="&quot;1">t&gt;<!-- c -->u</ram:Other></rsm:SPSExchangedDocument></rsm:SPSCertificate>`))
	run := func(in []byte) want {
		w := want{in: in}
		doc, err := Unmarshal(in, nil)
		if err != nil {
			w.err = true
			return w
		}
		w.doc, _ = json.Marshal(doc)
		out, err := Marshal(doc.Certificate)
		if err != nil {
			t.Error(err)
		}
		w.out = out
		return w
	}
	wants := make([]want, len(inputs))
	for i, in := range inputs {
		wants[i] = run(in)
	}
	rounds := 6
	if raceEnabled {
		rounds = 2
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var kept []want
			for r := 0; r < rounds; r++ {
				for i := range inputs {
					k := (i + g + r) % len(inputs)
					kept = append(kept, run(inputs[k]))
				}
			}
			// Compare at the end, after the pools served many documents.
			for j, got := range kept {
				w := wants[(j%len(inputs)+g+j/len(inputs))%len(inputs)]
				if got.err != w.err || !bytes.Equal(got.doc, w.doc) || !bytes.Equal(got.out, w.out) {
					t.Errorf("goroutine %d, result %d differs from the one computed alone", g, j)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestPooledStateBounded: after a large document, a pooled decode state
// does not keep its large arrays.
func TestPooledStateBounded(t *testing.T) {
	big := []byte(spsHead + strings.Repeat(`<ram:X a="1">t&amp;</ram:X>`, 40000) + "</rsm:SPSCertificate>")
	st := getDecodeState()
	tr, err := parseDoc(st, string(big), nil, NSCertificate, "SPSCertificate")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.nodes) < 80000 || len(tr.attrs) < 40000 || len(tr.extra) < 40000 {
		t.Fatalf("tree has %d nodes, %d attributes, %d extra texts", len(tr.nodes), len(tr.attrs), len(tr.extra))
	}
	putDecodeState(st)
	if c := cap(st.t.nodes) + cap(st.t.attrs) + cap(st.t.kids) + cap(st.t.extra) + cap(st.t.scratch); c != 0 {
		t.Errorf("pooled state keeps %d slots", c)
	}
}
