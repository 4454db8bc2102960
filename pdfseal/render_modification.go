package pdfseal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ecertkit/ecertkit/ecert"
)

// FieldChange is one difference between two versions of a certificate,
// as a statement of modification lists it.
type FieldChange struct {
	// Path is the field's JSON path in the model, e.g.
	// "holder.address.street.en" or "products[0].models".
	Path string `json:"path"`
	// FieldZH and FieldEN name the field for people.
	FieldZH string `json:"fieldZh"`
	FieldEN string `json:"fieldEn"`
	// Before and After are the values; empty when the field was added or
	// removed. For a product's model list they list the models removed
	// (Before) and added (After), by code.
	Before string `json:"before"`
	After  string `json:"after"`
}

// bookkeeping fields that every new version changes and a statement does
// not list.
var diffSkip = map[string]bool{"version": true, "supersedes": true, "status": true, "statusReason": true}

// DiffVersions lists, field by field, what changed from old to new. Lists
// of models are compared as sets of model codes, so that removing one
// model from a 300-model annex is one change, not 300; other lists are
// compared element by element.
func DiffVersions(old, new *ecert.Certificate) ([]FieldChange, error) {
	if old == nil || new == nil {
		return nil, fmt.Errorf("pdfseal: diff versions: need two certificates")
	}
	a, err := flattenCert(old)
	if err != nil {
		return nil, err
	}
	b, err := flattenCert(new)
	if err != nil {
		return nil, err
	}
	var out []FieldChange
	seen := map[string]bool{}
	add := func(p leaf, before, after string) {
		zh, en := fieldLabel(p.segs)
		out = append(out, FieldChange{Path: p.path(), FieldZH: zh, FieldEN: en, Before: before, After: after})
	}
	am := map[string]leaf{}
	for _, l := range a {
		am[l.path()] = l
	}
	for _, l := range b {
		k := l.path()
		seen[k] = true
		o, ok := am[k]
		switch {
		case !ok:
			add(l, "", l.value)
		case o.value != l.value:
			add(l, o.value, l.value)
		}
	}
	for _, l := range a {
		if !seen[l.path()] {
			add(l, l.value, "")
		}
	}
	// Model lists: set difference by code per product.
	for i := range max(len(old.Products), len(new.Products)) {
		var om, nm []ecert.Model
		if i < len(old.Products) {
			om = old.Products[i].Models
		}
		if i < len(new.Products) {
			nm = new.Products[i].Models
		}
		removed, added := modelDiff(om, nm)
		if len(removed) == 0 && len(added) == 0 {
			continue
		}
		seg := []string{"products", strconv.Itoa(i), "models"}
		zh, en := fieldLabel(seg)
		out = append(out, FieldChange{Path: leaf{segs: seg}.path(), FieldZH: zh, FieldEN: en,
			Before: modelList("删除", "removed", removed), After: modelList("增加", "added", added)})
	}
	return out, nil
}

func modelList(zh, en string, codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return fmt.Sprintf("%s %d 个型号 / %d %s: %s", zh, len(codes), len(codes), en, strings.Join(codes, ", "))
}

func modelDiff(old, new []ecert.Model) (removed, added []string) {
	key := func(m ecert.Model) string {
		if d := m.Description.In("zh", "en"); d != "" {
			return m.Code + " (" + d + ")"
		}
		return m.Code
	}
	in := func(ms []ecert.Model) map[string]bool {
		s := map[string]bool{}
		for _, m := range ms {
			s[key(m)] = true
		}
		return s
	}
	os, ns := in(old), in(new)
	for _, m := range old {
		if !ns[key(m)] {
			removed = append(removed, key(m))
		}
	}
	for _, m := range new {
		if !os[key(m)] {
			added = append(added, key(m))
		}
	}
	return removed, added
}

type leaf struct {
	segs  []string
	value string
}

