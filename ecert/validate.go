package ecert

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"
)

// Problem is one thing wrong with a certificate, at a field path such as
// "products[2].models[0].code".
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// ValidationError lists every problem found by Validate.
type ValidationError struct {
	Number   string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ecert: certificate %q is invalid: %d problem(s)", e.Number, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// NumberFormat checks a certificate number for one issuing body and
// returns nil or a short reason.
type NumberFormat func(number string) error

// RegexpNumberFormat accepts numbers that match re in full.
func RegexpNumberFormat(re *regexp.Regexp, description string) NumberFormat {
	return func(number string) error {
		if loc := re.FindStringIndex(number); loc == nil || loc[0] != 0 || loc[1] != len(number) {
			return fmt.Errorf("does not match the body's number format (%s)", description)
		}
		return nil
	}
}

// CCCNumberFormat is the number format of CCC certificates: 16 digits
// (year, body code, product code, serial).
//
// It is written out rather than made with RegexpNumberFormat so that the
// package compiles no regular expression when a program starts.
var CCCNumberFormat NumberFormat = func(number string) error {
	if len(number) != 16 || !allDigits(number) {
		return fmt.Errorf("does not match the body's number format (%s)", "16 digits")
	}
	return nil
}

// ValidateOptions tunes Validate. The zero value checks the model only.
type ValidateOptions struct {
	// NumberFormats maps an issuing body ID to its number format.
	NumberFormats map[string]NumberFormat
}

// The syntax checks below are plain loops, not regular expressions, so
// that importing the package costs nothing at start-up.

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isCountry matches ^[A-Z]{2}$.
func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// isDecimal matches ^[0-9]+(\.[0-9]+)?$.
func isDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return whole != "" && allDigits(whole) && (!dot || frac != "" && allDigits(frac))
}

// isUnit matches ^[A-Z0-9]{1,3}$.
func isUnit(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

// isHSCode matches ^[0-9]{4}([0-9]{2}){0,3}$: 4, 6, 8 or 10 digits.
func isHSCode(s string) bool {
	return (len(s) == 4 || len(s) == 6 || len(s) == 8 || len(s) == 10) && allDigits(s)
}

// Validate checks the certificate and returns a *ValidationError listing
// every problem, or nil.
func (c *Certificate) Validate() error { return c.ValidateWith(ValidateOptions{}) }

// ValidateWith is Validate with options.
func (c *Certificate) ValidateWith(opts ValidateOptions) error {
	v := &validator{}
	v.str("number", c.Number)
	if f := opts.NumberFormats[c.IssuingBody.ID]; f != nil && c.Number != "" {
		if err := f(c.Number); err != nil {
			v.add("number", err.Error())
		}
	}
	if strings.TrimSpace(string(c.Scheme)) == "" {
		v.add("scheme", "empty")
	}
	if c.Version < 1 {
		v.add("version", "must be 1 or more")
	}
	if c.Supersedes != 0 && (c.Supersedes < 0 || c.Supersedes >= c.Version) {
		v.add("supersedes", fmt.Sprintf("must be a version below %d", c.Version))
	}
	if c.Version > 1 && c.Supersedes == 0 {
		v.add("supersedes", fmt.Sprintf("version %d must name the version it supersedes", c.Version))
	}
	v.text("title", c.Title, false)
	v.str("issuingBody.id", c.IssuingBody.ID)
	v.text("issuingBody.name", c.IssuingBody.Name, true)
	v.country("issuingBody.country", c.IssuingBody.Country, true)
	v.address("issuingBody.address", c.IssuingBody.Address)
	v.party("holder", &c.Holder)
	if c.Applicant != nil {
		v.party("applicant", c.Applicant)
	}
	if c.Manufacturer != nil {
		v.party("manufacturer", c.Manufacturer)
	}
	for i := range c.Factories {
		v.party(fmt.Sprintf("factories[%d]", i), &c.Factories[i])
	}
	for i, p := range c.Products {
		path := fmt.Sprintf("products[%d]", i)
		v.text(path+".name", p.Name, true)
		v.text(path+".specifications", p.Specifications, false)
		if p.HSCode != "" && !isHSCode(p.HSCode) {
			v.add(path+".hsCode", "must be 4 to 10 digits")
		}
		seen := map[string]int{}
		for j, m := range p.Models {
			mp := fmt.Sprintf("%s.models[%d]", path, j)
			if strings.TrimSpace(m.Code) == "" {
				v.add(mp, "empty")
				continue
			}
			if k, dup := seen[m.Code]; dup {
				v.add(mp, fmt.Sprintf("duplicate of models[%d] (%s)", k, m.Code))
			}
			seen[m.Code] = j
			v.text(mp+".description", m.Description, false)
		}
	}
	for i, s := range c.Standards {
		v.str(fmt.Sprintf("standards[%d].code", i), s.Code)
		v.text(fmt.Sprintf("standards[%d].title", i), s.Title, false)
	}
	v.text("scope", c.Scope, false)
	v.text("remarks", c.Remarks, false)
	v.text("statusReason", c.StatusReason, false)

	if !c.Scheme.IsTrade() && len(c.Products) == 0 && c.Scope.IsZero() {
		v.add("products", "a certificate needs products or a scope")
	}
	if c.Scheme.IsTrade() && c.Consignment == nil {
		v.add("consignment", fmt.Sprintf("required for scheme %s", c.Scheme))
	}

	if c.IssueDate.IsZero() {
		v.add("issueDate", "missing")
	}
	if c.ValidFrom.IsZero() {
		v.add("validFrom", "missing")
	}
	if !c.ValidUntil.IsZero() && !c.ValidFrom.IsZero() && !c.ValidUntil.After(c.ValidFrom) {
		v.add("validUntil", fmt.Sprintf("%s is not after validFrom %s", day(c.ValidUntil), day(c.ValidFrom)))
	}
	if !c.IssueDate.IsZero() && !c.ValidUntil.IsZero() && !c.ValidUntil.After(c.IssueDate) {
		v.add("validUntil", fmt.Sprintf("%s is not after issueDate %s", day(c.ValidUntil), day(c.IssueDate)))
	}
	if !c.Scheme.IsTrade() && c.ValidUntil.IsZero() {
		v.add("validUntil", "missing")
	}
	if !c.Status.Known() {
		v.add("status", fmt.Sprintf("unknown status %q", c.Status))
	}
	if c.Signatory != nil {
		v.text("signatory.name", c.Signatory.Name, true)
		v.text("signatory.role", c.Signatory.Role, false)
		v.text("signatory.place", c.Signatory.Place, false)
	}
	if c.VerificationURL != "" && !strings.HasPrefix(c.VerificationURL, "https://") && !strings.HasPrefix(c.VerificationURL, "http://") {
		v.add("verificationURL", "must be an http or https URL")
	}
	if cs := c.Consignment; cs != nil {
		v.party("consignment.consignor", &cs.Consignor)
		v.party("consignment.consignee", &cs.Consignee)
		v.country("consignment.exportCountry", cs.ExportCountry, true)
		v.country("consignment.importCountry", cs.ImportCountry, true)
		v.country("consignment.originCountry", cs.OriginCountry, false)
		v.text("consignment.entryPoint", cs.EntryPoint, false)
		v.text("consignment.additionalDeclarations", cs.AdditionalDeclarations, false)
		for i, t := range cs.Transport {
			v.str(fmt.Sprintf("consignment.transport[%d].mode", i), t.Mode)
		}
		if len(cs.Items) == 0 {
			v.add("consignment.items", "empty")
		}
		for i, it := range cs.Items {
			p := fmt.Sprintf("consignment.items[%d]", i)
			v.text(p+".description", it.Description, true)
			if it.HSCode != "" && !isHSCode(it.HSCode) {
				v.add(p+".hsCode", "must be 4 to 10 digits")
			}
			v.country(p+".originCountry", it.OriginCountry, false)
			v.measure(p+".quantity", it.Quantity)
			v.measure(p+".netWeight", it.NetWeight)
			v.measure(p+".grossWeight", it.GrossWeight)
			v.measure(p+".packages", it.Packages)
		}
	}
	for i, r := range c.References {
		v.str(fmt.Sprintf("references[%d].type", i), r.Type)
		v.str(fmt.Sprintf("references[%d].id", i), r.ID)
	}
	keys := make([]string, 0, len(c.Extensions))
	for k := range c.Extensions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			v.add("extensions", "empty key")
		}
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Number: c.Number, Problems: v.problems}
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

