package pdfseal

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// countWriter counts bytes and discards them.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func benchRender(b *testing.B, c *ecert.Certificate, opts RenderOptions) {
	b.Helper()
	opts.Fonts = []*Font{testFont(b)}
	b.ReportAllocs()
	var size int64
	for b.Loop() {
		w := &countWriter{}
		if err := Render(context.Background(), c, w, opts); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}

// BenchmarkRender: a one-page certificate.
func BenchmarkRender(b *testing.B) {
	benchRender(b, loadCert(b, "good_sps_phyto.json"), RenderOptions{})
}

// BenchmarkRenderAnnex300: the CCC sample, 300 models on 8 annex pages.
func BenchmarkRenderAnnex300(b *testing.B) {
	benchRender(b, loadCert(b, "good_ccc.json"), RenderOptions{})
}

// BenchmarkRenderDefaultFont: one page, the font read from its file each
// time (no LoadFont), as a one-off CLI run does.
func BenchmarkRenderDefaultFont(b *testing.B) {
	c := loadCert(b, "good_sps_phyto.json")
	testFont(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(context.Background(), c, io.Discard, RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealAppearance: the vector seal artwork.
func BenchmarkSealAppearance(b *testing.B) {
	body := ecert.Body{Name: ecert.Text{"zh": "中国质量认证中心"}}
	opts := SealArtOptions{Font: testFont(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SealAppearance(body, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// hugeCert is the CCC sample with n models.
func hugeCert(b testing.TB, n int) *ecert.Certificate {
	c := loadCert(b, "good_ccc.json")
	p := c.Products[0]
	p.Models = make([]ecert.Model, n)
	for i := range p.Models {
		p.Models[i] = ecert.Model{Code: fmt.Sprintf("KFR-%06d/BP3DN8Y", i)}
	}
	c.Products = []ecert.Product{p}
	return c
}

// BenchmarkRender100kModels: an absurd annex of 100,000 models. Pages are
// written as they are finished, so the heap stays bounded: peak-heap-MB
// is the largest live heap seen while rendering (sampled every 2 ms),
// against the certificate itself which is already in memory.
func BenchmarkRender100kModels(b *testing.B) {
	c := hugeCert(b, 100_000)
	font := testFont(b)
	runtime.GC()
	base := liveHeap()
	b.ReportAllocs()
	var peak atomic.Uint64
	var size int64
	for b.Loop() {
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(2 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					if h := liveHeap(); h > peak.Load() {
						peak.Store(h)
					}
				}
			}
		}()
		w := &countWriter{}
		err := Render(context.Background(), c, w, RenderOptions{Fonts: []*Font{font}})
		close(done)
		if err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size), "pdf-bytes")
	b.ReportMetric(float64(1+annexPages(100_000)), "pages")
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base))/(1<<20), "peak-heap-MB")
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
