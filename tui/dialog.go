package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// A dialog asks for the text of one action: a note, a skip reason, an escalation. Its
// text is never thrown away until the journal has it: cancel keeps it as a draft for
// the next time the same dialog opens, and a failed save leaves it in place with the
// error beside it.

type fieldKind int

const (
	fieldLine   fieldKind = iota // one line
	fieldText                    // several lines
	fieldChoice                  // one of a list
)

type field struct {
	label    string
	kind     fieldKind
	required bool
	hint     string // one line under the field
	input    textinput.Model
	area     textarea.Model
	choices  []string
	notes    []string // about each choice: lines ("\n"), wrapped to the box, never cut
	marks    []string // a mark after each choice's name (⚠), "" for none
	choice   int
}

func (f field) value() string {
	switch f.kind {
	case fieldText:
		return f.area.Value()
	case fieldChoice:
		if f.choice >= 0 && f.choice < len(f.choices) {
			return f.choices[f.choice]
		}
		return ""
	}
	return f.input.Value()
}

// dialogKind names what a dialog records.
type dialogKind string

const (
	dlgNote     dialogKind = "note"
	dlgSkip     dialogKind = "skip"
	dlgUndo     dialogKind = "undo"
	dlgAttach   dialogKind = "attach"
	dlgEscalate dialogKind = "escalate"
	dlgNotify   dialogKind = "notify"
	dlgSeverity dialogKind = "severity"
	dlgTrigger  dialogKind = "drill-trigger" // the drill screen's facilitator dialogs
	dlgAdHoc    dialogKind = "drill-adhoc"
	dlgObserve  dialogKind = "drill-observe"
	dlgDecide   dialogKind = "drill-decide"
)

type dialog struct {
	kind   dialogKind
	draft  string // draft key: kind, plus the step for step dialogs
	title  string
	intro  string // one line of context under the title
	step   string // the step it is about, if any
	fields []field
	focus  int
	err    string // the last save error; the text stays
	saving bool
	keys   dialogKeys

	completeReq int      // latest path completion asked for (attach)
	completions []string // the paths the typed one may complete to, listed under it
	compSel     int      // the one Tab takes (↑/↓ choose)
	askedFor    string   // the value completions were last asked for
	compact     bool     // short of room: no intro, no blank line between fields (resize sets it)
	keepIntro   bool     // the intro is what the dialog is about (what is still open): kept when compact
	introMax    int      // compact with keepIntro: the intro's lines that fit (resize sets it)

	escalationStep string  // the step the escalate dialog offers to complete with it
	noticeStep     string  // the step the notice dialog offers to complete with it
	returnTo       overlay // the overlay it was opened from, shown again once it closes
}

// dialogResult is what a key did to the dialog.
type dialogResult int

const (
	dialogStay dialogResult = iota
	dialogSubmit
	dialogCancel
)

// placeholder is an input's example text. Without colour it is set apart in ‹ ›, or
// it would look exactly like typed text (#12 bug 5).
func placeholder(st Styles, s string) string {
	if st.NoColor && s != "" {
		return "‹" + s + "›"
	}
	return s
}

func newLine(label, example, value string, required bool, st Styles) field {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = placeholder(st, example)
	in.SetStyles(st.Input)
	in.CharLimit = 4000
	in.SetValue(value)
	return field{label: label, kind: fieldLine, required: required, input: in}
}

func newText(label, example, value string, required bool, st Styles) field {
	ta := textarea.New()
	ta.Placeholder = placeholder(st, example)
	ta.ShowLineNumbers = false
	ta.Prompt = "┃ "
	ta.SetStyles(st.TextArea)
	ta.CharLimit = 64 << 10
	ta.MaxHeight = 0
	ta.SetValue(value)
	return field{label: label, kind: fieldText, required: required, area: ta}
}

func newChoice(label string, choices, notes []string, choice int) field {
	return field{label: label, kind: fieldChoice, choices: choices, notes: notes, choice: choice}
}

// open focuses the first field to fill (or the first field).
func (d *dialog) open() tea.Cmd {
	d.focus = 0
	for i, f := range d.fields {
		if f.label == escalationLabel {
			continue // an offer, taken as it stands unless changed
		}
		if f.kind == fieldChoice || strings.TrimSpace(f.value()) == "" {
			d.focus = i
			break
		}
	}
	return d.focusField()
}

