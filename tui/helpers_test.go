package tui

import (
	"regexp"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	goldenfile "github.com/muster-ir/muster/internal/golden"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/tui/tuitest"
)

// fakeClock is the fixed clock of the screens: Monday 23 November 2026, 10:00 UTC.
type fakeClock = tuitest.Clock

func newClock() *fakeClock {
	return tuitest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

// fixture is a data dir with the embedded library and the default policy, no colour.
func fixture(t testing.TB) (Deps, *fakeClock) {
	t.Helper()
	clk := newClock()
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatalf("library: %v", problems)
	}
	return Deps{
		Store:   &incident.Store{DataDir: t.TempDir(), Now: clk.Now},
		Library: lib,
		Policy:  runbook.DefaultPolicy(),
		Actor:   "alice@laptop",
		Now:     clk.Now,
		NoColor: true,
	}, clk
}

// openIncident starts an incident through the same code the CLI uses and returns it
// with its lock held; the caller closes it.
func openIncident(t testing.TB, d Deps, rbID, severity, title string) *incident.Incident {
	t.Helper()
	rb, ok := d.Library.Get(rbID)
	if !ok {
		t.Fatalf("no runbook %s", rbID)
	}
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: severity, Title: title, Actor: d.Actor})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// send delivers msg and runs the commands it returns (not the clock or spinner ticks,
// which never reach a golden), feeding their messages back in.
func send(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	next, cmd := m.Update(msg)
	m = next.(Model)
	return runCmd(t, m, cmd)
}

func runCmd(t testing.TB, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for _, msg := range execCmd(cmd) {
		m = send(t, m, msg)
	}
	return m
}

// execCmd runs a command and returns the messages it produced. The screens never hand
// out a timer from Update (the clock ticks from Init, the spinner's first tick is
// immediate and dropped), so every command here returns at once; the deadline only
// keeps a bug from hanging the test run, and is far beyond any loaded machine's delay
// (a command that loads a large incident takes seconds there).
func execCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(2 * time.Minute):
		panic("a command did not return within 2 minutes")
	}
	switch msg := msg.(type) {
	case nil, tickMsg, spinner.TickMsg:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, execCmd(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// newModel builds the model at a size and runs its first load.
func newModel(t testing.TB, d Deps, opts Options, w, h int) Model {
	t.Helper()
	m := New(d, opts)
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return runCmd(t, m, m.FirstLoad())
}

// press types keys: single characters, or names such as "enter", "space", "esc",
// "tab", "up", "down", "ctrl+s".
func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m = send(t, m, keyMsg(k))
	}
	return m
}

func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m = send(t, m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

func keyMsg(k string) tea.KeyPressMsg { return tuitest.Key(k) }

var incidentID = regexp.MustCompile(`INC-\d{8}-[0-9A-Z]{5}`)

// shot is what the terminal shows, without styling, with incident ids made stable
// (their last characters are random).
func shot(m Model) string {
	s := ansi.Strip(m.View().Content)
	return incidentID.ReplaceAllStringFunc(s, func(id string) string { return id[:len(id)-3] + "XXX" })
}

// golden compares the screen with testdata/golden/<name>.golden; GOLDIE_UPDATE=1
// rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, name, []byte(got))
}
