package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		for _, sc := range smallScreens {
			t.Run(fmt.Sprintf("%s %dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				// Moving between fields keeps a draft, which the next screen would offer.
				defer os.RemoveAll(filepath.Join(d.Store.DataDir, "drafts"))
				m := newModel(t, d, Options{Resume: id}, sz[0], sz[1])
				m = press(t, m, sc.keys...)
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
