package incident

import (
	"os"
	"strings"
	"testing"
)

// README's services.toml example is a file muster reads.
func TestReadmeServicesExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### Services (services.toml)")
	if !ok {
		t.Fatal("README has no services section")
	}
	_, rest, _ = strings.Cut(rest, "```toml\n")
	block, _, _ := strings.Cut(rest, "```")
	s, err := ParseServices("README.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Services) != 2 || s.Services[0].Maintenance[0].Note != "database upgrade" {
		t.Errorf("%+v", s.Services)
	}
}
