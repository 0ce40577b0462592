package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The goldens are the screens at a fixed clock, without colour, after a
// WindowSizeMsg: review a changed golden like code (GOLDIE_UPDATE=1 rewrites them).

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"120x40", 120, 40}}

// homeFixture has three open incidents whose respond-by deadlines stand at MISSED,
// <25% left and ok, and one closed incident.
func homeFixture(t *testing.T) Deps {
	d, _ := homeFixtureClock(t)
	return d
}

func homeFixtureClock(t *testing.T) (Deps, *fakeClock) {
	d, clk := fixture(t)
	clk.Advance(-4 * time.Hour) // 06:00
	inc := openIncident(t, d, "data-breach", "high", "Customer export visible to other tenants")
	must(t, inc.Close())
	clk.Advance(time.Hour)
	inc = openIncident(t, d, "mail-spam", "medium", "Test message flood, closed as a false alarm")
	must(t, inc.CloseIncident("false alarm: a load test", true, "nothing to do"))
	must(t, inc.Close())
	clk.Advance(time.Hour) // 08:00
	inc = openIncident(t, d, "compromised-server", "critical", "GuardDuty: C2 traffic from batch-worker-7")
	must(t, inc.Close())
	clk.Advance(2 * time.Hour) // 10:00
	inc = openIncident(t, d, "service-outage", "critical", "Checkout API down for all users")
	must(t, inc.Close())
	clk.Advance(50 * time.Minute) // 10:50: the outage has 10 of its 60 minutes left
	return d, clk
}

func TestGoldenHome(t *testing.T) {
	d := homeFixture(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, d, Options{}, sz.w, sz.h)
			got := shot(m)
			for _, want := range []string{"MISSED", "<25% left", "· ok", "Open incidents (3)", "1 closed", "no backup check yet"} {
				if !strings.Contains(got, want) {
					t.Errorf("home at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			golden(t, "home_"+sz.name, got)
		})
	}
}

func TestGoldenHomeWithBackupAndFilter(t *testing.T) {
	d := homeFixture(t)
	d.LastBackup = func() (BackupSummary, bool) {
		return BackupSummary{At: d.Now().Add(-3 * time.Hour), Status: "fail", Summary: "12 databases: 11 pass, 1 fail (prod-db: newest restore point 31h old, RPO 6h)", Problems: 1}, true
	}
	m := newModel(t, d, Options{}, 100, 30)
	m = press(t, m, "/")
	m = typeText(t, m, "data")
	got := shot(m)
	if !strings.Contains(got, "Runbooks (2 of 7)") || !strings.Contains(got, "FAIL") {
		t.Errorf("filter or backup line missing:\n%s", got)
	}
	golden(t, "home_backup_filter_100x30", got)
}

// filledStart opens the start screen, filters the runbooks, picks high and types a
// title.
func filledStart(t *testing.T, d Deps, w, h int) Model {
	m := newModel(t, d, Options{}, w, h)
	m = press(t, m, "n")
	m = typeText(t, m, "outage")
	m = press(t, m, "enter", "down", "enter")
	return typeText(t, m, "Checkout API down")
}

