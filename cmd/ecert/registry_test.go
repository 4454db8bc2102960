package main

import (
	"bufio"
	"encoding/json"
	"github.com/ecertkit/ecertkit/registry/postgres/pgtest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// writeJSONL writes a body line, n generated certificates, version 2 of
// the first, and the second as suspended.
func writeJSONL(t *testing.T, path string, n int) (*ecert.Certificate, *ecert.Certificate) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.Encode(map[string]any{"body": registrytest.GenBody()})
	for i := 0; i < n; i++ {
		c := registrytest.Gen(i)
		if i == 1 {
			c.Status = ecert.StatusSuspended
			c.StatusReason = ecert.Text{"en": "factory inspection failed"}
		}
		enc.Encode(c)
	}
	v1 := registrytest.Gen(0)
	v2 := v1.NewVersion()
	v2.Remarks = ecert.Text{"en": "address corrected"}
	enc.Encode(v2)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return v1, v2
}

func TestRegistryCommands(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "certs.jsonl")
	v1, v2 := writeJSONL(t, jsonl, 250)
	db := "sqlite:" + filepath.Join(dir, "reg.db")

	code, out, errs := runMain(t, "", "registry", "import", "--db", db, "--progress", "always", "--batch", "100", jsonl)
	if code != exitOK || !strings.Contains(out, "imported 252 lines: 251 certificate versions, 1 bodies") || !strings.Contains(errs, "100%") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errs)
	}

	code, out, errs = runMain(t, "", "registry", "get", "--db", db, v1.Number)
	if code != exitOK || !strings.Contains(errs, "version 2 of 2: valid") {
		t.Fatalf("get: exit %d %s", code, errs)
	}
	got, err := ecert.Unmarshal([]byte(out))
	if err != nil || got.Version != 2 || got.Remarks.In("en") != "address corrected" {
		t.Errorf("get printed %v %v", got, err)
	}
	if code, out, errs = runMain(t, "", "registry", "get", "--db", db, "--version", "1", v1.Number); code != exitOK || !strings.Contains(errs, "superseded") {
		t.Errorf("get --version 1: exit %d %s", code, errs)
	}
	if code, _, errs = runMain(t, "", "registry", "get", "--db", db, "0000"); code != exitNo || !strings.Contains(errs, "not found") {
		t.Errorf("get unknown: exit %d %s", code, errs)
	}

	code, out, _ = runMain(t, "", "registry", "history", "--db", db, v1.Number)
	if code != exitOK || !strings.Contains(out, "issue") || !strings.Contains(out, "modify") || !strings.Contains(out, "version 1  superseded") {
		t.Errorf("history: exit %d\n%s", code, out)
	}
	code, out, _ = runMain(t, "", "registry", "history", "--db", db, "--json", registrytest.GenNumber(1))
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != exitOK || len(lines) != 2 || !strings.Contains(lines[1], `"type":"suspend"`) || !strings.Contains(lines[1], "factory inspection failed") {
		t.Errorf("history --json: exit %d\n%s", code, out)
	}

	d1, _ := v1.Digest()
	d2, _ := v2.Digest()
	checks := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{v1.Number, d2.String()}, exitOK, "OK: current version 2"},
		{[]string{v1.Number, d1.String()}, exitNo, "superseded by version 2"},
		{[]string{registrytest.GenNumber(1), mustDigest(t, registrytest.Gen(1))}, exitNo, "is suspended"},
		{[]string{registrytest.GenNumber(2), mustDigest(t, registrytest.Gen(3))}, exitNo, "not the digest of any version"},
		{[]string{"unknown", d1.String()}, exitNo, ""},
		{[]string{v1.Number, "junk"}, exitUsage, ""},
	}
	for _, c := range checks {
		code, out, errs := runMain(t, "", append([]string{"registry", "check", "--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.out) {
			t.Errorf("check %v: exit %d, want %d\n%s%s", c.args, code, c.code, out, errs)
		}
	}
	// check with a certificate file.
	f := filepath.Join(dir, "v2.json")
	fh, _ := os.Create(f)
	v2.Encode(fh)
	fh.Close()
	if code, out, _ := runMain(t, "", "registry", "check", "--db", db, v1.Number, f); code != exitOK {
		t.Errorf("check FILE.json: exit %d %s", code, out)
	}

	if code, out, _ := runMain(t, "", "registry", "suspend", "--db", db, "--reason", "test", v1.Number); code != exitOK || !strings.Contains(out, "suspended") {
		t.Errorf("suspend: exit %d %s", code, out)
	}
	if code, out, _ := runMain(t, "", "registry", "check", "--db", db, v1.Number, d2.String()); code != exitNo || !strings.Contains(out, "suspended") {
		t.Errorf("check after suspend: exit %d %s", code, out)
	}
	if code, _, errs := runMain(t, "", "registry", "suspend", "--db", db, v1.Number); code != exitNo || !strings.Contains(errs, "cannot suspend") {
		t.Errorf("suspend twice: exit %d %s", code, errs)
	}

	code, out, errs = runMain(t, "", "registry", "search", "--db", db, "--holder", "holder 0000001", "--limit", "4")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != exitOK || len(lines) != 4 || !strings.Contains(errs, "--cursor") {
		t.Errorf("search page: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runMain(t, "", "registry", "search", "--db", db, "--holder", "HOLDER 0000001", "--limit", "4", "--all")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != exitOK || len(lines) != 10 {
		t.Errorf("search --all: exit %d\n%s", code, out)
	}
	if code, _, errs := runMain(t, "", "registry", "search", "--db", db, "--status", "lost"); code != exitUsage || !strings.Contains(errs, "unknown status") {
		t.Errorf("malformed search: exit %d %s", code, errs)
	}
	if code, out, _ := runMain(t, "", "registry", "search", "--db", db, "--status", "suspended", "--all"); code != exitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("search suspended: exit %d\n%s", code, out)
	}

	exp := filepath.Join(dir, "export.jsonl")
	if code, _, errs := runMain(t, "", "registry", "export", "--db", db, "-o", exp, "--all-versions"); code != exitOK {
		t.Fatalf("export: exit %d %s", code, errs)
	}
	db2 := "sqlite:" + filepath.Join(dir, "reg2.db")
	if code, out, errs := runMain(t, "", "registry", "import", "--db", db2, exp); code != exitOK || !strings.Contains(out, "251 certificate versions") {
		t.Fatalf("re-import: exit %d %s %s", code, out, errs)
	}
	if code, out, _ := runMain(t, "", "registry", "check", "--db", db2, v1.Number, d2.String()); code != exitNo || !strings.Contains(out, "suspended") {
		t.Errorf("check in the re-imported registry: exit %d %s", code, out)
	}

	if code, _, errs := runMain(t, "", "registry", "get", v1.Number); code != exitUsage || !strings.Contains(errs, "--db") {
		t.Errorf("no --db: exit %d %s", code, errs)
	}
	if code, _, errs := runMain(t, "", "registry", "get", "--db", "mysql://x", v1.Number); code != exitUsage || !strings.Contains(errs, "sqlite:FILE") {
		t.Errorf("bad --db: exit %d %s", code, errs)
	}
	if code, _, errs := runMain(t, "{\"number\": 1}\n", "registry", "import", "--db", db2, "-"); code != exitUsage || !strings.Contains(errs, "line 1") {
		t.Errorf("bad import line: exit %d %s", code, errs)
	}
}

func mustDigest(t *testing.T, c *ecert.Certificate) string {
	t.Helper()
	d, err := c.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// The same commands on PostgreSQL (skipped without ECERT_TEST_POSTGRES,
// failing in CI).
func TestRegistryCommandsPostgres(t *testing.T) {
	db := pgtest.DSN(t)
	jsonl := filepath.Join(t.TempDir(), "certs.jsonl")
	v1, v2 := writeJSONL(t, jsonl, 120)
	if code, out, errs := runMain(t, "", "registry", "import", "--db", db, jsonl); code != exitOK || !strings.Contains(out, "121 certificate versions") {
		t.Fatalf("import: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := runMain(t, "", "registry", "get", "--db", db, v1.Number); code != exitOK || !strings.Contains(errs, "version 2 of 2: valid") {
		t.Errorf("get: exit %d %s", code, errs)
	}
	if code, out, _ := runMain(t, "", "registry", "history", "--db", db, v1.Number); code != exitOK || !strings.Contains(out, "modify") {
		t.Errorf("history: exit %d %s", code, out)
	}
	d1, _ := v1.Digest()
	d2, _ := v2.Digest()
	if code, out, _ := runMain(t, "", "registry", "check", "--db", db, v1.Number, d2.String()); code != exitOK {
		t.Errorf("check current: exit %d %s", code, out)
	}
	if code, out, _ := runMain(t, "", "registry", "check", "--db", db, v1.Number, d1.String()); code != exitNo || !strings.Contains(out, "superseded") {
		t.Errorf("check old: exit %d %s", code, out)
	}
	if code, out, _ := runMain(t, "", "registry", "search", "--db", db, "--holder", "holder 0000005", "--all"); code != exitOK || strings.Count(out, "\n") != 10 {
		t.Errorf("search: exit %d\n%s", code, out)
	}
}

func TestRegistryLogCommands(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "certs.jsonl")
	v1, _ := writeJSONL(t, jsonl, 20)
	db := "sqlite:" + filepath.Join(dir, "reg.db")
	if code, out, errs := runMain(t, "", "registry", "import", "--db", db, jsonl); code != exitOK {
		t.Fatalf("import: exit %d %s %s", code, out, errs)
	}
	key := filepath.Join(dir, "log.key")
	code, vkey, errs := runMain(t, "", "registry", "log-key", "-o", key, "registry.example/ccc")
	if code != exitOK || !strings.HasPrefix(vkey, "registry.example/ccc+") {
		t.Fatalf("log-key: exit %d %q %s", code, vkey, errs)
	}
	vkey = strings.TrimSpace(vkey)
	if code, out, errs := runMain(t, "", "registry", "checkpoint", "--db", db, "--log-key", key); code != exitOK || !strings.HasPrefix(out, "registry.example/ccc\n23\n") {
		t.Errorf("checkpoint: exit %d %q %s", code, out, errs)
	}
	code, proof, errs := runMain(t, "", "registry", "prove", "--db", db, "--log-key", key, v1.Number)
	if code != exitOK {
		t.Fatalf("prove: exit %d %s", code, errs)
	}
	pf := filepath.Join(dir, "proof.json")
	os.WriteFile(pf, []byte(proof), 0o644)
	if code, out, errs := runMain(t, "", "registry", "verify-proof", "--key", vkey, pf); code != exitOK || !strings.Contains(out, `"type":"modify"`) {
		t.Errorf("verify-proof: exit %d %s %s", code, out, errs)
	}
	var p map[string]any
	json.Unmarshal([]byte(proof), &p)
	p["index"] = 3
	bad, _ := json.Marshal(p)
	if code, out, _ := runMain(t, string(bad), "registry", "verify-proof", "--key", vkey, "-"); code != exitNo || !strings.HasPrefix(out, "NO:") {
		t.Errorf("verify-proof of a proof for another index: exit %d %s", code, out)
	}
	if code, _, errs := runMain(t, "", "registry", "prove", "--db", db, v1.Number); code != exitUsage || !strings.Contains(errs, "--log-key") {
		t.Errorf("prove without key: exit %d %s", code, errs)
	}
}

func TestRegistryGenerateImport(t *testing.T) {
	code, out, errs := runMain(t, "", "registry", "generate", "40")
	if code != exitOK || strings.Count(out, "\n") != 41 {
		t.Fatalf("generate: exit %d, %d lines %s", code, strings.Count(out, "\n"), errs)
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	if code, out, errs := runMain(t, out, "registry", "import", "--db", db, "-"); code != exitOK || !strings.Contains(out, "40 certificate versions, 1 bodies") {
		t.Fatalf("import -: exit %d %s %s", code, out, errs)
	}
	c := registrytest.Gen(17)
	if code, out, _ := runMain(t, "", "registry", "check", "--db", db, c.Number, mustDigest(t, c)); code != exitOK {
		t.Errorf("check generated: exit %d %s", code, out)
	}
	if code, _, _ := runMain(t, "", "registry", "generate", "x"); code != exitUsage {
		t.Errorf("generate x: exit %d", code)
	}
}
