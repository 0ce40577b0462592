package scenarios

import (
	"github.com/muster-ir/muster/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// realIncident plays a closed real incident with the test runbook on a fixed clock.
func realIncident(t *testing.T) (*incident.Store, *incident.View) {
	t.Helper()
	c := newClock()
	st := &incident.Store{DataDir: t.TempDir(), Now: c.now, NewID: func(time.Time) string { return "INC-20260303-R3AL1" }}
	inc, err := st.Start(incident.StartOptions{Runbook: testRunbook(t), Policy: runbook.DefaultPolicy(), Severity: "high",
		Title: "Checkout down for Dave's biggest customer", Actor: "alice@ops"})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	evidence := filepath.Join(t.TempDir(), "lb-errors.log")
	if err := os.WriteFile(evidence, []byte("502 502 502\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do := func(d time.Duration, actor string, f func() error) {
		t.Helper()
		c.set(t0.Add(d))
		inc.Actor = actor
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	do(2*time.Minute, "alice@ops", func() error { return inc.CompleteStep("open-incident", "") })
	do(4*time.Minute, "alice@ops", func() error {
		return inc.AddNote("Customer Acme says checkout returns 502 since 09:25.\nThey lose 4k EUR an hour.", "")
	})
	do(5*time.Minute, "alice@ops", func() error { return inc.Assign("Dave Smith (checkout owner)", "dave@ops") })
	do(6*time.Minute+20*time.Second, "bob@ops", func() error { return inc.Escalate("incident lead", "paging Dave Smith, he owns checkout") })
	do(7*time.Minute, "bob@ops", func() error { return inc.Escalate("Dave Smith", "owner of checkout") })
	do(9*time.Minute, "bob@ops", func() error { return inc.ChangeSeverity("critical", "all EU customers") })
	do(11*time.Minute, "bob@ops", func() error { _, err := inc.Attach(evidence); return err })
	do(14*time.Minute, "carol@db", func() error {
		return inc.RecordCheck(incident.CheckRun{Step: "check-backups", Check: "rds-backup", Status: "pass", Summary: "fine"})
	})
	do(20*time.Minute, "bob@ops", func() error { return inc.CompleteStep("isolate", "") })
	do(25*time.Minute, "alice@ops", func() error { return inc.AddNote("Root cause: expired certificate on the EU balancer", "isolate") })
	do(31*time.Minute, "alice@ops", func() error { return inc.Notify("affected customers", "email", "Checkout works again.") })
	do(40*time.Minute, "alice@ops", func() error { return inc.CloseIncident("cert renewed", true, "drill material") })
	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st, v
}

func TestFromIncidentKeepsOffsetsAndTimings(t *testing.T) {
	_, v := realIncident(t)
	data, err := FromIncident(v, FromOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, ps := Parse("replay.toml", data, Env{Runbooks: OneRunbook{v.Runbook}})
	if len(ps) > 0 {
		t.Fatalf("%v\n%s", ps, data)
	}
	if sc.ID != "replay-inc-20260303-r3al1" || sc.Origin == nil || sc.Origin.Incident != "INC-20260303-R3AL1" || sc.Severity != "high" {
		t.Errorf("identity %s %+v %s", sc.ID, sc.Origin, sc.Severity)
	}
	at := map[string]time.Duration{}
	for _, in := range sc.Injects {
		at[in.ID] = in.At
	}
	if at["opened"] != 0 || at["note-1"] != 4*time.Minute || at["note-2"] != 25*time.Minute {
		t.Errorf("inject offsets %v", at)
	}
	if n, _ := sc.Inject("note-1"); n.Title != "Customer Acme says checkout returns 502 since 09:25." || !strings.Contains(n.Body, "4k EUR") {
		t.Errorf("note inject %+v", n)
	}
	got := map[string]time.Duration{}
	opened, _ := sc.Inject("opened")
	for _, x := range opened.Expects {
		got[x.Kind+":"+x.Step+x.To+x.Audience+x.Level+x.Check] = x.Within
	}
	want := map[string]time.Duration{
		"step:open-incident": 2 * time.Minute, "escalation:incident lead": 6*time.Minute + 20*time.Second, "escalation:Dave Smith": 7 * time.Minute,
		"severity:critical": 9 * time.Minute, "evidence:": 11 * time.Minute, "backup-check:check-backupsrds-backup": 14 * time.Minute,
		"step:isolate": 20 * time.Minute, "notify:affected customers": 31 * time.Minute,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("expectation %s within %v, want %v (all: %v)", k, got[k], w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d expectations, want %d: %v", len(got), len(want), got)
	}
	if sc.PlannedDuration != 55*time.Minute || len(sc.Origin.Timeline) != len(v.Events) {
		t.Errorf("planned %v, timeline %d of %d events", sc.PlannedDuration, len(sc.Origin.Timeline), len(v.Events))
	}
}

func TestFromIncidentRedacts(t *testing.T) {
	_, v := realIncident(t)
	data, err := FromIncident(v, FromOptions{Redact: true})
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, secret := range []string{"alice", "bob", "carol", "Dave", "Acme", "4k EUR", "certificate", "lb-errors", "Checkout down", "Checkout works"} {
		if strings.Contains(text, secret) {
			t.Errorf("redacted scenario still says %q", secret)
		}
	}
	for _, kept := range []string{`to = "incident lead"`, `audience = "affected customers"`, `step = "isolate"`, `level = "critical"`, "responder 2", "[note redacted: 14 words]"} {
		if !strings.Contains(text, kept) {
			t.Errorf("redacted scenario lost %q", kept)
		}
	}
	golden.AssertFile(t, "from-incident-redacted.toml", data)
}

func TestFromIncidentRefusesOpenIncidentsAndDrills(t *testing.T) {
	h := startDrill(t, timedInjects, 1, 1)
	v, err := h.st.Load(h.inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromIncident(v, FromOptions{}); !incident.IsRefused(err) || !strings.Contains(err.Error(), "drill") {
		t.Errorf("drill: %v", err)
	}
	v.State.Drill = false
	if _, err := FromIncident(v, FromOptions{}); !incident.IsRefused(err) || !strings.Contains(err.Error(), "still open") {
		t.Errorf("open incident: %v", err)
	}
}

// TestReplayDrillShowsTheTeamBesideTheOriginal plays the recorded scenario and checks
// the report compares the team's times with the original responders'.
func TestReplayDrillShowsTheTeamBesideTheOriginal(t *testing.T) {
	_, v := realIncident(t)
	data, err := FromIncident(v, FromOptions{Redact: true})
	if err != nil {
		t.Fatal(err)
	}
	sc, ps := Parse("replay.toml", data, Env{Runbooks: OneRunbook{testRunbook(t)}})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	h := startHeadless(t, sc, testRunbook(t), 1, 60)
	h.as(time.Minute, "erin@team", func(inc *incident.Incident) error { return inc.CompleteStep("open-incident", "") })
	h.as(5*time.Minute, "erin@team", func(inc *incident.Incident) error { return inc.Escalate("incident lead", "outage") })
	h.as(30*time.Minute, "erin@team", func(inc *incident.Incident) error { return inc.CompleteStep("isolate", "") })
	h.until(sc.PlannedDuration)
	dv, err := h.st.Load(h.id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := BuildAAR(dv, h.c.now())
	if err != nil {
		t.Fatal(err)
	}
	if a.Replay == nil || a.Replay.Incident != "INC-20260303-R3AL1" || !a.Replay.Redacted {
		t.Fatalf("replay %+v", a.Replay)
	}
	rows := map[string]ReplayRow{}
	for _, r := range a.Replay.Rows {
		rows[r.Text] = r
	}
	if r := rows["Runbook step open-incident done"]; !r.Done || r.Team != time.Minute || r.Original != 2*time.Minute || r.Verdict != Met {
		t.Errorf("open-incident row %+v", r)
	}
	if r := rows["Runbook step isolate done"]; !r.Done || r.Team != 30*time.Minute || r.Verdict != Late {
		t.Errorf("isolate row %+v", r)
	}
	var original, team int
	for _, r := range a.Replay.Timeline {
		if r.Original != "" {
			original++
		}
		if r.Team != "" {
			team++
		}
	}
	if original != len(v.Events) || team != 3 {
		t.Errorf("side by side: %d original lines, %d team lines", original, team)
	}
	md := a.Markdown()
	if !strings.Contains(md, "### The team beside the original response") || !strings.Contains(md, "| Runbook step open-incident done | 2m | 1m (1m faster) | met |") {
		t.Errorf("markdown lacks the comparison:\n%s", md)
	}
}
