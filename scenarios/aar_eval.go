package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// TaskRating is one critical task of an objective (the Exercise Evaluation Guide's
// rows): rated from its expectations and the evaluators' observations, or by an
// evaluator with a reason.
type TaskRating struct {
	ID           string   `json:"id"`
	Text         string   `json:"text"`
	Rating       string   `json:"rating"`   // P, S, M, U or - (not rated)
	Computed     string   `json:"computed"` // what muster rated before any override
	Meaning      string   `json:"meaning"`
	Override     *Rating  `json:"override,omitempty"`
	Met          int      `json:"met"`
	Late         int      `json:"late"`
	Missed       int      `json:"missed"`
	Open         int      `json:"open"`
	NotReached   int      `json:"not_reached"`
	Observations []string `json:"observations,omitempty"` // O1, O2, ...
}

// ExecutiveSummary is the AAR's first page: the major strengths and the primary
// areas for improvement.
type ExecutiveSummary struct {
	Text         string   `json:"text,omitempty"` // written by the facilitator in the draft
	Strengths    []string `json:"major_strengths"`
	Improvements []string `json:"primary_areas_for_improvement"`
}

// RoleAssignment maps a scenario role to the person who played it.
type RoleAssignment struct {
	Role   string `json:"role"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Person string `json:"person,omitempty"`
}

// ModuleDiscussion is a module's discussion questions with the answers recorded.
type ModuleDiscussion struct {
	Module    string               `json:"module"`
	Title     string               `json:"title"`
	Questions []DiscussionQuestion `json:"questions"`
}

// DiscussionQuestion is one question and its answer (empty when none was recorded).
type DiscussionQuestion struct {
	Question string `json:"question"`
	Answer   string `json:"answer,omitempty"`
	By       string `json:"by,omitempty"`
}

// HotWashQuestion is a hot wash question with every participant's answer.
type HotWashQuestion struct {
	Question string          `json:"question"`
	Answers  []HotWashAnswer `json:"answers"`
}

// adjust folds the evaluators' observations into a rating computed from
// expectations: with nothing else to go on, observations rate it alone (strengths
// only P, both S, improvements only M); an area for improvement keeps a P from
// standing.
func adjust(computed string, strengths, improvements int) string {
	switch {
	case strengths+improvements == 0:
		return computed
	case computed == "-" && improvements == 0:
		return "P"
	case computed == "-" && strengths == 0:
		return "M"
	case computed == "-":
		return "S"
	case computed == "P" && improvements > 0:
		return "S"
	}
	return computed
}

// evaluate adds the evaluation to the objective ratings of a: critical tasks,
// evaluators' observations among the strengths and areas for improvement, and the
// evaluators' overrides.
func (e *Engine) evaluate(a *AAR, byKey map[string]ExpectationStatus) {
	for k := range a.Objectives {
		r := &a.Objectives[k]
		o, _ := e.sc.Objective(r.ID)
		var strengths, improvements int
		for _, ob := range e.eval.observations {
			if ob.Objective != r.ID {
				continue
			}
			obs := Observation{Source: "evaluator", ID: ob.ID, Task: ob.Task, Text: ob.Text, Observation: ob.Text, By: ob.By,
				Reference: fmt.Sprintf("evaluator %s at %s", ob.By, formatOffset(durationOf(ob.Drill))),
				Analysis:  ob.RootCause, Recommendation: ob.Recommendation}
			if ob.Kind == Strength {
				r.Strengths = append(r.Strengths, obs)
				strengths++
			} else {
				obs.Verdict = "observed"
				r.Improvements = append(r.Improvements, obs)
				improvements++
			}
		}
		r.Computed = adjust(r.Rating, strengths, improvements)
		r.Rating = r.Computed
		if ov, ok := e.eval.ratings[ratingKey(r.ID, "")]; ok {
			ovc := ov
			r.Override, r.Rating = &ovc, ov.Rating
		}
		r.Meaning = RatingMeaning[r.Rating]
		if o == nil {
			continue
		}
		for _, t := range o.Tasks {
			tr := TaskRating{ID: t.ID, Text: t.Text}
			for i := range e.sc.Injects {
				in := &e.sc.Injects[i]
				for j := range in.Expects {
					if x := &in.Expects[j]; x.Objective == r.ID && x.Task == t.ID {
						switch byKey[in.ID+"/"+x.ID].Verdict {
						case NotReached:
							tr.NotReached++
						case Met:
							tr.Met++
						case Late:
							tr.Late++
						case Missed:
							tr.Missed++
						default:
							tr.Open++
						}
					}
				}
			}
			tmp := ObjectiveRating{Met: tr.Met, Late: tr.Late, Missed: tr.Missed, Open: tr.Open}
			rate(&tmp)
			var s, imp int
			for _, ob := range e.eval.observations {
				if ob.Objective == r.ID && ob.Task == t.ID {
					tr.Observations = append(tr.Observations, ob.ID)
					if ob.Kind == Strength {
						s++
					} else {
						imp++
					}
				}
			}
			tr.Computed = adjust(tmp.Rating, s, imp)
			tr.Rating = tr.Computed
			if ov, ok := e.eval.ratings[ratingKey(r.ID, t.ID)]; ok {
				ovc := ov
				tr.Override, tr.Rating = &ovc, ov.Rating
			}
			tr.Meaning = RatingMeaning[tr.Rating]
			r.Tasks = append(r.Tasks, tr)
		}
	}
}

// executiveSummary picks the major strengths (objectives performed without or with
// some challenges, evaluators' strengths) and the primary areas for improvement
// (objectives with major challenges or unable to be performed, evaluators' areas for
// improvement, missed expectations).
func executiveSummary(a *AAR) ExecutiveSummary {
	s := ExecutiveSummary{Strengths: []string{}, Improvements: []string{}}
	for _, r := range a.Objectives {
		switch r.Rating {
		case "P", "S":
			s.Strengths = append(s.Strengths, fmt.Sprintf("%s (%s): %s", r.Text, r.Rating, r.Meaning))
		case "M", "U":
			s.Improvements = append(s.Improvements, fmt.Sprintf("%s (%s): %s", r.Text, r.Rating, r.Meaning))
		}
		for _, o := range r.Strengths {
			if o.Source == "evaluator" {
				s.Strengths = append(s.Strengths, o.Text+" (observed by "+o.By+")")
			}
		}
		for _, o := range r.Improvements {
			switch {
			case o.Source == "evaluator":
				s.Improvements = append(s.Improvements, o.Text+" (observed by "+o.By+")")
			case o.Verdict == Missed:
				s.Improvements = append(s.Improvements, o.Text+" was not done")
			}
		}
	}
	return s
}

// roleAssignments maps the scenario's roles to the people the incident assigned them
// to (muster incident assign --role, matched on the role's id or name, any case).
func (e *Engine) roleAssignments(v *incident.View) []RoleAssignment {
	out := []RoleAssignment{}
	for _, r := range e.sc.Roles {
		ra := RoleAssignment{Role: r.ID, Name: r.Name, Kind: r.Kind}
		var keys []string
		for k := range v.State.Roles {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.EqualFold(k, r.ID) || strings.EqualFold(k, r.Name) {
				ra.Person = untrusted.Line(v.State.Roles[k])
			}
		}
		out = append(out, ra)
	}
	return out
}

func (e *Engine) discussion() []ModuleDiscussion {
	out := []ModuleDiscussion{}
	for _, m := range e.sc.Modules {
		if len(m.Questions) == 0 {
			continue
		}
		md := ModuleDiscussion{Module: m.ID, Title: m.Title}
		for i, q := range m.Questions {
			dq := DiscussionQuestion{Question: q}
			for _, a := range e.eval.discussion {
				if a.Module == m.ID && a.Question == i+1 {
					dq.Answer, dq.By = a.Answer, a.By
				}
			}
			md.Questions = append(md.Questions, dq)
		}
		out = append(out, md)
	}
	return out
}

func (e *Engine) hotWash() []HotWashQuestion {
	out := []HotWashQuestion{}
	for i, q := range e.sc.HotWash {
		hq := HotWashQuestion{Question: q, Answers: []HotWashAnswer{}}
		for _, a := range e.eval.hotwash {
			if a.Question == i+1 {
				hq.Answers = append(hq.Answers, a)
			}
		}
		out = append(out, hq)
	}
	return out
}

// observationPlan is the improvement plan items the evaluators' areas for
// improvement add: their recommendation is the corrective action.
func (e *Engine) observationPlan(start, due time.Time) []PlanItem {
	var out []PlanItem
	for _, ob := range e.eval.observations {
		if ob.Kind != Improvement {
			continue
		}
		it := PlanItem{Objective: ob.Objective, Issue: ob.Text + " (observed by " + ob.By + ")", Action: ob.Recommendation,
			Element: ob.Element, Owner: "incident commander", Start: start, Due: due,
			Reference: fmt.Sprintf("observation %s by %s at %s", ob.ID, ob.By, formatOffset(durationOf(ob.Drill)))}
		if it.Action == "" {
			it.Action = "Find and fix the cause of: " + ob.Text
		}
		if it.Element == "" {
			it.Element = "planning"
		}
		if o, ok := e.sc.Objective(ob.Objective); ok {
			it.Capability = o.Capability
		}
		out = append(out, it)
	}
	return out
}

func durationOf(ns int64) time.Duration { return time.Duration(ns) }
