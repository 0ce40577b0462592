package tui

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/muster-ir/muster/runbook"
)

// incident resume gives the TUI no library, only the way to read it: the incident is
// drawn without parsing every runbook first, and home lists them once it is opened.
func TestResumeReadsTheLibraryWithTheFirstHomeScan(t *testing.T) {
	d, _ := fixture(t)
	inc := openIncident(t, d, "service-outage", "critical", "Checkout API down")
	id := inc.ID
	must(t, inc.Close())
	lib := d.Library
	var reads atomic.Int32
	d.Library = nil
	d.ReloadLibrary = func() (*runbook.Library, runbook.Problems) {
		reads.Add(1)
		return lib, nil
	}
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	if got := shot(m); !strings.Contains(got, "Checkout API down") || !strings.Contains(got, "respond") {
		t.Fatalf("the incident is not on screen:\n%s", got)
	}
	if n := reads.Load(); n != 0 {
		t.Fatalf("the library was read %d time(s) before home was opened", n)
	}
	// Before the scan answers, a new incident cannot start from an empty list.
	early := m
	if cmd := early.openStart(""); cmd != nil || !strings.Contains(early.flash.text, "runbooks are still being read") || early.screen == screenStart {
		t.Errorf("start opened without the library: flash %q", early.flash.text)
	}
	m = press(t, m, "esc")
	if n := reads.Load(); n != 1 {
		t.Fatalf("home read the library %d time(s), want 1", n)
	}
	if got := shot(m); !strings.Contains(got, "Runbooks (7)") || !strings.Contains(got, "service-outage") {
		t.Errorf("home does not list the runbooks:\n%s", got)
	}
	m = press(t, m, "n")
	if got := shot(m); m.screen != screenStart || !strings.Contains(got, "data-breach") {
		t.Errorf("the start screen does not offer the runbooks:\n%s", got)
	}
	// Ctrl+R later reads it again, as before.
	m = press(t, m, "esc", "ctrl+r")
	if n := reads.Load(); n != 2 {
		t.Errorf("ctrl+r read the library %d time(s) in all, want 2", n)
	}
}
