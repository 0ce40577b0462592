package flow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/scenarios"
	"github.com/muster-ir/muster/tui"
)

// A short drill plays on the real clock at 20x (two minutes of drill in six
// seconds): the first inject appears, the team completes the step it expects, the
// phone call comes, and at the end the after-action report is on screen. The journal
// then holds the step, a met (or late) expectation, and verifies.
func TestDrillPlaysAndTheTeamCompletesAStep(t *testing.T) {
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	pol := runbook.DefaultPolicy()
	store := &incident.Store{DataDir: t.TempDir()}
	sc, ps := scenarios.LoadFile("../../scenarios/testdata/short-drill.toml", scenarios.Env{Runbooks: lib, Policy: pol})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	rb, _ := lib.Get(sc.Runbook.ID)
	inc, _, err := scenarios.Start(store, scenarios.StartOptions{Scenario: sc, Runbook: rb, Policy: pol, Actor: "facilitator@laptop",
		Seed: 1, Speed: 20, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	if err := inc.Close(); err != nil {
		t.Fatal(err)
	}

	d := tui.Deps{Store: store, Library: lib, Policy: pol, Actor: "alice@laptop", NoColor: true}
	s := startSized(t, d, tui.Options{Drill: id}, 120, 40)

	s.waitFor("DRILL ▶ RUNNING 20x", "ALERT from Synthetic monitoring: API returns 503 everywhere", "▸ · Open the incident")
	s.keys("space")
	s.waitFor("✓ saved: step open-incident done")
	s.waitFor("PHONE from Ops lead: Fail over now?")
	scr := s.waitFor("DRILL ended · after-action report")
	if !strings.Contains(scr, "score") {
		t.Errorf("the end screen has no score:\n%s", scr)
	}
	s.keys("esc")
	s.waitFor("■ ENDED")
	s.quit()

	v, err := store.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if st := v.State.Step("open-incident"); st.Status != incident.StepDone || st.By != "alice@laptop" {
		t.Errorf("step open-incident in the journal: %+v", st)
	}
	e, err := scenarios.Rebuild(v)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Ended() {
		t.Error("the drill did not end")
	}
	for _, x := range e.Expectations(time.Now()) {
		if x.ID == "open" && x.Verdict != "met" && x.Verdict != "late" {
			t.Errorf("expectation open: %s", x.Verdict)
		}
	}
	rep, err := journal.Verify(v.Dir)
	if err != nil || !rep.OK() {
		t.Errorf("journal verify: %v %s", err, rep.Summary())
	}
}
