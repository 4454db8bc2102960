package tlog_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ecertkit/ecertkit/registry/tlog"
)

// Leaves and nodes hash as RFC 6962 says: SHA-256(0x00 || leaf) and
// SHA-256(0x01 || left || right).
func TestHashing(t *testing.T) {
	leaf := []byte("event")
	want := sha256.Sum256(append([]byte{0}, leaf...))
	if !bytes.Equal(tlog.LeafHash(leaf), want[:]) {
		t.Error("leaf hash is not SHA-256(0x00 || leaf)")
	}
	l, r := tlog.LeafHash([]byte("a")), tlog.LeafHash([]byte("b"))
	wantNode := sha256.Sum256(append(append([]byte{1}, l...), r...))
	tree := tlog.NewTree()
	tree.Append([]byte("a"), nil)
	tree.Append([]byte("b"), nil)
	if !bytes.Equal(tree.Root(), wantNode[:]) || !bytes.Equal(tlog.NodeHash(l, r), wantNode[:]) {
		t.Error("root of two leaves is not SHA-256(0x01 || l || r)")
	}
	empty := sha256.Sum256(nil)
	if !bytes.Equal(tlog.NewTree().Root(), empty[:]) {
		t.Error("empty root is not SHA-256 of nothing")
	}
}

func TestSigners(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	cp := tlog.Checkpoint{Origin: "example.org/log", Size: 5, Hash: bytes.Repeat([]byte{7}, 32)}
	keys := map[string]crypto.Signer{"ed25519": edKey, "ecdsa": ecKey, "rsa": rsaKey}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			s, err := tlog.NewSigner("example.org/log", key)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := tlog.Sign(cp, s)
			if err != nil {
				t.Fatal(err)
			}
			v, err := tlog.NewVerifier("example.org/log", key.Public())
			if err != nil {
				t.Fatal(err)
			}
			got, err := tlog.Open(signed, "example.org/log", v)
			if err != nil || got.Size != 5 || !bytes.Equal(got.Hash, cp.Hash) {
				t.Fatalf("Open: %+v %v", got, err)
			}
			if _, err := tlog.Open(signed, "other.org/log", v); err == nil {
				t.Error("wrong origin accepted")
			}
			tampered := bytes.Replace(signed, []byte("\n5\n"), []byte("\n6\n"), 1)
			if _, err := tlog.Open(tampered, "example.org/log", v); err == nil {
				t.Error("tampered checkpoint accepted")
			}
			for other, k := range keys {
				if other == name {
					continue
				}
				ov, _ := tlog.NewVerifier("example.org/log", k.Public())
				if _, err := tlog.Open(signed, "example.org/log", ov); err == nil {
					t.Errorf("verified with the %s key", other)
				}
			}
		})
	}
	// Ed25519 through a crypto.Signer is plain C2SP Ed25519: the note
	// package's own verifier accepts it.
	vkey, err := note.NewEd25519VerifierKey("example.org/log", edKey.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	nv, _ := note.NewVerifier(vkey)
	s, _ := tlog.NewSigner("example.org/log", edKey)
	signed, _ := tlog.Sign(cp, s)
	if _, err := tlog.Open(signed, "example.org/log", nv); err != nil {
		t.Errorf("note.NewVerifier rejects a tlog.NewSigner Ed25519 signature: %v", err)
	}
	// ECDSA key ID is SHA-256 of the DER SubjectPublicKeyInfo (C2SP type 0x02).
	der, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	sum := sha256.Sum256(der)
	ev, _ := tlog.NewVerifier("example.org/log", &ecKey.PublicKey)
	if ev.KeyHash() != uint32(sum[0])<<24|uint32(sum[1])<<16|uint32(sum[2])<<8|uint32(sum[3]) {
		t.Error("ECDSA key ID is not SHA-256(SPKI)[:4]")
	}
}

