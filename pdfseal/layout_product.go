package pdfseal

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecertkit/ecertkit/ecert"
)

// fieldsBottom is the lowest y the fields of page 1 may reach: the
// statement and the issue block are below it.
const fieldsBottom = 290.0

// ProductLayout is the layout of product certification certificates (CCC,
// CQC mark, CB) and management-system certificates: page 1 with the
// bilingual fields, the statement, the validity, the QR code and the
// seal; the models on annex pages when there are more than InlineModels.
type ProductLayout struct {
	// InlineModels is how many models page 1 lists before it refers to
	// the annex; 0 means 4.
	InlineModels int
}

// Draw implements Layout.
func (l ProductLayout) Draw(ctx context.Context, d *Document, c *ecert.Certificate) error {
	inline := l.InlineModels
	if inline <= 0 {
		inline = 4
	}
	models := 0
	for _, p := range c.Products {
		models += len(p.Models)
	}
	useAnnex := models > inline || len(c.Products) > 3
	footer(d, c.Number)

	p := d.AddPage()
	border(p)
	rosette(p, PageWidth/2, PageHeight/2+40, 170)
	y := header(p, c)

	// The fields.
	const labelW, valueX = 128.0, marginX + 136
	valueW := PageWidth - marginX - valueX
	// Each row is measured on a scratch page first: a row that would run
	// into the statement is left out, with a note (all the data is in the
	// embedded JSON anyway).
	var dst *Page
	full := false
	row := func(lzh, len string, draw func(y float64) float64) {
		if full {
			return
		}
		dst = d.scratch()
		h := max(label(dst, marginX, y-12, labelW, lzh, len), draw(y-12)) + 9
		if y-h < fieldsBottom {
			full = true
			p.Text(marginX, y-14, "其余项目从略，见证书数据  Further fields omitted: see the embedded certificate data", TextStyle{Size: 8, Color: inkGrey})
			y -= 22
			return
		}
		dst = p
		label(p, marginX, y-12, labelW, lzh, len)
		draw(y - 12)
		y -= h
		p.Line(marginX, y+4, PageWidth-marginX, y+4, 0.4, inkRule)
	}
	party := func(pt *ecert.Party, maxLines int) func(y float64) float64 {
		return func(y float64) float64 {
			h := bilingual(dst, valueX, y, valueW, zh(pt.Name), en(pt.Name), maxLines)
			if pt.Address != nil {
				h += bilingual(dst, valueX, y-h, valueW, address(pt.Address, "zh"), address(pt.Address, "en"), 1)
			}
			return h
		}
	}
	p.Line(marginX, y+4, PageWidth-marginX, y+4, 0.8, inkNavy)
	if c.Scheme.IsManagementSystem() {
		row("获证组织名称、地址", "Certified organization and address", party(&c.Holder, 2))
	} else {
		row("委托人名称、地址", "Applicant (certificate holder) and address", party(&c.Holder, 2))
		if c.Manufacturer != nil {
			row("生产者（制造商）名称、地址", "Manufacturer and address", party(c.Manufacturer, 1))
		}
		for i := range c.Factories {
			if i == 2 {
				break
			}
			row("生产企业名称、地址", "Factory and address", party(&c.Factories[i], 1))
		}
	}
	if len(c.Products) > 0 {
		row("产品名称和系列、规格、型号", "Product, series, specification and models", func(y float64) float64 {
			h := 0.0
			for i, pr := range c.Products {
				if i == 3 {
					h += lines(dst, valueX, y-h, valueW, fmt.Sprintf("另有 %d 种产品，见附件 / %d more products: see the annex", len(c.Products)-3, len(c.Products)-3), TextStyle{Size: 8.5}, 11, 1)
					break
				}
				name := zh(pr.Name)
				if pr.Brand != "" {
					name += "（商标：" + pr.Brand + "）"
				}
				enName := en(pr.Name)
				if pr.Brand != "" && enName != "" {
					enName += " (brand: " + pr.Brand + ")"
				}
				h += bilingual(dst, valueX, y-h, valueW, name, enName, 1)
				if s := pr.Specifications; !s.IsZero() {
					h += bilingual(dst, valueX, y-h, valueW, zh(s), en(s), 1)
				}
				if !useAnnex && len(pr.Models) > 0 {
					codes := make([]string, len(pr.Models))
					for j, m := range pr.Models {
						codes[j] = m.Code
					}
					h += lines(dst, valueX, y-h, valueW, "型号 Models: "+strings.Join(codes, ", "), TextStyle{Size: 9}, 12, 3)
				}
			}
			if useAnnex {
				h += lines(dst, valueX, y-h, valueW, fmt.Sprintf("型号见附件，共 %d 个  Models: see the annex (%d models)", models, models), TextStyle{Size: 9, Bold: true, Color: inkNavy}, 12, 1)
			}
			return h
		})
	}
	if len(c.Standards) > 0 {
		lzh, len := "产品标准和技术要求", "Standards and technical requirements"
		if c.Scheme.IsManagementSystem() {
			lzh, len = "认证依据标准", "Standards certified against"
		}
		row(lzh, len, func(y float64) float64 {
			var codes []string
			for _, s := range c.Standards {
				codes = append(codes, strings.TrimSpace(s.Code+" "+s.Edition))
			}
			return lines(dst, valueX, y, valueW, strings.Join(codes, "；"), TextStyle{Size: 9.5}, 12.5, 3)
		})
	}
	if !c.Scope.IsZero() {
		row("认证范围", "Scope of certification", func(y float64) float64 {
			return bilingual(dst, valueX, y, valueW, zh(c.Scope), en(c.Scope), 3)
		})
	}
	if !c.Remarks.IsZero() {
		row("备注", "Remarks", func(y float64) float64 {
			return bilingual(dst, valueX, y, valueW, zh(c.Remarks), en(c.Remarks), 2)
		})
	}

	// The statement, just above the issue block.
	y = min(y-8, fieldsBottom-14)
	stZh, stEn := "上述产品符合认证实施规则的要求，特发此证。",
		"This is to certify that the products above comply with the requirements of the certification rules."
	if c.Scheme.IsManagementSystem() {
		stZh, stEn = "兹证明上述组织的管理体系符合所列标准的要求，特发此证。",
			"This is to certify that the management system of the organization above complies with the standards listed."
	}
	y -= lines(p, marginX, y, contentW, stZh, TextStyle{Size: 10, Bold: true}, 13, 1)
	lines(p, marginX, y, contentW, stEn, TextStyle{Size: 8.5, Color: inkGrey}, 10, 2)

	issueBlock(p, c, 0)
	if useAnnex {
		annex(d, c, "附件：认证产品型号清单", "Annex: certified products and models", []column{
			{"序号", "No.", 46},
			{"产品名称", "Product", 150},
			{"型号", "Model", 140},
			{"说明", "Description", contentW - 336},
		}, models, modelRows(c))
	}
	return ctx.Err()
}

