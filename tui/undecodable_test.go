package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// An event whose payload does not decode is missing from the state: the header says
// so, with the command that lists them.
func TestHeaderWarnsOfUndecodableEvents(t *testing.T) {
	now := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	s := incident.NewState(nil)
	s.ID, s.Title, s.Severity, s.OpenedAt = "INC-1", "Checkout is down", "high", now.Add(-time.Hour)
	scr := &incidentScreen{id: "INC-1", pol: runbook.DefaultPolicy(), state: s}
	plain := strings.Join(scr.statusBar(NewStyles(true, true), 100, now), "\n")
	if strings.Contains(plain, "do not decode") {
		t.Fatalf("a warning without undecodable events:\n%s", plain)
	}
	s.Undecodable = []incident.PayloadError{{Line: 3, Seq: 3, Type: "step.done", Err: "json: cannot unmarshal number"}}
	got := ansi.Strip(strings.Join(scr.statusBar(NewStyles(true, true), 100, now), "\n"))
	if !strings.Contains(got, "⚠ 1 journal event(s) do not decode: muster evidence verify INC-1") {
		t.Errorf("header:\n%s", got)
	}
}
