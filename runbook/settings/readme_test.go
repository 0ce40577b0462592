package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// README's [tui] example reads as it says.
func TestReadmeTUIExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "### The terminal UI")
	_, block, ok := strings.Cut(section, "```toml\n[tui]")
	if !ok {
		t.Fatal("README's terminal UI section has no [tui] example")
	}
	block, _, _ = strings.Cut("[tui]"+block, "```")
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil || s.TUI.Reminder() != 15*time.Minute {
		t.Errorf("README's [tui] example: %v, %v", s.TUI.Reminder(), err)
	}
}