func (l leaf) path() string {
	var b strings.Builder
	for i, s := range l.segs {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// flattenCert lists the leaves of the certificate's canonical JSON in
// document order, without the model lists (compared as sets).
func flattenCert(c *ecert.Certificate) ([]leaf, error) {
	js, err := c.Canonical()
	if err != nil {
		return nil, fmt.Errorf("pdfseal: diff versions: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("pdfseal: diff versions: %w", err)
	}
	var out []leaf
	var walk func(segs []string, v any)
	walk = func(segs []string, v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if len(segs) == 0 && diffSkip[k] {
					continue
				}
				if k == "models" && len(segs) == 2 && segs[0] == "products" {
					continue
				}
				walk(append(segs[:len(segs):len(segs)], k), t[k])
			}
		case []any:
			for i, e := range t {
				walk(append(segs[:len(segs):len(segs)], strconv.Itoa(i)), e)
			}
		case nil:
		default:
			s := fmt.Sprint(t)
			if len(s) >= 20 && strings.HasSuffix(s, "T00:00:00Z") {
				s = strings.TrimSuffix(s, "T00:00:00Z")
			}
			out = append(out, leaf{segs: segs, value: s})
		}
	}
	walk(nil, v)
	return out, nil
}

var fieldNames = map[string][2]string{
	"number": {"证书编号", "Certificate No."}, "scheme": {"认证类别", "Scheme"}, "title": {"证书名称", "Title"},
	"issuingBody": {"发证机构", "Issuing body"}, "holder": {"证书持有人", "Certificate holder"}, "applicant": {"申请人", "Applicant"},
	"manufacturer": {"制造商", "Manufacturer"}, "factories": {"生产企业", "Factory"}, "products": {"产品", "Product"},
	"standards": {"标准", "Standard"}, "scope": {"认证范围", "Scope"}, "issueDate": {"发证日期", "Issue date"},
	"validFrom": {"生效日期", "Valid from"}, "validUntil": {"有效期至", "Valid until"}, "remarks": {"备注", "Remarks"},
	"signatory": {"签发人", "Signatory"}, "verificationURL": {"查询网址", "Verification URL"}, "consignment": {"货物", "Consignment"},
	"references": {"引用文件", "Reference"}, "extensions": {"扩展信息", "Extension"},
	"name": {"名称", "name"}, "address": {"地址", "address"}, "street": {"街道", "street"}, "city": {"城市", "city"},
	"subdivision": {"省份", "subdivision"}, "postcode": {"邮编", "postcode"}, "country": {"国家", "country"}, "id": {"编号", "ID"},
	"models": {"型号", "models"}, "code": {"代码", "code"}, "description": {"描述", "description"}, "brand": {"商标", "brand"},
	"specifications": {"规格", "specifications"}, "hsCode": {"HS 编码", "HS code"}, "edition": {"版本", "edition"},
	"accreditation": {"认可号", "accreditation"}, "role": {"职务", "role"}, "place": {"地点", "place"},
	"items": {"货物项", "item"}, "quantity": {"数量", "quantity"}, "netWeight": {"净重", "net weight"}, "grossWeight": {"毛重", "gross weight"},
	"value": {"数值", "value"}, "unit": {"单位", "unit"}, "consignor": {"发货人", "consignor"}, "consignee": {"收货人", "consignee"},
	"transport": {"运输", "transport"}, "mode": {"方式", "mode"}, "means": {"工具", "means"}, "entryPoint": {"入境口岸", "point of entry"},
	"exportCountry": {"输出国", "export country"}, "importCountry": {"输入国", "import country"}, "originCountry": {"原产国", "origin country"},
	"scientificName": {"学名", "scientific name"}, "packages": {"包装", "packages"}, "type": {"类型", "type"}, "issued": {"日期", "issued"},
	"additionalDeclarations": {"附加声明", "additional declarations"},
}

// fieldLabel names a path in Chinese and English: "产品 1 名称（英文）" and
// "Product 1 name (English)".
func fieldLabel(segs []string) (string, string) {
	var zh, en []string
	for i, s := range segs {
		if n, err := strconv.Atoi(s); err == nil {
			zh = append(zh, strconv.Itoa(n+1))
			en = append(en, strconv.Itoa(n+1))
			continue
		}
		if i == len(segs)-1 && i > 0 && (s == "zh" || s == "en" || strings.HasPrefix(s, "zh-")) {
			if s == "en" {
				zh[len(zh)-1] += "（英文）"
				en[len(en)-1] += " (English)"
			} else {
				zh[len(zh)-1] += "（中文）"
				en[len(en)-1] += " (Chinese)"
			}
			continue
		}
		if len(segs) > 1 && segs[0] == "extensions" && i == 1 {
			zh, en = append(zh, s), append(en, s)
			continue
		}
		if n, ok := fieldNames[s]; ok {
			zh, en = append(zh, n[0]), append(en, n[1])
		} else {
			zh, en = append(zh, s), append(en, s)
		}
	}
	return strings.Join(zh, " "), strings.Join(en, " ")
}

// ModificationLayout draws a statement of modification (变更确认书): the
// certificate given to Render is the new version, Previous the version it
// supersedes; the pages list every changed field, before and after, in
// Chinese and English, with the seal on page 1 at SealRect like the
// certificate itself.
type ModificationLayout struct {
	Previous *ecert.Certificate
}

// Draw implements Layout.
func (l ModificationLayout) Draw(ctx context.Context, d *Document, c *ecert.Certificate) error {
	if l.Previous == nil {
		return fmt.Errorf("pdfseal: statement of modification: no previous version")
	}
	if l.Previous.Number != c.Number || l.Previous.Version >= c.Version {
		return fmt.Errorf("pdfseal: statement of modification: version %d of %s does not follow version %d of %s",
			c.Version, c.Number, l.Previous.Version, l.Previous.Number)
	}
	changes, err := DiffVersions(l.Previous, c)
	if err != nil {
		return err
	}
	footer(d, c.Number)
	p := d.AddPage()
	border(p)
	// date and seal at the bottom of page 1, drawn now: a page's content
	// is written out when the next one is added
	if err := drawModificationSignature(p, c); err != nil {
		return err
	}
	y := PageHeight - 66
	if s := zh(c.IssuingBody.Name); s != "" {
		p.Text(PageWidth/2, y, s, TextStyle{Size: 12, Bold: true, Color: inkNavy, Align: AlignCenter})
		y -= 14
	}
	if s := en(c.IssuingBody.Name); s != "" {
		p.Text(PageWidth/2, y, s, TextStyle{Size: 8.5, Color: inkNavy, Align: AlignCenter})
		y -= 10
	}
	p.Line(PageWidth/2-120, y, PageWidth/2+120, y, 0.5, inkNavy)
	y -= 34
	p.Text(PageWidth/2, y, "证书变更确认书", TextStyle{Size: 23, Bold: true, Color: inkNavy, Align: AlignCenter})
	y -= 22
	p.Text(PageWidth/2, y, "STATEMENT OF MODIFICATION", TextStyle{Size: 12, Bold: true, Color: inkNavy, Align: AlignCenter})
	y -= 26
	p.Text(PageWidth/2, y, fmt.Sprintf("证书编号 Certificate No.: %s   第 %d 版 → 第 %d 版  Version %d → %d",
		c.Number, l.Previous.Version, c.Version, l.Previous.Version, c.Version), TextStyle{Size: 10.5, Bold: true, Align: AlignCenter})
	y -= 24
	holderZh, holderEn := zh(c.Holder.Name), en(c.Holder.Name)
	intro := fmt.Sprintf("兹确认，%s持有的证书（编号 %s）已于 %s 由第 %d 版变更为第 %d 版，变更内容如下表所列；第 %d 版自即日起被替代，以第 %d 版为准。",
		holderZh, c.Number, day(c.IssueDate), l.Previous.Version, c.Version, l.Previous.Version, c.Version)
	y -= float64(p.Paragraph(marginX, y, contentW, intro, TextStyle{Size: 9.5}, 14)) * 14
	introEn := fmt.Sprintf("This confirms that certificate No. %s held by %s was modified on %s from version %d to version %d as listed below; version %d is superseded and version %d applies from that date.",
		c.Number, holderEn, day(c.IssueDate), l.Previous.Version, c.Version, l.Previous.Version, c.Version)
	y -= float64(p.Paragraph(marginX, y, contentW, introEn, TextStyle{Size: 8.5, Color: inkGrey}, 11)) * 11
	y -= 10

	cols := []column{{"变更项目", "Field", 150}, {"变更前", "Before", (contentW - 150) / 2}, {"变更后", "After", (contentW - 150) / 2}}
	// page 1 keeps the bottom free for the date and the seal
	bottom := sealY + sealSize + 16
	y = tableHeader(p, marginX, y, cols)
	st := TextStyle{Size: 8}
	stEn := TextStyle{Size: 7, Color: inkGrey}
	const lead = 10.0
	if len(changes) == 0 {
		changes = []FieldChange{{FieldZH: "无内容变更", FieldEN: "No change of contents"}}
	}
	newPage := func() {
		p.Line(marginX, y, marginX+contentW, y, 0.6, inkNavy)
		p = d.AddPage()
		border(p)
		p.Text(PageWidth/2, PageHeight-62, "证书变更确认书（续）", TextStyle{Size: 15, Bold: true, Color: inkNavy, Align: AlignCenter})
		p.Text(PageWidth/2, PageHeight-78, "Statement of modification (continued)", TextStyle{Size: 10, Color: inkNavy, Align: AlignCenter})
		y = tableHeader(p, marginX, PageHeight-96, cols)
		bottom = footerY + 20
	}
	for i, ch := range changes {
		if err := ctx.Err(); err != nil {
			return err
		}
		fz, fe := d.Wrap(ch.FieldZH, cols[0].width-8, st), d.Wrap(ch.FieldEN, cols[0].width-8, stEn)
		before, after := d.Wrap(orDash(ch.Before), cols[1].width-8, st), d.Wrap(orDash(ch.After), cols[2].width-8, st)
		// A long row (a long model list) continues on the next pages:
		// every value is listed, none is cut.
		for first := true; first || len(before) > 0 || len(after) > 0; first = false {
			n := max(len(fz)+len(fe), len(before), len(after))
			fits := int((y - bottom - 8) / lead)
			if fits < min(n, 3) {
				newPage()
				fits = int((y - bottom - 8) / lead)
			}
			n = min(n, fits)
			h := float64(n)*lead + 8
			if i%2 == 1 {
				p.Rect(marginX, y-h, contentW, h, &inkZebra, nil, 0)
			}
			ty := y - 11
			if first {
				for j, s := range fz {
					p.Text(marginX+4, ty-float64(j)*lead, s, TextStyle{Size: 8, Bold: true})
				}
				for j, s := range fe {
					p.Text(marginX+4, ty-float64(len(fz)+j)*lead, s, stEn)
				}
			} else {
				p.Text(marginX+4, ty, "（续）", TextStyle{Size: 8, Color: inkGrey})
				p.Text(marginX+4, ty-lead, "(continued)", stEn)
			}
			k := min(n, len(before))
			for j, s := range before[:k] {
				p.Text(marginX+cols[0].width+4, ty-float64(j)*lead, s, st)
			}
			before = before[k:]
			k = min(n, len(after))
			for j, s := range after[:k] {
				p.Text(marginX+cols[0].width+cols[1].width+4, ty-float64(j)*lead, s, TextStyle{Size: 8, Color: inkNavy})
			}
			after = after[k:]
			y -= h
		}
	}
	p.Line(marginX, y, marginX+contentW, y, 0.6, inkNavy)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func drawModificationSignature(p *Page, c *ecert.Certificate) error {
	d := p.d
	y := sealY + sealSize - 20
	p.Text(marginX, y, "变更日期 Date of modification: "+day(c.IssueDate), TextStyle{Size: 9.5, Bold: true})
	p.Text(marginX, y-16, "发证机构 Issuing body: "+fit(d, zh(c.IssuingBody.Name)+" "+en(c.IssuingBody.Name), sealX-marginX-120, TextStyle{Size: 8.5}), TextStyle{Size: 8.5})
	if c.VerificationURL != "" {
		if err := p.QRCode(c.VerificationURL, marginX, sealY-8, 62); err != nil {
			return err
		}
		p.Text(marginX+68, sealY+20, "扫码查询 Scan to verify", TextStyle{Size: 7.5, Color: inkGrey})
	}
	if a := d.Seal(); a != nil {
		p.Draw(a, sealX, sealY, sealSize, sealSize)
	}
	return nil
}
