package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
)

func TestImportCSV(t *testing.T) {
	ctx := context.Background()
	reg := memory.New(registry.Options{})
	defer reg.Close()
	for run := 0; run < 2; run++ { // a second run of the same export changes nothing
		f, err := os.Open("testdata/certificates.csv")
		if err != nil {
			t.Fatal(err)
		}
		n, err := Import(ctx, reg, f, "migration")
		f.Close()
		if err != nil || n != 3 {
			t.Fatalf("run %d: imported %d: %v", run, n, err)
		}
	}
	fan, err := reg.Get(ctx, "2023010701234567")
	if err != nil {
		t.Fatal(err)
	}
	c := fan.Certificate
	if fan.Status != ecert.StatusValid || c.Holder.Name["zh"] != "佛山市顺德区安泰电器有限公司" || len(c.Products[0].Models) != 3 ||
		c.Standards[1].Code != "GB 4706.27" || c.Standards[1].Edition != "2008" || c.Extensions["cqc:implementationRule"] != "CNCA-C07-01:2017" {
		t.Errorf("mapped certificate: %+v", c)
	}
	ac, err := reg.Get(ctx, "2022010703345678")
	if err != nil {
		t.Fatal(err)
	}
	if ac.Version != 2 || ac.Status != ecert.StatusSuspended {
		t.Errorf("AUX certificate: version %d status %s", ac.Version, ac.Status)
	}
	h, err := reg.History(ctx, "2022010703345678")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 3 {
		t.Errorf("history: %d events, want issue, modify, suspend", len(h.Events))
	}
}

func TestInvalidRecordNamesLineAndField(t *testing.T) {
	raw, _ := os.ReadFile("testdata/certificates.csv")
	bad := strings.Replace(string(raw), "2028-05-09", "2021-05-09", 1)
	reg := memory.New(registry.Options{})
	defer reg.Close()
	_, err := Import(context.Background(), reg, strings.NewReader(bad), "migration")
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "validUntil") {
		t.Fatalf("got %v", err)
	}
}
