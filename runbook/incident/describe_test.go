package incident

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// The timeline says what happened in the responder's words, for every event type.
func TestDescribeSaysWhatHappened(t *testing.T) {
	d := runbook.Deadline{Clock: runbook.Continuous}
	cases := []struct {
		p    Payload
		want string
	}{
		{Started{ID: "INC-1", Title: "Checkout is down", Severity: "critical", Runbook: RunbookRef{ID: "service-outage", Version: "1.2.0"}, RespondBy: d, ResolveBy: d},
			`opened "Checkout is down" at severity critical with runbook service-outage 1.2.0`},
		{Acknowledged{}, "acknowledged"},
		{StepMarkedDone{Step: "confirm"}, "done: confirm"},
		{StepMarkedDone{Step: "confirm", Note: "502 everywhere"}, "done: confirm — 502 everywhere"},
		{StepMarkedSkipped{Step: "failover", Reason: "traffic moved"}, "skipped: failover — traffic moved"},
		{StepUndone{Step: "failover"}, "undone: failover"},
		{StepUndone{Step: "failover", Reason: "it did not move"}, "undone: failover — it did not move"},
		{Note{Text: "error rate 40%"}, "note: error rate 40%"},
		{Note{Text: "ALB 5xx from 09:14", Step: "confirm-outage"}, "note on step confirm-outage: ALB 5xx from 09:14"},
		{Escalation{To: "incident lead", Reason: "all EU customers blocked"}, "escalated to incident lead — all EU customers blocked"},
		{Notice{Audience: "customers", Message: "We are investigating."}, "notified customers: We are investigating."},
		{Notice{Audience: "customers", Channel: "status page", Message: "Fixed."}, "notified customers by status page: Fixed."},
		{SeverityChange{From: "critical", To: "high", Reason: "EU restored", RespondBy: d, ResolveBy: d}, "severity critical → high — EU restored"},
		{RoleAssignment{Role: "communications lead", To: "bob"}, "communications lead: bob"},
		{FollowUp{ID: "F1", Owner: "dave", Due: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), Text: "alert on expiry"}, "follow-up F1 for dave due 2026-12-04: alert on expiry"},
		{FollowUpDone{ID: "F1"}, "follow-up F1 done"},
		{Attached{journal.Attachment{Kind: journal.KindFile, Path: "/var/log/x.log", Size: 12, SHA256: "3f5d9a3c1e0b7a4f6d2c8e9b"}}, "attached /var/log/x.log (12 bytes, sha256 3f5d9a3c1e0b)"},
		{Attached{journal.Attachment{Kind: journal.KindSymlink, Path: "/etc/current", Link: "/etc/v2"}}, "attached symlink /etc/current -> /etc/v2 (not followed)"},
		{CheckRun{Check: "backup", Status: "fail", Summary: "1 database out of policy"}, "check backup: fail — 1 database out of policy"},
		{Closed{}, "closed"},
		{Closed{Forced: true, Reason: "duplicate"}, "closed (forced: duplicate)"},
		{Recovered{journal.Recovery{File: "journal.torn-3-1.bin", Bytes: 212}}, "recovered a torn write: 212 bytes kept in journal.torn-3-1.bin"},
		{Impact{Window: "W1", Service: "platform", Level: "full", Start: time.Date(2026, 11, 27, 9, 58, 0, 0, time.UTC)}, "outage W1: platform full from 2026-11-27 09:58Z to ongoing"},
		{Impact{Window: "W1", Service: "platform", Level: "partial", Start: time.Date(2026, 11, 27, 9, 58, 0, 0, time.UTC), End: time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC), Corrects: true, Note: "from the load balancer logs"},
			"corrected outage W1: platform partial from 2026-11-27 09:58Z to 2026-11-27 11:00Z — from the load balancer logs"},
		{Impact{Window: "W2", Service: "api", Level: "full", Start: time.Date(2026, 11, 27, 9, 58, 0, 0, time.UTC), Withdrawn: true, Corrects: true}, "withdrew outage W2: api full from 2026-11-27 09:58Z to ongoing"},
		{DrillStarted{Scenario: "ransomware", Version: "1.0.0", Speed: 10, Seed: 7}, "drill of scenario ransomware 1.0.0 started at 10x, seed 7"},
		{InjectDelivered{Inject: "alert", Channel: "pager", From: "monitoring", Title: "DB down"}, "inject alert: PAGER from monitoring: DB down"},
		{InjectDelivered{Inject: "alert", Channel: "pager", From: "monitoring", Title: "DB down", Reason: "trigger"}, "inject alert: PAGER from monitoring: DB down (triggered by the facilitator)"},
		{AdHocInject{ID: "adhoc-1", Channel: "phone", From: "ceo", Title: "Call me"}, "ad-hoc inject adhoc-1: PHONE from ceo: Call me"},
		{DecisionTaken{Inject: "alert", Label: "Fail over", By: "facilitator"}, "decision on alert: Fail over (facilitator)"},
		{ExpectationVerdict{Inject: "alert", Expectation: "lead", Verdict: "late", Text: "Escalate"}, "expectation alert/lead LATE: Escalate"},
		{DrillPaused{Drill: int64(5 * time.Minute)}, "drill paused at T+5m"},
		{DrillResumed{Drill: int64(5 * time.Minute)}, "drill resumed at T+5m"},
		{DrillSpeed{Drill: int64(time.Hour), From: 1, Speed: 10}, "drill speed 1x → 10x at T+1h"},
		{DrillSkip{Drill: int64(time.Minute), To: int64(20 * time.Minute), Inject: "i2"}, "drill clock skipped from T+1m to T+20m (inject i2)"},
		{DrillStop{Drill: int64(90 * time.Minute)}, "drill stopped by the facilitator at T+1h30m"},
		{DrillEnded{Drill: int64(2 * time.Hour), Reason: "every inject played", Score: DrillScore{Points: 35, Max: 70}}, "drill ended at T+2h (every inject played): 35 of 70 points"},
		{DrillFinalised{Items: []FinalisedItem{{"IP1", "F2"}, {"IP2", "F3"}}}, "drill improvement plan finalised: 2 follow-up(s)"},
		{DrillObservation{ID: "O1", Objective: "respond", Task: "page", Kind: "improvement", Text: "no pager number"}, "observation O1 (improvement, respond/page): no pager number"},
		{DrillRating{Objective: "respond", Rating: "S", Reason: "late"}, "evaluator rated objective respond S: late"},
		{DrillHotWash{Participant: "alice", Question: 1, Answer: "the failover"}, "hot wash, alice on question 1: the failover"},
		{DrillDiscussion{Module: "m1", Question: 2, Answer: "platform"}, "discussion, module m1 question 2: platform"},
		{DrillDelivery{Inject: "alert", Role: "ic", Target: "https://chat.example.com", Format: "slack", Attempts: 3, Error: "HTTP 502"},
			"inject alert not delivered to role ic (slack webhook https://chat.example.com) after 3 attempt(s): HTTP 502"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.p.EventType()] = true
		b, _ := json.Marshal(c.p)
		e := journal.Event{Seq: 1, Type: c.p.EventType(), Data: b}
		if got := Describe(e); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.p.EventType(), got, c.want)
		}
	}
	for _, typ := range EventTypes() {
		if !seen[typ] {
			t.Errorf("no description case for %s", typ)
		}
	}
}

// What a note or a title says reaches the timeline without its escape sequences.
func TestDescribeCleansUntrustedText(t *testing.T) {
	b, _ := json.Marshal(Note{Text: "ok\x1b]52;c;cm0gLXJmIC8=\x07 then\u202e gnirts"})
	got := Describe(journal.Event{Type: EvNote, Data: b})
	if strings.ContainsAny(got, "\x1b\x07\u202e") || !strings.HasPrefix(got, "note: ok") {
		t.Errorf("%q", got)
	}
	got = Describe(journal.Event{Seq: 2, Line: 2, Type: EvEscalated, Data: json.RawMessage(`{"to":["\u001b[31mred"]}`)})
	if strings.Contains(got, "\x1b") || !strings.HasPrefix(got, "escalated (undecodable: ") {
		t.Errorf("%q", got)
	}
}
