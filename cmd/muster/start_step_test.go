package main

import (
	"strings"
	"testing"
	"time"
)

// README's first step of every runbook says to run `muster incident start`: after
// that very command the step shows done, and asking to do it again says why not.
func TestIncidentStartDoesTheFirstStep(t *testing.T) {
	c := newCLI(t).at(time.Date(2026, 11, 23, 9, 12, 0, 0, time.UTC))
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "mail-spam", "--severity", "medium", "--title", "Outbound spam"))
	show := c.ok("incident", "show", id)
	if !strings.Contains(show, "DETECT  1/3") || !strings.Contains(show, "✓ start-incident               Start the incident in muster  (done by alice@test 09:12Z)") {
		t.Errorf("incident show after the start:\n%s", show)
	}
	if errs := c.exits(1, "incident", "step", id, "start-incident", "--done"); !strings.Contains(errs, "was done by the start of the incident") {
		t.Errorf("done again: %s", errs)
	}
	if out := c.ok("runbook", "show", "mail-spam"); !strings.Contains(out, "done by the start of the incident") {
		t.Errorf("runbook show does not say the start does the step:\n%s", out)
	}
}
