package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/scenarios"
)

// drillFixture starts the fixture drill at 10:00 on the fixed clock, at 1x, and plays
// it to T+35s (the phone call with its decision has come) and then 5 more real
// seconds: the alert at T+0 is old news, the call is new.
func drillFixture(t *testing.T) (Deps, *fakeClock, string) {
	t.Helper()
	d, clk := fixture(t)
	sc, problems := scenarios.LoadFile("testdata/drill.toml", scenarios.Env{Runbooks: d.Library, Policy: d.Policy})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	rb, _ := d.Library.Get(sc.Runbook.ID)
	inc, dr, err := scenarios.Start(d.Store, scenarios.StartOptions{Scenario: sc, Runbook: rb, Policy: d.Policy, Actor: d.Actor, Seed: 7, Speed: 1, Now: clk.Now()})
	must(t, err)
	clk.Advance(35 * time.Second)
	_, err = dr.Step(clk.Now())
	must(t, err)
	must(t, inc.Close())
	clk.Advance(5 * time.Second)
	return d, clk, inc.ID
}

// newDrillModel opens the drill screen without its real-time driver: the test moves
// the clock and steps the drill itself.
func newDrillModel(t *testing.T, d Deps, id string, w, h int) Model {
	t.Helper()
	m := New(d, Options{Drill: id})
	m.manualDrill = true
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return runCmd(t, m, m.FirstLoad())
}

func TestGoldenDrill(t *testing.T) {
	d, _, id := drillFixture(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newDrillModel(t, d, id, sz.w, sz.h)
			got := shot(m)
			for _, want := range []string{"DRILL ▶ RUNNING 1x", "drill T+40s of 2m", "story Tue 09:30", "real 10:00:40",
				"★ NEW T+30s · 09:30 · PHONE from Ops lead: Fail over now?", "  T+0s · 09:30 · ALERT from Synthetic monitoring: API returns 503",
				"⚑ DECISION (d answers) · default wait at T+1m10s, 30s left · Fail over now?", "Module: Is it really down?", "? Who confirms the outage",
				"p pause/resume"} {
				if !strings.Contains(got, want) {
					t.Errorf("the drill screen at %s does not show %q:\n%s", sz.name, want, got)
				}
			}
			golden(t, "drill_"+sz.name, got)
		})
	}
}

func TestGoldenDrillNarrow(t *testing.T) {
	d, _, id := drillFixture(t)
	m := newDrillModel(t, d, id, 40, 24)
	golden(t, "drill_40x24", shot(m))
}

func TestDrillInjectRingsTheBellAndTheTeamMeetsAnExpectation(t *testing.T) {
	d, clk, id := drillFixture(t)
	m := newDrillModel(t, d, id, 120, 40)

	// The team opens the incident: the step is done through the drill, and the
	// expectation on it is met.
	m = press(t, m, "space")
	got := shot(m)
	if !strings.Contains(got, "✓ saved: step open-incident done") || !strings.Contains(got, "score 10/20 · 1 met") {
		t.Fatalf("after space:\n%s", got)
	}

	// The facilitator answers the decision: fail over now.
	m = press(t, m, "d")
	if !strings.Contains(shot(m), "DRILL · decision on failover-call") {
		t.Fatalf("no decision dialog:\n%s", shot(m))
	}
	m = press(t, m, "left", "enter")
	if got := shot(m); !strings.Contains(got, "✓ drill: decision on failover-call: now") || strings.Contains(got, "DECISION (d answers)") {
		t.Fatalf("after the decision:\n%s", got)
	}

	// Ten seconds later the branch fires: the bell rings for it.
	clk.Advance(11 * time.Second)
	u, err := m.drill.d.Step(clk.Now())
	must(t, err)
	if len(u.Fired) != 1 || u.Fired[0].Inject != "standby-up" {
		t.Fatalf("fired %+v", u.Fired)
	}
	msg := drillUpdatedMsg{id: m.drill.id, snap: snapshot(m.drill.d, clk.Now()), fired: u.Fired}
	_, cmd := m.Update(msg)
	if !hasRaw(cmd, "\a") {
		t.Error("no bell for a new inject")
	}
	m = send(t, m, msg)
	if got := shot(m); !strings.Contains(got, "★ NEW T+") || !strings.Contains(got, "Standby serving traffic") {
		t.Errorf("the new inject is not highlighted:\n%s", got)
	}
}

// hasRaw reports whether cmd (or a batch in it) writes s to the terminal.
func hasRaw(cmd tea.Cmd, s string) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.RawMsg:
		return msg.Msg == s
	case tea.BatchMsg:
		for _, c := range msg {
			if hasRaw(c, s) {
				return true
			}
		}
	}
	return false
}

