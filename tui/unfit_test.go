package tui

import (
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook"
)

// Under a policy whose levels a runbook does not name, home marks the runbook and the
// selected one says why, whole, at 80 and at 120 columns: before anyone types a title.
func TestHomeMarksRunbooksThatDoNotFitThePolicy(t *testing.T) {
	d, _ := fixture(t)
	d.Policy, _ = runbook.Preset("service-desk")
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, d, Options{}, sz.w, sz.h)
			// No incident is open: the runbooks have the focus, compromised-server selected.
			got := shot(m)
			flat := strings.Join(strings.Fields(got), " ")
			for _, want := range []string{
				"✗ not for service-desk",
				"✗ compromised-server names level high, which policy service-desk lacks. To use it: muster runbook copy compromised-server, then adapt its severities",
			} {
				if !strings.Contains(flat, want) {
					t.Errorf("home at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			golden(t, "home_unfit_"+sz.name, got)
		})
	}
}
