package scenarios

import (
	"time"
)

// Journal event types of a drill. Every inject, decision, verdict and facilitator
// action is one of these in the drill incident's journal; the incident's fold keeps
// them in its timeline and this package's Engine folds them into the drill's state.
// A type is never renamed once written: journals outlive releases.
const (
	EvDrillStarted = "drill.started"     // StartedPayload, right after the incident's started
	EvInject       = "drill.inject"      // InjectPayload: an inject was delivered
	EvDecision     = "drill.decision"    // DecisionPayload: a decision was taken or defaulted
	EvExpectation  = "drill.expectation" // ExpectationPayload: a verdict (met, overdue, late, missed)
	EvPaused       = "drill.paused"      // ClockPayload: the facilitator paused the drill clock
	EvResumed      = "drill.resumed"     // ClockPayload
	EvSpeed        = "drill.speed"       // ClockPayload with Speed and From
	EvSkip         = "drill.skip"        // ClockPayload with To and Inject: the clock jumped to the next inject
	EvAdHoc        = "drill.adhoc"       // AdHocPayload: an inject the facilitator wrote during the drill
	EvStop         = "drill.stop"        // ClockPayload: the facilitator ended the drill early
	EvEnded        = "drill.ended"       // EndedPayload
	EvFinalised    = "drill.finalised"   // FinalisedPayload: the improvement plan became follow-ups
)

// StartedPayload starts the drill: the scenario, the seed, the pool picks it drew and
// the clock.
type StartedPayload struct {
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

// InjectPayload is an inject delivered to the players. Due and Drill are drill time
// (nanoseconds since the start); Drill equals Due unless the facilitator triggered it.
type InjectPayload struct {
	Inject  string    `json:"inject"`
	Title   string    `json:"title"`
	From    string    `json:"from"`
	Channel string    `json:"channel"`
	Module  string    `json:"module,omitempty"`
	Reason  string    `json:"reason"` // at, after, branch, trigger
	Due     int64     `json:"due_ns"`
	Drill   int64     `json:"drill_ns"`
	Story   time.Time `json:"story"`
	Real    time.Time `json:"real"`
}

// DecisionPayload is a decision taken by the facilitator for the team, or the default
// when its time ran out.
type DecisionPayload struct {
	Inject string    `json:"inject"`
	Option string    `json:"option"`
	Label  string    `json:"label"`
	By     string    `json:"by"` // facilitator or timeout
	Goto   string    `json:"goto,omitempty"`
	Points int       `json:"points"`
	Drill  int64     `json:"drill_ns"`
	Real   time.Time `json:"real"`
}

// Verdicts of an expectation. Overdue is provisional: the deadline passed and the
// team may still act (late). Met, late and missed are final.
const (
	Pending    = "pending"
	Met        = "met"
	Overdue    = "overdue"
	Late       = "late"
	Missed     = "missed"
	NotReached = "not reached" // its inject never fired
)

// ExpectationPayload is a verdict on an expectation.
type ExpectationPayload struct {
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

// ClockPayload is a facilitator action on the drill clock.
type ClockPayload struct {
	Drill  int64     `json:"drill_ns"` // drill time when it happened
	Real   time.Time `json:"real"`
	Speed  float64   `json:"speed,omitempty"`  // drill.speed: the new speed
	From   float64   `json:"from,omitempty"`   // drill.speed: the old speed
	To     int64     `json:"to_ns,omitempty"`  // drill.skip: drill time after the jump
	Inject string    `json:"inject,omitempty"` // drill.skip: the inject skipped to
}

// AdHocPayload is an inject the facilitator wrote during the drill.
type AdHocPayload struct {
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

// EndedPayload ends the drill with its score.
type EndedPayload struct {
	Reason string    `json:"reason"` // planned duration reached, stopped by the facilitator, every inject played
	Drill  int64     `json:"drill_ns"`
	Real   time.Time `json:"real"`
	Score  Score     `json:"score"`
}

// FinalisedPayload records which follow-up each improvement plan item became.
type FinalisedPayload struct {
	Items []FinalisedItem `json:"items"`
	Real  time.Time       `json:"real"`
}

// FinalisedItem links an improvement plan item to its follow-up.
type FinalisedItem struct {
	Item     string `json:"item"`     // IP1, IP2, ...
	FollowUp string `json:"followup"` // F1, F2, ...
}

// Score is how the team did so far: expectation points (met in full, late half,
// missed none) plus decision points, against what the fired injects made possible.
type Score struct {
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
func (s Score) Percent() int {
	if s.Max <= 0 {
		return 0
	}
	return s.Points * 100 / s.Max
}