func TestDrillFacilitatorKeys(t *testing.T) {
	d, clk, id := drillFixture(t)
	m := newDrillModel(t, d, id, 120, 40)

	m = press(t, m, "p")
	if got := shot(m); !strings.Contains(got, "DRILL ⏸ PAUSED") || !strings.Contains(got, "✓ drill: paused") {
		t.Fatalf("after p:\n%s", got)
	}
	clk.Advance(time.Minute)
	m = press(t, m, "p", "+", "+")
	if got := shot(m); !strings.Contains(got, "DRILL ▶ RUNNING 5x") || !strings.Contains(got, "drill T+40s") {
		t.Fatalf("after p + +: the pause must have held the clock at T+40s:\n%s", got)
	}
	m = press(t, m, "-")
	if got := shot(m); !strings.Contains(got, "RUNNING 2x") {
		t.Fatalf("after -:\n%s", got)
	}

	// Skip jumps to the next inject, trigger delivers one now.
	m = press(t, m, ">")
	if got := shot(m); !strings.Contains(got, "✓ drill: skipped to the next inject") {
		t.Fatalf("after >:\n%s", got)
	}
	m = press(t, m, "!")
	if got := shot(m); !strings.Contains(got, "DRILL · trigger an inject now") {
		t.Fatalf("after !:\n%s", got)
	}
	m = press(t, m, "esc")

	// Stop asks twice; then the drill ends and the after-action report shows.
	m = press(t, m, "S")
	if got := shot(m); !strings.Contains(got, "S again stops the drill") {
		t.Fatalf("after S:\n%s", got)
	}
	m = press(t, m, "S")
	got := shot(m)
	for _, want := range []string{"DRILL ended · after-action report", "score", "■ ENDED"} {
		if !strings.Contains(got, want) {
			t.Errorf("after S S the screen does not show %q:\n%s", want, got)
		}
	}
	if m.drill.score == nil {
		t.Error("no final score")
	}
	// Back on the drill: nothing is new any more, and no stale "new inject" line.
	m = press(t, m, "esc")
	if got := shot(m); strings.Contains(got, "★ NEW") || strings.Contains(got, "new inject") {
		t.Errorf("the end screen still says an inject is new:\n%s", got)
	}
	// The plan became follow-ups, as a headless drill's does.
	v, err := d.Store.Load(id)
	must(t, err)
	if !v.State.Drill || len(v.State.FollowUps) == 0 {
		t.Errorf("follow-ups after the end: %+v", v.State.FollowUps)
	}
	rep, err := journal.Verify(v.Dir)
	must(t, err)
	if !rep.OK() {
		t.Errorf("the drill's journal does not verify: %s", rep.Summary())
	}
}

func TestDrillAdHocKeepsTheTextWhenTheWriteFails(t *testing.T) {
	d, _, id := drillFixture(t)
	m := newDrillModel(t, d, id, 80, 24) // the smallest screen: the error must still show
	m = press(t, m, "i")
	m = typeText(t, m, "CFO calls the CEO")
	m = press(t, m, "tab", "tab", "tab")
	m = typeText(t, m, "She wants numbers by noon.")

	// Another process holds the journal's lock: nothing is saved, the text stays.
	inc, err := d.Store.Open(id, "bob@elsewhere")
	must(t, err)
	m = press(t, m, "ctrl+s")
	got := shot(m)
	if !strings.Contains(got, "CFO calls the CEO") || !strings.Contains(got, "She wants numbers by noon.") {
		t.Fatalf("a failed ad-hoc inject lost its text:\n%s", got)
	}
	// The whole error (wrapped), the dialog's keys and its frame stay in view.
	for _, want := range []string{"✗ INC-", "is being written by", "bob@elsewhere", "is kept)", "ctrl+s save", "└────"} {
		if !strings.Contains(got, want) {
			t.Errorf("the dialog on the smallest screen does not show %q:\n%s", want, got)
		}
	}
	must(t, inc.Close())
	m = press(t, m, "ctrl+s")
	got = shot(m)
	if !strings.Contains(got, "✓ drill: ad-hoc inject CFO calls the CEO") || !strings.Contains(got, "CHAT (ad hoc) from facilitator: CFO calls the CEO") {
		t.Fatalf("after the retry:\n%s", got)
	}
}

