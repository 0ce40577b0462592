package incident

import (
	"fmt"
	"time"
)

// A drill's evaluation records (HSEEP): evaluators' observations and ratings, the hot
// wash, the answers to the modules' discussion questions. Package scenarios writes
// and folds them; they live here so Decode reads them with every other event.
const (
	EvDrillObservation = "drill.observation" // DrillObservation: what an evaluator saw
	EvDrillRating      = "drill.rating"      // DrillRating: an evaluator's rating, with a reason
	EvDrillHotWash     = "drill.hotwash"     // DrillHotWash: a participant's hot wash answer
	EvDrillDiscussion  = "drill.discussion"  // DrillDiscussion: the answer to a module's question
)

// DrillObservation is what an evaluator saw: a strength or an area for improvement
// of an objective (and one of its critical tasks).
type DrillObservation struct {
	ID             string    `json:"id"` // O1, O2, ...
	Objective      string    `json:"objective"`
	Task           string    `json:"task,omitempty"`
	Kind           string    `json:"kind"` // strength or improvement
	Text           string    `json:"text"`
	RootCause      string    `json:"root_cause,omitempty"`
	Recommendation string    `json:"recommendation,omitempty"`
	Element        string    `json:"element,omitempty"` // POETE element of the corrective action
	Drill          int64     `json:"drill_ns"`
	Real           time.Time `json:"real"`
}

// DrillRating is an evaluator's rating of an objective (Task empty) or of one of its
// critical tasks, overriding the computed one. The latest counts.
type DrillRating struct {
	Objective string    `json:"objective"`
	Task      string    `json:"task,omitempty"`
	Rating    string    `json:"rating"` // P, S, M or U
	Reason    string    `json:"reason"`
	Drill     int64     `json:"drill_ns"`
	Real      time.Time `json:"real"`
}

// DrillHotWash is one participant's answer to a hot wash question. A later answer
// by the same participant to the same question replaces it.
type DrillHotWash struct {
	Participant string    `json:"participant"`
	Question    int       `json:"question"` // 1-based, in the scenario's hot_wash list
	Text        string    `json:"text"`     // the question as asked
	Answer      string    `json:"answer"`
	Real        time.Time `json:"real"`
}

// DrillDiscussion is the room's answer to a module's discussion question. A later
// answer replaces it.
type DrillDiscussion struct {
	Module   string    `json:"module"`
	Question int       `json:"question"` // 1-based, in the module's questions
	Text     string    `json:"text"`
	Answer   string    `json:"answer"`
	Drill    int64     `json:"drill_ns"`
	Real     time.Time `json:"real"`
}

func (DrillObservation) EventType() string { return EvDrillObservation }
func (DrillRating) EventType() string      { return EvDrillRating }
func (DrillHotWash) EventType() string     { return EvDrillHotWash }
func (DrillDiscussion) EventType() string  { return EvDrillDiscussion }

func (p DrillObservation) check() error {
	return need("id", p.ID, "objective", p.Objective, "kind", p.Kind, "text", p.Text)
}
func (p DrillRating) check() error { return need("objective", p.Objective, "rating", p.Rating) }
func (p DrillHotWash) check() error {
	if p.Question < 1 {
		return fmt.Errorf("question %d: questions count from 1", p.Question)
	}
	return need("participant", p.Participant, "answer", p.Answer)
}
func (p DrillDiscussion) check() error {
	if p.Question < 1 {
		return fmt.Errorf("question %d: questions count from 1", p.Question)
	}
	return need("module", p.Module, "answer", p.Answer)
}

// describeEvaluation is DescribePayload for the evaluation records.
func describeEvaluation(p Payload) (string, bool) {
	switch p := p.(type) {
	case DrillObservation:
		target := p.Objective
		if p.Task != "" {
			target += "/" + p.Task
		}
		return fmt.Sprintf("observation %s (%s, %s): %s", p.ID, p.Kind, target, p.Text), true
	case DrillRating:
		target := "objective " + p.Objective
		if p.Task != "" {
			target = "critical task " + p.Objective + "/" + p.Task
		}
		return fmt.Sprintf("evaluator rated %s %s: %s", target, p.Rating, p.Reason), true
	case DrillHotWash:
		return fmt.Sprintf("hot wash, %s on question %d: %s", p.Participant, p.Question, p.Answer), true
	case DrillDiscussion:
		return fmt.Sprintf("discussion, module %s question %d: %s", p.Module, p.Question, p.Answer), true
	}
	return "", false
}
