package tui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Layout: the screen is a header (the status bar on the incident screen), a body and
// a two-line footer (key help, then the last message). Below sideBySide columns the
// incident screen stacks its panes.
const (
	footerLines = 2
	sideBySide  = 72
)

// View renders the whole screen. It only reads the model: anything costly (Markdown,
// the step list, the state's progress) was computed in Update.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = m.windowTitle()
	return v
}

func (m Model) windowTitle() string {
	if (m.screen == screenIncident) && m.inc.state != nil {
		if m.inc.state.Drill {
			return clean("muster · DRILL · " + m.inc.state.ID + " · " + m.inc.state.Title)
		}
		return clean("muster · " + m.inc.state.ID + " · " + m.inc.state.Title)
	}
	return "muster"
}

func (m Model) render() string {
	w, h := m.width, m.height
	var lines []string
	switch m.screen {
	case screenHome:
		lines = m.home.view(m.styles, w, h-footerLines, m.now, len(m.deps.LibraryProblems), m.spinFrame())
		if m.overlay == overlayHelp {
			lines = append(lines[:2], m.pager.view(m.styles, w, h-footerLines-2)...)
		}
	case screenStart:
		lines = m.start.view(m.styles, w, h-footerLines)
	default:
		lines = m.incidentView()
	}
	lines = window(lines, 0, h-footerLines, w)
	lines = append(lines, m.footer()...)
	return strings.Join(lines, "\n")
}

// headerLines is the incident status bar at the current width: in full, or in brief
// when the full one would leave the body too few rows (see compactHeader).
func (m *Model) headerLines() []string {
	if m.compactHeader() {
		lines := m.inc.compactBar(m.styles, m.width, m.now, m.inc.dialog != nil)
		if m.drill.on {
			lines = append(lines, m.compactDrillLine(m.width))
		}
		return lines
	}
	return m.fullHeaderLines()
}

// fullHeaderLines is the whole status bar: the incident, who else is here, the
// reminder banner and the drill's panel.
func (m *Model) fullHeaderLines() []string {
	lines := m.inc.statusBar(m.styles, m.width, m.now)
	if l := m.presenceLine(); l != "" {
		lines = append(lines, l)
	}
	if r := m.inc.reminder; r != "" && !m.inc.readOnly {
		style := m.styles.SLAWarn
		if m.inc.reminderOver {
			style = m.styles.SLAMissed
		}
		lines = append(lines, style.Render(fit(r, m.width)))
	}
	if m.drill.on {
		lines = append(lines, m.drillPanel(m.width)...)
	}
	return lines
}

// bodyHeight is the height left for the incident screen's body.
func (m *Model) bodyHeight() int {
	rule := 0
	if m.headerRule() {
		rule = 1
	}
	return max(m.height-len(m.headerLines())-rule-footerLines, 3)
}

// headerRule reports whether a rule separates the header from the body: not under the
// compact header while a dialog is open, whose box has its own border and needs the
// row.
func (m *Model) headerRule() bool {
	return m.inc.dialog == nil || !m.compactHeader()
}

// feedHeight is the lines the activity feed takes at the bottom of the incident body
// (a rule, its title and its items): none on a drill (the inject feed is above), on a
// runbook read-only, on a short body, or while a dialog needs the room.
func (m *Model) feedHeight() int {
	if m.screen != screenIncident || m.drill.on || m.inc.readOnly || m.inc.state == nil {
		return 0
	}
	b := m.bodyHeight()
	switch {
	case b >= 30:
		return 7
	case b >= 16 && m.inc.dialog == nil:
		return 4
	}
	return 0
}

// paneWidths splits the body: the step list and the step, or 0 for a stacked layout.
func (m *Model) paneWidths() (left, right int) {
	if m.width < sideBySide {
		return 0, m.width
	}
	left = clampInt(m.width*38/100, 28, 56)
	return left, m.width - left - 3
}

