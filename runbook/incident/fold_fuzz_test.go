package incident

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// The journal corpus: real journals written by the incident commands (through the
// Store, on a fixed clock), committed under testdata/journals. They seed FuzzFold and
// are rewritten with MUSTER_WRITE_CORPUS=1 go test -run TestJournalCorpus.
var corpusJournals = map[string]func(t *testing.T, st *Store){
	// A critical outage worked to the end: every kind of responder event.
	"outage-worked": func(t *testing.T, st *Store) {
		inc := corpusStart(t, st, "critical", false)
		c := corpusClock(st)
		must(t, inc.AddNote("502 on every EU request", "confirm"))
		c.advance(4 * time.Minute)
		must(t, inc.CompleteStep("confirm", "seen on the dashboard"))
		must(t, inc.Escalate("incident lead", "all EU customers blocked"))
		must(t, inc.Assign("incident commander", "carol"))
		c.advance(10 * time.Minute)
		must(t, inc.CompleteStep("assign-owner", ""))
		must(t, inc.Notify("affected customers", "email", "We are failing over."))
		_, err := inc.AppendEvent(EvAttached, Attached{journal.Attachment{Kind: journal.KindFile, Path: "/var/log/nginx/error.log", Host: "laptop",
			Size: 18234, Mode: "-rw-r-----", SHA256: "3f5d9a3c1e0b7a4f6d2c8e9b1a0f4e7d6c5b4a3928170f6e5d4c3b2a19080706"}})
		must(t, err)
		c.advance(25 * time.Minute)
		must(t, inc.SkipStep("failover", "traffic already moved by the load balancer"))
		must(t, inc.UndoStep("failover", "the load balancer did not move it"))
		c.advance(10 * time.Minute)
		must(t, inc.CompleteStep("failover", ""))
		must(t, inc.CompleteStep("page-leadership", ""))
		must(t, inc.RecordCheck(CheckRun{Step: "failover", Check: "backup", Status: "pass", Summary: "3 databases in policy"}))
		_, err = inc.RecordImpact(ImpactOptions{Service: "platform", Start: c.t.Add(-55 * time.Minute)})
		must(t, err)
		_, err = inc.RecordImpact(ImpactOptions{Window: "W1", End: c.t.Add(-time.Minute), Note: "from the load balancer"})
		must(t, err)
		c.advance(time.Hour)
		must(t, inc.ChangeSeverity("high", "EU traffic restored, US degraded"))
		must(t, inc.Notify("affected customers", "status page", "EU restored."))
		_, err = inc.AddFollowUp("dave", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), "Alert 14 days before certificates expire")
		must(t, err)
		c.advance(2 * time.Hour)
		must(t, inc.CompleteFollowUp("F1", "alert added"))
		must(t, inc.CompleteStep("postmortem", ""))
		must(t, inc.CloseIncident("certificate renewed", false, ""))
	},
	// A medium incident over a weekend, closed by force with work open.
	"weekend-forced-close": func(t *testing.T, st *Store) {
		inc := corpusStart(t, st, "medium", false)
		c := corpusClock(st)
		must(t, inc.Acknowledge())
		c.advance(62 * time.Hour)
		must(t, inc.CompleteStep("confirm", ""))
		_, err := inc.AddFollowUp("erin", time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC), "Find the cause")
		must(t, err)
		must(t, inc.ChangeSeverity("low", "one tenant only"))
		c.advance(3 * time.Hour)
		must(t, inc.CloseIncident("", true, "handed to problem management"))
	},
	// A drill: the drill's own records among the team's.
	"drill": func(t *testing.T, st *Store) {
		inc := corpusStart(t, st, "high", true)
		c := corpusClock(st)
		for _, p := range samplePayloads() {
			switch p.(type) {
			case DrillStarted, InjectDelivered, DecisionTaken, ExpectationVerdict, DrillPaused, DrillResumed, DrillSpeed, DrillSkip, AdHocInject, DrillStop, DrillEnded:
				c.advance(time.Minute)
				_, err := inc.AppendEvent(p.EventType(), p)
				must(t, err)
			}
			if _, ok := p.(InjectDelivered); ok {
				must(t, inc.CompleteStep("confirm", ""))
			}
		}
	},
	// Lines that verify but hold what muster cannot read, and a newer release's event.
	"undecodable": func(t *testing.T, st *Store) {
		inc := corpusStart(t, st, "high", false)
		must(t, inc.AddNote("before", ""))
		inc.Close()
		j, err := journal.Open(inc.Dir, journal.WithActor("script@ci"), journal.WithClock(corpusClock(st).now))
		must(t, err)
		for _, e := range []struct {
			typ  string
			data any
		}{{EvStepDone, map[string]any{"step": 5}}, {EvSeverityChanged, map[string]any{"from": "high"}}, {"pager.acked", map[string]any{"by": "pagerduty"}},
			{EvEscalated, map[string]any{"to": "incident lead", "reason": "still down"}}} {
			_, err := j.Append("script@ci", e.typ, e.data)
			must(t, err)
		}
		must(t, j.Close())
	},
}

