package incident

import (
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// Facts is what the availability and SLA reports need of one incident, taken from its
// folded state once and kept in the report index: reports over thousands of
// incidents read the index and fold again only the journals that changed.
type Facts struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Drill       bool             `json:"drill,omitempty"`
	Severity    string           `json:"severity"`
	OpenedAt    time.Time        `json:"opened_at"`
	RespondedAt time.Time        `json:"responded_at,omitzero"`
	ClosedAt    time.Time        `json:"closed_at,omitzero"`
	RespondBy   runbook.Deadline `json:"respond_by"`
	ResolveBy   runbook.Deadline `json:"resolve_by"`
	Escalations int              `json:"escalations,omitempty"`
	// UpdatesDue and UpdatesLate count the customer and stakeholder updates the
	// runbook's communication rules called for, and those sent late.
	UpdatesDue  int           `json:"updates_due,omitempty"`
	UpdatesLate int           `json:"updates_late,omitempty"`
	Windows     []ImpactEntry `json:"windows,omitempty"`
	Undecodable int           `json:"undecodable,omitempty"`
	Err         string        `json:"error,omitempty"` // the incident could not be read
}

// FactsOf takes the report facts of an incident.
func FactsOf(v *View) Facts {
	s := v.State
	f := Facts{ID: s.ID, Title: s.Title, Drill: s.Drill, Severity: s.Severity, OpenedAt: s.OpenedAt, RespondedAt: s.RespondedAt,
		ClosedAt: s.ClosedAt, RespondBy: s.RespondBy, ResolveBy: s.ResolveBy, Escalations: len(s.Escalations),
		Windows: s.Windows(), Undecodable: len(s.Undecodable)}
	f.UpdatesDue, f.UpdatesLate = updatesOnTime(v)
	return f
}

// updatesOnTime replays the communication rules over the notices sent, while the
// incident was open: a rule with a phase wants its first notice FirstNoticeWithin after
// the phase completed (a notice already sent to the audience counts), and every rule
// with update_every wants the next notice that long after the one before. due counts
// the notices called for, late those sent after their moment or never.
func updatesOnTime(v *View) (due, late int) {
	s := v.State
	if v.Runbook == nil {
		return 0, 0
	}
	end := s.ClosedAt
	if end.IsZero() {
		end = s.LastAt
	}
	for _, rule := range v.Runbook.Communication {
		if len(rule.Severities) > 0 && !contains(rule.Severities, s.Severity) {
			continue
		}
		var sent []time.Time
		for _, n := range s.Notices {
			if strings.EqualFold(n.Audience, rule.Audience) {
				sent = append(sent, n.At)
			}
		}
		sort.Slice(sent, func(i, j int) bool { return sent[i].Before(sent[j]) })
		var moment, last time.Time // the notice called for, and the one that answered the call before
		switch {
		case rule.After != "":
			if !s.phaseComplete(rule.After) {
				continue
			}
			moment = s.phaseCompletedAt(rule.After).Add(FirstNoticeWithin)
		case rule.UpdateEvery > 0 && len(sent) > 0:
			last, moment = sent[0], sent[0].Add(rule.UpdateEvery)
		default:
			continue
		}
		for moment.Before(end) {
			due++
			i := 0
			if !last.IsZero() {
				i = sort.Search(len(sent), func(k int) bool { return sent[k].After(last) })
			}
			if i == len(sent) {
				late++ // never sent
				break
			}
			if sent[i].After(moment) {
				late++
			}
			if rule.UpdateEvery <= 0 {
				break
			}
			last = sent[i]
			moment = last.Add(rule.UpdateEvery)
		}
	}
	return due, late
}

func (s *State) phaseComplete(phase runbook.PhaseName) bool {
	for _, p := range s.Progress() {
		if p.Phase == phase {
			return p.Complete()
		}
	}
	return false
}
