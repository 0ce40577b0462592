package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Speed limits of the drill clock.
const (
	MinSpeed = 1.0
	MaxSpeed = 120.0
)

// pcgStream is the second PCG word: the seed picks the sequence, this fixed word
// keeps muster's draws apart from other users of the same seed.
const pcgStream = 0x6d75737465722d31 // "muster-1"

// Record is a journal event the engine asks for: append it with
// inc.AppendEvent(r.Type, r.Payload) and give the event back to Apply.
type Record struct {
	Type    string
	Payload any
}

// Engine is the replay engine: a pure fold over the drill incident's journal events
// (the team's actions and the drill's own records) plus a planner that says which
// record is due at a given instant. It has no clock, no goroutine and does no I/O:
// the caller gives it "now" and the events. Not safe for concurrent use (Drill is).
type Engine struct {
	sc  *Scenario
	rb  *runbook.Runbook
	pol *runbook.Policy

	lastSeq    uint64
	openedReal time.Time
	startSev   string
	severity   string
	closed     bool

	started bool
	start   StartedPayload
	segs    []segment
	speed   float64
	paused  bool
	stopped bool
	ended   bool
	end     EndedPayload
	endSeq  uint64

	finalised *FinalisedPayload
	followUps []incident.FollowUp

	inj      []injectState // parallel to sc.Injects
	verdicts [][]string    // recorded verdict per inject and expectation
	feed     []FeedItem
	adhocs   int
	module   string

	stepDone     map[string]action
	phaseEntered map[runbook.PhaseName]time.Duration
	actions      []action // evidence, escalations, notices, severity changes, checks
	teamEvents   []teamEvent
}

type segment struct {
	real   time.Time
	drill  time.Duration
	speed  float64
	paused bool
}

type injectState struct {
	fired     bool
	due, at   time.Duration
	real      time.Time
	reason    string
	seq       uint64
	sevAtFire string

	decided   bool
	option    string
	decidedAt time.Duration
	decidedBy string
	decSeq    uint64
}

// action is something the team did that an expectation can be met by.
type action struct {
	kind  string // step, evidence, escalation, notify, severity, backup-check
	key   string // step id, escalation target, audience, level, check name, or note text / file name
	at    time.Duration
	real  time.Time
	seq   uint64
	actor string
}

// teamEvent is any team action in the journal, for the timelines.
type teamEvent struct {
	Seq   uint64
	At    time.Duration
	Real  time.Time
	Actor string
	Type  string
	What  string
}

// NewEngine returns the engine of a drill of sc played with runbook rb under policy
// pol (nil: the default policy). Give it the incident's events with Apply.
func NewEngine(sc *Scenario, rb *runbook.Runbook, pol *runbook.Policy) *Engine {
	if pol == nil {
		pol = runbook.DefaultPolicy()
	}
	e := &Engine{
		sc: sc, rb: rb, pol: pol,
		inj:          make([]injectState, len(sc.Injects)),
		verdicts:     make([][]string, len(sc.Injects)),
		stepDone:     map[string]action{},
		phaseEntered: map[runbook.PhaseName]time.Duration{},
	}
	for i, in := range sc.Injects {
		e.verdicts[i] = make([]string, len(in.Expects))
	}
	if len(sc.Modules) > 0 {
		e.module = sc.Modules[0].ID
	}
	return e
}

// Scenario returns the scenario the engine plays.
func (e *Engine) Scenario() *Scenario { return e.sc }

// Started reports whether drill.started has been applied.
func (e *Engine) Started() bool { return e.started }

// Ended reports whether the drill has ended.
func (e *Engine) Ended() bool { return e.ended }

// Seed is the seed the pools were drawn with.
func (e *Engine) Seed() uint64 { return e.start.Seed }

// Picks returns the inject drawn for each pool.
func (e *Engine) Picks() map[string]string { return e.start.Picks }

// LastSeq is the sequence number of the last event applied.
func (e *Engine) LastSeq() uint64 { return e.lastSeq }

func refuse(format string, a ...any) error {
	return &incident.Refused{Reason: fmt.Sprintf(format, a...)}
}

