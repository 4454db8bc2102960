package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"

	"github.com/ecertkit/ecertkit/registry"
)

type bodyFlags struct {
	changeFlags
	from, id, status string
	seals            multiFlag
}

func init() {
	register(&command{
		name: "registry body",
		args: "",
		summary: "Register an issuing body (or change its status) and add its seal certificates.\n" +
			"The body's ID, name and country come from --from CERT.json (its issuing body) or --id.",
		flags: func(fs *flag.FlagSet) any {
			f := &bodyFlags{}
			f.changeFlags.add(fs)
			fs.StringVar(&f.from, "from", "", "certificate JSON whose issuing body to register")
			fs.StringVar(&f.id, "id", "", "body ID (to change the status or add seals of a registered body)")
			fs.StringVar(&f.status, "status", "", "set the accreditation status: active, suspended or withdrawn")
			fs.Var(&f.seals, "seal", "PEM file whose first certificate is a seal certificate of the body (repeatable)")
			return f
		},
		run: runRegistryBody,
	})
}

func runRegistryBody(ctx context.Context, e *env, o any, args []string) int {
	f := o.(*bodyFlags)
	if len(args) != 0 || (f.from == "") == (f.id == "") {
		return fail(e, exitUsage, "registry body: want exactly one of --from CERT.json or --id ID")
	}
	reg, err := openRegistry(ctx, e, f.db)
	if err != nil {
		return fail(e, exitUsage, "registry body: %v", err)
	}
	defer reg.Close()
	ch := f.change()
	id := f.id
	if f.from != "" {
		c, err := readCert(e, f.from)
		if err != nil {
			return fail(e, exitUsage, "registry body: %s: %v", f.from, err)
		}
		b := c.IssuingBody
		id = b.ID
		status := registry.BodyActive
		if f.status != "" {
			status = registry.BodyStatus(f.status)
		}
		if _, err := reg.RegisterBody(ctx, registry.Body{ID: b.ID, Name: b.Name, Accreditation: b.Accreditation, Country: b.Country, Status: status}, ch); err != nil {
			return fail(e, registryExit(err), "registry body: %v", err)
		}
		fmt.Fprintf(e.stdout, "registered body %s (%s)\n", b.ID, status)
	} else if f.status != "" {
		if _, err := reg.SetBodyStatus(ctx, id, registry.BodyStatus(f.status), ch); err != nil {
			return fail(e, registryExit(err), "registry body: %v", err)
		}
		fmt.Fprintf(e.stdout, "body %s is now %s\n", id, f.status)
	}
	for _, path := range f.seals {
		cert, err := firstCert(path)
		if err != nil {
			return fail(e, exitUsage, "registry body: --seal %s: %v", path, err)
		}
		if _, err := reg.AddSealCert(ctx, id, cert, ch); err != nil {
			return fail(e, registryExit(err), "registry body: %v", err)
		}
		h := registry.SPKIHash(cert)
		fmt.Fprintf(e.stdout, "added seal certificate %s (SPKI %s) to body %s\n", cert.Subject, registry.SPKIHex(h), id)
	}
	return exitOK
}

// firstCert reads the first certificate of a PEM file.
func firstCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
}
