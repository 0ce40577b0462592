package scenarios

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
)

const timedInjects = `
[[injects]]
id = "first"
at = "0m"
from = "monitoring"
channel = "alert"
title = "First"

  [[injects.expectations]]
  id = "open"
  kind = "step"
  step = "open-incident"
  within = "10m"
  objective = "respond"

[[injects]]
id = "second"
at = "5m"
from = "support"
channel = "ticket"
title = "Second"

[[injects]]
id = "third"
at = "12m30s"
from = "customer"
channel = "email"
title = "Third"
`

func TestTimedInjectsFireExactlyWhenDue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		speed float64
		real  func(drill time.Duration) time.Duration
	}{
		{"1x: drill time is real time", 1, func(d time.Duration) time.Duration { return d }},
		{"60x: five drill minutes pass in five real seconds", 60, func(d time.Duration) time.Duration { return d / 60 }},
		{"120x", 120, func(d time.Duration) time.Duration { return d / 120 }},
		{"7.5x: fractional speed", 7.5, func(d time.Duration) time.Duration { return time.Duration(float64(d) / 7.5) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startDrill(t, timedInjects, 1, tc.speed)
			if !slices.Equal(h.fired, []string{"first"}) {
				t.Fatalf("at the start fired %v, want [first]", h.fired)
			}
			for _, want := range []struct {
				id    string
				drill time.Duration
			}{{"second", 5 * time.Minute}, {"third", 12*time.Minute + 30*time.Second}} {
				due := tc.real(want.drill)
				h.at(due - time.Nanosecond)
				if slices.Contains(h.fired, want.id) {
					t.Fatalf("%s fired 1ns before it was due", want.id)
				}
				// NextWake says exactly when it falls due.
				if at, ok := h.d.NextWake(h.c.now()); !ok || at.Sub(t0) > due+time.Nanosecond {
					t.Errorf("NextWake %v, want %v", at.Sub(t0), due)
				}
				h.at(due + time.Nanosecond)
				if h.fired[len(h.fired)-1] != want.id {
					t.Fatalf("at %v fired %v, want %s last", due, h.fired, want.id)
				}
				if got := h.firedAt()[want.id]; got != want.drill {
					t.Errorf("%s recorded at drill time %v, want exactly %v", want.id, got, want.drill)
				}
			}
		})
	}
}

func TestRelativeInjectsFireAfterTheirAnchor(t *testing.T) {
	body := timedInjects + `
[[injects]]
id = "after-second"
from = "support"
channel = "chat"
title = "Two minutes after the second"
after = { inject = "second", delay = "2m" }

[[injects]]
id = "after-isolate"
from = "ops"
channel = "chat"
title = "After isolate is done"
after = { step = "isolate", delay = "3m" }

[[injects]]
id = "on-recover"
from = "ops"
channel = "chat"
title = "When recover starts"
after = { phase = "recover" }
`
	h := startDrill(t, body, 1, 1)
	h.at(5 * time.Minute)
	h.at(7*time.Minute - time.Second)
	if slices.Contains(h.fired, "after-second") {
		t.Fatal("after-second fired early")
	}
	h.at(7 * time.Minute)
	if got := h.firedAt()["after-second"]; got != 7*time.Minute {
		t.Fatalf("after-second at %v, want 7m (fired %v)", got, h.fired)
	}
	// The team isolates at 20m: the inject waiting on that step is due at 23m.
	h.team(20*time.Minute, func(inc *incident.Incident) error { return inc.CompleteStep("isolate", "") })
	if slices.Contains(h.fired, "after-isolate") {
		t.Fatal("after-isolate fired at once; it has a 3m delay")
	}
	if st := h.d.Status(h.c.now()); st.NextInject != "after-isolate" || st.NextDue != 23*time.Minute {
		t.Errorf("status next %s at %v, want after-isolate at 23m", st.NextInject, st.NextDue)
	}
	h.at(23 * time.Minute)
	if got := h.firedAt()["after-isolate"]; got != 23*time.Minute {
		t.Fatalf("after-isolate at %v, want 23m", got)
	}
	// Entering the recover phase (its first step done) fires on-recover at once.
	h.team(30*time.Minute, func(inc *incident.Incident) error { return inc.CompleteStep("restore", "") })
	if got := h.firedAt()["on-recover"]; got != 30*time.Minute {
		t.Fatalf("on-recover at %v, want 30m (fired %v)", got, h.fired)
	}
}

