package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
)

// The reminder before an update falls due: nothing until the configured time before
// it, then a banner and one bell; past due, the banner says OVERDUE and the bell rings
// once more; recording the notice takes the banner down.
func TestNoticeReminderBannerAndBell(t *testing.T) {
	d, clk, id := triagedIncident(t)
	d.NoticeReminder = 10 * time.Minute
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	if !m.inc.hasNext {
		t.Fatal("the incident has no update due")
	}
	due := m.inc.next.Due
	tickAt := func(at time.Time) Model {
		clk.Advance(at.Sub(clk.Now()))
		next, _ := m.Update(tickMsg(at))
		return next.(Model)
	}

	m = tickAt(due.Add(-11 * time.Minute))
	if got := shot(m); strings.Contains(got, "⏰") || m.inc.rang != "" {
		t.Fatalf("a reminder 11 minutes before, with 10 configured:\n%s", got)
	}
	m = tickAt(due.Add(-9 * time.Minute))
	m = tickAt(due.Add(-9*time.Minute + time.Second)) // the bell rings on the tick after the banner went up
	if got := shot(m); !strings.Contains(got, "⏰ update to "+m.inc.next.Audience) || !strings.Contains(got, "⏰ update to status page due 10:30, in 8m — send it, then c records it") {
		t.Errorf("no banner 9 minutes before:\n%s", got)
	}
	near := m.inc.rang
	if !strings.HasPrefix(near, "near|") {
		t.Fatalf("the bell did not ring for the near update: %q", near)
	}
	m = tickAt(due.Add(-8 * time.Minute))
	if m.inc.rang != near {
		t.Errorf("the bell rang again for the same reminder")
	}
	m = tickAt(due.Add(2 * time.Minute))
	m = tickAt(due.Add(2*time.Minute + time.Second))
	if got := shot(m); !strings.Contains(got, "OVERDUE by 2m") || !strings.HasPrefix(m.inc.rang, "overdue|") {
		t.Errorf("overdue: rang %q\n%s", m.inc.rang, got)
	}

	m = press(t, m, "c", "ctrl+s")
	if m.inc.dialog != nil {
		t.Fatalf("the notice was not recorded: %s", m.inc.dialog.err)
	}
	if got := shot(m); strings.Contains(got, "⏰ update to "+m.inc.next.Audience+" OVERDUE") {
		t.Errorf("the banner stays after the notice was recorded:\n%s", got)
	}
}

// Without a reminder configured (0) nothing is shown, even when an update is overdue:
// the header's next-update line still says so.
func TestNoticeReminderOff(t *testing.T) {
	d, clk, id := triagedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	clk.Advance(m.inc.next.Due.Sub(clk.Now()) + time.Minute)
	next, _ := m.Update(tickMsg(clk.Now()))
	m = next.(Model)
	if got := shot(m); strings.Contains(got, "⏰") || !strings.Contains(got, "OVERDUE by 1m") {
		t.Errorf("reminder off:\n%s", got)
	}
}

// triagedIncident is workedIncident with triage finished: the status page's first
// update falls due.
func triagedIncident(t *testing.T) (Deps, *fakeClock, string) {
	t.Helper()
	d, clk, id := workedIncident(t)
	inc, err := d.Store.Open(id, "bob@desk")
	must(t, err)
	defer inc.Close()
	for _, st := range inc.Runbook.Steps() {
		if st.Phase == "triage" && st.AppliesTo(inc.State.Severity) && inc.State.Step(st.ID).Status == incident.StepTodo {
			must(t, inc.CompleteStep(st.ID, ""))
		}
	}
	return d, clk, id
}
