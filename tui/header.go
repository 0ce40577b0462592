package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// minBody is the fewest body rows the incident screen keeps under its header: below
// it (a 30x10 or 40x12 terminal) the header collapses to its compact form, as lazygit
// and k9s shrink their chrome, so the steps, the overlays and the dialogs still have
// rows.
const minBody = 8

// compactHeader reports whether the incident screen shows its compact header: the
// full one would leave the body fewer than minBody rows.
func (m *Model) compactHeader() bool {
	if m.screen != screenIncident || m.inc.readOnly || m.inc.state == nil {
		return false
	}
	return m.height-len(m.fullHeaderLines())-1-footerLines < minBody
}

// compactBar is the header in brief: the incident's id and severity (then how long it
// has been open and its title, where they fit), and the most urgent deadline with the
// team-share state. With oneLine (a dialog needs the rows) the deadline follows on the
// first line where it fits.
func (s *incidentScreen) compactBar(st Styles, w int, now time.Time, oneLine bool) []string {
	state := s.state
	sev := st.SevLow
	if lv, ok := s.pol.Level(state.Severity); ok && lv.Rank <= 2 {
		sev = st.SevHigh
	}
	head := st.Status.Render(state.ID+" · ") + sev.Render(strings.ToUpper(state.Severity))
	headW := cells(state.ID) + 3 + cells(state.Severity)
	elapsed := "open " + runbook.FormatDuration(now.Sub(state.OpenedAt))
	if state.Closed {
		elapsed = "closed"
	}
	if state.Drill {
		elapsed = "DRILL · " + elapsed
	}
	urgent := s.urgentPart(st, now)
	if oneLine {
		if headW+3+cells(urgent.text) <= w {
			return []string{fitStyled(head+st.Status.Render(" · ")+urgent.render(urgent.text), w)}
		}
		return []string{fitStyled(head, w)}
	}
	if headW+3+cells(elapsed) <= w {
		head += st.Muted.Render(" · " + elapsed)
		headW += 3 + cells(elapsed)
	}
	if titleW := w - headW - 3; titleW >= 12 {
		head += st.Status.Render(" · " + fit(state.Title, titleW))
	}
	parts := []styled{urgent}
	if p, ok := s.sharePart(st, now); ok {
		parts = append(parts, p)
	}
	if n := len(state.Undecodable); n > 0 { // never hidden: the state is missing what they record
		parts = append(parts, styled{fmt.Sprintf("⚠ %d event(s) do not decode", n), st.SLAWarn.Render})
	}
	return append([]string{fitStyled(head, w)}, flow(parts, "   ", w)...)
}

// urgentPart is the one deadline the compact header shows: a missed deadline or an
// overdue update first (the longest overdue), else the nearest one still ahead; on a
// closed incident, that it is closed.
func (s *incidentScreen) urgentPart(st Styles, now time.Time) styled {
	state := s.state
	if state.Closed {
		return styled{"CLOSED " + clock(state.ClosedAt, now) + " by " + clean(state.ClosedBy), st.Muted.Render}
	}
	type candidate struct {
		part styled
		due  time.Time
		late bool
	}
	var cs []candidate
	respond, resolve := state.SLAs(s.pol, now)
	for _, l := range []struct {
		name string
		sla  incident.SLA
	}{{"respond-by", respond}, {"resolve-by", resolve}} {
		sla := l.sla
		switch {
		case sla.NoLimit, sla.Met, !sla.MetAt.IsZero():
			continue
		case sla.Missed:
			cs = append(cs, candidate{styled{l.name + " MISSED " + ago(sla.Due, now), st.SLAMissed.Render}, sla.Due, true})
		default:
			text, style := l.name+" "+clock(sla.Due, now)+" · "+sla.Clock.Span(sla.Left)+" left", st.SLAOk.Render
			if sla.Fraction() < 0.25 {
				text, style = text+" <25%", st.SLAWarn.Render
			}
			cs = append(cs, candidate{styled{text, style}, sla.Due, false})
		}
	}
	if s.hasNext {
		u := s.next
		if now.After(u.Due) {
			cs = append(cs, candidate{styled{"update to " + clean(u.Audience) + " OVERDUE by " + runbook.FormatDuration(now.Sub(u.Due)), st.SLAMissed.Render}, u.Due, true})
		} else {
			cs = append(cs, candidate{styled{"update to " + clean(u.Audience) + " due " + clock(u.Due, now) + ", in " + runbook.FormatDuration(u.Due.Sub(now)), st.Muted.Render}, u.Due, false})
		}
	}
	if len(cs) == 0 {
		return slaPart(st, "resolve-by", resolve, now)
	}
	best := cs[0]
	for _, c := range cs[1:] {
		if c.late != best.late {
			if c.late {
				best = c
			}
			continue
		}
		if c.due.Before(best.due) {
			best = c
		}
	}
	return best.part
}

// compactDrillLine is the drill's panel in one line under the compact header: whether
// it runs, at what speed, and where the drill clock stands; f, p and the help say the
// rest.
func (m *Model) compactDrillLine(w int) string {
	st := m.styles
	if !m.drill.hasSnap {
		return st.DrillMark.Render(fit("DRILL · loading the drill…", w))
	}
	lines := m.drillClockLines(st, m.drill.snap.status, w)
	if len(lines) == 0 {
		return fit("", w)
	}
	return lines[0]
}
