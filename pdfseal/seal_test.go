package pdfseal

import (
	"os"
	"testing"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

func TestSealScratch(t *testing.T) {
	f := newSealFixture(t, testpki.Options{})
	out := sealBytes(t, sealTestPDF(1), f.signer(), SealOptions{})
	os.WriteFile("/tmp/s1.pdf", out, 0o644)
	f.requireValid(t, out, 1)
}
