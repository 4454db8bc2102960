package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemo runs "ecert demo" in-process on a free port, as a new user
// would: the portal answers, a sample number looks up as valid, a write
// without a token is refused, and Ctrl-C (the context) stops it cleanly.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--dir", t.TempDir(), "--addr", "127.0.0.1:0"}, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	}()
	re := regexp.MustCompile(`verification portal\s+(http://127\.0\.0\.1:\d+)/`)
	var base string
	deadline := time.Now().Add(3 * time.Minute)
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited %d before serving:\n%s%s", code, out.String(), errb.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start:\n%s%s", out.String(), errb.String())
		}
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, `action="/lookup"`) {
		t.Errorf("portal: %d %.200s", code, body)
	}
	if code, body := get("/lookup?lang=en&number=2024010703123456"); code != 200 || !strings.Contains(body, `id="status">valid<`) {
		t.Errorf("lookup: %d %.300s", code, body)
	}
	resp, err := http.Post(base+"/issuing/certificates/2024010703123456/suspend", "application/json", strings.NewReader(`{"reason":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("write without a token: %d, want 401", resp.StatusCode)
	}
	if !strings.Contains(out.String(), "curl -s "+base+"/certificates/2024010703123456") {
		t.Errorf("no curl line:\n%s", out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after Ctrl-C: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Error("demo did not stop")
	}
}
