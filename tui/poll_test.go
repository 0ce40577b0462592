package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// tickAt moves the clock to at and delivers the clock's tick, running what it starts
// (the re-armed tick costs a second of wall time: it is a real timer).
func tickAt(t *testing.T, m Model, clk *fakeClock, at time.Time) Model {
	t.Helper()
	clk.Advance(at.Sub(clk.Now()))
	return send(t, m, tickMsg(at))
}

// A tick that drifts past an even second must not skip a poll: polls go by the time
// since the last one. With now.Second()%2 the note written at 10:15:01 would wait for
// 10:15:04.
func TestPollGoesByElapsedTimeNotTheSecond(t *testing.T) {
	d, clk, id := workedIncident(t) // 10:15:00
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	base := clk.Now()
	m = tickAt(t, m, clk, base) // polls: nothing new
	other, err := d.Store.Open(id, "bob@desk")
	must(t, err)
	must(t, other.AddNote("bob: the load balancer is shedding 40% of requests", ""))
	must(t, other.Close())
	m = tickAt(t, m, clk, base.Add(1990*time.Millisecond))
	if strings.Contains(shot(m), "load balancer") {
		t.Fatal("polled again before two seconds had passed")
	}
	m = tickAt(t, m, clk, base.Add(3010*time.Millisecond)) // an odd second, 3.01 s after the last poll
	if got := shot(m); !strings.Contains(got, "● 10:15 bob@desk note: bob: the load balancer") {
		t.Errorf("the drifting tick at 10:15:03.01 did not poll:\n%s", got)
	}
}

// One poll at a time: a tick while a poll is out starts no second one.
func TestNoTwoPollsAtOnce(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	next, _ := m.Update(tickMsg(clk.Now())) // the poll is out, not answered
	m = next.(Model)
	if !m.inc.polling {
		t.Fatal("the first tick did not poll")
	}
	req := m.inc.pollReq
	clk.Advance(5 * time.Second)
	next, _ = m.Update(tickMsg(clk.Now()))
	m = next.(Model)
	if m.inc.pollReq != req {
		t.Error("a second poll started while the first was out")
	}
}

// Ctrl+R pressed twice, and the 15-second rescan, while a scan runs: one scan is out
// at a time, and one more runs after it, so the last press is honoured.
func TestNoTwoHomeScansOverlap(t *testing.T) {
	d := homeFixture(t)
	m := New(d, Options{})
	m = send(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	first := m.FirstLoad()
	if first == nil || !m.home.scanning {
		t.Fatal("home did not start a scan")
	}
	var cmds []tea.Cmd
	for range 2 {
		next, cmd := m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
		m = next.(Model)
		cmds = append(cmds, cmd)
	}
	next, cmd := m.Update(tickMsg(d.Now().Add(time.Minute)))
	m = next.(Model)
	for _, c := range cmds {
		if c != nil {
			t.Fatal("ctrl+r started a scan while one was running")
		}
	}
	for _, msg := range execCmd(cmd) {
		if _, ok := msg.(homeLoadedMsg); ok {
			t.Fatal("the clock started a scan while one was running")
		}
	}
	if !m.home.rescan {
		t.Fatal("the refresh asked for meanwhile is forgotten")
	}
	msgs := execCmd(first)
	next, cmd = m.Update(msgs[0])
	m = next.(Model)
	if cmd == nil || !m.home.scanning {
		t.Fatal("the scan asked for during the first did not run after it")
	}
	m = runCmd(t, m, cmd)
	if m.home.scanning || m.home.rescan || len(m.home.incidents) != 3 {
		t.Errorf("after both scans: scanning %v rescan %v, %d incidents", m.home.scanning, m.home.rescan, len(m.home.incidents))
	}
}

// Home sees an incident started elsewhere at the next poll (2 s), not after 15 s.
func TestHomeRescansWhenAJournalChanged(t *testing.T) {
	d, clk := homeFixtureClock(t)
	m := newModel(t, d, Options{}, 100, 30)
	base := clk.Now()
	m = tickAt(t, m, clk, base) // within 15 s of the scan: a poll, nothing changed
	if len(m.home.incidents) != 3 || m.home.scanning {
		t.Fatalf("%d incidents, scanning %v", len(m.home.incidents), m.home.scanning)
	}
	inc := openIncident(t, d, "data-breach", "high", "Phishing mail opened by one user")
	must(t, inc.Close())
	m = tickAt(t, m, clk, base.Add(2*time.Second))
	if len(m.home.incidents) != 4 || !strings.Contains(shot(m), "Phishing mail") {
		t.Errorf("the incident started elsewhere is not on home after a poll:\n%s", shot(m))
	}
}