func TestPauseShiftsLaterInjects(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.c.set(t0.Add(2 * time.Minute))
	h.must(h.d.Pause(h.c.now()))
	// Ten real minutes pass while paused: nothing fires, the drill clock stands still.
	h.at(12 * time.Minute)
	if st := h.d.Status(h.c.now()); !st.Paused || st.Drill != 2*time.Minute || len(h.fired) != 1 {
		t.Fatalf("paused status %+v fired %v", st, h.fired)
	}
	if _, ok := h.d.NextWake(h.c.now()); ok {
		t.Error("NextWake while paused")
	}
	h.must(h.d.Resume(h.c.now()))
	// second was due at drill 5m: 3 more minutes after the resume at real 12m.
	h.at(15*time.Minute - time.Second)
	if slices.Contains(h.fired, "second") {
		t.Fatal("second fired before the pause was made up")
	}
	h.at(15 * time.Minute)
	if got := h.firedAt()["second"]; got != 5*time.Minute {
		t.Fatalf("second at drill %v, want 5m", got)
	}
	if _, err := h.d.Resume(h.c.now()); !incident.IsRefused(err) {
		t.Errorf("resume while running: %v, want a refusal", err)
	}
}

func TestSpeedChangeMidDrill(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.c.set(t0.Add(2 * time.Minute))
	h.must(h.d.SetSpeed(h.c.now(), 60))
	// Drill 2m at real 2m; from there 60x: drill 5m at real 2m03s, 12m30s at 2m10.5s.
	h.at(2*time.Minute + 3*time.Second - time.Millisecond)
	if slices.Contains(h.fired, "second") {
		t.Fatal("second fired early")
	}
	h.at(2*time.Minute + 3*time.Second)
	h.c.set(t0.Add(2*time.Minute + 5*time.Second))
	h.must(h.d.SetSpeed(h.c.now(), 2))
	// At real 2m05s the drill is at 7m; 5m30s of drill at 2x is 2m45s of real time.
	h.at(2*time.Minute + 5*time.Second + 2*time.Minute + 45*time.Second)
	if got := h.firedAt(); got["second"] != 5*time.Minute || got["third"] != 12*time.Minute+30*time.Second {
		t.Fatalf("fired at %v", got)
	}
	if st := h.d.Status(h.c.now()); st.Speed != 2 {
		t.Errorf("speed %v", st.Speed)
	}
	for _, bad := range []float64{0.5, 121, 0} {
		if _, err := h.d.SetSpeed(h.c.now(), bad); !incident.IsRefused(err) {
			t.Errorf("speed %v: %v, want a refusal", bad, err)
		}
	}
}

func TestSkipJumpsToTheNextInject(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.c.set(t0.Add(time.Minute))
	u, err := h.d.Skip(h.c.now())
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Fired) != 1 || u.Fired[0].Inject != "second" || u.Fired[0].Drill != 5*time.Minute {
		t.Fatalf("skip fired %+v", u.Fired)
	}
	// The clock jumped: one real minute later the drill is at 6m.
	h.at(2 * time.Minute)
	if st := h.d.Status(h.c.now()); st.Drill != 6*time.Minute {
		t.Errorf("drill time %v after the skip, want 6m", st.Drill)
	}
}

func TestTriggerAndAdHocAreJournalledFacilitatorActions(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.c.set(t0.Add(time.Minute))
	u, err := h.d.Trigger(h.c.now(), "third")
	if err != nil || len(u.Fired) != 1 || u.Fired[0].Reason != "trigger" || u.Fired[0].Drill != time.Minute {
		t.Fatalf("trigger: %v %+v", err, u.Fired)
	}
	if _, err := h.d.Trigger(h.c.now(), "third"); !incident.IsRefused(err) {
		t.Errorf("triggering a fired inject: %v", err)
	}
	u, err = h.d.AddAdHoc(h.c.now(), AdHoc{From: "CFO", Channel: "phone", Title: "Is billing affected?\x1b[31m", Body: "Asks twice."})
	if err != nil || len(u.Fired) != 1 || u.Fired[0].Inject != "adhoc-1" || u.Fired[0].Title != "Is billing affected?" {
		t.Fatalf("ad hoc: %v %+v", err, u.Fired)
	}
	if _, err := h.d.AddAdHoc(h.c.now(), AdHoc{Channel: "pigeon", Title: "x"}); !incident.IsRefused(err) {
		t.Errorf("unknown channel: %v", err)
	}
	// Later timed injects are not disturbed; the triggered one does not fire again.
	h.at(13 * time.Minute)
	var order []string
	for _, f := range h.d.Feed() {
		order = append(order, f.Inject)
	}
	if !slices.Equal(order, []string{"first", "third", "adhoc-1", "second"}) {
		t.Errorf("feed %v", order)
	}
	var types []string
	for _, e := range h.events() {
		types = append(types, e.Type)
	}
	for _, want := range []string{EvDrillStarted, EvInject, EvAdHoc} {
		if !slices.Contains(types, want) {
			t.Errorf("journal has no %s: %v", want, types)
		}
	}
}

