package sshsig

import (
	"testing"
	"time"
)

const fuzzKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbUeaj3R4x9fyA8o0sD4zSqYw3pbGJzdmL0bN3n2Y1x"

// FuzzParseAllowedSigners: any bytes as an allowed_signers file never panic; a file
// that parses has at least one signer with principals and a key.
func FuzzParseAllowedSigners(f *testing.F) {
	f.Add([]byte("alice@example.com " + fuzzKey + " alice\n"))
	f.Add([]byte("# c\n\"a b\",c@* namespaces=\"git,muster-journal\",valid-after=\"20260101Z\" " + fuzzKey + "\n"))
	f.Add([]byte("x cert-authority " + fuzzKey + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		as, err := ParseAllowedSigners("f", b)
		if err != nil {
			return
		}
		for _, ss := range as.byKey {
			for _, s := range ss {
				if s.Principals == "" || s.Key == nil || len(s.patterns) == 0 {
					t.Fatalf("signer %+v", s)
				}
				s.Match("alice@example.com")
			}
		}
	})
}

// FuzzVerifySSHSIG: any bytes as a signature are refused without a panic (a real
// signature of this message is not reachable by the fuzzer).
func FuzzVerifySSHSIG(f *testing.F) {
	f.Add([]byte("SSHSIG\x00\x00\x00\x01"))
	f.Add([]byte("SSHSIG\x00\x00\x00\x01\x00\x00\x00\x33\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	as, err := ParseAllowedSigners("f", []byte("a "+fuzzKey+"\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		if _, err := Verify(blob, NamespaceJournal, []byte("m")); err == nil {
			t.Fatal("accepted a fuzzed signature")
		}
		if _, _, err := as.CheckSignature("m", blob, "a", time.Time{}); err == nil {
			t.Fatal("accepted a fuzzed signature")
		}
	})
}
