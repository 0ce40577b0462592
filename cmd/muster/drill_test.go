package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/syncbuf"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/scenarios"
)

const shortDrill = "../../scenarios/testdata/short-drill.toml"

// OneLibrary is the runbook library as a scenario's runbooks.
func OneLibrary(t *testing.T) *runbook.Library {
	t.Helper()
	lib, ps := runbook.LoadLibrary("", nil)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return lib
}

func TestDrillScreenWithoutATerminalPointsToHeadless(t *testing.T) {
	c := newCLI(t)
	code, out, errs := c.run("", "drill", "paste-site-leak")
	if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "the drill screen needs a terminal; run the drill with --headless") {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errs)
	}
	if entries, _ := os.ReadDir(filepath.Join(c.home, "incidents")); len(entries) != 0 {
		t.Error("an incident was started")
	}
	c.exits(2, "drill", "paste-site-leak", "--headless", "--speed", "500")
	c.exits(2, "drill", "--headless")
	c.exits(2, "drill", "no-such-scenario", "--headless")
}

// TestHeadlessDrillWithRespondersInOtherTerminals plays the short drill at 120x: the
// drill prints its incident id first, a responder acts on it with incident commands
// while it runs, and at the end it prints the score and the report path.
func TestHeadlessDrillWithRespondersInOtherTerminals(t *testing.T) {
	c := newCLI(t)
	// The drill's clock and the responders' are one clock the test moves: alice's
	// step lands at T+0s however slow the machine is.
	clk := newDrillClock(time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC))
	c.clock, c.drillClock = clk.Now, clk
	pr, pw := io.Pipe()
	var stderr syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		code := c.stream(strings.NewReader(""), pw, &stderr, "--actor", "fran@facilitator", "drill", shortDrill, "--headless", "--speed", "60", "--seed", "9", "--poll", "20ms")
		pw.Close()
		done <- code
	}()
	lines := bufio.NewReader(pr)
	id, err := lines.ReadString('\n')
	if err != nil {
		t.Fatalf("no incident id: %v (stderr %s)", err, stderr.String())
	}
	id = strings.TrimSpace(id)
	var rest syncbuf.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&rest, lines); close(copied) }()
	// A responder in another terminal opens the incident within the first minute of
	// drill time.
	c.ok("--actor", "alice@ops", "incident", "step", id, "open-incident", "--done")
	if code := clk.playUntilDone(t, done); code != 0 {
		t.Fatalf("drill exit %d\n%s\n%s", code, rest.String(), stderr.String())
	}
	<-copied
	out := rest.String()
	for _, want := range []string{"DRILL short-drill 1.0.0 · runbook service-outage", "seed 9 · 60x · planned 2m of drill time (2s real)",
		"INJECT T+0s · story Tue 09:30 · ALERT probes-red", "DECISION: Fail over now? (default wait at T+50s)",
		"alice@ops: done: open-incident", "expectation probes-red/open MET", "decision on failover-call: time ran out, default Keep debugging",
		"INJECT T+1m ·", "expectation still-down/fail-over MISSED", "drill ended at T+2m (planned duration reached)",
		"SCORE 10/30 (33%): 1 met, 0 late, 1 missed", "IP1 Rehearse runbook step fail-over", "→ follow-up F1", "report: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	dir := filepath.Join(c.home, "incidents", id)
	report, err := os.ReadFile(filepath.Join(dir, AfterActionFile))
	if err != nil || !bytes.Contains(report, []byte("# DRILL")) || !bytes.Contains(report, []byte("## "+scenarios.SectionTitle)) {
		t.Fatalf("report file: %v\n%.300s", err, report)
	}
	if r, err := journal.Verify(dir); err != nil || !r.OK() {
		t.Fatalf("journal does not verify: %v %+v", err, r)
	}
	// incident report of a drill carries the after-action section (md and json).
	if md := c.ok("incident", "report", id); !strings.Contains(md, "### Analysis of core capabilities") || !strings.Contains(md, "| respond — Open the incident and fail over | Operational Coordination | **M**") {
		t.Errorf("incident report:\n%s", md)
	}
	if js := c.ok("incident", "report", id, "--format", "json"); !strings.Contains(js, `"title": "After-action report (HSEEP)"`) || !strings.Contains(js, `"improvement_plan": [`) {
		t.Errorf("json report lacks the after-action data")
	}
	// The AAR/IP alone, as Markdown, JSON and print-ready HTML.
	if html := c.ok("drill", "aar", id, "--format", "html"); !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "Appendix A: Improvement plan") ||
		!strings.Contains(html, "@page plan { size: A4 landscape; }") {
		t.Errorf("drill aar --format html:\n%.500s", html)
	}
	if md := c.ok("drill", "aar", id); !strings.Contains(md, "### Improvement plan") {
		t.Errorf("drill aar:\n%.500s", md)
	}
	c.exits(2, "drill", "aar", id, "--format", "pdf")
	// Finalised, the drill is closed and its improvement items are tracked across drills.
	if show := c.ok("incident", "show", id); !strings.Contains(show, "DRILL · CLOSED") {
		t.Errorf("finalised drill not closed:\n%s", show)
	}
	if fu := c.ok("followups", "--drills"); !strings.Contains(fu, id) || !strings.Contains(fu, "short-drill") || !strings.Contains(fu, "Drill short-drill IP1: Rehearse runbook step fail-over") {
		t.Errorf("followups --drills:\n%s", fu)
	}
	if fu := c.ok("followups"); strings.Contains(fu, id) {
		t.Errorf("drill items mixed into the real follow-ups:\n%s", fu)
	}
	if list := c.ok("incident", "list", "--drills"); !strings.Contains(list, id) {
		t.Errorf("drill not listed with --drills:\n%s", list)
	}
	if list := c.ok("incident", "list"); strings.Contains(list, id) {
		t.Errorf("drill mixed into the real incidents:\n%s", list)
	}
}