const decisionScenario = `
[[injects]]
id = "call"
at = "10m"
from = "ops lead"
channel = "phone"
title = "Fail over now?"

  [injects.decision]
  prompt = "Fail over now?"
  timeout = "5m"
  default = "wait"
  options = [
    { id = "now", label = "Fail over now", goto = "failed-over", delay = "10m", points = 10 },
    { id = "wait", label = "Wait", goto = "still-down", delay = "3m", points = 1 },
  ]

[[injects]]
id = "failed-over"
from = "monitoring"
channel = "alert"
title = "Standby serving"

[[injects]]
id = "still-down"
from = "monitoring"
channel = "alert"
title = "Still down"

  [[injects.expectations]]
  id = "isolate"
  kind = "step"
  step = "isolate"
  within = "5m"
  objective = "respond"
`

func TestDecisionBranchesToTheChosenInject(t *testing.T) {
	h := startDrill(t, decisionScenario, 1, 1)
	h.at(10 * time.Minute)
	st := h.d.Status(h.c.now())
	if len(st.OpenDecisions) != 1 || st.OpenDecisions[0].Deadline != 15*time.Minute {
		t.Fatalf("open decisions %+v", st.OpenDecisions)
	}
	h.c.set(t0.Add(12 * time.Minute))
	if _, err := h.d.Decide(h.c.now(), "call", "maybe"); !incident.IsRefused(err) {
		t.Errorf("unknown option: %v", err)
	}
	h.must(h.d.Decide(h.c.now(), "call", "now"))
	if _, err := h.d.Decide(h.c.now(), "call", "wait"); !incident.IsRefused(err) {
		t.Errorf("second answer: %v", err)
	}
	h.at(22*time.Minute - time.Second)
	if slices.Contains(h.fired, "failed-over") {
		t.Fatal("branch fired before its delay")
	}
	h.at(22 * time.Minute)
	h.at(60 * time.Minute)
	if got := h.firedAt(); got["failed-over"] != 22*time.Minute || slices.Contains(h.fired, "still-down") {
		t.Fatalf("fired %v at %v", h.fired, got)
	}
	if v := h.verdicts()["still-down/isolate"]; v != NotReached {
		t.Errorf("expectation of the branch not taken: %s", v)
	}
}

func TestDecisionDefaultsWhenTimeRunsOut(t *testing.T) {
	h := startDrill(t, decisionScenario, 1, 1)
	h.at(15*time.Minute - time.Second)
	if d := h.d.Decisions(); len(d) != 1 || !d[0].Open {
		t.Fatalf("decisions %+v", d)
	}
	h.at(15 * time.Minute)
	d := h.d.Decisions()
	if d[0].Open || d[0].Chosen != "wait" || d[0].By != "timeout" || d[0].At != 15*time.Minute {
		t.Fatalf("decision after the timeout %+v", d[0])
	}
	h.at(18 * time.Minute)
	if got := h.firedAt()["still-down"]; got != 18*time.Minute {
		t.Fatalf("default branch at %v, want 18m (fired %v)", got, h.fired)
	}
}