func (d *dialog) focusField() tea.Cmd {
	var cmds []tea.Cmd
	for i := range d.fields {
		f := &d.fields[i]
		switch f.kind {
		case fieldLine:
			if i == d.focus {
				cmds = append(cmds, f.input.Focus())
			} else {
				f.input.Blur()
			}
		case fieldText:
			if i == d.focus {
				cmds = append(cmds, f.area.Focus())
			} else {
				f.area.Blur()
			}
		}
	}
	return tea.Batch(cmds...)
}

// setStyles follows a background change.
func (d *dialog) setStyles(st Styles) {
	for i := range d.fields {
		d.fields[i].input.SetStyles(st.Input)
		d.fields[i].area.SetStyles(st.TextArea)
	}
}

// update handles a key while the dialog is open.
func (d *dialog) update(msg tea.Msg) (dialogResult, tea.Cmd) {
	if d.saving {
		return dialogStay, nil // the journal has not answered yet; keys would be lost
	}
	kp, isKey := msg.(tea.KeyPressMsg)
	f := &d.fields[d.focus]
	if isKey {
		switch {
		case key.Matches(kp, d.keys.Save):
			return dialogSubmit, nil
		case key.Matches(kp, d.keys.Cancel):
			return dialogCancel, nil
		case d.kind == dlgAttach && d.focus == 0 && len(d.completions) > 0 && key.Matches(kp, d.keys.Complete):
			f.input.SetValue(d.completions[d.compSel])
			f.input.CursorEnd()
			d.completions = nil
			return dialogStay, nil
		case d.kind == dlgAttach && d.focus == 0 && len(d.completions) > 0 && key.Matches(kp, d.keys.CompPrev):
			d.compSel = (d.compSel - 1 + len(d.completions)) % len(d.completions)
			return dialogStay, nil
		case d.kind == dlgAttach && d.focus == 0 && len(d.completions) > 0 && key.Matches(kp, d.keys.CompNext):
			d.compSel = (d.compSel + 1) % len(d.completions)
			return dialogStay, nil
		case key.Matches(kp, d.keys.NextFld) && !(d.kind == dlgAttach && d.focus == 0):
			return dialogStay, d.move(1)
		case key.Matches(kp, d.keys.PrevFld):
			return dialogStay, d.move(-1)
		case key.Matches(kp, d.keys.Enter) && f.kind != fieldText:
			if d.focus == len(d.fields)-1 {
				return dialogSubmit, nil
			}
			return dialogStay, d.move(1)
		}
		if f.kind == fieldChoice {
			switch {
			case key.Matches(kp, d.keys.ChoicePrev):
				f.choice = (f.choice - 1 + len(f.choices)) % len(f.choices)
			case key.Matches(kp, d.keys.ChoiceNext):
				f.choice = (f.choice + 1) % len(f.choices)
			}
			return dialogStay, nil
		}
	}
	var cmd tea.Cmd
	switch f.kind {
	case fieldLine:
		f.input, cmd = f.input.Update(msg)
		cleanInput(&f.input)
	case fieldText:
		f.area, cmd = f.area.Update(msg)
		if v := f.area.Value(); untrusted.Clean(v) != v {
			f.area.SetValue(untrusted.Clean(v))
		}
	}
	return dialogStay, cmd
}

// cleanInput removes what untrusted.Line would from typed or pasted text (bidi
// overrides, controls) so the input never shows it; the input keeps ESC out itself.
func cleanInput(in *textinput.Model) {
	if v := in.Value(); untrusted.Line(v) != v {
		in.SetValue(untrusted.Line(v))
	}
}

func (d *dialog) move(delta int) tea.Cmd {
	d.focus = (d.focus + delta + len(d.fields)) % len(d.fields)
	return d.focusField()
}

// missing names the first required field left empty.
func (d *dialog) missing() string {
	for i, f := range d.fields {
		if f.required && strings.TrimSpace(f.value()) == "" {
			d.focus = i
			d.focusField()
			return strings.ToLower(strings.TrimSuffix(f.label, ":")) + " is required"
		}
	}
	return ""
}

func (d *dialog) value(i int) string { return d.fields[i].value() }

