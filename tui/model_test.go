package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// A reply to a request that a newer one has overtaken is dropped.
func TestStaleRepliesAreDropped(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	before := m.inc.state
	m.inc.actReq = 42
	m = send(t, m, appendedMsg{req: 41, what: "note", err: errors.New("disk full")})
	if m.inc.state != before || m.flash.text != "" {
		t.Errorf("a stale append reply changed the screen: flash %q", m.flash.text)
	}
	m.home.req = 7
	m = send(t, m, homeLoadedMsg{req: 6, err: errors.New("old")})
	if m.home.err != "" {
		t.Errorf("a stale home load was applied: %q", m.home.err)
	}
	m.inc.loadReq = 9
	m = send(t, m, incidentLoadedMsg{req: 8, id: id, err: errors.New("old")})
	if m.inc.loadErr != "" {
		t.Errorf("a stale incident load was applied: %q", m.inc.loadErr)
	}
}

// q while a write is in flight waits for the journal's answer, then quits.
func TestQuitWaitsForTheWriteInFlight(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	next, write := m.Update(keyMsg("space"))
	m = next.(Model)
	if m.inc.saving == "" || write == nil {
		t.Fatal("space did not start a write")
	}
	next, cmd := m.Update(keyMsg("q"))
	m = next.(Model)
	if cmd != nil || !m.quitting {
		t.Fatalf("q quit while a write was in flight (cmd %v)", cmd)
	}
	var quit bool
	for _, msg := range execCmd(write) {
		next, cmd = m.Update(msg)
		m = next.(Model)
		for _, out := range execCmd(cmd) {
			_, quit = out.(tea.QuitMsg)
		}
	}
	if !quit {
		t.Fatal("the answered write did not quit")
	}
	v, err := d.Store.Load(id)
	must(t, err)
	if v.State.Step("assign-owner-and-severity").Status != incident.StepDone {
		t.Error("the write before quitting is not in the journal")
	}
}

// y copies the selected command to a clipboard that can vouch for it and names it;
// with none reachable it asks the terminal (OSC 52) and never claims the copy (#12 bug
// 8: tmux's default set-clipboard external drops OSC 52).
func TestCopyCommand(t *testing.T) {
	d, _, id := workedIncident(t)
	var copied string
	d.Clipboard = func(s string) (string, error) { copied = s; return "the system clipboard (xclip)", nil }
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = press(t, m, "y")
	if !strings.HasPrefix(copied, `muster incident severity "$INCIDENT" critical`) {
		t.Errorf("copied %q", copied)
	}
	if !strings.Contains(shot(m), "✓ copied to the system clipboard (xclip)") {
		t.Errorf("the copy is not announced with its clipboard:\n%s", shot(m))
	}
	d.Clipboard = func(string) (string, error) { return "", errNoClipboard }
	m = newModel(t, d, Options{Resume: id}, 100, 30)
	next, cmd := m.Update(keyMsg("y"))
	m = next.(Model)
	msgs := execCmd(cmd)
	if len(msgs) != 1 {
		t.Fatalf("y answered %v", msgs)
	}
	next, cmd = m.Update(msgs[0])
	m = next.(Model)
	if cmd == nil || cmd() == nil {
		t.Error("without a clipboard y did not fall back to OSC 52")
	}
	if got := shot(m); strings.Contains(got, "copied to") || !strings.Contains(got, "OSC 52") || !strings.Contains(got, "drop") {
		t.Errorf("an OSC 52 request is announced as a copy:\n%s", got)
	}
}