// TestHeadlessDrillResumesAfterQuitting: a drill paused when its runner was
// interrupted continues with --resume, rebuilt from its journal.
func TestHeadlessDrillResumesAfterQuitting(t *testing.T) {
	c := newCLI(t)
	lib := OneLibrary(t)
	sc, ps := scenarios.LoadFile(shortDrill, scenarios.Env{Runbooks: lib})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	rb, _ := lib.Get("service-outage")
	st := &incident.Store{DataDir: c.home}
	start := time.Now().Add(-2 * time.Minute) // it ran for a while at 1x before it was interrupted
	inc, d, err := scenarios.Start(st, scenarios.StartOptions{Scenario: sc, Runbook: rb, Policy: runbook.DefaultPolicy(), Actor: "fran@facilitator", Seed: 1, Speed: 1, Now: start})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Step(start.Add(40 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pause(start.Add(40 * time.Second)); err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	inc.Close()
	out := c.ok("drill", "--resume", id, "--headless", "--speed", "60", "--poll", "20ms")
	for _, want := range []string{id + "\nDRILL short-drill 1.0.0 resumed at T+40s · 1x", "(delivered) T+30s failover-call", "facilitator resumed the drill at T+40s",
		"facilitator changed the speed from 1x to 60x", "INJECT T+1m ·", "drill ended at T+2m", "SCORE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := c.run("", "drill", "--resume", id, "--headless"); code != 0 {
		t.Errorf("resuming an ended drill: exit %d", code)
	}
}

// TestDrillActAndStatus: a facilitator steers a drill from another terminal; every
// action is a journal event the drill (and its report) sees.
func TestDrillActAndStatus(t *testing.T) {
	// Every command sees the drill 35 s in, however slow the machine: on the wall
	// clock a loaded machine let the T+50s decision default before the test read it.
	began := time.Now().Add(-35 * time.Second).Truncate(time.Second)
	c := newCLI(t).at(began.Add(35 * time.Second))
	lib := OneLibrary(t)
	sc, _ := scenarios.LoadFile(shortDrill, scenarios.Env{Runbooks: lib})
	rb, _ := lib.Get("service-outage")
	st := &incident.Store{DataDir: c.home}
	inc, _, err := scenarios.Start(st, scenarios.StartOptions{Scenario: sc, Runbook: rb, Policy: runbook.DefaultPolicy(), Actor: "fran@facilitator",
		Seed: 1, Speed: 1, Now: began})
	if err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	inc.Close()
	// 35 s into the drill: the failover call is due; acting delivers it first.
	out := c.ok("drill", "act", id, "pause")
	if !strings.Contains(out, "INJECT T+30s") || !strings.Contains(out, "facilitator paused the drill") {
		t.Errorf("pause:\n%s", out)
	}
	status := c.ok("drill", "status", id)
	for _, want := range []string{"DRILL short-drill · PAUSED", "decision open on failover-call: Fail over now? [now, wait] (default wait at T+50s)", "2 injects delivered"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	if out := c.ok("drill", "act", id, "decide", "failover-call", "now"); !strings.Contains(out, "decision on failover-call: Fail over now (facilitator)") {
		t.Errorf("decide:\n%s", out)
	}
	if errs := c.exits(1, "drill", "act", id, "decide", "failover-call", "wait"); !strings.Contains(errs, "already taken") {
		t.Errorf("second decision: %s", errs)
	}
	c.ok("drill", "act", id, "adhoc", "The CFO asks about invoices", "--from", "CFO", "--channel", "phone")
	c.ok("drill", "act", id, "resume")
	c.ok("drill", "act", id, "speed", "120")
	if out := c.ok("drill", "act", id, "skip"); !strings.Contains(out, "INJECT T+") {
		t.Errorf("skip:\n%s", out)
	}
	c.exits(1, "drill", "act", id, "finalise") // not ended yet
	if out := c.ok("drill", "act", id, "stop"); !strings.Contains(out, "drill ended at") {
		t.Errorf("stop:\n%s", out)
	}
	if out := c.ok("drill", "act", id, "finalise"); !strings.Contains(out, "IP1 → follow-up F1") {
		t.Errorf("finalise:\n%s", out)
	}
	c.exits(2, "drill", "act", id, "dance")
	c.exits(2, "drill", "act", id, "speed")
	report := c.ok("incident", "report", id)
	for _, want := range []string{"facilitator paused the drill", "ad-hoc inject adhoc-1: PHONE from CFO", "| failover-call | Fail over now? | Fail over now | facilitator |", "drill ended at"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestDrillReportWithAnAlteredScenarioSaysSo(t *testing.T) {
	c := newCLI(t)
	lib := OneLibrary(t)
	sc, _ := scenarios.LoadFile(shortDrill, scenarios.Env{Runbooks: lib})
	rb, _ := lib.Get("service-outage")
	inc, _, err := scenarios.Start(&incident.Store{DataDir: c.home}, scenarios.StartOptions{Scenario: sc, Runbook: rb, Policy: runbook.DefaultPolicy(), Actor: "fran", Seed: 1, Speed: 1, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	inc.Close()
	frozen := filepath.Join(inc.Dir, scenarios.ScenarioFile)
	data, _ := os.ReadFile(frozen)
	if err := os.WriteFile(frozen, bytes.Replace(data, []byte("Short outage drill"), []byte("Edited afterwards"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	md := c.ok("incident", "report", inc.ID)
	if !strings.Contains(md, "# DRILL") || !strings.Contains(md, "The after-action report could not be built: drill "+inc.ID+": ") || !strings.Contains(md, "but the drill started with") {
		t.Errorf("report:\n%s", md)
	}
}

// TestDrillEvaluationFromTheCommandLine: an evaluator observes and rates from her
// terminal, the facilitator records a discussion answer; at the end of a scenario
// with a hot wash the drill waits for it before it is finalised.
func TestDrillEvaluationFromTheCommandLine(t *testing.T) {
	c := newCLI(t)
	src, err := os.ReadFile(shortDrill)
	if err != nil {
		t.Fatal(err)
	}
	withHotWash := strings.Replace(string(src), "[runbook]", "hot_wash = [\"What went well?\", \"What would you change?\"]\n\n[runbook]", 1)
	withHotWash = strings.Replace(withHotWash, "capability = \"Operational Coordination\"\n", "capability = \"Operational Coordination\"\n\n  [[objectives.tasks]]\n  id = \"open\"\n  text = \"Open the incident at once\"\n", 1)
	file := filepath.Join(t.TempDir(), "hotwash-drill.toml")
	if err := os.WriteFile(file, []byte(withHotWash), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := c.run("", "--actor", "fran@facilitator", "drill", file, "--headless", "--speed", "120", "--seed", "1", "--poll", "20ms")
	if code != 0 {
		t.Fatalf("drill exit %d\n%s\n%s", code, out, errOut)
	}
	id := strings.SplitN(out, "\n", 2)[0]
	for _, want := range []string{"HOT WASH: ask every participant", "  2. What would you change?", "then: muster drill act " + id + " finalise"} {
		if !strings.Contains(out, want) {
			t.Errorf("end of drill lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "→ follow-up") {
		t.Errorf("finalised before the hot wash:\n%s", out)
	}
	if got := c.ok("--actor", "eve@evaluator", "drill", "observe", id, "Nobody opened the incident", "--objective", "respond", "--task", "open",
		"--improvement", "--root-cause", "no on-call rota", "--recommendation", "Publish the on-call rota", "--element", "organization"); !strings.Contains(got, "observation O1 recorded") {
		t.Errorf("observe: %s", got)
	}
	if code, _, e := c.run("", "drill", "observe", id, "x", "--objective", "respnd", "--strength"); code != 1 || !strings.Contains(e, `no objective "respnd"`) {
		t.Errorf("observe with a typo: exit %d %s", code, e)
	}
	if code, _, e := c.run("", "drill", "observe", id, "x", "--objective", "respond"); code != 2 || !strings.Contains(e, "--strength or --improvement") {
		t.Errorf("observe without a kind: exit %d %s", code, e)
	}
	if code, _, e := c.run("", "drill", "rate", id, "respond/open", "S"); code != 1 || !strings.Contains(e, "needs a reason") {
		t.Errorf("rate without a reason: exit %d %s", code, e)
	}
	c.ok("--actor", "eve@evaluator", "drill", "rate", id, "respond/open", "U", "--reason", "nobody opened it")
	c.ok("drill", "hotwash", id, "1", "The alert was clear", "--participant", "alice")
	c.ok("drill", "hotwash", id, "2", "A rota on the wall", "--participant", "bob")
	if code, _, e := c.run("", "drill", "hotwash", id, "3", "x", "--participant", "bob"); code != 1 || !strings.Contains(e, "questions 1 to 2") {
		t.Errorf("hot wash question 3: exit %d %s", code, e)
	}
	// The facilitator edits the draft before finalising: the report reads it, and the
	// follow-ups carry the edited items.
	draft := strings.TrimSpace(c.ok("drill", "draft", id))
	data, err := os.ReadFile(draft)
	if err != nil || !strings.Contains(string(data), `id = "IP1"`) {
		t.Fatalf("draft %s: %v\n%s", draft, err, data)
	}
	broken := strings.Replace(string(data), "schema = 1", "schema = 1\nsumary = \"x\"", 1)
	if err := os.WriteFile(draft, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if md := c.ok("incident", "report", id); !strings.Contains(md, `aar-draft.toml:4:1: unknown key "sumary"`) {
		t.Errorf("a broken draft is not reported with its position")
	}
	edited := strings.Replace(string(data), "executive_summary = \"\"\"\n", "executive_summary = \"\"\"\nThe team opened late; the rota fixes it.\n", 1)
	edited = regexp.MustCompile(`(?m)^owner = .*$`).ReplaceAllString(edited, `owner = "dana@ops"`)
	edited = regexp.MustCompile(`(?m)^completion = .*$`).ReplaceAllString(edited, `completion = 2027-01-15T00:00:00Z`)
	if err := os.WriteFile(draft, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if md := c.ok("incident", "report", id); !strings.Contains(md, "The team opened late; the rota fixes it.") || !strings.Contains(md, "| dana@ops | ") || !strings.Contains(md, "| 2027-01-15 |") {
		t.Errorf("the edited draft is not in the report")
	}
	if got := c.ok("drill", "act", id, "finalise"); !strings.Contains(got, "IP") {
		t.Errorf("finalise: %s", got)
	}
	if fu := c.ok("followups", "--drills"); !strings.Contains(fu, "2027-01-15") || !strings.Contains(fu, "dana@ops") {
		t.Errorf("follow-ups from the edited draft:\n%s", fu)
	}
	md := c.ok("incident", "report", id)
	for _, want := range []string{"### Hot wash and participant feedback", "   - alice: The alert was clear", "| open — Open the incident at once | **U** (evaluator eve@evaluator: nobody opened it; muster rated",
		"- **Nobody opened the incident** (O1).", "  - Recommendation: Publish the on-call rota", "| Publish the on-call rota | organization |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if code, _, e := c.run("", "drill", "observe", id, "late", "--objective", "respond", "--strength"); code != 1 || !strings.Contains(e, "finalised") {
		t.Errorf("observing a finalised drill: exit %d %s", code, e)
	}
}
