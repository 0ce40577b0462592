package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// assertPlain fails when the screen holds anything a terminal would act on: ESC, a C0
// control but newline, DEL, a C1 control or a bidi override or isolate.
func assertPlain(t *testing.T, where, s string) {
	t.Helper()
	// The one sequence a plain screen may hold: a focused input's cursor.
	s = inputCursor.ReplaceAllString(s, "$1")
	for i, r := range s {
		bad := r == 0x1b || r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == unicode.ReplacementChar
		if bad {
			lo, hi := max(i-30, 0), min(i+30, len(s))
			t.Fatalf("%s: %U at byte %d in %q", where, r, i, s[lo:hi])
		}
	}
}

var inputCursor = regexp.MustCompile("\x1b\\[7m(.)\x1b\\[m")

// A runbook with an OSC 52 clipboard write, CSI colours and a right-to-left override in
// its title and a step body reaches no screen with any of them: not home, not the
// start screen, not the incident, its timeline or its report.
func TestUntrustedRunbookTextNeverReachesTheTerminal(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "runbooks", "osc52-title.toml"))
	must(t, err)
	if !strings.Contains(string(src), `\u001b]52`) {
		t.Fatal("the fixture no longer carries an OSC 52 sequence")
	}
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "osc52-title.toml"), src, 0o600))
	// A file name is untrusted too: one with an escape sequence sits beside it.
	d, _ := fixture(t)
	lib, problems := runbook.LoadLibrary(dir, d.Policy)
	if len(problems) > 0 {
		t.Fatalf("fixture: %v", problems)
	}
	d.Library = lib
	rb, ok := lib.Get("osc52-title")
	if !ok {
		t.Fatal("fixture runbook not in the library")
	}
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: "high", Actor: d.Actor,
		Title: "Pasted \x1b]52;c;ZWNobyBwd25lZA==\x07title \x1b[2J\u202Etxt.exe"})
	must(t, err)
	must(t, inc.Close())
	// muster refuses such a note now; a journal written before, or by hand, may hold one.
	j, err := journal.Open(inc.Dir)
	must(t, err)
	_, err = j.Append(d.Actor, incident.EvNote, incident.Note{Text: "note with \x1b[31mred\x1b[0m and \u202Ereversed\u202C text\r\nand a CR", Step: "paste-check"})
	must(t, err)
	must(t, j.Close())

	home := newModel(t, d, Options{}, 120, 40)
	got := home.View().Content
	assertPlain(t, "home", got)
	if !strings.Contains(got, "osc52-title") || !strings.Contains(got, "Pasted") {
		t.Fatalf("home does not list the fixture:\n%s", got)
	}
	m := press(t, home, "tab")
	for i := 0; i < 10 && !strings.Contains(shot(m), "▸ osc52-title"); i++ {
		m = press(t, m, "down")
	}
	m = press(t, m, "enter")
	assertPlain(t, "runbook read-only", m.View().Content)
	m = press(t, m, "n")
	assertPlain(t, "start", m.View().Content)

	for _, sz := range [][2]int{{120, 40}, {80, 24}, {40, 24}} {
		m := newModel(t, d, Options{Resume: inc.ID}, sz[0], sz[1])
		got := m.View().Content
		assertPlain(t, "incident", got)
		if !strings.Contains(got, "Copy the command") {
			t.Fatalf("incident screen does not show the step:\n%s", got)
		}
		assertPlain(t, "timeline", press(t, m, "t").View().Content)
		assertPlain(t, "report", press(t, m, "r").View().Content)
		assertPlain(t, "help", press(t, m, "?").View().Content)
	}
}

// Errors and typed paths are cleaned too: a failed attach of a file whose name holds an
// escape sequence shows the error without it.
func TestUntrustedErrorText(t *testing.T) {
	d, _ := fixture(t)
	inc := openIncident(t, d, "service-outage", "critical", "Checkout down")
	must(t, inc.Close())
	m := newModel(t, d, Options{Resume: inc.ID}, 100, 30)
	m = press(t, m, "a")
	m = typeText(t, m, "/nonexistent/\x1b]0;owned\x07file\u202E.txt")
	m = press(t, m, "ctrl+s")
	got := m.View().Content
	assertPlain(t, "attach error", got)
	if !strings.Contains(got, "✗") {
		t.Fatalf("the failed attach shows no error:\n%s", got)
	}
}