// ---- the drill clock ----

// drillAt maps a real instant to drill time through the clock's segments (speed
// changes, pauses, skips).
func (e *Engine) drillAt(real time.Time) time.Duration {
	if len(e.segs) == 0 {
		return 0
	}
	i := len(e.segs) - 1
	for i > 0 && e.segs[i].real.After(real) {
		i--
	}
	s := e.segs[i]
	if s.paused || !real.After(s.real) {
		return s.drill
	}
	return s.drill + time.Duration(float64(real.Sub(s.real))*s.speed)
}

// drillNow is drill time at now; it never goes back before the last clock change.
func (e *Engine) drillNow(now time.Time) time.Duration {
	d := e.drillAt(now)
	if n := len(e.segs); n > 0 && d < e.segs[n-1].drill {
		d = e.segs[n-1].drill
	}
	return d
}

// realAt is the real instant drill time d is reached on the running clock.
func (e *Engine) realAt(d time.Duration) (time.Time, bool) {
	if len(e.segs) == 0 {
		return time.Time{}, false
	}
	s := e.segs[len(e.segs)-1]
	if s.paused {
		return time.Time{}, false
	}
	if d <= s.drill {
		return s.real, true
	}
	t := time.Duration(math.Ceil(float64(d-s.drill) / s.speed))
	for e.drillAt(s.real.Add(t)) < d {
		t++
	}
	return s.real.Add(t), true
}

func (e *Engine) addSegment(real time.Time, drill time.Duration, speed float64, paused bool) {
	e.segs = append(e.segs, segment{real: real, drill: drill, speed: speed, paused: paused})
	e.speed, e.paused = speed, paused
}

// DrillTime is drill time at now: real time elapsed since the start times the speed,
// without the pauses, plus any skips.
func (e *Engine) DrillTime(now time.Time) time.Duration {
	if e.ended {
		return time.Duration(e.end.Drill)
	}
	return e.drillNow(now)
}

// Story is the in-game clock at drill time d.
func (e *Engine) Story(d time.Duration) time.Time { return e.sc.StoryStart.Add(d) }

// ---- folding events ----

