package scenarios

import (
	"strings"
	"time"
)

// inject due time: when an inject that has not fired becomes due, and why.
func (e *Engine) injectDue(i int) (time.Duration, string, bool) {
	in := &e.sc.Injects[i]
	if in.Pool != "" && e.pick(in.Pool) != in.ID {
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
	if in.Pool != "" && e.pick(in.Pool) != in.ID {
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
	pts := o.Points
	if by == "timeout" && !in.Decision.DefaultScores {
		pts = 0 // a team that let the time run out decided nothing
	}
	return Record{Type: EvDecision, Payload: DecisionPayload{Inject: in.ID, Option: o.ID, Label: o.Label, By: by, Goto: o.Goto, Points: pts,
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
