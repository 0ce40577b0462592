package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// scroller is the one scroll position of the pager (report, help) and the timeline:
// the first visible row and, with a cursor, the selected row, which the view keeps in
// sight. Only visible rows are ever rendered, so its size does not matter.
type scroller struct {
	top    int
	sel    int
	cursor bool // rows are selected one by one (the timeline); else the page moves
}

// scrollKeys are the moves every scroller takes.
type scrollKeys struct {
	Up, Down    key.Binding
	PageUp      key.Binding
	PageDown    key.Binding
	First, Last key.Binding
}

func newScrollKeys(first, last string) scrollKeys {
	return scrollKeys{
		Up:       bind([]string{"up", "k"}, "↑/k", "up"),
		Down:     bind([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   bind([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: bind([]string{"pgdown", "ctrl+d", "space"}, "pgdn", "page down"),
		First:    bind([]string{"home", "g"}, "g", first),
		Last:     bind([]string{"end", "G"}, "G", last),
	}
}

// update moves for a key of k over n rows shown h at a time; it reports whether the
// key was a move.
func (s *scroller) update(msg tea.KeyPressMsg, k scrollKeys, n, h int) bool {
	page := max(h-1, 1)
	d := 0
	switch {
	case key.Matches(msg, k.Up):
		d = -1
	case key.Matches(msg, k.Down):
		d = 1
	case key.Matches(msg, k.PageUp):
		d = -page
	case key.Matches(msg, k.PageDown):
		d = page
	case key.Matches(msg, k.First):
		d = -n
	case key.Matches(msg, k.Last):
		d = n
	default:
		return false
	}
	if s.cursor {
		s.sel += d
	} else {
		s.top += d
	}
	s.clamp(n, h)
	return true
}

// toEnd shows the last rows (and selects the last one).
func (s *scroller) toEnd(n, h int) {
	s.sel, s.top = n-1, n
	s.clamp(n, h)
}

// clamp keeps the position inside n rows shown h at a time, and the cursor in view.
func (s *scroller) clamp(n, h int) {
	h = max(h, 1)
	if s.cursor {
		s.sel = clampInt(s.sel, 0, max(n-1, 0))
		if s.sel < s.top {
			s.top = s.sel
		}
		if s.sel >= s.top+h {
			s.top = s.sel - h + 1
		}
	}
	s.top = clampInt(s.top, 0, max(n-h, 0))
}
