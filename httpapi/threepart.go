package httpapi

import (
	"context"
	"io"
	"strings"

	"github.com/ecertkit/ecertkit/check"
)

// ThreePart returns the Checker that runs check.PDF with opts: the seal is
// valid and registered for the issuing body, the contents equal a registry
// version, and that version is current and valid.
func ThreePart(opts check.Options) Checker {
	return CheckerFunc(func(ctx context.Context, r io.ReaderAt, size int64) (*Verdict, error) {
		res, err := check.PDF(ctx, r, size, opts)
		if err != nil {
			return nil, err
		}
		return VerdictOf(res), nil
	})
}

// VerdictOf turns a check.Result into a Verdict, naming the document part
// when the upload was not a readable PDF and the number part when the
// registry does not know the certificate's number.
func VerdictOf(res *check.Result) *Verdict {
	v := &Verdict{Outcome: Outcome(res.Verdict), Failed: Part(res.Failed), Number: res.Number, Version: res.Version}
	switch {
	case res.Registry != nil:
		v.BodyID = res.Registry.BodyID
	case res.Certificate != nil:
		// an unknown number is attributed to the body the document claims
		v.BodyID = res.Certificate.IssuingBody.ID
	}
	switch {
	case res.Report == nil && res.Verdict != check.Pass:
		v.Failed = PartDocument
	case res.Failed == check.PartContents && res.Registry == nil && res.Number != "":
		v.Failed = PartNumber
	}
	v.Reasons = append(v.Reasons, res.Explanation)
	for _, p := range []struct {
		name string
		r    check.PartResult
	}{{"Signature", res.Signature}, {"Contents", res.Contents}, {"Status", res.Status}} {
		if p.r.Explanation != "" {
			v.Reasons = append(v.Reasons, p.name+" ("+string(p.r.Verdict)+"): "+strings.TrimSpace(p.r.Explanation))
		}
	}
	v.ReasonsZH = reasonsZH(v)
	if res.Report != nil {
		word := map[check.Verdict]string{check.Pass: "通过", check.Fail: "不通过", check.Indeterminate: "无法确定"}
		for _, p := range []struct {
			name string
			r    check.PartResult
		}{{"电子签章", res.Signature}, {"内容与登记一致", res.Contents}, {"证书状态", res.Status}} {
			if w := word[p.r.Verdict]; w != "" {
				v.ReasonsZH = append(v.ReasonsZH, p.name+"："+w)
			}
		}
	}
	return v
}

// reasonsZH is the Chinese summary of a verdict.
func reasonsZH(v *Verdict) []string {
	switch v.Outcome {
	case Pass:
		return []string{"电子签章有效，内容与登记一致，证书状态有效：该证书可以使用。"}
	}
	part := map[Part]string{
		PartSignature: "电子签章无效或不受信任",
		PartContents:  "证书内容与登记信息不一致，文件可能被篡改",
		PartStatus:    "证书当前状态无效（已暂停、撤销、注销、过期或已被新版本替代）",
		PartDocument:  "该文件不是可读取的已签章电子证书",
		PartNumber:    "登记系统中没有该证书编号，证书可能是伪造的",
	}[v.Failed]
	if part == "" {
		part = "检查未能完成"
	}
	if v.Outcome == Indeterminate {
		return []string{"无法确定：" + part + "。"}
	}
	return []string{"不通过：" + part + "。"}
}
