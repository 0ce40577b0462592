package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// cell and utc format report cells exactly as the incident report does.
var (
	cell = incident.MarkdownCell
	utc  = incident.FormatUTC
)

func speeds(xs []float64) string {
	var out []string
	for _, x := range xs {
		out = append(out, strconv.FormatFloat(x, 'g', -1, 64)+"x")
	}
	return strings.Join(out, " then ")
}

// Markdown renders the report; its headings start at level 3, to sit in the incident
// report as one section.
func (a *AAR) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	o := a.Overview
	if a.Handling != "" {
		w("**HANDLING: %s**\n\n", untrusted.Line(a.Handling))
	}
	if a.Status != "final" {
		w("**DRAFT** — ")
		if o.Ended.IsZero() {
			w("the drill is still running; verdicts and ratings may change.\n\n")
		} else {
			w("the improvement plan is not finalised yet (its actions are not follow-ups).\n\n")
		}
	}
	w("### Executive summary\n\n")
	if a.Summary.Text != "" {
		w("%s\n\n", untrusted.Block(a.Summary.Text))
	}
	w("**Major strengths**\n\n")
	if len(a.Summary.Strengths) == 0 {
		w("None identified.\n")
	}
	for _, s := range a.Summary.Strengths {
		w("- %s\n", untrusted.Line(s))
	}
	w("\n**Primary areas for improvement**\n\n")
	if len(a.Summary.Improvements) == 0 {
		w("None identified.\n")
	}
	for _, s := range a.Summary.Improvements {
		w("- %s\n", untrusted.Line(s))
	}
	w("\n### Exercise overview\n\n| | |\n|---|---|\n")
	w("| Exercise name | %s |\n", cell(o.Name))
	w("| Scenario | %s %s (sha256 %s) |\n", cell(o.Scenario), cell(o.Version), short(o.Digest))
	w("| Drill incident | %s |\n", cell(o.Incident))
	w("| Exercise dates | %s to %s |\n", utc(o.Started), utc(o.Ended))
	ended := ""
	if o.EndReason != "" {
		ended = ", " + o.EndReason
	}
	w("| Scope | %s exercise; planned %s of drill time, played %s at %s%s; runbook %s; starting severity %s |\n",
		cell(o.ExerciseType), clockText(o.Planned), clockText(o.Played), speeds(o.Speeds), cell(ended), cell(o.Runbook), cell(o.Severity))
	if len(o.MissionAreas) > 0 {
		w("| Mission areas | %s |\n", cell(strings.Join(o.MissionAreas, ", ")))
	}
	w("| Core capabilities | %s |\n", cell(strings.Join(o.Capabilities, ", ")))
	var objs []string
	for i, t := range o.Objectives {
		objs = append(objs, fmt.Sprintf("%d. %s", i+1, t))
	}
	w("| Objectives | %s |\n", cell(strings.Join(objs, " ")))
	if o.Threat != "" {
		w("| Threat or hazard | %s |\n", cell(o.Threat))
	}
	w("| Scenario summary | %s |\n", cell(o.Summary))
	var people []string
	for _, p := range o.Participants {
		s := p.Who
		if len(p.Roles) > 0 {
			s += " (" + strings.Join(p.Roles, ", ") + ")"
		}
		people = append(people, fmt.Sprintf("%s: %d actions", s, p.Actions))
	}
	w("| Participants | %s |\n", cell(strings.Join(people, "; ")))
	if o.Sponsor != "" {
		w("| Sponsor | %s |\n", cell(o.Sponsor))
	}
	if len(o.Organisations) > 0 {
		w("| Participating organisations | %s |\n", cell(strings.Join(o.Organisations, ", ")))
	}
	if o.Contact != "" {
		w("| Point of contact | %s; facilitator %s |\n", cell(o.Contact), cell(o.Facilitator))
	} else {
		w("| Point of contact | %s (facilitator) |\n", cell(o.Facilitator))
	}
	seed := strconv.FormatUint(o.Seed, 10)
	if len(o.Picks) > 0 {
		var picks []string
		for _, k := range sortedKeys(o.Picks) {
			picks = append(picks, "pool "+k+" drew "+o.Picks[k])
		}
		seed += " (" + strings.Join(picks, ", ") + ")"
	}
	w("| Seed | %s |\n", cell(seed))

	s := a.Score
	w("\n### Score\n\n%d of %d points (%d%%): %d met, %d late, %d missed", s.Points, s.Max, s.Percent(), s.Met, s.Late, s.Missed)
	if s.Overdue+s.Pending > 0 {
		w(", %d still open", s.Overdue+s.Pending)
	}
	if s.NotReached > 0 {
		w("; %d not reached (their injects never fired)", s.NotReached)
	}
	w(". Met earns an expectation's points, late half, missed none; decisions earn their option's points.\n")

	w("\n### Analysis of core capabilities\n\n| objective | core capability | rating |\n|---|---|---|\n")
	for _, r := range a.Objectives {
		w("| %s — %s | %s | **%s** %s |\n", r.ID, cell(r.Text), cell(r.Capability), r.Rating, cell(r.Meaning))
	}
	w("\nP: performed without challenges (every expectation met). S: with some challenges (all done, some late). M: with major challenges (some missed). U: unable to be performed (none done).\n")
	for i, r := range a.Objectives {
		w("\n#### Objective %d: %s (%s)\n\n", i+1, untrusted.Line(r.Text), r.Rating)
		if ov := r.Override; ov != nil {
			w("Rated %s by evaluator %s: %s (muster rated %s).\n\n", ov.Rating, untrusted.Line(ov.By), untrusted.Line(ov.Reason), r.Computed)
		}
		w("Core capability: %s. ", untrusted.Line(r.Capability))
		if len(r.Targets) > 0 {
			w("Capability targets: %s. ", untrusted.Line(strings.Join(r.Targets, "; ")))
		}
		w("%d met, %d late, %d missed", r.Met, r.Late, r.Missed)
		if r.Open > 0 {
			w(", %d open", r.Open)
		}
		if r.NotReached > 0 {
			w(", %d not reached", r.NotReached)
		}
		w(".\n\n")
		if len(r.Tasks) > 0 {
			w("| critical task | rating | met | late | missed | observations |\n|---|---|---|---|---|---|\n")
			for _, t := range r.Tasks {
				rating := "**" + t.Rating + "**"
				if t.Override != nil {
					rating += fmt.Sprintf(" (evaluator %s: %s; muster rated %s)", t.Override.By, t.Override.Reason, t.Computed)
				}
				w("| %s — %s | %s | %d | %d | %d | %s |\n", t.ID, cell(t.Text), cell(rating), t.Met, t.Late, t.Missed, cell(strings.Join(t.Observations, ", ")))
			}
			w("\n")
		}
		w("**Strengths**\n\n")
		if len(r.Strengths) == 0 {
			w("None observed.\n")
		}
		for _, o := range r.Strengths {
			if o.Source == "evaluator" {
				w("- **%s** (%s). Reference: %s.\n", untrusted.Line(o.Text), o.ID, untrusted.Line(o.Reference))
				continue
			}
			w("- **%s.** %s Reference: %s.\n", untrusted.Line(o.Text), untrusted.Line(o.Observation), untrusted.Line(o.Reference))
		}
		w("\n**Areas for improvement**\n\n")
		if len(r.Improvements) == 0 {
			w("None observed.\n")
		}
		for _, o := range r.Improvements {
			if o.Source == "evaluator" {
				w("- **%s** (%s).\n  - Reference: %s.\n", untrusted.Line(o.Text), o.ID, untrusted.Line(o.Reference))
				if o.Analysis != "" {
					w("  - Analysis (root cause): %s\n", untrusted.Line(o.Analysis))
				}
				if o.Recommendation != "" {
					w("  - Recommendation: %s\n", untrusted.Line(o.Recommendation))
				}
				continue
			}
			w("- **%s** (%s). %s\n  - Reference: %s.\n  - Analysis: %s\n", untrusted.Line(o.Text), o.Verdict, untrusted.Line(o.Observation),
				untrusted.Line(o.Reference), untrusted.Line(o.Analysis))
		}
	}

	w("\n### Decisions\n\n")
	if len(a.Decisions) == 0 {
		w("None put to the team.\n")
	} else {
		w("| inject | decision | answer | by | at | points |\n|---|---|---|---|---|---|\n")
		for _, d := range a.Decisions {
			answer, by, at, pts := "open", "—", "—", "—"
			if !d.Open {
				label := d.Chosen
				max := 0
				for _, op := range d.Options {
					if op.ID == d.Chosen {
						label = op.Label
						pts = strconv.Itoa(d.Points)
					}
					max = maxInt(max, op.Points)
				}
				answer, by, at = label, d.By, formatOffset(d.At)
				pts += " of " + strconv.Itoa(max)
			}
			w("| %s | %s | %s | %s | %s | %s |\n", d.Inject, cell(d.Prompt), cell(answer), by, at, pts)
		}
	}

	if len(a.Discussion) > 0 {
		w("\n### Discussion questions\n")
		for _, m := range a.Discussion {
			w("\n**%s**\n\n", untrusted.Line(m.Title))
			for i, q := range m.Questions {
				ans := "no answer recorded"
				if q.Answer != "" {
					ans = untrusted.Line(q.Answer) + " (recorded by " + untrusted.Line(q.By) + ")"
				}
				w("%d. %s\n   - %s\n", i+1, untrusted.Line(q.Question), ans)
			}
		}
	}
	if len(a.HotWash) > 0 {
		w("\n### Hot wash and participant feedback\n")
		for i, q := range a.HotWash {
			w("\n%d. %s\n", i+1, untrusted.Line(q.Question))
			if len(q.Answers) == 0 {
				w("   - no answer recorded\n")
			}
			for _, an := range q.Answers {
				w("   - %s: %s\n", untrusted.Line(an.Participant), untrusted.Line(an.Answer))
			}
		}
	}

	w("\n### Time to contain against the SLA targets\n\nIn drill time, against the targets of the severity the drill ended at.\n\n| measure | drill time | target | source | verdict |\n|---|---|---|---|---|\n")
	for _, t := range a.Times {
		took := "—"
		if t.Reached {
			took = clockText(t.Took)
		}
		w("| %s | %s | %s | %s | %s |\n", t.Name, took, cell(t.Target), cell(t.Source), cell(t.Verdict))
	}

	w("\n### Improvement plan\n\n")
	if len(a.Plan) == 0 {
		w("No corrective action: every expectation was met.\n")
	} else {
		w("| # | core capability | issue / area for improvement | corrective action | capability element | primary responsible organisation | organisation POC | owner | start | completion | follow-up |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, p := range a.Plan {
			w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p.ID, cell(p.Capability), cell(p.Issue), cell(p.Action), cell(p.Element),
				cell(p.Organisation), cell(p.Contact), cell(p.Owner), p.Start.Format("2006-01-02"), p.Due.Format("2006-01-02"), cell(p.FollowUp))
		}
		if a.Status != "final" {
			w("\nFinalising the drill makes each action a follow-up of the drill incident.\n")
		}
	}

	if r := a.Replay; r != nil {
		red := ""
		if r.Redacted {
			red = " (redacted)"
		}
		w("\n### The team beside the original response\n\nRecorded from incident %s%s. The original responders' times are the bar.\n\n", cell(r.Incident), red)
		w("| action | original | team | verdict |\n|---|---|---|---|\n")
		for _, row := range r.Rows {
			team := "—"
			if row.Done {
				team = clockText(row.Team)
				if d := row.Team - row.Original; d < 0 {
					team += " (" + clockText(-d) + " faster)"
				} else if d > 0 {
					team += " (" + clockText(d) + " slower)"
				}
			}
			w("| %s | %s | %s | %s |\n", cell(row.Text), clockText(row.Original), team, row.Verdict)
		}
		w("\n| time | original incident | this drill |\n|---|---|---|\n")
		for _, row := range r.Timeline {
			w("| %s | %s | %s |\n", formatOffset(row.At), cell(row.Original), cell(row.Team))
		}
	}

	w("\n### Appendix: participants\n\n| role | name | kind | played by |\n|---|---|---|---|\n")
	for _, r := range o.Roles {
		w("| %s | %s | %s | %s |\n", cell(r.Role), cell(r.Name), cell(r.Kind), cell(r.Person))
	}
	for _, p := range o.Participants {
		w("| %s | — | acted | %s (%d actions) |\n", cell(strings.Join(p.Roles, ", ")), cell(p.Who), p.Actions)
	}

	w("\n### Drill timeline\n\n| seq | drill time | story time | real (UTC) | who | what |\n|---|---|---|---|---|---|\n")
	for _, t := range a.Timeline {
		w("| %d | %s | %s | %s | %s | %s |\n", t.Seq, formatOffset(t.Drill), t.Story.Format("15:04:05"), utc(t.Real), cell(t.Actor), cell(t.What))
	}
	return b.String()
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
