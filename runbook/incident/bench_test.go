package incident

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// noSync is the journal file without fsync: only for generating benchmark journals
// quickly, never for a real incident.
type noSync struct{ *os.File }

func (noSync) Sync() error { return nil }

// bigIncident writes an incident of n events: a realistic mix of step actions, notes,
// notices, escalations and severity changes.
func bigIncident(b testing.TB, n int) (*Store, string) {
	b.Helper()
	c := newClock("2026-11-23T09:00:00Z")
	st := &Store{DataDir: b.TempDir(), Now: c.now}
	rb, problems := runbook.LoadFile("testdata/runbook.toml", nil)
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	inc, err := st.Start(StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: "high", Title: "Big incident", Actor: "alice@ops"})
	if err != nil {
		b.Fatal(err)
	}
	id := inc.ID
	inc.Close()
	j, err := journal.Open(st.Dir(id), journal.WithClock(c.now), journal.WithFile(func(f *os.File) journal.File { return noSync{f} }))
	if err != nil {
		b.Fatal(err)
	}
	steps := rb.Steps()
	for i := 1; i < n; i++ {
		c.advance(time.Duration(1+i%7) * time.Second)
		var err error
		switch i % 10 {
		case 0, 1, 2:
			_, err = j.Append("bob@ops", EvStepDone, StepEvent{Step: steps[i%len(steps)].ID, Note: "done after checking the dashboard"})
		case 3:
			_, err = j.Append("bob@ops", EvStepUndone, StepEvent{Step: steps[i%len(steps)].ID})
		case 4, 5, 6:
			_, err = j.Append("carol@oncall", EvNote, Note{Text: fmt.Sprintf("observation %d: replica lag rose after failover, error rate down to 0.3%%", i)})
		case 7:
			_, err = j.Append("dave@comms", EvNotified, Notice{Audience: "affected customers", Channel: "status page", Message: "We are still working on it."})
		case 8:
			_, err = j.Append("alice@ops", EvEscalated, Escalation{To: "incident lead", Reason: "impact grew"})
		default:
			_, err = j.Append("alice@ops", EvRoleAssigned, RoleAssignment{Role: "scribe", To: fmt.Sprintf("user%d", i%13)})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	j.Close()
	return st, id
}

// BenchmarkOpenFold100k is `incident resume` and every CLI command on a 100k-event
// incident: take the lock, read and check every line, fold them into the state.
func BenchmarkOpenFold100k(b *testing.B) {
	st, id := bigIncident(b, 100_000)
	b.ReportAllocs()
	var peak uint64
	cpu0 := cpuTime()
	for b.Loop() {
		// Without the folded-state cache: every open reads, checks and folds the whole
		// journal, as the first open after the incident grew does (BenchmarkOpenCached100k
		// measures an open from the cache).
		b.StopTimer()
		for _, name := range []string{StateCacheName, ListsCacheName} {
			if err := os.Remove(filepath.Join(st.Dir(id), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		inc, err := st.Open(id, "bench@host")
		if err != nil {
			b.Fatal(err)
		}
		if inc.State.Events != 100_000 {
			b.Fatalf("%d events", inc.State.Events)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		inc.Close()
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-heap")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// benchNote is `incident note` in-process as the CLI runs it: open for a command (lock,
// brief state), append one note, close.
func benchNote(b *testing.B, n int) {
	st, id := bigIncident(b, n)
	inc, err := st.Open(id, "bench@host") // the first command after the incident grew folds it whole
	if err != nil {
		b.Fatal(err)
	}
	inc.Close()
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		inc, err := st.OpenForCommand(id, "bench@host")
		if err != nil {
			b.Fatal(err)
		}
		if err := inc.AddNote("replica lag back under a second", ""); err != nil {
			b.Fatal(err)
		}
		inc.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkNote100k is a note on a 100,000-event incident, through the folded-state
// cache; BenchmarkNote10 the same on a 10-event incident (the 2x target is between
// the two).
func BenchmarkNote100k(b *testing.B) { benchNote(b, 100_000) }
func BenchmarkNote10(b *testing.B)   { benchNote(b, 10) }

// BenchmarkOpenCached100k is what the screen's every action pays on a 100,000-event
// incident: open with the whole state (the brief state and the lists from the
// folded-state cache), close.
func BenchmarkOpenCached100k(b *testing.B) {
	st, id := bigIncident(b, 100_000)
	inc, err := st.Open(id, "bench@host")
	if err != nil {
		b.Fatal(err)
	}
	inc.Close()
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		inc, err := st.Open(id, "bench@host")
		if err != nil {
			b.Fatal(err)
		}
		if len(inc.State.Notes) == 0 || inc.State.Brief() {
			b.Fatal("no whole state")
		}
		inc.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkQueuedNote100k is a screen's note on a 100,000-event team incident while
// its outbox is shared in the background (OpenQueued: no lock, no request): decided
// against the mirror as it stands, fsync'd to the outbox. The outbox is emptied
// between notes (untimed), as the share round that follows each save empties it.
func BenchmarkQueuedNote100k(b *testing.B) {
	st, id := bigIncident(b, 100_000)
	inc, err := st.Open(id, "bench@host") // the caches, as the share round before writes them
	if err != nil {
		b.Fatal(err)
	}
	inc.Close()
	if err := markTeam(st.Dir(id), unaskedStore{}.String()); err != nil {
		b.Fatal(err)
	}
	st.Shared = unaskedStore{}
	outbox := filepath.Join(st.Dir(id), OutboxFile)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		inc, err := st.OpenQueued(id, "bench@host")
		if err != nil {
			b.Fatal(err)
		}
		var q *QueuedError
		if err := inc.AddNote("replica lag back under a second", ""); !errors.As(err, &q) || q.Pending != 1 {
			b.Fatalf("note = %v, want queued alone", err)
		}
		inc.Close()
		b.StopTimer()
		if err := os.Remove(outbox); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
