package scenarios

import (
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// BuildDrillReport is the incident report of a drill: the incident's report with the
// after-action section, every figure in drill time (the duration is the drill time
// played, a step's "took" the drill time since the step action before it, the SLA
// measured by the after-action report's times), and, once the drill has ended, built
// at its journal's last event, so the same journal always gives the same report.
// When the after-action report cannot be built (its frozen scenario is missing or
// altered) the report says why and still tells what the journal proves.
func BuildDrillReport(v *incident.View, now time.Time) *incident.Report {
	e, err := Rebuild(v)
	if err != nil {
		sec := incident.Section{Title: SectionTitle, Markdown: "The after-action report could not be built: " + untrusted.Line(err.Error()) + "."}
		return incident.BuildReport(v, now, sec)
	}
	at := now
	if e.Ended() && len(v.Events) > 0 {
		at = v.Events[len(v.Events)-1].Time
	}
	a := e.Report(v, at)
	r := incident.BuildReport(v, at, a.Section())
	r.GeneratedAt = at.UTC()
	played := a.Overview.Played
	r.Duration, r.DurationSec = clockText(played)+" of drill time", int64(played/time.Second)
	r.SLA = []incident.SLA{} // in drill time, in the after-action section's times
	took := e.stepTook(v)
	for i := range r.Phases {
		for j := range r.Phases[i].Steps {
			if st := &r.Phases[i].Steps[j]; st.Took != "" {
				st.Took = took[st.ID]
			}
		}
	}
	for i := range r.Skipped {
		r.Skipped[i].Took = took[r.Skipped[i].ID]
	}
	return r
}

// stepTook is, for each step done or skipped, the drill time since the step action
// before it (or the drill's start).
func (e *Engine) stepTook(v *incident.View) map[string]string {
	out := map[string]string{}
	last := time.Duration(0)
	for _, ev := range v.Events {
		p, err := incident.Decode(ev)
		if err != nil {
			continue
		}
		var step string
		switch p := p.(type) {
		case incident.StepMarkedDone:
			step = p.Step
		case incident.StepMarkedSkipped:
			step = p.Step
		default:
			continue
		}
		at := e.drillAt(ev.Time)
		out[step] = clockText(max(at-last, 0))
		last = at
	}
	return out
}
