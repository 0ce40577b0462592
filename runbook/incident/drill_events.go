package incident

import "time"

// A drill's records. Package scenarios writes them into the drill incident's journal
// (every inject, decision, verdict and facilitator action is one of these); their
// payloads live here so that Decode reads every event muster writes in one place, and
// the incident's timeline describes them without importing scenarios.
// A type is never renamed once written: journals outlive releases.
const (
	EvDrillStarted     = "drill.started"     // DrillStarted, right after the incident's started
	EvDrillInject      = "drill.inject"      // InjectDelivered: an inject was delivered
	EvDrillDecision    = "drill.decision"    // DecisionTaken: a decision was taken or defaulted
	EvDrillExpectation = "drill.expectation" // ExpectationVerdict: a verdict (met, overdue, late, missed)
	EvDrillPaused      = "drill.paused"      // DrillPaused: the facilitator paused the drill clock
	EvDrillResumed     = "drill.resumed"     // DrillResumed
	EvDrillSpeed       = "drill.speed"       // DrillSpeed: Speed and From
	EvDrillSkip        = "drill.skip"        // DrillSkip: To and Inject: the clock jumped to the next inject
	EvDrillAdHoc       = "drill.adhoc"       // AdHocInject: an inject the facilitator wrote during the drill
	EvDrillStop        = "drill.stop"        // DrillStop: the facilitator ended the drill early
	EvDrillEnded       = "drill.ended"       // DrillEnded
	EvDrillFinalised   = "drill.finalised"   // DrillFinalised: the improvement plan became follow-ups
)

// DrillStarted starts the drill: the scenario, the seed, the pool picks it drew and
// the clock.
type DrillStarted struct {
	Scenario   string            `json:"scenario"`
	Version    string            `json:"version"`
	Digest     string            `json:"digest"`
	Title      string            `json:"title"`
	File       string            `json:"file"` // the frozen copy in the incident directory
	Seed       uint64            `json:"seed"`
	Speed      float64           `json:"speed"`
	Picks      map[string]string `json:"picks,omitempty"` // pool id → the inject drawn
	StoryStart time.Time         `json:"story_start"`
	Real       time.Time         `json:"real"`
}

// InjectDelivered is an inject delivered to the players. Due and Drill are drill time
// (nanoseconds since the start); Drill equals Due unless the facilitator triggered it.
type InjectDelivered struct {
	Inject  string `json:"inject"`
	Title   string `json:"title"`
	From    string `json:"from"`
	Channel string `json:"channel"`
	Module  string `json:"module,omitempty"`
	Reason  string `json:"reason"` // at, after, branch, trigger
	// A trigger of a pool's undrawn variant replaces the drawn one, which then never
	// fires: the pool and the inject it replaced.
	Pool     string    `json:"pool,omitempty"`
	Replaces string    `json:"replaces,omitempty"`
	Due      int64     `json:"due_ns"`
	Drill    int64     `json:"drill_ns"`
	Story    time.Time `json:"story"`
	Real     time.Time `json:"real"`
}

// DecisionTaken is a decision taken by the facilitator for the team, or the default
// when its time ran out.
type DecisionTaken struct {
	Inject string    `json:"inject"`
	Option string    `json:"option"`
	Label  string    `json:"label"`
	By     string    `json:"by"` // facilitator or timeout
	Goto   string    `json:"goto,omitempty"`
	Points int       `json:"points"`
	Drill  int64     `json:"drill_ns"`
	Real   time.Time `json:"real"`
}

// ExpectationVerdict is a verdict on an expectation.
type ExpectationVerdict struct {
	Inject      string    `json:"inject"`
	Expectation string    `json:"expectation"`
	Kind        string    `json:"kind"`
	Text        string    `json:"text"`
	Verdict     string    `json:"verdict"`
	Deadline    int64     `json:"deadline_ns"`       // drill time
	Done        int64     `json:"done_ns,omitempty"` // drill time the team did it (met, late)
	By          uint64    `json:"by_seq,omitempty"`  // the journal event that met it
	Points      int       `json:"points"`
	Max         int       `json:"max"`
	Drill       int64     `json:"drill_ns"`
	Real        time.Time `json:"real"`
}

// DrillClock is the shape of a facilitator action on the drill clock.
type DrillClock struct {
	Drill  int64     `json:"drill_ns"` // drill time when it happened
	Real   time.Time `json:"real"`
	Speed  float64   `json:"speed,omitempty"`  // drill.speed: the new speed
	From   float64   `json:"from,omitempty"`   // drill.speed: the old speed
	To     int64     `json:"to_ns,omitempty"`  // drill.skip: drill time after the jump
	Inject string    `json:"inject,omitempty"` // drill.skip: the inject skipped to
}

