// Package tlog verifies the registry's transparency log offline: signed
// checkpoints, inclusion proofs and consistency proofs. It has no storage
// and no network; a third party needs only this package, the log's origin
// and its public key.
//
// The log is an append-only Merkle tree hashed as in RFC 6962 (SHA-256,
// leaf prefix 0x00, node prefix 0x01). A checkpoint is a C2SP
// tlog-checkpoint (origin, size, base64 root hash, one per line) in a C2SP
// signed note.
//
// The common case is checking that an event is in the log:
//
//	cp, err := proof.Verify("registry.example/ccc", verifier)
//
// where proof is an InclusionProof served by the registry and verifier a
// note.Verifier built from the registry's published key (note.NewVerifier
// for Ed25519 keys, NewVerifier for ECDSA and RSA keys).
package tlog

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// HashSize is the size of every hash in the log.
const HashSize = 32

var hasher = rfc6962.DefaultHasher

// LeafHash returns the RFC 6962 hash of a leaf: SHA-256(0x00 || leaf).
func LeafHash(leaf []byte) []byte { return hasher.HashLeaf(leaf) }

// NodeHash returns the RFC 6962 hash of an inner node: SHA-256(0x01 || l || r).
func NodeHash(l, r []byte) []byte { return hasher.HashChildren(l, r) }

// EmptyRoot is the root hash of the empty log.
func EmptyRoot() []byte { return hasher.EmptyRoot() }

// Checkpoint is the state of the log at one size.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   []byte
}

// Text returns the checkpoint body: origin, size and base64 root hash,
// each on its own line.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash))
}

// Error is returned for a checkpoint or proof that does not verify.
type Error struct {
	Op  string // "open checkpoint", "verify inclusion", "verify consistency"
	Err error
}

func (e *Error) Error() string { return "tlog: " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ParseCheckpoint parses checkpoint text (the body of the signed note).
// Extension lines after the root hash are allowed and ignored.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, &Error{"parse checkpoint", errors.New("want origin, size and root hash lines")}
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || (len(lines[1]) > 1 && lines[1][0] == '0') {
		return Checkpoint{}, &Error{"parse checkpoint", fmt.Errorf("bad size %q", lines[1])}
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != HashSize {
		return Checkpoint{}, &Error{"parse checkpoint", fmt.Errorf("bad root hash %q", lines[2])}
	}
	return Checkpoint{Origin: lines[0], Size: size, Hash: h}, nil
}

// Sign returns the checkpoint as a signed note.
func Sign(c Checkpoint, signers ...note.Signer) ([]byte, error) {
	if len(signers) == 0 {
		return nil, &Error{"sign checkpoint", errors.New("no signer")}
	}
	b, err := note.Sign(&note.Note{Text: string(c.Text())}, signers...)
	if err != nil {
		return nil, &Error{"sign checkpoint", err}
	}
	return b, nil
}

// Open verifies a signed checkpoint with the given verifiers and checks
// its origin. At least one signature by a known key must verify.
func Open(signed []byte, origin string, verifiers ...note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(verifiers...))
	if err != nil {
		return Checkpoint{}, &Error{"open checkpoint", err}
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, &Error{"open checkpoint", fmt.Errorf("origin %q, want %q", c.Origin, origin)}
	}
	return c, nil
}

// VerifyInclusion checks that leaf is at index in the tree of checkpoint c.
func VerifyInclusion(c Checkpoint, index uint64, leaf []byte, hashes [][]byte) error {
	if err := proof.VerifyInclusion(hasher, index, c.Size, LeafHash(leaf), hashes, c.Hash); err != nil {
		return &Error{"verify inclusion", err}
	}
	return nil
}

// VerifyConsistency checks that the tree of newer extends the tree of
// older: nothing in older was changed or removed.
func VerifyConsistency(older, newer Checkpoint, hashes [][]byte) error {
	if older.Origin != newer.Origin {
		return &Error{"verify consistency", fmt.Errorf("origins %q and %q differ", older.Origin, newer.Origin)}
	}
	if err := proof.VerifyConsistency(hasher, older.Size, newer.Size, hashes, older.Hash, newer.Hash); err != nil {
		return &Error{"verify consistency", err}
	}
	return nil
}

// InclusionProof is what a registry serves to prove that an event is in
// its log: the event's leaf bytes, its index, the audit path and a signed
// checkpoint of the tree the path leads to.
type InclusionProof struct {
	Index      uint64   `json:"index"`
	Leaf       []byte   `json:"leaf"`
	Hashes     [][]byte `json:"hashes"`
	Checkpoint []byte   `json:"checkpoint"`
}

// Verify opens the checkpoint with verifiers and checks the audit path.
// It returns the verified checkpoint.
func (p *InclusionProof) Verify(origin string, verifiers ...note.Verifier) (Checkpoint, error) {
	c, err := Open(p.Checkpoint, origin, verifiers...)
	if err != nil {
		return Checkpoint{}, err
	}
	return c, VerifyInclusion(c, p.Index, p.Leaf, p.Hashes)
}