var corpusStores = map[*Store]*clock{}

func corpusClock(st *Store) *clock { return corpusStores[st] }

func corpusStart(t *testing.T, st *Store, severity string, drill bool) *Incident {
	t.Helper()
	inc, err := st.Start(StartOptions{Runbook: mustRunbook(t), Policy: runbook.DefaultPolicy(), Severity: severity, Title: "Checkout is down",
		Actor: "alice@laptop", Drill: drill})
	must(t, err)
	t.Cleanup(func() { inc.Close() })
	return inc
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeCorpus writes the journal called name into dir/<name>.jsonl.
func writeCorpus(t *testing.T, name, dir string) string {
	t.Helper()
	cet := time.FixedZone("CET", 3600)
	c := &clock{time.Date(2026, 11, 27, 16, 30, 0, 0, cet)} // a Friday afternoon in Brussels
	st := &Store{DataDir: t.TempDir(), Now: c.now, NewID: func(time.Time) string { return "INC-20261127-CORP1" }}
	corpusStores[st] = c
	corpusJournals[name](t, st)
	b, err := os.ReadFile(filepath.Join(st.Dir("INC-20261127-CORP1"), journal.FileName))
	must(t, err)
	path := filepath.Join(dir, name+".jsonl")
	must(t, os.WriteFile(path, b, 0o644))
	return path
}

// The committed corpus is what today's commands write: a payload change that makes
// old journals unreadable shows here first.
func TestJournalCorpus(t *testing.T) {
	for name := range corpusJournals {
		t.Run(name, func(t *testing.T) {
			want := filepath.Join("testdata", "journals", name+".jsonl")
			if os.Getenv("MUSTER_WRITE_CORPUS") == "1" {
				writeCorpus(t, name, filepath.Dir(want))
			}
			got, err := os.ReadFile(writeCorpus(t, name, t.TempDir()))
			must(t, err)
			committed, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (write it with MUSTER_WRITE_CORPUS=1)", err)
			}
			if !bytes.Equal(got, committed) {
				t.Errorf("%s is not what the commands write today; rewrite it with MUSTER_WRITE_CORPUS=1 and review the diff", want)
			}
			events := corpusEvents(t, committed, true)
			s := Fold(mustRunbook(t), events)
			wantUndecodable := map[string]int{"undecodable": 2}[name]
			if len(s.Undecodable) != wantUndecodable || s.Events != len(events) {
				t.Errorf("%d undecodable of %d events: %+v", len(s.Undecodable), s.Events, s.Undecodable)
			}
		})
	}
}

// corpusEvents reads journal lines; strict checks each line's hash as the journal
// does, otherwise a line is taken for what its JSON says (the fuzzer breaks hashes).
func corpusEvents(t *testing.T, b []byte, strict bool) []journal.Event {
	var out []journal.Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan() && len(out) < 500; n++ {
		var e journal.Event
		if strict {
			var err error
			if e, err = journal.DecodeLine(sc.Bytes()); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
		} else if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		e.Line = n
		out = append(out, e)
	}
	return out
}

// FuzzFold folds journals the fuzzer derives from the corpus: never a panic, every
// event counted, and folding is deterministic: the same events give the same state
// twice, and folding part of them then applying the rest gives the state folded at
// once. Every reading of the state (SLAs, progress, open work, updates due, phase
// starts, timeboxes, descriptions) runs on it.
func FuzzFold(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "journals", "*.jsonl"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(3))
	}
	rb, problems := runbook.LoadFile("testdata/runbook.toml", nil)
	if len(problems) > 0 {
		f.Fatal(problems)
	}
	pol := runbook.DefaultPolicy()
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		events := corpusEvents(t, data, false)
		s := Fold(rb, events)
		if s.Events != len(events) {
			t.Fatalf("%d events folded of %d", s.Events, len(events))
		}
		again := stateJSON(t, Fold(rb, events))
		if first := stateJSON(t, s); first != again {
			t.Fatalf("two folds differ:\n%s\n%s", first, again)
		}
		k := 0
		if len(events) > 0 {
			k = int(split) % (len(events) + 1)
		}
		inc := Fold(rb, events[:k])
		for _, e := range events[k:] {
			inc.Apply(e)
		}
		if got := stateJSON(t, inc); got != again {
			t.Fatalf("folded in two goes at %d:\n%s\nat once:\n%s", k, got, again)
		}
		now := s.LastAt.Add(time.Hour)
		s.SLAs(pol, now)
		s.Progress()
		s.OpenWork()
		s.OpenFollowUps()
		s.UpdatesDue()
		s.NextUpdate()
		s.Commander()
		for _, ph := range rb.Phases {
			s.PhaseStart(ph.Name)
		}
		for _, st := range rb.Steps() {
			s.TimeboxOverdue(st, now)
		}
		for _, e := range events {
			Describe(e)
		}
	})
}
