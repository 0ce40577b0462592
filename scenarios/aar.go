package scenarios

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// AAR is the after-action report of a drill in the HSEEP shape: the exercise overview,
// the analysis of each objective with its P/S/M/U rating, strengths and areas for
// improvement, the improvement plan, the times against the SLA targets and the full
// timeline. It is built from the drill incident's journal alone. JSON names are stable.
type AAR struct {
	Schema       int                    `json:"schema"`
	Status       string                 `json:"status"`             // draft until the drill has ended and been finalised
	Handling     string                 `json:"handling,omitempty"` // the scenario's marking, on every page
	Summary      ExecutiveSummary       `json:"executive_summary"`
	Overview     Overview               `json:"overview"`
	Score        Score                  `json:"score"`
	Objectives   []ObjectiveRating      `json:"objectives"`
	Decisions    []DecisionView         `json:"decisions"`
	Plan         []PlanItem             `json:"improvement_plan"`
	Times        []TimeTarget           `json:"time_to_contain"`
	Replay       *Replay                `json:"replay,omitempty"`
	Expectations []ExpectationStatus    `json:"expectations"`
	Observations []EvaluatorObservation `json:"observations"`
	Discussion   []ModuleDiscussion     `json:"discussion"`
	HotWash      []HotWashQuestion      `json:"hot_wash"`
	Timeline     []TimelineRow          `json:"timeline"`
}

// Overview is the HSEEP exercise overview table.
type Overview struct {
	Name          string            `json:"name"`
	Scenario      string            `json:"scenario"`
	Version       string            `json:"version"`
	Digest        string            `json:"digest"`
	Incident      string            `json:"incident"`
	ExerciseType  string            `json:"exercise_type"`
	Started       time.Time         `json:"started"`
	Ended         time.Time         `json:"ended,omitzero"`
	EndReason     string            `json:"end_reason,omitempty"`
	Planned       time.Duration     `json:"planned_ns"`
	Played        time.Duration     `json:"played_ns"`
	Speeds        []float64         `json:"speeds"`
	Runbook       string            `json:"runbook"`
	Severity      string            `json:"severity"` // at the start
	MissionAreas  []string          `json:"mission_areas,omitempty"`
	Capabilities  []string          `json:"core_capabilities"`
	Objectives    []string          `json:"objectives"`
	Threat        string            `json:"threat,omitempty"`
	Summary       string            `json:"summary"`
	Seed          uint64            `json:"seed"`
	Picks         map[string]string `json:"picks,omitempty"`
	Participants  []Participant     `json:"participants"`
	Roles         []RoleAssignment  `json:"roles"` // the scenario's roles and who played them
	Facilitator   string            `json:"facilitator"`
	Sponsor       string            `json:"sponsor,omitempty"`
	Organisations []string          `json:"participating_organisations,omitempty"`
	Contact       string            `json:"point_of_contact,omitempty"`
}

// Participant is someone who acted in the drill.
type Participant struct {
	Who     string   `json:"who"`
	Roles   []string `json:"roles,omitempty"`
	Actions int      `json:"actions"`
}

// Ratings of HSEEP, from an objective's expectations: P all met; S all done, some
// late; M some missed, some done; U none done.
var RatingMeaning = map[string]string{
	"P": "Performed without challenges",
	"S": "Performed with some challenges",
	"M": "Performed with major challenges",
	"U": "Unable to be performed",
	"-": "Not rated: none of its injects was played",
}

// ObjectiveRating is one objective's analysis.
type ObjectiveRating struct {
	ID           string        `json:"id"`
	Text         string        `json:"text"`
	Capability   string        `json:"core_capability"`
	Targets      []string      `json:"targets,omitempty"`
	Rating       string        `json:"rating"`          // P, S, M, U or - (not rated)
	Computed     string        `json:"computed_rating"` // muster's, before an evaluator's override
	Override     *Rating       `json:"override,omitempty"`
	Tasks        []TaskRating  `json:"critical_tasks"`
	Meaning      string        `json:"meaning"`
	Met          int           `json:"met"`
	Late         int           `json:"late"`
	Missed       int           `json:"missed"`
	Open         int           `json:"open"` // pending or overdue while the drill runs
	NotReached   int           `json:"not_reached"`
	Strengths    []Observation `json:"strengths"`
	Improvements []Observation `json:"areas_for_improvement"`
}

