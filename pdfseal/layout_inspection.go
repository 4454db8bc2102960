package pdfseal

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecertkit/ecertkit/ecert"
)

// InspectionLayout is the layout of inspection and SPS certificates
// (phytosanitary, veterinary, health, origin, inspection): numbered boxes
// for consignor, consignee, origin, conveyance and point of entry, the
// consignment table (continued on annex pages when long), the additional
// declarations, the official statement, the QR code and the seal.
type InspectionLayout struct {
	// InlineItems is how many consignment items page 1 lists before the
	// table continues in the annex; 0 means 6.
	InlineItems int
}

var transportModes = map[string][2]string{
	"1": {"海运", "Sea"}, "2": {"铁路", "Rail"}, "3": {"公路", "Road"},
	"4": {"航空", "Air"}, "5": {"邮寄", "Mail"}, "8": {"内河", "Inland water"},
}

// Draw implements Layout.
func (l InspectionLayout) Draw(ctx context.Context, d *Document, c *ecert.Certificate) error {
	inline := l.InlineItems
	if inline <= 0 {
		inline = 6
	}
	footer(d, c.Number)
	p := d.AddPage()
	border(p)
	rosette(p, PageWidth/2, PageHeight/2+40, 170)
	y := header(p, c)
	cons := c.Consignment
	if cons == nil {
		cons = &ecert.Consignment{Consignor: c.Holder}
	}

	to := cons.ImportCountry
	if c.Scheme == ecert.SchemePhytosanitary || c.Scheme == ecert.SchemeReexport {
		w := p.Text(marginX, y, "致："+to+" 植物保护组织", TextStyle{Size: 9.5, Bold: true})
		p.Text(marginX+w+8, y, "To: the Plant Protection Organization(s) of "+to, TextStyle{Size: 8.5, Color: inkGrey})
	} else if to != "" {
		w := p.Text(marginX, y, "致："+to+" 主管当局", TextStyle{Size: 9.5, Bold: true})
		p.Text(marginX+w+8, y, "To: the competent authority of "+to, TextStyle{Size: 8.5, Color: inkGrey})
	}
	y -= 12

	// Numbered boxes, two per row.
	half := contentW / 2
	boxRow := func(h float64, boxes ...func(x, y, w float64)) {
		p.Rect(marginX, y-h, contentW, h, nil, &inkNavy, 0.6)
		p.Line(marginX+half, y, marginX+half, y-h, 0.6, inkNavy)
		for i, b := range boxes {
			b(marginX+float64(i)*half+6, y-11, half-12)
		}
		y -= h
	}
	partyBox := func(n int, lzh, len string, pt ecert.Party) func(x, y, w float64) {
		return func(x, y, w float64) {
			p.Text(x, y, fmt.Sprintf("%d. %s", n, lzh), TextStyle{Size: 8.5, Bold: true, Color: inkNavy})
			p.Text(x, y-9, len, TextStyle{Size: 6.5, Color: inkGrey})
			h := bilingual(p, x, y-22, w, zh(pt.Name), en(pt.Name), 2)
			addr := address(pt.Address, "en")
			if z := address(pt.Address, "zh"); z != "" && addr == "" {
				addr = z
			}
			lines(p, x, y-22-h, w, addr, TextStyle{Size: 8}, 10, 2)
		}
	}
	textBox := func(n int, lzh, len, value string) func(x, y, w float64) {
		return func(x, y, w float64) {
			p.Text(x, y, fmt.Sprintf("%d. %s", n, lzh), TextStyle{Size: 8.5, Bold: true, Color: inkNavy})
			p.Text(x, y-9, len, TextStyle{Size: 6.5, Color: inkGrey})
			lines(p, x, y-22, w, value, TextStyle{Size: 9}, 11, 2)
		}
	}
	boxRow(84, partyBox(1, "发货人名称及地址", "Name and address of exporter / consignor", cons.Consignor),
		partyBox(2, "收货人名称及地址", "Declared name and address of consignee", cons.Consignee))
	origin := cons.OriginCountry
	if origin == "" {
		origin = cons.ExportCountry
	}
	var conv []string
	for _, t := range cons.Transport {
		m := transportModes[t.Mode]
		conv = append(conv, strings.TrimSpace(strings.Join([]string{m[0], m[1], t.Means, t.ID}, " ")))
	}
	entry := strings.TrimSpace(zh(cons.EntryPoint) + " " + en(cons.EntryPoint))
	boxRow(48, textBox(3, "产地", "Place of origin", origin),
		textBox(4, "运输工具", "Declared means of conveyance", strings.Join(conv, "; ")))
	boxRow(48, textBox(5, "入境口岸", "Declared point of entry", entry),
		textBox(6, "输出国 / 输入国", "Exporting / importing country", cons.ExportCountry+" → "+cons.ImportCountry))
	y -= 10

	// The consignment table.
	cols := []column{
		{"序号", "No.", 30},
		{"货物描述", "Description of goods", 122},
		{"学名", "Botanical / scientific name", 100},
		{"HS编码", "HS code", 46},
		{"包装", "Packages", 58},
		{"净重", "Net weight", 64},
		{"毛重", "Gross weight", contentW - 420},
	}
	rows := itemRows(cons)
	n := len(cons.Items)
	// The declarations and remarks go under the table, the statement
	// under them at a fixed place: measure them to know how many rows of
	// the table fit on page 1.
	notes := func(p *Page, y float64, maxLines int) float64 {
		top := y
		if ad := cons.AdditionalDeclarations; !ad.IsZero() {
			p.Text(marginX, y, "附加声明", TextStyle{Size: 9.5, Bold: true, Color: inkNavy})
			p.Text(marginX+50, y, "Additional declaration", TextStyle{Size: 7.5, Color: inkGrey})
			y -= 13
			y -= bilingual(p, marginX, y, contentW, zh(ad), en(ad), maxLines)
			y -= 4
		}
		if !c.Remarks.IsZero() {
			p.Text(marginX, y, "备注", TextStyle{Size: 9.5, Bold: true, Color: inkNavy})
			p.Text(marginX+30, y, "Remarks", TextStyle{Size: 7.5, Color: inkGrey})
			y -= 13
			y -= bilingual(p, marginX, y, contentW, zh(c.Remarks), en(c.Remarks), maxLines)
		}
		return top - y
	}
	const statementTop = 322.0
	// Room for the table rows and the notes between the header row and
	// the statement. Notes that do not fit with at least one row go to
	// the annex in full.
	room := y - 24 - 16 - statementTop
	notesH := notes(d.scratch(), 0, 2)
	notesToAnnex := notesH+annexRowH > room
	if notesToAnnex {
		notesH = 16
	}
	fit := int((room - notesH) / annexRowH)
	shown := min(n, inline, fit)
	if shown < n {
		shown = max(min(inline, fit)-1, 0) // a row says "more in the annex"
	}
	y = tableHeader(p, marginX, y, cols)
	for i := 0; i < shown; i++ {
		y = tableRow(p, marginX, y, cols, rows(i), i%2 == 1)
	}
	if shown < n {
		y = tableRow(p, marginX, y, cols, []string{"", fmt.Sprintf("另有 %d 项见附件  %d more items: see the annex", n-shown, n-shown)}, shown%2 == 1)
	}
	p.Line(marginX, y, marginX+contentW, y, 0.6, inkNavy)
	y -= 16
	if notesToAnnex {
		p.Text(marginX, y, "附加声明及备注见附件  Additional declaration and remarks: see the annex", TextStyle{Size: 9, Bold: true, Color: inkNavy})
		y -= 16
	} else {
		y -= notes(p, y, 2)
	}

	stZh, stEn := "兹证明上述货物已经按照规定程序进行检验，符合输入国或地区的要求。",
		"This is to certify that the goods described above have been inspected according to the appropriate procedures and meet the requirements of the importing country."
	if c.Scheme == ecert.SchemePhytosanitary || c.Scheme == ecert.SchemeReexport {
		stZh = "兹证明上述植物、植物产品或其他检疫物已经按照规定程序进行检查和/或检验，被认为不带有输入国或地区规定的检疫性有害生物，并且基本不带有其他的有害生物，因而符合输入国或地区现行的植物检疫要求。"
		stEn = "This is to certify that the plants, plant products or other regulated articles described herein have been inspected and/or tested according to appropriate official procedures and are considered to be free from the quarantine pests specified by the importing contracting party and to conform with the current phytosanitary requirements of the importing contracting party, including those for regulated non-quarantine pests."
	}
	y = min(y, statementTop)
	y -= lines(p, marginX, y, contentW, stZh, TextStyle{Size: 8.5, Bold: true}, 11.5, 2)
	lines(p, marginX, y, contentW, stEn, TextStyle{Size: 7.5, Color: inkGrey}, 9.5, 3)

	issueBlock(p, c, 0)
	if shown < n {
		annex(d, c, "附件：货物清单", "Annex: consignment items", cols, n, rows)
	}
	if notesToAnnex {
		p := d.AddPage()
		border(p)
		p.Text(PageWidth/2, PageHeight-62, "附件：附加声明及备注", TextStyle{Size: 15, Bold: true, Color: inkNavy, Align: AlignCenter})
		p.Text(PageWidth/2, PageHeight-78, "Annex: additional declaration and remarks", TextStyle{Size: 10, Color: inkNavy, Align: AlignCenter})
		p.Text(marginX, PageHeight-98, "证书编号 Certificate No.: "+c.Number, TextStyle{Size: 8.5, Bold: true})
		notes(p, PageHeight-124, 24)
	}
	return ctx.Err()
}

func measure(m *ecert.Measure) string {
	if m == nil {
		return ""
	}
	return m.Value + " " + m.Unit
}

func itemRows(cons *ecert.Consignment) func(i int) []string {
	return func(i int) []string {
		it := cons.Items[i]
		desc := strings.TrimSpace(zh(it.Description) + " " + en(it.Description))
		if it.Quantity != nil && it.Packages == nil {
			it.Packages = it.Quantity
		}
		return []string{fmt.Sprint(i + 1), desc, it.ScientificName, it.HSCode, measure(it.Packages), measure(it.NetWeight), measure(it.GrossWeight)}
	}
}
