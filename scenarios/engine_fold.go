package scenarios

import (
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
	// An event whose payload does not decode is left out here; the drill incident's
	// State lists it, and show, verify and the TUI report it.
	p, err := incident.Decode(ev)
	if err != nil {
		e.undecodable++
		return
	}
	switch p := p.(type) {
	case incident.Started:
		e.openedReal, e.startSev, e.severity = ev.Time, p.Severity, p.Severity
	case incident.DrillStarted:
		if !e.started {
			e.started, e.start = true, p
			e.addSegment(p.Real, 0, p.Speed, false)
			if e.rb != nil && len(e.rb.Phases) > 0 {
				e.phaseEntered[e.rb.Phases[0].Name] = 0
			}
		}
	case incident.InjectDelivered:
		e.applyInject(ev, p)
	case incident.DecisionTaken:
		if i, ok := e.sc.injectIndex[p.Inject]; ok && !e.inj[i].decided {
			st := &e.inj[i]
			st.decided, st.option, st.decidedAt, st.decidedBy, st.decSeq = true, p.Option, time.Duration(p.Drill), p.By, ev.Seq
			st.decPoints = p.Points
		}
	case incident.ExpectationVerdict:
		if i, ok := e.sc.injectIndex[p.Inject]; ok {
			for j, x := range e.sc.Injects[i].Expects {
				if x.ID == p.Expectation {
					e.verdicts[i][j] = p.Verdict
				}
			}
		}
	case incident.DrillPaused:
		if e.started {
			e.addSegment(p.Real, time.Duration(p.Drill), e.speed, true)
		}
	case incident.DrillResumed:
		if e.started {
			e.addSegment(p.Real, time.Duration(p.Drill), e.speed, false)
		}
	case incident.DrillSpeed:
		if e.started {
			e.addSegment(p.Real, time.Duration(p.Drill), p.Speed, e.paused)
		}
	case incident.DrillSkip:
		if e.started {
			e.addSegment(p.Real, time.Duration(p.To), e.speed, e.paused)
		}
	case incident.DrillStop:
		if e.started {
			e.addSegment(p.Real, time.Duration(p.Drill), e.speed, true)
			e.stopped = true
		}
	case incident.AdHocInject:
		e.adhocs++
		e.feed = append(e.feed, FeedItem{Seq: ev.Seq, Inject: p.ID, AdHoc: true, From: p.From, Channel: p.Channel,
			Title: p.Title, Body: p.Body, Module: p.Module, Reason: "ad hoc", Real: p.Real, Drill: time.Duration(p.Drill), Story: p.Story})
	case incident.DrillEnded:
		if !e.ended {
			e.ended, e.end, e.endSeq = true, p, ev.Seq
			if e.started {
				e.addSegment(p.Real, time.Duration(p.Drill), e.speed, true) // the drill clock stops at the end
			}
		}
	case incident.DrillFinalised:
		e.finalised = &p
	case incident.DrillObservation, incident.DrillRating, incident.DrillHotWash, incident.DrillDiscussion:
		e.applyEvaluation(ev, p)
	case incident.DrillDelivery:
		p.Error = untrusted.Line(p.Error)
		e.undelivered = append(e.undelivered, p)
	case incident.FollowUp:
		e.followUps = append(e.followUps, p)
	case incident.Closed:
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
		e.applyTeam(ev, p)
	}
}

func (e *Engine) applyInject(ev journal.Event, p InjectPayload) {
	i, ok := e.sc.injectIndex[p.Inject]
	if !ok || e.inj[i].fired {
		return
	}
	if p.Replaces != "" && p.Pool != "" {
		if e.repicks == nil {
			e.repicks = map[string]string{}
		}
		e.repicks[p.Pool] = p.Inject
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
func (e *Engine) applyTeam(ev journal.Event, p incident.Payload) {
	known := true
	at := time.Duration(0)
	if e.started {
		at = e.drillAt(ev.Time)
	}
	act := action{at: at, real: ev.Time, seq: ev.Seq, actor: ev.Actor}
	record := func(kind, key string) {
		if !e.ended {
			act.kind, act.key = kind, key
			e.actions = append(e.actions, act)
		}
	}
	switch p := p.(type) {
	case incident.StepMarkedDone:
		e.stepAction(p.Step, at)
		if _, done := e.stepDone[p.Step]; !done && !e.ended {
			act.kind, act.key = ExpectStep, p.Step
			e.stepDone[p.Step] = act
		}
	case incident.StepMarkedSkipped:
		e.stepAction(p.Step, at)
	case incident.StepUndone:
		e.stepAction(p.Step, at)
	case incident.Note:
		record(ExpectEvidence, p.Text)
	case incident.Attached:
		record(ExpectEvidence, p.Path)
	case incident.Escalation:
		record(ExpectEscalation, p.To)
	case incident.Notice:
		record(ExpectNotify, p.Audience)
	case incident.SeverityChange:
		e.severity = p.To
		record(ExpectSeverity, p.To)
	case incident.CheckRun:
		// A check that could not run (error) was not run: it meets no expectation.
		if p.Status != "error" && p.Status != "unknown" {
			record(ExpectBackupCheck, p.Check)
		}
	case incident.Acknowledged, incident.RoleAssignment, incident.FollowUpDone, incident.Recovered:
	default:
		known = false
	}
	if known && !e.ended && e.started {
		e.teamEvents = append(e.teamEvents, teamEvent{Seq: ev.Seq, At: at, Real: ev.Time, Actor: untrusted.Line(ev.Actor), Type: ev.Type, What: incident.Describe(ev)})
	}
}

// stepAction enters the phase of a step the team acted on.
func (e *Engine) stepAction(step string, at time.Duration) {
	if e.ended || e.rb == nil {
		return
	}
	if st, ok := e.rb.Step(step); ok {
		if _, seen := e.phaseEntered[st.Phase]; !seen {
			e.phaseEntered[st.Phase] = at
		}
	}
}
