// Command csvimport is the worked example of "Integrating ecertkit into an
// existing certification system" (docs/integrating.md): it maps a CSV
// export of certificate records onto the ecert model, validates every
// record, and records them in a registry.
//
//	go run ./examples/csvimport -db sqlite:/tmp/reg.db examples/csvimport/testdata/certificates.csv
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/sqlite"
)

func main() {
	db := flag.String("db", "sqlite:registry.db", "registry: sqlite:FILE")
	flag.Parse()
	if flag.NArg() != 1 || !strings.HasPrefix(*db, "sqlite:") {
		log.Fatal("usage: csvimport -db sqlite:FILE EXPORT.csv")
	}
	ctx := context.Background()
	reg, err := sqlite.Open(ctx, strings.TrimPrefix(*db, "sqlite:"), registry.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	n, err := Import(ctx, reg, f, "csvimport")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("imported %d certificates\n", n)
}

// Import reads the CSV export and records every certificate: bodies are
// registered on first sight, version 1 is issued, later versions modify,
// and a non-valid status is recorded as its event. It stops at the first
// invalid record, naming its line and field.
func Import(ctx context.Context, reg *registry.Registry, r io.Reader, actor string) (int, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("csv header: %w", err)
	}
	for i, h := range header { // "证书编号 cert_no" -> "cert_no"
		header[i] = h[strings.LastIndexByte(h, ' ')+1:]
	}
	n := 0
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		line, _ := cr.FieldPos(0)
		rec := map[string]string{}
		for i, h := range header {
			rec[h] = strings.TrimSpace(row[i])
		}
		c, err := MapRecord(rec)
		if err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		if err := c.Validate(); err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		if err := record(ctx, reg, c, rec["status"], rec["status_reason"], actor); err != nil {
			return n, fmt.Errorf("line %d: %s: %w", line, c.Number, err)
		}
		n++
	}
}

// MapRecord maps one CSV record onto the model. Columns with no place in
// the model (implementation_rule) go to Extensions, so nothing is lost.
func MapRecord(rec map[string]string) (*ecert.Certificate, error) {
	text := func(col string) ecert.Text {
		t := ecert.Text{}
		if v := rec[col+"_zh"]; v != "" {
			t["zh"] = v
		}
		if v := rec[col+"_en"]; v != "" {
			t["en"] = v
		}
		return t
	}
	day := func(col string) (time.Time, error) {
		t, err := time.Parse("2006-01-02", rec[col])
		if err != nil {
			return t, fmt.Errorf("%s: %q is not a YYYY-MM-DD date", col, rec[col])
		}
		return t, nil
	}
	version, err := strconv.Atoi(rec["version"])
	if err != nil {
		return nil, fmt.Errorf("version: %q is not a number", rec["version"])
	}
	issued, err := day("issue_date")
	if err != nil {
		return nil, err
	}
	until, err := day("valid_until")
	if err != nil {
		return nil, err
	}
	var models []ecert.Model
	for _, m := range strings.Split(rec["models"], ";") {
		if m = strings.TrimSpace(m); m != "" {
			models = append(models, ecert.Model{Code: m})
		}
	}
	var standards []ecert.Standard
	for _, s := range strings.Split(rec["standards"], ";") {
		// "GB 4706.1-2005": the edition follows the last hyphen.
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		std := ecert.Standard{Code: s}
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			std.Code, std.Edition = s[:i], s[i+1:]
		}
		standards = append(standards, std)
	}
	c := &ecert.Certificate{
		Number:      rec["cert_no"],
		Scheme:      ecert.Scheme(rec["scheme"]),
		Version:     version,
		IssuingBody: ecert.Body{ID: rec["body_id"], Name: text("body"), Country: rec["body_country"]},
		Holder: ecert.Party{Name: text("holder"),
			Address: &ecert.Address{Street: text("holder_addr"), Country: rec["holder_country"]}},
		Manufacturer: &ecert.Party{Name: text("manufacturer")},
		Factories: []ecert.Party{{Name: text("factory"),
			Address: &ecert.Address{Street: text("factory_addr"), Country: rec["factory_country"]}}},
		Products: []ecert.Product{{Name: text("product"), Brand: rec["brand"], Models: models,
			Specifications: text("ratings")}},
		Standards:       standards,
		IssueDate:       issued,
		ValidFrom:       issued,
		ValidUntil:      until,
		Status:          ecert.StatusValid, // the registry records the status as an event
		VerificationURL: "https://verify.example.org/c/" + rec["cert_no"],
		Extensions:      map[string]string{"cqc:implementationRule": rec["implementation_rule"]},
	}
	if version > 1 {
		c.Supersedes = version - 1
	}
	return c, nil
}

// record registers the body if needed, records the version (version 1
// is issued, later versions modify the current one, so an export lists
// versions in order), then the status event the export carries.
func record(ctx context.Context, reg *registry.Registry, c *ecert.Certificate, status, reason, actor string) error {
	if _, err := reg.Body(ctx, c.IssuingBody.ID); errors.Is(err, registry.ErrNotFound) {
		b := c.IssuingBody
		if _, err := reg.RegisterBody(ctx, registry.Body{ID: b.ID, Name: b.Name, Country: b.Country, Status: registry.BodyActive}, registry.Change{Actor: actor}); err != nil {
			return err
		}
	}
	// The request key makes a re-run of the same export change nothing.
	ch := registry.Change{Actor: actor, Reason: "migrated from CSV export", RequestKey: fmt.Sprintf("csv:%s:v%d", c.Number, c.Version)}
	var err error
	if c.Version == 1 {
		_, err = reg.Issue(ctx, c, ch)
	} else {
		_, err = reg.Modify(ctx, c, ch)
	}
	if err != nil {
		return err
	}
	ch = registry.Change{Actor: actor, Reason: reason, RequestKey: fmt.Sprintf("csv:%s:v%d:%s", c.Number, c.Version, status)}
	switch ecert.Status(status) {
	case ecert.StatusValid, ecert.StatusExpired, ecert.StatusSuperseded:
		return nil // follows from the validity period and later versions
	case ecert.StatusSuspended:
		_, err = reg.Suspend(ctx, c.Number, ch)
	case ecert.StatusRevoked:
		_, err = reg.Revoke(ctx, c.Number, ch)
	case ecert.StatusWithdrawn:
		_, err = reg.Withdraw(ctx, c.Number, ch)
	default:
		return fmt.Errorf("status: unknown value %q", status)
	}
	return err
}
