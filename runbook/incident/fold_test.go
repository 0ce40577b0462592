package incident

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// journalOf writes an incident's events the way the commands do, at offsets from the
// start, without a disk: the fold sees exactly what it would read back.
type journalOf struct {
	t      *testing.T
	pol    *runbook.Policy
	start  time.Time
	events []journal.Event
}

// fridayAfternoon is Friday 27 November 2026, 16:30 in Brussels: late on the last
// working day of the week, where business-hours deadlines roll over the weekend.
const fridayAfternoon = "2026-11-27T15:30:00Z"

// tuesdayMorning is Tuesday 24 November 2026, 11:00 in Brussels.
const tuesdayMorning = "2026-11-24T10:00:00Z"

func newJournal(t *testing.T, severity, start string) *journalOf {
	t.Helper()
	at, err := time.Parse(time.RFC3339, start)
	if err != nil {
		t.Fatal(err)
	}
	j := &journalOf{t: t, pol: runbook.DefaultPolicy(), start: at}
	respond, resolve, err := j.pol.Deadlines(severity, at)
	if err != nil {
		t.Fatal(err)
	}
	j.add(0, "alice@laptop", Started{ID: "INC-20261127-TEST1", Title: "Checkout is down", Severity: severity,
		Runbook: RunbookRef{ID: "test-outage", Version: "1.2.0"}, Policy: PolicyRef{Name: j.pol.Name}, RespondBy: respond, ResolveBy: resolve})
	return j
}

// at parses an offset from the start: "90m", "2h30m", "-1m".
func offset(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (j *journalOf) add(d time.Duration, actor string, p Payload) *journalOf {
	j.t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		j.t.Fatal(err)
	}
	seq := uint64(len(j.events) + 1)
	j.events = append(j.events, journal.Event{Seq: seq, Line: int(seq), Time: j.start.Add(d), Actor: actor, Type: p.EventType(), Data: data})
	return j
}

// do adds an event by bob at an offset.
func (j *journalOf) do(at string, p Payload) *journalOf {
	return j.add(offset(j.t, at), "bob@laptop", p)
}

func (j *journalOf) done(at string, steps ...string) *journalOf {
	for _, s := range steps {
		j.do(at, StepMarkedDone{Step: s})
	}
	return j
}

// severity moves the incident as ChangeSeverity does: deadlines from the original start.
func (j *journalOf) severity(at, from, to string) *journalOf {
	j.t.Helper()
	respond, resolve, err := j.pol.Deadlines(to, j.start)
	if err != nil {
		j.t.Fatal(err)
	}
	return j.do(at, SeverityChange{From: from, To: to, Reason: "impact changed", RespondBy: respond, ResolveBy: resolve})
}

func (j *journalOf) raw(at, typ, data string) *journalOf {
	seq := uint64(len(j.events) + 1)
	j.events = append(j.events, journal.Event{Seq: seq, Line: int(seq), Time: j.start.Add(offset(j.t, at)), Actor: "script", Type: typ, Data: json.RawMessage(data)})
	return j
}

func (j *journalOf) fold(rb *runbook.Runbook) *State { return Fold(rb, j.events) }

// folded is what a check looks at: the state, the policy and the instant "now".
type folded struct {
	t   *testing.T
	s   *State
	rb  *runbook.Runbook
	pol *runbook.Policy
	now time.Time
	at  func(string) time.Time // an offset from the start as an instant
}

func (f folded) slas() (SLA, SLA) { return f.s.SLAs(f.pol, f.now) }

func (f folded) overdue() []string {
	var out []string
	for _, st := range f.rb.Steps() {
		if st.AppliesTo(f.s.Severity) && f.s.TimeboxOverdue(st, f.now) {
			out = append(out, st.ID)
		}
	}
	return out
}

func (f folded) phaseStart(p runbook.PhaseName) string {
	at, ok := f.s.PhaseStart(p)
	if !ok {
		return "not started"
	}
	return at.Sub(f.s.OpenedAt).String()
}

func (f folded) next() string {
	u, ok := f.s.NextUpdate()
	if !ok {
		return "none"
	}
	return u.Audience + " " + u.Why + " at +" + u.Due.Sub(f.s.OpenedAt).String()
}

