package certgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
)

// WriteJSONL's templates write what encoding/json writes for Cert(i).
func TestWriteJSONLMatchesEncodingJSON(t *testing.T) {
	for _, from := range []int{0, 364, 99_999, 2_999_000, 123_456_789_012} {
		var got, want bytes.Buffer
		if err := WriteJSONL(&got, from, 800); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if from == 0 {
			enc.Encode(map[string]any{"body": Body()})
		}
		for i := from; i < from+800; i++ {
			enc.Encode(Cert(i))
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := bufio.NewScanner(&got), bufio.NewScanner(&want)
			for g.Scan() && w.Scan() {
				if g.Text() != w.Text() {
					t.Fatalf("from %d:\n got %s\nwant %s", from, g.Text(), w.Text())
				}
			}
			t.Fatalf("from %d: outputs differ in length", from)
		}
	}
}

func BenchmarkWriteJSONL(b *testing.B) {
	for i := 0; i < b.N; i++ {
		WriteJSONL(discard{}, 1, 20000)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
