package portal

import "testing"

// TestTemplatesParse: the page templates, parsed on first use rather than
// at init, parse (a mistake in them fails here, not at the first request).
func TestTemplatesParse(t *testing.T) {
	if n := len(tmpl().Templates()); n < 2 {
		t.Fatalf("%d templates", n)
	}
}