type validator struct{ problems []Problem }

func (v *validator) add(path, msg string) { v.problems = append(v.problems, Problem{path, msg}) }

func (v *validator) str(path, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(path, "empty")
	}
}

func (v *validator) text(path string, t Text, required bool) {
	if required && t.IsZero() {
		v.add(path, "empty")
		return
	}
	bad := false
	for k := range t {
		if !isLanguageTag(k) {
			bad = true
		}
	}
	if !bad {
		return
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !isLanguageTag(k) {
			v.add(fmt.Sprintf("%s[%q]", path, k), "not a BCP 47 language tag")
		}
	}
}

// languageTags caches the tags that parsed (up to maxLanguageTags of
// them): parsing one costs more than the rest of a text's checks, and a
// register uses a handful of languages.
var (
	languageTags  sync.Map // string -> struct{}
	nLanguageTags atomic.Int32
)

const maxLanguageTags = 1024

func isLanguageTag(k string) bool {
	if k == "" {
		return false
	}
	if _, ok := languageTags.Load(k); ok {
		return true
	}
	if _, err := language.Parse(k); err != nil {
		return false
	}
	if nLanguageTags.Load() < maxLanguageTags {
		if _, loaded := languageTags.LoadOrStore(k, struct{}{}); !loaded {
			nLanguageTags.Add(1)
		}
	}
	return true
}

func (v *validator) country(path, c string, required bool) {
	if c == "" {
		if required {
			v.add(path, "empty")
		}
		return
	}
	if !isCountry(c) {
		v.add(path, fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", c))
	}
}

func (v *validator) address(path string, a *Address) {
	if a == nil {
		return
	}
	v.text(path+".street", a.Street, false)
	v.text(path+".city", a.City, false)
	v.country(path+".country", a.Country, true)
}

func (v *validator) party(path string, p *Party) {
	v.text(path+".name", p.Name, true)
	v.address(path+".address", p.Address)
}

func (v *validator) measure(path string, m *Measure) {
	if m == nil {
		return
	}
	if !isDecimal(m.Value) {
		v.add(path+".value", fmt.Sprintf("%q is not a non-negative decimal", m.Value))
	}
	if !isUnit(m.Unit) {
		v.add(path+".unit", fmt.Sprintf("%q is not a UN/ECE Rec. 20 unit code", m.Unit))
	}
}
