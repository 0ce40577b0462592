package scenarios

import (
	"github.com/muster-ir/muster/internal/golden"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// headless is a drill played the way `muster drill --headless` plays it: the driver
// writes through a StoreJournal, and the responders act through incident commands
// from their own terminals (Store.Open with their name, then the Incident methods the
// TUI calls).
type headless struct {
	t  *testing.T
	c  *clock
	st *incident.Store
	d  *Drill
	id string
}

func startHeadless(t *testing.T, sc *Scenario, rb *runbook.Runbook, seed uint64, speed float64) *headless {
	t.Helper()
	c := newClock()
	st := &incident.Store{DataDir: t.TempDir(), Now: c.now, NewID: func(time.Time) string { return "INC-20260303-G0LD7" }}
	d, id := startStored(t, st, StartOptions{Scenario: sc, Runbook: rb, Policy: runbook.DefaultPolicy(), Actor: "fran@facilitator",
		Seed: seed, Speed: speed, Now: c.now()})
	h := &headless{t: t, c: c, st: st, d: d, id: id}
	h.step()
	return h
}

func (h *headless) step() {
	h.t.Helper()
	if _, err := h.d.Step(h.c.now()); err != nil {
		h.t.Fatal(err)
	}
}

// until lets real time pass, stepping the driver every drill minute, until the drill
// clock reads target.
func (h *headless) until(target time.Duration) {
	h.t.Helper()
	for {
		st := h.d.Status(h.c.now())
		if st.Ended || st.Drill >= target {
			return
		}
		if st.Paused {
			h.t.Fatalf("until %v: the drill is paused", target)
		}
		left := min(target-st.Drill, time.Minute)
		h.c.advance(time.Duration(float64(left) / st.Speed))
		h.step()
	}
}

// as runs a responder's command against the drill incident at drill time at.
func (h *headless) as(at time.Duration, actor string, f func(inc *incident.Incident) error) {
	h.t.Helper()
	h.until(at)
	inc, err := h.st.Open(h.id, actor)
	if err != nil {
		h.t.Fatal(err)
	}
	defer inc.Close()
	if err := f(inc); err != nil {
		h.t.Fatalf("%s at %v: %v", actor, at, err)
	}
}

// evaluate runs an evaluation command as the evaluator eve@evaluator, through a drill
// of her own (as muster drill observe does from her terminal), at drill time at.
func (h *headless) evaluate(at time.Duration, f func(ev *Drill, now time.Time) (Update, error)) {
	h.t.Helper()
	h.until(at)
	v, err := h.st.Load(h.id)
	if err != nil {
		h.t.Fatal(err)
	}
	ev, err := Resume(v, &StoreJournal{Store: h.st, ID: h.id, Actor: "eve@evaluator"})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := f(ev, h.c.now()); err != nil {
		h.t.Fatal(err)
	}
	h.step()
}

func (h *headless) facilitate(at time.Duration, f func(now time.Time) (Update, error)) {
	h.t.Helper()
	h.until(at)
	if _, err := f(h.c.now()); err != nil {
		h.t.Fatal(err)
	}
}

// playGoldenDrill plays testdata/golden-drill.toml at 120x with seed 7 (the pool draws
// snapshot-fresh) and a team that does most things right.
func playGoldenDrill(t *testing.T) (*headless, *incident.View, time.Time) {
	rb := testRunbook(t)
	sc, problems := LoadFile("testdata/golden-drill.toml", Env{Runbooks: OneRunbook{rb}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	h := startHeadless(t, sc, rb, 7, 120)
	min := time.Minute
	h.as(1*min, "alice@ops", func(inc *incident.Incident) error { return inc.Acknowledge() })
	h.as(3*min, "alice@ops", func(inc *incident.Incident) error { return inc.CompleteStep("open-incident", "orders API down") })
	h.as(4*min, "alice@ops", func(inc *incident.Incident) error { return inc.Assign("incident commander", "carol@ops") })
	h.as(6*min, "carol@ops", func(inc *incident.Incident) error { return inc.Escalate("incident lead", "orders table gone") })
	h.as(12*min, "bob@dba", func(inc *incident.Incident) error {
		return inc.RecordCheck(incident.CheckRun{Step: "check-backups", Check: "rds-backup", Status: "pass", Summary: "orders-db: newest restore point 52m old (RPO 6h)"})
	})
	h.facilitate(14*min, h.d.Pause)
	h.c.advance(30 * time.Second) // the facilitator explains the RPO; the clock waits
	h.facilitate(14*min, h.d.Resume)
	h.facilitate(16*min, func(now time.Time) (Update, error) { return h.d.Decide(now, "restore-call", "new-instance") })
	h.as(17*min, "carol@ops", func(inc *incident.Incident) error { return inc.ChangeSeverity("critical", "all orders lost") })
	h.facilitate(18*min, func(now time.Time) (Update, error) { return h.d.SetSpeed(now, 60) })
	// An evaluator watches from another terminal and records what she sees; the
	// facilitator notes the room's answer to a discussion question.
	h.evaluate(18*min, func(ev *Drill, now time.Time) (Update, error) {
		return ev.Observe(now, ObservationPayload{Objective: "restore", Task: "check-backups", Kind: Strength,
			Text: "Bob read the restore point's age against the RPO aloud before anyone chose"})
	})
	h.evaluate(18*min, func(ev *Drill, now time.Time) (Update, error) {
		return ev.Observe(now, ObservationPayload{Objective: "detect", Kind: Improvement, Text: "Nobody knew who may stop the deploy pipeline",
			RootCause: "the pipeline's owner is not in the runbook", Recommendation: "Name the pipeline owner and a deputy in the runbook", Element: "organization"})
	})
	h.facilitate(18*min, func(now time.Time) (Update, error) {
		return h.d.Discuss(now, "loss", 1, "The release manager; the team did not know it")
	})
	h.as(19*min, "bob@dba", func(inc *incident.Incident) error { return inc.CompleteStep("isolate", "deploy pipeline stopped") })
	h.as(20*min, "bob@dba", func(inc *incident.Incident) error { return inc.CompleteStep("snapshot", "") })
	h.facilitate(21*min, func(now time.Time) (Update, error) {
		return h.d.AddAdHoc(now, AdHoc{From: "CFO", Channel: "phone", Title: "Are invoices affected too?"})
	})
	h.as(23*min, "bob@dba", func(inc *incident.Incident) error {
		return inc.AddNote("Kept snapshot snap-0a1b2c of the damaged volume", "snapshot")
	})
	h.as(29*min, "bob@dba", func(inc *incident.Incident) error { return inc.CompleteStep("restore", "new instance orders-db-2") })
	h.until(60 * min)
	if !h.d.Ended() {
		t.Fatal("the drill did not end at its planned duration")
	}
	// The hot wash, and the evaluator's rating of a task she saw done with challenges.
	h.evaluate(60*min, func(ev *Drill, now time.Time) (Update, error) {
		return ev.HotWash(now, "alice@ops", 1, "Opening the incident at once")
	})
	h.evaluate(60*min, func(ev *Drill, now time.Time) (Update, error) {
		return ev.HotWash(now, "bob@dba", 2, "Put the pipeline owner in the runbook")
	})
	h.evaluate(60*min, func(ev *Drill, now time.Time) (Update, error) {
		return ev.Rate(now, "restore", "stop-damage", "S", "stopped, but only after asking around for five minutes")
	})
	// The facilitator finalises: the improvement plan becomes follow-ups.
	h.c.advance(time.Minute)
	inc, err := h.st.Open(h.id, "fran@facilitator")
	if err != nil {
		t.Fatal(err)
	}
	inc.Close()
	items, err := h.d.Finalise(h.c.now())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].FollowUp != "F1" || items[1].FollowUp != "F2" || items[2].FollowUp != "F3" {
		t.Fatalf("finalised %+v", items)
	}
	if _, err := h.d.Finalise(h.c.now()); !incident.IsRefused(err) {
		t.Errorf("second finalise: %v", err)
	}
	v, err := h.st.Load(h.id)
	if err != nil {
		t.Fatal(err)
	}
	return h, v, h.c.now().Add(time.Minute)
}

func TestHeadlessDrillGoldenAfterActionReport(t *testing.T) {
	_, v, now := playGoldenDrill(t)
	a, err := BuildAAR(v, now)
	if err != nil {
		t.Fatal(err)
	}
	ratings := map[string]string{}
	for _, o := range a.Objectives {
		ratings[o.ID] = o.Rating
	}
	if ratings["detect"] != "S" || ratings["restore"] != "P" || ratings["inform"] != "U" {
		t.Errorf("ratings %v", ratings)
	}
	if a.Status != "final" || len(a.Plan) != 3 || a.Plan[0].FollowUp != "F1" || a.Plan[0].Owner != "incident commander" || a.Plan[1].Owner != "communications lead" {
		t.Errorf("status %s plan %+v", a.Status, a.Plan)
	}
	// The evaluator's area for improvement is an item of its own, with its POETE
	// element, the sponsor as the responsible organisation and the point of contact.
	if ip := a.Plan[2]; ip.Action != "Name the pipeline owner and a deputy in the runbook" || ip.Element != "organization" ||
		ip.Organisation != "Orders platform team" || ip.Contact != "fran@example.com" || a.Plan[0].Element != "planning" {
		t.Errorf("plan items %+v", a.Plan)
	}
	// Critical tasks: rated from their expectation and the evaluator's strength; the
	// evaluator's override with its reason.
	var restore ObjectiveRating
	for _, o := range a.Objectives {
		if o.ID == "restore" {
			restore = o
		}
	}
	if len(restore.Tasks) != 2 || restore.Tasks[0].Rating != "P" || restore.Tasks[0].Observations[0] != "O1" ||
		restore.Tasks[1].Rating != "S" || restore.Tasks[1].Computed != "P" || restore.Tasks[1].Override == nil || restore.Tasks[1].Override.By != "eve@evaluator" {
		t.Errorf("critical tasks %+v", restore.Tasks)
	}
	if len(a.HotWash) != 2 || len(a.HotWash[0].Answers) != 1 || a.HotWash[1].Answers[0].Participant != "bob@dba" ||
		a.Discussion[0].Questions[0].Answer == "" || a.Discussion[0].Questions[1].Answer != "" || a.Handling != "TLP:AMBER" {
		t.Errorf("hot wash %+v discussion %+v", a.HotWash, a.Discussion)
	}
	if len(a.Summary.Strengths) == 0 || len(a.Summary.Improvements) == 0 {
		t.Errorf("executive summary %+v", a.Summary)
	}
	if len(v.State.FollowUps) != 3 || !strings.HasPrefix(v.State.FollowUps[0].Text, "Drill golden-drill IP1: ") {
		t.Errorf("follow-ups %+v", v.State.FollowUps)
	}
	for _, tt := range a.Times {
		if tt.Name == "contain" && (!tt.Reached || tt.Took != 20*time.Minute || !strings.HasPrefix(tt.Verdict, "met")) {
			t.Errorf("time to contain %+v", tt)
		}
	}
	r := BuildDrillReport(v, now)
	md := r.Markdown()
	// A finished drill's report is the same whenever it is made, and every figure in
	// it is drill time.
	if later := BuildDrillReport(v, now.Add(3*time.Hour)).Markdown(); later != md {
		t.Error("the report of a finished drill changed when made three hours later")
	}
	for _, want := range []string{"| Duration | 1h00m of drill time |", "| open-incident — Open the incident | done | alice@ops | 2026-03-03 08:30:01Z | 3m |", "A drill is measured in drill time"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(md, " left |") || strings.Contains(md, "| Duration | 1m |") {
		t.Error("the report still has real-time figures")
	}
	if !v.State.Closed {
		t.Error("a finalised drill is still in progress")
	}
	if !strings.Contains(md, "# DRILL") || !strings.Contains(md, "## "+SectionTitle) {
		t.Error("the report is not marked DRILL or lacks the after-action section")
	}
	golden.AssertFile(t, "drill-report.md", []byte(md))
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertFile(t, "drill-report.json", js)
}
