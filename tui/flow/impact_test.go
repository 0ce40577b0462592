package flow_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
)

const flowServices = `schema = 1

[[service]]
name = "checkout"
target = 99.8

[[service]]
name = "search"
target = 99.5
partial_weight = 0.5
`

// An outage window recorded from the incident screen, checked as the CLI checks it:
// a time without its zone and an end before the start are refused in the dialog
// (the typed text stays), then the window is saved with the service chosen from
// services.toml, its level and note.
func TestRecordOutageWindowFromTheScreen(t *testing.T) {
	d := deps(t)
	if err := os.WriteFile(filepath.Join(d.Store.DataDir, incident.ServicesFile), []byte(flowServices), 0o600); err != nil {
		t.Fatal(err)
	}
	id := startIncident(t, d, "Search down")
	s := resume(t, d, id)
	s.keys("I")
	s.waitFor("Record an outage window", "[checkout]", "search")
	s.keys("right", "tab")
	s.typ("2026-11-23 09:40")
	s.keys("ctrl+s")
	s.waitFor(`✗ start: "2026-11-23 09:40" has no zone: write it as`, "2026-11-23T09:40Z (UTC)")
	s.keys("ctrl+u") // clear the line
	s.typ("2026-11-23T10:40+01:00")
	s.keys("tab")
	s.typ("2026-11-23T09:30Z")
	s.keys("ctrl+s")
	s.waitFor("✗ the outage end")
	s.keys("ctrl+u")
	s.typ("now")
	s.keys("tab", "right", "tab")
	s.typ("from the load balancer's 5xx graph")
	s.keys("ctrl+s")
	s.waitFor("✓ saved: outage window of search recorded")
	s.quit()
	v := onlyIncident(t, d.Store)
	if len(v.State.Impacts) != 1 {
		t.Fatalf("windows %+v", v.State.Impacts)
	}
	w := v.State.Impacts[0]
	if w.Service != "search" || w.Level != incident.ImpactPartial || !w.Start.Equal(time.Date(2026, 11, 23, 9, 40, 0, 0, time.UTC)) ||
		!w.End.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) || w.Note != "from the load balancer's 5xx graph" {
		t.Errorf("window %+v", w)
	}
}

// The palette lists it, so it is found without the help.
func TestOutageWindowInThePalette(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Search down")
	s := resume(t, d, id)
	s.keys("ctrl+k")
	s.typ("outage")
	s.waitFor("I  record an outage window")
	s.keys("enter")
	// No services.toml: the service is typed, any name is taken.
	s.waitFor("Record an outage window", "any name (no services.toml)")
	s.typ("checkout")
	s.keys("tab")
	s.typ("now")
	s.keys("ctrl+s")
	s.waitFor("✓ saved: outage window of checkout recorded")
	s.quit()
	if v := onlyIncident(t, d.Store); len(v.State.Impacts) != 1 || v.State.Impacts[0].Service != "checkout" || !v.State.Impacts[0].Ongoing() {
		t.Errorf("windows %+v", v.State.Impacts)
	}
}
