package incident

import (
	"time"

	"github.com/muster-ir/muster/runbook"
)

// Standing is where a deadline stands, in words that say which clock a figure is on:
// "27h of working time left", "59m left", "met, 5 working hours to spare",
// "MISSED by 2d3h of calendar time", "no deadline (next release)". The CLI, the TUI
// and the report all print it, so the three never disagree.
func (l SLA) Standing() string {
	switch {
	case l.NoLimit && l.Met:
		return "done (no deadline)"
	case l.NoLimit:
		return "no deadline (" + l.Target + ")"
	case l.Met:
		return "met, " + l.Clock.Span(l.Left) + " to spare"
	case l.Missed:
		return "MISSED by " + l.Overdue()
	}
	return l.Clock.Span(l.Left) + " left"
}

// Overdue is how late a missed deadline is (or was when met late): wall-clock time,
// named as such when the deadline counts business hours.
func (l SLA) Overdue() string {
	late := runbook.FormatDuration(-l.Left)
	if l.Clock == runbook.Business {
		late += " of calendar time"
	}
	return late
}

// DueText prints a deadline the way a responder plans around it: "Fri 11 Dec 16:00
// CET", in the zone of the policy's calendar (its business hours are that zone's),
// with the year only when it is not now's.
func DueText(t time.Time, pol *runbook.Policy, now time.Time) string {
	loc := time.UTC
	if pol != nil && pol.Calendar != nil && pol.Calendar.Location != nil {
		loc = pol.Calendar.Location
	}
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}
