package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/journal/rfc3161/tsatest"
	"github.com/muster-ir/muster/runbook/journal/sshsig/sshsigtest"
)

func startIncident(c *cli, args ...string) string {
	c.t.Helper()
	return strings.TrimSpace(c.ok(append(args, "incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down")...))
}

// Responders sign with the key configured in config.toml (through a real ssh-agent)
// or given with --sign-key (a key file); verify --allowed-signers names the signers,
// the unsigned lines and a line whose actor is not the key's principal.
func TestSignedIncidentEndToEnd(t *testing.T) {
	alice, bob := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "rsa")
	sshsigtest.StartAgent(t, alice)
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@test": alice, "bob@test": bob})
	c := newCLI(t)
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("[signing]\nkey = \""+alice.Public+"\"\n"), 0o600)

	id := startIncident(c)
	c.ok("incident", "note", id, "signed through the agent")
	c.ok("--sign-key", "none", "incident", "note", id, "unsigned on purpose")
	c.ok("--actor", "bob@test", "--sign-key", bob.Private, "incident", "note", id, "signed by bob's key file (rsa-sha2-512)")

	out := c.ok("evidence", "verify", id, "--allowed-signers", allowed)
	for _, want := range []string{"signed by alice@test: 2 lines", "signed by bob@test: 1 line", "unsigned: 1 line (3)", "intact: 4 events"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if out := c.ok("evidence", "verify", id); !strings.Contains(out, "signatures: 3 in journal.sigs, not checked") {
		t.Errorf("verify without allowed signers:\n%s", out)
	}
	// The policy option makes the unsigned line an error, named.
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("[signing]\nkey = \""+alice.Public+"\"\nallowed_signers = \""+allowed+"\"\nrequire_signed = true\n"), 0o600)
	code, out, errs := c.run("", "evidence", "verify", id)
	if code != 1 || !strings.Contains(out, "line 3 (seq 3): not signed, and every line must be") {
		t.Errorf("require_signed: exit %d\n%s%s", code, out, errs)
	}
	// A responder claiming to be bob while signing with alice's key.
	c.ok("--actor", "bob@test", "incident", "note", id, "typed as bob")
	code, out, _ = c.run("", "evidence", "verify", id, "--allowed-signers", allowed)
	if code != 1 || !strings.Contains(out, `line 5 (seq 5): actor "bob@test" is not among the principals "alice@test"`) {
		t.Errorf("actor mismatch: exit %d\n%s", code, out)
	}
}

// A configured key that cannot be used refuses the write up front (exit 2) and says
// how to go on.
func TestUnusableSigningKeyRefusesTheWrite(t *testing.T) {
	alice := sshsigtest.NewKey(t, "ed25519")
	c := newCLI(t)
	id := startIncident(c)
	t.Setenv("SSH_AUTH_SOCK", "")
	errs := c.exits(2, "--sign-key", alice.Public, "incident", "note", id, "x")
	if !strings.Contains(errs, "SSH_AUTH_SOCK is not set") || !strings.Contains(errs, "--sign-key=none") {
		t.Errorf("stderr: %s", errs)
	}
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("[signing]\nkee = \"x\"\n"), 0o600)
	if errs := c.exits(2, "incident", "note", id, "x"); !strings.Contains(errs, "config.toml:2:1:") {
		t.Errorf("bad config: %s", errs)
	}
}

// The head is published, the whole journal is later forged with recomputed hashes
// (plain verify passes): --expect with the published line fails at its seq, exit 1.
func TestPublishedHeadCatchesAForgedRewrite(t *testing.T) {
	alice := sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@test": alice})
	c := newCLI(t)
	id := startIncident(c, "--sign-key", alice.Private)
	c.ok("--sign-key", alice.Private, "incident", "note", id, "the database is down")
	head := strings.TrimSpace(c.ok("--sign-key", alice.Private, "evidence", "head", id))
	if !strings.HasPrefix(head, "muster-head "+id+" seq=2 hash=") || !strings.Contains(head, " sig=") {
		t.Fatalf("head: %q", head)
	}
	out := c.ok("evidence", "verify", id, "--expect", head, "--allowed-signers", allowed)
	if !strings.Contains(out, "holds the published head seq 2 (signed by alice@test)") {
		t.Errorf("verify --expect:\n%s", out)
	}
	hashOnly := strings.Fields(head)[3][len("hash="):]
	c.ok("evidence", "verify", id, "--expect", "2:"+hashOnly)

	// The forger builds a new journal in another data directory and copies it over.
	f := newCLI(t)
	fid := startIncident(f)
	f.ok("incident", "note", fid, "nothing happened")
	src, dst := filepath.Join(f.home, "incidents", fid), filepath.Join(c.home, "incidents", id)
	for _, name := range []string{"journal.jsonl", "journal.head"} {
		b, _ := os.ReadFile(filepath.Join(src, name))
		os.WriteFile(filepath.Join(dst, name), b, 0o600)
	}
	os.Remove(filepath.Join(dst, "journal.sigs"))
	c.ok("evidence", "verify", id) // the chain alone cannot tell
	code, out, _ := c.run("", "evidence", "verify", id, "--expect", head)
	if code != 1 || !strings.Contains(out, "line 2 (seq 2): hash") || !strings.Contains(out, "differs from the published head") {
		t.Errorf("forged: exit %d\n%s", code, out)
	}
	if errs := c.exits(2, "evidence", "verify", id, "--expect", "muster-head nonsense"); !strings.Contains(errs, "--expect") {
		t.Errorf("bad --expect: %s", errs)
	}
}