// stackedListHeight is the list's share of the body when the panes are stacked.
func stackedListHeight(body int) int { return clampInt(body*2/5, 3, max(body-4, 3)) }

func (m Model) incidentView() []string {
	s := &m.inc
	st := m.styles
	w := m.width
	out := m.headerLines()
	if m.headerRule() {
		out = append(out, st.Rule.Render(rule(w)))
	}
	bodyH := m.bodyHeight()

	switch {
	case s.loadErr != "":
		body := []string{st.Error.Render("✗ cannot open " + clean(s.id) + ": " + s.loadErr), "", st.Muted.Render("esc: home · q: quit")}
		return append(out, window(body, 0, bodyH, w)...)
	case s.rb == nil:
		return append(out, window([]string{st.Muted.Render("reading the journal…")}, 0, bodyH, w)...)
	}

	switch m.overlay {
	case overlayHelp, overlayReport:
		return append(out, m.pager.view(st, w, bodyH)...)
	case overlayTimeline:
		return append(out, m.timeline.view(st, w, bodyH, m.now)...)
	case overlayFollowUps:
		return append(out, m.followUps.view(st, s.state, w, bodyH, m.now)...)
	case overlayPalette:
		return append(out, m.palette.view(st, w, bodyH)...)
	}

	feedH := m.feedHeight()
	var feed []string
	if feedH > 0 {
		bodyH -= feedH
		feed = append([]string{st.Rule.Render(rule(w))}, s.feedLines(st, w, feedH-1, m.now)...)
	}
	left, right := m.paneWidths()
	if left == 0 {
		if s.dialog != nil {
			// Narrow: the dialog takes the body, so its text has room.
			out = append(out, window(s.dialog.viewIn(st, w, bodyH), 0, bodyH, w)...)
			return append(out, feed...)
		}
		listH := stackedListHeight(bodyH)
		detailH := bodyH - listH - 1
		out = append(out, s.listLines(st, w, listH)...)
		out = append(out, st.Rule.Render(rule(w)))
		out = append(out, window(s.detail, s.detailTop, detailH, w)...)
		return append(out, feed...)
	}
	list := s.listLines(st, left, bodyH)
	var detail []string
	if s.dialog != nil {
		detail = window(s.dialog.viewIn(st, right, bodyH), 0, bodyH, right)
	} else {
		detail = window(s.detail, s.detailTop, bodyH, right)
	}
	sep := st.Rule.Render(" │ ")
	for i := 0; i < bodyH; i++ {
		out = append(out, list[i]+sep+detail[i])
	}
	return append(out, feed...)
}

// footer is the key help of what has the keys, then the last message or what is
// running.
func (m Model) footer() []string {
	st := m.styles
	w := m.width
	var keys help.KeyMap
	switch {
	case m.overlay == overlayTimeline && m.timeline.typing:
		keys = searchKeys{m.timeline.keys} // ? and q are text in the search
	case m.overlay == overlayTimeline:
		keys = m.timeline.keys
	case m.overlay == overlayFollowUps:
		keys = m.followUps.keys
	case m.overlay == overlayPalette:
		keys = m.palette.keys
	case m.overlay != overlayNone:
		keys = m.pager.keys
	case m.screen == screenHome:
		keys = m.home.keys
	case m.screen == screenStart:
		keys = m.start.keys
	case m.inc.dialog != nil:
		keys = nil
	case m.drill.on:
		keys = drillKeyMap{inc: m.inc.keys, drill: m.drill.keys}
	default:
		keys = m.inc.keys
	}
	line1 := ""
	if keys != nil {
		line1 = keyBar(m.help, keys.ShortHelp(), w)
	} else {
		line1 = st.Muted.Render("nothing is in the journal until you save · esc keeps the text as a draft")
	}
	var line2 string
	switch {
	case m.inc.saving != "":
		line2 = st.Notice.Render(m.spinFrame() + " saving " + m.inc.saving + "…")
	case m.drill.acting != "":
		line2 = st.Notice.Render(m.spinFrame() + " saving drill: " + m.drill.acting + "…")
	case m.inc.checkOn != "":
		line2 = st.Notice.Render(m.spinFrame() + " running the check for step " + m.inc.checkOn + "…")
	case m.flash.err:
		line2 = st.Error.Render(trunc(m.flash.text, w))
	case m.flash.text != "":
		line2 = st.Success.Render(trunc(clean(m.flash.text), w))
	}
	return []string{fitStyled(line1, w), fitStyled(line2, w)}
}

