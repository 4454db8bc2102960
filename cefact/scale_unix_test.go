//go:build unix

package cefact

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestManyUnmapped: tens of thousands of unknown elements decode and
// encode back in linear time (no quadratic insertion). CPU time, not wall
// time, so that a busy machine does not fail it.
func TestManyUnmapped(t *testing.T) {
	n := 30000
	if raceEnabled {
		n = 10000
	}
	var b strings.Builder
	b.WriteString(spsHead + "<rsm:SPSExchangedDocument><ram:ID>X</ram:ID>")
	for i := 0; i < n; i++ {
		b.WriteString("<ram:IncludedSPSNote><ram:Subject>S</ram:Subject><ram:Content>c</ram:Content></ram:IncludedSPSNote>")
	}
	b.WriteString("</rsm:SPSExchangedDocument></rsm:SPSCertificate>")
	start := cpuTime()
	doc, err := Unmarshal([]byte(b.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Unmapped) != 2*n {
		t.Fatalf("%d unmapped, want %d", len(doc.Unmapped), 2*n)
	}
	out, err := Marshal(doc.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(out), "<ram:Subject>S</ram:Subject>"); got != n {
		t.Errorf("%d notes written back, want %d", got, n)
	}
	limit := 8 * time.Second
	if raceEnabled {
		limit *= 4
	}
	if d := cpuTime() - start; d > limit {
		t.Errorf("took %v of CPU", d)
	}
	t.Logf("%d unmapped elements: %v of CPU", n, cpuTime()-start)
}
