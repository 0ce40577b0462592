package tui

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// The command palette (Ctrl+K) lists every action of the incident screen with its
// key, filtered as you type by a fuzzy match, so every action is reachable at 80
// columns and found without reading the help. Enter runs the action exactly as its
// key would.

type palette struct {
	input   textinput.Model
	actions []key.Binding // every action of the screen, in help order
	shown   []key.Binding // those matching the input, best first
	sel     int
	keys    paletteKeys
}

type paletteKeys struct {
	Up, Down key.Binding
	Run      key.Binding
	Close    key.Binding
}

func newPaletteKeys() paletteKeys {
	return paletteKeys{
		Up:    bind([]string{"up", "ctrl+p"}, "↑", "previous"),
		Down:  bind([]string{"down", "ctrl+n"}, "↓", "next"),
		Run:   bind([]string{"enter"}, "enter", "run"),
		Close: bind([]string{"esc", "ctrl+k"}, "esc", "close"),
	}
}

func (k paletteKeys) ShortHelp() []key.Binding { return []key.Binding{k.Run, k.Down, k.Close} }
func (k paletteKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Run, k.Close}}
}

func (m *Model) openPalette() tea.Cmd {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = placeholder(m.styles, "type to find an action")
	in.SetStyles(m.styles.Input)
	in.SetWidth(max(m.width-6, 10))
	var actions []key.Binding
	km := help.KeyMap(m.inc.keys)
	if m.drill.on {
		km = drillKeyMap{inc: m.inc.keys, drill: m.drill.keys}
	}
	// What changes the incident first, moving about last.
	groups := km.FullHelp()
	if len(groups) > 1 {
		groups = append(groups[1:], groups[0])
	}
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() && !key.Matches(keyPress(b.Keys()[0]), m.inc.keys.Palette) {
				actions = append(actions, b)
			}
		}
	}
	m.palette = palette{input: in, actions: actions, keys: newPaletteKeys()}
	m.palette.filter()
	m.overlay = overlayPalette
	return m.palette.input.Focus()
}

// filter keeps the actions whose description or key holds the typed letters in order
// (a fuzzy match), best first: a match at the start of a word beats one inside it.
func (p *palette) filter() {
	q := strings.ToLower(strings.TrimSpace(p.input.Value()))
	type scored struct {
		b     key.Binding
		score int
	}
	var hits []scored
	for _, b := range p.actions {
		h := b.Help()
		if s, ok := fuzzy(q, strings.ToLower(h.Desc+" "+h.Key)); ok {
			hits = append(hits, scored{b, s})
		}
	}
	// Stable insertion sort: few actions, and equal scores keep the help's order.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].score > hits[j-1].score; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	p.shown = p.shown[:0]
	for _, h := range hits {
		p.shown = append(p.shown, h.b)
	}
	p.sel = clampInt(p.sel, 0, max(len(p.shown)-1, 0))
}

// fuzzy reports whether every rune of q occurs in s in order, and a score: more for
// runes at the start of a word and for runs of consecutive runes.
func fuzzy(q, s string) (int, bool) {
	if q == "" {
		return 0, true
	}
	qr := []rune(q)
	score, qi, prev := 0, 0, -2
	rs := []rune(s)
	for i, r := range rs {
		if qi == len(qr) {
			break
		}
		if r != qr[qi] {
			continue
		}
		switch {
		case i == 0 || !unicode.IsLetter(rs[i-1]):
			score += 3
		case prev == i-1:
			score += 2
		default:
			score++
		}
		prev = i
		qi++
	}
	return score, qi == len(qr)
}

func (m *Model) paletteKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.palette
	switch {
	case key.Matches(msg, p.keys.Close):
		m.overlay = overlayNone
		return nil
	case key.Matches(msg, p.keys.Up):
		p.sel = max(p.sel-1, 0)
		return nil
	case key.Matches(msg, p.keys.Down):
		p.sel = min(p.sel+1, max(len(p.shown)-1, 0))
		return nil
	case key.Matches(msg, p.keys.Run):
		if len(p.shown) == 0 {
			return nil
		}
		b := p.shown[p.sel]
		m.overlay = overlayNone
		return m.incidentKey(keyPress(b.Keys()[0]))
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	cleanInput(&p.input)
	p.filter()
	return cmd
}

func (p *palette) view(st Styles, w, h int) []string {
	out := []string{st.Heading.Render(fit("All actions · type to filter · enter runs · esc closes", w)), fitStyled(p.input.View(), w)}
	if len(p.shown) == 0 {
		out = append(out, st.Muted.Render(fit("no action matches", w)))
	}
	keyW := 0
	for _, b := range p.shown {
		keyW = max(keyW, cells(b.Help().Key))
	}
	top := clampInt(p.sel-(h-3)+1, 0, max(len(p.shown)-(h-2), 0))
	for i := top; i < len(p.shown) && len(out) < h; i++ {
		hb := p.shown[i].Help()
		cursor := "  "
		if i == p.sel {
			cursor = "▸ "
		}
		line := cursor + pad(hb.Key, keyW) + "  " + hb.Desc
		if i == p.sel {
			out = append(out, st.Selected.Render(fit(line, w)))
		} else {
			out = append(out, fit(line, w))
		}
	}
	return window(out, 0, h, w)
}

// keyPress is the key press a binding's key name stands for, so the palette runs an
// action through the very code its key does.
func keyPress(k string) tea.KeyPressMsg {
	named := map[string]rune{"enter": tea.KeyEnter, "space": tea.KeySpace, "esc": tea.KeyEscape, "tab": tea.KeyTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp,
		"pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace}
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(k, "ctrl+"):
			mod |= tea.ModCtrl
			k = k[5:]
			continue
		case strings.HasPrefix(k, "shift+"):
			mod |= tea.ModShift
			k = k[6:]
			continue
		case strings.HasPrefix(k, "alt+"):
			mod |= tea.ModAlt
			k = k[4:]
			continue
		}
		break
	}
	if c, ok := named[k]; ok {
		msg := tea.KeyPressMsg{Code: c, Mod: mod}
		if c == tea.KeySpace {
			msg.Text = " "
		}
		return msg
	}
	r := []rune(k)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: k}
}
