package tui

import (
	"strings"
	"testing"
	"time"
)

// Every main screen of an incident at 80x24 and 120x40: the timeline, the overlays and
// each dialog as its key opens it, the reminder banner and a draft offered back on
// resume. Each also names what it must show, so a golden updated blindly still fails.
func TestGoldenIncidentScreens(t *testing.T) {
	screens := []struct {
		name string
		keys []string
		want string
	}{
		{"timeline", []string{"t"}, "Timeline · 4 events"},
		{"note", []string{"n"}, "About step assign-owner-and-severity"},
		{"incident_note", []string{"N"}, "A note for the journal, about the incident."},
		{"skip", []string{"s"}, "Skip step assign-owner-and-severity"},
		{"escalate", []string{"e"}, "Also mark the runbook's step done?"},
		{"notify", []string{"c"}, "Record a notice that was sent"},
		{"assign", []string{"R"}, "Assign a role"},
		{"followups", []string{"F"}, "Follow-ups · 0 open of 0"},
		{"followup_add", []string{"F", "a"}, "Add a follow-up"},
		{"close", []string{"C"}, "Still open"},
		{"attach", []string{"a"}, "Evidence for"},
		{"palette_all", []string{"ctrl+k"}, "All actions"},
	}
	d, _, id := workedIncident(t)
	for _, sz := range sizes {
		for _, sc := range screens {
			t.Run(sc.name+" "+sz.name, func(t *testing.T) {
				m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
				m = press(t, m, sc.keys...)
				got := shot(m)
				if !strings.Contains(got, sc.want) {
					t.Errorf("%s at %s does not show %q:\n%s", sc.name, sz.name, sc.want, got)
				}
				golden(t, "incident_"+sc.name+"_"+sz.name, got)
			})
		}
	}
}

// The reminder banner, and a draft offered back as the incident opens, at both sizes.
func TestGoldenReminderAndDraft(t *testing.T) {
	for _, sz := range sizes {
		t.Run("reminder "+sz.name, func(t *testing.T) {
			d, clk, id := triagedIncident(t)
			d.NoticeReminder = 10 * time.Minute
			m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			clk.Advance(m.inc.next.Due.Add(-7 * time.Minute).Sub(clk.Now()))
			next, _ := m.Update(tickMsg(clk.Now()))
			m = next.(Model)
			got := shot(m)
			if !strings.Contains(got, "⏰ update to status page due 10:30, in 7m") {
				t.Errorf("no reminder banner at %s:\n%s", sz.name, got)
			}
			golden(t, "incident_reminder_"+sz.name, got)
		})
		t.Run("draft offered "+sz.name, func(t *testing.T) {
			d, _, id := workedIncident(t)
			m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			m = press(t, m, "N")
			_ = typeText(t, m, "Failover to the standby started 10:14, DBA on the bridge")
			m = newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			got := shot(m)
			if !strings.Contains(got, "✎ your draft note from 10:15 is back") {
				t.Errorf("no draft offered at %s:\n%s", sz.name, got)
			}
			golden(t, "incident_draft_offered_"+sz.name, got)
		})
	}
}
