// Package flow_test drives the whole TUI through a real tea.Program with teatest: keys
// in, journal writes on disk, the screen read back. It lives apart from the golden
// tests because goldie and teatest both define -update.
package flow_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/tui"
	"github.com/muster-ir/muster/tui/tuitest"
)

// probe reads the screen from inside the program: on each ping the filter renders the
// model on the event loop (so the test never touches the model from another
// goroutine) and keeps the text.
type probe struct {
	mu   sync.Mutex
	text string
}

type ping struct{}

func (p *probe) filter(m tea.Model, msg tea.Msg) tea.Msg {
	if _, ok := msg.(ping); ok {
		s := ansi.Strip(m.View().Content)
		p.mu.Lock()
		p.text = s
		p.mu.Unlock()
	}
	return msg
}

func (p *probe) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text
}

type session struct {
	t  *testing.T
	tm *teatest.TestModel
	p  *probe
}

// start runs the TUI on a 100x30 terminal.
func start(t *testing.T, d tui.Deps, o tui.Options) *session {
	t.Helper()
	return startSized(t, d, o, 100, 30)
}

func startSized(t *testing.T, d tui.Deps, o tui.Options, width, height int) *session {
	t.Helper()
	p := &probe{}
	tm := teatest.NewTestModel(t, tui.New(d, o), teatest.WithInitialTermSize(width, height),
		teatest.WithProgramOptions(tea.WithFilter(p.filter)))
	return &session{t: t, tm: tm, p: p}
}

// startIncident starts a critical incident on the service-outage runbook in d's
// store, as d's actor, and returns its id.
func startIncident(t *testing.T, d tui.Deps, title string) string {
	t.Helper()
	rb, _ := d.Library.Get("service-outage")
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: "critical", Title: title, Actor: d.Actor})
	if err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	if err := inc.Close(); err != nil {
		t.Fatal(err)
	}
	return id
}

// resume opens the incident's screen and waits for its first step to be selected.
func resume(t *testing.T, d tui.Deps, id string) *session {
	t.Helper()
	s := start(t, d, tui.Options{Resume: id})
	s.waitFor("▸ · Open the incident")
	return s
}

// waitFor pings until the screen shows every want, or fails with the last screen.
func (s *session) waitFor(want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s.tm.Send(ping{})
		time.Sleep(20 * time.Millisecond)
		scr := s.p.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", want, scr)
		}
	}
}

func (s *session) keys(keys ...string) {
	for _, k := range keys {
		s.tm.Send(tuitest.Key(k))
	}
}

func (s *session) typ(text string) { s.tm.Type(text) }

// quit presses q and waits for the program to end.
func (s *session) quit() {
	s.t.Helper()
	s.keys("q")
	s.tm.WaitFinished(s.t, teatest.WithFinalTimeout(10*time.Second))
}

func deps(t *testing.T) tui.Deps {
	t.Helper()
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	return tui.Deps{Store: &incident.Store{DataDir: t.TempDir(), Now: now}, Library: lib,
		Policy: runbook.DefaultPolicy(), Actor: "alice@laptop", Now: now, NoColor: true}
}

