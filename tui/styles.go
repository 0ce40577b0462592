package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Styles is every style the TUI uses, by meaning. It is built once from the terminal's
// background (tea.BackgroundColorMsg) and the no-colour setting; no view picks a colour
// of its own. In no-colour mode every style is empty: the screen is plain text and
// state is carried by symbols and words alone.
type Styles struct {
	IsDark  bool
	NoColor bool

	Title    lipgloss.Style // screen and pane titles
	Heading  lipgloss.Style // section headings inside a pane
	Muted    lipgloss.Style // secondary text: ids, times, hints
	Label    lipgloss.Style // field labels
	Selected lipgloss.Style // the selected row of a list
	Focused  lipgloss.Style // the focused field's marker
	Rule     lipgloss.Style // separators between panes
	Code     lipgloss.Style // commands to copy

	Phase         lipgloss.Style // a phase header
	PhaseComplete lipgloss.Style // a phase with every step done or skipped
	Done          lipgloss.Style
	Skipped       lipgloss.Style
	Todo          lipgloss.Style
	Overdue       lipgloss.Style

	SLAOk     lipgloss.Style
	SLAWarn   lipgloss.Style // under 25 % of the time left
	SLAMissed lipgloss.Style
	SLAMet    lipgloss.Style

	SevHigh lipgloss.Style // the two most severe levels of a scheme
	SevLow  lipgloss.Style

	Error   lipgloss.Style
	Success lipgloss.Style
	Notice  lipgloss.Style // neutral messages ("copied ...")

	Key  lipgloss.Style // a key in help text
	Desc lipgloss.Style // its description

	Status lipgloss.Style // the incident status bar

	DrillMark lipgloss.Style // the DRILL marker and the drill's state
	NewInject lipgloss.Style // an inject just delivered

	// Glamour names how Markdown bodies are rendered: "dark", "light" or "notty" (plain).
	Glamour string

	Help     help.Styles
	Input    textinput.Styles
	TextArea textarea.Styles
}

// NewStyles builds the styles for a dark or light background, or plain ones.
func NewStyles(isDark, noColor bool) Styles {
	if noColor {
		return plainStyles(isDark)
	}
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(ld(lipgloss.Color(light), lipgloss.Color(dark)))
	}
	green := c("#1A7F37", "#3FB950")
	amber := c("#9A6700", "#D29922")
	red := c("#CF222E", "#F85149")
	muted := c("#6E7781", "#8B949E")
	accent := c("#0550AE", "#79C0FF")

	s := Styles{
		IsDark:        isDark,
		Title:         lipgloss.NewStyle().Bold(true),
		Heading:       accent.Bold(true),
		Muted:         muted,
		Label:         muted,
		Selected:      lipgloss.NewStyle().Background(ld(lipgloss.Color("#DDF4FF"), lipgloss.Color("#1F3A5F"))).Bold(true),
		Focused:       accent.Bold(true),
		Rule:          c("#D0D7DE", "#30363D"),
		Code:          c("#953800", "#FFA657"),
		Phase:         lipgloss.NewStyle().Bold(true),
		PhaseComplete: green.Bold(true),
		Done:          green,
		Skipped:       muted,
		Todo:          lipgloss.NewStyle(),
		Overdue:       amber.Bold(true),
		SLAOk:         green,
		SLAWarn:       amber.Bold(true),
		SLAMissed:     red.Bold(true),
		SLAMet:        green,
		SevHigh:       red.Bold(true),
		SevLow:        amber,
		Error:         red.Bold(true),
		Success:       green,
		Notice:        accent,
		Key:           accent,
		Desc:          muted,
		Status:        lipgloss.NewStyle().Bold(true),
		DrillMark:     c("#8250DF", "#D2A8FF").Bold(true),
		NewInject:     lipgloss.NewStyle().Background(ld(lipgloss.Color("#FFF8C5"), lipgloss.Color("#3B2E00"))).Bold(true),
		Glamour:       "dark",
	}
	if !isDark {
		s.Glamour = "light"
	}
	s.Help = help.Styles{
		Ellipsis: muted, ShortKey: accent, ShortDesc: muted, ShortSeparator: muted,
		FullKey: accent, FullDesc: muted, FullSeparator: muted,
	}
	s.Input = textinput.DefaultStyles(isDark)
	s.Input.Cursor.Blink = false
	s.TextArea = textarea.DefaultStyles(isDark)
	s.TextArea.Cursor.Blink = false
	return s
}

// plainStyles has no colour and no attributes, so the view holds no escape sequence
// but the input cursor's.
func plainStyles(isDark bool) Styles {
	p := lipgloss.NewStyle()
	s := Styles{
		IsDark: isDark, NoColor: true,
		Title: p, Heading: p, Muted: p, Label: p, Selected: p, Focused: p, Rule: p, Code: p,
		Phase: p, PhaseComplete: p, Done: p, Skipped: p, Todo: p, Overdue: p,
		SLAOk: p, SLAWarn: p, SLAMissed: p, SLAMet: p, SevHigh: p, SevLow: p,
		Error: p, Success: p, Notice: p, Key: p, Desc: p, Status: p, DrillMark: p, NewInject: p,
		Glamour: "notty",
	}
	s.Help = help.Styles{Ellipsis: p, ShortKey: p, ShortDesc: p, ShortSeparator: p, FullKey: p, FullDesc: p, FullSeparator: p}
	in := textinput.StyleState{Text: p, Placeholder: p, Suggestion: p, Prompt: p}
	s.Input = textinput.Styles{Focused: in, Blurred: in, Cursor: textinput.CursorStyle{Shape: tea.CursorBlock}}
	ta := textarea.StyleState{Base: p, Text: p, LineNumber: p, CursorLineNumber: p, CursorLine: p,
		EndOfBuffer: p, Placeholder: p, Prompt: p, Selection: p}
	s.TextArea = textarea.Styles{Focused: ta, Blurred: ta, Cursor: textarea.CursorStyle{Shape: tea.CursorBlock}}
	return s
}