func TestGoldenStart(t *testing.T) {
	d, _ := fixture(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := filledStart(t, d, sz.w, sz.h)
			got := shot(m)
			for _, want := range []string{"service-outage", "▸ high", "Checkout API down", "respond", "Significant security issue"} {
				if !strings.Contains(got, want) {
					t.Errorf("start at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			golden(t, "start_"+sz.name, got)
		})
	}
}

// workedIncident is a critical outage 25 minutes in: the first step done, the second
// skipped with a reason, a note on the third, which is selected.
func workedIncident(t *testing.T) (Deps, *fakeClock, string) {
	d, clk := fixture(t)
	inc := openIncident(t, d, "service-outage", "critical", "Checkout API down for all users")
	defer inc.Close()
	clk.Advance(4 * time.Minute)
	must(t, inc.CompleteStep("open-incident", ""))
	clk.Advance(3 * time.Minute)
	must(t, inc.SkipStep("confirm-outage", "synthetic checks and 40 customer tickets already confirm it"))
	clk.Advance(5 * time.Minute)
	must(t, inc.AddNote("Maria is IC; paging the database on-call too", "assign-owner-and-severity"))
	clk.Advance(3 * time.Minute)
	return d, clk, inc.ID
}

func TestGoldenIncident(t *testing.T) {
	d, _, id := workedIncident(t)
	for _, sz := range sizes {
		t.Run("step selected "+sz.name, func(t *testing.T) {
			m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			got := shot(m)
			for _, want := range []string{"✓ Open the incident", "↷ Confirm the outage", "▸ · Assign an owner", "3/3 ✓", "0/5", "respond-by"} {
				if !strings.Contains(got, want) {
					t.Errorf("incident at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			golden(t, "incident_step_"+sz.name, got)
		})
		t.Run("help open "+sz.name, func(t *testing.T) {
			m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			m = press(t, m, "?")
			got := shot(m)
			if !strings.Contains(got, "skip (asks why)") || !strings.Contains(got, "timeline") {
				t.Errorf("help does not list the actions:\n%s", got)
			}
			golden(t, "incident_help_"+sz.name, got)
		})
	}
}

func TestGoldenIncidentOverdue(t *testing.T) {
	d, clk, id := workedIncident(t)
	clk.Advance(62 * time.Minute) // 11:17: respond-by 11:00 has passed, timeboxes ran out
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, d, Options{Resume: id}, sz.w, sz.h)
			got := shot(m)
			for _, want := range []string{"MISSED", "⚠", "timebox 10m ran out"} {
				if !strings.Contains(got, want) {
					t.Errorf("overdue incident at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			golden(t, "incident_overdue_"+sz.name, got)
		})
	}
}

// The narrow case of each screen: 40 columns stack the panes.
func TestGoldenNarrow(t *testing.T) {
	t.Run("home", func(t *testing.T) {
		m := newModel(t, homeFixture(t), Options{}, 40, 24)
		golden(t, "home_40x24", shot(m))
	})
	t.Run("start", func(t *testing.T) {
		d, _ := fixture(t)
		golden(t, "start_40x24", shot(filledStart(t, d, 40, 24)))
	})
	t.Run("incident", func(t *testing.T) {
		d, _, id := workedIncident(t)
		m := newModel(t, d, Options{Resume: id}, 40, 24)
		got := shot(m)
		if !strings.Contains(got, "▸ · Assign an owner") {
			t.Errorf("narrow incident lost the selection:\n%s", got)
		}
		golden(t, "incident_40x24", got)
	})
	t.Run("note dialog", func(t *testing.T) {
		d, _, id := workedIncident(t)
		m := newModel(t, d, Options{Resume: id}, 40, 24)
		m = press(t, m, "n")
		m = typeText(t, m, "DB failover started 10:14")
		golden(t, "incident_note_40x24", shot(m))
	})
}

func TestGoldenTimelineAndDialogs(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 80, 24)
	m = press(t, m, "t")
	golden(t, "incident_timeline_80x24", shot(m))
	m = press(t, m, "f")
	if got := shot(m); !strings.Contains(got, "kind: step done") || strings.Contains(got, "skipped:") {
		t.Errorf("the type filter did not keep only step.done:\n%s", got)
	}
	m = press(t, m, "esc", "e")
	golden(t, "incident_escalate_80x24", shot(m))
}

func TestGoldenRunbookReadOnly(t *testing.T) {
	d, _ := fixture(t)
	m := newModel(t, d, Options{}, 100, 30) // no incidents: the runbooks have the focus
	for i := 0; i < 10 && !strings.Contains(shot(m), "▸ database-restore"); i++ {
		m = press(t, m, "down")
	}
	m = press(t, m, "enter")
	m = selectStep(t, m, "Check the platform")
	for i := 0; i < 5 && !strings.Contains(shot(m), "Check: rds-backup"); i++ {
		m = press(t, m, "pgdown")
	}
	got := shot(m)
	for _, want := range []string{"Runbook database-restore", "read-only", "Check: rds-backup", "muster backup check"} {
		if !strings.Contains(got, want) {
			t.Errorf("read-only runbook view does not show %q:\n%s", want, got)
		}
	}
	golden(t, "runbook_readonly_100x30", got)
}

// selectStep moves down the step list until the step with this title is selected.
func selectStep(t *testing.T, m Model, title string) Model {
	t.Helper()
	for i := 0; i < 60; i++ {
		if strings.Contains(shot(m), "▸ · "+title) || strings.Contains(shot(m), "▸ ⚠ "+title) {
			return m
		}
		m = press(t, m, "down")
	}
	t.Fatalf("step %q never selected:\n%s", title, shot(m))
	return m
}

// Resizing reflows every screen from 80x24 to 250x80 and down to 20 columns without a
// line wider than the terminal or more lines than it has.
func TestResizeReflows(t *testing.T) {
	d, _, id := workedIncident(t)
	home := newModel(t, d, Options{}, 80, 24)
	inc := newModel(t, d, Options{Resume: id}, 80, 24)
	start := filledStart(t, d, 80, 24)
	for _, sz := range [][2]int{{250, 80}, {120, 40}, {100, 30}, {72, 24}, {60, 20}, {40, 24}, {20, 10}, {80, 24}} {
		for name, m := range map[string]Model{"home": home, "incident": inc, "start": start} {
			m = send(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			lines := strings.Split(shot(m), "\n")
			if len(lines) != sz[1] {
				t.Errorf("%s at %dx%d: %d lines", name, sz[0], sz[1], len(lines))
			}
			for i, l := range lines {
				if w := cells(l); w != sz[0] {
					t.Errorf("%s at %dx%d: line %d is %d cells: %q", name, sz[0], sz[1], i+1, w, l)
					break
				}
			}
		}
	}
}