// resize fits the inputs to a box w cells wide and at most h lines high: a text area
// takes what the other lines leave, from 3 to 10 lines. It runs in Update.
func (d *dialog) resize(w, h int) {
	inner := max(w, 20) - 4
	introLines := len(wrap(d.intro, inner))
	errLines := 0
	if d.err != "" {
		errLines = len(wrap("✗ "+d.err, inner))
	}
	fixed := 5 + errLines + introLines // title, blank, keys, the box's borders, the error
	hasText := false
	for _, f := range d.fields {
		hasText = hasText || f.kind == fieldText
		fixed += 2 // the blank line and the label
		switch f.kind {
		case fieldLine:
			fixed++ // the input
		case fieldChoice:
			fixed += len(f.choiceLines(Styles{}, inner-2)) // the choices, wrapped
		}
		if f.hint != "" {
			fixed++
		}
		if f.kind == fieldChoice && f.notes != nil {
			fixed += noteLines(f, inner-2)
		}
	}
	need := fixed
	if hasText {
		need += 3
	}
	// Where the whole dialog does not fit (a small terminal under the drill panel), the
	// intro and the blank lines go first, so the error and the keys stay in view.
	d.compact = need > h
	minArea := 3
	if d.compact {
		fixed -= len(d.fields) + 1 + introLines
		minArea = 1 // the text is all there; the error and the keys must show
		if d.keepIntro {
			// As much of the intro as leaves the fields, the error and the keys in view.
			area := 0
			if hasText {
				area = minArea
			}
			d.introMax = max(h-fixed-area, 1)
			fixed += min(introLines, d.introMax)
		}
	}
	for i := range d.fields {
		f := &d.fields[i]
		switch f.kind {
		case fieldLine:
			f.input.SetWidth(max(inner-6, 4))
		case fieldText:
			f.area.SetWidth(max(inner-2, 4))
			f.area.SetHeight(min(max(h-fixed, minArea), 10))
		}
	}
}

// viewIn renders the dialog in a box w cells wide, as resize laid it out, in at most
// h lines. Where the box is taller than that (a
// 30x10 terminal), its title, the error and the keys stay, and the fields between
// scroll to keep the focused one in view, its label first; ↕ after the title says
// that fields are out of view.
func (d *dialog) viewIn(st Styles, w, h int) []string {
	w = max(w, 20)
	body, starts, tail := d.body(st, w)
	if len(body)+2 <= h {
		return box(st, body, w)
	}
	mid, end := body[1:tail], body[tail:]
	room := h - 3 - len(end) // the borders and the title
	if room < 1 {
		return window(box(st, body, w), 0, h, w)
	}
	// From the focused field's label, or from an earlier field's (or the intro) where
	// the focused one still fits whole below it; never from the middle of a field.
	from, to := starts[d.focus]-1, starts[d.focus+1]-1
	top := from
	for j := d.focus - 1; j >= -1; j-- {
		start := 0 // the intro
		if j >= 0 {
			start = starts[j] - 1
		}
		if to-start > room {
			break
		}
		top = start
	}
	title := st.Title.Render(fit(d.title, w-6)) + st.Muted.Render(" ↕")
	lines := append([]string{title}, mid[top:min(top+room, len(mid))]...)
	return box(st, append(lines, end...), w)
}

// body is the dialog's lines inside its box, with where each field's lines start (and,
// last, where the lines after the fields end) and where the error and the keys start.
func (d *dialog) body(st Styles, w int) (body []string, starts []int, tail int) {
	inner := w - 4
	body = append(body, st.Title.Render(fit(d.title, inner)))
	if d.intro != "" && (!d.compact || d.keepIntro) {
		lines := wrap(d.intro, inner)
		if d.compact && len(lines) > d.introMax {
			lines = append(lines[:d.introMax-1], trunc(strings.Join(lines[d.introMax-1:], " "), inner))
		}
		for _, l := range lines {
			body = append(body, st.Muted.Render(fit(l, inner)))
		}
	}
	for i := range d.fields {
		f := &d.fields[i]
		marker := "  "
		if i == d.focus {
			marker = st.Focused.Render("▸ ")
		}
		if !d.compact {
			body = append(body, "")
		}
		starts = append(starts, len(body))
		body = append(body, marker+st.Label.Render(trunc(f.label, inner-2)))
		switch f.kind {
		case fieldLine:
			body = append(body, "  "+f.input.View())
		case fieldText:
			for _, l := range strings.Split(f.area.View(), "\n") {
				body = append(body, "  "+l)
			}
		case fieldChoice:
			for _, l := range f.choiceLines(st, inner-2) {
				body = append(body, "  "+l)
			}
			if f.notes != nil && f.choice < len(f.notes) {
				lines := wrapNote(f.notes[f.choice], inner-2)
				for len(lines) < noteLines(*f, inner-2) {
					lines = append(lines, "") // the box keeps its height from choice to choice
				}
				for _, l := range lines {
					body = append(body, "  "+st.Muted.Render(l))
				}
			}
		}
		if d.kind == dlgAttach && i == 0 && len(d.completions) > 0 {
			body = append(body, d.completionLines(st, inner-2)...)
		}
		if f.hint != "" {
			body = append(body, "  "+st.Muted.Render(trunc(f.hint, inner-2)))
		}
	}
	starts = append(starts, len(body))
	tail = len(body)
	if !d.compact {
		body = append(body, "")
	}
	switch {
	case d.saving:
		body = append(body, st.Notice.Render(trunc("saving to the journal…", inner)))
	case d.err != "":
		for _, l := range wrap("✗ "+d.err, inner) {
			body = append(body, st.Error.Render(l))
		}
	}
	body = append(body, st.Muted.Render(trunc(d.hints(), inner)))
	return body, starts, tail
}

