package scenarios

import (
	"os"
	"strings"
	"testing"
)

// A step the start does (done_by = "start") is done before anyone acts: a scenario
// that expects it would score a point nobody earned, so the lint refuses it, and the
// library expects none.
func TestExpectingTheStartStepIsRefused(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Skip("no README.md beside the module:", err)
	}
	_, section, _ := strings.Cut(string(data), "### Scenario (TOML)")
	_, block, _ := strings.Cut(section, "```toml\n")
	block, _, _ = strings.Cut(block, "```")
	if !strings.Contains(block, `step = "describe-damage"`) {
		t.Fatal("the README example no longer expects describe-damage")
	}
	bad := strings.Replace(block, `step = "describe-damage"`, `step = "start-incident"`, 1)
	_, ps := Parse("s.toml", []byte(bad), Env{Runbooks: runbookLibrary(t)})
	if len(ps) != 1 || !strings.Contains(ps[0].String(), `step start-incident is done by the start of the drill (done_by = "start"), so the expectation is met before anyone acts`) {
		t.Errorf("problems: %v", ps)
	}
}
