package tui

import (
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/incident"
)

// The whole lifecycle from the keyboard: acknowledge, assign a role, a note on the
// incident, a follow-up added and done, then a close refused while work is open and
// forced with a reason; the journal holds each as the CLI would write it.
func TestLifecycleFromTheKeyboard(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	if !strings.Contains(shot(m), "not acknowledged — K acknowledges") || !strings.Contains(shot(m), "roles: none assigned — R assigns") {
		t.Fatalf("the header does not say what is missing:\n%s", shot(m))
	}
	m = press(t, m, "K")
	m = press(t, m, "R", "right", "enter") // communications lead, then who
	m = typeText(t, m, "bob@desk")
	m = press(t, m, "enter")
	if got := shot(m); !strings.Contains(got, "roles: communications lead: bob@desk") {
		t.Errorf("the roster does not show the assignment:\n%s", got)
	}
	m = press(t, m, "N")
	m = typeText(t, m, "Customer success is briefing the top 20 accounts")
	m = press(t, m, "ctrl+s")
	m = press(t, m, "F", "a")
	m = typeText(t, m, "Alert on replication lag above 30 s")
	m = press(t, m, "tab")
	m = typeText(t, m, "carol")
	m = press(t, m, "enter", "enter")
	if m.inc.dialog != nil {
		t.Fatalf("the follow-up dialog stayed open: %s", m.inc.dialog.err)
	}
	// Added from the list, the list is back, with the new one in it.
	if got := shot(m); !strings.Contains(got, "Follow-ups · 1 open of 1") || !strings.Contains(got, "F1  carol  open, due") {
		t.Errorf("the follow-ups list:\n%s", got)
	}
	m = press(t, m, "a", "esc")
	if m.overlay != overlayFollowUps {
		t.Errorf("a follow-up cancelled from the list did not return to it")
	}
	m = press(t, m, "space", "esc")
	m = press(t, m, "C")
	if got := shot(m); !strings.Contains(got, "Still open") || !strings.Contains(got, "step assign-owner-and-severity") {
		t.Errorf("the close dialog does not show what is open:\n%s", got)
	}
	m = typeText(t, m, "Failed over; root cause in the post-mortem")
	m = press(t, m, "tab", "right", "tab")
	m = typeText(t, m, "game day: the remaining steps are covered by the drill review")
	m = press(t, m, "ctrl+s")
	if m.inc.dialog != nil {
		t.Fatalf("the close dialog stayed open: %s", m.inc.dialog.err)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	s := v.State
	if s.RespondedAt.IsZero() || s.Roles["communications lead"] != "bob@desk" || !s.Closed {
		t.Errorf("journal: responded %v roles %v closed %v", s.RespondedAt, s.Roles, s.Closed)
	}
	var incNote bool
	for _, n := range s.Notes {
		incNote = incNote || n.Step == "" && strings.Contains(n.Text, "top 20 accounts")
	}
	if !incNote {
		t.Errorf("no incident-level note: %+v", s.Notes)
	}
	if len(s.FollowUps) != 1 || !s.FollowUps[0].Done || s.FollowUps[0].Owner != "carol" {
		t.Errorf("follow-ups: %+v", s.FollowUps)
	}
	if !strings.Contains(shot(m), "CLOSED") {
		t.Errorf("the header does not say closed:\n%s", shot(m))
	}
}

// A close without force while work is open is refused as the CLI refuses it (in the
// dialog's words, not the flags'), and nothing is written.
func TestCloseIsGated(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "C", "ctrl+s")
	if m.inc.dialog == nil || !strings.Contains(m.inc.dialog.err, "cannot close") {
		t.Fatalf("the close was not refused: %+v", m.inc.dialog)
	}
	if e := m.inc.dialog.err; strings.Contains(e, "--force") || !strings.Contains(e, "choose “force”") {
		t.Errorf("the refusal speaks of the CLI's flags, not of the dialog: %s", e)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	if v.State.Closed {
		t.Error("the incident closed with work open")
	}
}

// On a closed incident an action says so at once, instead of opening a dialog whose
// text the journal refuses on save.
func TestClosedIncidentRefusesActionsAtOnce(t *testing.T) {
	d, _, id := workedIncident(t)
	inc, err := d.Store.Open(id, "alice@laptop")
	must(t, err)
	must(t, inc.CloseIncident("false alarm", true, "duplicate"))
	must(t, inc.Close())
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	for _, k := range []string{"C", "n", "e", "space"} {
		m = press(t, m, k)
		if m.inc.dialog != nil || !strings.Contains(m.flash.text, "is closed") {
			t.Errorf("%s on a closed incident: dialog %v, message %q", k, m.inc.dialog != nil, m.flash.text)
		}
		if m.inc.dialog != nil {
			m = press(t, m, "esc")
		}
		m.flash = flash{}
	}
}

// Ctrl+K lists every action with its key; typing filters fuzzily and Enter runs the
// action as its key would.
func TestCommandPalette(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 80, 24)
	m = press(t, m, "ctrl+k")
	got := shot(m)
	for _, want := range []string{"All actions", "space  done", "K      acknowledge"} {
		if !strings.Contains(got, want) {
			t.Errorf("the palette does not list %q:\n%s", want, got)
		}
	}
	m = typeText(t, m, "ackn")
	if got = shot(m); !strings.Contains(got, "▸ K") {
		t.Errorf("the fuzzy filter did not put acknowledge first:\n%s", got)
	}
	golden(t, "incident_palette_80x24", got)
	m = press(t, m, "enter")
	v, err := d.Store.Load(id)
	must(t, err)
	if v.State.RespondedAt.IsZero() || m.overlay != overlayNone {
		t.Error("enter did not run acknowledge")
	}
	if ev := v.Events[len(v.Events)-1]; ev.Type != incident.EvAcknowledged {
		t.Errorf("last event %s", ev.Type)
	}
}

func TestFuzzy(t *testing.T) {
	if _, ok := fuzzy("fup", "follow-ups f"); !ok {
		t.Error("fup does not match follow-ups")
	}
	if _, ok := fuzzy("xz", "escalate e"); ok {
		t.Error("xz matches escalate")
	}
	a, _ := fuzzy("note", "note on the incident n")
	b, _ := fuzzy("note", "record a notice sent c")
	if a <= b {
		t.Errorf("a word-start match scores %d, a scattered one %d", a, b)
	}
}
