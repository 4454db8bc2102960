package pdfseal

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/internal/testtool"
	"github.com/ecertkit/ecertkit/signer/testpki"
)

// TestSealLarge seals a 200 MB PDF in a child process and reports its peak
// resident memory (VmHWM). It is slow and disk-hungry, so it runs only
// with ECERT_LARGE_TEST=1 (see BENCHMARKS.md):
//
//	ECERT_LARGE_TEST=1 go test ./pdfseal -run TestSealLarge -v
func TestSealLarge(t *testing.T) {
	if spec := os.Getenv("ECERT_LARGE_CHILD"); spec != "" {
		sealLargeChild(t, spec)
		return
	}
	if os.Getenv("ECERT_LARGE_TEST") != "1" {
		t.Skip("set ECERT_LARGE_TEST=1 to seal a 200 MB PDF and measure peak RSS")
	}
	size := int64(200 << 20)
	if s := os.Getenv("ECERT_LARGE_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		size = int64(n) << 20
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "big.pdf"), filepath.Join(dir, "big-sealed.pdf")
	f := newSealFixture(t, testpki.Options{})
	if err := f.pki.WriteFiles(filepath.Join(dir, "pki")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := writeBigPDF(in, size); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(in)
	t.Logf("generated %d MB PDF in %v", st.Size()>>20, time.Since(start).Round(time.Millisecond))

	cmd := exec.Command(os.Args[0], "-test.run=^TestSealLarge$", "-test.v")
	cmd.Env = append(os.Environ(), "ECERT_LARGE_CHILD="+in+"|"+out+"|"+filepath.Join(dir, "pki"))
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, res)
	}
	m := regexp.MustCompile(`LARGE: hwm_kb=(\d+) rss_before_kb=(\d+) seconds=([\d.]+) added=(\d+)`).FindStringSubmatch(string(res))
	if m == nil {
		t.Fatalf("child output:\n%s", res)
	}
	hwm, _ := strconv.ParseInt(m[1], 10, 64)
	t.Logf("sealed %d MB: peak RSS (VmHWM) %d MB (%d MB before sealing), %s s, %s bytes added", st.Size()>>20, hwm>>10, mustAtoi(m[2])>>10, m[3], m[4])
	if hwm<<10 > st.Size()/4 {
		t.Errorf("peak RSS %d MB is not well below the file size %d MB", hwm>>10, st.Size()>>20)
	}
	so, err := os.Stat(out)
	if err != nil || so.Size() != st.Size()+int64(mustAtoi(m[4])) {
		t.Fatalf("output: %v, size %d", err, so.Size())
	}
	if testtool.Need(t, "pdfsig") != nil {
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		f.requirePdfsigValid(t, data, 1)
	}
}

func mustAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

func sealLargeChild(t *testing.T, spec string) {
	parts := strings.Split(spec, "|")
	before := vmStatus("VmRSS")
	p, err := testpki.New(testpki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	st, _ := in.Stat()
	out, err := os.Create(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(out, 256<<10)
	start := time.Now()
	res, err := Seal(context.Background(), in, st.Size(), w, p.SealSigner(), SealOptions{Certify: 1, Visible: &Visible{X: 50, Y: 50, W: 100, H: 100, ShowSigner: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	fmt.Printf("LARGE: hwm_kb=%d rss_before_kb=%d seconds=%.2f added=%d\n", vmStatus("VmHWM"), before, time.Since(start).Seconds(), res.BytesAdded)
}

// vmStatus reads a kB field of /proc/self/status.
func vmStatus(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return -1
}

// writeBigPDF writes a valid one-page PDF of about size bytes: the page
// draws an image XObject whose (uncompressed, pseudo-random) samples make
// up the bulk.
func writeBigPDF(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var off int64
	var offs []int64
	wr := func(s string) { n, _ := w.WriteString(s); off += int64(n) }
	obj := func(body string) {
		offs = append(offs, off)
		wr(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offs), body))
	}
	wr("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >> >>")
	content := "q 400 0 0 400 100 300 cm /Im0 Do Q BT ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	// Image: RGB, width 4096, height to reach size.
	const width = 4096
	height := size / (width * 3)
	n := height * width * 3
	offs = append(offs, off)
	wr(fmt.Sprintf("5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n", width, height, n))
	rng := rand.NewChaCha8([32]byte{1})
	buf := make([]byte, 1<<20)
	for left := n; left > 0; {
		k := min(left, int64(len(buf)))
		rng.Read(buf[:k])
		w.Write(buf[:k])
		off += k
		left -= k
	}
	wr("\nendstream\nendobj\n")
	x := off
	wr(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1))
	for _, o := range offs {
		wr(fmt.Sprintf("%010d 00000 n\r\n", o))
	}
	wr(fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x))
	return w.Flush()
}