func TestDrillTextIsCleaned(t *testing.T) {
	d, clk, id := drillFixture(t)
	m := newDrillModel(t, d, id, 120, 40)
	m = press(t, m, "!")
	m = press(t, m, "right", "right") // standby-up, still-down, customers
	m = press(t, m, "enter")
	_ = clk
	raw := m.View().Content
	if strings.Contains(raw, "\x1b]52") || strings.Contains(raw, "\a") {
		t.Fatalf("the inject's OSC 52 reached the screen: %q", raw)
	}
	if !strings.Contains(shot(m), "Customers ask what happened") {
		t.Fatalf("the triggered inject is not in the feed:\n%s", shot(m))
	}
}

func TestHomeListsDrillsApartAndEnterResumesOne(t *testing.T) {
	d, _, id := drillFixture(t)
	inc := openIncident(t, d, "data-breach", "high", "A real one")
	must(t, inc.Close())
	m := newModel(t, d, Options{}, 120, 40)
	got := shot(m)
	if !strings.Contains(got, "Open incidents (1)") || !strings.Contains(got, "DRILLS in progress (1)") ||
		!strings.Contains(got, "DRILL  screen-drill · running · T+40s of 2m · 1x · score 0/") {
		t.Fatalf("home:\n%s", got)
	}
	golden(t, "home_drills_120x40", got)
	m.manualDrill = true
	m = press(t, m, "tab", "tab", "enter")
	got = shot(m)
	if !strings.Contains(got, "DRILL ▶ RUNNING") || !strings.Contains(got, "Fail over now?") {
		t.Fatalf("enter on the drill:\n%s", got)
	}
	// Leaving for home pauses the drill; opening it again resumes it.
	m = press(t, m, "esc")
	v, err := d.Store.Load(id)
	must(t, err)
	e, err := scenarios.Rebuild(v)
	must(t, err)
	if !e.Status(d.Now()).Paused {
		t.Error("leaving the drill screen did not pause the drill")
	}
}

// o records an evaluator's observation from the drill screen; it is in the journal
// and in the after-action report.
func TestDrillObservationFromTheScreen(t *testing.T) {
	d, _, id := drillFixture(t)
	m := newDrillModel(t, d, id, 120, 40)
	m = press(t, m, "o")
	if got := shot(m); !strings.Contains(got, "DRILL · evaluator's observation") {
		t.Fatalf("o did not open the observation dialog:\n%s", got)
	}
	m = typeText(t, m, "Nobody had the status page login")
	m = press(t, m, "tab", "right") // kind: an area for improvement
	// The objective or one of its critical tasks, from the scenario's list.
	m = press(t, m, "tab")
	if got := shot(m); !strings.Contains(got, "[respond]") || !strings.Contains(got, "respond/status-page") || !strings.Contains(got, "objective: Open the incident and fail over") {
		t.Fatalf("the objective field does not list the scenario's objective and critical task:\n%s", got)
	}
	m = press(t, m, "right")
	if got := shot(m); !strings.Contains(got, "[respond/status-page]") || !strings.Contains(got, "critical task of respond: Post to the status page") {
		t.Fatalf("the critical task is not chosen:\n%s", got)
	}
	m = press(t, m, "tab", "tab", "tab") // root cause, recommendation left empty: the element
	m = press(t, m, "right", "right")    // organization
	m = press(t, m, "ctrl+s")
	if got := shot(m); !strings.Contains(got, "✓ drill: observation recorded") {
		t.Fatalf("after saving:\n%s", got)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	a, err := scenarios.BuildAAR(v, time.Now())
	must(t, err)
	if len(a.Observations) != 1 || a.Observations[0].Kind != scenarios.Improvement || a.Observations[0].Text != "Nobody had the status page login" ||
		a.Observations[0].Objective != "respond" || a.Observations[0].Task != "status-page" || a.Observations[0].Element != "organization" {
		t.Fatalf("observations in the report: %+v", a.Observations)
	}
}

// Facilitator keys pressed while a drill write is in flight are played after it, in
// order: + + is two speed steps.
func TestDrillKeysQueueWhileAWriteIsInFlight(t *testing.T) {
	d, _, id := drillFixture(t)
	m := newDrillModel(t, d, id, 120, 40)
	start := m.drill.snap.status.Speed
	next, first := m.Update(keyMsg("+")) // the first write is in flight...
	m = next.(Model)
	m = send(t, m, keyMsg("+")) // ...when the second + comes: queued
	if len(m.drill.queued) != 1 {
		t.Errorf("the second + is not queued: %d keys held", len(m.drill.queued))
	}
	m = runCmd(t, m, first) // the first answers; the queued one plays
	want, _ := nextSpeed(start, true)
	want, _ = nextSpeed(want, true)
	if got := m.drill.snap.status.Speed; got != want {
		t.Fatalf("speed after + + is %gx, want %gx (from %gx)", got, want, start)
	}
}
