package httpapi

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ecertkit/ecertkit/check"
	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/pdfseal"
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
	v.PartsZH = partsZH(res)
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

// partsZH explains each part of a check in Chinese, one sentence per
// part that has an English explanation (so that the two lists match). The
// sentences are built from the result's facts (the report, the
// registry's answer), following the cases of package check.
func partsZH(res *check.Result) []string {
	word := map[check.Verdict]string{check.Pass: "通过", check.Fail: "不通过", check.Indeterminate: "无法确定"}
	var out []string
	add := func(name string, r check.PartResult, text string) {
		if r.Explanation != "" {
			out = append(out, name+"（"+word[r.Verdict]+"）："+text)
		}
	}
	rep, cr := res.Report, res.Registry
	add("电子签章", res.Signature, signatureZH(res))
	var contents, status string
	switch {
	case rep == nil:
		contents, status = "无法读取证书数据。", "没有证书编号，无法查询登记系统。"
	case rep.Certificate == nil:
		contents, status = "PDF 中没有被完整签章覆盖的证书数据，无法与登记信息比对。", "没有已签章的证书数据，无法查询登记系统。"
	case cr == nil:
		contents, status = fmt.Sprintf("登记系统中没有编号为 %s 的证书：该证书可能是伪造的。", res.Number), "未知编号没有状态。"
	default:
		switch {
		case cr.Version == 0:
			contents = fmt.Sprintf("证书内容与登记系统中证书 %s 的任何版本都不一致：证书数据已被篡改。", res.Number)
		case cr.BodyID != "" && res.Certificate != nil && cr.BodyID != res.Certificate.IssuingBody.ID:
			contents = fmt.Sprintf("登记系统记录证书 %s 属于发证机构 %s，而不是 %s。", res.Number, cr.BodyID, res.Certificate.IssuingBody.ID)
		default:
			contents = fmt.Sprintf("内容与登记系统中证书 %s 第 %d 版一致。", res.Number, cr.Version)
		}
		switch {
		case cr.Version == 0:
			status = fmt.Sprintf("登记系统中的当前版本为第 %d 版（%s），但该 PDF 不是这一版本。", cr.CurrentVersion, statusZH(cr.CurrentStatus))
		case !cr.Current:
			status = fmt.Sprintf("这是第 %d 版，已被第 %d 版替代（当前状态：%s）：只有当前版本有效。", cr.Version, cr.CurrentVersion, statusZH(cr.CurrentStatus))
		case cr.Status != ecert.StatusValid:
			status = fmt.Sprintf("该证书在登记系统中的状态为：%s。", statusZH(cr.Status))
		default:
			status = fmt.Sprintf("第 %d 版是当前版本，状态有效。", cr.Version)
		}
	}
	add("内容与登记一致", res.Contents, contents)
	add("证书状态", res.Status, status)
	return out
}

func signatureZH(res *check.Result) string {
	rep := res.Report
	switch {
	case rep == nil:
		return "该文件不是可读取的 PDF。"
	case rep.Indication == pdfseal.TotalFailed:
		return "签章已被破坏：盖章后文件被改动，或签名值无效。"
	case rep.Indication == pdfseal.Indeterminate:
		return "无法确认签章（例如签章证书不受信任、已过期，或无法检查其吊销状态）。"
	}
	var subject string
	if rep.Certificate != nil {
		for i := range rep.Signatures {
			if s := &rep.Signatures[i]; s.Field == rep.Certificate.Field && s.Signer != nil {
				subject = s.Signer.Subject
			}
		}
	}
	switch {
	case res.Signature.Verdict == check.Pass:
		body := ""
		if res.Certificate != nil {
			body = res.Certificate.IssuingBody.Name.In("zh")
		}
		return fmt.Sprintf("由“%s”盖章，是%s登记的印章；签章完整且可信。", subject, body)
	case subject == "":
		return "该 PDF 中没有覆盖证书数据的电子签章。"
	default:
		body := ""
		if res.Registry != nil {
			body = res.Registry.BodyID
		}
		if body == "" && res.Certificate != nil {
			body = res.Certificate.IssuingBody.ID
		}
		return fmt.Sprintf("签章完整，但签章证书（%s）不是发证机构 %s 登记的印章。", subject, body)
	}
}

func statusZH(s ecert.Status) string {
	if w, ok := map[ecert.Status]string{ecert.StatusValid: "有效", ecert.StatusSuspended: "已暂停", ecert.StatusRevoked: "已撤销",
		ecert.StatusWithdrawn: "已注销", ecert.StatusExpired: "已过期", ecert.StatusSuperseded: "已被替代"}[s]; ok {
		return w
	}
	return string(s)
}
