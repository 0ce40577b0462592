// Package sshsigtest gives tests real OpenSSH parts: throwaway keys made by
// ssh-keygen, a real ssh-agent, and ssh-keygen -Y verify.
package sshsigtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Need skips the test when OpenSSH's tools are missing, unless MUSTER_REQUIRE_SSH is
// set (CI sets it), which fails it instead.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range append([]string{"ssh-keygen"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("MUSTER_REQUIRE_SSH") != "" {
				t.Fatalf("%s is required (MUSTER_REQUIRE_SSH is set): %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

// Key is a throwaway key pair in a temporary directory.
type Key struct {
	Private, Public string // file paths
	AuthorizedKey   string // the public key line without its comment: "ssh-ed25519 AAAA..."
}

// NewKey makes a key of typ ("ed25519", "ecdsa", "rsa") with ssh-keygen, without a
// passphrase.
func NewKey(t testing.TB, typ string) Key {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	priv := filepath.Join(dir, "id_"+typ)
	args := []string{"-q", "-t", typ, "-N", "", "-C", "test@" + typ, "-f", priv}
	if typ == "rsa" {
		args = append(args, "-b", "2048")
	}
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(priv + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(pub))
	return Key{Private: priv, Public: priv + ".pub", AuthorizedKey: f[0] + " " + f[1]}
}

// StartAgent starts a real ssh-agent on a socket in a temporary directory, adds the
// keys' private halves, sets SSH_AUTH_SOCK for the test and stops the agent at the
// end.
func StartAgent(t testing.TB, keys ...Key) string {
	t.Helper()
	Need(t, "ssh-agent", "ssh-add")
	dir, err := os.MkdirTemp("", "agent") // short: a socket path is at most ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	cmd := exec.Command("ssh-agent", "-D", "-a", sock)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i > 500 {
			t.Fatal("ssh-agent did not create its socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Setenv("SSH_AUTH_SOCK", sock)
	for _, k := range keys {
		c := exec.Command("ssh-add", "-q", k.Private)
		c.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add: %v: %s", err, out)
		}
	}
	return sock
}

// AllowedSigners writes an allowed_signers file with one line per principal and key.
func AllowedSigners(t testing.TB, entries map[string]Key) string {
	t.Helper()
	var b strings.Builder
	for p, k := range entries {
		b.WriteString(p + " " + k.AuthorizedKey + "\n")
	}
	path := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Verify runs `ssh-keygen -Y verify -f allowed -I principal -n namespace -s sigFile`
// with msg on stdin and returns its output and error.
func Verify(t testing.TB, allowed, principal, namespace, sigFile string, msg []byte) (string, error) {
	t.Helper()
	cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", allowed, "-I", principal, "-n", namespace, "-s", sigFile)
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
