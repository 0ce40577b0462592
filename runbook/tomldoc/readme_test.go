package tomldoc

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeRedefinitionExample: README's "TOML version" section shows a file that
// used to lose a value, and the line muster prints for it.
func TestReadmeRedefinitionExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "### TOML version")
	if !ok {
		t.Fatal(`README.md has no "### TOML version" section`)
	}
	_, src, ok := strings.Cut(section, "```toml\n")
	src, rest, ok2 := strings.Cut(src, "```")
	_, out, ok3 := strings.Cut(rest, "```\n")
	out, _, ok4 := strings.Cut(out, "```")
	if !ok || !ok2 || !ok3 || !ok4 {
		t.Fatal("the section has no ```toml example followed by its output")
	}
	_, ps := DecodeTree("runbook.toml", []byte(src))
	if got := ps.Error() + "\n"; got != out {
		t.Errorf("README shows\n%s\nmuster prints\n%s", out, got)
	}
}
