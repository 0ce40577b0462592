package sshsig

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Key is a configured signing key: a private key file, or a key held by ssh-agent.
type Key struct {
	ssh.Signer
	// From says where the key is: the file, or "ssh-agent".
	From string
	conn net.Conn
}

// Close ends the connection to ssh-agent, if any.
func (k *Key) Close() error {
	if k.conn != nil {
		return k.conn.Close()
	}
	return nil
}

// Fingerprint is the key's SHA256 fingerprint, as ssh-keygen -l prints it.
func (k *Key) Fingerprint() string { return ssh.FingerprintSHA256(k.PublicKey()) }

// KeyFingerprint is Fingerprint for the journal's Signer.
func (k *Key) KeyFingerprint() (string, error) { return k.Fingerprint(), nil }

// SignJournal signs msg (a journal.sigs message) in NamespaceJournal; with
// KeyFingerprint it is the journal's Signer.
func (k *Key) SignJournal(msg []byte) ([]byte, error) {
	return Sign(k.Signer, NamespaceJournal, msg)
}

// SignHash signs a journal line's hash (64 hex characters) in NamespaceJournal, as the
// first format of journal.sigs did (still read and checked).
func (k *Key) SignHash(hash string) ([]byte, error) {
	return Sign(k.Signer, NamespaceJournal, []byte(hash))
}

// LoadKey opens the signing key spec names, the way git's user.signingKey does for
// gpg.format=ssh: a public key file (id_ed25519.pub) means that key in ssh-agent
// ($SSH_AUTH_SOCK); a private key file is used directly (it must not be
// passphrase-protected: add such keys to ssh-agent). A leading ~/ is the home
// directory.
func LoadKey(spec string) (*Key, error) {
	path := spec
	if strings.HasPrefix(path, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", spec, err)
		}
		path = filepath.Join(home, path[2:])
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
		return agentKey(path, pub)
	}
	s, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("signing key %s is protected by a passphrase: add it to ssh-agent (ssh-add %s) and configure %s.pub instead", path, path, path)
	case err != nil:
		return nil, fmt.Errorf("signing key %s is neither a public nor a private SSH key: %v", path, err)
	}
	return &Key{Signer: s, From: path}, nil
}

// agentKey finds pub among the keys ssh-agent holds.
func agentKey(path string, pub ssh.PublicKey) (*Key, error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, fmt.Errorf("signing key %s is a public key, to be used from ssh-agent, but SSH_AUTH_SOCK is not set (start ssh-agent and ssh-add the key)", path)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: cannot reach ssh-agent: %w", path, err)
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("signing key %s: ssh-agent: %w", path, err)
	}
	want := string(pub.Marshal())
	for _, s := range signers {
		if string(s.PublicKey().Marshal()) == want {
			return &Key{Signer: s, From: "ssh-agent", conn: conn}, nil
		}
	}
	conn.Close()
	return nil, fmt.Errorf("signing key %s (%s) is not in ssh-agent: run ssh-add with its private key", path, ssh.FingerprintSHA256(pub))
}