// Observation is a strength or an area for improvement: what was observed, the runbook
// step it concerns and, for an area for improvement, the root-cause question.
type Observation struct {
	Source         string        `json:"source"`       // expectation (muster's verdict) or evaluator
	ID             string        `json:"id,omitempty"` // the evaluator's observation id (O1, ...)
	Task           string        `json:"task,omitempty"`
	By             string        `json:"by,omitempty"`
	Recommendation string        `json:"recommendation,omitempty"`
	Inject         string        `json:"inject,omitempty"`
	Expectation    string        `json:"expectation,omitempty"`
	Text           string        `json:"text"`
	Verdict        string        `json:"verdict,omitempty"`
	Observation    string        `json:"observation"`
	Took           time.Duration `json:"took_ns,omitempty"`
	Within         time.Duration `json:"within_ns"`
	Reference      string        `json:"reference"`
	Step           string        `json:"step,omitempty"`
	Analysis       string        `json:"analysis,omitempty"`
}

// PlanItem is one corrective action of the improvement plan; finalising the drill
// makes it a follow-up of the drill incident.
type PlanItem struct {
	ID           string    `json:"id"` // IP1, IP2, ...
	Capability   string    `json:"core_capability"`
	Objective    string    `json:"objective"`
	Issue        string    `json:"issue"`
	Action       string    `json:"action"`
	Element      string    `json:"element"` // planning, organization, equipment, training, exercise
	Owner        string    `json:"owner"`
	Organisation string    `json:"organisation,omitempty"` // primary responsible organisation
	Contact      string    `json:"point_of_contact,omitempty"`
	Start        time.Time `json:"start"`
	Due          time.Time `json:"due"`
	Reference    string    `json:"reference"`
	FollowUp     string    `json:"followup,omitempty"`
}

// FollowUpText is the follow-up's text: it names the drill and the plan item.
func (p PlanItem) FollowUpText(scenario string) string {
	return "Drill " + scenario + " " + p.ID + ": " + p.Action
}

// PlanDueAfter is how long after the drill a corrective action is due: the 30-day
// draft cadence of HSEEP practice.
const PlanDueAfter = 30 * 24 * time.Hour

// TimeTarget is one measured time against its target, in drill time.
type TimeTarget struct {
	Name      string        `json:"name"` // respond, contain, resolve
	Reached   bool          `json:"reached"`
	Took      time.Duration `json:"took_ns"`
	Target    string        `json:"target"`
	TargetDur time.Duration `json:"target_ns,omitempty"`
	Source    string        `json:"source"`
	Verdict   string        `json:"verdict"`
}

// Replay puts the team's times beside those of the real incident the scenario was
// recorded from.
type Replay struct {
	Incident string          `json:"incident"`
	Redacted bool            `json:"redacted"`
	Rows     []ReplayRow     `json:"rows"`
	Timeline []SideBySideRow `json:"timeline"`
}

// ReplayRow is one of the original responders' actions and the team's time for it.
type ReplayRow struct {
	Text     string        `json:"text"`
	Original time.Duration `json:"original_ns"`
	Team     time.Duration `json:"team_ns,omitempty"`
	Done     bool          `json:"done"`
	Verdict  string        `json:"verdict"`
}

// SideBySideRow is one line of the original timeline or of the team's, by offset.
type SideBySideRow struct {
	At       time.Duration `json:"at_ns"`
	Original string        `json:"original,omitempty"`
	Team     string        `json:"team,omitempty"`
}

// TimelineRow is one journal event of the drill in drill and story time.
type TimelineRow struct {
	Seq   uint64        `json:"seq"`
	Drill time.Duration `json:"drill_ns"`
	Story time.Time     `json:"story"`
	Real  time.Time     `json:"real"`
	Actor string        `json:"actor"`
	Kind  string        `json:"kind"` // inject, decision, verdict, facilitator, team, drill
	Type  string        `json:"type"`
	What  string        `json:"what"`
}