func TestClipboardTools(t *testing.T) {
	env := func(vals map[string]string) func(string) string { return func(k string) string { return vals[k] } }
	names := func(ts []clipboardTool) (out []string) {
		for _, t := range ts {
			out = append(out, t.argv[0])
		}
		return out
	}
	if got := names(clipboardTools(env(map[string]string{"DISPLAY": ":0", "TMUX": "/tmp/tmux-0/default,1,0"}))); !slices.Equal(got, []string{"xclip", "xsel", "tmux"}) {
		t.Errorf("X11 in tmux: %v", got)
	}
	if got := names(clipboardTools(env(map[string]string{"WAYLAND_DISPLAY": "wayland-0"}))); !slices.Equal(got, []string{"wl-copy"}) {
		t.Errorf("Wayland: %v", got)
	}
	if got := clipboardTools(env(nil)); len(got) != 0 && got[0].argv[0] != "pbcopy" {
		t.Errorf("ssh without a display: %v", names(got))
	}
}

// A step with a check offers to run it; the result is logged as evidence through
// RecordCheck, and a check that cannot run is logged as an error.
func TestCheckStep(t *testing.T) {
	d, _ := fixture(t)
	inc := openIncident(t, d, "database-restore", "critical", "Orders table truncated")
	id := inc.ID
	must(t, inc.Close())
	var ran []string
	d.RunCheck = func(ctx context.Context, st runbook.Step, severity string) (incident.CheckRun, error) {
		ran = append(ran, st.ID+"/"+st.Service+"/"+severity)
		if len(ran) == 2 {
			return incident.CheckRun{}, errors.New("AWS: \x1b[31mExpiredToken\x1b[0m")
		}
		return incident.CheckRun{Check: st.Check, Status: "pass", Summary: "prod-db: newest restore point 4m old (RPO 6h)"}, nil
	}
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = selectStep(t, m, "Check the platform")
	m = press(t, m, "x")
	m = press(t, m, "x")
	if !slices.Equal(ran, []string{"check-backups/platform-database/critical", "check-backups/platform-database/critical"}) {
		t.Errorf("checks run: %v", ran)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	if len(v.State.Checks) != 2 {
		t.Fatalf("checks in the journal: %+v", v.State.Checks)
	}
	if c := v.State.Checks[0]; c.Status != "pass" || c.Step != "check-backups" || c.Check != "rds-backup" {
		t.Errorf("first check: %+v", c)
	}
	if c := v.State.Checks[1]; c.Status != "error" || !strings.Contains(c.Summary, "ExpiredToken") || strings.Contains(c.Summary, "\x1b") {
		t.Errorf("failed check: %+v", c)
	}
	for i := 0; i < 5 && !strings.Contains(shot(m), "✗ error at"); i++ {
		m = press(t, m, "pgdown")
	}
	if got := shot(m); !strings.Contains(got, "✓ pass at 10:00 by alice@laptop — prod-db") || !strings.Contains(got, "✗ error at") {
		t.Errorf("the step does not show its checks:\n%s", got)
	}

	// Without a check function the screen says how to do it by hand.
	d.RunCheck = nil
	m = newModel(t, d, Options{Resume: id}, 100, 30)
	m = selectStep(t, m, "Check the platform")
	m = press(t, m, "x")
	if !strings.Contains(shot(m), "not available here: run `muster backup check`") {
		t.Errorf("no word on the missing check:\n%s", shot(m))
	}
}

// The attach dialog completes paths from the file system and attaches the file with a
// description, as evidence for the selected step, which then lists it; a second file
// said to be about the incident is not listed on the step.
func TestAttachWithCompletion(t *testing.T) {
	d, _, id := workedIncident(t)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "alb-5xx.png"), []byte("png"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o600))
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = press(t, m, "a")
	m = typeText(t, m, dir+"/al")
	m = press(t, m, "tab")
	if v := m.inc.dialog.value(0); v != dir+"/alb-5xx.png" {
		t.Fatalf("tab completed to %q", v)
	}
	m = press(t, m, "enter")
	m = typeText(t, m, "ALB 5xx graph, 09:10-09:40")
	if got := shot(m); !strings.Contains(got, "Evidence for") || !strings.Contains(got, "[step assign-owner-and-severity]") {
		t.Fatalf("the dialog does not say which step:\n%s", got)
	}
	m = press(t, m, "enter", "enter")
	if m.inc.dialog != nil {
		t.Fatalf("the dialog stayed open: %s", m.inc.dialog.err)
	}
	m = press(t, m, "pgdown") // the step pane: under the evidence to record
	if got := shot(m); !strings.Contains(got, "Attached to this step (1)") || !strings.Contains(got, "+ alb-5xx.png — ALB 5xx graph, 09:10-09:40 · 3 B ·") {
		t.Errorf("the step pane does not list the file:\n%s", got)
	}
	m = press(t, m, "a")
	m = typeText(t, m, dir+"/other.txt")
	m = press(t, m, "enter", "enter", "right", "enter")
	v, err := d.Store.Load(id)
	must(t, err)
	a := v.State.Attachments
	if len(a) != 2 || !strings.HasSuffix(a[0].Attachment.Path, "alb-5xx.png") || a[0].Step != "assign-owner-and-severity" || a[0].Description != "ALB 5xx graph, 09:10-09:40" {
		t.Errorf("attachments: %+v", a)
	}
	if len(a) == 2 && (a[1].Step != "" || a[1].Description != "") {
		t.Errorf("the file about the incident: %+v", a[1])
	}
	if got := shot(m); !strings.Contains(got, "Attached to this step (1)") || strings.Contains(got, "other.txt ·") {
		t.Errorf("the incident's file is listed on the step:\n%s", got)
	}
}

