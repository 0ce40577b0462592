package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Evaluation, as HSEEP does it: evaluators record observations against the
// objectives and their critical tasks while the drill runs (and after, until it is
// finalised); each critical task is rated from its expectations and the
// observations, and an evaluator may override a rating with a reason; the hot wash
// collects every participant's answers to the scenario's questions once the drill
// has ended; the facilitator records the answers to each module's discussion
// questions. Each is a journal event of the drill incident, folded by the Engine.

// Observation kinds: a strength or an area for improvement.
const (
	Strength    = "strength"
	Improvement = "improvement"
)

// ObservationKinds lists the kinds an evaluator records.
var ObservationKinds = []string{Strength, Improvement}

// Ratings an evaluator may give (HSEEP).
var Ratings = []string{"P", "S", "M", "U"}

// The evaluation's payloads (see incident's drill_evaluation.go for their fields).
type (
	ObservationPayload = incident.DrillObservation
	RatingPayload      = incident.DrillRating
	HotWashPayload     = incident.DrillHotWash
	DiscussionPayload  = incident.DrillDiscussion
)

// EvaluatorObservation is an observation as the report shows it: who recorded it.
type EvaluatorObservation struct {
	ObservationPayload
	By  string `json:"by"`
	Seq uint64 `json:"seq"`
}

// Rating is an evaluator's override, with who gave it.
type Rating struct {
	RatingPayload
	By string `json:"by"`
}

// HotWashAnswer is a participant's answer, with who recorded it.
type HotWashAnswer struct {
	HotWashPayload
	By string `json:"by"`
}

// DiscussionAnswer is a module question's answer, with who recorded it.
type DiscussionAnswer struct {
	DiscussionPayload
	By string `json:"by"`
}

// evaluation is what the engine folds from the evaluation events.
type evaluation struct {
	observations []EvaluatorObservation
	ratings      map[string]Rating // objective + "/" + task
	hotwash      []HotWashAnswer
	discussion   []DiscussionAnswer
}

func ratingKey(objective, task string) string { return objective + "/" + task }

// applyEvaluation folds an evaluation record.
func (e *Engine) applyEvaluation(ev journal.Event, p incident.Payload) {
	by := untrusted.Line(ev.Actor)
	switch p := p.(type) {
	case incident.DrillObservation:
		e.eval.observations = append(e.eval.observations, EvaluatorObservation{ObservationPayload: p, By: by, Seq: ev.Seq})
	case incident.DrillRating:
		if e.eval.ratings == nil {
			e.eval.ratings = map[string]Rating{}
		}
		e.eval.ratings[ratingKey(p.Objective, p.Task)] = Rating{RatingPayload: p, By: by}
	case incident.DrillHotWash:
		a := HotWashAnswer{HotWashPayload: p, By: by}
		for i, old := range e.eval.hotwash {
			if old.Participant == p.Participant && old.Question == p.Question {
				e.eval.hotwash[i] = a
				return
			}
		}
		e.eval.hotwash = append(e.eval.hotwash, a)
	case incident.DrillDiscussion:
		a := DiscussionAnswer{DiscussionPayload: p, By: by}
		for i, old := range e.eval.discussion {
			if old.Module == p.Module && old.Question == p.Question {
				e.eval.discussion[i] = a
				return
			}
		}
		e.eval.discussion = append(e.eval.discussion, a)
	}
}

// evaluating checks that evaluation can still be recorded: from the start until the
// drill is finalised (its incident then closes).
func (e *Engine) evaluating() error {
	switch {
	case !e.started:
		return refuse("the drill has not started")
	case e.finalised != nil || e.closed:
		return refuse("the drill is finalised: its evaluation is closed")
	}
	return nil
}

// Observe records an evaluator's observation. Objective is required; task, when
// given, must be one of the objective's critical tasks.
func (e *Engine) Observe(now time.Time, o ObservationPayload) (Record, error) {
	if err := e.evaluating(); err != nil {
		return Record{}, err
	}
	o.Objective, o.Task, o.Kind = untrusted.Field(o.Objective), untrusted.Field(o.Task), untrusted.Field(o.Kind)
	o.Text, o.RootCause, o.Recommendation = untrusted.Field(o.Text), untrusted.Field(o.RootCause), untrusted.Field(o.Recommendation)
	o.Element = untrusted.Field(o.Element)
	if err := e.checkTarget(o.Objective, o.Task); err != nil {
		return Record{}, err
	}
	switch {
	case o.Kind == "":
		return Record{}, refuse("say whether it is a strength or an area for improvement")
	case !inList(ObservationKinds, o.Kind):
		return Record{}, refuse("kind %q is not strength or improvement", o.Kind)
	case o.Text == "":
		return Record{}, refuse("an observation needs what was seen")
	case o.Element != "" && !inList(Elements, o.Element):
		return Record{}, refuse("element %q is not one of %s", o.Element, strings.Join(Elements, ", "))
	}
	d := e.DrillTime(now)
	o.ID, o.Drill, o.Real = fmt.Sprintf("O%d", len(e.eval.observations)+1), int64(d), now.UTC()
	return Record{Type: EvObservation, Payload: o}, nil
}