// ConsistencyProof proves that the log at New extends the log at Old.
type ConsistencyProof struct {
	Old    []byte   `json:"old"`
	New    []byte   `json:"new"`
	Hashes [][]byte `json:"hashes"`
}

// Verify opens both checkpoints and checks the proof. It returns the
// newer checkpoint.
func (p *ConsistencyProof) Verify(origin string, verifiers ...note.Verifier) (Checkpoint, error) {
	o, err := Open(p.Old, origin, verifiers...)
	if err != nil {
		return Checkpoint{}, err
	}
	n, err := Open(p.New, origin, verifiers...)
	if err != nil {
		return Checkpoint{}, err
	}
	return n, VerifyConsistency(o, n, p.Hashes)
}

// Tree computes root hashes from leaves in order, keeping only the
// O(log n) hashes of the tree's right border. A monitor replays the log
// with it: Append every leaf, then compare Root with a checkpoint.
type Tree struct {
	r *compact.Range
}

var factory = &compact.RangeFactory{Hash: hasher.HashChildren}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{r: factory.NewEmptyRange(0)} }

// ResumeTree returns a tree of size leaves from the hashes of its right
// border (as from the Border method of another Tree of that size).
func ResumeTree(size uint64, border [][]byte) (*Tree, error) {
	r, err := factory.NewRange(0, size, border)
	if err != nil {
		return nil, fmt.Errorf("tlog: resume tree: %w", err)
	}
	return &Tree{r: r}, nil
}

// Append adds a leaf. visit, when not nil, is called for every new
// perfect subtree hash (level 0 is the leaf hash itself).
func (t *Tree) Append(leaf []byte, visit func(level uint, index uint64, hash []byte)) {
	t.AppendHash(LeafHash(leaf), visit)
}

// AppendHash adds a leaf by its leaf hash.
func (t *Tree) AppendHash(h []byte, visit func(level uint, index uint64, hash []byte)) {
	var fn compact.VisitFn
	if visit != nil {
		fn = func(id compact.NodeID, hash []byte) { visit(id.Level, id.Index, hash) }
	}
	if err := t.r.Append(h, fn); err != nil {
		panic("tlog: append: " + err.Error()) // only fails for a hash of the wrong size
	}
}

// Size returns the number of leaves.
func (t *Tree) Size() uint64 { return t.r.End() }

// Root returns the root hash.
func (t *Tree) Root() []byte {
	if t.r.End() == 0 {
		return EmptyRoot()
	}
	h, err := t.r.GetRootHash(nil)
	if err != nil {
		panic("tlog: root: " + err.Error())
	}
	return h
}

// Border returns a copy of the hashes of the tree's right border.
func (t *Tree) Border() [][]byte {
	hs := t.r.Hashes()
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = bytes.Clone(h)
	}
	return out
}

// Clone returns an independent copy.
func (t *Tree) Clone() *Tree {
	r, _ := factory.NewRange(0, t.r.End(), t.Border())
	return &Tree{r: r}
}

// BorderNodes returns the (level, index) of the right-border subtrees of
// a tree of the given size, in the order Border returns their hashes.
func BorderNodes(size uint64) (levels []uint, indexes []uint64) {
	for _, id := range compact.RangeNodes(0, size, nil) {
		levels = append(levels, id.Level)
		indexes = append(indexes, id.Index)
	}
	return levels, indexes
}

// ProofNodes lists the perfect subtrees whose hashes make up a proof, and
// turns their hashes into the proof.
type ProofNodes struct {
	n proof.Nodes
}

// InclusionNodes returns the nodes of the inclusion proof of index in a
// tree of size leaves.
func InclusionNodes(index, size uint64) (ProofNodes, error) {
	n, err := proof.Inclusion(index, size)
	return ProofNodes{n}, err
}

// ConsistencyNodes returns the nodes of the consistency proof between
// trees of size1 and size2 leaves.
func ConsistencyNodes(size1, size2 uint64) (ProofNodes, error) {
	n, err := proof.Consistency(size1, size2)
	return ProofNodes{n}, err
}

// IDs returns the (level, index) of each node to fetch.
func (p ProofNodes) IDs() (levels []uint, indexes []uint64) {
	for _, id := range p.n.IDs {
		levels = append(levels, id.Level)
		indexes = append(indexes, id.Index)
	}
	return levels, indexes
}

// Proof turns the fetched hashes, in IDs order, into the proof.
func (p ProofNodes) Proof(hashes [][]byte) ([][]byte, error) {
	return p.n.Rehash(hashes, hasher.HashChildren)
}

// Hash is the crypto.Hash of the log.
const Hash = crypto.SHA256
