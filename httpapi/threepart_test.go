package httpapi_test

import (
	"slices"
	"testing"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/httpapi"
	"github.com/ecertkit/ecertkit/pdfseal"
)

// The Chinese reasons name each part's outcome, as the English ones do.
func TestVerdictOfPartsInChinese(t *testing.T) {
	res := &check.Result{
		Verdict: check.Fail, Failed: check.PartStatus, Explanation: "suspended",
		Signature: check.PartResult{Verdict: check.Pass, Explanation: "sealed"},
		Contents:  check.PartResult{Verdict: check.Pass, Explanation: "version 1"},
		Status:    check.PartResult{Verdict: check.Fail, Explanation: "The certificate is suspended in the registry."},
		Report:    &pdfseal.Report{},
	}
	v := httpapi.VerdictOf(res)
	for _, want := range []string{"电子签章：通过", "内容与登记一致：通过", "证书状态：不通过"} {
		if !slices.Contains(v.ReasonsZH, want) {
			t.Errorf("ReasonsZH %q lacks %q", v.ReasonsZH, want)
		}
	}
	if v.Failed != httpapi.PartStatus || len(v.Reasons) != 4 {
		t.Errorf("verdict %+v", v)
	}
}