// Apply folds one journal event of the drill incident into the engine. Events must
// come in journal order; an event already applied (by sequence number) is ignored, so
// the whole journal can be given again.
func (e *Engine) Apply(ev journal.Event) {
	if ev.Seq != 0 {
		if ev.Seq <= e.lastSeq {
			return
		}
		e.lastSeq = ev.Seq
	}
	switch ev.Type {
	case incident.EvStarted:
		var p incident.Started
		if decode(ev, &p) {
			e.openedReal, e.startSev, e.severity = ev.Time, p.Severity, p.Severity
		}
	case EvDrillStarted:
		var p StartedPayload
		if decode(ev, &p) && !e.started {
			e.started, e.start = true, p
			e.addSegment(p.Real, 0, p.Speed, false)
			if e.rb != nil && len(e.rb.Phases) > 0 {
				e.phaseEntered[e.rb.Phases[0].Name] = 0
			}
		}
	case EvInject:
		var p InjectPayload
		if decode(ev, &p) {
			e.applyInject(ev, p)
		}
	case EvDecision:
		var p DecisionPayload
		if decode(ev, &p) {
			if i, ok := e.sc.injectIndex[p.Inject]; ok && !e.inj[i].decided {
				st := &e.inj[i]
				st.decided, st.option, st.decidedAt, st.decidedBy, st.decSeq = true, p.Option, time.Duration(p.Drill), p.By, ev.Seq
			}
		}
	case EvExpectation:
		var p ExpectationPayload
		if decode(ev, &p) {
			if i, ok := e.sc.injectIndex[p.Inject]; ok {
				for j, x := range e.sc.Injects[i].Expects {
					if x.ID == p.Expectation {
						e.verdicts[i][j] = p.Verdict
					}
				}
			}
		}
	case EvPaused, EvResumed, EvSpeed, EvSkip, EvStop:
		var p ClockPayload
		if !decode(ev, &p) || !e.started {
			return
		}
		switch ev.Type {
		case EvPaused:
			e.addSegment(p.Real, time.Duration(p.Drill), e.speed, true)
		case EvResumed:
			e.addSegment(p.Real, time.Duration(p.Drill), e.speed, false)
		case EvSpeed:
			e.addSegment(p.Real, time.Duration(p.Drill), p.Speed, e.paused)
		case EvSkip:
			e.addSegment(p.Real, time.Duration(p.To), e.speed, e.paused)
		case EvStop:
			e.addSegment(p.Real, time.Duration(p.Drill), e.speed, true)
			e.stopped = true
		}
	case EvAdHoc:
		var p AdHocPayload
		if decode(ev, &p) {
			e.adhocs++
			e.feed = append(e.feed, FeedItem{Seq: ev.Seq, Inject: p.ID, AdHoc: true, From: p.From, Channel: p.Channel,
				Title: p.Title, Body: p.Body, Module: p.Module, Reason: "ad hoc", Real: p.Real, Drill: time.Duration(p.Drill), Story: p.Story})
		}
	case EvEnded:
		var p EndedPayload
		if decode(ev, &p) && !e.ended {
			e.ended, e.end, e.endSeq = true, p, ev.Seq
			if e.started {
				e.addSegment(p.Real, time.Duration(p.Drill), e.speed, true) // the drill clock stops at the end
			}
		}
	case EvFinalised:
		var p FinalisedPayload
		if decode(ev, &p) {
			e.finalised = &p
		}
	case incident.EvFollowUpAdded:
		var p incident.FollowUp
		if decode(ev, &p) {
			e.followUps = append(e.followUps, p)
		}
	case incident.EvClosed:
		e.closed = true
		if e.started && !e.ended {
			// Nothing can be appended to a closed incident: the close ends the drill,
			// and the fold alone says so (the same on every rebuild).
			d := e.drillAt(ev.Time)
			e.ended, e.endSeq = true, ev.Seq
			e.end = EndedPayload{Reason: "the incident was closed", Drill: int64(d), Real: ev.Time.UTC(), Score: e.scoreAt(d, true)}
			e.addSegment(ev.Time, d, e.speed, true)
		}
	default:
		e.applyTeam(ev)
	}
}

func decode(e journal.Event, v any) bool { return json.Unmarshal(e.Data, v) == nil }

func (e *Engine) applyInject(ev journal.Event, p InjectPayload) {
	i, ok := e.sc.injectIndex[p.Inject]
	if !ok || e.inj[i].fired {
		return
	}
	st := &e.inj[i]
	st.fired, st.due, st.at, st.real, st.reason, st.seq = true, time.Duration(p.Due), time.Duration(p.Drill), p.Real, p.Reason, ev.Seq
	st.sevAtFire = e.severity
	in := &e.sc.Injects[i]
	if in.Module != "" {
		e.module = in.Module
	}
	e.feed = append(e.feed, FeedItem{Seq: ev.Seq, Inject: in.ID, From: in.From, To: in.To, Channel: in.Channel, Title: in.Title,
		Body: in.Body, Notes: in.Notes, Module: in.Module, Reason: p.Reason, Real: p.Real, Drill: st.at, Story: p.Story, index: i})
}

