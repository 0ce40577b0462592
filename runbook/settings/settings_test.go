package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if s, err := Load(path); err != nil || s != (Settings{}) {
		t.Fatalf("missing file: %+v, %v", s, err)
	}
	os.WriteFile(path, []byte("schema = 1\n[signing]\nkey = \"~/.ssh/id_ed25519.pub\"\nallowed_signers = \"allowed_signers\"\nrequire_signed = true\n"), 0o600)
	s, err := Load(path)
	home, _ := os.UserHomeDir()
	if err != nil || s.Signing.Key != filepath.Join(home, ".ssh/id_ed25519.pub") ||
		s.Signing.AllowedSigners != filepath.Join(dir, "allowed_signers") || !s.Signing.RequireSigned {
		t.Fatalf("%+v, %v", s, err)
	}
	os.WriteFile(path, []byte("schema = 2\n[signing]\nkye = \"x\"\nrequire_signed = \"yes\"\n"), 0o600)
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "config.toml:3:1:") || !strings.Contains(err.Error(), "config.toml:4:") {
		t.Fatalf("want every problem with its position, got %v", err)
	}
}