func (f folded) want(what string, got, want any) {
	f.t.Helper()
	if !reflect.DeepEqual(got, want) {
		f.t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestFold(t *testing.T) {
	rb := mustRunbook(t)
	utc := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	cases := []struct {
		name    string
		journal func(t *testing.T) *journalOf
		now     string // offset from the start
		check   func(f folded)
	}{
		// Deadlines and the respond-by clock.
		{"medium opened Friday 16:30 must be answered by Wednesday 13:30 (24 business hours over the weekend)",
			func(t *testing.T) *journalOf { return newJournal(t, "medium", fridayAfternoon) }, "1m",
			func(f folded) {
				respond, resolve := f.slas()
				f.want("respond due", respond.Due.UTC(), utc("2026-12-02T12:30:00Z"))
				f.want("resolve due", resolve.Due.UTC(), utc("2026-12-09T15:30:00Z"))
				f.want("respond met", respond.Met, false)
				f.want("respond missed", respond.Missed, false)
			}},
		{"a medium incident's respond-by clock stands still over the weekend",
			func(t *testing.T) *journalOf { return newJournal(t, "medium", fridayAfternoon) }, "63h30m", // Monday 08:00 in Brussels
			func(f folded) {
				respond, _ := f.slas()
				f.want("business time left", respond.Left, 23*time.Hour+30*time.Minute)
				f.want("of", respond.Total, 24*time.Hour)
			}},
		{"the first triage step done is the response",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).done("20m", "confirm").done("40m", "assign-owner")
			}, "2h",
			func(f folded) {
				respond, _ := f.slas()
				f.want("responded at", f.s.RespondedAt.Sub(f.s.OpenedAt), 40*time.Minute)
				f.want("met", respond.Met, true)
				f.want("missed", respond.Missed, false)
			}},
		{"a detect step is not a response: critical missed after the hour",
			func(t *testing.T) *journalOf { return newJournal(t, "critical", tuesdayMorning).done("5m", "confirm") }, "61m",
			func(f folded) {
				respond, resolve := f.slas()
				f.want("responded", f.s.RespondedAt.IsZero(), true)
				f.want("missed", respond.Missed, true)
				f.want("left", respond.Left, -time.Minute)
				f.want("resolve missed", resolve.Missed, false)
			}},
		{"an acknowledgement answers before any step",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).do("3m", Acknowledged{})
			}, "5h",
			func(f folded) {
				respond, _ := f.slas()
				f.want("met at", respond.MetAt.Sub(f.s.OpenedAt), 3*time.Minute)
				f.want("met", respond.Met, true)
			}},
		{"undoing the triage step does not take the response back",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).done("10m", "assign-owner").do("12m", StepUndone{Step: "assign-owner", Reason: "wrong owner"})
			}, "2h",
			func(f folded) {
				f.want("responded at", f.s.RespondedAt.Sub(f.s.OpenedAt), 10*time.Minute)
				f.want("step", f.s.Step("assign-owner").Status, StepTodo)
			}},
		{"a skipped triage step is a response too",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).do("7m", StepMarkedSkipped{Step: "assign-owner", Reason: "owner already on call"})
			}, "2h",
			func(f folded) {
				f.want("responded at", f.s.RespondedAt.Sub(f.s.OpenedAt), 7*time.Minute)
				f.want("reason", f.s.Step("assign-owner").Reason, "owner already on call")
			}},
		{"closed after six hours: a critical incident's resolve-by is missed, for good",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).done("10m", "confirm", "assign-owner", "failover", "page-leadership", "postmortem").do("6h1m", Closed{Summary: "fixed"})
			}, "48h",
			func(f folded) {
				_, resolve := f.slas()
				f.want("missed", resolve.Missed, true)
				f.want("met", resolve.Met, false)
				f.want("left stays what it was at the close", resolve.Left, -time.Minute)
				f.want("closed by", f.s.ClosedBy, "bob@laptop")
			}},

		// Severity changes.
		{"raised to critical: deadlines recomputed from the original start, not the change",
			func(t *testing.T) *journalOf {
				return newJournal(t, "medium", tuesdayMorning).severity("30m", "medium", "critical")
			}, "50m",
			func(f folded) {
				respond, resolve := f.slas()
				f.want("severity", f.s.Severity, "critical")
				f.want("respond due", respond.Due.Sub(f.s.OpenedAt), time.Hour)
				f.want("resolve due", resolve.Due.Sub(f.s.OpenedAt), 6*time.Hour)
				f.want("left", respond.Left, 10*time.Minute)
				f.want("changes", len(f.s.Severities), 1)
				f.want("from", f.s.Severities[0].From, "medium")
			}},
		{"raised to critical, the critical-only step joins the work",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("5m", "confirm", "assign-owner", "failover", "postmortem").severity("10m", "high", "critical")
			}, "11m",
			func(f folded) {
				f.want("open work", f.s.OpenWork(), []string{"step page-leadership"})
				f.want("contain", f.s.Progress()[2], PhaseProgress{Phase: runbook.Contain, Done: 1, Total: 2})
			}},
		{"lowered to high, the critical-only step no longer gates the close",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).done("5m", "confirm", "assign-owner", "failover", "postmortem").severity("10m", "critical", "high")
			}, "11m",
			func(f folded) {
				f.want("open work", len(f.s.OpenWork()), 0)
				respond, _ := f.slas()
				f.want("high answers in 12h", respond.Due.Sub(f.s.OpenedAt), 12*time.Hour)
			}},
		{"lowered to medium: the deadline moves onto business hours",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", fridayAfternoon).severity("10m", "high", "medium")
			}, "20m",
			func(f folded) {
				respond, _ := f.slas()
				f.want("respond due", respond.Due.UTC(), utc("2026-12-02T12:30:00Z"))
				f.want("clock", f.s.RespondBy.Clock, runbook.Business)
			}},

		// Next update due.
		{"no customer update is due before contain is complete",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("10m", "confirm", "assign-owner")
			}, "1h",
			func(f folded) { f.want("next", f.next(), "none") }},
		{"contain complete: the first customer notice is due 15 minutes later",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("10m", "confirm", "assign-owner").done("40m", "failover")
			}, "50m",
			func(f folded) { f.want("next", f.next(), "affected customers after contain at +55m0s") }},
		{"a notice sent during containment counts; the next update is an hour after it",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("10m", "confirm", "assign-owner").
					do("20m", Notice{Audience: "Affected Customers", Channel: "email", Message: "We are failing over."}).done("40m", "failover")
			}, "50m",
			func(f folded) {
				f.want("next", f.next(), "affected customers update every 1h at +1h20m0s")
				f.want("last update", f.s.LastUpdate.Sub(f.s.OpenedAt), 20*time.Minute)
			}},
		{"a medium incident owes no customer updates (the rule is for critical and high)",
			func(t *testing.T) *journalOf {
				return newJournal(t, "medium", tuesdayMorning).done("10m", "confirm", "assign-owner", "failover")
			}, "2h",
			func(f folded) { f.want("next", f.next(), "none") }},
		{"raised to high after containment: the notice is due at once",
			func(t *testing.T) *journalOf {
				return newJournal(t, "medium", tuesdayMorning).done("10m", "confirm", "assign-owner", "failover").severity("1h", "medium", "high")
			}, "1h1m",
			func(f folded) { f.want("next", f.next(), "affected customers after contain at +25m0s") }},
		{"a closed incident owes no update",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("10m", "confirm", "assign-owner", "failover", "postmortem").do("2h", Closed{})
			}, "3h",
			func(f folded) { f.want("next", f.next(), "none") }},

		// Phase starts and timeboxes.
		{"detect starts with the incident; later phases wait for the ones before",
			func(t *testing.T) *journalOf { return newJournal(t, "high", tuesdayMorning) }, "5h",
			func(f folded) {
				f.want("detect", f.phaseStart(runbook.Detect), "0s")
				f.want("triage", f.phaseStart(runbook.Triage), "not started")
				f.want("contain", f.phaseStart(runbook.Contain), "not started")
			}},
		{"triage starts when detect is complete, before anyone touches it",
			func(t *testing.T) *journalOf { return newJournal(t, "high", tuesdayMorning).done("8m", "confirm") }, "1h",
			func(f folded) {
				f.want("triage", f.phaseStart(runbook.Triage), "8m0s")
				f.want("contain", f.phaseStart(runbook.Contain), "not started")
			}},
		{"acting on contain early starts it then, triage still open",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("8m", "confirm").done("12m", "failover")
			}, "1h",
			func(f folded) {
				f.want("contain", f.phaseStart(runbook.Contain), "12m0s")
				f.want("entered", f.s.PhaseEntered[runbook.Contain].Sub(f.s.OpenedAt), 12*time.Minute)
			}},
		{"contain ready before its first action starts when it was ready",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("8m", "confirm").done("20m", "assign-owner").do("50m", Note{Text: "looking", Step: "failover"}).done("55m", "failover")
			}, "1h",
			func(f folded) { f.want("contain", f.phaseStart(runbook.Contain), "20m0s") }},
		{"the alert not confirmed in ten minutes is overdue",
			func(t *testing.T) *journalOf { return newJournal(t, "high", tuesdayMorning) }, "11m",
			func(f folded) { f.want("overdue", f.overdue(), []string{"confirm"}) }},
		{"failover's 30 minutes count from contain's start, not the incident's",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("2h", "confirm", "assign-owner")
			}, "2h29m",
			func(f folded) { f.want("overdue", len(f.overdue()), 0) }},
		{"failover overdue 31 minutes into contain",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("2h", "confirm", "assign-owner")
			}, "2h31m",
			func(f folded) { f.want("overdue", f.overdue(), []string{"failover"}) }},
		{"a done or skipped step is never overdue",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("2h", "confirm", "assign-owner").do("2h5m", StepMarkedSkipped{Step: "failover", Reason: "traffic already moved"})
			}, "9h",
			func(f folded) { f.want("overdue", len(f.overdue()), 0) }},
		{"an undone step is to do again, and overdue again",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("5m", "confirm").do("30m", StepUndone{Step: "confirm", Reason: "false positive"})
			}, "31m",
			func(f folded) {
				f.want("overdue", f.overdue(), []string{"confirm"})
				f.want("undone by", f.s.Step("confirm"), StepState{Status: StepTodo})
			}},
		{"nothing is overdue in a closed incident",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).do("1h", Closed{Forced: true, Reason: "duplicate", Open: []string{"step confirm"}})
			}, "9h",
			func(f folded) { f.want("overdue", len(f.overdue()), 0) }},

		// Follow-ups and close gating.
		{"follow-ups in the order they are due; a done one leaves the list",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).
					do("1h", FollowUp{ID: "F1", Owner: "carol", Due: utc("2026-12-10T00:00:00Z"), Text: "alert on certificate expiry"}).
					do("1h", FollowUp{ID: "F2", Owner: "dave", Due: utc("2026-12-01T00:00:00Z"), Text: "runbook for failover"}).
					do("2h", FollowUp{ID: "F3", Owner: "erin", Due: utc("2026-12-03T00:00:00Z"), Text: "post-mortem"}).
					do("3h", FollowUpDone{ID: "F3", Note: "held"})
			}, "4h",
			func(f folded) {
				var ids []string
				for _, fu := range f.s.OpenFollowUps() {
					ids = append(ids, fu.ID)
				}
				f.want("open", ids, []string{"F2", "F1"})
				f.want("next id", f.s.NextFollowUpID(), "F4")
				f.want("F3 done by", f.s.FollowUps[2].DoneBy, "bob@laptop")
			}},
		{"a follow-up done that names no follow-up changes nothing",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).do("1h", FollowUp{ID: "F1", Owner: "carol", Due: utc("2026-12-10T00:00:00Z"), Text: "x"}).do("2h", FollowUpDone{ID: "F9"})
			}, "4h",
			func(f folded) { f.want("open", len(f.s.OpenFollowUps()), 1) }},
		{"the close waits for required steps and open follow-ups, not optional or other-severity steps",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("10m", "confirm", "assign-owner").
					do("1h", FollowUp{ID: "F1", Owner: "carol", Due: utc("2026-12-10T00:00:00Z"), Text: "x"})
			}, "2h",
			func(f folded) {
				f.want("open work", f.s.OpenWork(), []string{"step failover", "step postmortem", "follow-up F1"})
			}},
		{"every required step done or skipped and follow-ups done: nothing keeps it open, the optional step neither",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("10m", "confirm", "assign-owner", "failover").
					do("20m", StepMarkedSkipped{Step: "postmortem", Reason: "handled in the weekly review"}).
					do("1h", FollowUp{ID: "F1", Owner: "carol", Due: utc("2026-12-10T00:00:00Z"), Text: "x"}).do("2h", FollowUpDone{ID: "F1"})
			}, "2h",
			func(f folded) {
				f.want("open work", len(f.s.OpenWork()), 0)
				// The optional summary leaves review short of complete, and gates nothing.
				f.want("review", f.s.Progress()[3], PhaseProgress{Phase: runbook.Review, Skipped: 1, Total: 2})
			}},
		{"a forced close keeps what was left open and meets resolve-by",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).do("3h", Closed{Forced: true, Reason: "handed to problem management", Open: []string{"step confirm"}})
			}, "30h",
			func(f folded) {
				_, resolve := f.slas()
				f.want("closed", f.s.Closed, true)
				f.want("close", f.s.Close.Open, []string{"step confirm"})
				f.want("met", resolve.Met, true)
				f.want("missed", resolve.Missed, false)
			}},

		// Everything else a responder records.
		{"the assigned incident commander leads, not the one who opened it",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).do("5m", RoleAssignment{Role: "incident commander", To: "carol"})
			}, "6m",
			func(f folded) {
				f.want("commander", f.s.Commander(), "carol")
				f.want("opened by", f.s.OpenedBy, "alice@laptop")
			}},
		{"notes, escalations, evidence and checks are kept in order with who and when",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).
					do("1m", Note{Text: "502 everywhere", Step: "confirm"}).
					do("2m", Escalation{To: "incident lead", Reason: "platform down"}).
					do("3m", Attached{journal.Attachment{Kind: journal.KindFile, Path: "/var/log/nginx/error.log", Size: 10}}).
					do("4m", CheckRun{Check: "backup", Status: "pass", Summary: "ok"}).
					do("5m", Escalation{To: "leadership", Reason: "customer data"})
			}, "6m",
			func(f folded) {
				f.want("notes", len(f.s.Notes), 1)
				f.want("escalations", []string{f.s.Escalations[0].To, f.s.Escalations[1].To}, []string{"incident lead", "leadership"})
				f.want("escalated at", f.s.Escalations[1].At.Sub(f.s.OpenedAt), 5*time.Minute)
				f.want("evidence", f.s.Attachments[0].Attachment.Path, "/var/log/nginx/error.log")
				f.want("check by", f.s.Checks[0].Actor, "bob@laptop")
				f.want("events", f.s.Events, 6)
				f.want("last seq", f.s.LastSeq, uint64(6))
			}},
		{"a line that does not decode is listed and the fold goes on",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).raw("1m", EvStepDone, `{"step":["confirm"]}`).done("2m", "assign-owner")
			}, "3m",
			func(f folded) {
				f.want("undecodable lines", []int{f.s.Undecodable[0].Line}, []int{2})
				f.want("confirm", f.s.Step("confirm").Status, StepTodo)
				f.want("responded", f.s.RespondedAt.Sub(f.s.OpenedAt), 2*time.Minute)
			}},
		{"a drill's records and a newer release's events are not the state's business",
			func(t *testing.T) *journalOf {
				return newJournal(t, "critical", tuesdayMorning).do("1m", InjectDelivered{Inject: "i1", Title: "Alert"}).raw("2m", "pager.acked", `{}`)
			}, "3m",
			func(f folded) {
				f.want("unknown", f.s.Unknown, 1)
				f.want("undecodable", len(f.s.Undecodable), 0)
				f.want("events", f.s.Events, 3)
			}},
		{"a step of another runbook is recorded but enters no phase",
			func(t *testing.T) *journalOf {
				return newJournal(t, "high", tuesdayMorning).done("1m", "not-in-this-runbook")
			}, "2m",
			func(f folded) {
				f.want("status", f.s.Step("not-in-this-runbook").Status, StepDone)
				f.want("phases entered", len(f.s.PhaseEntered), 1)
				f.want("responded", f.s.RespondedAt.IsZero(), true)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := c.journal(t)
			s := j.fold(rb)
			c.check(folded{t: t, s: s, rb: rb, pol: j.pol, now: j.start.Add(offset(t, c.now)),
				at: func(o string) time.Time { return j.start.Add(offset(t, o)) }})
			// Folding event by event onto a state built from the first half gives the same.
			half := len(j.events) / 2
			inc := Fold(rb, j.events[:half])
			for _, e := range j.events[half:] {
				inc.Apply(e)
			}
			if a, b := stateJSON(t, s), stateJSON(t, inc); a != b {
				t.Errorf("folded in two goes:\n%s\nall at once:\n%s", b, a)
			}
		})
	}
}

func stateJSON(t *testing.T, s *State) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Without its runbook (a journal read on its own) the fold still works; only what
// needs the runbook says so.
func TestFoldWithoutTheRunbook(t *testing.T) {
	j := newJournal(t, "high", tuesdayMorning).done("5m", "confirm", "assign-owner")
	s := j.fold(nil)
	if s.Step("confirm").Status != StepDone || s.Progress() != nil || len(s.OpenWork()) != 0 || len(s.PhaseEntered) != 0 {
		t.Errorf("state %+v", s)
	}
	if _, ok := s.PhaseStart(runbook.Detect); ok {
		t.Error("a phase start without a runbook")
	}
	if _, ok := s.NextUpdate(); ok {
		t.Error("an update due without a runbook")
	}
	if !s.RespondedAt.IsZero() {
		t.Error("without the runbook no step is known to be triage")
	}
	if !slices.Contains([]string{"", "high"}, s.Severity) || !strings.HasPrefix(s.ID, "INC-") {
		t.Errorf("id %q severity %q", s.ID, s.Severity)
	}
}