const poolScenario = `
[[injects]]
id = "keys"
at = "5m"
from = "analyst"
channel = "chat"
title = "API keys in the dump"

[[injects]]
id = "hashes"
at = "5m"
from = "analyst"
channel = "chat"
title = "Hashes in the dump"

[[injects]]
id = "tickets"
at = "5m"
from = "analyst"
channel = "chat"
title = "Tickets in the dump"

  [[injects.expectations]]
  id = "noted"
  kind = "evidence"
  within = "10m"
  objective = "respond"

[[injects]]
id = "follow-up"
from = "analyst"
channel = "chat"
title = "More about the keys"
after = { inject = "keys", delay = "1m" }

[[pools]]
id = "contents"
members = ["keys", "hashes", "tickets"]
weights = [1, 1, 2]
`

func TestRandomPoolDrawsOneVariantWithTheSeed(t *testing.T) {
	sc := parseScenario(t, poolScenario)
	counts := map[string]int{}
	for seed := range uint64(400) {
		p := Draw(sc, seed)
		if Draw(sc, seed)["contents"] != p["contents"] {
			t.Fatal("the same seed drew differently")
		}
		counts[p["contents"]]++
	}
	// Weights 1:1:2 over 400 draws: every member drawn, tickets about half the time.
	if counts["keys"] < 60 || counts["hashes"] < 60 || counts["tickets"] < 150 || counts["tickets"] > 250 {
		t.Errorf("draws over 400 seeds: %v", counts)
	}
	for _, seed := range []uint64{3, 11} {
		pick := Draw(sc, seed)["contents"]
		h := startDrill(t, poolScenario, seed, 1)
		h.at(10 * time.Minute)
		if h.fired[0] != pick || len(h.fired) > 2 {
			t.Fatalf("seed %d drew %s but fired %v", seed, pick, h.fired)
		}
		if (pick == "keys") != slices.Contains(h.fired, "follow-up") {
			t.Errorf("seed %d: follow-up of keys fired %v with pick %s", seed, h.fired, pick)
		}
		labels := h.inc.State.Labels
		if labels["seed"] != map[uint64]string{3: "3", 11: "11"}[seed] || labels["scenario"] != "test-drill" || labels["scenario_version"] != "1.0.0" {
			t.Errorf("labels %v", labels)
		}
	}
}

const expectScenario = `
[[injects]]
id = "alert"
at = "0m"
from = "monitoring"
channel = "alert"
title = "Alert"

  [[injects.expectations]]
  id = "open"
  kind = "step"
  step = "open-incident"
  within = "10m"
  objective = "respond"

  [[injects.expectations]]
  id = "lead"
  kind = "escalation"
  to = "incident lead"
  within = "10m"
  objective = "respond"
  points = 20

  [[injects.expectations]]
  id = "critical"
  kind = "severity"
  level = "critical"
  within = "15m"
  objective = "respond"

[[injects]]
id = "backups"
at = "20m"
from = "incident lead"
channel = "chat"
title = "How old is the newest restore point?"

  [[injects.expectations]]
  id = "check"
  kind = "backup-check"
  within = "10m"
  objective = "respond"

  [[injects.expectations]]
  id = "evidence"
  kind = "evidence"
  match = "snapshot"
  within = "10m"
  objective = "respond"

  [[injects.expectations]]
  id = "customers"
  kind = "notify"
  audience = "affected customers"
  within = "10m"
  objective = "respond"
`