func onlyIncident(t *testing.T, st *incident.Store) *incident.View {
	t.Helper()
	list, err := st.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("want one incident, got %v (%v)", list, err)
	}
	v, err := st.Load(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A responder starts an incident from home, completes two steps, writes a note, skips
// a step with a reason and quits; resume shows exactly that, with the next step to do
// selected, and the journal on disk holds every action.
func TestStartWorkQuitResume(t *testing.T) {
	d := deps(t)
	s := start(t, d, tui.Options{})
	s.waitFor("Runbooks (7)")
	s.keys("n")
	s.waitFor("Start an incident")
	s.typ("outage")
	s.waitFor("▸ service-outage")
	s.keys("enter", "enter") // runbook chosen, critical kept
	s.typ("Checkout API down for all users")
	s.keys("enter")
	s.waitFor("✓ started INC-", "▸ · Open the incident")

	s.keys("space")
	s.waitFor("✓ saved: step open-incident done", "u undoes it", "✓ Open the incident", "▸ · Confirm the outage")
	s.keys("space") // straight after the selection moved on: the guard asks again
	s.waitFor("Space again marks")
	s.keys("space")
	s.waitFor("✓ saved: step confirm-outage done", "3/3 ✓")
	s.keys("n")
	s.waitFor("About step assign-owner-and-severity")
	s.typ("Maria is incident commander")
	s.keys("enter")
	s.typ("DB on-call paged")
	s.keys("ctrl+s")
	s.waitFor("✓ saved: note")
	s.keys("s")
	s.waitFor("Skip step assign-owner-and-severity")
	s.typ("severity set by the pager policy")
	s.keys("enter")
	before := s.waitFor("✓ saved: step assign-owner-and-severity skipped", "↷ Assign an owner")
	s.quit()

	v := onlyIncident(t, d.Store)
	st := v.State
	if st.Step("open-incident").Status != incident.StepDone || st.Step("confirm-outage").Status != incident.StepDone {
		t.Errorf("steps not done in the journal: %+v", st.Steps)
	}
	if sk := st.Step("assign-owner-and-severity"); sk.Status != incident.StepSkipped || sk.Reason != "severity set by the pager policy" {
		t.Errorf("skip not in the journal: %+v", sk)
	}
	if len(st.Notes) != 1 || st.Notes[0].Text != "Maria is incident commander\nDB on-call paged" || st.Notes[0].Step != "assign-owner-and-severity" {
		t.Errorf("note not in the journal: %+v", st.Notes)
	}
	if st.Title != "Checkout API down for all users" || st.Severity != "critical" || st.Runbook.ID != "service-outage" {
		t.Errorf("started with %q %s %s", st.Title, st.Severity, st.Runbook.ID)
	}

	// Resume: the same screen, rebuilt from the journal.
	r := start(t, d, tui.Options{Resume: st.ID})
	after := r.waitFor("▸ · Escalate to the incident lead")
	r.quit()
	if body(before) != body(after) {
		t.Errorf("resume does not rebuild the screen.\nbefore quit:\n%s\nafter resume:\n%s", before, after)
	}
}

// body is the screen without its last line (the message of the last action, which a
// resumed screen has not had).
func body(screen string) string {
	lines := strings.Split(screen, "\n")
	return strings.Join(lines[:len(lines)-1], "\n")
}

// While another process holds the journal's lock, every action fails with the holder
// named, and what was typed stays in the dialog; once the lock is free the same text
// saves.
func TestFailingJournalKeepsTypedText(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")

	s := resume(t, d, id)

	other, err := d.Store.Open(id, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	locked := "being written by bob@desk"

	s.keys("space")
	s.waitFor("✗ "+id+" is "+locked, "▸ · Open the incident")

	s.keys("n")
	s.typ("Failover started at 10:14")
	s.keys("ctrl+s")
	s.waitFor(locked, "your text is kept", "Failover started at 10:14")

	s.keys("esc") // cancelled: the text is kept as a draft
	s.waitFor("kept as a draft")
	s.keys("n")
	s.waitFor("Failover started at 10:14")
	s.keys("ctrl+c")
	s.waitFor("ctrl+c again quits; the text is kept as a draft for the next resume")
	s.keys("ctrl+s")
	s.waitFor(locked, "Failover started at 10:14")

	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	s.keys("ctrl+s")
	s.waitFor("✓ saved: note")

	s.keys("s")
	s.typ("not needed: paged by the monitor")
	other, err = d.Store.Open(id, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	s.keys("enter")
	s.waitFor(locked, "not needed: paged by the monitor")
	other.Close()
	s.keys("enter")
	s.waitFor("✓ saved: step open-incident skipped")
	s.quit()

	v, err := d.Store.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.State.Notes) != 1 || v.State.Notes[0].Text != "Failover started at 10:14" {
		t.Errorf("the kept note was not saved once: %+v", v.State.Notes)
	}
	if sk := v.State.Step("open-incident"); sk.Status != incident.StepSkipped || sk.Reason != "not needed: paged by the monitor" {
		t.Errorf("the kept reason was not saved: %+v", sk)
	}
	if n := v.State.Events; n != 3 {
		t.Errorf("%d events, want 3 (started, note, skipped): failed attempts must write nothing", n)
	}
}

// Another responder's write (here through the same code the CLI uses) shows up on the
// screen without a key press.
func TestOtherWritersShowUp(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")
	s := resume(t, d, id)

	other, err := d.Store.Open(id, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.CompleteStep("open-incident", "from the CLI"); err != nil {
		t.Fatal(err)
	}
	other.Close()
	s.waitFor("✓ Open the incident", "● 10:00 bob@desk done: open-incident — from the CLI")
	s.quit()
}

// Ctrl+C with nothing typed quits at once; the program ends cleanly.
func TestCtrlCQuits(t *testing.T) {
	d := deps(t)
	s := start(t, d, tui.Options{})
	s.waitFor("Runbooks (7)")
	s.keys("ctrl+c")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// A note half written when the responder quits with Ctrl+C twice is on disk; the next
// session on the incident opens it again, and sending it empties the drafts.
func TestDraftComesBackOnResume(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")

	s := resume(t, d, id)
	s.keys("N")
	s.typ("DBA says the replica is 40 min behind")
	s.waitFor("DBA says the replica is 40 min behind")
	s.keys("ctrl+c", "ctrl+c")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	s = start(t, d, tui.Options{Resume: id})
	s.waitFor("your draft note from", "DBA says the replica is 40 min behind")
	s.keys("ctrl+s")
	s.waitFor("✓ saved: note")
	s.quit()
	if entries, _ := os.ReadDir(filepath.Join(d.Store.DataDir, "drafts")); len(entries) != 0 {
		t.Errorf("drafts left after the note was sent: %v", entries)
	}
	v := onlyIncident(t, d.Store)
	if n := len(v.State.Notes); n != 1 || v.State.Notes[0].Text != "DBA says the replica is 40 min behind" {
		t.Errorf("notes: %+v", v.State.Notes)
	}
}

// With a reminder configured, an update falling due puts a banner on the screen and
// rings the terminal's bell (BEL reaches the terminal's output).
func TestNoticeReminderRingsTheBell(t *testing.T) {
	d := deps(t)
	d.NoticeReminder = 45 * time.Minute
	rb, _ := d.Library.Get("service-outage")
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: "critical", Title: "Checkout down", Actor: d.Actor})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range rb.Steps() {
		if (st.Phase == "detect" || st.Phase == "triage") && st.AppliesTo("critical") && inc.State.Step(st.ID).Status == incident.StepTodo {
			if err := inc.CompleteStep(st.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	id := inc.ID
	inc.Close()
	s := start(t, d, tui.Options{Resume: id})
	s.waitFor("⏰ update to status page due 10:15, in 15m — send it, then c records it")
	time.Sleep(1500 * time.Millisecond) // the bell rings on the clock's next tick
	s.quit()
	out, err := io.ReadAll(s.tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	// BEL also ends the OSC sequences that set the window title: leave those out.
	out = osc.ReplaceAll(out, nil)
	if n := bytes.Count(out, []byte("\a")); n != 1 {
		t.Errorf("the bell rang %d times, want once", n)
	}
}

var osc = regexp.MustCompile("\x1b\\][^\x07\x1b]*(\x07|\x1b\\\\)")

// Escalating to the incident lead from the keyboard completes the runbook's step for
// it in the same write.
func TestEscalateCompletesTheStep(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")
	s := resume(t, d, id)
	s.keys("e")
	s.waitFor("[yes: Escalate to the incident lead at once]")
	s.typ("platform down for all users")
	s.keys("ctrl+s")
	s.waitFor("✓ saved: escalated to incident lead, step escalate-to-incident-lead done", "✓ Escalate to the incident lead")
	s.quit()
	v := onlyIncident(t, d.Store)
	if len(v.State.Escalations) != 1 || v.State.Step("escalate-to-incident-lead").Status != incident.StepDone {
		t.Errorf("escalations %+v, step %+v", v.State.Escalations, v.State.Step("escalate-to-incident-lead"))
	}
}

// The severity dialog from the keyboard: a level the runbook was not written for is
// marked, its deadlines shown, and choosing it anyway is recorded with the reason.
func TestSeverityChangeShowsDeadlines(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")
	s := resume(t, d, id)
	s.keys("v", "right")
	s.waitFor("[medium ⚠]", "→ respond-by", "→ resolve-by", "⚠ runbook service-outage is written for")
	s.keys("tab")
	s.typ("one region only")
	s.keys("enter")
	s.waitFor("✓ saved: severity now medium")
	s.quit()
	if v := onlyIncident(t, d.Store); v.State.Severity != "medium" {
		t.Errorf("severity %s", v.State.Severity)
	}
}

// Attach from the keyboard: a path, a description, the selected step; the step pane
// lists the file and the journal holds the link.
func TestAttachToTheSelectedStep(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")
	file := filepath.Join(t.TempDir(), "ticket-4411.txt")
	if err := os.WriteFile(file, []byte("customer report"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := resume(t, d, id)
	s.keys("a")
	s.typ(file)
	s.keys("enter")
	s.typ("first customer ticket")
	s.waitFor("[step open-incident]")
	s.keys("ctrl+s")
	s.waitFor("✓ saved: attached", "Attached to this step (1)", "+ ticket-4411.txt — first customer ticket")
	s.quit()
	a := onlyIncident(t, d.Store).State.Attachments
	if len(a) != 1 || a[0].Step != "open-incident" || a[0].Description != "first customer ticket" {
		t.Errorf("attachments: %+v", a)
	}
}
