package tui

import (
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/incident"
)

// Escalating to whom a runbook step names offers to complete that step in the same
// write; another name changes or withdraws the offer, and "no" logs the escalation
// alone.
func TestEscalationCompletesItsStep(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "e") // the policy's chain suggests the incident lead
	got := shot(m)
	if !strings.Contains(got, "Also mark the runbook's step done?") || !strings.Contains(got, "[yes: Escalate to the incident lead at once]") {
		t.Fatalf("no offer for the incident lead's step:\n%s", got)
	}
	m = press(t, m, "shift+tab", "shift+tab") // the dialog opens on "Why?", under the offer: whom is filled in
	for range len("incident lead") {
		m = press(t, m, "backspace")
	}
	m = typeText(t, m, "payments vendor")
	if got := shot(m); strings.Contains(got, "Also mark the runbook's step done?") {
		t.Fatalf("an offer for an escalation no step names:\n%s", got)
	}
	for range len("payments vendor") {
		m = press(t, m, "backspace")
	}
	m = typeText(t, m, "incident lead")
	m = press(t, m, "tab", "tab")
	m = typeText(t, m, "platform down for all users")
	m = press(t, m, "ctrl+s")
	if m.inc.dialog != nil {
		t.Fatalf("the escalation was not saved: %s", m.inc.dialog.err)
	}
	if got := shot(m); !strings.Contains(got, "✓ saved: escalated to incident lead, step escalate-to-incident-lead done") {
		t.Errorf("the message does not say both:\n%s", got)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	if len(v.State.Escalations) != 1 || v.State.Escalations[0].To != "incident lead" {
		t.Errorf("escalations: %+v", v.State.Escalations)
	}
	if st := v.State.Step("escalate-to-incident-lead"); st.Status != incident.StepDone || st.Note != "escalated to incident lead" {
		t.Errorf("the step: %+v", st)
	}

	// Leadership next: its step is offered; "no" logs only the escalation.
	m = press(t, m, "e")
	if got := shot(m); !strings.Contains(got, "> backup incident lead") || strings.Contains(got, "Also mark") {
		t.Fatalf("the chain's next is suggested with no offer (the lead's step is done):\n%s", got)
	}
	m = press(t, m, "shift+tab")
	for range 30 {
		m = press(t, m, "backspace")
	}
	m = typeText(t, m, "leadership")
	if got := shot(m); !strings.Contains(got, "[yes: Escalate to leadership once the full outage is confirmed]") {
		t.Fatalf("no offer for leadership's step:\n%s", got)
	}
	m = press(t, m, "tab", "right", "tab")
	m = typeText(t, m, "full outage confirmed")
	m = press(t, m, "enter")
	v, err = d.Store.Load(id)
	must(t, err)
	if len(v.State.Escalations) != 2 || v.State.Step("escalate-to-leadership").Status != incident.StepTodo {
		t.Errorf("no: escalations %d, step %+v", len(v.State.Escalations), v.State.Step("escalate-to-leadership"))
	}
}

// Escalating from the runbook's escalation step names whom that step escalates to
// and offers it, even when the chain's next is someone else (#12: on "Escalate to
// leadership" the dialog suggested the backup incident lead and offered nothing).
func TestEscalationFromItsStepNamesItsTarget(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "j", "j") // escalate-to-leadership
	if st, _ := m.inc.selected(); st.ID != "escalate-to-leadership" {
		t.Fatalf("selected %s", st.ID)
	}
	m = press(t, m, "e")
	if got := shot(m); !strings.Contains(got, "> leadership") || !strings.Contains(got, "[yes: Escalate to leadership once the full outage is confirmed]") {
		t.Fatalf("the step's target is not suggested and offered:\n%s", got)
	}
}

// Recording a notice on the runbook's step that posts it offers that step, as
// escalating does; on another step there is no offer.
func TestNoticeCompletesItsStep(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "c")
	if got := shot(m); strings.Contains(got, "Also mark") {
		t.Fatalf("an offer on a step that posts no notice:\n%s", got)
	}
	m = press(t, m, "esc", "j", "j", "j") // post-status-page
	m = press(t, m, "c")
	if got := shot(m); !strings.Contains(got, "> status page") || !strings.Contains(got, "[yes: Post the first status page notice]") {
		t.Fatalf("no offer for the status page step:\n%s", got)
	}
	m = typeText(t, m, " and leadership")
	if got := shot(m); strings.Contains(got, "Also mark") {
		t.Fatalf("the offer stayed for an audience the step does not name:\n%s", got)
	}
	for range len(" and leadership") {
		m = press(t, m, "backspace")
	}
	m = press(t, m, "ctrl+s")
	if m.inc.dialog != nil {
		t.Fatalf("not saved: %s", m.inc.dialog.err)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	if len(v.State.Notices) != 1 || v.State.Step("post-status-page").Status != incident.StepDone {
		t.Errorf("notices %d, step %+v", len(v.State.Notices), v.State.Step("post-status-page"))
	}
}

// The step was completed by someone else after the dialog opened: the escalation is
// saved, the dialog closes (a retry would escalate twice) and the message says the
// step was not marked.
func TestEscalationWhoseStepWasDoneMeanwhile(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "e")
	m = typeText(t, m, "platform down")
	other, err := d.Store.Open(id, "bob@desk")
	must(t, err)
	must(t, other.CompleteStep("escalate-to-incident-lead", ""))
	other.Close()
	m = press(t, m, "ctrl+s")
	if m.inc.dialog != nil {
		t.Fatalf("the dialog stayed open for a retry: %s", m.inc.dialog.err)
	}
	if got := shot(m); !strings.Contains(got, "escalated to incident lead (journal seq 6) — but step escalate-to-incident-lead is already done") || !strings.Contains(got, "bob@desk") {
		t.Errorf("the message does not say the step was not marked:\n%s", got)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	if len(v.State.Escalations) != 1 {
		t.Errorf("escalations: %d", len(v.State.Escalations))
	}
}
