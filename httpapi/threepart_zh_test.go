package httpapi_test

import (
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/pdfseal"
	"github.com/ecertkit/ecertkit/registry"
)

// Each part's English explanation has a Chinese one, built from the
// result's facts.
func TestVerdictOfPartsZH(t *testing.T) {
	c := &ecert.Certificate{Number: "N1", IssuingBody: ecert.Body{ID: "B1", Name: ecert.Text{"zh": "机构一", "en": "Body one"}}}
	pr := func(v check.Verdict) check.PartResult { return check.PartResult{Verdict: v, Explanation: "english"} }
	for _, tc := range []struct {
		name string
		res  *check.Result
		want []string
	}{
		{"unreadable", &check.Result{Verdict: check.Fail, Signature: pr(check.Fail), Contents: pr(check.Indeterminate), Status: pr(check.Indeterminate)},
			[]string{"电子签章（不通过）：该文件不是可读取的 PDF。", "内容与登记一致（无法确定）：无法读取证书数据。", "证书状态（无法确定）：没有证书编号，无法查询登记系统。"}},
		{"tampered", &check.Result{Verdict: check.Fail, Signature: pr(check.Fail), Contents: pr(check.Fail), Status: pr(check.Indeterminate),
			Report: &pdfseal.Report{Indication: pdfseal.TotalFailed}},
			[]string{"电子签章（不通过）：签章已被破坏", "内容与登记一致（不通过）：PDF 中没有被完整签章覆盖的证书数据", "证书状态（无法确定）：没有已签章的证书数据"}},
		{"unknown number", &check.Result{Verdict: check.Fail, Number: "N1", Certificate: c, Signature: pr(check.Fail), Contents: pr(check.Fail), Status: pr(check.Fail),
			Report: &pdfseal.Report{Indication: pdfseal.TotalPassed, Certificate: &pdfseal.EmbeddedCertificate{Certificate: c}}},
			[]string{"电子签章（不通过）：该 PDF 中没有覆盖证书数据的电子签章。", "登记系统中没有编号为 N1 的证书", "证书状态（不通过）：未知编号没有状态。"}},
		{"altered", &check.Result{Verdict: check.Fail, Number: "N1", Certificate: c, Signature: pr(check.Pass), Contents: pr(check.Fail), Status: pr(check.Fail),
			Report:   &pdfseal.Report{Indication: pdfseal.TotalPassed, Certificate: &pdfseal.EmbeddedCertificate{Certificate: c}},
			Registry: &registry.CheckResult{Number: "N1", CurrentVersion: 3, CurrentStatus: ecert.StatusRevoked, BodyID: "B1"}},
			[]string{"是机构一登记的印章", "与登记系统中证书 N1 的任何版本都不一致", "当前版本为第 3 版（已撤销），但该 PDF 不是这一版本。"}},
		{"suspended", &check.Result{Verdict: check.Fail, Number: "N1", Certificate: c, Signature: pr(check.Pass), Contents: pr(check.Pass), Status: pr(check.Fail),
			Report:   &pdfseal.Report{Indication: pdfseal.TotalPassed, Certificate: &pdfseal.EmbeddedCertificate{Certificate: c}},
			Registry: &registry.CheckResult{Number: "N1", Version: 2, Current: true, Status: ecert.StatusSuspended, CurrentVersion: 2, BodyID: "B1"}},
			[]string{"内容与登记一致（通过）：内容与登记系统中证书 N1 第 2 版一致。", "证书状态（不通过）：该证书在登记系统中的状态为：已暂停。"}},
	} {
		v := httpapi.VerdictOf(tc.res)
		if len(v.PartsZH) != len(v.Reasons)-1 {
			t.Errorf("%s: %d Chinese part explanations for %d English ones", tc.name, len(v.PartsZH), len(v.Reasons)-1)
		}
		all := strings.Join(v.PartsZH, "\n")
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: PartsZH lack %q:\n%s", tc.name, w, all)
			}
		}
	}
}
