package scenarios

import "github.com/muster-ir/muster/runbook/incident"

// Journal event types of a drill. Every inject, decision, verdict and facilitator
// action is one of these in the drill incident's journal; the incident's fold keeps
// them in its timeline and this package's Engine folds them into the drill's state.
// They and their payloads are declared in package incident, whose Decode reads every
// event muster writes (add a new drill record there); the names below are this
// package's words for them.
const (
	EvDrillStarted = incident.EvDrillStarted     // StartedPayload, right after the incident's started
	EvInject       = incident.EvDrillInject      // InjectPayload: an inject was delivered
	EvDecision     = incident.EvDrillDecision    // DecisionPayload: a decision was taken or defaulted
	EvExpectation  = incident.EvDrillExpectation // ExpectationPayload: a verdict (met, overdue, late, missed)
	EvPaused       = incident.EvDrillPaused      // ClockPayload: the facilitator paused the drill clock
	EvResumed      = incident.EvDrillResumed     // ClockPayload
	EvSpeed        = incident.EvDrillSpeed       // ClockPayload with Speed and From
	EvSkip         = incident.EvDrillSkip        // ClockPayload with To and Inject: the clock jumped to the next inject
	EvAdHoc        = incident.EvDrillAdHoc       // AdHocPayload: an inject the facilitator wrote during the drill
	EvStop         = incident.EvDrillStop        // ClockPayload: the facilitator ended the drill early
	EvEnded        = incident.EvDrillEnded       // EndedPayload
	EvFinalised    = incident.EvDrillFinalised   // FinalisedPayload: the improvement plan became follow-ups
	EvObservation  = incident.EvDrillObservation // ObservationPayload: what an evaluator saw
	EvRating       = incident.EvDrillRating      // RatingPayload: an evaluator's rating, with a reason
	EvHotWash      = incident.EvDrillHotWash     // HotWashPayload: a participant's hot wash answer
	EvDiscussion   = incident.EvDrillDiscussion  // DiscussionPayload: the answer to a module's question
	EvDelivery     = incident.EvDrillDelivery    // DeliveryPayload: an inject a role's webhook did not take
)

// The drill's payloads (see incident's drill_events.go for their fields).
type (
	StartedPayload     = incident.DrillStarted
	InjectPayload      = incident.InjectDelivered
	DecisionPayload    = incident.DecisionTaken
	ExpectationPayload = incident.ExpectationVerdict
	ClockPayload       = incident.DrillClock
	AdHocPayload       = incident.AdHocInject
	EndedPayload       = incident.DrillEnded
	FinalisedPayload   = incident.DrillFinalised
	FinalisedItem      = incident.FinalisedItem
	DeliveryPayload    = incident.DrillDelivery
	// Score is how the team did so far: expectation points (met in full, late half,
	// missed none) plus decision points, against what the fired injects made possible.
	Score = incident.DrillScore
)

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
