package pdfseal

import (
	"os"
	"testing"

	"github.com/ecertkit/ecertkit/pdfseal/internal/render"
)

func FuzzParseFont(f *testing.F) {
	f.Add([]byte("\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"))
	f.Add([]byte("OTTO\x00\x00"))
	if b, err := os.ReadFile(latinFontPath); err == nil {
		f.Add(b[:min(len(b), 4096)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		font, err := ParseFont(data, 0)
		if err != nil {
			return
		}
		// A font that parses must subset without panicking.
		s := render.NewSubset(font.f)
		var d Document
		for _, r := range "Aa中1" {
			if g := font.f.GlyphIndex(&d.buf, r); g != 0 {
				s.Add(g, r)
			}
		}
		s.Build()
	})
}
