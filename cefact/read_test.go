package cefact

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadString: the pooled reader of Decode reads exactly up to the limit
// whatever the reader's chunk sizes, and passes read errors on.
func TestReadString(t *testing.T) {
	data := strings.Repeat("0123456789", 5000) // larger than the first buffer
	for _, max := range []int64{1, 9999, 50000, 50001, 1 << 20} {
		for name, r := range map[string]func() io.Reader{
			"whole":   func() io.Reader { return strings.NewReader(data) },
			"onebyte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(data)) },
			"half":    func() io.Reader { return iotest.HalfReader(strings.NewReader(data)) },
		} {
			s, err := readString(r(), max)
			if int64(len(data)) > max {
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("%s max %d: err %v, want ErrTooLarge", name, max, err)
				}
				continue
			}
			if err != nil || s != data {
				t.Errorf("%s max %d: %d bytes, err %v; want the %d bytes", name, max, len(s), err, len(data))
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readString(io.MultiReader(strings.NewReader("<a>"), iotest.ErrReader(boom)), 100); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	// Decode gives the same document as Unmarshal.
	data2, err := Marshal(readSample(t, "../testdata/good_sps_phyto.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Decode(iotest.OneByteReader(bytes.NewReader(data2)), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Unmarshal(data2, nil)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := Marshal(a.Certificate)
	jb, _ := Marshal(b.Certificate)
	if !bytes.Equal(ja, jb) {
		t.Error("Decode and Unmarshal differ")
	}
}
