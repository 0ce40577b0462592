package sshsig_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/journal/sshsig/sshsigtest"
)

const lineHash = "dd5c3a37daa6b7735034a91b7839179370c6d0c6723e493b3c93c22d1180db4d"

// A signature muster makes is accepted by stock ssh-keygen -Y verify, for every key
// type, from a key file and from a real ssh-agent.
func TestSignaturesCheckWithSSHKeygen(t *testing.T) {
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		key := sshsigtest.NewKey(t, typ)
		allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@example.com": key})
		t.Run(typ+" key file", func(t *testing.T) {
			k, err := sshsig.LoadKey(key.Private)
			if err != nil {
				t.Fatal(err)
			}
			checkWithKeygen(t, k, allowed)
		})
		t.Run(typ+" ssh-agent", func(t *testing.T) {
			sshsigtest.StartAgent(t, key)
			k, err := sshsig.LoadKey(key.Public)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			if k.From != "ssh-agent" {
				t.Fatalf("key from %s, want ssh-agent", k.From)
			}
			checkWithKeygen(t, k, allowed)
		})
	}
}

func checkWithKeygen(t *testing.T, k *sshsig.Key, allowed string) {
	t.Helper()
	blob, err := k.SignHash(lineHash)
	if err != nil {
		t.Fatal(err)
	}
	sigFile := filepath.Join(t.TempDir(), "line.sig")
	if err := os.WriteFile(sigFile, sshsig.Armor(blob), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := sshsigtest.Verify(t, allowed, "alice@example.com", sshsig.NamespaceJournal, sigFile, []byte(lineHash))
	if err != nil || !strings.Contains(out, `Good "muster-journal" signature for alice@example.com`) {
		t.Fatalf("ssh-keygen -Y verify: %v: %s", err, out)
	}
	// The same signature for another message, or in another namespace, is refused.
	if out, err := sshsigtest.Verify(t, allowed, "alice@example.com", sshsig.NamespaceJournal, sigFile, []byte(strings.Repeat("0", 64))); err == nil {
		t.Fatalf("ssh-keygen accepted the signature for another hash: %s", out)
	}
	if out, err := sshsigtest.Verify(t, allowed, "alice@example.com", "git", sigFile, []byte(lineHash)); err == nil {
		t.Fatalf("ssh-keygen accepted the signature in another namespace: %s", out)
	}
	as, err := sshsig.ReadAllowedSigners(allowed)
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := as.CheckSignature(lineHash, blob, "alice@example.com", time.Now())
	if err != nil || !ok || p != "alice@example.com" {
		t.Fatalf("CheckSignature = %q, %v, %v", p, ok, err)
	}
	if _, ok, err := as.CheckSignature(lineHash, blob, "mallory@example.com", time.Now()); err != nil || ok {
		t.Fatalf("actor mallory accepted for alice's key: %v, %v", ok, err)
	}
	if _, _, err := as.CheckSignature(strings.Repeat("1", 64), blob, "alice@example.com", time.Now()); err == nil {
		t.Fatal("signature accepted for another hash")
	}
}

// A signature made by stock ssh-keygen -Y sign is accepted by muster.
func TestSSHKeygenSignaturesCheckInMuster(t *testing.T) {
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		key := sshsigtest.NewKey(t, typ)
		msg := filepath.Join(t.TempDir(), "msg")
		os.WriteFile(msg, []byte(lineHash), 0o600)
		if out, err := exec.Command("ssh-keygen", "-Y", "sign", "-q", "-f", key.Private, "-n", sshsig.NamespaceJournal, msg).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen -Y sign: %v: %s", err, out)
		}
		text, err := os.ReadFile(msg + ".sig")
		if err != nil {
			t.Fatal(err)
		}
		blob, err := sshsig.Dearmor(text)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sshsig.Verify(blob, sshsig.NamespaceJournal, []byte(lineHash)); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
		if _, err := sshsig.Verify(blob, sshsig.NamespaceHead, []byte(lineHash)); err == nil {
			t.Errorf("%s: accepted in the wrong namespace", typ)
		}
	}
}

