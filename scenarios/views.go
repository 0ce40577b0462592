package scenarios

import (
	"time"
)

// FeedItem is an inject as the players received it, in the order delivered.
type FeedItem struct {
	Seq     uint64        `json:"seq"`    // the journal event that delivered it
	Inject  string        `json:"inject"` // the inject id, or adhoc-N
	AdHoc   bool          `json:"adhoc,omitempty"`
	From    string        `json:"from"`
	To      []string      `json:"to,omitempty"`
	Channel string        `json:"channel"`
	Title   string        `json:"title"`
	Body    string        `json:"body,omitempty"`  // Markdown, cleaned
	Notes   string        `json:"notes,omitempty"` // facilitator notes: never show them to players
	Module  string        `json:"module,omitempty"`
	Reason  string        `json:"reason"` // at, after, branch, trigger, ad hoc
	Real    time.Time     `json:"real"`
	Drill   time.Duration `json:"drill_ns"`
	Story   time.Time     `json:"story"`

	index int // into Scenario.Injects; meaningless for ad-hoc injects
}

// DecisionView is a decision put to the players and where it stands.
type DecisionView struct {
	Inject   string        `json:"inject"`
	Prompt   string        `json:"prompt"`
	Role     string        `json:"role,omitempty"`
	Options  []Option      `json:"options"`
	Default  string        `json:"default"`
	Deadline time.Duration `json:"deadline_ns"` // drill time the default is taken
	Open     bool          `json:"open"`
	Chosen   string        `json:"chosen,omitempty"`
	By       string        `json:"by,omitempty"` // facilitator or timeout
	Points   int           `json:"points"`       // what the answer earned (a timeout: nothing unless default_scores)
	At       time.Duration `json:"at_ns,omitempty"`
}

// ExpectationStatus is one expectation and its verdict at an instant.
type ExpectationStatus struct {
	Inject    string        `json:"inject"`
	ID        string        `json:"id"`
	Kind      string        `json:"kind"`
	Text      string        `json:"text"`
	Objective string        `json:"objective"`
	Step      string        `json:"step,omitempty"`
	Verdict   string        `json:"verdict"`
	Fired     time.Duration `json:"fired_ns"`    // drill time of its inject (when reached)
	Deadline  time.Duration `json:"deadline_ns"` // drill time
	Done      time.Duration `json:"done_ns"`     // drill time the team did it (met, late)
	By        string        `json:"by,omitempty"`
	Seq       uint64        `json:"seq,omitempty"` // the journal event that met it
	Points    int           `json:"points"`
	Max       int           `json:"max"`
	Within    time.Duration `json:"within_ns"`
}

// Status is the drill at an instant: the clocks, the current module and its
// discussion questions, what comes next, open decisions and the score so far.
type Status struct {
	Scenario      string         `json:"scenario"`
	Title         string         `json:"title"`
	Started       bool           `json:"started"`
	Paused        bool           `json:"paused"`
	Stopping      bool           `json:"stopping"`
	Ended         bool           `json:"ended"`
	EndReason     string         `json:"end_reason,omitempty"`
	Speed         float64        `json:"speed"`
	Seed          uint64         `json:"seed"`
	Drill         time.Duration  `json:"drill_ns"`
	Story         time.Time      `json:"story"`
	Planned       time.Duration  `json:"planned_ns"`
	Module        *Module        `json:"module,omitempty"`
	NextInject    string         `json:"next_inject,omitempty"` // facilitator's eyes only
	NextDue       time.Duration  `json:"next_due_ns,omitempty"`
	Waiting       []string       `json:"waiting,omitempty"` // injects waiting for the team (step done, phase entered)
	OpenDecisions []DecisionView `json:"open_decisions,omitempty"`
	Score         Score          `json:"score"`
	Injects       int            `json:"injects"` // delivered so far, ad-hoc included
	// Undelivered lists the injects a role's webhook did not take, oldest first.
	Undelivered []DeliveryPayload `json:"undelivered,omitempty"`
}

// Feed returns every inject delivered so far, oldest first.
func (e *Engine) Feed() []FeedItem {
	return append([]FeedItem(nil), e.feed...)
}

