package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// Home shows each service of services.toml with its availability over the period its
// commitment is measured on (this month, or this year) and the error budget left, from
// the availability report itself (`muster report availability`), built in a command
// alongside home's scan: never in Update.

// standing is one service's figures for home.
type standing struct {
	service      string
	period       string // 2026-11 or 2026
	availability float64
	target       float64
	budgetLeft   float64 // minutes; negative when overspent
	missed       bool
}

type standingsMsg struct {
	req       int
	standings []standing // nil: no services.toml
	err       error
}

// loadStandings builds the availability report of the current year (its months and the
// year) and keeps, per service, the period its commitment is judged on.
func loadStandings(req int, store *incident.Store, pol *runbook.Policy, now time.Time) tea.Cmd {
	return func() tea.Msg {
		svc, err := incident.DefaultServices(store.DataDir)
		if err != nil || svc == nil {
			return standingsMsg{req: req, err: err}
		}
		facts, _, err := store.AllFacts()
		if err != nil {
			return standingsMsg{req: req, err: err}
		}
		r, err := incident.BuildAvailability(facts, svc, pol, incident.AvailabilityQuery{Year: now.In(calendarZone(pol)).Year(), Now: now})
		if err != nil {
			return standingsMsg{req: req, err: err}
		}
		out := []standing{}
		for _, s := range r.Services {
			p := s.Year
			if s.Measured != "year" || p == nil {
				month := now.In(calendarZone(pol)).Format("2006-01")
				for i := range s.Months {
					if s.Months[i].Period == month {
						p = &s.Months[i]
					}
				}
			}
			if p == nil {
				continue
			}
			out = append(out, standing{service: s.Service, period: p.Period, availability: p.Availability, target: s.Target,
				budgetLeft: p.BudgetLeft, missed: p.Missed || p.BudgetLeft < 0})
		}
		return standingsMsg{req: req, standings: out}
	}
}

func calendarZone(pol *runbook.Policy) *time.Location {
	if pol != nil && pol.Calendar != nil && pol.Calendar.Location != nil {
		return pol.Calendar.Location
	}
	return time.UTC
}

func (m *Model) onStandings(msg standingsMsg) tea.Cmd {
	if msg.req != m.home.req {
		return nil // a newer scan asked again
	}
	m.home.standings, m.home.standingsErr = msg.standings, ""
	if msg.err != nil {
		m.home.standingsErr = errText(msg.err)
	}
	return nil
}

// standingLines is the services' availability in one line (wrapped to two at most);
// nothing without services.toml.
func (h *homeScreen) standingLines(st Styles, w int) []string {
	if h.standingsErr != "" {
		return []string{st.Error.Render(fit("Availability: ✗ "+h.standingsErr, w))}
	}
	if len(h.standings) == 0 {
		return nil
	}
	parts := make([]string, 0, len(h.standings))
	style := st.SLAOk
	for _, s := range h.standings {
		mark := "✓"
		if s.missed {
			mark, style = "✗", st.SLAMissed
		}
		parts = append(parts, fmt.Sprintf("%s %s %s %.3f %% (target %.1f %%), budget left %s", mark, clean(s.service), s.period,
			s.availability, s.target, budgetWords(s.budgetLeft)))
	}
	lines := wrap("Availability: "+strings.Join(parts, " · "), w)
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = trunc(lines[1]+" …", w)
	}
	for i := range lines {
		lines[i] = style.Render(fit(lines[i], w))
	}
	return lines
}

// budgetWords says an error budget in minutes the way a responder reads it.
func budgetWords(min float64) string {
	if min < 0 {
		return fmt.Sprintf("none (%s over)", minutesWords(-min))
	}
	return minutesWords(min)
}

func minutesWords(min float64) string {
	d := time.Duration(min * float64(time.Minute)).Round(time.Minute)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}
