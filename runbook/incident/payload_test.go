package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

var t0 = time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC)

// samplePayloads has one filled-in payload of every event type muster writes. A new
// event type without a sample here fails TestEveryEventTypeDecodes.
func samplePayloads() []Payload {
	deadline := runbook.Deadline{Target: runbook.Target{Kind: runbook.Within, Duration: time.Hour}, Clock: runbook.Continuous, Due: t0.Add(time.Hour)}
	clk := DrillClock{Drill: int64(5 * time.Minute), Real: t0, Speed: 10, From: 1, To: int64(20 * time.Minute), Inject: "i2"}
	return []Payload{
		Started{ID: "INC-1", Title: "Checkout is down", Severity: "critical", Runbook: RunbookRef{ID: "rb", Version: "1.0.0"},
			Policy: PolicyRef{Name: "p"}, RespondBy: deadline, ResolveBy: deadline, Drill: true, Labels: map[string]string{"scenario": "s"}},
		Acknowledged{},
		StepMarkedDone{Step: "confirm", Note: "seen in grafana"},
		StepMarkedSkipped{Step: "page", Reason: "already paged"},
		StepUndone{Step: "confirm", Reason: "wrong incident"},
		Note{Text: "error rate 40%", Step: "confirm"},
		Attached{journal.Attachment{Kind: journal.KindFile, Path: "/tmp/x.log", Host: "laptop", Size: 3, SHA256: strings.Repeat("a", 64)}},
		Escalation{To: "incident lead", Reason: "platform down"},
		Notice{Audience: "all customers", Channel: "status page", Message: "We are investigating."},
		SeverityChange{From: "critical", To: "high", Reason: "partial recovery", RespondBy: deadline, ResolveBy: deadline},
		RoleAssignment{Role: "communications lead", To: "bob"},
		FollowUp{ID: "F1", Owner: "carol", Due: t0.Add(72 * time.Hour), Text: "add an alert"},
		FollowUpDone{ID: "F1", Note: "alert added"},
		CheckRun{Step: "verify-backups", Check: "backup", Status: "pass", Summary: "3 databases in policy", Report: []byte(`{"ok":true}`)},
		Closed{Summary: "fixed", Forced: true, Reason: "review later", Open: []string{"step review"}},
		Recovered{journal.Recovery{File: "journal.torn-3-1.bin", Bytes: 12, SHA256: strings.Repeat("b", 64), Offset: 100}},
		Impact{Window: "W1", Service: "platform", Level: ImpactFull, Start: t0.Add(-time.Hour), End: t0, Note: "from grafana"},
		DrillStarted{Scenario: "ransomware", Version: "1.0.0", Digest: "d", Seed: 7, Speed: 10, Picks: map[string]string{"p": "i1"}, StoryStart: t0, Real: t0},
		InjectDelivered{Inject: "i1", Title: "Alert", From: "monitoring", Channel: "alert", Reason: "at", Due: 1, Drill: 2, Story: t0, Real: t0},
		DecisionTaken{Inject: "i1", Option: "a", Label: "Fail over", By: "facilitator", Points: 5, Drill: 3, Real: t0},
		ExpectationVerdict{Inject: "i1", Expectation: "e1", Kind: "step", Verdict: "met", Deadline: 4, Done: 3, By: 9, Points: 10, Max: 10, Drill: 3, Real: t0},
		DrillPaused(clk), DrillResumed(clk), DrillSpeed(clk), DrillSkip(clk), DrillStop(clk),
		AdHocInject{ID: "adhoc-1", From: "ceo", Channel: "phone", Title: "Call me", Drill: 6, Story: t0, Real: t0},
		DrillEnded{Reason: "stopped by the facilitator", Drill: 7, Real: t0, Score: DrillScore{Points: 5, Max: 10, Met: 1}},
		DrillFinalised{Items: []FinalisedItem{{Item: "IP1", FollowUp: "F2"}}, Real: t0},
		DrillObservation{ID: "O1", Objective: "respond", Task: "page", Kind: "improvement", Text: "nobody had the pager number",
			RootCause: "the runbook has no contacts", Recommendation: "add the on-call rota", Element: "planning", Drill: 8, Real: t0},
		DrillRating{Objective: "respond", Task: "page", Rating: "S", Reason: "paged, but late", Drill: 9, Real: t0},
		DrillHotWash{Participant: "alice", Question: 1, Text: "What went well?", Answer: "the failover", Real: t0},
		DrillDiscussion{Module: "m1", Question: 2, Text: "Who owns it?", Answer: "the platform team", Drill: 10, Real: t0},
		DrillDelivery{Inject: "i1", Role: "ic", Target: "https://chat.example.com", Format: "slack", Attempts: 3, Error: "HTTP 502", Drill: 11},
	}
}