// applyTeam records the team's actions an expectation can be met by.
func (e *Engine) applyTeam(ev journal.Event) {
	known := true
	at := time.Duration(0)
	if e.started {
		at = e.drillAt(ev.Time)
	}
	act := action{at: at, real: ev.Time, seq: ev.Seq, actor: ev.Actor}
	switch ev.Type {
	case incident.EvStepDone, incident.EvStepSkipped, incident.EvStepUndone:
		var p incident.StepEvent
		if !decode(ev, &p) {
			return
		}
		if e.ended {
			break
		}
		if e.rb != nil {
			if st, ok := e.rb.Step(p.Step); ok {
				if _, seen := e.phaseEntered[st.Phase]; !seen {
					e.phaseEntered[st.Phase] = at
				}
			}
		}
		if ev.Type == incident.EvStepDone {
			if _, done := e.stepDone[p.Step]; !done {
				act.kind, act.key = ExpectStep, p.Step
				e.stepDone[p.Step] = act
			}
		}
	case incident.EvNote:
		var p incident.Note
		if decode(ev, &p) && !e.ended {
			act.kind, act.key = ExpectEvidence, p.Text
			e.actions = append(e.actions, act)
		}
	case incident.EvAttached:
		var a journal.Attachment
		if decode(ev, &a) && !e.ended {
			act.kind, act.key = ExpectEvidence, a.Path
			e.actions = append(e.actions, act)
		}
	case incident.EvEscalated:
		var p incident.Escalation
		if decode(ev, &p) && !e.ended {
			act.kind, act.key = ExpectEscalation, p.To
			e.actions = append(e.actions, act)
		}
	case incident.EvNotified:
		var p incident.Notice
		if decode(ev, &p) && !e.ended {
			act.kind, act.key = ExpectNotify, p.Audience
			e.actions = append(e.actions, act)
		}
	case incident.EvSeverityChanged:
		var p incident.SeverityChange
		if decode(ev, &p) {
			e.severity = p.To
			if !e.ended {
				act.kind, act.key = ExpectSeverity, p.To
				e.actions = append(e.actions, act)
			}
		}
	case incident.EvCheckRun:
		var p incident.CheckRun
		if decode(ev, &p) && !e.ended {
			act.kind, act.key = ExpectBackupCheck, p.Check
			e.actions = append(e.actions, act)
		}
	case incident.EvAcknowledged, incident.EvRoleAssigned, incident.EvFollowUpDone, incident.EvRecovered:
	default:
		known = false
	}
	if known && !e.ended && e.started {
		e.teamEvents = append(e.teamEvents, teamEvent{Seq: ev.Seq, At: at, Real: ev.Time, Actor: untrusted.Line(ev.Actor), Type: ev.Type, What: incident.Describe(ev)})
	}
}

// ---- planning ----

// inject due time: when an inject that has not fired becomes due, and why.
func (e *Engine) injectDue(i int) (time.Duration, string, bool) {
	in := &e.sc.Injects[i]
	if in.Pool != "" && e.start.Picks[in.Pool] != in.ID {
		return 0, "", false
	}
	switch {
	case in.Timed:
		return in.At, "at", true
	case in.After != nil:
		a := in.After
		switch {
		case a.Inject != "":
			j, ok := e.sc.injectIndex[a.Inject]
			if ok && e.inj[j].fired {
				return e.inj[j].at + a.Delay, "after", true
			}
		case a.Step != "":
			if act, ok := e.stepDone[a.Step]; ok {
				return act.at + a.Delay, "after", true
			}
		case a.Phase != "":
			if at, ok := e.phaseEntered[a.Phase]; ok {
				return at + a.Delay, "after", true
			}
		}
		return 0, "", false
	}
	best, found := time.Duration(0), false
	for _, src := range e.sc.gotoSources(in.ID) {
		j := e.sc.injectIndex[src.inject]
		st := e.inj[j]
		if st.fired && st.decided && st.option == src.option {
			if due := st.decidedAt + src.delay; !found || due < best {
				best, found = due, true
			}
		}
	}
	return best, "branch", found
}

// canStillFire reports whether an inject that has not fired may fire later in this
// drill: its pool drew it and what it waits for may still happen.
func (e *Engine) canStillFire(i int, seen map[int]bool) bool {
	if e.inj[i].fired || seen[i] {
		return false
	}
	seen[i] = true
	in := &e.sc.Injects[i]
	if in.Pool != "" && e.start.Picks[in.Pool] != in.ID {
		return false
	}
	switch {
	case in.Timed:
		return true
	case in.After != nil:
		if in.After.Inject != "" {
			j := e.sc.injectIndex[in.After.Inject]
			return e.inj[j].fired || e.canStillFire(j, seen)
		}
		return true // waits for the team's runbook work
	}
	for _, src := range e.sc.gotoSources(in.ID) {
		j := e.sc.injectIndex[src.inject]
		st := e.inj[j]
		switch {
		case st.decided:
			if st.option == src.option {
				return true
			}
		case st.fired:
			return true
		case e.canStillFire(j, seen):
			return true
		}
	}
	return false
}

