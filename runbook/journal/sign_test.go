package journal

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
	// Line 2's signature damaged: flip one base64 character inside the signature.
	l2 := []byte(string(lines[1]))
	i := len(l2) - 10
	if l2[i] == 'A' {
		l2[i] = 'B'
	} else {
		l2[i] = 'A'
	}
	// Line 3 signed by mallory instead.
	mk := loadKey(t, mallory.Private)
	h3 := string(lines[2][len(`{"seq":3,"hash":"`) : len(`{"seq":3,"hash":"`)+64])
	ms, _ := mk.SignHash(h3)
	l3 := appendSigLine(nil, Signature{Seq: 3, Hash: h3, Sig: ms})
	os.WriteFile(sigPath, bytes.Join([][]byte{lines[0], l2, l3, lines[3], lines[4]}, nil), 0o600)
	r = verifySigned(t, dir, allowed, false)
	got := map[int]string{}
	for _, p := range r.Problems {
		got[p.Line] = p.What
	}
	if !strings.Contains(got[2], "bad signature") || !strings.Contains(got[3], "allowed_signers does not list") || len(r.Problems) != 3 {
		t.Fatalf("problems: %v", r.Problems)
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