func TestProofs(t *testing.T) {
	var leaves [][]byte
	tree := tlog.NewTree()
	nodes := map[[2]uint64][]byte{}
	roots := []tlog.Checkpoint{{Origin: "o", Size: 0, Hash: tree.Root()}}
	for i := 0; i < 37; i++ {
		leaf := []byte(fmt.Sprintf(`{"n":%d}`, i))
		leaves = append(leaves, leaf)
		tree.Append(leaf, func(level uint, index uint64, hash []byte) { nodes[[2]uint64{uint64(level), index}] = hash })
		roots = append(roots, tlog.Checkpoint{Origin: "o", Size: tree.Size(), Hash: tree.Root()})
	}
	fetch := func(p tlog.ProofNodes) [][]byte {
		levels, idx := p.IDs()
		var hs [][]byte
		for i := range levels {
			h, ok := nodes[[2]uint64{uint64(levels[i]), idx[i]}]
			if !ok {
				t.Fatalf("node %d/%d missing", levels[i], idx[i])
			}
			hs = append(hs, bytes.Clone(h))
		}
		return hs
	}
	for size := uint64(1); size <= 37; size++ {
		for i := uint64(0); i < size; i++ {
			pn, err := tlog.InclusionNodes(i, size)
			if err != nil {
				t.Fatal(err)
			}
			proof, err := pn.Proof(fetch(pn))
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyInclusion(roots[size], i, leaves[i], proof); err != nil {
				t.Fatalf("inclusion %d in %d: %v", i, size, err)
			}
			if err := tlog.VerifyInclusion(roots[size], i, []byte("forged"), proof); err == nil {
				t.Fatalf("forged leaf %d in %d verifies", i, size)
			}
		}
		for s1 := uint64(1); s1 <= size; s1++ {
			pn, _ := tlog.ConsistencyNodes(s1, size)
			proof, err := pn.Proof(fetch(pn))
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyConsistency(roots[s1], roots[size], proof); err != nil {
				t.Fatalf("consistency %d->%d: %v", s1, size, err)
			}
			if s1 < size {
				bad := roots[s1]
				bad.Hash = tlog.LeafHash([]byte("rewritten history"))
				if err := tlog.VerifyConsistency(bad, roots[size], proof); err == nil {
					t.Fatalf("rewritten history %d->%d verifies", s1, size)
				}
			}
		}
	}
	// ResumeTree continues from a border.
	half := tlog.NewTree()
	for _, l := range leaves[:20] {
		half.Append(l, nil)
	}
	resumed, err := tlog.ResumeTree(20, half.Border())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves[20:] {
		resumed.Append(l, nil)
	}
	if !bytes.Equal(resumed.Root(), tree.Root()) {
		t.Error("resumed tree has another root")
	}
}

func TestParseCheckpoint(t *testing.T) {
	h := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	good := "example.org/log\n42\n" + h + "\n"
	c, err := tlog.ParseCheckpoint(good)
	if err != nil || c.Size != 42 || c.Origin != "example.org/log" || string(c.Text()) != good {
		t.Fatalf("ParseCheckpoint: %+v %v", c, err)
	}
	for _, bad := range []string{"", "o\n1\n", "\n1\n" + h + "\n", "o\n-1\n" + h + "\n", "o\n01\n" + h + "\n", "o\n1\nAAAA\n", "o\nx\n" + h + "\n"} {
		var te *tlog.Error
		if _, err := tlog.ParseCheckpoint(bad); !errors.As(err, &te) {
			t.Errorf("ParseCheckpoint(%q): %v, want *tlog.Error", bad, err)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("example.org/log\n42\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n")
	f.Add("o\n0\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := tlog.ParseCheckpoint(s)
		if err != nil {
			return
		}
		again, err := tlog.ParseCheckpoint(string(c.Text()))
		if err != nil || again.Size != c.Size || again.Origin != c.Origin || !bytes.Equal(again.Hash, c.Hash) {
			t.Fatalf("round trip of %q: %+v %v", s, again, err)
		}
	})
}
