package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/registrytest"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

const childEnv = "ECERT_SQLITE_KILL9_CHILD"

// TestKill9Child is the child of TestKill9: it writes acknowledged
// changes until it is killed, printing one line per acknowledgement.
func TestKill9Child(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by TestKill9")
	}
	ctx := context.Background()
	reg, err := sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if _, err := reg.RegisterBody(ctx, registrytest.GenBody(), registry.Change{}); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		rc, err := reg.Issue(ctx, registrytest.Gen(i), registry.Change{Actor: "child"})
		if err != nil {
			fmt.Fprintln(w, "error", err)
			w.Flush()
			os.Exit(1)
		}
		fmt.Fprintf(w, "issue %s %d\n", rc.Event.Number, rc.Event.Index)
		if i%3 == 2 {
			rc, err = reg.Suspend(ctx, registrytest.GenNumber(i-1), registry.Change{Reason: "kill test"})
			if err != nil {
				fmt.Fprintln(w, "error", err)
				w.Flush()
				os.Exit(1)
			}
			fmt.Fprintf(w, "suspend %s %d\n", rc.Event.Number, rc.Event.Index)
		}
		w.Flush() // the acknowledgement leaves the process only after the commit
	}
}

// TestKill9 kills a writer with SIGKILL in the middle of a stream of
// acknowledged writes, reopens the file, and checks that every
// acknowledged write is there, the log verifies and no event is half
// written.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type ack struct {
		op, number string
		index      uint64
	}
	var acks []ack
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(60 * time.Second)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && (f[0] == "issue" || f[0] == "suspend") {
			idx, _ := strconv.ParseUint(f[2], 10, 64)
			acks = append(acks, ack{f[0], f[1], idx})
		} else if len(f) > 0 && f[0] == "error" {
			t.Fatalf("child: %s", sc.Text())
		}
		if len(acks) >= 300 || time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to flush or close
		t.Fatal(err)
	}
	// Read what the child acknowledged while we were killing it.
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 {
			idx, _ := strconv.ParseUint(f[2], 10, 64)
			acks = append(acks, ack{f[0], f[1], idx})
		}
	}
	cmd.Wait()
	if len(acks) < 100 {
		t.Fatalf("only %d acknowledgements before the kill", len(acks))
	}

	ctx := context.Background()
	reg, err := sqlite.Open(ctx, path, registry.Options{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer reg.Close()
	cp, err := reg.VerifyLog(ctx)
	if err != nil {
		t.Fatalf("log after kill -9: %v", err)
	}
	suspended := map[string]bool{}
	for _, a := range acks {
		if a.index >= cp.Size {
			t.Errorf("acknowledged %s %s at log index %d, but the log has %d entries", a.op, a.number, a.index, cp.Size)
		}
		if a.op == "suspend" {
			suspended[a.number] = true
		}
	}
	for _, a := range acks {
		rec, err := reg.Get(ctx, a.number)
		if err != nil {
			t.Errorf("acknowledged %s %s is lost: %v", a.op, a.number, err)
			continue
		}
		if suspended[a.number] && rec.Status != ecert.StatusSuspended {
			t.Errorf("acknowledged suspension of %s is lost: status %s", a.number, rec.Status)
		}
	}
	// No half-written event: every log entry's change is in the tables,
	// and every certificate's revision counts its events.
	es, err := reg.LogEntries(ctx, 0, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	perNumber := map[string]int{}
	for _, e := range es[1:] {
		perNumber[e.Event.Number]++
		if _, err := reg.GetVersion(ctx, e.Event.Number, e.Event.Version); err != nil {
			t.Errorf("log entry %d (%s %s) has no certificate version: %v", e.Index, e.Event.Type, e.Event.Number, err)
		}
	}
	for n, count := range perNumber {
		rec, err := reg.Get(ctx, n)
		if err != nil || rec.Revision != count {
			t.Errorf("%s: revision %v, log has %d events (%v)", n, rec, count, err)
		}
	}
	t.Logf("%d acknowledged writes before kill -9, %d log entries after reopening", len(acks), cp.Size)
}
