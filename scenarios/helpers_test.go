package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// clock is a fake clock the tests move by hand; the incident store and the engine
// both read it.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func (c *clock) set(t time.Time)         { c.t = t }

var t0 = time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func testRunbook(t testing.TB) *runbook.Runbook {
	t.Helper()
	rb, problems := runbook.LoadFile("testdata/runbook.toml", nil)
	if len(problems) > 0 {
		t.Fatalf("fixture runbook: %v", problems)
	}
	return rb
}

func testEnv(t testing.TB) Env {
	return Env{Runbooks: OneRunbook{testRunbook(t)}}
}

// head is the start of a test scenario; the tests append injects (and pools).
const head = `schema = 1
id = "test-drill"
version = "1.0.0"
title = "Test drill"
summary = "A drill for the engine's tests."
severity = "high"
planned_duration = "2h"
story_start = 2026-03-03T09:30:00+01:00

[runbook]
id = "drill-test"
version = "^1.0.0"

[[objectives]]
id = "respond"
text = "Respond"
capability = "Operational Coordination"
`

func parseScenario(t testing.TB, body string) *Scenario {
	t.Helper()
	sc, problems := Parse("test.toml", []byte(head+body), testEnv(t))
	if len(problems) > 0 {
		t.Fatalf("test scenario has problems:\n%v", problems)
	}
	return sc
}

// harness is a drill started on a fake clock in a temporary data directory.
type harness struct {
	t     *testing.T
	c     *clock
	st    *incident.Store
	inc   *incident.Incident
	d     *Drill
	fired []string
}

func startDrill(t *testing.T, body string, seed uint64, speed float64) *harness {
	t.Helper()
	sc := parseScenario(t, body)
	c := newClock()
	st := &incident.Store{DataDir: t.TempDir(), Now: c.now, NewID: func(time.Time) string { return "INC-20260303-DRILL" }}
	inc, d, err := Start(st, StartOptions{Scenario: sc, Runbook: testRunbook(t), Policy: runbook.DefaultPolicy(), Actor: "fran@facilitator",
		Seed: seed, Speed: speed, Now: c.now()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	h := &harness{t: t, c: c, st: st, inc: inc, d: d}
	for _, f := range d.Feed() { // delivered with the start
		h.fired = append(h.fired, f.Inject)
	}
	h.step()
	return h
}

// startStored starts a drill in st and resumes it from its journal, the way the CLI
// plays one: the engine writes as o.Actor. It returns the engine and the incident id.
func startStored(tb testing.TB, st *incident.Store, o StartOptions) (*Drill, string) {
	tb.Helper()
	inc, _, err := Start(st, o)
	if err != nil {
		tb.Fatal(err)
	}
	id := inc.ID
	inc.Close()
	v, err := st.Load(id)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := Resume(v, &StoreJournal{Store: st, ID: id, Actor: o.Actor})
	if err != nil {
		tb.Fatal(err)
	}
	return d, id
}

// step advances nothing: it plays what is due at the current instant.
func (h *harness) step() Update {
	h.t.Helper()
	u, err := h.d.Step(h.c.now())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range u.Fired {
		h.fired = append(h.fired, f.Inject)
	}
	return u
}

// at moves the clock to t0+d and steps.
func (h *harness) at(d time.Duration) Update {
	h.t.Helper()
	h.c.set(t0.Add(d))
	return h.step()
}

// team runs a team action through the incident at t0+d, as the TUI does.
func (h *harness) team(d time.Duration, f func(inc *incident.Incident) error) {
	h.t.Helper()
	h.c.set(t0.Add(d))
	if _, err := h.d.WithJournal(func() error { return f(h.inc) }); err != nil {
		h.t.Fatal(err)
	}
	h.step()
}

func (h *harness) must(_ Update, err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

// firedAt returns the drill time each inject fired at.
func (h *harness) firedAt() map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, f := range h.d.Feed() {
		out[f.Inject] = f.Drill
	}
	return out
}

func (h *harness) verdicts() map[string]string {
	out := map[string]string{}
	for _, e := range h.d.Expectations(h.c.now()) {
		out[e.Inject+"/"+e.ID] = e.Verdict
	}
	return out
}

func (h *harness) events() []journal.Event {
	h.t.Helper()
	ev, err := h.inc.Events()
	if err != nil {
		h.t.Fatal(err)
	}
	return ev
}

// drillRecords lists the drill's own records as type + payload, without the real
// timestamps' wall clock (they are part of the payload and deterministic here anyway).
func drillRecords(events []journal.Event) []string {
	var out []string
	for _, e := range events {
		if strings.HasPrefix(e.Type, "drill.") {
			out = append(out, e.Type+" "+string(e.Data))
		}
	}
	return out
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