// modelRows returns the annex row of the i-th model across products,
// walking the products in order (cheap for the sequential calls annex
// makes).
func modelRows(c *ecert.Certificate) func(i int) []string {
	pi, base := 0, 0
	return func(i int) []string {
		for pi < len(c.Products) && i >= base+len(c.Products[pi].Models) {
			base += len(c.Products[pi].Models)
			pi++
		}
		if pi >= len(c.Products) {
			return nil
		}
		pr := c.Products[pi]
		m := pr.Models[i-base]
		name := zh(pr.Name)
		if e := en(pr.Name); e != "" {
			name = strings.TrimSpace(name + " " + e)
		}
		desc := zh(m.Description)
		if e := en(m.Description); e != "" {
			desc = strings.TrimSpace(desc + " " + e)
		}
		if desc == "" {
			desc = zh(pr.Specifications)
			if e := en(pr.Specifications); e != "" && desc == "" {
				desc = e
			}
		}
		return []string{fmt.Sprint(i + 1), name, m.Code, desc}
	}
}

// header draws the issuing body, the title, the number and the status,
// and returns the y below them.
func header(p *Page, c *ecert.Certificate) float64 {
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
	y -= 30
	title := c.Title
	if title.IsZero() {
		title = ecert.Text{"zh": "认证证书", "en": "Certificate"}
	}
	if s := zh(title); s != "" {
		p.Text(PageWidth/2, y, fit(p.d, s, contentW, TextStyle{Size: 23, Bold: true}), TextStyle{Size: 23, Bold: true, Color: inkNavy, Align: AlignCenter})
		y -= 24
	}
	if s := en(title); s != "" {
		p.Text(PageWidth/2, y, fit(p.d, strings.ToUpper(s), contentW, TextStyle{Size: 12, Bold: true}), TextStyle{Size: 12, Bold: true, Color: inkNavy, Align: AlignCenter})
		y -= 22
	}
	num := "证书编号 Certificate No.: " + c.Number
	if c.Version > 1 {
		num += fmt.Sprintf("   第 %d 版 Version %d", c.Version, c.Version)
	}
	p.Text(PageWidth/2, y, num, TextStyle{Size: 11, Bold: true, Align: AlignCenter})
	y -= 10
	if c.Status != "" && c.Status != ecert.StatusValid {
		y -= 14
		p.Text(PageWidth/2, y, statusText(c.Status), TextStyle{Size: 12, Bold: true, Color: inkRed, Align: AlignCenter})
		y -= 4
	}
	return y - 12
}