// keyBar is the one-line key help: the bindings in priority order, with help (?),
// quit (q) and close (esc) pinned at the end so they show at every width; the
// lowest-priority hints are dropped first to make room, and the bar says … when it
// dropped some.
func keyBar(hm help.Model, bindings []key.Binding, w int) string {
	var pinned, rest []key.Binding
	for _, b := range bindings {
		if !b.Enabled() {
			continue
		}
		switch b.Help().Key {
		case "?", "q", "esc", "q/esc":
			pinned = append(pinned, b)
		default:
			rest = append(rest, b)
		}
	}
	render := func(bs []key.Binding) string {
		sep := hm.Styles.ShortSeparator.Inline(true).Render(hm.ShortSeparator)
		var parts []string
		for _, b := range bs {
			parts = append(parts, hm.Styles.ShortKey.Inline(true).Render(b.Help().Key)+" "+hm.Styles.ShortDesc.Inline(true).Render(b.Help().Desc))
		}
		return strings.Join(parts, sep)
	}
	for n := len(rest); n >= 0; n-- {
		bs := append(slices.Clone(rest[:n]), pinned...)
		line := render(bs)
		if n < len(rest) {
			line = render(rest[:n])
			if n > 0 {
				line += hm.Styles.ShortSeparator.Inline(true).Render(" …")
			}
			if len(pinned) > 0 {
				if n > 0 {
					line += hm.Styles.ShortSeparator.Inline(true).Render(hm.ShortSeparator)
				}
				line += render(pinned)
			}
		}
		if cells(line) <= w || n == 0 {
			return line
		}
	}
	return ""
}

// spinFrame is the spinner's frame; in tests no tick is ever delivered, so it stays
// the first frame.
func (m Model) spinFrame() string { return m.spin.View() }

// sync brings what the screens derive up to date after every Update: scroll
// positions and the selected step's rendered text. Markdown is rendered here (once per
// step and width, then cached), never in View.
func (m *Model) sync() {
	switch m.screen {
	case screenHome:
		m.home.scroll(m.home.layout(m.height-footerLines, m.width, m.now))
		m.home.filter.SetWidth(clampInt(m.width/3, 8, 40))
		return
	case screenStart:
		m.start.resize(m.width)
		return
	}
	if m.screen != screenIncident && m.screen != screenRunbook || m.inc.rb == nil {
		return
	}
	s := &m.inc
	s.refreshReminder(m.now, m.deps.NoticeReminder)
	bodyH := m.bodyHeight() - m.feedHeight()
	left, right := m.paneWidths()
	listH, detailH := bodyH, bodyH
	if left == 0 {
		listH = stackedListHeight(bodyH)
		detailH = bodyH - listH - 1
	}
	s.scrollList(listH)
	s.refreshOverdue(m.now, listH)
	if s.dialog != nil {
		if left == 0 {
			s.dialog.resize(m.width, bodyH)
		} else {
			s.dialog.resize(right, bodyH)
		}
	}
	frame := ""
	if s.checkOn != "" {
		frame = m.spinFrame()
	}
	s.buildDetail(m.styles, m.md, right, m.now, frame, m.deps.RunCheck != nil)
	s.detailTop = clampInt(s.detailTop, 0, max(len(s.detail)-detailH, 0))
	if m.overlay == overlayHelp && m.pager.lines != nil {
		m.pager.scroll.clamp(len(m.pager.lines), bodyH-1)
	}
}

// expandHome turns a leading ~/ into the home directory, as a shell would.
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}