// An edited frozen runbook or policy is caught by verify, naming the file and the line
// that froze it; so is one replaced by a symlink.
func TestVerifyChecksTheFrozenFiles(t *testing.T) {
	c := newCLI(t)
	id := startIncident(c)
	dir := filepath.Join(c.home, "incidents", id)
	f, _ := os.OpenFile(filepath.Join(dir, "policy.toml"), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("\n# quietly relaxed\n")
	f.Close()
	rb := filepath.Join(dir, "runbook.toml")
	b, _ := os.ReadFile(rb)
	elsewhere := filepath.Join(t.TempDir(), "runbook.toml")
	os.WriteFile(elsewhere, b, 0o600)
	os.Remove(rb)
	os.Symlink(elsewhere, rb)
	code, out, _ := c.run("", "evidence", "verify", id)
	if code != 1 || !strings.Contains(out, "line 1 (seq 1): policy.toml: the frozen copy changed after line 1 froze it") ||
		!strings.Contains(out, "line 1 (seq 1): runbook.toml: the frozen copy cannot be read: ") || !strings.Contains(out, "is a symbolic link") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// An export carries the head line, the signers and a detached signature of SHA256SUMS
// that stock tools check without muster.
func TestSignedExportChecksWithStockTools(t *testing.T) {
	alice := sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@test": alice})
	c := newCLI(t)
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("[signing]\nkey = \""+alice.Private+"\"\nallowed_signers = \""+allowed+"\"\n"), 0o600)
	id := startIncident(c)
	c.ok("incident", "note", id, "signed")
	out := filepath.Join(t.TempDir(), "export")
	c.ok("evidence", "export", id, out)
	head, _ := os.ReadFile(filepath.Join(out, "HEAD"))
	signers, _ := os.ReadFile(filepath.Join(out, "SIGNERS"))
	if !strings.HasPrefix(string(head), "muster-head "+id+" seq=2 ") || !strings.Contains(string(head), " sig=") ||
		string(signers) != "alice@test\t2 lines\nunsigned\t0 lines\n" {
		t.Errorf("HEAD %q SIGNERS %q", head, signers)
	}
	sums := exec.Command("sha256sum", "-c", "--quiet", "SHA256SUMS")
	sums.Dir = out
	if b, err := sums.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v %s", err, b)
	}
	sumsBytes, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if msg, err := sshsigtest.Verify(t, allowed, "alice@test", "file", filepath.Join(out, "SHA256SUMS.sig"), sumsBytes); err != nil {
		t.Errorf("ssh-keygen -Y verify of SHA256SUMS.sig: %v %s", err, msg)
	}
	if msg, err := sshsigtest.Verify(t, allowed, "alice@test", "file", filepath.Join(out, "SHA256SUMS.sig"), append(sumsBytes, 'x')); err == nil {
		t.Errorf("a changed SHA256SUMS verified: %s", msg)
	}
}

// A note that cleaning would alter (ESC, NUL, invalid UTF-8, a bidi override) is
// refused with the reason; nothing is written.
func TestNotesAreStoredExactlyOrRefused(t *testing.T) {
	c := newCLI(t)
	id := startIncident(c)
	for _, text := range []string{"red \x1b[31malert", "nul\x00byte", "latin1 caf\xe9", "evil \u202e txt.exe"} {
		if code, _, errs := c.run("", "incident", "note", id, text); code != 1 || !strings.Contains(errs, "the note") {
			t.Errorf("note %q: exit %d: %s", text, code, errs)
		}
	}
	if errs := c.exits(2, "--actor", "ali\u200bce", "incident", "note", id, "x"); !strings.Contains(errs, "invisible formatting character") {
		t.Errorf("zero-width actor: %s", errs)
	}
	c.ok("incident", "note", id, "tab\tand\r\nnewlines are fine")
	if out := c.ok("evidence", "verify", id); !strings.Contains(out, "intact: 2 events") {
		t.Errorf("refused notes were written: %s", out)
	}
}

