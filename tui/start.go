package tui

import (
	"context"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
)

// startScreen opens an incident: pick a runbook (type to filter), a severity with the
// scheme's table beside it, and a title.
type startScreen struct {
	runbooks []*runbook.Runbook
	pol      *runbook.Policy
	shown    []int
	filter   textinput.Model
	rbSel    int
	rbTop    int
	level    int // index into pol.Levels
	title    textinput.Model
	focus    int // 0 runbook, 1 severity, 2 title
	err      string
	saving   bool
	req      int
	cancel   context.CancelFunc // ends the start in flight (quitting, startLimit)
	keys     startKeys
}

const (
	startRunbook = iota
	startSeverity
	startTitle
)

func newStartScreen(lib *runbook.Library, pol *runbook.Policy, preselect string, st Styles) startScreen {
	f := textinput.New()
	f.Prompt = "filter: "
	f.Placeholder = placeholder(st, "type to filter")
	f.SetStyles(st.Input)
	t := textinput.New()
	t.Prompt = "> "
	t.Placeholder = placeholder(st, "what is happening, in a few words")
	t.CharLimit = 200
	t.SetStyles(st.Input)
	s := startScreen{pol: pol, filter: f, title: t, keys: newStartKeys()}
	if lib != nil {
		s.runbooks = lib.List()
	}
	s.applyFilter()
	for k, i := range s.shown {
		if s.runbooks[i].ID == preselect {
			s.rbSel = k
		}
	}
	s.level = s.firstLevel()
	return s
}

func (s *startScreen) focusCmd() tea.Cmd {
	s.filter.Blur()
	s.title.Blur()
	switch s.focus {
	case startRunbook:
		return s.filter.Focus()
	case startTitle:
		return s.title.Focus()
	}
	return nil
}

func (s *startScreen) applyFilter() {
	words := strings.Fields(strings.ToLower(s.filter.Value()))
	s.shown = s.shown[:0]
	for i, r := range s.runbooks {
		hay := strings.ToLower(r.ID + " " + r.Title + " " + strings.Join(r.Tags, " "))
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			s.shown = append(s.shown, i)
		}
	}
	s.rbSel = clampInt(s.rbSel, 0, max(len(s.shown)-1, 0))
	if !s.levelAllowed(s.level) {
		s.level = s.firstLevel()
	}
}

func (s *startScreen) runbook() (*runbook.Runbook, bool) {
	if s.rbSel < 0 || s.rbSel >= len(s.shown) {
		return nil, false
	}
	return s.runbooks[s.shown[s.rbSel]], true
}

// levelAllowed reports whether the selected runbook is written for level i.
func (s *startScreen) levelAllowed(i int) bool {
	if s.pol == nil || i < 0 || i >= len(s.pol.Levels) {
		return false
	}
	rb, ok := s.runbook()
	if !ok || len(rb.Severities) == 0 {
		return true
	}
	return slices.Contains(rb.Severities, s.pol.Levels[i].Name)
}

func (s *startScreen) firstLevel() int {
	if s.pol == nil {
		return 0
	}
	for i := range s.pol.Levels {
		if s.levelAllowed(i) {
			return i
		}
	}
	return 0
}

func (s *startScreen) moveLevel(delta int) {
	if s.pol == nil {
		return
	}
	n := len(s.pol.Levels)
	for i, j := 0, s.level; i < n; i++ {
		j = (j + delta + n) % n
		if s.levelAllowed(j) {
			s.level = j
			return
		}
	}
}

func (s *startScreen) severity() string {
	if s.pol == nil || s.level >= len(s.pol.Levels) {
		return ""
	}
	return s.pol.Levels[s.level].Name
}

// update handles a key; create is true when the user asked to start the incident.
func (s *startScreen) update(msg tea.KeyPressMsg) (cmd tea.Cmd, create, cancel bool) {
	if s.saving {
		return nil, false, false
	}
	switch {
	case key.Matches(msg, s.keys.Cancel):
		return nil, false, true
	case key.Matches(msg, s.keys.Create):
		return nil, true, false
	case key.Matches(msg, s.keys.Submit) && s.focus == startTitle:
		return nil, true, false
	case key.Matches(msg, s.keys.Next):
		s.focus = min(s.focus+1, startTitle)
		return s.focusCmd(), false, false
	case key.Matches(msg, s.keys.Prev):
		s.focus = max(s.focus-1, startRunbook)
		return s.focusCmd(), false, false
	}
	switch s.focus {
	case startRunbook:
		switch {
		case key.Matches(msg, s.keys.Up):
			s.rbSel = max(s.rbSel-1, 0)
			s.level = s.keepLevel()
			return nil, false, false
		case key.Matches(msg, s.keys.Down):
			s.rbSel = min(s.rbSel+1, max(len(s.shown)-1, 0))
			s.level = s.keepLevel()
			return nil, false, false
		}
		before := s.filter.Value()
		s.filter, cmd = s.filter.Update(msg)
		cleanInput(&s.filter)
		if s.filter.Value() != before {
			s.applyFilter()
			s.level = s.keepLevel()
		}
		return cmd, false, false
	case startSeverity:
		switch {
		case key.Matches(msg, s.keys.LevelPrev):
			s.moveLevel(-1)
		case key.Matches(msg, s.keys.LevelNext):
			s.moveLevel(1)
		}
		return nil, false, false
	}
	s.title, cmd = s.title.Update(msg)
	cleanInput(&s.title)
	return cmd, false, false
}

