package portal

var messages = map[string]map[string]string{
	"zh": {
		"site": "电子证书查询验证", "langName": "中文",
		"lookupTitle": "按证书编号查询", "number": "证书编号", "search": "查询",
		"uploadTitle": "上传 PDF 电子证书进行验证", "uploadHelp": "验证三项内容：电子签章有效、内容与登记一致、证书状态有效。文件不会被保存。", "verify": "验证",
		"enterNumber": "请输入证书编号。", "notFound": "登记系统中没有该证书编号。请核对编号；若证书上印有此编号，它可能是伪造的。",
		"unavailable": "服务暂时不可用，请稍后再试。", "tooLarge": "文件过大（最大 8 MB）。", "noFile": "请选择要上传的 PDF 文件。",
		"csrf":   "表单已过期，请重新提交。",
		"status": "证书状态", "usable": "可以使用", "notUsable": "不可使用", "currentVersion": "当前版本", "validity": "有效期",
		"issuingBody": "发证机构", "holder": "证书持有人", "scheme": "认证类别", "product": "产品", "digest": "内容摘要",
		"history": "版本历史", "version": "版本", "issueDate": "发证日期", "documents": "文件", "events": "登记事件",
		"event": "事件", "time": "时间", "actor": "操作人", "reason": "原因", "proof": "证明",
		"transparency": "透明日志证明", "logIndex": "日志条目", "treeSize": "日志大小", "rootHash": "根哈希", "auditPath": "审计路径",
		"verified": "已用日志公钥验证：该事件在日志中，且日志签名有效。", "notVerified": "未验证", "checkpoint": "签名检查点",
		"verdict_pass": "通过", "verdict_fail": "不通过", "verdict_indeterminate": "无法确定",
		"failedPart": "未通过的部分", "part_signature": "电子签章", "part_contents": "内容一致性", "part_status": "证书状态",
		"part_document": "文件本身", "part_unknown-number": "证书编号",
		"checks": "三项检查", "file": "文件", "details": "详细说明（英文）", "back": "返回",
		"st_valid": "有效", "st_suspended": "暂停", "st_revoked": "撤销", "st_withdrawn": "注销", "st_expired": "过期", "st_superseded": "已被替代",
		"ev_issue": "发证", "ev_modify": "变更", "ev_renew": "换证", "ev_suspend": "暂停", "ev_reinstate": "恢复", "ev_revoke": "撤销", "ev_withdraw": "注销",
		"statement": "变更确认书", "footer": "本页面不需要 JavaScript。每次查询和验证都会被记录（编号、结论、时间、客户端）。",
		"api": "接口",
	},
	"en": {
		"site": "E-Certificate Verification", "langName": "English",
		"lookupTitle": "Look up a certificate by number", "number": "Certificate number", "search": "Look up",
		"uploadTitle": "Upload a PDF e-certificate to verify it", "uploadHelp": "Three checks: the electronic seal is valid, the contents match the registry, and the certificate is valid now. The file is not kept.", "verify": "Verify",
		"enterNumber": "Enter a certificate number.", "notFound": "The registry has no certificate with this number. Check the number; if a certificate shows it, it may be counterfeit.",
		"unavailable": "The service is unavailable; try again later.", "tooLarge": "The file is too large (at most 8 MB).", "noFile": "Choose a PDF file to upload.",
		"csrf":   "The form has expired; submit it again.",
		"status": "Status", "usable": "may be relied on", "notUsable": "must not be relied on", "currentVersion": "Current version", "validity": "Validity",
		"issuingBody": "Issuing body", "holder": "Holder", "scheme": "Scheme", "product": "Product", "digest": "Content digest",
		"history": "Versions", "version": "Version", "issueDate": "Issued", "documents": "Documents", "events": "Registry events",
		"event": "Event", "time": "Time", "actor": "Actor", "reason": "Reason", "proof": "Proof",
		"transparency": "Transparency log proof", "logIndex": "Log entry", "treeSize": "Log size", "rootHash": "Root hash", "auditPath": "Audit path",
		"verified": "Verified with the log's public key: the event is in the log and the log's signature is valid.", "notVerified": "not verified", "checkpoint": "Signed checkpoint",
		"verdict_pass": "PASS", "verdict_fail": "FAIL", "verdict_indeterminate": "INDETERMINATE",
		"failedPart": "Failed part", "part_signature": "the electronic seal (signature)", "part_contents": "the contents (do not match the registry)", "part_status": "the status (not valid now)",
		"part_document": "the file itself (not a sealed certificate)", "part_unknown-number": "the certificate number (unknown to the registry)",
		"checks": "The three checks", "file": "File", "details": "Details", "back": "Back",
		"st_valid": "valid", "st_suspended": "suspended", "st_revoked": "revoked", "st_withdrawn": "withdrawn", "st_expired": "expired", "st_superseded": "superseded",
		"ev_issue": "issued", "ev_modify": "modified", "ev_renew": "renewed", "ev_suspend": "suspended", "ev_reinstate": "reinstated", "ev_revoke": "revoked", "ev_withdraw": "withdrawn",
		"statement": "statement of modification", "footer": "This page needs no JavaScript. Every lookup and check is recorded (number, verdict, time, client).",
		"api": "API",
	},
}