func statusText(s ecert.Status) string {
	zhs := map[ecert.Status]string{
		ecert.StatusSuspended:  "已暂停",
		ecert.StatusRevoked:    "已撤销",
		ecert.StatusWithdrawn:  "已注销",
		ecert.StatusExpired:    "已过期",
		ecert.StatusSuperseded: "已被新版本替代",
	}[s]
	return strings.TrimSpace(zhs + " " + strings.ToUpper(string(s)))
}

// issueBlock draws the bottom of page 1: the dates, the QR code with its
// caption, the issuing body and signatory, and the seal over them.
func issueBlock(p *Page, c *ecert.Certificate, _ int) {
	const top = 248.0
	p.Line(marginX, top, PageWidth-marginX, top, 0.8, inkNavy)
	// Dates, left.
	y := top - 22
	dateRow := func(zhs, ens, v string) {
		if v == "" {
			return
		}
		p.Text(marginX, y, zhs, TextStyle{Size: 9.5, Bold: true, Color: inkNavy})
		p.Text(marginX, y-10, ens, TextStyle{Size: 7, Color: inkGrey})
		p.Text(marginX+110, y-4, v, TextStyle{Size: 10.5, Bold: true})
		y -= 28
	}
	dateRow("发证日期", "Date of issue", day(c.IssueDate))
	if !c.ValidFrom.Equal(c.IssueDate) {
		dateRow("有效期自", "Valid from", day(c.ValidFrom))
	}
	dateRow("有效期至", "Valid until", day(c.ValidUntil))
	if s := c.Signatory; s != nil && !s.Place.IsZero() {
		dateRow("签发地点", "Place of issue", strings.TrimSpace(zh(s.Place)+" "+en(s.Place)))
	}

	// QR code, left bottom.
	qrSize := 92.0
	if c.VerificationURL != "" {
		if err := p.QRCode(c.VerificationURL, marginX-6, 62, qrSize); err != nil {
			p.d.fail(err)
		}
		p.Text(marginX+qrSize, 124, "扫码验证证书状态", TextStyle{Size: 8.5, Bold: true, Color: inkNavy})
		p.Text(marginX+qrSize, 113, "Scan to verify this certificate online", TextStyle{Size: 7, Color: inkGrey})
		p.Text(marginX+qrSize, 102, fit(p.d, c.VerificationURL, 190, TextStyle{Size: 6.5}), TextStyle{Size: 6.5, Color: inkGrey})
	}

	// Issuing body and signatory, right; the seal over them.
	x := PageWidth - marginX - 200
	y = top - 22
	p.Text(x, y, "发证机构", TextStyle{Size: 9.5, Bold: true, Color: inkNavy})
	p.Text(x, y-10, "Issuing body", TextStyle{Size: 7, Color: inkGrey})
	y -= 26
	y -= bilingual(p, x, y, 200, zh(c.IssuingBody.Name), en(c.IssuingBody.Name), 2)
	if c.IssuingBody.Accreditation != "" {
		p.Text(x, y, "认可编号 Accreditation: "+c.IssuingBody.Accreditation, TextStyle{Size: 7.5, Color: inkGrey})
		y -= 11
	}
	if s := c.Signatory; s != nil {
		y -= 6
		name := strings.TrimSpace(zh(s.Name) + " " + en(s.Name))
		p.Text(x, y, "签发人 Authorized signatory: "+name, TextStyle{Size: 8.5})
		y -= 11
		if role := strings.TrimSpace(zh(s.Role) + " " + en(s.Role)); role != "" {
			p.Text(x, y, fit(p.d, role, 200, TextStyle{Size: 7.5}), TextStyle{Size: 7.5, Color: inkGrey})
		}
	}
	if seal := p.d.Seal(); seal != nil {
		w, h := sealSize, sealSize
		if seal.Width > seal.Height {
			h = sealSize * seal.Height / seal.Width
		} else {
			w = sealSize * seal.Width / seal.Height
		}
		p.Draw(seal, sealX+(sealSize-w)/2, sealY+(sealSize-h)/2, w, h)
	}
}
