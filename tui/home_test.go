package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// Bug 3 of issue 12: home kept the highlighted row number, so an incident started
// elsewhere moved the highlight to another incident and Enter opened the wrong one.
func TestHomeHighlightStaysOnTheIncident(t *testing.T) {
	d, clk := homeFixtureClock(t)
	m := newModel(t, d, Options{}, 100, 30)
	m = press(t, m, "down", "down") // the last: high, the furthest deadline
	want, ok := m.home.selectedIncident()
	if !ok {
		t.Fatal("nothing selected")
	}
	// Started elsewhere, the newest and with a nearer deadline: it sorts above the
	// highlighted one either way.
	clk.Advance(time.Minute)
	inc := openIncident(t, d, "compromised-server", "critical", "Crypto miner on build-agent-3")
	must(t, inc.Close())
	m = press(t, m, "ctrl+r")
	if got, _ := m.home.selectedIncident(); got.Summary.ID != want.Summary.ID {
		t.Fatalf("the highlight moved from %s to %s", want.Summary.ID, got.Summary.ID)
	}
	m = press(t, m, "enter")
	if m.inc.id != want.Summary.ID {
		t.Errorf("enter opened %s, not the highlighted %s", m.inc.id, want.Summary.ID)
	}
}

// Home is for triage: overdue first, then the nearest deadline, then severity.
func TestHomeSortsByUrgency(t *testing.T) {
	d, clk := fixture(t)
	a := openIncident(t, d, "data-breach", "high", "High, far deadline")
	must(t, a.Close())
	b := openIncident(t, d, "service-outage", "critical", "Critical, deadline in an hour")
	must(t, b.Close())
	clk.Advance(time.Minute)
	c := openIncident(t, d, "service-outage", "high", "Follow-up overdue")
	_, err := c.AddFollowUp("bob", clk.Now().Add(-time.Hour), "rotate the keys")
	must(t, err)
	must(t, c.Close())
	m := newModel(t, d, Options{}, 120, 40)
	var order []string
	for _, hi := range m.home.incidents {
		order = append(order, hi.Summary.Title)
	}
	want := "Follow-up overdue|Critical, deadline in an hour|High, far deadline"
	if strings.Join(order, "|") != want {
		t.Errorf("home order %q, want %q", order, want)
	}
	if !strings.Contains(shot(m), "1 follow-up OVERDUE") {
		t.Errorf("the overdue follow-up is not on home:\n%s", shot(m))
	}
}

// The update that puts an incident first is on its line, at 80 columns too: a
// resolve-by in 6h sorted above a respond-by in 1h must say why.
func TestHomeShowsTheUpdateItSortsBy(t *testing.T) {
	d, clk := fixture(t)
	a := openIncident(t, d, "service-outage", "critical", "Checkout down")
	must(t, a.Acknowledge())
	for _, s := range []string{"open-incident", "confirm-outage", "assign-owner-and-severity", "escalate-to-incident-lead", "escalate-to-leadership", "post-status-page", "check-recent-changes"} {
		must(t, a.CompleteStep(s, ""))
	}
	must(t, a.Close())
	clk.Advance(time.Minute)
	b := openIncident(t, d, "data-breach", "critical", "Bucket public")
	must(t, b.Close())
	m := newModel(t, d, Options{}, 80, 24)
	if m.home.incidents[0].Summary.Title != "Checkout down" {
		t.Fatalf("the incident with the update due first is not first")
	}
	got := shot(m)
	line := strings.Split(got, "\n")[4]
	if !strings.HasPrefix(strings.TrimSpace(line), "next update: status page due") {
		t.Errorf("the update it sorts by is not on its line:\n%s", got)
	}
}

// Esc on home brings the focus back to the incidents.
func TestHomeEscFocusesIncidents(t *testing.T) {
	d := homeFixture(t)
	m := newModel(t, d, Options{}, 100, 30)
	m = press(t, m, "tab")
	if m.home.focus != focusRunbooks {
		t.Fatal("tab did not move to the runbooks")
	}
	m = press(t, m, "esc")
	if m.home.focus != focusIncidents {
		t.Errorf("esc left the focus on %d", m.home.focus)
	}
}

// Bug 6 of issue 12: Ctrl+R did not read the runbooks again, so one added while
// muster ran stayed missing until a restart.
func TestCtrlRReloadsRunbooks(t *testing.T) {
	d, _ := fixture(t)
	dir := t.TempDir()
	d.ReloadLibrary = func() (*runbook.Library, runbook.Problems) { return runbook.LoadLibrary(dir, d.Policy) }
	m := newModel(t, d, Options{}, 100, 30)
	if strings.Contains(shot(m), "test-outage") {
		t.Fatal("the runbook is there before it was added")
	}
	raw, err := os.ReadFile("../runbook/incident/testdata/runbook.toml")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "test-outage.toml"), raw, 0o600))
	m = press(t, m, "ctrl+r")
	if got := shot(m); !strings.Contains(got, "test-outage") || !strings.Contains(got, "Runbooks (8)") {
		t.Errorf("ctrl+r did not pick up the new runbook:\n%s", got)
	}
	if got := shot(m); !strings.Contains(got, "✓ runbooks read again: 8 runbooks") {
		t.Errorf("ctrl+r does not say it read them:\n%s", got)
	}
	m = press(t, m, "n")
	if !strings.Contains(shot(m), "test-outage") {
		t.Errorf("the start screen does not offer the new runbook:\n%s", shot(m))
	}
}
