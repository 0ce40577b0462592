package scenarios

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeScenarioExampleLints: the complete example under "Scenario (TOML)" in the
// README is a scenario muster accepts, with the library's runbooks.
func TestReadmeScenarioExampleLints(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Skip("no README.md beside the module:", err)
	}
	_, section, ok := strings.Cut(string(data), "### Scenario (TOML)")
	if !ok {
		t.Fatal("README has no Scenario (TOML) section")
	}
	_, block, ok := strings.Cut(section, "```toml\n")
	if !ok {
		t.Fatal("the Scenario (TOML) section has no TOML example")
	}
	block, _, _ = strings.Cut(block, "```")
	sc, ps := Parse("README.md", []byte(block), Env{Runbooks: runbookLibrary(t)})
	if len(ps) > 0 {
		t.Fatalf("the README example has problems:\n%v", ps)
	}
	if len(sc.Pools) == 0 || sc.Injects[1].After == nil {
		t.Error("the example no longer shows pools and relative timing")
	}
	seen := map[string]bool{}
	for _, in := range sc.Injects {
		for _, x := range in.Expects {
			seen[x.Kind] = true
		}
	}
	for _, k := range ExpectKinds {
		if !seen[k] {
			t.Errorf("the example shows no %s expectation", k)
		}
	}
}
