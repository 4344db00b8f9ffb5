// Command tlogcheck checks the archive's signed checkpoints and Merkle proofs with Go's own
// transparency-log packages (golang.org/x/mod/sumdb/note and .../sumdb/tlog), an
// implementation independent of the archive's.
//
// It reads one JSON object on standard input:
//
//	{"vkey": "<name>+<key hash hex>+<base64(0x01 || public key)>",
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
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build (Debian's golang-go and
// golang-golang-x-mod-dev packages).
package main

import (
	"encoding/base64"
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
	Note        string        `json:"note"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
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
	opened, err := note.Open([]byte(in.Note), note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
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
	fmt.Printf("ok: %s, tree %d, signed by %s+%08x; %d inclusion and %d consistency proofs\n",
		origin, size, verifier.Name(), verifier.KeyHash(), len(in.Inclusion), len(in.Consistency))
}