func TestExpectationsMetLateAndMissed(t *testing.T) {
	h := startDrill(t, expectScenario, 1, 1)
	// Done at 4m: met. A note before the backups inject does not count for it.
	h.team(4*time.Minute, func(inc *incident.Incident) error { return inc.CompleteStep("open-incident", "") })
	h.team(5*time.Minute, func(inc *incident.Incident) error { return inc.AddNote("snapshot from 03:00 looks fine", "") })
	// The escalation goes to the wrong person first, then to the backup incident lead at 12m: late.
	h.team(6*time.Minute, func(inc *incident.Incident) error { return inc.Escalate("database team", "help") })
	h.at(10 * time.Minute)
	if v := h.verdicts(); v["alert/open"] != Met || v["alert/lead"] != Overdue || v["alert/critical"] != Pending {
		t.Fatalf("at 10m: %v", v)
	}
	h.team(12*time.Minute, func(inc *incident.Incident) error { return inc.Escalate("backup incident lead", "lead unreachable") })
	// Severity exactly at its deadline: met.
	h.team(15*time.Minute, func(inc *incident.Incident) error { return inc.ChangeSeverity("critical", "customer data") })
	h.at(20 * time.Minute)
	h.team(25*time.Minute, func(inc *incident.Incident) error {
		return inc.RecordCheck(incident.CheckRun{Check: "rds-backup", Status: "pass", Summary: "newest restore point 20m old"})
	})
	h.team(26*time.Minute, func(inc *incident.Incident) error { return inc.AddNote("Snapshot rds:platform-2026-03-03 chosen", "") })
	h.team(31*time.Minute, func(inc *incident.Incident) error { return inc.Notify("status page", "web", "We are investigating.") })
	h.at(2 * time.Hour)
	want := map[string]string{
		"alert/open": Met, "alert/lead": Late, "alert/critical": Met,
		"backups/check": Met, "backups/evidence": Met, "backups/customers": Missed,
	}
	got := h.verdicts()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	st := h.d.Status(h.c.now())
	if !st.Ended || st.EndReason != "planned duration reached" {
		t.Fatalf("status %+v", st)
	}
	// 10 + 20/2 + 10 + 10 + 10 + 0 of 70.
	if s := st.Score; s.Points != 50 || s.Max != 70 || s.Met != 4 || s.Late != 1 || s.Missed != 1 {
		t.Errorf("score %+v", s)
	}
	// Every verdict is a journal event; overdue came first for the late one.
	var verdicts []string
	for _, e := range h.events() {
		if p, err := incident.Decode(e); err == nil && e.Type == EvExpectation {
			p := p.(ExpectationPayload)
			verdicts = append(verdicts, p.Inject+"/"+p.Expectation+"="+p.Verdict)
		}
	}
	wantSeq := []string{"alert/open=met", "alert/lead=overdue", "alert/lead=late", "alert/critical=met",
		"backups/check=met", "backups/evidence=met", "backups/customers=overdue", "backups/customers=missed"}
	if !slices.Equal(verdicts, wantSeq) {
		t.Errorf("verdict events %v\nwant %v", verdicts, wantSeq)
	}
}

func TestDrillEndsWhenEverythingIsDone(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.team(time.Minute, func(inc *incident.Incident) error { return inc.CompleteStep("open-incident", "") })
	h.at(12*time.Minute + 30*time.Second)
	st := h.d.Status(h.c.now())
	if !st.Ended || st.EndReason != "every inject played and every expectation met" || st.Drill != 12*time.Minute+30*time.Second {
		t.Fatalf("status %+v", st)
	}
	if _, err := h.d.Pause(h.c.now()); !incident.IsRefused(err) {
		t.Errorf("pause after the end: %v", err)
	}
}

func TestStopEndsTheDrillAndMissesWhatIsOpen(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.c.set(t0.Add(3 * time.Minute))
	u, err := h.d.Stop(h.c.now())
	if err != nil || !u.Ended {
		t.Fatalf("stop: %v %+v", err, u)
	}
	if v := h.verdicts(); v["first/open"] != Missed {
		t.Errorf("verdicts %v", v)
	}
	if st := h.d.Status(h.c.now()); st.EndReason != "stopped by the facilitator" || st.Drill != 3*time.Minute {
		t.Errorf("status %+v", st)
	}
}

// script plays the same team actions and facilitator keys against a drill.
func script(h *harness) {
	h.team(3*time.Minute, func(inc *incident.Incident) error { return inc.CompleteStep("open-incident", "") })
	h.at(9 * time.Minute)
	h.must(h.d.SetSpeed(h.c.now(), 10))
	h.at(9*time.Minute + 10*time.Second) // drill 10m40s: the call has fired
	h.must(h.d.Pause(h.c.now()))
	h.at(20 * time.Minute)
	h.must(h.d.Resume(h.c.now()))
	h.must(h.d.Decide(h.c.now(), "call", "now"))
	h.team(20*time.Minute+30*time.Second, func(inc *incident.Incident) error { return inc.Escalate("incident lead", "outage") })
	h.at(40 * time.Minute)
}