func (s *startScreen) keepLevel() int {
	if s.levelAllowed(s.level) {
		return s.level
	}
	return s.firstLevel()
}

// formWidth is the form's width on a screen w cells wide.
func formWidth(w int) int {
	if w >= 76 {
		return clampInt(w*9/20, 34, 60)
	}
	return w
}

// resize fits the inputs to the form; it runs in Update.
func (s *startScreen) resize(w int) {
	fw := formWidth(w)
	s.filter.SetWidth(max(fw-12, 6))
	s.title.SetWidth(max(fw-6, 6))
}

// view renders the screen: the form on the left, the severity scheme on the right, or
// one under the other when narrow.
func (s *startScreen) view(st Styles, w, h int) []string {
	out := []string{st.Title.Render(fit("Start an incident", w)), st.Rule.Render(rule(w))}
	body := h - len(out)
	if w >= 76 {
		lw := formWidth(w)
		rw := w - lw - 3
		left := s.form(st, lw, body, false)
		right := s.scheme(st, rw)
		for i := 0; i < body; i++ {
			l, r := strings.Repeat(" ", lw), strings.Repeat(" ", rw)
			if i < len(left) {
				l = fitStyled(left[i], lw)
			}
			if i < len(right) {
				r = fitStyled(right[i], rw)
			}
			out = append(out, l+st.Rule.Render(" │ ")+r)
		}
		return out
	}
	lines := s.form(st, w, body, true)
	lines = append(lines, st.Rule.Render(rule(w)))
	lines = append(lines, s.scheme(st, w)...)
	return append(out, window(lines, 0, body, w)...)
}

// form is the runbook list, the severity chooser and the title; compact (stacked
// under the scheme) it leaves out the runbook's summary and keeps the list short.
func (s *startScreen) form(st Styles, w, h int, compact bool) []string {
	var out []string
	marker := func(f int) string {
		if s.focus == f {
			return st.Focused.Render("▸ ")
		}
		return "  "
	}
	out = append(out, marker(startRunbook)+st.Label.Render("Runbook"))
	out = append(out, "  "+s.filter.View())
	// The list gets what the other lines leave.
	summaryLines := 3
	listH := max(h-len(out)-summaryLines-8, 3)
	if compact {
		summaryLines, listH = 0, 3
	}
	if s.rbSel < s.rbTop {
		s.rbTop = s.rbSel
	}
	if s.rbSel >= s.rbTop+listH {
		s.rbTop = s.rbSel - listH + 1
	}
	var list []string
	if len(s.shown) == 0 {
		list = append(list, st.Muted.Render("  no runbook matches"))
	}
	idW := 0
	for _, i := range s.shown {
		idW = max(idW, cells(s.runbooks[i].ID))
	}
	idW = min(idW, w/2)
	for k := s.rbTop; k < len(s.shown) && len(list) < listH; k++ {
		r := s.runbooks[s.shown[k]]
		cursor := "  "
		if k == s.rbSel {
			cursor = "▸ "
		}
		line := fit(cursor+fit(r.ID, idW)+"  "+r.Title, w)
		if k == s.rbSel {
			line = st.Selected.Render(line)
		}
		list = append(list, line)
	}
	out = append(out, window(list, 0, listH, w)...)
	if rb, ok := s.runbook(); ok && summaryLines > 0 {
		sum := wrap(strings.Join(strings.Fields(rb.Summary), " "), w-2)
		for i := 0; i < summaryLines; i++ {
			l := ""
			if i < len(sum) {
				l = sum[i]
				if i == summaryLines-1 && len(sum) > summaryLines {
					l = trunc(l+" …", w-2)
				}
			}
			out = append(out, "  "+st.Muted.Render(l))
		}
	}
	if !compact {
		out = append(out, "")
	}
	sev := s.severity()
	sevLine := marker(startSeverity) + st.Label.Render("Severity  ")
	if sev == "" {
		sevLine += st.Error.Render("the policy has no levels")
	} else {
		sevLine += "◂ " + st.Title.Render(sev) + " ▸"
		if s.focus == startSeverity {
			sevLine += st.Muted.Render("  ↑/↓ choose")
		}
	}
	out = append(out, sevLine)
	if !compact {
		out = append(out, "")
	}
	out = append(out, marker(startTitle)+st.Label.Render("Title"))
	out = append(out, "  "+s.title.View())
	if !compact {
		out = append(out, "")
	}
	switch {
	case s.saving:
		out = append(out, st.Notice.Render(trunc("starting the incident…", w)))
	case s.err != "":
		for _, l := range wrap("✗ "+s.err, w) {
			out = append(out, st.Error.Render(l))
		}
	}
	return out
}

