package pdfseal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// appendUpdate appends an incremental update with the given objects (raw
// PDF syntax after "n 0 obj") and a classic xref section to a file whose
// catalog is object 1. extraTrailer is added to the trailer dictionary;
// prev overrides /Prev when >= 0.
func appendUpdate(base []byte, objs map[int]string, extraTrailer string, prev int64) []byte {
	b := bytes.NewBuffer(bytes.Clone(base))
	if !bytes.HasSuffix(base, []byte("\n")) {
		b.WriteByte('\n')
	}
	nums := make([]int, 0, len(objs))
	maxNum := 0
	for n := range objs {
		nums = append(nums, n)
		maxNum = max(maxNum, n)
	}
	offs := map[int]int{}
	for _, n := range sortedInts(nums) {
		offs[n] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	if prev < 0 {
		m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(base)
		prev, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	x := b.Len()
	b.WriteString("xref\n")
	for _, n := range sortedInts(nums) {
		fmt.Fprintf(b, "%d 1\n%010d 00000 n \n", n, offs[n])
	}
	size := max(maxNum+1, 64)
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R /Prev %d %s >>\nstartxref\n%d\n%%%%EOF\n", size, prev, extraTrailer, x)
	return b.Bytes()
}

func sortedInts(a []int) []int {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
	return a
}

// measureVerify verifies and returns the report, the bytes allocated and the
// time taken.
func measureVerify(t *testing.T, r io.ReaderAt, size int64, opts VerifyOptions) (*Report, uint64, time.Duration) {
	t.Helper()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	rep, err := Verify(context.Background(), r, size, opts)
	d := time.Since(start)
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep, m1.TotalAlloc - m0.TotalAlloc, d
}

// hugeFile is a file of size bytes: head, then filler, then tail, without
// holding the filler in memory.
type hugeFile struct {
	head, tail []byte
	filler     byte
	size       int64
}

func (h *hugeFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= h.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < h.size {
		o := off + int64(n)
		switch {
		case o < int64(len(h.head)):
			p[n] = h.head[o]
		case o >= h.size-int64(len(h.tail)):
			p[n] = h.tail[o-(h.size-int64(len(h.tail)))]
		default:
			p[n] = h.filler
		}
		n++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestVerifyHostile: hostile inputs end in a report, quickly and without
// allocating what they claim.
func TestVerifyHostile(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "verify", "good_pyhanko_certified_p2.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	roots := interopRoots(t)
	opts := VerifyOptions{Roots: roots, Time: interopTime}
	deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	tests := []struct {
		name string
		data []byte
		says string
	}{
		{"stream /Length 2^40", appendUpdate(base, map[int]string{4: "<< /Length 1099511627776 >>\nstream\nBT ET\nendstream"}, "", -1), "content stream (object 4) was changed"},
		{"xref /Prev loop", appendUpdate(base, map[int]string{4: "<< /Length 5 >>\nstream\nBT ET\nendstream"}, "", int64(len(base)+58)), "cannot be read"},
		{"10,000-deep nesting in an update", appendUpdate(base, map[int]string{4: deep}, "", -1), "content stream (object 4)"},
		{"10,000-deep nesting in the trailer", appendUpdate(base, map[int]string{11: "null"}, "/X "+deep, -1), ""},
		{"signature dictionary redefined with a huge /Contents claim", appendUpdate(base, map[int]string{9: "<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 1241 104859241 744] /Contents <00> >>"}, "", -1), ""},
		{"Kids cycle in the page tree", appendUpdate(base, map[int]string{2: "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>"}, "", -1), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, alloc, d := measureVerify(t, bytes.NewReader(tc.data), int64(len(tc.data)), opts)
			t.Logf("%s/%s in %v, %d KB allocated: %s", rep.Indication, rep.SubIndication, d, alloc>>10, rep.Explanation)
			if rep.Indication != TotalFailed {
				t.Errorf("got %s/%s, want TOTAL-FAILED\n%s", rep.Indication, rep.SubIndication, summary(rep))
			}
			if !strings.Contains(rep.Explanation, tc.says) {
				t.Errorf("explanation %q does not say %q", rep.Explanation, tc.says)
			}
			if alloc > 32<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			if d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestVerifyHugeContents: a signature whose /ByteRange gap (its
// /Contents) is 100 MB is refused without reading it.
func TestVerifyHugeContents(t *testing.T) {
	const gap = 100 << 20
	head := []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" +
		"3 0 obj\n<< /FT /Sig /T (S) /V 4 0 R >>\nendobj\n")
	sigStart := len(head)
	head = append(head, "4 0 obj\n<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 XXXXXXXXXX YYYYYYYYYY 0000000100] /Contents <"...)
	b := len(head) - 1
	c := int64(b) + gap + 2
	tailBody := "> >>\nendobj\n"
	xrefAt := c - 1 + int64(len(tailBody))
	tail := fmt.Sprintf("%sxref\n0 5\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		tailBody, 9, bytes.Index(head, []byte("2 0 obj")), bytes.Index(head, []byte("3 0 obj")), sigStart, xrefAt)
	size := c - 1 + int64(len(tail))
	head = bytes.Replace(head, []byte("XXXXXXXXXX"), []byte(fmt.Sprintf("%010d", b)), 1)
	head = bytes.Replace(head, []byte("YYYYYYYYYY"), []byte(fmt.Sprintf("%010d", c)), 1)
	head = bytes.Replace(head, []byte("0000000100"), []byte(fmt.Sprintf("%010d", size-c)), 1)
	f := &hugeFile{head: head, tail: []byte(tail), filler: '0', size: size}
	rep, alloc, d := measureVerify(t, f, size, VerifyOptions{Time: interopTime})
	t.Logf("%s/%s in %v, %d MB allocated: %s", rep.Indication, rep.SubIndication, d, alloc>>20, rep.Explanation)
	if rep.Indication != TotalFailed || !strings.Contains(rep.Explanation, "longer than") {
		t.Errorf("got %s/%s %s", rep.Indication, rep.SubIndication, rep.Explanation)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d MB for a 100 MB claim", alloc>>20)
	}
}

// TestVerifyTimeout: past VerifyOptions.Timeout the verdict is
// INDETERMINATE / TRY_LATER.
func TestVerifyTimeout(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "verify", "good_certified_dss.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: interopRoots(t), Time: interopTime, Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != Indeterminate || rep.SubIndication != TryLater {
		t.Errorf("got %s/%s", rep.Indication, rep.SubIndication)
	}
}

// TestVerifyManyRevisions: the time bound holds for a file with the
// maximum number of revisions, each changing something.
func TestVerifyManyRevisions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "verify", "good_pyhanko_certified_p2.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 250; i++ {
		b = appendUpdate(b, map[int]string{20 + i: fmt.Sprintf("<< /N %d >>", i), 10: fmt.Sprintf("<< /Producer (update %d) >>", i)}, "/Info 10 0 R", -1)
	}
	rep, alloc, d := measureVerify(t, bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: interopRoots(t), Time: interopTime})
	t.Logf("%d revisions: %s in %v, %d MB allocated", rep.Revisions, rep.Indication, d, alloc>>20)
	if rep.Indication != TotalPassed || rep.Revisions != 252 {
		t.Errorf("got %s with %d revisions\n%s", rep.Indication, rep.Revisions, summary(rep))
	}
	if d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestVerifyTimeoutWhileHashing: the time bound holds inside the hashing
// of a huge signed range (200 MB here): the verdict is TRY_LATER.
func TestVerifyTimeoutWhileHashing(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "verify", "good_pyhanko_approval.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	// A real CMS signature, placed over a file it does not sign.
	i := bytes.Index(good, []byte("/Contents <")) + len("/Contents <")
	j := bytes.IndexByte(good[i:], '>')
	hexCMS := string(good[i : i+j])
	const filler = 200 << 20
	var h bytes.Buffer
	h.WriteString("%PDF-1.7\n")
	offs := []int{}
	obj := func(s string) { offs = append(offs, h.Len()); fmt.Fprintf(&h, "%d 0 obj\n%s\nendobj\n", len(offs), s) }
	obj("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>")
	obj("<< /Type /Pages /Kids [] /Count 0 >>")
	obj("<< /FT /Sig /T (S) /V 4 0 R >>")
	offs = append(offs, h.Len())
	h.WriteString("4 0 obj\n<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 BBBBBBBBBB CCCCCCCCCC DDDDDDDDDD] /Contents <")
	b := h.Len() - 1
	h.WriteString(hexCMS + "> >>\nendobj\n")
	c := b + len(hexCMS) + 2
	tail := fmt.Sprintf("xref\n0 5\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		offs[0], offs[1], offs[2], offs[3], h.Len()+filler)
	size := int64(h.Len() + filler + len(tail))
	head := h.Bytes()
	head = bytes.Replace(head, []byte("BBBBBBBBBB"), []byte(fmt.Sprintf("%010d", b)), 1)
	head = bytes.Replace(head, []byte("CCCCCCCCCC"), []byte(fmt.Sprintf("%010d", c)), 1)
	head = bytes.Replace(head, []byte("DDDDDDDDDD"), []byte(fmt.Sprintf("%010d", size-int64(c))), 1)
	f := &hugeFile{head: head, tail: []byte(tail), filler: ' ', size: size}
	start := time.Now()
	rep, err := Verify(context.Background(), f, size, VerifyOptions{Time: interopTime, Timeout: 300 * time.Millisecond})
	d := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s/%s in %v: %s", rep.Indication, rep.SubIndication, d, rep.Explanation)
	if rep.Indication != Indeterminate || rep.SubIndication != TryLater {
		t.Errorf("got %s/%s\n%s", rep.Indication, rep.SubIndication, summary(rep))
	}
	if d > 2*time.Second {
		t.Errorf("took %v with a 300 ms time limit", d)
	}
}
