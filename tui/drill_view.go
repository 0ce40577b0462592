package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/scenarios"
)

// newInjectFor is how long a delivered inject stays highlighted as new.
const newInjectFor = 30 * time.Second

// drillPanel is the drill above the incident screen: its state and clocks, the
// newest injects, the open decisions and the current module's questions. It is a
// few lines, fewer on a small terminal, so the runbook keeps most of the screen.
func (m *Model) drillPanel(w int) []string {
	st := m.styles
	if !m.drill.hasSnap {
		return []string{st.DrillMark.Render(fit("DRILL · loading the drill…", w))}
	}
	s := m.drill.snap.status
	small := m.height < 32
	feedRows, qRows, decRows := 2, 0, 1
	if !small {
		feedRows, qRows, decRows = 6, 4, 2
	}

	var out []string
	out = append(out, m.drillClockLines(st, s, w)...)
	if small && m.inc.dialog != nil {
		return out // the dialog needs the room; the clocks stay
	}

	feed := m.drill.snap.feed
	head := fmt.Sprintf("Injects (%d)", len(feed))
	if len(feed) > feedRows {
		head += fmt.Sprintf(" · newest %d · f shows all", feedRows)
	} else if len(feed) > 0 {
		head += " · f shows them in full"
	}
	if !small {
		out = append(out, st.Heading.Render(fit(head, w)))
	}
	if len(feed) == 0 {
		out = append(out, st.Muted.Render(fit("  none yet", w)))
	}
	for i := len(feed) - 1; i >= 0 && len(feed)-1-i < feedRows; i-- {
		f := feed[i]
		age := m.now.Sub(f.Real)
		if age >= 0 && age < newInjectFor && !s.Ended { // nothing is new on the end screen
			out = append(out, st.NewInject.Render(fit("★ NEW "+feedHead(f), w)))
		} else {
			out = append(out, fit("  "+feedHead(f), w))
		}
	}

	for i, dv := range s.OpenDecisions {
		if i == decRows {
			out = append(out, st.Overdue.Render(fit(fmt.Sprintf("  … %d more open decisions", len(s.OpenDecisions)-decRows), w)))
			break
		}
		var opts []string
		for _, o := range dv.Options {
			opts = append(opts, o.ID+" "+o.Label)
		}
		// What the facilitator must not miss comes first: the default and the time left,
		// then the question and the options (cut when the line is too long).
		left := max(dv.Deadline-s.Drill, 0)
		text := fmt.Sprintf("⚑ DECISION (d answers) · default %s at %s, %s left · %s — %s", dv.Default, scenarios.FormatOffset(dv.Deadline),
			scenarios.ClockText(left), dv.Prompt, strings.Join(opts, " / "))
		out = append(out, st.Overdue.Render(fit(clean(text), w)))
	}

	if mod := s.Module; mod != nil && qRows == 0 {
		// Small: the module and its first question on one line; f lists them all.
		text := "Module: " + mod.Title
		if len(mod.Questions) > 0 {
			text += fmt.Sprintf(" · ? %s", mod.Questions[0])
			if n := len(mod.Questions); n > 1 {
				text += fmt.Sprintf(" (+%d, f)", n-1)
			}
		}
		out = append(out, st.Heading.Render(fit(clean(text), w)))
	} else if mod != nil {
		out = append(out, st.Heading.Render(fit(clean("Module: "+mod.Title), w)))
		for i, q := range mod.Questions {
			if i == qRows {
				out = append(out, st.Muted.Render(fit(fmt.Sprintf("  … %d more questions", len(mod.Questions)-qRows), w)))
				break
			}
			out = append(out, fit(clean("  ? "+q), w))
		}
	}
	return out
}

// drillClockLines says where the drill stands: its state and speed, the drill clock
// against the planned length, the story clock beside the real one, and the score.
func (m *Model) drillClockLines(st Styles, s scenarios.Status, w int) []string {
	state := "▶ RUNNING"
	switch {
	case s.Ended:
		state = "■ ENDED"
		if s.EndReason != "" {
			state += " (" + s.EndReason + ")"
		}
	case s.Stopping:
		state = "■ ENDING"
	case s.Paused:
		state = "⏸ PAUSED (p resumes)"
	}
	score := s.Score
	scoreText := fmt.Sprintf("score %d/%d", score.Points, score.Max)
	if m.drill.score != nil {
		score = *m.drill.score
		scoreText = fmt.Sprintf("score %d/%d (%d%%)", score.Points, score.Max, score.Percent())
	}
	parts := []styled{
		{"DRILL " + state + fmt.Sprintf(" %gx", s.Speed), st.DrillMark.Render},
		{"drill " + scenarios.FormatOffset(s.Drill) + " of " + runbook.FormatDuration(s.Planned), st.Status.Render},
		{"story " + s.Story.Format("Mon 15:04"), st.Status.Render},
		{"real " + m.now.Format("15:04:05"), st.Muted.Render},
		{scoreText + fmt.Sprintf(" · %d met, %d late, %d missed", score.Met, score.Late, score.Missed), st.Muted.Render},
	}
	if !s.Ended && s.NextInject != "" {
		parts = append(parts, styled{"next inject at " + scenarios.FormatOffset(s.NextDue), st.Muted.Render})
	}
	if n := len(s.Undelivered); n > 0 {
		last := s.Undelivered[n-1]
		parts = append(parts, styled{clean(fmt.Sprintf("⚠ %d not delivered to webhooks (last: %s to %s: %s)", n, last.Inject, last.Role, last.Error)), st.Overdue.Render})
	}
	return flow(parts, " · ", w)
}
