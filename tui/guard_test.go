package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
)

// Space marks the step done and says u undoes it; a second Space straight after does
// not complete the step the selection moved to, and u right after undoes the step just
// done, not the newly selected one.
func TestSpaceGuardAndUndoRightAfter(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "space")
	if !strings.Contains(m.flash.text, "step assign-owner-and-severity done") || !strings.Contains(m.flash.text, "u undoes it") {
		t.Fatalf("flash %q", m.flash.text)
	}
	m = press(t, m, "space")
	v, err := d.Store.Load(id)
	must(t, err)
	if v.State.Step("escalate-to-incident-lead").Status != incident.StepTodo {
		t.Fatal("a quick second Space completed the next step")
	}
	if !strings.Contains(m.flash.text, "Space again marks “Escalate to the incident lead") {
		t.Errorf("the guard does not say why: %q", m.flash.text)
	}
	m = press(t, m, "u")
	if m.inc.dialog == nil || m.inc.dialog.step != "assign-owner-and-severity" {
		t.Fatalf("u right after did not undo the step just done: %+v", m.inc.dialog)
	}
	m = press(t, m, "esc")
	clk.Advance(2 * time.Second)
	m = press(t, m, "space")
	v, err = d.Store.Load(id)
	must(t, err)
	if v.State.Step("escalate-to-incident-lead").Status != incident.StepDone {
		t.Error("a deliberate Space after the guard did not complete the step")
	}
}

// The notice dialog is prefilled from the rule's template with what muster knows.
func TestNoticePrefilledFromTemplate(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "c")
	if m.inc.dialog == nil {
		t.Fatal("no notice dialog")
	}
	msg := m.inc.dialog.value(2)
	if !strings.Contains(msg, "Since 10:00 UTC") || strings.Contains(msg, "[START TIME UTC]") || !strings.Contains(msg, "[PRODUCT]") {
		t.Errorf("the message is not prefilled from the template: %q", msg)
	}
	// A typo in the audience is said before saving: that notice would count for no
	// update due, and the header would stay OVERDUE.
	m = typeText(t, m, "qq")
	if got := shot(m); !strings.Contains(got, "⚠ not an audience of the runbook") {
		t.Errorf("no warning for an audience no rule has:\n%s", got)
	}
	// [TIME UTC] means when something happened ("Detected: [TIME UTC]", "stopped it at
	// [TIME UTC]"): it is left for the responder, never filled with the time of typing.
	if got := fillTemplate("Detected: [TIME UTC] on [DATE]", m.inc.state); got != "Detected: [TIME UTC] on 23 November 2026" {
		t.Errorf("filled: %q", got)
	}
}
