package registry_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ecertkit/ecertkit/ecert"
	"github.com/ecertkit/ecertkit/registry"
	"github.com/ecertkit/ecertkit/registry/memory"
	"github.com/ecertkit/ecertkit/registry/registrytest"
)

// A certificate's life in the registry, and the check a verifier makes.
func Example() {
	ctx := context.Background()
	reg := memory.New(registry.Options{})
	defer reg.Close()

	if _, err := reg.RegisterBody(ctx, registrytest.GenBody(), registry.Change{Actor: "admin"}); err != nil {
		log.Fatal(err)
	}
	c := registrytest.Gen(1)
	if _, err := reg.Issue(ctx, c, registry.Change{Actor: "alice"}); err != nil {
		log.Fatal(err)
	}
	digest, _ := c.Digest() // what a verifier computes from the PDF's embedded JSON

	res, _ := reg.Check(ctx, c.Number, digest)
	fmt.Println("issued:", res.OK(), res.Status)

	v2 := c.NewVersion()
	v2.Remarks = ecert.Text{"en": "address corrected"}
	if _, err := reg.Modify(ctx, v2, registry.Change{Actor: "alice", Reason: "address change"}); err != nil {
		log.Fatal(err)
	}
	res, _ = reg.Check(ctx, c.Number, digest)
	fmt.Println("old PDF:", res.OK(), res.Status, "version", res.Version, "of", res.CurrentVersion)

	// A change based on the superseded version conflicts.
	_, err := reg.Modify(ctx, c.NewVersion(), registry.Change{})
	fmt.Println(err)

	if _, err := reg.Suspend(ctx, c.Number, registry.Change{Actor: "bob", Reason: "factory inspection failed"}); err != nil {
		log.Fatal(err)
	}
	rec, _ := reg.Get(ctx, c.Number)
	fmt.Println("now:", rec.Version, rec.Status, rec.Certificate.StatusReason.In("en"))
	// Output:
	// issued: true valid
	// old PDF: false superseded version 1 of 2
	// registry: certificate 2024000000000001: conflict: version 2 superseding 1 does not follow the current version (current version 2, revision 2)
	// now: 2 suspended factory inspection failed
}

// Proving to a third party that an event is in the log.
func ExampleRegistry_InclusionProof() {
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "registry.example/ccc")
	signer, _ := note.NewSigner(skey)
	reg := memory.New(registry.Options{Origin: "registry.example/ccc", LogSigners: []note.Signer{signer}})
	defer reg.Close()
	reg.RegisterBody(ctx, registrytest.GenBody(), registry.Change{})
	for i := 0; i < 10; i++ {
		reg.Issue(ctx, registrytest.Gen(i), registry.Change{})
	}
	rc, _ := reg.Revoke(ctx, registrytest.GenNumber(3), registry.Change{Reason: "misuse of the mark"})

	proof, err := reg.InclusionProof(ctx, rc.Event.Index)
	if err != nil {
		log.Fatal(err)
	}

	// The third party knows only the origin and the public key.
	verifier, _ := note.NewVerifier(vkey)
	cp, err := proof.Verify("registry.example/ccc", verifier)
	fmt.Println("verified:", err == nil, "log size", cp.Size)
	var ev registry.Event
	_ = jsonUnmarshal(proof.Leaf, &ev)
	fmt.Println(ev.Type, ev.Number, ev.Status, ev.Reason)
	// Output:
	// verified: true log size 12
	// revoke 2024000000000003 revoked misuse of the mark
}

// Searching by holder name prefix, one page at a time.
func ExampleRegistry_Search() {
	ctx := context.Background()
	reg := memory.New(registry.Options{Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }})
	defer reg.Close()
	reg.RegisterBody(ctx, registrytest.GenBody(), registry.Change{})
	for i := 0; i < 30; i++ {
		reg.Issue(ctx, registrytest.Gen(i), registry.Change{})
	}
	q := registry.Query{HolderPrefix: "holder 0000001", Limit: 4}
	for {
		page, err := reg.Search(ctx, q)
		if err != nil {
			log.Fatal(err)
		}
		var ns []string
		for _, r := range page.Records {
			ns = append(ns, r.Number[12:])
		}
		fmt.Println(strings.Join(ns, " "))
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	// Output:
	// 0010 0011 0012 0013
	// 0014 0015 0016 0017
	// 0018 0019
}