// ImprovementPlan lists a corrective action for every expectation that was late or
// missed (or is overdue while the drill runs).
func (e *Engine) ImprovementPlan() []PlanItem {
	now := e.end.Real
	d := time.Duration(e.end.Drill)
	if !e.ended {
		now, d = e.lastReal(), e.drillNow(e.lastReal())
	}
	start := now.UTC()
	y, m, dd := start.Add(PlanDueAfter).Date()
	due := time.Date(y, m, dd, 23, 59, 59, 0, time.UTC)
	var out []PlanItem
	for i := range e.sc.Injects {
		in := &e.sc.Injects[i]
		for j := range in.Expects {
			x := &in.Expects[j]
			v, _ := e.verdict(i, j, d)
			if v != Late && v != Missed && v != Overdue {
				continue
			}
			obj, _ := e.sc.Objective(x.Objective)
			it := PlanItem{ID: fmt.Sprintf("IP%d", len(out)+1), Objective: x.Objective, Issue: x.Text + " (" + v + ")",
				Action: e.remedy(x), Element: x.Element, Owner: e.owner(x), Start: start, Due: due, Reference: e.reference(in, x)}
			if obj != nil {
				it.Capability = obj.Capability
			}
			out = append(out, it)
		}
	}
	for _, it := range e.observationPlan(start, due) {
		it.ID = fmt.Sprintf("IP%d", len(out)+1)
		out = append(out, it)
	}
	for k := range out {
		out[k].Organisation, out[k].Contact = e.sc.Exercise.Sponsor, e.sc.Exercise.Contact
		e.draft.apply(&out[k])
	}
	if e.finalised != nil {
		for k := range out {
			for _, f := range e.finalised.Items {
				if f.Item == out[k].ID {
					out[k].FollowUp = f.FollowUp
				}
			}
		}
	}
	return out
}

// lastReal is the latest real instant the engine knows of.
func (e *Engine) lastReal() time.Time {
	t := e.start.Real
	if n := len(e.segs); n > 0 && e.segs[n-1].real.After(t) {
		t = e.segs[n-1].real
	}
	for _, f := range e.feed {
		if f.Real.After(t) {
			t = f.Real
		}
	}
	return t
}

func (e *Engine) remedy(x *Expectation) string {
	if x.Remedy != "" {
		return x.Remedy
	}
	within := clockText(x.Within)
	switch x.Kind {
	case ExpectStep:
		title := x.Step
		if e.rb != nil {
			if st, ok := e.rb.Step(x.Step); ok {
				title = st.Title
			}
		}
		return fmt.Sprintf("Rehearse runbook step %s (%s) until it is done within %s", x.Step, title, within)
	case ExpectEscalation:
		return fmt.Sprintf("Put the escalation to %s with its contact details in the runbook and rehearse it within %s", orDefault(x.To, "the right role"), within)
	case ExpectNotify:
		return fmt.Sprintf("Prepare the notice to %s as a template and rehearse sending it within %s", orDefault(x.Audience, "the audience"), within)
	case ExpectSeverity:
		return fmt.Sprintf("Write down when the severity goes to %s and who decides it", x.Level)
	case ExpectBackupCheck:
		return fmt.Sprintf("Make the %s check part of the first response and rehearse running it within %s", x.Check, within)
	case ExpectEvidence:
		return fmt.Sprintf("Rehearse recording evidence (notes, files) within %s of a new finding", within)
	}
	return "Rehearse: " + x.Text
}

func (e *Engine) owner(x *Expectation) string {
	if x.Owner != "" {
		return x.Owner
	}
	if x.Step != "" && e.rb != nil {
		if st, ok := e.rb.Step(x.Step); ok && st.Role != "" {
			return st.Role
		}
	}
	if x.Kind == ExpectNotify {
		return "communications lead"
	}
	return "incident commander"
}

func (e *Engine) reference(in *Inject, x *Expectation) string {
	if x.Step != "" && e.rb != nil {
		if st, ok := e.rb.Step(x.Step); ok {
			return fmt.Sprintf("runbook %s %s, step %s (%s), role %s", e.rb.ID, e.rb.Version, st.ID, st.Title, st.Role)
		}
	}
	return fmt.Sprintf("scenario %s %s, inject %s", e.sc.ID, e.sc.Version, in.ID)
}