func TestSameScenarioSeedAndActionsGiveTheSameDrill(t *testing.T) {
	body := decisionScenario + poolScenario[:0] + `
[[injects]]
id = "opening"
at = "0m"
from = "monitoring"
channel = "alert"
title = "Opening"

  [[injects.expectations]]
  id = "open"
  kind = "step"
  step = "open-incident"
  within = "10m"
  objective = "respond"

  [[injects.expectations]]
  id = "lead"
  kind = "escalation"
  within = "10m"
  objective = "respond"
`
	a := startDrill(t, body, 42, 1)
	script(a)
	b := startDrill(t, body, 42, 1)
	script(b)
	ra, rb := drillRecords(a.events()), drillRecords(b.events())
	if !slices.Equal(ra, rb) {
		t.Fatalf("two runs differ:\n%v\n%v", ra, rb)
	}
	if len(ra) < 8 {
		t.Fatalf("only %d drill records", len(ra))
	}
	// A drill rebuilt from its journal is the same drill (resume after quitting).
	v, err := a.st.Load(a.inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := Rebuild(v)
	if err != nil {
		t.Fatal(err)
	}
	now := a.c.now()
	if got, want := mustJSON(t, eng.Status(now)), mustJSON(t, a.d.Status(now)); got != want {
		t.Errorf("rebuilt status\n%s\nwant\n%s", got, want)
	}
	if got, want := mustJSON(t, eng.Expectations(now)), mustJSON(t, a.d.Expectations(now)); got != want {
		t.Errorf("rebuilt expectations\n%s\nwant\n%s", got, want)
	}
	if got, want := mustJSON(t, eng.Feed()), mustJSON(t, a.d.Feed()); got != want {
		t.Errorf("rebuilt feed differs")
	}
}

func TestResumeAfterQuitContinuesTheDrill(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.c.set(t0.Add(2 * time.Minute))
	h.must(h.d.Pause(h.c.now()))
	h.inc.Close()
	// Later, another process reopens it.
	h.c.set(t0.Add(time.Hour))
	inc, err := h.st.Open(h.inc.ID, "fran@facilitator")
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	v, err := h.st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Resume(v, inc)
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Status(h.c.now()); !st.Paused || st.Drill != 2*time.Minute || len(d.Feed()) != 1 {
		t.Fatalf("resumed status %+v", st)
	}
	if _, err := d.Resume(h.c.now()); err != nil {
		t.Fatal(err)
	}
	h.c.advance(3 * time.Minute)
	u, err := d.Step(h.c.now())
	if err != nil || len(u.Fired) != 1 || u.Fired[0].Inject != "second" {
		t.Fatalf("after resume: %v %+v", err, u.Fired)
	}
}

func TestStoreJournalLetsOthersWriteBetweenAppends(t *testing.T) {
	h := startDrill(t, expectScenario, 1, 60)
	id := h.inc.ID
	h.inc.Close() // the headless driver does not hold the lock
	sj := &StoreJournal{Store: h.st, ID: id, Actor: "fran@facilitator"}
	v, err := h.st.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Resume(v, sj)
	if err != nil {
		t.Fatal(err)
	}
	// A responder in another terminal: `muster incident step ID open-incident --done`.
	h.c.set(t0.Add(5 * time.Second)) // drill 5m at 60x
	other, err := h.st.Open(id, "alice@laptop")
	if err != nil {
		t.Fatalf("the drill holds the lock: %v", err)
	}
	if err := other.CompleteStep("open-incident", ""); err != nil {
		t.Fatal(err)
	}
	other.Close()
	h.c.set(t0.Add(6 * time.Second))
	if _, err := d.Step(h.c.now()); err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Expectations(h.c.now()) {
		if e.ID == "open" && (e.Verdict != Met || e.Done != 5*time.Minute || e.By != "alice@laptop") {
			t.Errorf("open-incident by another process: %+v", e)
		}
	}
}

func TestClosingTheIncidentEndsTheDrill(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	h.team(4*time.Minute, func(inc *incident.Incident) error { return inc.CloseIncident("handled", true, "tabletop over") })
	st := h.d.Status(h.c.now())
	if !st.Ended || st.EndReason != "the incident was closed" || st.Drill != 4*time.Minute {
		t.Fatalf("status %+v", st)
	}
	if v := h.verdicts()["first/open"]; v != Missed {
		t.Errorf("open verdict %s", v)
	}
	if _, ok := h.d.NextWake(h.c.now()); ok {
		t.Error("a closed drill still wants to wake")
	}
	if _, err := h.d.Finalise(h.c.now()); !incident.IsRefused(err) {
		t.Errorf("finalise after close: %v", err)
	}
	// Run returns at once on a drill that is over.
	if err := Run(context.Background(), h.d, RealClock, RunOptions{}); err != nil {
		t.Fatal(err)
	}
}
