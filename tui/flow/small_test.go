package flow_test

import (
	"strings"
	"testing"

	"github.com/muster-ir/muster/tui"
)

// At 30x10 the header collapses, so the timeline opened from the keyboard shows its
// rows and its key bar keeps ? and q; ? opens its help and esc goes back to it.
func TestTimelineAt30x10ShowsRows(t *testing.T) {
	d := deps(t)
	id := startIncident(t, d, "Checkout down")
	s := startSized(t, d, tui.Options{Resume: id}, 30, 10)
	s.waitFor("▸ · Open the incident", "CRITICAL")
	s.keys("space")
	s.waitFor("✓ Open the incident")
	s.keys("t")
	scr := s.waitFor("Timeline · 2 events", "▸ #2", "? help • q/esc close")
	if !strings.Contains(scr, "#1 ") {
		t.Errorf("the timeline shows only its newest row:\n%s", scr)
	}
	if n := len(strings.Split(scr, "\n")); n != 10 {
		t.Errorf("%d lines on a 10-line terminal:\n%s", n, scr)
	}
	s.keys("?")
	s.waitFor("Help · esc closes", "read the entry in full")
	s.keys("esc")
	s.waitFor("Timeline · 2 events")
	s.keys("q")
	s.waitFor("▸ · Confirm the outage", "? help • q quit")
	s.quit()
}