// A responder has the head timestamped by a TSA (a real openssl ts behind HTTP);
// verify checks the reply against the configured CA, openssl ts -verify accepts the
// stored file, and a TSA that cannot be reached is exit 2 with nothing stored.
func TestTimestampEndToEnd(t *testing.T) {
	tsa := tsatest.Start(t, "sha256")
	c := newCLI(t)
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("[timestamp]\nurl = \""+tsa.URL+"\"\nca_file = \""+tsa.CAFile+"\"\n"), 0o600)
	id := startIncident(c)
	c.ok("incident", "note", id, "the database is down")
	out := c.ok("evidence", "timestamp", id)
	if !strings.Contains(out, "timestamped seq 2 hash ") || !strings.Contains(out, "CN=muster test TSA") || !strings.Contains(out, "trusted through") {
		t.Fatalf("timestamp:\n%s", out)
	}
	if out := c.ok("evidence", "timestamp", id); !strings.Contains(out, "seq 2 is already timestamped") || tsa.Requests() != 1 {
		t.Errorf("again (%d requests):\n%s", tsa.Requests(), out)
	}
	c.ok("incident", "note", id, "failover started")
	out = c.ok("evidence", "verify", id)
	if !strings.Contains(out, "timestamped: seq 2 at ") || !strings.Contains(out, "(journal.ts-2.tsr; TSA trusted through the CA file)") {
		t.Errorf("verify:\n%s", out)
	}
	// openssl checks the stored reply with the line's hash.
	dir := filepath.Join(c.home, "incidents", id)
	journalBytes, _ := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	line2 := strings.Split(string(journalBytes), "\n")[1]
	o, err := exec.Command("openssl", "ts", "-verify", "-digest", line2[83:147], "-in", filepath.Join(dir, "journal.ts-2.tsr"), "-CAfile", tsa.CAFile).CombinedOutput()
	if err != nil || !strings.Contains(string(o), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, o)
	}
	// Without the CA the timestamp's trust is unknown, not a pass.
	os.WriteFile(filepath.Join(c.home, "config.toml"), nil, 0o600)
	if out := c.ok("evidence", "verify", id); !strings.Contains(out, "not checked against a CA: unknown") {
		t.Errorf("verify without a CA:\n%s", out)
	}
	// Another CA: the TSA is not trusted, exit 1.
	other := tsatest.Start(t, "sha1")
	code, out, _ := c.run("", "evidence", "verify", id, "--tsa-ca", other.CAFile)
	if code != 1 || !strings.Contains(out, "journal.ts-2.tsr: timestamp: the TSA's certificate") {
		t.Errorf("another CA: exit %d\n%s", code, out)
	}
	// A TSA that is not there: exit 2, nothing stored.
	errs := c.exits(2, "evidence", "timestamp", id, "--tsa", "http://127.0.0.1:1/tsr")
	if !strings.Contains(errs, "127.0.0.1:1") {
		t.Errorf("no TSA: %s", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "journal.ts-3.tsr")); err == nil {
		t.Error("a reply was stored although the TSA did not answer")
	}
}

// The incident report carries the journal's head line (signed), who signed which
// lines and the timestamps, in Markdown and JSON; export's report.md too.
func TestReportNamesHeadAndSigners(t *testing.T) {
	alice := sshsigtest.NewKey(t, "ed25519")
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@test": alice})
	tsa := tsatest.Start(t, "sha256")
	c := newCLI(t)
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("[signing]\nkey = \""+alice.Private+"\"\nallowed_signers = \""+allowed+
		"\"\n[timestamp]\nurl = \""+tsa.URL+"\"\nca_file = \""+tsa.CAFile+"\"\n"), 0o600)
	id := startIncident(c)
	c.ok("incident", "note", id, "the database is down")
	c.ok("--sign-key", "none", "incident", "note", id, "unsigned")
	c.ok("evidence", "timestamp", id)
	md := c.ok("incident", "report", id)
	for _, want := range []string{
		"Verified when this report was made: intact: 3 events",
		"    muster-head " + id + " seq=3 hash=",
		" sig=U1NIU0lH",
		"- alice@test: 2 lines\n- unsigned: 1 lines",
		"Timestamped (RFC 3161): seq 3 at ",
		"journal.ts-3.tsr; TSA trusted through the configured CA",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	js := c.ok("incident", "report", id, "--format", "json")
	for _, want := range []string{`"head": "muster-head ` + id + ` seq=3`, `"principal": "alice@test"`, `"unsigned_lines": 1`, `"file": "journal.ts-3.tsr"`} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON report lacks %q:\n%s", want, js)
		}
	}
	out := filepath.Join(t.TempDir(), "export")
	c.ok("evidence", "export", id, out)
	if b, _ := os.ReadFile(filepath.Join(out, "report.md")); !strings.Contains(string(b), "- alice@test: 2 lines") {
		t.Errorf("export's report.md:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "journal.ts-3.tsr")); len(b) == 0 {
		t.Error("export lacks the timestamp")
	}
}
