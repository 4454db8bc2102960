package pdfseal

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffVersions(t *testing.T) {
	v1, v2 := loadCert(t, "good_ccc.json"), loadCert(t, "good_ccc_v2.json")
	changes, err := DiffVersions(v1, v2)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]FieldChange{}
	for _, c := range changes {
		if c.Path == "version" || c.Path == "supersedes" {
			t.Errorf("bookkeeping field %s listed", c.Path)
		}
		byPath[c.Path] = c
	}
	street := byPath["holder.address.street.en"]
	want := FieldChange{Path: "holder.address.street.en", FieldZH: "证书持有人 地址 街道（英文）", FieldEN: "Certificate holder address street (English)",
		Before: "No.22 Lingang Road, Beijiao, Shunde", After: "No.6 Midea Avenue, Beijiao, Shunde"}
	if diff := cmp.Diff(want, street); diff != "" {
		t.Errorf("street change (-want +got):\n%s\nall: %+v", diff, changes)
	}
	models := byPath["products[0].models"]
	if !strings.Contains(models.Before, "KFR-26GW/BP3DN8Y-041") || strings.Contains(models.Before, "-001,") {
		t.Errorf("model change: %+v", models)
	}
	// identical versions: nothing; a changed validity: one change
	same, _ := DiffVersions(v1, v1.Clone())
	if len(same) != 0 {
		t.Errorf("identical versions differ: %+v", same)
	}
	v3 := v1.NewVersion()
	v3.ValidUntil = v3.ValidUntil.AddDate(1, 0, 0)
	ch, _ := DiffVersions(v1, v3)
	if len(ch) != 1 || ch[0].Path != "validUntil" || ch[0].Before != "2029-03-14" || ch[0].After != "2030-03-14" {
		t.Errorf("validity change: %+v", ch)
	}
}

func TestRenderModificationStatement(t *testing.T) {
	v1, v2 := loadCert(t, "good_ccc.json"), loadCert(t, "good_ccc_v2.json")
	pdf := renderCert(t, v2, RenderOptions{Layout: ModificationLayout{Previous: v1}})
	text := tool(t, pdf, "pdftotext", "-layout", "IN", "-")
	for _, s := range []string{"证书变更确认书", "STATEMENT OF MODIFICATION", "2024010703123456", "No.6 Midea Avenue", "No.22 Lingang Road", "变更前", "Before", "Version 1 → 2", "KFR-72LW/BP3DN8Y-300", "KFR-35GW/BP3DN8Y-X01"} {
		if !strings.Contains(text, s) {
			t.Errorf("statement lacks %q", s)
		}
	}
	if os.Getenv("STATEMENT_PNG") != "" {
		tool(t, pdf, "pdftoppm", "-png", "-r", "60", "IN", os.Getenv("STATEMENT_PNG"))
	}
	// the wrong previous version is refused
	if err := Render(context.Background(), v1, new(nopWriter), RenderOptions{Fonts: []*Font{testFont(t)}, Layout: ModificationLayout{Previous: v2}}); err == nil {
		t.Error("statement from v2 to v1 rendered")
	}
	if err := Render(context.Background(), v2, new(nopWriter), RenderOptions{Fonts: []*Font{testFont(t)}, Layout: ModificationLayout{}}); err == nil {
		t.Error("statement without a previous version rendered")
	}
}

type nopWriter struct{}

func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
