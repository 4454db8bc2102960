package render

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
)

const wqy = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

func openWQY(t *testing.T) *Font {
	t.Helper()
	fh, err := os.Open(wqy)
	if err != nil {
		t.Skipf("%v (fonts-wqy-zenhei; the pdfseal tests require it in CI)", err)
	}
	t.Cleanup(func() { fh.Close() })
	f, err := Open(fh, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestSubsetStructure checks the subset TrueType file: sorted table
// directory with correct checksums and the whole-file checksum
// adjustment, glyph count, loca and hmtx consistent with it, and the
// glyphs' bytes equal to the original's.
func TestSubsetStructure(t *testing.T) {
	f := openWQY(t)
	if f.Name != "WenQuanYiZenHei" || f.UnitsPerEm <= 0 || f.NumGlyphs < 20000 {
		t.Fatalf("font %s, %d units/em, %d glyphs", f.Name, f.UnitsPerEm, f.NumGlyphs)
	}
	s := NewSubset(f)
	var buf sfnt.Buffer
	text := "中国质量认证中心 Certificate 2024"
	for _, r := range text {
		g := f.GlyphIndex(&buf, r)
		if g == 0 && r != ' ' {
			t.Fatalf("no glyph for %q", r)
		}
		s.Add(g, r)
	}
	if again := s.Add(f.GlyphIndex(&buf, '中'), '中'); again != 1 {
		t.Errorf("re-adding 中 gave CID %d, want 1", again)
	}
	ttf, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	n := s.Len()
	be := binary.BigEndian
	if sum := checksum(ttf); sum != 0xB1B0AFBA {
		t.Errorf("file checksum %#x, want 0xB1B0AFBA", sum)
	}
	nt := int(be.Uint16(ttf[4:]))
	tables := map[string][]byte{}
	prev := ""
	for i := 0; i < nt; i++ {
		r := ttf[12+16*i:]
		tag := string(r[:4])
		if tag <= prev {
			t.Errorf("table %q after %q", tag, prev)
		}
		prev = tag
		off, l := be.Uint32(r[8:]), be.Uint32(r[12:])
		b := ttf[off : off+l]
		if tag != "head" && checksum(b) != be.Uint32(r[4:]) {
			t.Errorf("table %q: bad checksum", tag)
		}
		tables[tag] = b
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if tables[tag] == nil {
			t.Fatalf("no %q table", tag)
		}
	}
	if got := int(be.Uint16(tables["maxp"][4:])); got != n {
		t.Errorf("maxp.numGlyphs %d, want %d", got, n)
	}
	if got := int(be.Uint16(tables["hhea"][34:])); got != n || len(tables["hmtx"]) != 4*n {
		t.Errorf("numberOfHMetrics %d, hmtx %d bytes; want %d, %d", got, len(tables["hmtx"]), n, 4*n)
	}
	loca := tables["loca"]
	if len(loca) != 4*(n+1) || be.Uint16(tables["head"][50:]) != 1 {
		t.Fatalf("loca %d bytes for %d glyphs", len(loca), n)
	}
	for cid := 0; cid < n; cid++ {
		a, b := be.Uint32(loca[4*cid:]), be.Uint32(loca[4*cid+4:])
		orig, err := f.glyphData(s.old[cid])
		if err != nil {
			t.Fatal(err)
		}
		got := tables["glyf"][a:b]
		if len(got) < len(orig) || string(got[:len(orig)]) != string(orig) {
			t.Errorf("CID %d: glyph data differs from glyph %d", cid, s.old[cid])
		}
		if adv := be.Uint16(tables["hmtx"][4*cid:]); int(adv) != f.Advance(s.old[cid]) {
			t.Errorf("CID %d: advance %d, want %d", cid, adv, f.Advance(s.old[cid]))
		}
	}
	if len(ttf) > 64<<10 {
		t.Errorf("subset of %d glyphs is %d bytes", n, len(ttf))
	}
	cmap := string(s.ToUnicode())
	for _, want := range []string{"<0001><4E2D>", "beginbfchar", "endcmap"} {
		if !strings.Contains(cmap, want) {
			t.Errorf("ToUnicode lacks %s", want)
		}
	}
}

func TestAppendNum(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {1, "1"}, {-2.5, "-2.5"}, {1.23456, "1.235"}, {1e-9, "0"}, {595.28, "595.28"}, {1e6, "1000000"}} {
		if got := string(AppendNum(nil, tc.v)); got != tc.want {
			t.Errorf("AppendNum(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
