package xmlsig

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/ecertkit/ecertkit/cefact"
	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// BenchmarkSignVerify signs and verifies the SPS phytosanitary sample.
func BenchmarkSignVerify(b *testing.B) {
	for _, kt := range []testpki.KeyType{testpki.RSA2048, testpki.ECDSAP256} {
		p := testpki.MustNew(testpki.Options{SealKey: kt})
		data, _ := cefact.Marshal(readSample(b, testtool.Testdata("good_sps_phyto.json")))
		var signed bytes.Buffer
		if err := Sign(context.Background(), &signed, bytes.NewReader(data), p.SealSigner(), nil); err != nil {
			b.Fatal(err)
		}
		b.Run("sign/"+kt.String(), func(b *testing.B) {
			b.ReportAllocs()
			s := p.SealSigner()
			for b.Loop() {
				if err := Sign(context.Background(), io.Discard, bytes.NewReader(data), s, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("verify/"+kt.String(), func(b *testing.B) {
			b.ReportAllocs()
			opts := &VerifyOptions{Roots: p.Roots()}
			for b.Loop() {
				if _, err := Verify(bytes.NewReader(signed.Bytes()), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
