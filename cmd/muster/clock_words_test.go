package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A deadline on the business clock must not read like calendar time: 72 working hours
// are not "3d", and nine calendar days to a deadline are not "3d left".
func TestBusinessClockFiguresSayWhichClock(t *testing.T) {
	t.Setenv("TZ", "Europe/Brussels")
	opened := time.Date(2026, 12, 2, 8, 48, 0, 0, time.UTC) // Wed 09:48 in Brussels
	c := newCLI(t).at(opened)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "disclosure-intake", "--severity", "medium", "--title", "Report from a researcher"))

	later := cliAt(t, c.home).at(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)) // Thu 13:00
	show := later.ok("incident", "show", id)
	for _, want := range []string{
		// Wed 09:48-17:00 and Thu 08:00-13:00 have passed: 12h12m of the 24.
		"respond: 11h48m of working time left, due Fri 4 Dec 15:48 CET (target 24 working hours)",
		"resolve: 59h48m of working time left, due Mon 14 Dec 09:48 CET (target 72 working hours)",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("incident show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "3d") || strings.Contains(show, "2d") {
		t.Errorf("incident show prints business time as days:\n%s", show)
	}

	md := later.ok("incident", "report", id)
	for _, want := range []string{
		"| respond within 24 working hours | 2026-12-04 14:48:00Z | — | open, 11h48m of working time left |",
		"| resolve within 72 working hours | 2026-12-14 08:48:00Z | — | open, 59h48m of working time left |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	var rep struct {
		SLA []struct {
			Target, TargetText, Clock string
			Left                      int64 `json:"left_ns"`
		} `json:"sla"`
	}
	if err := json.Unmarshal([]byte(later.ok("incident", "report", id, "--format", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.SLA) != 2 || rep.SLA[1].Target != "72h" || rep.SLA[1].Clock != "business" || time.Duration(rep.SLA[1].Left) != 59*time.Hour+48*time.Minute {
		t.Errorf("report JSON sla: %+v", rep.SLA)
	}
	var raw struct {
		SLA []map[string]any `json:"sla"`
	}
	json.Unmarshal([]byte(later.ok("incident", "show", id, "--format", "json")), &raw)
	if len(raw.SLA) != 2 || raw.SLA[1]["target_text"] != "72 working hours" || raw.SLA[1]["clock"] != "business" {
		t.Errorf("show JSON sla: %v", raw.SLA)
	}

	// Past the deadline the lateness is wall-clock time, and it says so.
	late := cliAt(t, c.home).at(time.Date(2026, 12, 15, 9, 48, 0, 0, time.UTC))
	if out := late.ok("incident", "show", id); !strings.Contains(out, "resolve: MISSED: was due Mon 14 Dec 09:48 CET, 25h of calendar time ago (target 72 working hours)") {
		t.Errorf("missed deadline:\n%s", out)
	}

	pol := c.ok("policy", "show")
	for _, want := range []string{"24 working hours  72 working hours", "a working day has 9 working hours, so 72 working hours take 8 working days"} {
		if !strings.Contains(pol, want) {
			t.Errorf("policy show lacks %q:\n%s", want, pol)
		}
	}
	if strings.Contains(pol, "3d") {
		t.Errorf("policy show prints 72 working hours as 3d:\n%s", pol)
	}
}
