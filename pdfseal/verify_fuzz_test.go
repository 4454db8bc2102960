package pdfseal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzVerify feeds Verify arbitrary bytes, seeded with real signed files
// (testdata/verify and the corpus in testdata/fuzz/FuzzVerify). It must
// never panic, must return a report unless the input is not a PDF, and
// must stay within its time bound.
func FuzzVerify(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "verify", "*.pdf"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	roots := interopRoots(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		rep, err := Verify(context.Background(), bytes.NewReader(data), int64(len(data)), VerifyOptions{Roots: roots, Time: interopTime, Timeout: 5 * time.Second})
		if err != nil {
			if rep != nil {
				t.Fatal("both a report and an error")
			}
			return
		}
		if rep.Indication == "" || rep.Explanation == "" {
			t.Fatalf("empty verdict: %+v", rep)
		}
		for _, s := range rep.Signatures {
			if s.Indication == "" {
				t.Fatalf("signature %q without a verdict", s.Field)
			}
			if s.Indication == TotalPassed && (!s.Intact || !s.Valid || !s.Trusted || !s.Changes.Permitted) {
				t.Fatalf("TOTAL-PASSED without intact/valid/trusted/permitted: %+v", s)
			}
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