// Status returns the drill at now.
func (e *Engine) Status(now time.Time) Status {
	d := e.DrillTime(now)
	s := Status{Scenario: e.sc.ID, Title: e.sc.Title, Started: e.started, Paused: e.paused && !e.stopped, Stopping: e.stopped && !e.ended,
		Ended: e.ended, EndReason: e.end.Reason, Speed: e.speed, Seed: e.start.Seed, Drill: d, Story: e.Story(d),
		Planned: e.sc.PlannedDuration, Score: e.scoreAt(d, false), Injects: len(e.feed), Undelivered: append([]DeliveryPayload(nil), e.undelivered...)}
	if m, ok := e.sc.Module(e.module); ok {
		mc := *m
		s.Module = &mc
	}
	if e.ended {
		return s
	}
	best := time.Duration(-1)
	for i := range e.sc.Injects {
		if e.inj[i].fired {
			continue
		}
		if due, _, ok := e.injectDue(i); ok {
			if best < 0 || due < best {
				best, s.NextInject, s.NextDue = due, e.sc.Injects[i].ID, due
			}
		} else if a := e.sc.Injects[i].After; a != nil && a.Inject == "" && e.canStillFire(i, map[int]bool{}) {
			s.Waiting = append(s.Waiting, e.sc.Injects[i].ID)
		}
	}
	for _, dv := range e.Decisions() {
		if dv.Open {
			s.OpenDecisions = append(s.OpenDecisions, dv)
		}
	}
	return s
}

// Decisions returns the decisions of every fired inject, open or taken.
func (e *Engine) Decisions() []DecisionView {
	var out []DecisionView
	for _, f := range e.feed {
		if f.AdHoc {
			continue
		}
		in := &e.sc.Injects[f.index]
		if in.Decision == nil {
			continue
		}
		st := &e.inj[f.index]
		out = append(out, DecisionView{Inject: in.ID, Prompt: in.Decision.Prompt, Role: in.Decision.Role, Options: in.Decision.Options,
			Default: in.Decision.Default, Deadline: st.at + in.Decision.Timeout, Open: !st.decided, Chosen: st.option, By: st.decidedBy, At: st.decidedAt, Points: st.decPoints})
	}
	return out
}

// Expectations returns every expectation of the scenario with its verdict at now, in
// scenario order.
func (e *Engine) Expectations(now time.Time) []ExpectationStatus {
	d := e.DrillTime(now)
	var out []ExpectationStatus
	for i := range e.sc.Injects {
		in := &e.sc.Injects[i]
		for j := range in.Expects {
			x := &in.Expects[j]
			v, a := e.verdict(i, j, d)
			es := ExpectationStatus{Inject: in.ID, ID: x.ID, Kind: x.Kind, Text: x.Text, Objective: x.Objective, Step: x.Step, Verdict: v,
				Points: points(x, v), Max: x.Points, Within: x.Within}
			if e.inj[i].fired {
				es.Fired, es.Deadline = e.inj[i].at, e.inj[i].at+x.Within
			}
			if v == Met || v == Late {
				es.Done, es.By, es.Seq = a.at, a.actor, a.seq
			}
			out = append(out, es)
		}
	}
	return out
}

// scoreAt adds up the expectations and decisions of the fired injects at drill time d.
func (e *Engine) scoreAt(d time.Duration, ending bool) Score {
	var s Score
	for i := range e.sc.Injects {
		in := &e.sc.Injects[i]
		st := &e.inj[i]
		for j := range in.Expects {
			x := &in.Expects[j]
			v, _ := e.verdict(i, j, d)
			if ending && !final(v) && v != NotReached {
				v = Missed
			}
			switch v {
			case NotReached:
				s.NotReached++
				continue
			case Met:
				s.Met++
			case Late:
				s.Late++
			case Missed:
				s.Missed++
			case Overdue:
				s.Overdue++
			case Pending:
				s.Pending++
			}
			s.Points += points(x, v)
			s.Max += x.Points
		}
		if in.Decision != nil && st.fired {
			s.Max += in.Decision.MaxPoints()
			if st.decided {
				s.Points += st.decPoints
			}
		}
	}
	return s
}
