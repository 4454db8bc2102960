package pdfseal

import (
	"errors"
	"flag"
	"sync"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/render")

var (
	fontOnce sync.Once
	fontVal  *Font
	fontErr  error
)

// testFont loads the default CJK font once for all tests.
func testFont(t testing.TB) *Font {
	t.Helper()
	fontOnce.Do(func() {
		for _, p := range DefaultFontPaths() {
			if fontVal, fontErr = LoadFont(p); fontErr == nil {
				return
			}
		}
	})
	if fontVal == nil {
		testtool.Missing(t, "no CJK TrueType font (install fonts-wqy-zenhei): %v", fontErr)
	}
	return fontVal
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
