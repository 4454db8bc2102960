package httpapi

import (
	"context"
	"io"
)

// Outcome is the overall result of the three-part check.
type Outcome string

// Outcomes.
const (
	Pass          Outcome = "pass"
	Fail          Outcome = "fail"
	Indeterminate Outcome = "indeterminate"
)

// Part names the part of the three-part check that did not pass.
type Part string

// Parts of the check. PartDocument means the upload is not a sealed
// certificate at all (not a PDF, no embedded certificate), PartNumber that
// the registry does not know its number.
const (
	PartSignature Part = "signature"
	PartContents  Part = "contents"
	PartStatus    Part = "status"
	PartDocument  Part = "document"
	PartNumber    Part = "unknown-number"
)

// Verdict is the answer to "may this sealed PDF be relied on?".
type Verdict struct {
	Outcome Outcome `json:"verdict"`
	// Failed is the part that failed (or could not be decided); empty on
	// a pass.
	Failed Part `json:"failedPart,omitempty"`
	// Number and Version identify the certificate the document claims to
	// be, when they could be read.
	Number  string `json:"number,omitempty"`
	Version int    `json:"version,omitempty"`
	BodyID  string `json:"bodyId,omitempty"`
	// Reasons explain the verdict, one sentence each, in English; ReasonsZH
	// in Chinese when the checker has them.
	Reasons   []string `json:"reasons,omitempty"`
	ReasonsZH []string `json:"reasonsZh,omitempty"`
	// PartsZH explain the three parts in Chinese, as Reasons after the
	// first do in English, when the checker has them.
	PartsZH []string `json:"partsZh,omitempty"`
}

// Checker runs the three-part check on a PDF: the seal is valid, the
// contents match the registry's version, and that version is current and
// valid now. A document that is not a PDF gets a Verdict (Fail,
// PartDocument), not an error; an error means the check could not run.
type Checker interface {
	CheckPDF(ctx context.Context, r io.ReaderAt, size int64) (*Verdict, error)
}

// CheckerFunc adapts a function to a Checker.
type CheckerFunc func(ctx context.Context, r io.ReaderAt, size int64) (*Verdict, error)

// CheckPDF calls f.
func (f CheckerFunc) CheckPDF(ctx context.Context, r io.ReaderAt, size int64) (*Verdict, error) {
	return f(ctx, r, size)
}
