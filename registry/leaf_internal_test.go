package registry

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// FuzzEncodeLeaf checks that encodeLeaf writes json.Marshal's bytes.
func FuzzEncodeLeaf(f *testing.F) {
	f.Add("certificate", "issue", "2024000000000001", 1, true, "valid", "CNCA-R-2002-001", "", int64(1700000000123456), "", "")
	f.Add("body", "register", "", 0, false, "active", "B-1", "ab", int64(0), "<b>&\"", "é\u2028\x00")
	f.Add("certificate", "revoke", "n", -3, true, "revoked", "", "", int64(-62135596800000000), "r", "\x7f\xff")
	f.Add("certificate", "modify", "n", 2, true, "valid", "b", "", int64(253402300800000000), "", "")
	f.Fuzz(func(t *testing.T, kind, typ, number string, version int, digest bool, status, body, spki string, us int64, reason, actor string) {
		ev := Event{Kind: kind, Type: typ, Number: number, Version: version, Status: status, Body: body, SPKI: spki,
			Time: time.UnixMicro(us).UTC(), Reason: reason, Actor: actor}
		if digest {
			ev.Digest = ecert.Digest{1, 2, 3, byte(version)}
		}
		for _, at := range []time.Time{ev.Time, ev.Time.Local(), ev.Time.In(time.FixedZone("X", 3600))} {
			ev.Time = at
			got, gerr := encodeLeaf(&ev)
			want, werr := json.Marshal(&ev)
			if (gerr == nil) != (werr == nil) || !bytes.Equal(got, want) {
				t.Fatalf("encodeLeaf = %s, %v; json.Marshal = %s, %v", got, gerr, want, werr)
			}
		}
	})
}