func (e *Engine) observation(in *Inject, x *Expectation, es ExpectationStatus) Observation {
	o := Observation{Source: "expectation", Inject: in.ID, Expectation: x.ID, Text: x.Text, Verdict: es.Verdict, Within: x.Within, Reference: e.reference(in, x), Step: x.Step}
	target := clockText(x.Within)
	trigger := fmt.Sprintf("inject %s at %s", in.ID, formatOffset(es.Fired))
	switch es.Verdict {
	case Met, Late:
		o.Took = max(es.Done-es.Fired, 0)
		who := ""
		if es.By != "" {
			who = " by " + es.By
		}
		if es.Verdict == Met {
			o.Observation = fmt.Sprintf("Done%s %s after %s (target %s).", who, clockText(o.Took), trigger, target)
		} else {
			o.Observation = fmt.Sprintf("Done%s %s after %s: %s past the %s target.", who, clockText(o.Took), trigger, clockText(o.Took-x.Within), target)
		}
	case Missed:
		o.Observation = fmt.Sprintf("Not done before the drill ended (target %s after %s).", target, trigger)
	case Overdue:
		o.Observation = fmt.Sprintf("Not done yet; the %s target after %s has passed.", target, trigger)
	}
	if es.Verdict != Met {
		what := "this"
		if x.Step != "" {
			what = "runbook step " + x.Step
		}
		o.Analysis = fmt.Sprintf("What kept the team from \"%s\" within %s: was %s unclear, were access or tools missing, or is it a gap in training?", x.Text, target, what)
	}
	return o
}

func rate(r *ObjectiveRating) {
	done := r.Met + r.Late
	switch {
	case done+r.Missed+r.Open == 0:
		r.Rating = "-"
	case r.Missed == 0 && r.Late == 0 && r.Open == 0:
		r.Rating = "P"
	case r.Missed == 0 && r.Open == 0:
		r.Rating = "S"
	case done > 0:
		r.Rating = "M"
	default:
		r.Rating = "U"
	}
	r.Meaning = RatingMeaning[r.Rating]
}

// BuildAAR builds the after-action report of a drill incident at now.
func BuildAAR(v *incident.View, now time.Time) (*AAR, error) {
	e, err := Rebuild(v)
	if err != nil {
		return nil, err
	}
	return e.Report(v, now), nil
}

