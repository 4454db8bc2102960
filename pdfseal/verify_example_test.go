package pdfseal_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ecertkit/ecertkit/pdfseal"
)

// Verify a sealed PDF against a trust root at a fixed time and print the
// bottom line and each signature's finding.
func ExampleVerify() {
	f, err := os.Open("testdata/verify/fail_shadow_replace_font.pdf")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	st, _ := f.Stat()
	roots, err := pdfseal.LoadRoots("testdata/verify/test-root.crt")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := pdfseal.Verify(context.Background(), f, st.Size(), pdfseal.VerifyOptions{
		Roots: roots,
		Time:  time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println("unreadable:", err)
		return
	}
	for _, s := range rep.Signatures {
		fmt.Printf("%s %q: intact=%v valid=%v trusted=%v, changed after: %s (permitted: %v)\n",
			s.Kind, s.Field, s.Intact, s.Valid, s.Trusted, s.Changes.Class, s.Changes.Permitted)
	}
	fmt.Println(rep.Indication, rep.SubIndication)
	fmt.Println(rep.Explanation)
	// Output:
	// certification signature "Seal": intact=true valid=true trusted=true, changed after: other (permitted: false)
	// TOTAL-FAILED FORMAT_FAILURE
	// certification signature "Seal": the document was changed after signing in a way this signature does not allow: revision 3: page 1: font /F1 (object 5) was changed
}