// maxShownCompletions is how many completions the attach dialog lists at once.
const maxShownCompletions = 4

// completionLines lists the path completions under the field, the one Tab takes
// marked ▸: words, never colour alone, tell them from the typed text.
func (d *dialog) completionLines(st Styles, w int) []string {
	n := len(d.completions)
	from := clampInt(d.compSel-maxShownCompletions+1, 0, max(n-maxShownCompletions, 0))
	// The directory typed so far is the same for all: list what follows it.
	dir := d.fields[0].input.Value()
	dir = dir[:strings.LastIndex(dir, "/")+1]
	head := fmt.Sprintf("%s — tab takes ▸, ↑/↓ choose:", plural(n, "completion", "completions"))
	if dir != "" {
		head = fmt.Sprintf("%s in %s — tab takes ▸, ↑/↓ choose:", plural(n, "completion", "completions"), dir)
	}
	out := []string{"  " + st.Muted.Render(trunc(clean(head), w))}
	for i := from; i < n && i < from+maxShownCompletions; i++ {
		mark := "    "
		if i == d.compSel {
			mark = "  ▸ "
		}
		out = append(out, st.Muted.Render(trunc(mark+clean(strings.TrimPrefix(d.completions[i], dir)), w+2)))
	}
	return out
}

func (d *dialog) hints() string {
	f := d.fields[d.focus]
	var parts []string
	switch f.kind {
	case fieldText:
		parts = append(parts, "ctrl+s save", "enter new line")
	case fieldChoice:
		parts = append(parts, "←/→ choose", "enter next")
	default:
		if d.focus == len(d.fields)-1 {
			parts = append(parts, "enter save")
		} else {
			parts = append(parts, "enter next")
		}
	}
	if d.kind == dlgAttach {
		parts = append(parts, "tab complete")
	} else if len(d.fields) > 1 {
		parts = append(parts, "tab field")
	}
	parts = append(parts, "esc cancel (text kept)")
	return strings.Join(parts, " · ")
}

// box draws a frame of w cells around lines.
func box(st Styles, lines []string, w int) []string {
	inner := w - 4
	out := make([]string, 0, len(lines)+2)
	out = append(out, st.Rule.Render("┌"+strings.Repeat("─", w-2)+"┐"))
	for _, l := range lines {
		out = append(out, st.Rule.Render("│")+" "+fitStyled(l, inner)+" "+st.Rule.Render("│"))
	}
	out = append(out, st.Rule.Render("└"+strings.Repeat("─", w-2)+"┘"))
	return out
}

// noteLines is how many lines the longest note of a choice takes, wrapped to w: the
// box keeps that height from choice to choice, and no note is cut (a severity's new
// deadlines must be read whole, at 80 columns too).
func noteLines(f field, w int) int {
	n := 1
	for _, note := range f.notes {
		n = max(n, len(wrapNote(note, w)))
	}
	return n
}

// wrapNote wraps each line of a note to w cells.
func wrapNote(note string, w int) []string {
	var out []string
	for _, l := range strings.Split(note, "\n") {
		out = append(out, wrap(l, w)...)
	}
	return out
}

// choiceLines lays a choice field's items out on lines w cells wide, the chosen one in
// [brackets] and styled, each with its mark.
func (f *field) choiceLines(st Styles, w int) []string {
	var parts []string
	for j, c := range f.choices {
		if j < len(f.marks) && f.marks[j] != "" {
			c += " " + f.marks[j]
		}
		if j == f.choice {
			parts = append(parts, "["+c+"]")
		} else {
			parts = append(parts, " "+c+" ")
		}
	}
	lines := wrap(strings.Join(parts, " "), w)
	if f.choice >= 0 && f.choice < len(parts) {
		for i, l := range lines {
			if strings.Contains(l, parts[f.choice]) {
				lines[i] = strings.Replace(l, parts[f.choice], st.Selected.Render(parts[f.choice]), 1)
				break
			}
		}
	}
	return lines
}