// Report builds the after-action report from the engine (folded over v's events) at
// now.
func (e *Engine) Report(v *incident.View, now time.Time) *AAR {
	sc := e.sc
	d := e.DrillTime(now)
	a := &AAR{Schema: 1, Status: "draft", Score: e.scoreAt(d, false)}
	if e.ended && e.finalised != nil {
		a.Status = "final"
	}
	ov := Overview{Name: sc.Title, Scenario: sc.ID, Version: sc.Version.String(), Digest: sc.Digest, Incident: v.State.ID,
		ExerciseType: sc.ExerciseType, Started: e.start.Real, Planned: sc.PlannedDuration, Played: d, Severity: e.startSev,
		MissionAreas: sc.MissionAreas, Threat: sc.Threat, Summary: sc.Summary, Seed: e.start.Seed, Picks: e.start.Picks,
		Facilitator: untrusted.Line(v.State.OpenedBy)}
	if e.rb != nil {
		ov.Runbook = e.rb.ID + " " + e.rb.Version.String()
	}
	if e.ended {
		ov.Ended, ov.EndReason = e.end.Real, e.end.Reason
	}
	speeds := []float64{e.start.Speed}
	for _, s := range e.segs {
		if s.speed != speeds[len(speeds)-1] {
			speeds = append(speeds, s.speed)
		}
	}
	ov.Speeds = speeds
	caps := map[string]bool{}
	for _, o := range sc.Objectives {
		ov.Objectives = append(ov.Objectives, o.Text)
		if !caps[o.Capability] {
			caps[o.Capability] = true
			ov.Capabilities = append(ov.Capabilities, o.Capability)
		}
	}
	ov.Participants = e.participants(v)
	ov.Roles = e.roleAssignments(v)
	ov.Sponsor, ov.Organisations, ov.Contact = sc.Exercise.Sponsor, sc.Exercise.Organisations, sc.Exercise.Contact
	a.Overview = ov

	a.Expectations = e.Expectations(now)
	byKey := map[string]ExpectationStatus{}
	for _, es := range a.Expectations {
		byKey[es.Inject+"/"+es.ID] = es
	}
	for _, o := range sc.Objectives {
		r := ObjectiveRating{ID: o.ID, Text: o.Text, Capability: o.Capability, Targets: o.Targets, Strengths: []Observation{}, Improvements: []Observation{}}
		for i := range sc.Injects {
			in := &sc.Injects[i]
			for j := range in.Expects {
				x := &in.Expects[j]
				if x.Objective != o.ID {
					continue
				}
				es := byKey[in.ID+"/"+x.ID]
				switch es.Verdict {
				case NotReached:
					r.NotReached++
					continue
				case Met:
					r.Met++
				case Late:
					r.Late++
				case Missed:
					r.Missed++
				default:
					r.Open++
				}
				obs := e.observation(in, x, es)
				switch es.Verdict {
				case Met:
					r.Strengths = append(r.Strengths, obs)
				case Late, Missed, Overdue:
					r.Improvements = append(r.Improvements, obs)
				}
			}
		}
		rate(&r)
		a.Objectives = append(a.Objectives, r)
	}
	e.evaluate(a, byKey)
	a.Handling = sc.Exercise.Handling
	a.Observations = e.Observations()
	if a.Observations == nil {
		a.Observations = []EvaluatorObservation{}
	}
	a.Discussion, a.HotWash = e.discussion(), e.hotWash()
	a.Decisions = e.Decisions()
	if a.Decisions == nil {
		a.Decisions = []DecisionView{}
	}
	a.Plan = e.ImprovementPlan()
	if a.Plan == nil {
		a.Plan = []PlanItem{}
	}
	a.Times = e.times(v, d)
	a.Replay = e.replay(a.Expectations)
	a.Timeline = e.timeline(v.Events)
	a.Summary = executiveSummary(a)
	if e.draft != nil {
		a.Summary.Text = e.draft.Summary
	}
	return a
}