// A file name that holds escape sequences reaches the step pane cleaned.
func TestAttachedFileNameIsCleaned(t *testing.T) {
	d, _, id := workedIncident(t)
	dir := t.TempDir()
	name := "x\x1b]52;c;b3duZWQ=\x07\u202egnp.txt"
	must(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600))
	inc, err := d.Store.Open(id, "bob@desk")
	must(t, err)
	_, err = inc.AttachTo(filepath.Join(dir, name), "assign-owner-and-severity", "")
	must(t, err)
	inc.Close()
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "pgdown")
	got := m.View().Content
	assertPlain(t, "attached file name", got)
	if !strings.Contains(got, "Attached to this step (1)") {
		t.Errorf("not listed:\n%s", got)
	}
}

func TestPathCompletions(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "logs"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "log.txt"), nil, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o600))
	got := pathCompletions(dir + "/lo")
	want := []string{dir + "/log.txt", dir + "/logs/"}
	if !slices.Equal(got, want) {
		t.Errorf("completions %v, want %v", got, want)
	}
	if got := pathCompletions(dir + "/"); slices.Contains(got, dir+"/.hidden") {
		t.Errorf("hidden files offered without a dot typed: %v", got)
	}
	if got := pathCompletions(dir + "/.h"); !slices.Contains(got, dir+"/.hidden") {
		t.Errorf("hidden file not offered after a dot: %v", got)
	}
	if got := pathCompletions("/no/such/dir/x"); got != nil {
		t.Errorf("completions in a missing directory: %v", got)
	}
}

// Undo asks why and puts the step back; the severity dialog recomputes deadlines; a
// notice to an audience is recorded; the report preview shows the report.
func TestActions(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = press(t, m, "g", "down") // open-incident, done (start-incident above it is done by the start)
	m = press(t, m, "u")
	m = typeText(t, m, "marked by mistake")
	m = press(t, m, "enter")
	m = press(t, m, "v", "right", "enter") // critical → medium
	m = typeText(t, m, "only one region affected")
	m = press(t, m, "enter")
	m = press(t, m, "c")
	m = typeText(t, m, "customers")
	m = press(t, m, "tab")
	m = typeText(t, m, "email")
	m = press(t, m, "tab")
	m = typeText(t, m, "We are investigating checkout errors.")
	m = press(t, m, "ctrl+s")
	v, err := d.Store.Load(id)
	must(t, err)
	s := v.State
	if s.Step("open-incident").Status != incident.StepTodo {
		t.Error("undo did not put the step back")
	}
	if s.Severity != "medium" || len(s.Severities) != 1 || s.Severities[0].Reason != "only one region affected" {
		t.Errorf("severity change: %s %+v", s.Severity, s.Severities)
	}
	if len(s.Notices) != 1 || s.Notices[0].Channel != "email" || s.Notices[0].Message != "We are investigating checkout errors." {
		t.Errorf("notices: %+v", s.Notices)
	}
	if got := shot(m); !strings.Contains(got, "MEDIUM") || !strings.Contains(got, "▸ ⚠ Open the incident") {
		t.Errorf("the screen did not follow the state:\n%s", got)
	}
	clk.Advance(time.Minute)
	m = press(t, m, "r")
	if got := shot(m); !strings.Contains(got, "Post-incident report: Checkout API down for all users") {
		t.Errorf("report preview:\n%s", got)
	}
}

