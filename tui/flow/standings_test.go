package flow_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/tui"
)

// Home shows each service's availability over the period its commitment is measured on
// and the error budget left, from the outage windows in the journals: a service whose
// month's budget is spent is marked, one without outages is not.
func TestHomeShowsAvailabilityAndBudget(t *testing.T) {
	d := deps(t)
	if err := os.WriteFile(filepath.Join(d.Store.DataDir, incident.ServicesFile), []byte(flowServices), 0o600); err != nil {
		t.Fatal(err)
	}
	rb, _ := d.Library.Get("service-outage")
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: "critical", Title: "Checkout down", Actor: d.Actor})
	if err != nil {
		t.Fatal(err)
	}
	// Two hours down on a 99.8 % month: the budget is 86.4 minutes, 33.6 over.
	if _, err := inc.RecordImpact(incident.ImpactOptions{Service: "checkout", Start: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC),
		End: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), Level: incident.ImpactFull, Services: []string{"checkout", "search"}}); err != nil {
		t.Fatal(err)
	}
	inc.Close()
	s := start(t, d, tui.Options{})
	// 120 minutes of the 32,280 the month has had so far; search has all of its
	// 216-minute budget left (99.5 % of 30 days).
	s.waitFor("Availability: ✗ checkout 2026-11 99.629 % (target 99.8 %), budget left none (34m over)",
		"✓ search", "100.000 % (target 99.5 %), budget left 3h36m")
	s.quit()
}
