package tui

import (
	"strings"
	"testing"
	"time"
)

// A medium incident runs on the business clock: home, the incident header and the
// severity dialog say "working hours", never a bare figure that reads as calendar time.
func TestBusinessClockFiguresSayWhichClock(t *testing.T) {
	d, clk := fixture(t)
	inc := openIncident(t, d, "disclosure-intake", "medium", "Report from a researcher") // Mon 11:00 in Brussels
	must(t, inc.Close())
	clk.Advance(2 * time.Hour)
	for _, sz := range sizes {
		m := newModel(t, d, Options{}, sz.w, sz.h)
		if home := shot(m); !strings.Contains(home, "22 working hours left") || !strings.Contains(home, "70 working hours left") && sz.w >= 120 {
			t.Errorf("home at %s does not say the deadline is in working hours:\n%s", sz.name, home)
		}
		m = press(t, m, "enter")
		if screen := shot(m); !strings.Contains(screen, "respond-by Wed 16:00 · 22 working hours left") {
			t.Errorf("incident header at %s:\n%s", sz.name, screen)
		}
		m = press(t, m, "v")
		for i := 0; i < 3 && !strings.Contains(shot(m), "[low]"); i++ {
			m = press(t, m, "right")
		}
		dlg := strings.Join(strings.Fields(shot(m)), " ")
		if !strings.Contains(dlg, "[low]") || !strings.Contains(dlg, "respond 72 working hours, resolve next") {
			t.Errorf("severity dialog at %s:\n%s", sz.name, shot(m))
		}
	}
}
