package tui

import "testing"

func TestScroller(t *testing.T) {
	k := newScrollKeys("top", "bottom")
	page := scroller{}
	for _, c := range []struct {
		name    string
		key     string
		top     int
		handled bool
	}{
		{"down moves the page a line", "down", 1, true},
		{"a page is the height less one line kept", "pgdown", 10, true},
		{"the end stops at the last full page", "G", 90, true},
		{"past the end stays there", "down", 90, true},
		{"g goes back to the top", "g", 0, true},
		{"up at the top stays", "up", 0, true},
		{"other keys are not moves", "x", 0, false},
	} {
		handled := page.update(keyMsg(c.key), k, 100, 10)
		if handled != c.handled || page.top != c.top {
			t.Errorf("%s: handled %v top %d, want %v %d", c.name, handled, page.top, c.handled, c.top)
		}
	}
	cur := scroller{cursor: true}
	cur.toEnd(100, 10)
	if cur.sel != 99 || cur.top != 90 {
		t.Fatalf("toEnd: sel %d top %d", cur.sel, cur.top)
	}
	for range 10 {
		cur.update(keyMsg("up"), k, 100, 10)
	}
	if cur.sel != 89 || cur.top != 89 {
		t.Errorf("the cursor left the view: sel %d top %d", cur.sel, cur.top)
	}
	cur.clamp(5, 10) // the rows shrank (a filter)
	if cur.sel != 4 || cur.top != 0 {
		t.Errorf("after the rows shrank: sel %d top %d", cur.sel, cur.top)
	}
}