// scheme is the severity scheme's table: each level with its respond and resolve
// targets, and the selected level's meaning, examples and escalation chain.
func (s *startScreen) scheme(st Styles, w int) []string {
	if s.pol == nil {
		return []string{st.Error.Render(trunc("no severity policy", w))}
	}
	out := []string{st.Heading.Render(trunc("Severity scheme: "+s.pol.Title, w))}
	nameW := len("level")
	for _, l := range s.pol.Levels {
		nameW = max(nameW, cells(l.Name))
	}
	// A target on the business clock reads "72 working hours"; where that does not fit,
	// "72h*" with a footnote, never a bare "72h" that passes for three days.
	target := func(t runbook.Target, c runbook.Clock) string { return t.On(c) }
	respW, resW := 0, 0
	widths := func() {
		respW, resW = len("respond"), len("resolve")
		for _, l := range s.pol.Levels {
			respW = max(respW, cells(target(l.RespondWithin, l.Clock)))
			resW = max(resW, cells(target(l.ResolveWithin, l.Clock)))
		}
	}
	widths()
	starred := false
	if 2+nameW+2+respW+2+resW+5 > w {
		starred = true
		target = func(t runbook.Target, c runbook.Clock) string {
			if c == runbook.Business && t.Kind == runbook.Within {
				return t.String() + "*"
			}
			return t.String()
		}
		widths()
	}
	withClock := 2+nameW+2+respW+2+resW+2+8 <= w
	row := func(cursor, name, respond, resolve, clk, note string) string {
		r := cursor + pad(name, nameW) + "  " + pad(respond, respW) + "  " + pad(resolve, resW)
		if withClock {
			r += "  " + pad(clk, 8)
		}
		return r + note
	}
	out = append(out, st.Muted.Render(fit(row("  ", "level", "respond", "resolve", "clock", ""), w)))
	someNA, someStar := false, false
	for i, l := range s.pol.Levels {
		cursor := "  "
		if i == s.level {
			cursor = "▸ "
		}
		clk := "24x7"
		if l.Clock == runbook.Business {
			clk = "business"
			someStar = someStar || starred && (l.RespondWithin.Kind == runbook.Within || l.ResolveWithin.Kind == runbook.Within)
		}
		note := ""
		if !s.levelAllowed(i) {
			note, someNA = "  n/a", true
		}
		line := row(cursor, l.Name, target(l.RespondWithin, l.Clock), target(l.ResolveWithin, l.Clock), clk, note)
		switch {
		case i == s.level:
			out = append(out, st.Selected.Render(fit(line, w)))
		case note != "":
			out = append(out, st.Muted.Render(fit(line, w)))
		default:
			out = append(out, fit(line, w))
		}
	}
	if someStar {
		c := s.pol.Calendar
		note := "* working hours only: " + c.Hours() + " " + strings.Join(c.WorkingDays(), " ")
		if cells(note) > w {
			note = "* working hours only (" + c.Hours() + ")"
		}
		out = append(out, st.Muted.Render(trunc(note, w)))
	}
	if someNA {
		out = append(out, st.Muted.Render(trunc("n/a: the runbook is not written for this level", w)))
	}
	if s.level < len(s.pol.Levels) {
		l := s.pol.Levels[s.level]
		out = append(out, "")
		out = append(out, wrap(l.Name+": "+l.Description, w)...)
		if len(l.Examples) > 0 {
			out = append(out, st.Muted.Render(trunc("examples:", w)))
			for _, e := range l.Examples {
				out = append(out, indentWrap("  • ", e, w)...)
			}
		}
		if !withClock {
			clk := "round the clock (24x7)"
			if l.Clock == runbook.Business {
				clk = "business hours of " + s.pol.Calendar.TimeZone
			}
			out = append(out, wrap("clock: "+clk, w)...)
		}
		if len(l.EscalateTo) > 0 {
			out = append(out, wrap("escalate to: "+strings.Join(l.EscalateTo, " → "), w)...)
		}
	}
	if rb, ok := s.runbook(); ok && len(rb.Severities) > 0 {
		out = append(out, "")
		out = append(out, wrap("Runbook "+rb.ID+" is for: "+strings.Join(rb.Severities, ", ")+".", w)...)
	}
	return out
}