const pageTemplates = `
{{define "head"}}<!DOCTYPE html>
<html lang="{{if eq .Lang "zh"}}zh-CN{{else}}en{{end}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="/static/style.css"></head>
<body>
<header><h1><a href="/">{{.Title}}</a></h1>
<nav class="lang"><a href="{{.Path}}lang=zh" {{if eq .Lang "zh"}}class="on"{{end}}>中文</a><a href="{{.Path}}lang=en" {{if eq .Lang "en"}}class="on"{{end}}>English</a></nav></header>
<main>{{end}}

{{define "foot"}}</main>
<footer>{{.T.footer}} · <a href="/openapi.json">{{.T.api}}</a></footer>
</body></html>{{end}}

{{define "forms"}}
<section id="lookup"><h2>{{.T.lookupTitle}}</h2>
<form class="inline" method="get" action="/lookup">
<input type="hidden" name="lang" value="{{.Lang}}">
<input type="text" name="number" id="number" value="{{.Number}}" placeholder="{{.T.number}}" aria-label="{{.T.number}}" required maxlength="100">
<button type="submit" id="search">{{.T.search}}</button></form></section>
<section id="upload"><h2>{{.T.uploadTitle}}</h2>
<form class="inline" method="post" action="/verify" enctype="multipart/form-data">
<input type="hidden" name="csrf_token" value="{{.CSRF}}"><input type="hidden" name="lang" value="{{.Lang}}">
<input type="file" name="pdf" id="pdf" accept="application/pdf,.pdf" required aria-label="PDF">
<button type="submit" id="verify">{{.T.verify}}</button></form>
<p class="muted">{{.T.uploadHelp}}</p></section>
{{end}}

{{define "home"}}{{template "head" .}}
{{if .Error}}<div class="verdict fail" id="error"><p>{{.Error}}</p>{{if .Number}}<p class="mono">{{.Number}}</p>{{end}}</div>{{end}}
{{template "forms" .}}
{{template "foot" .}}{{end}}

{{define "cert"}}{{$t := .T}}{{$l := .Lang}}{{with .View}}
<section id="certificate"><h2>{{$t.number}} <span class="mono">{{.Number}}</span></h2>
<table>
<tr><th>{{$t.status}}</th><td><span class="badge {{.Status}}" id="status">{{index $t (printf "st_%s" .Status)}}</span> — {{if .Usable}}{{$t.usable}}{{else}}{{$t.notUsable}}{{end}}
{{with .Certificate.StatusReason}}<br><span class="muted">{{.In $l}}</span>{{end}}</td></tr>
<tr><th>{{$t.currentVersion}}</th><td>{{.CurrentVersion}}</td></tr>
<tr><th>{{$t.validity}}</th><td>{{date .ValidFrom}} — {{date .ValidUntil}}</td></tr>
<tr><th>{{$t.issuingBody}}</th><td>{{.Body.Name.In $l}} <span class="muted">({{.Body.ID}})</span></td></tr>
<tr><th>{{$t.holder}}</th><td>{{.Certificate.Holder.Name.In $l}}</td></tr>
<tr><th>{{$t.scheme}}</th><td>{{.Certificate.Scheme}}{{with .Certificate.Title}} — {{.In $l}}{{end}}</td></tr>
{{range .Certificate.Products}}<tr><th>{{$t.product}}</th><td>{{.Name.In $l}}{{with .Models}} <span class="muted">({{len .}})</span>{{end}}</td></tr>{{end}}
<tr><th>{{$t.digest}}</th><td class="mono">{{.Digest}}</td></tr>
</table></section>
<section id="history"><h2>{{$t.history}}</h2>
<table class="list"><tr><th>{{$t.version}}</th><th>{{$t.status}}</th><th>{{$t.issueDate}}</th><th>{{$t.documents}}</th></tr>
{{range .Versions}}<tr><td>{{.Version}}</td><td><span class="badge {{.Status}}">{{index $t (printf "st_%s" .Status)}}</span></td><td>{{date .IssueDate}}</td>
<td><a href="{{.PDF}}">PDF</a> · <a href="{{.XML}}">XML</a>{{with .Statement}} · <a href="{{.}}">{{$t.statement}}</a>{{end}}</td></tr>{{end}}
</table>
<h2 style="margin-top:1rem">{{$t.events}}</h2>
<table class="list"><tr><th>{{$t.event}}</th><th>{{$t.version}}</th><th>{{$t.time}}</th><th>{{$t.actor}}</th><th>{{$t.reason}}</th><th>{{$t.proof}}</th></tr>
{{range .Events}}<tr><td>{{index $t (printf "ev_%s" .Type)}}</td><td>{{.Version}}</td><td>{{datetime .Time}}</td><td>{{.Actor}}</td><td>{{.Reason}}</td><td><a href="{{.Proof}}">#{{.Index}}</a></td></tr>{{end}}
</table></section>
{{end}}{{end}}

{{define "proof"}}{{$t := .T}}{{with .Proof}}
<section id="proof"><h2>{{$t.transparency}}</h2>
<table>
<tr><th>{{$t.logIndex}}</th><td><a href="{{.URL}}">#{{.Index}}</a></td></tr>
<tr><th>{{$t.treeSize}}</th><td>{{.TreeSize}}</td></tr>
<tr><th>{{$t.rootHash}}</th><td class="mono">{{.Root}}</td></tr>
<tr><th>{{$t.auditPath}}</th><td>{{.Hashes}}</td></tr>
<tr><th>{{$t.proof}}</th><td id="proof-status">{{if .Verified}}✔ {{$t.verified}}{{else}}{{$t.notVerified}}{{with .Err}} — <span class="mono">{{.}}</span>{{end}}{{end}}</td></tr>
{{with .Checkpoint}}<tr><th>{{$t.checkpoint}}</th><td><pre class="mono">{{.}}</pre></td></tr>{{end}}
</table></section>
{{end}}{{end}}

{{define "lookup"}}{{template "head" .}}
{{template "cert" .}}
{{template "proof" .}}
{{template "forms" .}}
{{template "foot" .}}{{end}}

{{define "verdict"}}{{template "head" .}}{{$t := .T}}
{{with .Verdict}}
<div class="verdict {{.Outcome}}" id="verdict" data-verdict="{{.Outcome}}" data-failed="{{.Failed}}">
<h2>{{index $t (printf "verdict_%s" .Outcome)}}</h2>
{{if .Failed}}<p id="failed-part">{{$t.failedPart}}: <strong>{{index $t (printf "part_%s" .Failed)}}</strong></p>{{end}}
{{$zh := and (eq $.Lang "zh") .PartsZH}}
{{range .ReasonsZH}}{{if eq $.Lang "zh"}}<p>{{.}}</p>{{end}}{{end}}
{{if not $zh}}{{with index .Reasons 0}}<p>{{.}}</p>{{end}}{{end}}
</div>
<section id="checks"><h2>{{$t.checks}}</h2>
<p class="muted">{{$t.file}}: {{$.Filename}}{{if .Number}} · {{$t.number}} <span class="mono">{{.Number}}</span> · {{$t.version}} {{.Version}}{{end}}</p>
{{if $zh}}<ul class="parts" id="parts-zh">{{range .PartsZH}}<li>{{.}}</li>{{end}}</ul>
<details lang="en"><summary>{{$t.details}}</summary>{{with index .Reasons 0}}<p>{{.}}</p>{{end}}
<ul class="parts">{{range $i, $r := .Reasons}}{{if $i}}<li>{{$r}}</li>{{end}}{{end}}</ul></details>
{{else}}<ul class="parts">{{range $i, $r := .Reasons}}{{if $i}}<li>{{$r}}</li>{{end}}{{end}}</ul>{{end}}
</section>
{{end}}
{{template "cert" .}}
{{template "forms" .}}
{{template "foot" .}}{{end}}
`
