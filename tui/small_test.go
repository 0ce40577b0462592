package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smallScreens are the incident screen, each overlay and each dialog as its key opens
// them, with what each must show even at 30x10.
var smallScreens = []struct {
	name string
	keys []string
	want string
}{
	{"step", nil, "▸ · Assign an owner"},
	{"timeline", []string{"t"}, "▸ #4"},
	{"timeline_entry", []string{"t", "enter"}, "#4 ·"},
	{"timeline_search", []string{"t", "/"}, "/"},
	{"followups", []string{"F"}, "none yet"},
	{"palette_all", []string{"ctrl+k"}, "▸ space"},
	{"help", []string{"?"}, "previous step"},
	{"timeline_help", []string{"t", "?"}, "read the entry in full"},
	{"followups_help", []string{"F", "?"}, "add a follow-up"},
	{"report", []string{"r"}, ""},
	{"note", []string{"n"}, "Note"},
	{"incident_note", []string{"N"}, "Note"},
	{"skip", []string{"s"}, "Skip"},
	{"escalate", []string{"e"}, "Escalate"},
	{"notify", []string{"c"}, "notice"},
	{"severity", []string{"v"}, "everity"},
	{"assign", []string{"R"}, "ssign"},
	{"followup_add", []string{"F", "a"}, "follow-up"},
	{"followup_add_due", []string{"F", "a", "tab", "tab"}, "▸ Due"},
	{"escalate_back", []string{"e", "shift+tab"}, "▸ Also mark"},
	{"close", []string{"C"}, "lose"},
	{"attach", []string{"a"}, "ttach"},
	{"impact", []string{"I"}, "utage"},
}

// View never returns more lines than the terminal has, nor a line wider than it, on
// the incident screen and every overlay and dialog, down to 30x10; and each shows
// rows of its own under the header.
func TestSmallScreensFit(t *testing.T) {
	d, _, id := workedIncident(t)
	for _, sz := range [][2]int{{30, 10}, {40, 12}, {80, 24}} {
		// Each screen starts from the same loaded model (a value): reading the
		// incident once per size keeps the test fast. Moving between a dialog's
		// fields keeps a draft, which the next size's model would offer back.
		must(t, os.RemoveAll(filepath.Join(d.Store.DataDir, "drafts")))
		base := newModel(t, d, Options{Resume: id}, sz[0], sz[1])
		for _, sc := range smallScreens {
			t.Run(fmt.Sprintf("%s %dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				m := press(t, base, sc.keys...)
				got := shot(m)
				lines := strings.Split(got, "\n")
				if len(lines) != sz[1] {
					t.Errorf("%d lines, not %d:\n%s", len(lines), sz[1], got)
				}
				for i, l := range strings.Split(m.View().Content, "\n") {
					if w := cells(l); w > sz[0] {
						t.Errorf("line %d is %d cells, wider than %d: %q", i+1, w, sz[0], l)
					}
				}
				if !strings.Contains(got, sc.want) {
					t.Errorf("does not show %q:\n%s", sc.want, got)
				}
			})
		}
	}
	// Only looked at: nothing reached the journal.
	must(t, os.RemoveAll(filepath.Join(d.Store.DataDir, "drafts")))
	if got := shot(press(t, newModel(t, d, Options{Resume: id}, 80, 24), "t")); !strings.Contains(got, "Timeline · 4 events") {
		t.Errorf("a screen wrote to the journal:\n%s", got)
	}
}

// At 30x10 the header collapses to the id, the severity and the most urgent deadline,
// and the body keeps its rows: the steps, the timeline, the follow-ups, the palette.
func TestGoldenSmall(t *testing.T) {
	d, _, id := workedIncident(t)
	for _, sc := range []struct {
		name string
		keys []string
		want []string
	}{
		{"step", nil, []string{"CRITICAL", "respond-by 11:00 · 45m left", "▸ · Assign an owner", "? help • q quit"}},
		{"timeline", []string{"t"}, []string{"#1", "#2", "#3", "▸ #4", "? help • q/esc close"}},
		{"followups", []string{"F"}, []string{"Follow-ups", "none yet", "? help • q/esc close"}},
		{"palette_all", []string{"ctrl+k"}, []string{"▸ space  done", "skip (asks why)"}},
		{"escalate", []string{"e"}, []string{"Escalate", "▸ Why?", "enter save"}},
		{"followup_add_due", []string{"F", "a", "tab", "tab"}, []string{"Add a follow-up", "▸ Due", "2026-11-30"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			defer os.RemoveAll(filepath.Join(d.Store.DataDir, "drafts"))
			m := newModel(t, d, Options{Resume: id}, 30, 10)
			m = press(t, m, sc.keys...)
			got := shot(m)
			for _, w := range sc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s at 30x10 does not show %q:\n%s", sc.name, w, got)
				}
			}
			golden(t, "incident_"+sc.name+"_30x10", got)
		})
	}
}

// The compact header names the one deadline that matters most: a missed deadline or
// an overdue update before any still ahead, the nearest of those otherwise; and the
// team-share state when there is one.
func TestCompactHeaderShowsTheMostUrgent(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 40, 12)
	if got := shot(m); !strings.Contains(got, "respond-by 11:00 · 45m left") {
		t.Errorf("the nearest deadline is not in the header:\n%s", got)
	}
	clk.Advance(62 * time.Minute) // respond-by 11:00 has passed
	m = newModel(t, d, Options{Resume: id}, 40, 12)
	if got := shot(m); !strings.Contains(got, "respond-by MISSED 17m ago") {
		t.Errorf("the missed deadline is not in the header:\n%s", got)
	}
	m.inc.outbox = 2
	if got := shot(m); !strings.Contains(got, "⧗ 2") || len(strings.Split(got, "\n")) != 12 {
		t.Errorf("the share state is not in the header:\n%s", got)
	}

	d, clk, id = triagedIncident(t)
	m = newModel(t, d, Options{Resume: id}, 40, 12)
	clk.Advance(m.inc.next.Due.Add(time.Minute).Sub(clk.Now()))
	m = newModel(t, d, Options{Resume: id}, 40, 12)
	if got := shot(m); !strings.Contains(got, "update to status page OVERDUE by 1m") {
		t.Errorf("the overdue update is not in the header:\n%s", got)
	}
}

// The drill's panel shrinks to its clock line under the compact header, so the team
// still sees its steps at 30x10.
func TestCompactDrill(t *testing.T) {
	d, _, id := drillFixture(t)
	for _, sz := range [][2]int{{30, 10}, {40, 12}} {
		m := newDrillModel(t, d, id, sz[0], sz[1])
		got := shot(m)
		if !strings.Contains(got, "DRILL ▶ RUNNING 1x") || !strings.Contains(got, "▸ · Open the incident") || len(strings.Split(got, "\n")) != sz[1] {
			t.Errorf("the drill at %dx%d:\n%s", sz[0], sz[1], got)
		}
	}
}

// While the timeline's search takes the text, its key bar says what enter and esc do
// there, not ? and q, which are typed.
func TestTimelineSearchKeyBar(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 80, 24)
	m = press(t, m, "t", "/")
	got := shot(m)
	if !strings.Contains(got, "enter keep the search • esc clear the search") || strings.Contains(got, "? help") {
		t.Errorf("the key bar while searching:\n%s", got)
	}
	m = typeText(t, m, "q?")
	if got := shot(m); !strings.Contains(got, "/q?") {
		t.Errorf("q and ? are not typed into the search:\n%s", got)
	}
}