func (e *Engine) participants(v *incident.View) []Participant {
	counts := map[string]int{}
	var order []string
	for _, t := range e.teamEvents {
		if counts[t.Actor] == 0 {
			order = append(order, t.Actor)
		}
		counts[t.Actor]++
	}
	roles := map[string][]string{}
	for role, who := range v.State.Roles {
		roles[who] = append(roles[who], role)
		if counts[who] == 0 {
			counts[who] = 0
			if !contains(order, who) {
				order = append(order, who)
			}
		}
	}
	out := []Participant{}
	for _, who := range order {
		rs := roles[who]
		sort.Strings(rs)
		out = append(out, Participant{Who: untrusted.Line(who), Roles: rs, Actions: counts[who]})
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// times measures respond, contain and resolve in drill time against the targets of
// the severity the drill ended at (policy) and the scenario's containment target.
func (e *Engine) times(v *incident.View, d time.Duration) []TimeTarget {
	s := v.State
	sev := e.severity
	level, _ := e.pol.Level(sev)
	limit := d
	measure := func(real time.Time) (time.Duration, bool) {
		if real.IsZero() {
			return 0, false
		}
		at := e.drillAt(real)
		return at, at <= limit
	}
	judge := func(t *TimeTarget, target runbook.Target, clock runbook.Clock, source string) {
		t.Source = source
		t.Target = target.On(clock)
		if clock == runbook.Business && target.Kind == runbook.Within {
			// The drill clock runs round the clock: say so rather than let working
			// hours pass for drill hours.
			t.Target += ", taken as " + runbook.FormatDuration(target.Duration) + " of drill time"
		}
		switch target.Kind {
		case runbook.Within:
			t.TargetDur = target.Duration
		case runbook.WorkingDays:
			t.Verdict = "not comparable on the drill clock (" + target.String() + ")"
			return
		default:
			t.Verdict = "no deadline (" + target.String() + ")"
			return
		}
		switch {
		case t.Reached && t.Took <= t.TargetDur:
			t.Verdict = "met, " + clockText(t.TargetDur-t.Took) + " to spare"
		case t.Reached:
			t.Verdict = "MISSED by " + clockText(t.Took-t.TargetDur)
		case d > t.TargetDur:
			t.Verdict = "MISSED: not reached in " + clockText(d)
		default:
			t.Verdict = "not reached in the drill"
		}
	}
	policy := fmt.Sprintf("policy %s, severity %s", e.pol.Name, sev)
	var out []TimeTarget
	respond := TimeTarget{Name: "respond"}
	respond.Took, respond.Reached = measure(s.RespondedAt)
	judge(&respond, level.RespondWithin, level.Clock, policy)
	out = append(out, respond)

	contain := TimeTarget{Name: "contain"}
	for _, pp := range s.Progress() {
		if pp.Phase == runbook.Contain && pp.Total > 0 && pp.Complete() {
			var last time.Time
			for _, st := range e.rb.Steps() {
				if st.Phase == runbook.Contain && st.AppliesTo(s.Severity) && s.Step(st.ID).At.After(last) {
					last = s.Step(st.ID).At
				}
			}
			contain.Took, contain.Reached = measure(last)
		}
	}
	if e.sc.ContainWithin > 0 {
		judge(&contain, runbook.Target{Kind: runbook.Within, Duration: e.sc.ContainWithin}, runbook.Continuous, "scenario contain_within")
	} else {
		judge(&contain, level.ResolveWithin, level.Clock, policy+" (resolve target)")
	}
	out = append(out, contain)

	resolve := TimeTarget{Name: "resolve"}
	// Resolved only when the team closed the incident during the drill: finalising
	// closes it after the end, which resolves nothing.
	if !e.ended || !s.ClosedAt.After(e.end.Real) {
		resolve.Took, resolve.Reached = measure(s.ClosedAt)
	}
	judge(&resolve, level.ResolveWithin, level.Clock, policy)
	out = append(out, resolve)
	return out
}

func (e *Engine) replay(exps []ExpectationStatus) *Replay {
	o := e.sc.Origin
	if o == nil || o.Kind != "recorded" {
		return nil
	}
	r := &Replay{Incident: o.Incident, Redacted: o.Redacted}
	for _, es := range exps {
		row := ReplayRow{Text: es.Text, Original: es.Within, Verdict: es.Verdict}
		if es.Verdict == Met || es.Verdict == Late {
			row.Team, row.Done = es.Done-es.Fired, true
		}
		r.Rows = append(r.Rows, row)
	}
	var rows []SideBySideRow
	for _, t := range o.Timeline {
		rows = append(rows, SideBySideRow{At: t.At, Original: t.What})
	}
	for _, t := range e.teamEvents {
		rows = append(rows, SideBySideRow{At: t.At, Team: t.What})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].At < rows[j].At })
	r.Timeline = rows
	return r
}

// timeline lists every event from the drill's start with its drill and story time.
func (e *Engine) timeline(events []journal.Event) []TimelineRow {
	var out []TimelineRow
	cl := NewEngine(e.sc, e.rb, e.pol) // replays the clock changes in journal order
	for _, ev := range events {
		cl.Apply(ev)
		if !cl.started {
			continue
		}
		at, kind := cl.drillAt(ev.Time), "team"
		switch ev.Type {
		case EvDrillStarted:
			at, kind = 0, "drill"
		case EvInject, EvAdHoc:
			kind = "inject"
		case EvDecision:
			kind = "decision"
		case EvExpectation:
			kind = "verdict"
		case EvPaused, EvResumed, EvSpeed, EvSkip, EvStop:
			kind = "facilitator"
		case EvEnded, EvFinalised:
			kind = "drill"
		case EvObservation, EvRating, EvHotWash, EvDiscussion:
			kind = "evaluation"
		case incident.EvClosed:
			if cl.ended {
				kind = "drill" // the close that follows finalising
			}
		}
		if dp, ok := payloadDrill(ev); ok {
			at = dp
		}
		out = append(out, TimelineRow{Seq: ev.Seq, Drill: at, Story: e.Story(at), Real: ev.Time.UTC(), Actor: untrusted.Line(ev.Actor),
			Kind: kind, Type: ev.Type, What: DescribeEvent(ev)})
	}
	return out
}