// satisfied finds the first team action that meets expectation j of inject i, done
// no later than limit (drill time).
func (e *Engine) satisfied(i, j int, limit time.Duration) (action, bool) {
	st := &e.inj[i]
	x := &e.sc.Injects[i].Expects[j]
	switch x.Kind {
	case ExpectStep:
		if a, ok := e.stepDone[x.Step]; ok && a.at <= limit {
			return a, true
		}
		return action{}, false
	case ExpectSeverity:
		if st.sevAtFire == x.Level {
			return action{kind: ExpectSeverity, key: x.Level, at: st.at, real: st.real, seq: st.seq}, true
		}
	}
	for _, a := range e.actions {
		if a.kind != x.Kind || a.at < st.at || a.at > limit {
			continue
		}
		if matches(x, a) {
			return a, true
		}
	}
	return action{}, false
}

func matches(x *Expectation, a action) bool {
	switch x.Kind {
	case ExpectEvidence:
		return x.Match == "" || containsFold(a.key, x.Match)
	case ExpectEscalation:
		return x.To == "" || containsFold(a.key, x.To)
	case ExpectNotify:
		return x.Audience == "" || containsFold(a.key, x.Audience)
	case ExpectSeverity:
		return a.key == x.Level
	case ExpectBackupCheck:
		return a.key == x.Check
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// verdict judges expectation j of inject i at drill time d: met or late once done,
// missed when the drill ended without it, overdue or pending until then.
func (e *Engine) verdict(i, j int, d time.Duration) (string, action) {
	st := &e.inj[i]
	if !st.fired {
		return NotReached, action{}
	}
	x := &e.sc.Injects[i].Expects[j]
	deadline := st.at + x.Within
	limit := d
	if e.ended {
		limit = time.Duration(e.end.Drill)
	}
	if a, ok := e.satisfied(i, j, limit); ok {
		if a.at <= deadline {
			return Met, a
		}
		return Late, a
	}
	switch {
	case e.ended:
		return Missed, action{}
	case d >= deadline:
		return Overdue, action{}
	}
	return Pending, action{}
}

func points(x *Expectation, verdict string) int {
	switch verdict {
	case Met:
		return x.Points
	case Late:
		return x.Points / 2
	}
	return 0
}

func final(v string) bool { return v == Met || v == Late || v == Missed }

// candidate is a record that is due, ordered by drill time, then class, then
// scenario order.
type candidate struct {
	due   time.Duration
	class int // 0 met/late, 1 decision default, 2 inject, 3 overdue
	i, j  int
	rec   Record
}

func (c candidate) before(o candidate) bool {
	if c.due != o.due {
		return c.due < o.due
	}
	if c.class != o.class {
		return c.class < o.class
	}
	if c.i != o.i {
		return c.i < o.i
	}
	return c.j < o.j
}

// endTime is when the drill must end: at a facilitator's stop or the planned
// duration, whichever came first.
func (e *Engine) endTime() time.Duration {
	if e.stopped {
		return e.segs[len(e.segs)-1].drill
	}
	return e.sc.PlannedDuration
}

// Next returns the record due at now, if any: a verdict, a decision's default, an
// inject, or the end of the drill. Append it, give the event to Apply, and ask again
// until it says false. Records are due in drill-time order, so several due at once
// come out in the order the story needs them.
func (e *Engine) Next(now time.Time) (Record, bool) {
	if !e.started || e.ended || e.closed {
		return Record{}, false
	}
	d := e.drillNow(now)
	endAt := e.endTime()
	ending := d >= endAt
	limit := d
	if ending {
		limit = endAt
	}
	var best candidate
	found := false
	consider := func(c candidate) {
		if !found || c.before(best) {
			best, found = c, true
		}
	}
	for i := range e.sc.Injects {
		st := &e.inj[i]
		in := &e.sc.Injects[i]
		if !st.fired {
			if due, reason, ok := e.injectDue(i); ok && (due <= limit && (!ending || due < endAt)) {
				consider(candidate{due: due, class: 2, i: i, rec: e.injectRecord(i, due, due, reason, now)})
			}
			continue
		}
		if in.Decision != nil && !st.decided {
			due := st.at + in.Decision.Timeout
			if due <= limit && (!ending || due < endAt) {
				consider(candidate{due: due, class: 1, i: i, rec: e.decisionRecord(i, in.Decision.Default, "timeout", due, now)})
			}
		}
		for j := range in.Expects {
			rec := e.verdicts[i][j]
			if final(rec) {
				continue
			}
			x := &in.Expects[j]
			deadline := st.at + x.Within
			if a, ok := e.satisfied(i, j, limit); ok {
				v := Met
				if a.at > deadline {
					v = Late
				}
				consider(candidate{due: max(a.at, st.at), class: 0, i: i, j: j, rec: e.verdictRecord(i, j, v, a, max(a.at, st.at), now)})
				continue
			}
			if rec == "" && deadline <= limit && (!ending || deadline < endAt) {
				consider(candidate{due: deadline, class: 3, i: i, j: j, rec: e.verdictRecord(i, j, Overdue, action{}, deadline, now)})
			}
		}
	}
	if found {
		return best.rec, true
	}
	if ending {
		for i := range e.sc.Injects {
			if !e.inj[i].fired {
				continue
			}
			for j := range e.sc.Injects[i].Expects {
				if !final(e.verdicts[i][j]) {
					return e.verdictRecord(i, j, Missed, action{}, endAt, now), true
				}
			}
		}
		reason := "planned duration reached"
		if e.stopped {
			reason = "stopped by the facilitator"
		}
		return e.endRecord(reason, endAt, now), true
	}
	if e.complete() {
		return e.endRecord("every inject played and every expectation met", d, now), true
	}
	return Record{}, false
}

// complete reports whether nothing more can happen: no inject can still fire, no
// decision is open and every expectation of a fired inject is met or late.
func (e *Engine) complete() bool {
	for i := range e.sc.Injects {
		st := &e.inj[i]
		if !st.fired {
			if e.canStillFire(i, map[int]bool{}) {
				return false
			}
			continue
		}
		if e.sc.Injects[i].Decision != nil && !st.decided {
			return false
		}
		for j := range e.sc.Injects[i].Expects {
			if v := e.verdicts[i][j]; v != Met && v != Late {
				return false
			}
		}
	}
	return true
}

func (e *Engine) injectRecord(i int, due, at time.Duration, reason string, now time.Time) Record {
	in := &e.sc.Injects[i]
	return Record{Type: EvInject, Payload: InjectPayload{Inject: in.ID, Title: in.Title, From: in.From, Channel: in.Channel, Module: in.Module,
		Reason: reason, Due: int64(due), Drill: int64(at), Story: e.Story(at), Real: now.UTC()}}
}

func (e *Engine) decisionRecord(i int, option, by string, at time.Duration, now time.Time) Record {
	in := &e.sc.Injects[i]
	o, _ := in.Decision.Option(option)
	return Record{Type: EvDecision, Payload: DecisionPayload{Inject: in.ID, Option: o.ID, Label: o.Label, By: by, Goto: o.Goto, Points: o.Points,
		Drill: int64(at), Real: now.UTC()}}
}

func (e *Engine) verdictRecord(i, j int, verdict string, a action, at time.Duration, now time.Time) Record {
	in := &e.sc.Injects[i]
	x := &in.Expects[j]
	p := ExpectationPayload{Inject: in.ID, Expectation: x.ID, Kind: x.Kind, Text: x.Text, Verdict: verdict,
		Deadline: int64(e.inj[i].at + x.Within), Points: points(x, verdict), Max: x.Points, Drill: int64(at), Real: now.UTC()}
	if verdict == Met || verdict == Late {
		p.Done, p.By = int64(a.at), a.seq
	}
	return Record{Type: EvExpectation, Payload: p}
}

func (e *Engine) endRecord(reason string, at time.Duration, now time.Time) Record {
	return Record{Type: EvEnded, Payload: EndedPayload{Reason: reason, Drill: int64(at), Real: now.UTC(), Score: e.scoreAt(at, true)}}
}

// NextWake is the real instant something will next fall due on its own: an inject, a
// decision's timeout, an expectation's deadline or the planned end. It is false while
// the clock is paused or the drill is over; team actions can make things due sooner.
func (e *Engine) NextWake(now time.Time) (time.Time, bool) {
	if !e.started || e.ended || e.closed {
		return time.Time{}, false
	}
	d := e.drillNow(now)
	next := e.endTime()
	for i := range e.sc.Injects {
		st := &e.inj[i]
		in := &e.sc.Injects[i]
		if !st.fired {
			if due, _, ok := e.injectDue(i); ok && due < next {
				next = due
			}
			continue
		}
		if in.Decision != nil && !st.decided {
			next = min(next, st.at+in.Decision.Timeout)
		}
		for j := range in.Expects {
			if e.verdicts[i][j] == "" {
				next = min(next, st.at+in.Expects[j].Within)
			}
		}
	}
	if next <= d {
		return now, true
	}
	return e.realAt(next)
}

// ---- starting and facilitator actions ----

// StartRecord is the drill.started record: it draws one inject of every pool with a
// PCG generator seeded with seed, and starts the clock at now at the given speed.
func (e *Engine) StartRecord(now time.Time, seed uint64, speed float64, file string) (Record, error) {
	if e.started {
		return Record{}, refuse("the drill has already started")
	}
	if err := checkSpeed(speed); err != nil {
		return Record{}, err
	}
	p := StartedPayload{Scenario: e.sc.ID, Version: e.sc.Version.String(), Digest: e.sc.Digest, Title: e.sc.Title, File: file,
		Seed: seed, Speed: speed, StoryStart: e.sc.StoryStart, Real: now.UTC()}
	if len(e.sc.Pools) > 0 {
		p.Picks = Draw(e.sc, seed)
	}
	return Record{Type: EvDrillStarted, Payload: p}, nil
}

// Draw picks one member of every pool of sc with a PCG generator seeded with seed:
// the same seed always draws the same injects.
func Draw(sc *Scenario, seed uint64) map[string]string {
	r := rand.New(rand.NewPCG(seed, pcgStream))
	picks := map[string]string{}
	for _, pl := range sc.Pools {
		total := 0
		for k := range pl.Members {
			total += weight(pl, k)
		}
		n := r.IntN(total)
		for k, m := range pl.Members {
			if n -= weight(pl, k); n < 0 {
				picks[pl.ID] = m
				break
			}
		}
	}
	return picks
}

func weight(pl Pool, k int) int {
	if pl.Weights == nil {
		return 1
	}
	return pl.Weights[k]
}

func checkSpeed(x float64) error {
	if math.IsNaN(x) || x < MinSpeed || x > MaxSpeed {
		return refuse("speed %gx is out of range: %gx to %gx", x, MinSpeed, MaxSpeed)
	}
	return nil
}

func (e *Engine) running() error {
	switch {
	case !e.started:
		return refuse("the drill has not started")
	case e.ended:
		return refuse("the drill has ended")
	case e.stopped:
		return refuse("the drill is ending")
	case e.closed:
		return refuse("the drill's incident is closed")
	}
	return nil
}

// Pause stops the drill clock: injects, decision timeouts and deadlines wait.
func (e *Engine) Pause(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	if e.paused {
		return Record{}, refuse("the drill is already paused")
	}
	return Record{Type: EvPaused, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC()}}, nil
}

// Resume restarts the drill clock where it stopped.
func (e *Engine) Resume(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	if !e.paused {
		return Record{}, refuse("the drill is not paused")
	}
	return Record{Type: EvResumed, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC()}}, nil
}

