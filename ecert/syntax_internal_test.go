package ecert

import (
	"regexp"
	"testing"
)

// The syntax checks that replaced regular expressions (so that the package
// compiles none at start-up) accept exactly what the expressions did.
var syntaxChecks = []struct {
	name string
	re   *regexp.Regexp
	fn   func(string) bool
}{
	{"country", regexp.MustCompile(`^[A-Z]{2}$`), isCountry},
	{"decimal", regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`), isDecimal},
	{"unit", regexp.MustCompile(`^[A-Z0-9]{1,3}$`), isUnit},
	{"hs", regexp.MustCompile(`^[0-9]{4}([0-9]{2}){0,3}$`), isHSCode},
	{"ccc", regexp.MustCompile(`^[0-9]{16}$`), func(s string) bool { return CCCNumberFormat(s) == nil }},
}

func TestSyntaxChecksMatchRegexps(t *testing.T) {
	// Every string of up to 4 bytes over an alphabet that exercises each
	// class, plus longer ones.
	alpha := []byte{'0', '9', 'A', 'Z', 'a', '.', ' ', '\n', '-', 0xc3}
	var all []string
	var gen func(prefix []byte, n int)
	gen = func(prefix []byte, n int) {
		all = append(all, string(prefix))
		if n == 0 {
			return
		}
		for _, c := range alpha {
			gen(append(prefix, c), n-1)
		}
	}
	gen(nil, 4)
	all = append(all, "123456", "12345678", "1234567890", "123456789012", "12345", "1234567",
		"1234567890123456", "123456789012345", "12345678901234567", "1234567890123456\n", " 1234567890123456",
		"0.5", "10.25", "1.", ".5", "1..2", "1.2.3", "007", "KGM", "KGMS", "DE\n", "ÄB")
	for _, c := range syntaxChecks {
		for _, s := range all {
			if got, want := c.fn(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the regexp says %v", c.name, s, got, want)
			}
		}
	}
	if err := CCCNumberFormat("12"); err == nil || err.Error() != "does not match the body's number format (16 digits)" {
		t.Errorf("CCCNumberFormat error = %v", err)
	}
}

func FuzzSyntaxChecks(f *testing.F) {
	for _, s := range []string{"DE", "1.5", "KGM", "851712", "2024000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range syntaxChecks {
			if got, want := c.fn(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the regexp says %v", c.name, s, got, want)
			}
		}
	})
}
