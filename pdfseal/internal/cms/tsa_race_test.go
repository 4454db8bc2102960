package cms

import (
	"crypto"
	"crypto/sha256"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/ecertkit/ecertkit/signer/testpki"
)

// Concurrent parses of timestamp responses must not race: the race
// detector fails this test without parseMu.
func TestParseTSResponseConcurrent(t *testing.T) {
	p := testpki.MustNew(testpki.Options{})
	sum := sha256.Sum256([]byte("data"))
	ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Time: time.Now(),
		Policy: []int{1, 2, 3}, SerialNumber: big.NewInt(1), AddTSACertificate: true}
	resp, err := ts.CreateResponseWithOpts(p.TSA, p.TSAKey, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if _, err := parseTSResponse(resp); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
