package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/journal/sshsig/sshsigtest"
)

func loadKey(t testing.TB, path string) *sshsig.Key {
	t.Helper()
	k, err := sshsig.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func verifySigned(t testing.TB, dir, allowed string, require bool) Report {
	t.Helper()
	as, err := sshsig.ReadAllowedSigners(allowed)
	if err != nil {
		t.Fatal(err)
	}
	r, err := VerifyContext(context.Background(), dir, VerifyOptions{Signatures: as, RequireSigned: require})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two responders sign their own lines (one from a key file, one through a real
// ssh-agent); verify names who signed what, and the lines nobody signed.
func TestSignedLinesNameTheirSigners(t *testing.T) {
	alice, bob := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "ecdsa")
	sshsigtest.StartAgent(t, bob)
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@*": alice, "bob@example.com": bob})

	j, dir := newIncident(t, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 3) // alice@laptop
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err := Open(dir) // nobody signs
	if err != nil {
		t.Fatal(err)
	}
	j.Append("carol@laptop", "note", map[string]string{"text": "unsigned"})
	j.Close()
	j, err = Open(dir, WithSigner(loadKey(t, bob.Public)))
	if err != nil {
		t.Fatal(err)
	}
	j.Append("bob@example.com", "note", map[string]string{"text": "from the agent"})
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	j.Append("bob@example.com", "note", map[string]string{"text": "again"})
	j.Close()

	r := verifySigned(t, dir, allowed, false)
	if !r.OK() || r.Signatures != 5 || !r.SignaturesChecked {
		t.Fatalf("report: %+v", r)
	}
	want := []SignerLines{{"alice@*", 3}, {"bob@example.com", 2}}
	if len(r.Signers) != 2 || r.Signers[0] != want[0] || r.Signers[1] != want[1] {
		t.Errorf("signers %+v, want %+v", r.Signers, want)
	}
	if len(r.Unsigned) != 1 || r.Unsigned[0] != (LineRange{4, 4}) || r.UnsignedCount() != 1 {
		t.Errorf("unsigned %+v", r.Unsigned)
	}
	// The policy "every line signed" turns line 4 into a problem.
	r = verifySigned(t, dir, allowed, true)
	if p, ok := r.First(); !ok || p.Line != 4 || !strings.Contains(p.What, "not signed") || len(r.Problems) != 1 {
		t.Errorf("require signed: %v", r.Problems)
	}
	// Without allowed signers the signatures are counted, not checked.
	r = mustVerify(t, dir)
	if r.Signatures != 5 || r.SignaturesChecked || len(r.Signers) != 0 {
		t.Errorf("unchecked: %+v", r)
	}
}

// A bad signature, a signature by an unknown key, a line whose actor is not the
// key's principal, and a forged rewrite of a signed line are each named at their line.
func TestBadSignaturesAreNamedAtTheirLine(t *testing.T) {
	alice, mallory := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@laptop": alice})
	j, dir := newIncident(t, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 4)
	j.Append("bob@laptop", "note", map[string]string{"text": "bob typed on alice's muster"})
	j.Close()
	r := verifySigned(t, dir, allowed, true)
	if len(r.Problems) != 1 || r.Problems[0].Line != 5 || !strings.Contains(r.Problems[0].What, `actor "bob@laptop" is not among the principals "alice@laptop"`) {
		t.Fatalf("actor mismatch: %v", r.Problems)
	}

	sigPath := filepath.Join(dir, SigName)
	orig, _ := os.ReadFile(sigPath)
	lines := bytes.SplitAfter(orig, []byte("\n"))
	// Line 5's signature (alice's newest) damaged: flip one base64 character inside it.
	l5 := []byte(string(lines[4]))
	i := len(l5) - 10
	if l5[i] == 'A' {
		l5[i] = 'B'
	} else {
		l5[i] = 'A'
	}
	// Line 3 signed by mallory too.
	h3 := string(lines[2][len(`{"seq":3,"hash":"`) : len(`{"seq":3,"hash":"`)+64])
	l3 := signEntries(t, loadKey(t, mallory.Private), Signature{Seq: 3, Hash: h3})
	os.WriteFile(sigPath, bytes.Join([][]byte{lines[0], lines[1], lines[2], l3, lines[3], l5}, nil), 0o600)
	r = verifySigned(t, dir, allowed, false)
	got := map[int]string{}
	for _, p := range r.Problems {
		got[p.Line] = p.What
	}
	if !strings.Contains(got[5], "bad signature") || !strings.Contains(got[3], "allowed_signers does not list") || len(r.Problems) != 2 {
		t.Fatalf("problems: %v", r.Problems)
	}
	if want := []SignerLines{{"alice@laptop", 4}}; !slices.Equal(r.Signers, want) {
		t.Errorf("signers %v, want %v (line 4's signature vouches for lines 1-4)", r.Signers, want)
	}
}

// signEntries signs lines the way the journal's signer does (format 2: each
// signature over the seq, the hash and the claims of the key so far) and returns
// their journal.sigs lines.
func signEntries(t testing.TB, k *sshsig.Key, lines ...Signature) []byte {
	t.Helper()
	h := sha256.New()
	var out []byte
	for _, s := range lines {
		fmt.Fprintf(h, "%d\n", s.Seq)
		s.Key, s.Claims = k.Fingerprint(), hex.EncodeToString(h.Sum(nil))
		sig, err := k.SignJournal(ClaimMessage(s.Seq, s.Hash, s.Claims))
		if err != nil {
			t.Fatal(err)
		}
		s.Sig = sig
		out = appendSigLine(out, s)
	}
	return out
}

// countingChecker counts the signatures verify checks.
type countingChecker struct {
	*sshsig.AllowedSigners
	n atomic.Int64
}

func (c *countingChecker) CheckSignature(hash string, sig []byte, actor string, at time.Time) (string, bool, error) {
	c.n.Add(1)
	return c.AllowedSigners.CheckSignature(hash, sig, actor, at)
}

func (c *countingChecker) CheckMessage(msg, sig []byte, key string) (func(string, time.Time) (string, bool, error), error) {
	c.n.Add(1)
	return c.AllowedSigners.CheckMessage(msg, sig, key)
}

func verifyCounting(t *testing.T, dir, allowed string) (Report, int64) {
	t.Helper()
	as, err := sshsig.ReadAllowedSigners(allowed)
	if err != nil {
		t.Fatal(err)
	}
	c := &countingChecker{AllowedSigners: as}
	r, err := VerifyContext(context.Background(), dir, VerifyOptions{Signatures: c, RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	return r, c.n.Load()
}

// A key's newest signature vouches for all its lines: verify checks one signature
// per key, and names every line each signed.
func TestVerifyChecksTheNewestSignatureOfEachKey(t *testing.T) {
	alice, bob := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "ecdsa")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@*": alice, "bob@*": bob})
	j, dir := newIncident(t, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 12)
	j.Close()
	j, err := Open(dir, WithSigner(loadKey(t, bob.Private)))
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		j.Append("bob@laptop", "note", map[string]string{"text": "bob"})
	}
	j.Close()
	j, _ = Open(dir, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 5)
	j.Close()
	r, checks := verifyCounting(t, dir, allowed)
	want := []SignerLines{{"alice@*", 17}, {"bob@*", 8}}
	if !r.OK() || !slices.Equal(r.Signers, want) {
		t.Fatalf("%s; signers %v, want %v", r.Summary(), r.Signers, want)
	}
	if checks != 2 {
		t.Errorf("%d signatures checked for 2 keys", checks)
	}
}

// When a key's newest signature does not hold, verify checks its signatures one by
// one and names the line: a removed entry, a relabelled one and a forged one.
func TestBrokenClaimsAreNamedAtTheirLine(t *testing.T) {
	alice, bob := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@laptop": alice, "bob@laptop": bob})
	j, dir := newIncident(t, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 8)
	j.Close()
	sigPath := filepath.Join(dir, SigName)
	orig, _ := os.ReadFile(sigPath)
	lines := bytes.SplitAfter(orig, []byte("\n"))[:8]

	// Alice's signature of line 4 removed: line 4 is unsigned, and line 5 (the first
	// signature that claims it) names the gap.
	cut := slices.Concat(lines[:3], lines[4:])
	os.WriteFile(sigPath, bytes.Join(cut, nil), 0o600)
	r, checks := verifyCounting(t, dir, allowed)
	if len(r.Problems) != 2 || r.Problems[0].Line != 4 || !strings.Contains(r.Problems[0].What, "not signed") ||
		r.Problems[1].Line != 5 || !strings.Contains(r.Problems[1].What, "before seq 5 was removed, added or moved") {
		t.Fatalf("removed entry: %v", r.Problems)
	}
	if checks != 5 { // the newest's claims differ: 8, 7, 6, 5 (good, over other claims) and 3, one by one
		t.Errorf("%d checks, want 5", checks)
	}

	// A forged signature appended as alice's newest: named, and lines 1-8 still hers.
	forged := bytes.Replace(lines[7], []byte(`"seq":8`), []byte(`"seq":7`), 1)
	os.WriteFile(sigPath, slices.Concat(orig, forged), 0o600)
	r, _ = verifyCounting(t, dir, allowed)
	if len(r.Problems) != 1 || r.Problems[0].Line != 7 || r.Signers[0].Lines != 8 {
		t.Fatalf("forged newest: %v %v", r.Problems, r.Signers)
	}

	// Bob's key named on alice's signature of line 6: the entry's key is not its
	// signature's, and alice's claims lack line 6 from then on.
	re := bytes.Replace(lines[5], []byte(loadKey(t, alice.Private).Fingerprint()), []byte(loadKey(t, bob.Private).Fingerprint()), 1)
	os.WriteFile(sigPath, bytes.Join(slices.Concat(lines[:5], [][]byte{re}, lines[6:]), nil), 0o600)
	r, _ = verifyCounting(t, dir, allowed)
	got := map[int][]string{}
	for _, p := range r.Problems {
		got[p.Line] = append(got[p.Line], p.What)
	}
	if len(got) != 2 || !strings.Contains(strings.Join(got[6], " "), "not by") || !strings.Contains(strings.Join(got[7], " "), "removed, added or moved") {
		t.Fatalf("relabelled entry: %v", r.Problems)
	}
}

// journal.sigs written before claims existed (a signature over the bare hash) still
// verifies, one signature at a time.
func TestFormat1SignaturesStillVerify(t *testing.T) {
	alice := sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@laptop": alice})
	j, dir := newIncident(t)
	appendN(t, j, 4)
	j.Close()
	k := loadKey(t, alice.Private)
	var sigs []byte
	data := readJournal(t, dir)
	for seq := uint64(1); len(data) > 0; seq++ {
		h := string(data[hashOff : hashOff+hexLen])
		data = data[bytes.IndexByte(data, '\n')+1:]
		sig, err := k.SignHash(h)
		if err != nil {
			t.Fatal(err)
		}
		if seq == 3 {
			sig[len(sig)-1] ^= 1
		}
		sigs = appendSigLine(sigs, Signature{Seq: seq, Hash: h, Sig: sig})
	}
	os.WriteFile(filepath.Join(dir, SigName), sigs, 0o600)
	r, checks := verifyCounting(t, dir, allowed)
	if len(r.Problems) != 1 || r.Problems[0].Line != 3 || !strings.Contains(r.Problems[0].What, "bad signature") ||
		!slices.Equal(r.Signers, []SignerLines{{"alice@laptop", 3}}) || checks != 4 {
		t.Fatalf("%v %v, %d checks", r.Problems, r.Signers, checks)
	}
	// Lines signed from then on are in format 2, beside the old ones.
	j, _ = Open(dir, WithSigner(k))
	appendN(t, j, 2)
	j.Close()
	r, _ = verifyCounting(t, dir, allowed)
	if len(r.Problems) != 1 || !slices.Equal(r.Signers, []SignerLines{{"alice@laptop", 5}}) {
		t.Fatalf("%v %v", r.Problems, r.Signers)
	}
}

// Someone who can write the directory rewrites a signed line and recomputes every
// hash after it: the chain is intact again, but the signatures no longer fit.
func TestForgedRewriteBreaksTheSignatures(t *testing.T) {
	alice := sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@laptop": alice})
	j, dir := newIncident(t, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 5)
	j.Close()
	forged := rewriteFrom(t, readJournal(t, dir), 3, func(line []byte) []byte {
		return bytes.Replace(line, []byte("moved on"), []byte("did nothing"), 1)
	})
	writeJournal(t, dir, forged)
	os.Remove(filepath.Join(dir, HeadName)) // or rewrite it: verify checks the chain
	r := verifySigned(t, dir, allowed, false)
	n := 0
	for _, p := range r.Problems {
		if p.Line >= 3 && strings.Contains(p.What, "not this line's hash") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("forged lines 3-5: %v", r.Problems)
	}
	// Deleting journal.sigs too leaves the lines unsigned, which the policy refuses.
	os.Remove(filepath.Join(dir, SigName))
	if r := verifySigned(t, dir, allowed, true); r.OK() || r.UnsignedCount() != 5 {
		t.Fatalf("unsigned after the sidecar is gone: %+v", r)
	}
}

// rewriteFrom edits lines from..end of a journal with edit and recomputes every hash
// and prev link after the first edit, as a forger would.
func rewriteFrom(t testing.TB, b []byte, from int, edit func([]byte) []byte) []byte {
	t.Helper()
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines = lines[:len(lines)-1]
	h := newLineHasher()
	var out []byte
	prev := ""
	for i, l := range lines {
		if i+1 >= from {
			l = edit(append([]byte(nil), l...))
			copy(l[prevOff:], prev)
			var sum [hexLen]byte
			h.hash(l, &sum)
			copy(l[hashOff:], sum[:])
		}
		prev = string(l[hashOff : hashOff+hexLen])
		out = append(out, l...)
	}
	return out
}

// The README's hand check of a signed line, with stock tools only, runs as written.
func TestREADMESignatureRecipe(t *testing.T) {
	sshsigtest.Need(t)
	alice := sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@laptop": alice})
	j, dir := newIncident(t, WithSigner(loadKey(t, alice.Private)))
	appendN(t, j, 3)
	j.Close()
	recipe := readmeBlock(t, "To check line 2's signature by hand")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", recipe)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ALLOWED_SIGNERS="+allowed)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `Good "muster-journal" signature for alice@laptop`) {
		t.Fatalf("recipe:\n%s\n%v: %s", recipe, err, out)
	}
}

// readmeBlock returns the ```sh block that follows the README paragraph starting
// with lead.
func readmeBlock(t testing.TB, lead string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), lead)
	if !ok {
		t.Fatalf("README has no paragraph %q", lead)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatalf("no ```sh block after %q", lead)
	}
	return block
}
