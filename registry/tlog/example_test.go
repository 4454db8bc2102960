package tlog_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"log"

	"github.com/ecertkit/ecertkit/registry/tlog"
)

// A monitor recomputes a log from its leaves, checks the signed
// checkpoint, and checks an inclusion proof, all offline. The log key is
// an ECDSA key, as a signer.Signer on a token or KMS would hold.
func Example() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, err := tlog.NewSigner("registry.example/ccc", key)
	if err != nil {
		log.Fatal(err)
	}

	// The log's side: append leaves, sign a checkpoint, keep the nodes.
	tree := tlog.NewTree()
	nodes := map[[2]uint64][]byte{}
	leaves := [][]byte{[]byte(`{"type":"issue"}`), []byte(`{"type":"suspend"}`), []byte(`{"type":"reinstate"}`)}
	for _, l := range leaves {
		tree.Append(l, func(level uint, index uint64, h []byte) { nodes[[2]uint64{uint64(level), index}] = h })
	}
	signed, _ := tlog.Sign(tlog.Checkpoint{Origin: "registry.example/ccc", Size: tree.Size(), Hash: tree.Root()}, signer)
	pn, _ := tlog.InclusionNodes(1, tree.Size())
	levels, idx := pn.IDs()
	var hs [][]byte
	for i := range levels {
		hs = append(hs, nodes[[2]uint64{uint64(levels[i]), idx[i]}])
	}
	hashes, _ := pn.Proof(hs)
	proof := &tlog.InclusionProof{Index: 1, Leaf: leaves[1], Hashes: hashes, Checkpoint: signed}

	// The third party's side: only the origin and the public key.
	verifier, _ := tlog.NewVerifier("registry.example/ccc", &key.PublicKey)
	cp, err := proof.Verify("registry.example/ccc", verifier)
	fmt.Println("inclusion:", err == nil, "size", cp.Size)

	replay := tlog.NewTree()
	for _, l := range leaves {
		replay.Append(l, nil)
	}
	fmt.Println("replayed root matches:", string(replay.Root()) == string(cp.Hash))
	// Output:
	// inclusion: true size 3
	// replayed root matches: true
}
