package pdfseal

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"testing"

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