// Rate records an evaluator's rating of an objective (task "") or a critical task,
// overriding muster's; the reason is required.
func (e *Engine) Rate(now time.Time, objective, task, rating, reason string) (Record, error) {
	if err := e.evaluating(); err != nil {
		return Record{}, err
	}
	objective, task, rating, reason = untrusted.Field(objective), untrusted.Field(task), strings.ToUpper(untrusted.Field(rating)), untrusted.Field(reason)
	if err := e.checkTarget(objective, task); err != nil {
		return Record{}, err
	}
	switch {
	case !inList(Ratings, rating):
		return Record{}, refuse("rating %q is not one of P, S, M, U", rating)
	case reason == "":
		return Record{}, refuse("an evaluator's rating needs a reason (--reason)")
	}
	return Record{Type: EvRating, Payload: RatingPayload{Objective: objective, Task: task, Rating: rating, Reason: reason,
		Drill: int64(e.DrillTime(now)), Real: now.UTC()}}, nil
}

// HotWash records a participant's answer to hot wash question n (1-based), once the
// drill has ended.
func (e *Engine) HotWash(now time.Time, participant string, n int, answer string) (Record, error) {
	if err := e.evaluating(); err != nil {
		return Record{}, err
	}
	participant, answer = untrusted.Field(participant), untrusted.Field(answer)
	qs := e.sc.HotWash
	switch {
	case !e.ended:
		return Record{}, refuse("the hot wash is held once the drill has ended")
	case len(qs) == 0:
		return Record{}, refuse("scenario %s has no hot wash questions", e.sc.ID)
	case n < 1 || n > len(qs):
		return Record{}, refuse("question %d: the hot wash has questions 1 to %d", n, len(qs))
	case participant == "":
		return Record{}, refuse("name the participant who answers")
	case answer == "":
		return Record{}, refuse("the answer is empty")
	}
	return Record{Type: EvHotWash, Payload: HotWashPayload{Participant: participant, Question: n, Text: qs[n-1], Answer: answer, Real: now.UTC()}}, nil
}

// Discuss records the answer to discussion question n (1-based) of a module.
func (e *Engine) Discuss(now time.Time, module string, n int, answer string) (Record, error) {
	if err := e.evaluating(); err != nil {
		return Record{}, err
	}
	module, answer = untrusted.Field(module), untrusted.Field(answer)
	m, ok := e.sc.Module(module)
	switch {
	case !ok:
		var ids []string
		for _, m := range e.sc.Modules {
			ids = append(ids, m.ID)
		}
		return Record{}, refuse("scenario %s has no module %q (modules: %s)", e.sc.ID, module, strings.Join(ids, ", "))
	case n < 1 || n > len(m.Questions):
		return Record{}, refuse("module %s has questions 1 to %d, not %d", module, len(m.Questions), n)
	case answer == "":
		return Record{}, refuse("the answer is empty")
	}
	return Record{Type: EvDiscussion, Payload: DiscussionPayload{Module: module, Question: n, Text: m.Questions[n-1], Answer: answer,
		Drill: int64(e.DrillTime(now)), Real: now.UTC()}}, nil
}

// checkTarget refuses an unknown objective, or a task that is not one of its
// critical tasks.
func (e *Engine) checkTarget(objective, task string) error {
	o, ok := e.sc.Objective(objective)
	if !ok {
		var ids []string
		for _, o := range e.sc.Objectives {
			ids = append(ids, o.ID)
		}
		return refuse("scenario %s has no objective %q (objectives: %s)", e.sc.ID, objective, strings.Join(ids, ", "))
	}
	if task == "" {
		return nil
	}
	if _, ok := o.Task(task); !ok {
		var ids []string
		for _, t := range o.Tasks {
			ids = append(ids, t.ID)
		}
		if len(ids) == 0 {
			return refuse("objective %s has no critical tasks", objective)
		}
		return refuse("objective %s has no critical task %q (tasks: %s)", objective, task, strings.Join(ids, ", "))
	}
	return nil
}

// Observations returns every evaluator observation, in the order recorded.
func (e *Engine) Observations() []EvaluatorObservation {
	return append([]EvaluatorObservation(nil), e.eval.observations...)
}

// Observe, Rate, HotWash and Discuss on a Drill record the evaluation through its
// journal; they are allowed after the end, until the drill is finalised.

// Observe records an evaluator's observation.
func (d *Drill) Observe(now time.Time, o ObservationPayload) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Observe(now, o) })
}

// Rate records an evaluator's rating with its reason.
func (d *Drill) Rate(now time.Time, objective, task, rating, reason string) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Rate(now, objective, task, rating, reason) })
}

// HotWash records a participant's hot wash answer.
func (d *Drill) HotWash(now time.Time, participant string, n int, answer string) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.HotWash(now, participant, n, answer) })
}

// Discuss records the answer to a module's discussion question.
func (d *Drill) Discuss(now time.Time, module string, n int, answer string) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Discuss(now, module, n, answer) })
}

// Observations returns the evaluators' observations so far.
func (d *Drill) Observations() []EvaluatorObservation {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.Observations()
}