func eventOf(t *testing.T, typ string, payload any, seq uint64) journal.Event {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return journal.Event{Seq: seq, Line: int(seq), Time: t0.Add(time.Duration(seq) * time.Minute), Actor: "alice", Type: typ, Data: b}
}

func TestEveryEventTypeDecodes(t *testing.T) {
	seen := map[string]bool{}
	for _, want := range samplePayloads() {
		typ := want.EventType()
		seen[typ] = true
		got, err := Decode(eventOf(t, typ, want, 1))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if reflect.TypeOf(got) != reflect.TypeOf(want) {
			t.Errorf("%s decodes to %T, want %T", typ, got, want)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if string(a) != string(b) {
			t.Errorf("%s round trip:\n got %s\nwant %s", typ, a, b)
		}
		if d := DescribePayload(got); d == "" || d == typ && typ != EvAcknowledged || strings.HasPrefix(d, typ+" {") {
			t.Errorf("%s has no description of its own: %q", typ, d)
		}
	}
	types := EventTypes()
	sort.Strings(types)
	for _, typ := range types {
		if !seen[typ] {
			t.Errorf("event type %s has no sample in samplePayloads", typ)
		}
	}
	if len(types) != len(seen) {
		t.Errorf("%d event types decode, %d samples", len(types), len(seen))
	}
}

func TestUnknownEventTypeIsKeptNotUndecodable(t *testing.T) {
	e := journal.Event{Seq: 4, Type: "pager.acked", Data: json.RawMessage(`{"by":"pagerduty"}`)}
	p, err := Decode(e)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := p.(Unknown); !ok || u.EventType() != "pager.acked" {
		t.Fatalf("got %#v", p)
	}
	s := NewState(nil)
	s.Apply(e)
	if s.Unknown != 1 || len(s.Undecodable) != 0 {
		t.Errorf("unknown %d, undecodable %v", s.Unknown, s.Undecodable)
	}
	if d := Describe(e); d != `pager.acked {"by":"pagerduty"}` {
		t.Errorf("describe %q", d)
	}
}

func TestMalformedPayloadIsReportedWithItsLine(t *testing.T) {
	cases := []struct {
		name, typ, data, want string
	}{
		{"a step id that is a number", EvStepDone, `{"step":5}`, "cannot unmarshal number"},
		{"a step event without its step", EvStepSkipped, `{"reason":"no time"}`, `field "step" is missing or empty`},
		{"a note that is a string, not an object", EvNote, `"error rate 40%"`, "not a JSON object"},
		{"a null payload", EvEscalated, `null`, "not a JSON object"},
		{"an array payload", EvNotified, `[1,2]`, "not a JSON object"},
		{"a severity change to nowhere", EvSeverityChanged, `{"from":"critical","reason":"x"}`, `field "to"`},
		{"a follow-up without its id", EvFollowUpAdded, `{"owner":"bob","text":"x"}`, `field "id"`},
		{"a follow-up done without its id", EvFollowUpDone, `{}`, `field "id"`},
		{"a follow-up due that is no date", EvFollowUpAdded, `{"id":"F1","due":"tomorrow"}`, "cannot parse"},
		{"a started without an id", EvStarted, `{"title":"x","severity":"high"}`, `field "id"`},
		{"a role assignment without the role", EvRoleAssigned, `{"to":"bob"}`, `field "role"`},
		{"a check without its name", EvCheckRun, `{"status":"pass"}`, `field "check"`},
		{"a close whose forced flag is text", EvClosed, `{"forced":"yes"}`, "cannot unmarshal string"},
		{"an attachment without its kind", EvAttached, `{"path":"/x"}`, `field "kind"`},
		{"an inject with no inject id", EvDrillInject, `{"title":"x"}`, `field "inject"`},
		{"a drill clock with drill time as text", EvDrillPaused, `{"drill_ns":"5m"}`, "cannot unmarshal string"},
		{"a verdict without its expectation", EvDrillExpectation, `{"inject":"i1"}`, `field "expectation"`},
		{"an acknowledgement that is a number", EvAcknowledged, `1`, "not a JSON object"},
		{"an outage that ends before it starts", EvImpact, `{"window":"W1","service":"api","level":"full","start":"2026-11-27T10:00:00Z","end":"2026-11-27T09:00:00Z"}`, "is not after start"},
		{"an outage of no level", EvImpact, `{"window":"W1","service":"api","level":"most","start":"2026-11-27T10:00:00Z"}`, `level "most"`},
		{"an outage without a start", EvImpact, `{"window":"W1","service":"api","level":"full"}`, `field "start"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := journal.Event{Seq: 7, Line: 7, Time: t0, Type: c.typ, Data: json.RawMessage(c.data)}
			_, err := Decode(e)
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *PayloadError", err)
			}
			if pe.Line != 7 || pe.Seq != 7 || pe.Type != c.typ || !strings.Contains(pe.Err, c.want) {
				t.Errorf("got %+v, want line 7 and %q", pe, c.want)
			}
			if !strings.HasPrefix(pe.Error(), "line 7 (seq 7): "+c.typ+" event: payload does not decode: ") {
				t.Errorf("message %q", pe.Error())
			}
			s := NewState(nil)
			s.Apply(e)
			if len(s.Undecodable) != 1 || s.Undecodable[0].Line != 7 || s.Events != 1 || s.LastSeq != 7 {
				t.Errorf("state: undecodable %v, events %d, last seq %d", s.Undecodable, s.Events, s.LastSeq)
			}
			if d := Describe(e); !strings.Contains(d, "undecodable") {
				t.Errorf("describe %q", d)
			}
		})
	}
}

// A journal written by something other than muster (or an older, buggy muster) can
// hold an event that verifies but does not decode: the fold keeps going, show and
// verify name the line.
func TestUndecodableEventInAJournalIsCountedAndVerifyNamesTheLine(t *testing.T) {
	c := newClock("2026-11-27T15:30:00Z")
	st, inc := startIncident(t, c, "high")
	if err := inc.AddNote("error rate 40%", ""); err != nil {
		t.Fatal(err)
	}
	inc.Close()
	j, err := journal.Open(inc.Dir, journal.WithActor("script@ci"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append("script@ci", EvStepDone, map[string]any{"step": 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append("script@ci", EvEscalated, map[string]any{"to": "incident lead", "reason": "down"}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.State.Undecodable); n != 1 || v.State.Undecodable[0].Line != 3 {
		t.Fatalf("undecodable %+v", v.State.Undecodable)
	}
	if len(v.State.Escalations) != 1 || len(v.State.Notes) != 1 {
		t.Errorf("the fold stopped at the bad line: %d escalations, %d notes", len(v.State.Escalations), len(v.State.Notes))
	}
	js, _ := json.Marshal(v.State)
	if !strings.Contains(string(js), `"undecodable":[{"line":3,"seq":3,"type":"step.done","error":`) {
		t.Errorf("state JSON: %s", js)
	}
	rep, err := Verify(inc.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Problems) != 1 {
		t.Fatalf("verify: %+v", rep.Problems)
	}
	if got := rep.Problems[0].String(); !strings.HasPrefix(got, "line 3 (seq 3): step.done event: payload does not decode: json: cannot unmarshal number") {
		t.Errorf("problem %q", got)
	}
}

func TestVerifyOfAJournalThatDecodesIsTheJournalsVerdict(t *testing.T) {
	c := newClock("2026-11-27T15:30:00Z")
	_, inc := startIncident(t, c, "high")
	if err := inc.AddNote("ok", ""); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(inc.Dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep.Problems)
	}
	want, _ := journal.Verify(inc.Dir)
	if rep.Summary() != want.Summary() {
		t.Errorf("summary %q, journal says %q", rep.Summary(), want.Summary())
	}
	if _, err := Verify(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("verify of a missing directory: no error")
	}
}

func TestAppendRefusesAPayloadItCouldNotReadBack(t *testing.T) {
	c := newClock("2026-11-27T15:30:00Z")
	_, inc := startIncident(t, c, "high")
	before := eventCount(t, inc)
	_, err := inc.AppendEvent(EvDrillInject, map[string]any{"title": "no inject id"})
	if err == nil || !strings.Contains(err.Error(), "cannot read back") {
		t.Fatalf("got %v", err)
	}
	if _, err := inc.AppendEvent(EvDrillInject, map[string]any{"inject": 3}); err == nil {
		t.Fatal("an inject id that is a number was written")
	}
	if n := eventCount(t, inc); n != before {
		t.Errorf("%d events written", n-before)
	}
	if _, err := inc.AppendEvent("custom.thing", map[string]any{"x": 1}); err != nil {
		t.Errorf("an event type muster does not know is refused: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range samplePayloads() {
		b, _ := json.Marshal(p)
		f.Add(p.EventType(), b)
	}
	f.Add(EvStepDone, []byte(`{"step":5}`))
	f.Add(EvNote, []byte(`null`))
	f.Add("pager.acked", []byte(`{}`))
	f.Add(EvNote, []byte(`{"text":"a","text":"b\u0041"}`))
	f.Add(EvNotified, []byte(` {"audience":"all","Message":"x"} `))
	reference := map[string]func([]byte) (Payload, error){
		EvNote: unmarshalAs[Note], EvStepDone: unmarshalAs[StepMarkedDone], EvStepUndone: unmarshalAs[StepUndone],
		EvNotified: unmarshalAs[Notice], EvEscalated: unmarshalAs[Escalation], EvRoleAssigned: unmarshalAs[RoleAssignment],
	}
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		e := journal.Event{Seq: 1, Line: 1, Type: typ, Data: data}
		p, err := Decode(e)
		if (p == nil) == (err == nil) {
			t.Fatalf("payload %v and error %v", p, err)
		}
		// The decode is the journal's check that data is JSON (journal.Scan), and a
		// payload of strings is read without json.Unmarshal: both as encoding/json says.
		if _, valid, _ := decodeChecked(e); valid != json.Valid(data) {
			t.Fatalf("%q: valid JSON %v", data, valid)
		}
		if ref, ok := reference[typ]; ok {
			want, werr := ref(data)
			if (err == nil) != (werr == nil) || err == nil && !reflect.DeepEqual(p, want) {
				t.Fatalf("%q: decoded %#v, %v; json.Unmarshal %#v, %v", data, p, err, want, werr)
			}
		}
		if err == nil && p.EventType() != typ {
			t.Fatalf("%s decoded as %s", typ, p.EventType())
		}
		_ = Describe(e)
		s := NewState(nil)
		s.Apply(e)
		if err != nil && len(s.Undecodable) != 1 {
			t.Fatal("an undecodable event was not listed")
		}
	})
}

// unmarshalAs is decoderOf's decode by json.Unmarshal alone.
func unmarshalAs[T Payload](data []byte) (Payload, error) {
	var p T
	if d := bytes.TrimSpace(data); len(d) == 0 || d[0] != '{' {
		return nil, errNotObject
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	if c, ok := any(p).(checker); ok {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	return p, nil
}
