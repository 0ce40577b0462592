package scenarios

import (
	"encoding/json"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

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
