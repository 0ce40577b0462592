package scenarios

import (
	"fmt"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
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

	repicks  map[string]string // pool → the variant a facilitator's trigger put in place of the draw
	inj      []injectState     // parallel to sc.Injects
	verdicts [][]string        // recorded verdict per inject and expectation
	feed     []FeedItem
	adhocs   int

	undecodable int               // events whose payload does not decode (the incident's State lists them)
	undelivered []DeliveryPayload // injects a role's webhook did not take
	module      string

	eval  evaluation // observations, ratings, hot wash, discussion answers
	draft *Draft     // the facilitator's edits to the after-action report, if any

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
	decPoints int // what the decision earned, as recorded
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

// pick is the variant pool plays: the draw, or the one a facilitator triggered in
// its place.
func (e *Engine) pick(pool string) string {
	if p, ok := e.repicks[pool]; ok {
		return p
	}
	return e.start.Picks[pool]
}

// Undecodable counts the events the engine left out because their payload does not
// decode; the drill incident's State lists them.
func (e *Engine) Undecodable() int { return e.undecodable }

// LastSeq is the sequence number of the last event applied.
func (e *Engine) LastSeq() uint64 { return e.lastSeq }

func refuse(format string, a ...any) error {
	return &incident.Refused{Reason: fmt.Sprintf(format, a...)}
}
