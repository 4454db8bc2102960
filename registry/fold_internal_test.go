package registry

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func slowFold(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
}

// FuzzFold checks that the ASCII fast path of fold gives what the
// general path gives.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"", " ", "Holder 0000123 Manufacturing Co., Ltd.", "  A\tB\n\vC\f\rD  ", "ÄÖ ü", "e\u0301", "x\u00a0y", "x\u0085y", "ǅ", "İ", "\x7f~", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := fold(s), slowFold(s); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	})
}