// SetSpeed changes how many seconds of drill time pass per real second (1 to 120).
func (e *Engine) SetSpeed(now time.Time, speed float64) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	if err := checkSpeed(speed); err != nil {
		return Record{}, err
	}
	if speed == e.speed {
		return Record{}, refuse("the drill already runs at %gx", speed)
	}
	return Record{Type: EvSpeed, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC(), Speed: speed, From: e.speed}}, nil
}

// Skip moves the drill clock forward to the next scheduled inject.
func (e *Engine) Skip(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	d := e.drillNow(now)
	best, bestI := time.Duration(0), -1
	for i := range e.sc.Injects {
		if e.inj[i].fired {
			continue
		}
		if due, _, ok := e.injectDue(i); ok && due > d && due < e.sc.PlannedDuration && (bestI < 0 || due < best) {
			best, bestI = due, i
		}
	}
	if bestI < 0 {
		return Record{}, refuse("no inject is scheduled after %s: the rest wait for the team or a decision", formatOffset(d))
	}
	return Record{Type: EvSkip, Payload: ClockPayload{Drill: int64(d), Real: now.UTC(), To: int64(best), Inject: e.sc.Injects[bestI].ID}}, nil
}

// Trigger delivers an inject now, whatever its timing: the facilitator's override.
func (e *Engine) Trigger(now time.Time, id string) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	i, ok := e.sc.injectIndex[id]
	if !ok {
		return Record{}, refuse("scenario %s has no inject %q", e.sc.ID, id)
	}
	if e.inj[i].fired {
		return Record{}, refuse("inject %s already fired at %s", id, formatOffset(e.inj[i].at))
	}
	d := e.drillNow(now)
	return e.injectRecord(i, d, d, "trigger", now), nil
}