// Styles follow the terminal's background; no-colour styles emit no sequence.
func TestStylesFollowTheBackground(t *testing.T) {
	d, _, id := workedIncident(t)
	d.NoColor = false
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = send(t, m, tea.BackgroundColorMsg{Color: lightBackground{}})
	if m.styles.IsDark || m.styles.Glamour != "light" {
		t.Errorf("a light background gave %+v", m.styles.Glamour)
	}
	if !strings.Contains(m.View().Content, "\x1b[") {
		t.Error("colour mode rendered no styling")
	}
	if s := NewStyles(true, true); s.Selected.Render("x") != "x" || s.Glamour != "notty" {
		t.Error("no-colour styles are not plain")
	}
}

type lightBackground struct{}

func (lightBackground) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

// The overdue marks (phase starts looked up once per state) are exactly
// State.TimeboxOverdue, step by step, as time passes and steps get done.
func TestOverdueMatchesTheIncidentPackage(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 200) // every row visible
	for _, adv := range []time.Duration{0, 4 * time.Minute, 10 * time.Minute, time.Hour, 3 * time.Hour} {
		clk.Advance(adv)
		next, _ := m.Update(tickMsg(clk.Now())) // not the next tick it asks for
		m = next.(Model)
		for _, st := range m.inc.rb.Steps() {
			if !st.AppliesTo(m.inc.state.Severity) {
				continue
			}
			if got, want := m.inc.overdue[st.ID], m.inc.state.TimeboxOverdue(st, clk.Now()); got != want {
				t.Errorf("+%v: step %s overdue %v, incident package says %v", adv, st.ID, got, want)
			}
		}
		m = press(t, m, "space") // the selected step done: the next phase may start
	}
}

// Bug 5 of issue 12: without colour, completions and placeholders looked exactly like
// typed text, and Enter then saved the wrong path. Placeholders are set apart in ‹ ›;
// the completions are a list under the field, never text in the field.
func TestNoColorCompletionsAndPlaceholdersAreNotTypedText(t *testing.T) {
	d, _, id := workedIncident(t)
	dir := t.TempDir()
	for _, n := range []string{"alb-5xx.png", "alb-latency.png", "notes.txt"} {
		must(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600))
	}
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = press(t, m, "a")
	if got := shot(m); !strings.Contains(got, "> ‹path, tab completes›") {
		t.Errorf("the placeholder is not set apart:\n%s", got)
	}
	m = typeText(t, m, dir+"/al")
	got := shot(m)
	if strings.Contains(got, "> "+dir+"/alb") || strings.Contains(got, "/alb-5xx.png ") && !strings.Contains(got, "▸ alb-5xx.png") {
		t.Errorf("a completion is shown as if typed:\n%s", got)
	}
	if !strings.Contains(got, "2 completions in ") || !strings.Contains(got, "▸ alb-5xx.png") || !strings.Contains(got, "    alb-latency.png") {
		t.Fatalf("the completions are not listed:\n%s", got)
	}
	if v := m.inc.dialog.value(0); v != dir+"/al" {
		t.Fatalf("the field holds %q, not what was typed", v)
	}
	m = press(t, m, "down", "tab")
	if v := m.inc.dialog.value(0); v != dir+"/alb-latency.png" {
		t.Errorf("↓ and tab took %q", v)
	}
}
