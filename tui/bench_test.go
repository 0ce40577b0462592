package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// The benchmarks build their data in b.TempDir: a 2,000-step runbook (seven phases,
// each step with a Markdown body, evidence prompts, commands and a timebox) and an
// incident following it with a journal of n events.
//
//	go test -run='^$' -bench=. -benchmem ./tui/

const benchSteps = 2000

func bigRunbook(tb testing.TB, dir string) *runbook.Runbook {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`schema = 1
id = "big"
title = "A runbook with two thousand steps"
version = "1.0.0"
summary = "Benchmark fixture."
owner = "bench@example.com"
severities = ["critical", "high"]
`)
	per := benchSteps / len(runbook.PhaseOrder)
	n := 0
	for pi, ph := range runbook.PhaseOrder {
		count := per
		if pi == len(runbook.PhaseOrder)-1 {
			count = benchSteps - n
		}
		for i := 0; i < count; i++ {
			fmt.Fprintf(&b, `
[[phases.%s.steps]]
id = "step-%d"
title = "Step %d of the %s phase: check the thing and record what you saw"
role = "ops lead"
timebox = "15m"
body = """
Do **this** first, then that. Record what the *dashboard* shows and why.

- one item
- another item with a [link](https://example.com/%d)
"""
evidence = ["What the dashboard showed", "The time it changed"]
commands = ["aws rds describe-db-instances --db-instance-identifier prod-db-%d"]
`, ph, n, n, ph, n, n)
			n++
		}
	}
	path := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	rb, problems := runbook.LoadFile(path, runbook.DefaultPolicy())
	if len(problems) > 0 {
		tb.Fatal(problems)
	}
	return rb
}

// noSync lets the benchmark write a 100,000-event journal in seconds: the fsync of
// each append is what it skips, nothing else.
type noSync struct{ *os.File }

func (noSync) Sync() error { return nil }

// bigIncident starts an incident with the 2,000-step runbook through the incident
// package, then appends events (notes, steps done and undone) up to n in all.
func bigIncident(tb testing.TB, n int) (Deps, string) {
	tb.Helper()
	d, clk := fixture(tb)
	rb := bigRunbook(tb, tb.TempDir())
	inc, err := d.Store.Start(incident.StartOptions{Runbook: rb, Policy: d.Policy, Severity: "critical", Title: "Benchmark incident", Actor: d.Actor})
	if err != nil {
		tb.Fatal(err)
	}
	id, dir := inc.ID, inc.Dir
	must(tb, inc.Close())
	j, err := journal.Open(dir, journal.WithClock(clk.Now), journal.WithFile(func(f *os.File) journal.File { return noSync{f} }))
	if err != nil {
		tb.Fatal(err)
	}
	steps := rb.Steps()
	for i := 1; i < n; i++ {
		clk.Advance(time.Second)
		st := steps[(i/3)%len(steps)].ID
		switch {
		case i%3 == 0 && (i/3)/len(steps)%2 == 0:
			_, err = j.Append(d.Actor, incident.EvStepDone, incident.StepEvent{Step: st})
		case i%3 == 0:
			_, err = j.Append(d.Actor, incident.EvStepUndone, incident.StepEvent{Step: st, Reason: "redo"})
		default:
			_, err = j.Append(d.Actor, incident.EvNote, incident.Note{Text: fmt.Sprintf("observation %d: error rate back to 0.3 %%", i), Step: st})
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(tb, j.Close())
	return d, id
}

// BenchmarkIncidentView is one frame of the incident screen at 120x40 with the
// 2,000-step runbook, a step in the middle selected, for a journal of 100 and of
// 100,000 events.
func BenchmarkIncidentView(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			d, id := bigIncident(b, n)
			m := newModel(b, d, Options{Resume: id}, 120, 40)
			if m.inc.state == nil || m.inc.state.Events != n {
				b.Fatalf("resumed %v events, want %d", m.inc.state, n)
			}
			m = send(b, m, keyMsg("g"))
			for i := 0; i < benchSteps/2; i++ {
				m = send(b, m, keyMsg("down"))
			}
			if !strings.Contains(shot(m), "▸") {
				b.Fatal("no selection on screen")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkResume is `muster incident resume` of a 100,000-event incident up to its
// first frame: the model, the read of the journal with the fold, the first layout and
// the first View.
func BenchmarkResume(b *testing.B) {
	d, id := bigIncident(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := New(d, Options{Resume: id})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m = next.(Model)
		next, _ = m.Update(m.FirstLoad()())
		m = next.(Model)
		if m.inc.state == nil || !strings.Contains(m.View().Content, "Benchmark incident") {
			b.Fatal("no first frame")
		}
	}
}

// TestLargeIncidentResumes plays the benchmarks' scenario once in the test run: a
// 2,000-step, 100,000-event incident resumes and renders a full frame at the end of
// its step list. Speed is the benchmarks' job (timed assertions do not belong in
// tests on a shared machine); this keeps the scenario itself from rotting.
func TestLargeIncidentResumes(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds a 100,000-event journal: not in -short, not under -race")
	}
	d, id := bigIncident(t, 100_000)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	if m.inc.state == nil || m.inc.state.Events != 100_000 {
		t.Fatalf("resumed state: %+v", m.inc.state)
	}
	m = press(t, m, "G")
	view := m.View().Content
	if !strings.Contains(view, "Benchmark incident") || strings.Count(view, "\n") > 40 {
		t.Errorf("last frame of the large incident:\n%s", view)
	}
}