// AdHoc is an inject the facilitator writes during the drill.
type AdHoc struct {
	From, Channel, Title, Body string
}

// AddAdHoc delivers a new inject written by the facilitator.
func (e *Engine) AddAdHoc(now time.Time, a AdHoc) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	a.From, a.Channel, a.Title, a.Body = untrusted.Field(a.From), untrusted.Field(a.Channel), untrusted.Field(a.Title), untrusted.Block(a.Body)
	if a.Title == "" {
		return Record{}, refuse("an ad-hoc inject needs a title")
	}
	if a.From == "" {
		a.From = "facilitator"
	}
	if a.Channel == "" {
		a.Channel = "chat"
	}
	if !inList(Channels, a.Channel) {
		return Record{}, refuse("channel %q is not one of %s", a.Channel, strings.Join(Channels, ", "))
	}
	d := e.drillNow(now)
	return Record{Type: EvAdHoc, Payload: AdHocPayload{ID: fmt.Sprintf("adhoc-%d", e.adhocs+1), From: a.From, Channel: a.Channel, Title: a.Title,
		Body: a.Body, Module: e.module, Drill: int64(d), Story: e.Story(d), Real: now.UTC()}}, nil
}

// Decide answers a fired inject's open decision.
func (e *Engine) Decide(now time.Time, injectID, option string) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	i, ok := e.sc.injectIndex[injectID]
	if !ok {
		return Record{}, refuse("scenario %s has no inject %q", e.sc.ID, injectID)
	}
	in := &e.sc.Injects[i]
	st := &e.inj[i]
	switch {
	case in.Decision == nil:
		return Record{}, refuse("inject %s asks for no decision", injectID)
	case !st.fired:
		return Record{}, refuse("inject %s has not fired yet", injectID)
	case st.decided:
		return Record{}, refuse("the decision of inject %s was already taken: %s (%s)", injectID, st.option, st.decidedBy)
	}
	if _, ok := in.Decision.Option(option); !ok {
		var ids []string
		for _, o := range in.Decision.Options {
			ids = append(ids, o.ID)
		}
		return Record{}, refuse("the decision of inject %s has no option %q (options: %s)", injectID, option, strings.Join(ids, ", "))
	}
	return e.decisionRecord(i, option, "facilitator", e.drillNow(now), now), nil
}

// Stop ends the drill early: the clock stops, open expectations are missed.
func (e *Engine) Stop(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	return Record{Type: EvStop, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC()}}, nil
}
