package tui

import (
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// Bug 10 of issue 12: a ZWJ emoji in a step title shifted and cut the right pane: the
// layout counted it as one 2-cell grapheme, the renderer (wcwidth, unless the terminal
// reports mode 2027) as 4 cells. Every line must be exactly as wide as the screen the
// way the renderer counts, in both modes.
func TestZWJEmojiTitleKeepsThePanes(t *testing.T) {
	d, _ := fixture(t)
	raw, err := os.ReadFile("../runbook/incident/testdata/runbook.toml")
	must(t, err)
	src := strings.Replace(string(raw), `title = "Assign an owner and set severity"`, `title = "👩‍💻 Assign an owner 👨‍👩‍👧 and set severity"`, 1)
	rb, problems := runbook.Parse("zwj.toml", []byte(src), d.Policy)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: "high", Title: "Team 👩‍👩‍👦 on call", Actor: d.Actor})
	must(t, err)
	must(t, inc.CompleteStep("confirm", ""))
	must(t, inc.Close())
	for _, mode := range []struct {
		name  string
		graph bool
		width func(string) int
	}{{"wcwidth", false, ansi.StringWidthWc}, {"graphemes (mode 2027)", true, ansi.StringWidth}} {
		t.Run(mode.name, func(t *testing.T) {
			defer graphemes.Store(false)
			m := New(d, Options{Resume: inc.ID})
			if mode.graph {
				m = send(t, m, tea.ModeReportMsg{Mode: ansi.ModeUnicodeCore, Value: ansi.ModeSet})
			}
			m = send(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
			m = runCmd(t, m, m.FirstLoad())
			got := m.View().Content
			if !strings.Contains(ansi.Strip(got), "Assign an owner") {
				t.Fatalf("the step is not listed:\n%s", ansi.Strip(got))
			}
			for i, l := range strings.Split(got, "\n") {
				if w := mode.width(l); w != 100 {
					t.Errorf("line %d is %d cells, not 100: %q", i+1, w, ansi.Strip(l))
				}
			}
		})
	}
}
