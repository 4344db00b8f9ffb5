// Command tlogcheck checks the archive's signed checkpoints and Merkle proofs with Go's own
// transparency-log packages (golang.org/x/mod/sumdb/note and .../sumdb/tlog), an
// implementation independent of the archive's.
//
// It reads one JSON object on standard input:
//
//	{"vkey": "<name>+<key hash hex>+<base64(0x01 || public key)>",
//	 "cosigners": ["<name>+<key hash hex>+<base64(0x04 || witness public key)>", ...],
//	 "note": "<the signed checkpoint note>",
//	 "inclusion": [{"index": 5, "leaf_hash": "<base64>", "proof": ["<base64>", ...]}, ...],
//	 "consistency": [{"old_size": 6, "old_root": "<base64>", "proof": ["<base64>", ...]}, ...]}
//
// opens the note with note.Open under the verifier key, reads the tree size and root hash
// from its text (c2sp.org/tlog-checkpoint: origin, size, root, then extension lines), and
// checks every inclusion proof with tlog.CheckRecord and every consistency proof (from the
// old tree to the note's) with tlog.CheckTree. It prints what it checked and exits 0, or
// prints why it failed and exits 1.
//
// Witnesses' cosignatures (c2sp.org/tlog-cosignature, cosignature/v1, key type 0x04) are not
// a key type the note package knows, so each "cosigners" key is given to note.Open as a
// note.Verifier written here: it checks the timestamped Ed25519 signature over
// "cosignature/v1\ntime <t>\n" followed by the note's text. note.Open must then have verified a
// signature of every cosigner as well as the log's own.
//
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build (Debian's golang-go and
// golang-golang-x-mod-dev packages).
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index    int64       `json:"index"`
	LeafHash tlog.Hash   `json:"leaf_hash"`
	Proof    []tlog.Hash `json:"proof"`
}

type consistency struct {
	OldSize int64       `json:"old_size"`
	OldRoot tlog.Hash   `json:"old_root"`
	Proof   []tlog.Hash `json:"proof"`
}

type input struct {
	Vkey        string        `json:"vkey"`
	Cosigners   []string      `json:"cosigners"`
	Note        string        `json:"note"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

// cosigner verifies cosignature/v1 signatures of one witness key.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t >= 1<<63 {
		return false
	}
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	return ed25519.Verify(c.key, signed, sig[8:])
}

// newCosigner reads a witness's verifier key string <name>+<hash>+<base64(0x04 || key)>.
func newCosigner(vkey string) *cosigner {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		fail("the cosigner key %q is not <name>+<hash>+<key>", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		fail("the cosigner key %q is not an Ed25519 cosignature/v1 key", vkey)
	}
	digest := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	hash := binary.BigEndian.Uint32(digest[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		fail("the cosigner key %q has another key hash than its key's", vkey)
	}
	return &cosigner{name: parts[0], hash: hash, key: ed25519.PublicKey(raw[1:])}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

// checkpoint reads the origin, tree size and root hash of a tlog-checkpoint note text.
func checkpoint(text string) (string, int64, tlog.Hash) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		fail("the note's text has %d lines, a checkpoint at least 3", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("the tree size %q is not a decimal number", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("the root hash %q is not base64 of %d bytes", lines[2], tlog.HashSize)
	}
	var root tlog.Hash
	copy(root[:], raw)
	for _, extension := range lines[3:] {
		if extension == "" {
			fail("the note has an empty extension line")
		}
	}
	return lines[0], size, root
}

func main() {
	var in input
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&in); err != nil {
		fail("reading the input: %v", err)
	}
	verifier, err := note.NewVerifier(in.Vkey)
	if err != nil {
		fail("the verifier key: %v", err)
	}
	verifiers := []note.Verifier{verifier}
	for _, vkey := range in.Cosigners {
		verifiers = append(verifiers, newCosigner(vkey))
	}
	opened, err := note.Open([]byte(in.Note), note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	for _, v := range verifiers {
		found := false
		for _, sig := range opened.Sigs {
			if sig.Name == v.Name() && sig.Hash == v.KeyHash() {
				found = true
			}
		}
		if !found {
			fail("note.Open: no verified signature of %s+%08x", v.Name(), v.KeyHash())
		}
	}
	origin, size, root := checkpoint(opened.Text)
	if origin != verifier.Name() {
		fail("the checkpoint's origin %q is not the key's name %q", origin, verifier.Name())
	}
	for _, p := range in.Inclusion {
		if err := tlog.CheckRecord(p.Proof, size, root, p.Index, p.LeafHash); err != nil {
			fail("tlog.CheckRecord, leaf %d in tree %d: %v", p.Index, size, err)
		}
	}
	for _, p := range in.Consistency {
		if err := tlog.CheckTree(p.Proof, size, root, p.OldSize, p.OldRoot); err != nil {
			fail("tlog.CheckTree, tree %d to tree %d: %v", p.OldSize, size, err)
		}
	}
	fmt.Printf("ok: %s, tree %d, signed by %s+%08x, %d cosignature(s); %d inclusion and %d consistency proofs\n",
		origin, size, verifier.Name(), verifier.KeyHash(), len(in.Cosigners), len(in.Inclusion), len(in.Consistency))
}