// payloadDrill is the drill time a drill record carries.
func payloadDrill(ev journal.Event) (time.Duration, bool) {
	p, err := incident.Decode(ev)
	if err != nil {
		return 0, false
	}
	return incident.DrillTime(p)
}

// DescribeEvent renders a drill incident's event as a line of text: drill records in
// the facilitator's words, everything else as incident.Describe does.
func DescribeEvent(ev journal.Event) string {
	p, err := incident.Decode(ev)
	if err != nil {
		return incident.Describe(ev) // says it does not decode
	}
	var s string
	switch p := p.(type) {
	case StartedPayload:
		s = fmt.Sprintf("drill of scenario %s %s started at %gx, seed %d", p.Scenario, p.Version, p.Speed, p.Seed)
		if len(p.Picks) > 0 {
			var picks []string
			for _, k := range sortedKeys(p.Picks) {
				picks = append(picks, k+" drew "+p.Picks[k])
			}
			s += " (" + strings.Join(picks, ", ") + ")"
		}
	case InjectPayload:
		s = fmt.Sprintf("inject %s: %s from %s: %s", p.Inject, strings.ToUpper(p.Channel), p.From, p.Title)
		if p.Reason == "trigger" {
			s += " (triggered by the facilitator)"
		}
	case AdHocPayload:
		s = fmt.Sprintf("ad-hoc inject %s: %s from %s: %s", p.ID, strings.ToUpper(p.Channel), p.From, p.Title)
	case DecisionPayload:
		s = fmt.Sprintf("decision on %s: %s (%s)", p.Inject, p.Label, p.By)
		if p.By == "timeout" {
			s = fmt.Sprintf("decision on %s: time ran out, default %s", p.Inject, p.Label)
		}
	case ExpectationPayload:
		s = fmt.Sprintf("expectation %s/%s %s: %s", p.Inject, p.Expectation, strings.ToUpper(p.Verdict), p.Text)
		if p.Verdict == Met || p.Verdict == Late {
			s += fmt.Sprintf(" (%d/%d points)", p.Points, p.Max)
		}
	case incident.DrillPaused:
		s = "facilitator paused the drill at " + formatOffset(time.Duration(p.Drill))
	case incident.DrillResumed:
		s = "facilitator resumed the drill at " + formatOffset(time.Duration(p.Drill))
	case incident.DrillSpeed:
		s = fmt.Sprintf("facilitator changed the speed from %gx to %gx", p.From, p.Speed)
	case incident.DrillSkip:
		s = fmt.Sprintf("facilitator skipped from %s to %s (inject %s)", formatOffset(time.Duration(p.Drill)), formatOffset(time.Duration(p.To)), p.Inject)
	case incident.DrillStop:
		s = "facilitator ended the drill at " + formatOffset(time.Duration(p.Drill))
	case EndedPayload:
		s = fmt.Sprintf("drill ended at %s (%s): %d of %d points", formatOffset(time.Duration(p.Drill)), p.Reason, p.Score.Points, p.Score.Max)
	case FinalisedPayload:
		var items []string
		for _, it := range p.Items {
			items = append(items, it.Item+" → "+it.FollowUp)
		}
		s = "improvement plan finalised"
		if len(items) > 0 {
			s += ": " + strings.Join(items, ", ")
		}
	default:
		return incident.Describe(ev)
	}
	return untrusted.Line(s)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// JSON renders the report as indented JSON.
func (a *AAR) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// SectionTitle is the title of the after-action section of a drill's incident report.
const SectionTitle = "After-action report (HSEEP)"

// Section is the report as a section of the incident report.
func (a *AAR) Section() incident.Section {
	return incident.Section{Title: SectionTitle, Markdown: a.Markdown(), Data: a}
}

// ReportSections is what `muster incident report` adds for a drill: the after-action
// report section.
func ReportSections(v *incident.View, now time.Time) ([]incident.Section, error) {
	a, err := BuildAAR(v, now)
	if err != nil {
		return nil, err
	}
	return []incident.Section{a.Section()}, nil
}
