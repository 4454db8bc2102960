// Package certgen generates the synthetic CCC certificates used for
// trying out and benchmarking registries ("ecert registry generate", the
// registry conformance suite and benchmarks, examples/loadtest). It lives
// apart from registry/registrytest so that the ecert command does not link
// the test suite (and its testing and go-cmp dependencies).
package certgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
)

// BodyID is the issuing body of generated certificates.
const BodyID = "CNCA-R-2002-001"

// Body returns the issuing body of generated certificates.
func Body() registry.Body {
	return registry.Body{ID: BodyID, Name: ecert.Text{"zh": "中国质量认证中心", "en": "China Quality Certification Centre"},
		Accreditation: "CNAS C001-P", Country: "CN", Status: registry.BodyActive}
}

// Number returns the number of the i-th generated certificate: 16
// digits, in the CCC format.
func Number(i int) string { return fmt.Sprintf("2024%012d", i) }

// Holder returns the English holder name of the i-th certificate;
// every 10 consecutive certificates share a holder.
func Holder(i int) string { return fmt.Sprintf("Holder %07d Manufacturing Co., Ltd.", i/10) }

// Cert returns the i-th generated certificate: a small, valid CCC
// certificate (two models) with a distinct number, a holder shared by
// ten certificates, and validity from 2024-01-01 for five years.
func Cert(i int) *ecert.Certificate {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%365) * 24 * time.Hour)
	holder := ecert.Party{Name: ecert.Text{"en": Holder(i), "zh": fmt.Sprintf("制造有限公司%07d", i/10)},
		Address: &ecert.Address{City: ecert.Text{"en": "Foshan", "zh": "佛山"}, Country: "CN"}}
	return &ecert.Certificate{
		Number:  Number(i),
		Scheme:  ecert.SchemeCCC,
		Version: 1,
		Title:   ecert.Text{"zh": "中国国家强制性产品认证证书", "en": "China Compulsory Certification Certificate"},
		IssuingBody: ecert.Body{ID: BodyID, Name: ecert.Text{"zh": "中国质量认证中心", "en": "China Quality Certification Centre"},
			Country: "CN"},
		Holder:       holder,
		Manufacturer: &ecert.Party{Name: ecert.Text{"en": fmt.Sprintf("Factory %05d Ltd.", i%50000)}, Address: &ecert.Address{Country: "CN"}},
		Products: []ecert.Product{{
			Name:   ecert.Text{"zh": "房间空气调节器", "en": "Room air conditioner"},
			Models: []ecert.Model{{Code: fmt.Sprintf("KFR-%dGW/A%d", 26+i%10, i)}, {Code: fmt.Sprintf("KFR-%dGW/B%d", 35+i%10, i)}},
		}},
		Standards:  []ecert.Standard{{Code: "GB 4706.1", Edition: "2005"}, {Code: "GB 4706.32", Edition: "2012"}},
		IssueDate:  from,
		ValidFrom:  from,
		ValidUntil: from.AddDate(5, 0, 0),
		Status:     ecert.StatusValid,
	}
}

// WriteJSONL writes the import lines of the issuing body (when from is 0)
// and of certificates Cert(from) to Cert(from+n-1), as encoding/json
// writes them (without HTML escaping). The certificates are filled into
// templates rather than encoded one by one: benchmarks generate their
// input beside the import they measure, on the same CPUs.
func WriteJSONL(w io.Writer, from, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if from == 0 {
		if err := enc.Encode(map[string]any{"body": Body()}); err != nil {
			return err
		}
	}
	var tmpl [365]*template
	var line []byte
	for i := from; i < from+n; i++ {
		t := tmpl[i%365]
		if t == nil {
			var err error
			if t, err = newTemplate(i); err != nil {
				return err
			}
			tmpl[i%365] = t
		}
		line = t.append(line[:0], i)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// The markers stand for the fields of Cert(i) that vary with i other
// than the dates (which repeat every 365 certificates): plain ASCII,
// which encoding/json writes unchanged, as are the values put in their
// place.
var markers = []string{"@@number@@", "@@holder@@", "@@holderzh@@", "@@factory@@", "@@modela@@", "@@modelb@@"}

// template is the JSON line of the certificates of one day, split at the
// markers.
type template struct {
	lits []string // len(lits) == len(vars)+1
	vars []int    // indexes into markers
}

func newTemplate(i int) (*template, error) {
	c := Cert(i)
	c.Number = markers[0]
	c.Holder.Name = ecert.Text{"en": markers[1], "zh": "制造有限公司" + markers[2]}
	c.Manufacturer.Name = ecert.Text{"en": markers[3]}
	c.Products[0].Models = []ecert.Model{{Code: markers[4]}, {Code: markers[5]}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	s := buf.String()
	t := &template{}
	for {
		at, m := -1, -1
		for k, mk := range markers {
			if j := strings.Index(s, mk); j >= 0 && (at < 0 || j < at) {
				at, m = j, k
			}
		}
		if at < 0 {
			t.lits = append(t.lits, s)
			return t, nil
		}
		t.lits = append(t.lits, s[:at])
		t.vars = append(t.vars, m)
		s = s[at+len(markers[m]):]
	}
}

func (t *template) append(b []byte, i int) []byte {
	for k, v := range t.vars {
		b = append(b, t.lits[k]...)
		switch v {
		case 0:
			b = fmt.Appendf(b, "2024%012d", i)
		case 1:
			b = fmt.Appendf(b, "Holder %07d Manufacturing Co., Ltd.", i/10)
		case 2:
			b = fmt.Appendf(b, "%07d", i/10)
		case 3:
			b = fmt.Appendf(b, "Factory %05d Ltd.", i%50000)
		case 4:
			b = fmt.Appendf(b, "KFR-%dGW/A%d", 26+i%10, i)
		case 5:
			b = fmt.Appendf(b, "KFR-%dGW/B%d", 35+i%10, i)
		}
	}
	return append(b, t.lits[len(t.lits)-1]...)
}
