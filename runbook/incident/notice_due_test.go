package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// libraryIncident starts an incident on an embedded runbook.
func libraryIncident(t *testing.T, c *clock, rbID, severity string) *Incident {
	t.Helper()
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	rb, ok := lib.Get(rbID)
	if !ok {
		t.Fatalf("no runbook %s", rbID)
	}
	st := &Store{DataDir: t.TempDir(), Now: c.now}
	inc, err := st.Start(StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: severity, Title: "Checkout API down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return inc
}

// completePhases marks done every step of the phases up to and including last.
func completePhases(t *testing.T, c *clock, inc *Incident, last runbook.PhaseName) {
	t.Helper()
	for _, ph := range inc.Runbook.Phases {
		for _, st := range ph.Steps {
			if st.AppliesTo(inc.State.Severity) && inc.State.Step(st.ID).Status == StepTodo {
				c.advance(time.Minute)
				if err := inc.CompleteStep(st.ID, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ph.Name == last {
			return
		}
	}
}

// Bug 1 of issue 12: the status page notice posted during triage, as the runbook asks,
// then triage finished: the header said "status page OVERDUE by 27s".
func TestStatusPageNoticeSentDuringTriageCounts(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	inc := libraryIncident(t, c, "service-outage", "critical")
	c.advance(3 * time.Minute)
	if err := inc.Notify("status page", "status page", "Investigating: checkout unavailable"); err != nil {
		t.Fatal(err)
	}
	sent := c.t
	completePhases(t, c, inc, "triage")
	c.advance(27 * time.Second)
	for _, u := range inc.State.UpdatesDue() {
		if u.Audience == "status page" && !u.Due.After(c.t) {
			t.Errorf("status page is due %s at %s although a notice went out at %s", u.Due, c.t, sent)
		}
	}
	u, ok := inc.State.NextUpdate()
	if !ok || u.Audience != "leadership" && u.Audience != "status page" {
		t.Fatalf("next update %+v %v", u, ok)
	}
}

// The first notice after a phase has FirstNoticeWithin to go out: it is not overdue
// the instant the phase completes.
func TestFirstNoticeHasAWindowAfterItsPhase(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	inc := libraryIncident(t, c, "service-outage", "critical")
	completePhases(t, c, inc, "triage")
	done := c.t
	u, ok := inc.State.NextUpdate()
	if !ok || !u.Due.Equal(done.Add(FirstNoticeWithin)) || u.Why != "after triage" {
		t.Errorf("the first notice after triage: %+v %v, want due %s", u, ok, done.Add(FirstNoticeWithin))
	}
}

// Every communication rule of every embedded runbook: a notice to the rule's audience
// sent during the incident, before the rule's phase completed, means the rule is not
// overdue when the phase completes; a later rule for the same audience (a resolution
// notice after recover) still asks for its own notice.
func TestEveryEmbeddedRuleCountsAnEarlierNotice(t *testing.T) {
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, rb := range lib.List() {
		for i, rule := range rb.Communication {
			if rule.After == "" || len(rule.Severities) == 0 {
				continue
			}
			later := false
			for _, r := range rb.Communication[:i] {
				later = later || r.Audience == rule.Audience && r.AppliesTo(rule.Severities[0])
			}
			t.Run(rb.ID+"/"+rule.Audience+" after "+string(rule.After), func(t *testing.T) {
				c := newClock("2026-11-23T10:00:00Z")
				inc := libraryIncident(t, c, rb.ID, rule.Severities[0])
				c.advance(time.Minute)
				if err := inc.Notify(rule.Audience, rule.Channel, "sent early"); err != nil {
					t.Fatal(err)
				}
				completePhases(t, c, inc, rule.After)
				c.advance(time.Second)
				var overdue []string
				for _, u := range inc.State.UpdatesDue() {
					if u.Audience == rule.Audience && !u.Due.After(c.t) {
						overdue = append(overdue, u.Why)
					}
				}
				if len(overdue) > 0 {
					t.Errorf("%s is overdue (%v) the second its phase completed", rule.Audience, overdue)
				}
				if !later {
					return
				}
				asked := false
				for _, u := range inc.State.UpdatesDue() {
					asked = asked || u.Audience == rule.Audience && u.Why == "after "+string(rule.After)
				}
				if !asked {
					t.Errorf("the notice sent before %s also met this later rule for %s", rule.After, rule.Audience)
				}
			})
		}
	}
}

// Bug 2 of issue 12: the reason given for an undo is in the journal; the timeline and
// the report show it.
func TestUndoReasonInTimelineAndReport(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st, inc := startIncident(t, c, "high")
	c.advance(time.Minute)
	if err := inc.CompleteStep("assign-owner", ""); err != nil {
		t.Fatal(err)
	}
	if err := inc.UndoStep("assign-owner", "marked on the wrong incident"); err != nil {
		t.Fatal(err)
	}
	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := v.Events[len(v.Events)-1]
	if got := Describe(last); got != "undone: assign-owner — marked on the wrong incident" {
		t.Errorf("timeline line %q", got)
	}
	if md := BuildReport(v, c.t).Markdown(); !strings.Contains(md, "undone: assign-owner — marked on the wrong incident") {
		t.Errorf("the report does not give the undo's reason:\n%s", md)
	}
}
