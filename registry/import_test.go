package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// failAfter returns the first n bytes of b, then err.
type failAfter struct {
	r   io.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

// goroutinesSettle waits until no more than n goroutines run.
func goroutinesSettle(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < 100 && runtime.NumGoroutine() > n; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > n {
		t.Errorf("%d goroutines left, want at most %d", g, n)
	}
}

// Import reads, prepares and writes in a pipeline: a read error after
// whole batches reports its line with those batches committed, a bad
// line stops the import at its batch, and cancelling stops it; no
// goroutine outlives Import.
func TestImportPipeline(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	if err := registrytest.WriteJSONL(&buf, 0, 2000); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	base := runtime.NumGoroutine()

	t.Run("read error", func(t *testing.T) {
		reg := memory.New(registry.Options{})
		in := &failAfter{r: bytes.NewReader(bytes.Join(lines[:1001], nil)), err: errors.New("disk gone")}
		st, err := reg.Import(ctx, in, registry.ImportOptions{BatchSize: 300, Workers: 3})
		var ie *registry.ImportError
		if !errors.As(err, &ie) || ie.Line != 1002 || !strings.Contains(err.Error(), "disk gone") {
			t.Fatalf("err = %v, want an ImportError at line 1002", err)
		}
		if st.Lines != 1001 || st.Certificates != 1000 {
			t.Errorf("stats %+v, want every line read before the error", st)
		}
	})
	t.Run("bad line", func(t *testing.T) {
		reg := memory.New(registry.Options{})
		in := bytes.Join(append(append(lines[:1500:1500], []byte("{\"number\": 5}\n")), lines[1500:]...), nil)
		st, err := reg.Import(ctx, bytes.NewReader(in), registry.ImportOptions{BatchSize: 400})
		var ie *registry.ImportError
		if !errors.As(err, &ie) || ie.Line != 1501 {
			t.Fatalf("err = %v, want an ImportError at line 1501", err)
		}
		if st.Lines != 1200 {
			t.Errorf("committed %d lines, want the 3 batches before the bad line's (1200)", st.Lines)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		reg := memory.New(registry.Options{})
		cctx, cancel := context.WithCancel(ctx)
		pr, pw := io.Pipe()
		go func() {
			pw.Write(bytes.Join(lines[:700], nil))
			cancel()
			// Keep the input coming (a Read cannot be interrupted) until
			// the import closes it: the import must stop without EOF.
			for i := 700; ; i = (i + 1) % len(lines) {
				if _, err := pw.Write(lines[i]); err != nil {
					return
				}
			}
		}()
		_, err := reg.Import(cctx, pr, registry.ImportOptions{BatchSize: 100})
		pr.Close()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	goroutinesSettle(t, base+1)
}