func TestUnknownKeyAndOptions(t *testing.T) {
	alice, bob := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "ed25519")
	k, err := sshsig.LoadKey(bob.Private)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := k.SignHash(lineHash)
	as, err := sshsig.ParseAllowedSigners("allowed", []byte("# team\n\nalice@example.com "+alice.AuthorizedKey+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := as.CheckSignature(lineHash, blob, "bob", time.Now()); !errors.Is(err, sshsig.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	when := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)
	cases := []struct {
		name, entry, actor string
		at                 time.Time
		want               string // error text, "" ok, "actor" actor mismatch
	}{
		{"wildcard principals match the actor", `"bob@*,!bob@evil" ` + bob.AuthorizedKey, "bob@laptop", when, ""},
		{"a negated principal does not", `bob@*,!bob@evil ` + bob.AuthorizedKey, "bob@evil", when, "actor"},
		{"namespaces that include muster-journal", `bob@x namespaces="git,muster-*" ` + bob.AuthorizedKey, "bob@x", when, ""},
		{"namespaces without it", `bob@x namespaces="git" ` + bob.AuthorizedKey + " comment", "bob@x", when, "allows namespaces git"},
		{"signed before valid-after", `bob@x valid-after="20261124Z" ` + bob.AuthorizedKey, "bob@x", when, "valid only after"},
		{"signed after valid-before", `bob@x valid-before="202611231000Z" ` + bob.AuthorizedKey, "bob@x", when, "valid only before"},
		{"inside the validity window", `bob@x valid-after="20261101Z",valid-before="20261201Z" ` + bob.AuthorizedKey, "bob@x", when, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as, err := sshsig.ParseAllowedSigners("allowed", []byte(c.entry+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, ok, err := as.CheckSignature(lineHash, blob, c.actor, c.at)
			switch {
			case c.want == "" && (err != nil || !ok):
				t.Fatalf("got %v, %v; want accepted", ok, err)
			case c.want == "actor" && (err != nil || ok):
				t.Fatalf("got %v, %v; want an actor mismatch", ok, err)
			case c.want != "" && c.want != "actor" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, %v; want %q", ok, err, c.want)
			}
		})
	}
}

// Every malformed line of an allowed_signers file is reported at once, with
// file:line:col.
func TestAllowedSignersErrors(t *testing.T) {
	k := sshsigtest.NewKey(t, "ed25519")
	src := "alice@example.com " + k.AuthorizedKey + "\n" +
		"bob@example.com\n" +
		"  carol@example.com ssh-ed25519 not-base64\n" +
		"dave@example.com cert-authority " + k.AuthorizedKey + "\n" +
		"erin@example.com valid-after=\"tomorrow\" " + k.AuthorizedKey + "\n" +
		"\"frank@example.com " + k.AuthorizedKey + "\n" +
		"gina@example.com restrict " + k.AuthorizedKey + "\n"
	_, err := sshsig.ParseAllowedSigners("team/allowed_signers", []byte(src))
	var pe *sshsig.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"team/allowed_signers:2:16: expected principals then a key",
		"team/allowed_signers:3:21: expected [options] keytype base64-key",
		"team/allowed_signers:4:18: cert-authority entries are not supported",
		"team/allowed_signers:5:18: option valid-after:",
		"team/allowed_signers:6:1: unterminated quoted principals",
		"team/allowed_signers:7:18: unknown option \"restrict\"",
	}
	if len(pe.Problems) != len(want) {
		t.Fatalf("got %d problems:\n%s", len(pe.Problems), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(pe.Problems[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, pe.Problems[i], w)
		}
	}
	if _, err := sshsig.ParseAllowedSigners("empty", []byte("# nobody\n")); err == nil {
		t.Error("an allowed_signers file without signers was accepted")
	}
}

func TestLoadKeyErrors(t *testing.T) {
	k := sshsigtest.NewKey(t, "ed25519")
	t.Setenv("SSH_AUTH_SOCK", "")
	if _, err := sshsig.LoadKey(k.Public); err == nil || !strings.Contains(err.Error(), "SSH_AUTH_SOCK is not set") {
		t.Errorf("public key without an agent: %v", err)
	}
	enc := filepath.Join(t.TempDir(), "id_enc")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", enc).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := sshsig.LoadKey(enc); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("encrypted key: %v", err)
	}
	other := sshsigtest.NewKey(t, "ed25519")
	sshsigtest.StartAgent(t, other)
	if _, err := sshsig.LoadKey(k.Public); err == nil || !strings.Contains(err.Error(), "not in ssh-agent") {
		t.Errorf("key missing from the agent: %v", err)
	}
}
