package tui

import (
	"strings"
	"testing"
)

// The severity dialog marks the levels the runbook was not written for and shows the
// deadlines each would set, whole, beside the ones now, at 80 columns too.
func TestSeverityDialogDeadlinesAndMarks(t *testing.T) {
	d, _, id := workedIncident(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			m = press(t, m, "v")
			got := shot(m)
			for _, want := range []string{"[high]", "medium ⚠", "low ⚠", "→ respond-by", "→ resolve-by", "· now 16:00"} {
				if !strings.Contains(got, want) {
					t.Errorf("the severity dialog at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			if strings.Contains(strings.Join(deadlineLines(got), "\n"), "…") {
				t.Errorf("a deadline is cut at %s:\n%s", sz.name, got)
			}
			golden(t, "incident_severity_"+sz.name, got)
			m = press(t, m, "right") // medium: the runbook was not written for it
			got = shot(m)
			if !strings.Contains(got, "[medium ⚠]") || !strings.Contains(got, "⚠ runbook service-outage is written for") {
				t.Errorf("medium is not marked at %s:\n%s", sz.name, got)
			}
			golden(t, "incident_severity_medium_"+sz.name, got)
		})
	}
}

// deadlineLines are the lines of a screen that carry a new deadline.
func deadlineLines(screen string) []string {
	var out []string
	for _, l := range strings.Split(screen, "\n") {
		if _, deadline, ok := strings.Cut(l, "→ re"); ok {
			out = append(out, deadline) // the left pane's titles are cut by design
		}
	}
	return out
}
