package journal

import (
	"strings"
	"testing"
	"time"
)

func TestUnixNanoMatchesTime(t *testing.T) {
	for _, s := range []string{"1970-01-01T00:00:00.000000000Z", "2026-11-23T11:03:04.123456789Z", "2000-02-29T23:59:59.999999999Z",
		"1969-12-31T23:59:59.000000001Z", "0001-01-01T00:00:00.000000000Z", "9999-12-31T23:59:59.999999999Z", "2024-03-01T00:00:00.000000000Z"} {
		tm, _ := time.Parse(time.RFC3339Nano, s)
		if got := unixNano([]byte(s)); got != tm.UnixNano() && tm.Year() > 1677 && tm.Year() < 2262 {
			t.Errorf("%s: %d, want %d", s, got, tm.UnixNano())
		}
	}
}

// A clock stepping back a few minutes is tolerated; a line far before the one above
// it is reported.
func TestTimeGoingBackwards(t *testing.T) {
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, berlin)
	times := []time.Time{base, base.Add(-4 * time.Minute), base.Add(time.Minute), base.Add(-2 * time.Hour), base.Add(2 * time.Minute)}
	var next []time.Time
	j, dir := newIncident(t, WithClock(func() time.Time {
		if len(next) == 0 {
			return base
		}
		now := next[0]
		next = next[1:]
		return now
	}))
	next = times
	appendN(t, j, len(times))
	r, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 1 || r.Problems[0].Line != 4 || !strings.Contains(r.Problems[0].What, "time goes back 2h1m0s from line 3, the same actor's line before, more than the 5m0s tolerated") {
		t.Fatalf("problems: %v", r.Problems)
	}
}

// Times are compared per actor: two responders whose clocks are two hours apart
// interleave in a team incident without a problem, while a line that one actor wrote
// back in time from their own previous line is still reported.
func TestTimeGoingBackwardsPerActor(t *testing.T) {
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, berlin)
	var now time.Time
	j, dir := newIncident(t, WithClock(func() time.Time { return now }))
	write := func(actor string, at time.Time) {
		t.Helper()
		now = at
		if _, err := j.Append(actor, "note", note{Text: actor}); err != nil {
			t.Fatal(err)
		}
	}
	write("alice@laptop", base)                           // line 1
	write("bob@desk", base.Add(-2*time.Hour))             // line 2: bob's clock is two hours behind
	write("alice@laptop", base.Add(time.Minute))          // line 3
	write("bob@desk", base.Add(-2*time.Hour+time.Minute)) // line 4
	write("bob@desk", base.Add(-3*time.Hour))             // line 5: bob's own clock went back an hour
	r, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 1 || r.Problems[0].Line != 5 || !strings.Contains(r.Problems[0].What, "time goes back 1h1m0s from line 4, the same actor's line before") {
		t.Fatalf("problems: %v", r.Problems)
	}
}