// DrillPaused is the payload of drill.paused.
type DrillPaused DrillClock

// DrillResumed is the payload of drill.resumed.
type DrillResumed DrillClock

// DrillSpeed is the payload of drill.speed.
type DrillSpeed DrillClock

// DrillSkip is the payload of drill.skip.
type DrillSkip DrillClock

// DrillStop is the payload of drill.stop.
type DrillStop DrillClock

// AdHocInject is an inject the facilitator wrote during the drill.
type AdHocInject struct {
	ID      string    `json:"id"` // adhoc-1, adhoc-2, ...
	From    string    `json:"from"`
	Channel string    `json:"channel"`
	Title   string    `json:"title"`
	Body    string    `json:"body,omitempty"`
	Module  string    `json:"module,omitempty"`
	Drill   int64     `json:"drill_ns"`
	Story   time.Time `json:"story"`
	Real    time.Time `json:"real"`
}

// DrillEnded ends the drill with its score.
type DrillEnded struct {
	Reason string     `json:"reason"` // planned duration reached, stopped by the facilitator, every inject played
	Drill  int64      `json:"drill_ns"`
	Real   time.Time  `json:"real"`
	Score  DrillScore `json:"score"`
}

// DrillFinalised records which follow-up each improvement plan item became.
type DrillFinalised struct {
	Items []FinalisedItem `json:"items"`
	Real  time.Time       `json:"real"`
}

// FinalisedItem links an improvement plan item to its follow-up.
type FinalisedItem struct {
	Item     string `json:"item"`     // IP1, IP2, ...
	FollowUp string `json:"followup"` // F1, F2, ...
}

// DrillScore is how the team did so far: expectation points (met in full, late half,
// missed none) plus decision points, against what the fired injects made possible.
type DrillScore struct {
	Points     int `json:"points"`
	Max        int `json:"max"`
	Met        int `json:"met"`
	Late       int `json:"late"`
	Missed     int `json:"missed"`
	Overdue    int `json:"overdue"`
	Pending    int `json:"pending"`
	NotReached int `json:"not_reached"`
}

// Percent is Points of Max, 0 when nothing could be scored.
func (s DrillScore) Percent() int {
	if s.Max <= 0 {
		return 0
	}
	return s.Points * 100 / s.Max
}

func (DrillStarted) EventType() string       { return EvDrillStarted }
func (InjectDelivered) EventType() string    { return EvDrillInject }
func (DecisionTaken) EventType() string      { return EvDrillDecision }
func (ExpectationVerdict) EventType() string { return EvDrillExpectation }
func (DrillPaused) EventType() string        { return EvDrillPaused }
func (DrillResumed) EventType() string       { return EvDrillResumed }
func (DrillSpeed) EventType() string         { return EvDrillSpeed }
func (DrillSkip) EventType() string          { return EvDrillSkip }
func (DrillStop) EventType() string          { return EvDrillStop }
func (AdHocInject) EventType() string        { return EvDrillAdHoc }
func (DrillEnded) EventType() string         { return EvDrillEnded }
func (DrillFinalised) EventType() string     { return EvDrillFinalised }

func (p DrillStarted) check() error    { return need("scenario", p.Scenario) }
func (p InjectDelivered) check() error { return need("inject", p.Inject) }
func (p DecisionTaken) check() error   { return need("inject", p.Inject) }
func (p ExpectationVerdict) check() error {
	return need("inject", p.Inject, "expectation", p.Expectation)
}
func (p AdHocInject) check() error { return need("id", p.ID) }

// DrillTime is the drill time a drill record carries (its drill_ns), and false for
// any other payload.
func DrillTime(p Payload) (time.Duration, bool) {
	switch p := p.(type) {
	case InjectDelivered:
		return time.Duration(p.Drill), true
	case DecisionTaken:
		return time.Duration(p.Drill), true
	case ExpectationVerdict:
		return time.Duration(p.Drill), true
	case DrillPaused:
		return time.Duration(p.Drill), true
	case DrillResumed:
		return time.Duration(p.Drill), true
	case DrillSpeed:
		return time.Duration(p.Drill), true
	case DrillSkip:
		return time.Duration(p.Drill), true
	case DrillStop:
		return time.Duration(p.Drill), true
	case AdHocInject:
		return time.Duration(p.Drill), true
	case DrillEnded:
		return time.Duration(p.Drill), true
	}
	return 0, false
}
