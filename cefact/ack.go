package cefact

import (
	"fmt"
	"io"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
)

// Acknowledgement status codes (UNTDID 4405) commonly used in SPS
// exchanges; any code of the list may be used.
const (
	AckApproved = "39" // Approved: received and accepted
	AckRejected = "41" // Rejected
	AckPending  = "42" // Approval pending
)

// Acknowledgement is an rsm:SPSAcknowledgement: the receipt that one party
// of an exchange sends for certificates it received.
//
//	Issued      /rsm:SPSAcknowledgement/rsm:SPSAcknowledgementDocument/ram:IssueDateTime/udt:DateTimeString
//	Status      .../ram:StatusCode
//	Reason      .../ram:ReasonInformation, one per language (@languageID)
//	References  .../ram:ReferenceSPSReferencedDocument (as for certificates:
//	            ram:IssueDateTime, ram:TypeCode for a numeric Type,
//	            ram:ID, ram:Information for a word Type)
type Acknowledgement struct {
	Issued     time.Time         `json:"issued,omitzero"`
	Status     string            `json:"status"`
	Reason     ecert.Text        `json:"reason,omitempty"`
	References []ecert.Reference `json:"references"`
	// Extensions keeps, as for certificates, the parts of a decoded
	// acknowledgement that the struct cannot hold (ExtensionXMLPrefix keys).
	Extensions map[string]string `json:"extensions,omitempty"`
}

// EncodeAcknowledgement writes a as an rsm:SPSAcknowledgement document.
func EncodeAcknowledgement(w io.Writer, a *Acknowledgement) error {
	if a == nil {
		return fmt.Errorf("cefact: encode acknowledgement: nil")
	}
	var n nodes
	root := n.el("rsm", "SPSAcknowledgement")
	root.CreateAttr("xmlns:rsm", NSAcknowledgement)
	root.CreateAttr("xmlns:ram", NSRAM)
	root.CreateAttr("xmlns:udt", NSUDT)
	root.CreateAttr("xmlns:qdt", NSQDT)
	d := n.add(root, "rsm", "SPSAcknowledgementDocument")
	if !a.Issued.IsZero() {
		n.dateTime(d, "IssueDateTime", a.Issued)
	}
	if a.Status != "" {
		n.addText(d, "StatusCode", a.Status)
	}
	n.texts(d, "ReasonInformation", a.Reason, false)
	for _, r := range a.References {
		n.reference(d, r)
	}
	if err := insertUnmapped(root, a.Extensions, "SPSAcknowledgementType", NSAcknowledgement); err != nil {
		return err
	}
	return writeDoc(w, root)
}

// DecodeAcknowledgement reads an rsm:SPSAcknowledgement document, with the
// protections and tolerance of Decode; the leaves it cannot map are
// returned and kept in the Extensions.
func DecodeAcknowledgement(r io.Reader, opts *DecodeOptions) (*Acknowledgement, []Unmapped, error) {
	maxBytes, _, _ := opts.limits()
	src, err := readString(r, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	st := getDecodeState()
	defer putDecodeState(st)
	t, err := parseDoc(st, src, opts, NSAcknowledgement, "SPSAcknowledgement")
	if err != nil {
		return nil, nil, err
	}
	d := newDecoder(st, t)
	a := &Acknowledgement{}
	d.take(t.root)
	if doc := d.kid(t.root, t.rsm, "SPSAcknowledgementDocument"); doc >= 0 {
		d.take(doc)
		if tm, ok := d.dateTime(d.rm(doc, "IssueDateTime")); ok {
			a.Issued = tm
		}
		if s, ok := d.str(d.rm(doc, "StatusCode")); ok {
			a.Status = s
		}
		a.Reason = d.textMulti(d.rams(doc, "ReasonInformation"), false)
		for _, r := range d.rams(doc, "ReferenceSPSReferencedDocument") {
			a.References = append(a.References, d.reference(r))
		}
	}
	var unmapped []Unmapped
	for _, u := range t.collect() {
		val := u.attr
		if u.el >= 0 {
			val = t.fragment(u.el)
		}
		if a.Extensions == nil {
			a.Extensions = map[string]string{}
		}
		a.Extensions[ExtensionXMLPrefix+xpathString(u.path)] = val
		unmapped = t.leaves(u, unmapped)
	}
	return a, unmapped, nil
}
