package journal

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// berlin is a fixed +01:00 zone so recorded offsets do not depend on the machine.
var berlin = time.FixedZone("CET", 3600)

// stepClock returns a clock starting at 2026-11-23 12:03:04.123456789 +01:00 that
// advances by one second and one nanosecond per reading.
func stepClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 11, 23, 12, 3, 4, 123456789, berlin)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(time.Second + time.Nanosecond)
		return now
	}
}

// newIncident creates a journal in a fresh temp directory with a fixed clock and
// closes it when the test ends.
func newIncident(t testing.TB, opts ...Option) (*Journal, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "incidents", "INC-20261123-7KQ4")
	j, err := Create(dir, append([]Option{WithClock(stepClock()), WithActor("tester@host")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, dir
}

type note struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

func appendN(t testing.TB, j *Journal, n int) []Event {
	t.Helper()
	var evs []Event
	for i := 0; i < n; i++ {
		e, err := j.Append("alice@laptop", "note", note{Text: "checked the load balancer \"eu-1\" <ok> & moved on", N: i})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	return evs
}

func readJournal(t testing.TB, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeJournal replaces journal.jsonl's content. It writes in place rather than
// truncating first, which ext4 answers with a flush (auto_da_alloc) and which made
// the tamper test slow.
func writeJournal(t testing.TB, dir string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(len(b))); err != nil {
		t.Fatal(err)
	}
}

func mustVerify(t testing.TB, dir string) Report {
	t.Helper()
	r, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("verify: %s\nall: %v", r.Summary(), r.Problems)
	}
	return r
}
