package bench

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// fixture is the same input for every library: the ISO 9001 sample
// certificate rendered without its printed seal (one page, ~48 KB), the
// test PKI's RSA-2048 seal key, and a 200x200 PNG seal image.
type fixture struct {
	pdf  []byte
	pki  *testpki.PKI
	png  []byte
	cert *ecert.Certificate
}

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func newFixture(b *testing.B) *fixture {
	b.Helper()
	f, err := os.Open(filepath.Join(root(), "testdata", "good_iso9001.json"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	c, err := ecert.Decode(f)
	if err != nil {
		b.Fatal(err)
	}
	var doc bytes.Buffer
	if err := pdfseal.Render(context.Background(), c, &doc, pdfseal.RenderOptions{NoSeal: true}); err != nil {
		b.Fatal(err)
	}
	return &fixture{pdf: doc.Bytes(), pki: testpki.MustNew(testpki.Options{}), png: sealPNG(), cert: c}
}

// sealPNG draws a red ring on transparent ground, like a seal scan.
func sealPNG() []byte {
	const n = 200
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			d := math.Hypot(float64(x-n/2), float64(y-n/2))
			if d < 95 && (d > 80 || (x+y)%7 == 0) {
				img.Set(x, y, color.NRGBA{208, 28, 31, 255})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// cpuTime is the process's user+system CPU time: under a loaded machine
// it measures the work done, where ns/op also counts waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// Where both libraries put the visible seal (page 1, points).
const sx, sy, sw, sh = 400.0, 60.0, 120.0, 120.0

func BenchmarkSeal(b *testing.B) {
	f := newFixture(b)
	s := f.pki.SealSigner()
	size := int64(len(f.pdf))
	imgApp, err := pdfseal.ImageAppearance(bytes.NewReader(f.png))
	if err != nil {
		b.Fatal(err)
	}
	vecApp, err := pdfseal.SealAppearance(f.cert.IssuingBody, pdfseal.SealArtOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ecertkit := func(b *testing.B, opts pdfseal.SealOptions) {
		b.ReportAllocs()
		var added int64
		c0 := cpuTime()
		for b.Loop() {
			var w counter
			if _, err := pdfseal.Seal(context.Background(), bytes.NewReader(f.pdf), size, &w, s, opts); err != nil {
				b.Fatal(err)
			}
			added = w.n - size
		}
		b.ReportMetric(float64(added), "bytes-added/op")
		b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	}
	pdfsign := func(b *testing.B, app sign.Appearance) {
		b.ReportAllocs()
		var added int64
		c0 := cpuTime()
		for b.Loop() {
			var w counter
			in := bytes.NewReader(f.pdf)
			rdr, err := pdf.NewReader(in, size)
			if err != nil {
				b.Fatal(err)
			}
			err = sign.Sign(in, &w, rdr, size, sign.SignData{
				Signature: sign.SignDataSignature{
					Info:     sign.SignDataSignatureInfo{Name: "Seal", Reason: "Certificate issued", Date: time.Now()},
					CertType: sign.ApprovalSignature,
				},
				Signer:            s,
				DigestAlgorithm:   crypto.SHA256,
				Certificate:       f.pki.Seal,
				CertificateChains: [][]*x509.Certificate{f.pki.SealChain()},
				Appearance:        app,
			})
			if err != nil {
				b.Fatal(err)
			}
			added = w.n - size
		}
		b.ReportMetric(float64(added), "bytes-added/op")
		b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	}
	// The floor: the RSA-2048 private-key operation that every seal makes.
	b.Run("rsa2048-sign-only", func(b *testing.B) {
		b.ReportAllocs()
		d := crypto.SHA256.New().Sum(nil)
		c0 := cpuTime()
		for b.Loop() {
			if _, err := s.Sign(rand.Reader, d, crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	})
	b.Run("invisible/ecertkit", func(b *testing.B) { ecertkit(b, pdfseal.SealOptions{Reason: "Certificate issued"}) })
	b.Run("invisible/pdfsign", func(b *testing.B) { pdfsign(b, sign.Appearance{}) })
	b.Run("visible-png/ecertkit", func(b *testing.B) {
		ecertkit(b, pdfseal.SealOptions{Reason: "Certificate issued", Visible: &pdfseal.Visible{Page: 1, X: sx, Y: sy, W: sw, H: sh, Appearance: imgApp}})
	})
	b.Run("visible-png/pdfsign", func(b *testing.B) {
		pdfsign(b, sign.Appearance{Visible: true, Page: 1, LowerLeftX: sx, LowerLeftY: sy, UpperRightX: sx + sw, UpperRightY: sy + sh, Image: f.png})
	})
	// ecertkit only: the vector seal as a visible certification signature
	// (pdfsign refuses visible certification signatures).
	b.Run("visible-vector-certify/ecertkit", func(b *testing.B) {
		ecertkit(b, pdfseal.SealOptions{Certify: 1, Visible: &pdfseal.Visible{Page: 1, X: sx, Y: sy, W: sw, H: sh, Appearance: vecApp}})
	})
}

var _ io.Writer = (*counter)(nil)
