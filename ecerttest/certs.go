package ecerttest

import (
	"fmt"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// Option changes a sample certificate.
type Option func(*ecert.Certificate)

// Number sets the certificate number (and the verification URL).
func Number(n string) Option {
	return func(c *ecert.Certificate) {
		c.Number = n
		c.VerificationURL = "https://verify.example.org/c/" + n
	}
}

// Models sets the number of models of the first product.
func Models(n int) Option {
	return func(c *ecert.Certificate) {
		if len(c.Products) == 0 {
			return
		}
		c.Products[0].Models = cccModels(n)
	}
}

// Validity sets the validity period (and the issue date to from).
func Validity(from, until time.Time) Option {
	return func(c *ecert.Certificate) { c.IssueDate, c.ValidFrom, c.ValidUntil = from, from, until }
}

// Body sets the issuing body.
func Body(b ecert.Body) Option { return func(c *ecert.Certificate) { c.IssuingBody = b } }

// Holder sets the holder's name.
func Holder(name ecert.Text) Option { return func(c *ecert.Certificate) { c.Holder.Name = name } }

func apply(c *ecert.Certificate, opts []Option) *ecert.Certificate {
	for _, o := range opts {
		o(c)
	}
	return c
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// CQC is the issuing body of the product and management-system samples.
var cqc = ecert.Body{
	ID:            "CNCA-R-2002-001",
	Name:          ecert.Text{"zh": "中国质量认证中心", "en": "China Quality Certification Centre"},
	Accreditation: "CNAS C001-P",
	Country:       "CN",
	Address: &ecert.Address{
		Street:   ecert.Text{"zh": "北京市丰台区南四环西路188号9区", "en": "Section 9, No.188, Nansihuan Xilu"},
		City:     ecert.Text{"zh": "北京", "en": "Beijing"},
		Postcode: "100070", Country: "CN",
	},
}

// CQC returns the issuing body of the CCC and ISO 9001 samples.
func CQC() ecert.Body {
	c := &ecert.Certificate{IssuingBody: cqc}
	return c.Clone().IssuingBody
}

func cccModels(n int) []ecert.Model {
	series := []string{"KFR-26GW", "KFR-35GW", "KFR-50LW", "KFR-72LW"}
	m := make([]ecert.Model, n)
	for i := range m {
		m[i] = ecert.Model{Code: fmt.Sprintf("%s/BP3DN8Y-%03d", series[i%4], i+1)}
	}
	return m
}

// CCC returns a bilingual China Compulsory Certification certificate for
// room air conditioners with a 300-model annex: the content of
// testdata/good_ccc.json.
func CCC(opts ...Option) *ecert.Certificate {
	midea := ecert.Text{"zh": "广东美的制冷设备有限公司", "en": "GD Midea Air-Conditioning Equipment Co., Ltd."}
	street := ecert.Text{"zh": "广东省佛山市顺德区北滘镇林港路22号", "en": "No.22 Lingang Road, Beijiao, Shunde"}
	foshan := ecert.Text{"zh": "佛山", "en": "Foshan"}
	c := &ecert.Certificate{
		Number: "2024010703123456", Scheme: ecert.SchemeCCC, Version: 1,
		Title:       ecert.Text{"zh": "中国国家强制性产品认证证书", "en": "China Compulsory Certification Certificate"},
		IssuingBody: cqc,
		Holder: ecert.Party{ID: "91440606MA4W123456", Name: midea,
			Address: &ecert.Address{Street: street, City: foshan, Subdivision: "GD", Postcode: "528311", Country: "CN"}},
		Manufacturer: &ecert.Party{Name: midea, Address: &ecert.Address{Street: street, City: foshan, Country: "CN"}},
		Factories: []ecert.Party{{ID: "F0012345",
			Name:    ecert.Text{"zh": "广东美的制冷设备有限公司顺德工厂", "en": "GD Midea Air-Conditioning Equipment Co., Ltd. Shunde Factory"},
			Address: &ecert.Address{Street: ecert.Text{"zh": "广东省佛山市顺德区北滘镇工业大道", "en": "Industrial Avenue, Beijiao, Shunde"}, City: foshan, Country: "CN"}}},
		Products: []ecert.Product{{
			Name: ecert.Text{"zh": "房间空气调节器", "en": "Room air conditioner"}, Brand: "Midea 美的",
			Models: cccModels(300),
			Specifications: ecert.Text{"zh": "220V~ 50Hz；制冷量 2600W–7200W；防触电保护类别 I 类",
				"en": "220 V~ 50 Hz; cooling capacity 2600 W to 7200 W; protection class I"},
			HSCode: "841510",
		}},
		Standards: []ecert.Standard{
			{Code: "GB 4706.1", Edition: "2005", Title: ecert.Text{"zh": "家用和类似用途电器的安全 第1部分：通用要求", "en": "Household and similar electrical appliances - Safety - Part 1: General requirements"}},
			{Code: "GB 4706.32", Edition: "2012", Title: ecert.Text{"zh": "家用和类似用途电器的安全 热泵、空调器和除湿机的特殊要求", "en": "Particular requirements for heat pumps, air-conditioners and dehumidifiers"}},
			{Code: "GB/T 4343.1", Edition: "2018"},
			{Code: "GB 17625.1", Edition: "2022"},
		},
		Scope: ecert.Text{"zh": "上述产品符合强制性产品认证实施规则 CNCA-C07-01:2017 的要求，特发此证。",
			"en": "The products above comply with the implementation rules CNCA-C07-01:2017 for compulsory product certification."},
		IssueDate: date(2024, 3, 15), ValidFrom: date(2024, 3, 15), ValidUntil: date(2029, 3, 14),
		Status: ecert.StatusValid,
		Remarks: ecert.Text{"zh": "本证书的有效性依据发证机构的定期监督获得保持。",
			"en": "The validity of this certificate is maintained through regular surveillance by the issuing body."},
		Signatory: &ecert.Signatory{Name: ecert.Text{"zh": "王建", "en": "Wang Jian"}, Role: ecert.Text{"zh": "主任", "en": "Director"},
			Place: ecert.Text{"zh": "北京", "en": "Beijing"}},
		VerificationURL: "https://verify.example.org/c/2024010703123456",
		References:      []ecert.Reference{{Type: "test-report", ID: "A2024CCC0703-1234567", Issued: date(2024, 2, 20)}},
		Extensions:      map[string]string{"cqc:implementationRule": "CNCA-C07-01:2017", "cqc:unitCode": "07"},
	}
	return apply(c, opts)
}

// ISO9001 returns a quality-management-system certificate: the content
// of testdata/good_iso9001.json.
func ISO9001(opts ...Option) *ecert.Certificate {
	sh := ecert.Text{"zh": "上海", "en": "Shanghai"}
	c := &ecert.Certificate{
		Number: "00124Q31234R2M", Scheme: ecert.SchemeISO9001, Version: 1,
		Title:       ecert.Text{"zh": "质量管理体系认证证书", "en": "Quality Management System Certificate"},
		IssuingBody: cqc,
		Holder: ecert.Party{Name: ecert.Text{"zh": "上海精密仪器股份有限公司", "en": "Shanghai Precision Instruments Co., Ltd."},
			Address: &ecert.Address{Street: ecert.Text{"zh": "上海市浦东新区张江路1000号", "en": "No.1000 Zhangjiang Road, Pudong"}, City: sh, Postcode: "201203", Country: "CN"}},
		Factories: []ecert.Party{{Name: ecert.Text{"zh": "上海精密仪器股份有限公司 张江生产基地", "en": "Shanghai Precision Instruments Co., Ltd. Zhangjiang site"},
			Address: &ecert.Address{City: sh, Country: "CN"}}},
		Standards: []ecert.Standard{{Code: "GB/T 19001", Edition: "2016"},
			{Code: "ISO 9001", Edition: "2015", Title: ecert.Text{"en": "Quality management systems - Requirements"}}},
		Scope:     ecert.Text{"zh": "电子测量仪器的设计、生产和服务", "en": "Design, production and servicing of electronic measuring instruments"},
		IssueDate: date(2024, 9, 1), ValidFrom: date(2024, 9, 1), ValidUntil: date(2027, 8, 31),
		Status:          ecert.StatusValid,
		Signatory:       &ecert.Signatory{Name: ecert.Text{"zh": "李明", "en": "Li Ming"}, Role: ecert.Text{"zh": "总裁", "en": "President"}},
		VerificationURL: "https://verify.example.org/c/00124Q31234R2M",
	}
	return apply(c, opts)
}

// SPS returns a phytosanitary certificate with a consignment of apples
// and pears from China to Singapore: the content of
// testdata/good_sps_phyto.json.
func SPS(opts ...Option) *ecert.Certificate {
	cst := time.FixedZone("", 8*3600)
	issued := time.Date(2024, 10, 8, 9, 30, 0, 0, cst)
	haifeng := ecert.Text{"zh": "青岛海丰果蔬进出口有限公司", "en": "Qingdao Haifeng Fruit & Vegetable Import and Export Co., Ltd."}
	kg := func(v string) *ecert.Measure { return &ecert.Measure{Value: v, Unit: "KGM"} }
	ct := func(v string) *ecert.Measure { return &ecert.Measure{Value: v, Unit: "CT"} }
	c := &ecert.Certificate{
		Number: "CN-PHY-2024-0012345", Scheme: ecert.SchemePhytosanitary, Version: 1,
		Title: ecert.Text{"zh": "植物检疫证书", "en": "Phytosanitary Certificate"},
		IssuingBody: ecert.Body{ID: "GACC-3700", Country: "CN",
			Name: ecert.Text{"zh": "中华人民共和国青岛海关", "en": "Qingdao Customs of the People's Republic of China"}},
		Holder:    ecert.Party{Name: haifeng, Address: &ecert.Address{City: ecert.Text{"zh": "青岛", "en": "Qingdao"}, Country: "CN"}},
		IssueDate: issued, ValidFrom: issued,
		Status: ecert.StatusValid,
		Signatory: &ecert.Signatory{Name: ecert.Text{"zh": "张伟", "en": "Zhang Wei"}, Role: ecert.Text{"zh": "官方检疫官", "en": "Authorized officer"},
			Place: ecert.Text{"zh": "青岛", "en": "Qingdao"}},
		VerificationURL: "https://verify.example.org/c/CN-PHY-2024-0012345",
		Consignment: &ecert.Consignment{
			Consignor: ecert.Party{Name: haifeng, Address: &ecert.Address{Street: ecert.Text{"en": "No.8 Haier Road"}, City: ecert.Text{"en": "Qingdao"}, Country: "CN"}},
			Consignee: ecert.Party{Name: ecert.Text{"en": "Fresh Produce Trading Pte. Ltd."},
				Address: &ecert.Address{Street: ecert.Text{"en": "21 Pasir Panjang Road"}, City: ecert.Text{"en": "Singapore"}, Postcode: "117439", Country: "SG"}},
			ExportCountry: "CN", ImportCountry: "SG", OriginCountry: "CN",
			Transport:  []ecert.Transport{{Mode: "1", Means: "COSCO SHIPPING ARIES", ID: "V.024E"}},
			EntryPoint: ecert.Text{"en": "Port of Singapore"},
			Items: []ecert.Item{
				{Description: ecert.Text{"zh": "鲜苹果", "en": "Fresh apples"}, HSCode: "080810", ScientificName: "Malus domestica",
					NetWeight: kg("18000"), GrossWeight: kg("19850.5"), Packages: ct("1800"), OriginCountry: "CN"},
				{Description: ecert.Text{"zh": "鲜梨", "en": "Fresh pears"}, HSCode: "080830", ScientificName: "Pyrus bretschneideri",
					NetWeight: kg("6000"), GrossWeight: kg("6620"), Packages: ct("600"), OriginCountry: "CN"},
			},
			AdditionalDeclarations: ecert.Text{"en": "The consignment was inspected and found free from Cydia pomonella and Bactrocera dorsalis.",
				"zh": "经检疫未发现苹果蠹蛾和橘小实蝇。"},
		},
	}
	return apply(c, opts)
}
