package incident

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// The default policy runs in the zone of the machine that starts the incident, and the
// incident keeps that zone: a teammate elsewhere (or the same laptop after a flight)
// reads the same deadlines and the report says the same zone.
func TestIncidentKeepsTheZoneItStartedIn(t *testing.T) {
	t.Setenv("TZ", "America/New_York")
	lib, _ := runbook.LoadLibrary("", nil)
	rb, _ := lib.Get("mail-spam")
	opened := time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC) // Wed 15:00 in New York, 21:00 in Brussels
	st := &Store{DataDir: t.TempDir(), Now: func() time.Time { return opened }}
	inc, err := st.Start(StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: "medium", Title: "Spam", Actor: "alice@ops"})
	if err != nil {
		t.Fatal(err)
	}
	inc.Close()
	// 24 working hours from Wed 15:00 New York time: Wed 2h, Thu 9h, Fri 9h, Mon 4h = Mon 12:00.
	want := time.Date(2026, 12, 7, 12, 0, 0, 0, mustZone(t, "America/New_York"))
	if !inc.State.RespondBy.Due.Equal(want) {
		t.Errorf("respond by %v, want %v", inc.State.RespondBy.Due, want)
	}
	frozen, _ := os.ReadFile(filepath.Join(inc.Dir, PolicyFile))
	if !strings.Contains(string(frozen), `time_zone = "America/New_York"`) {
		t.Errorf("the frozen policy does not name the zone:\n%s", frozen)
	}

	t.Setenv("TZ", "Asia/Tokyo")
	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Policy.Calendar.TimeZone != "America/New_York" {
		t.Errorf("reopened in %s", v.Policy.Calendar.TimeZone)
	}
	r := BuildReport(v, opened.Add(time.Hour))
	if r.TimeZone != "America/New_York" || !strings.Contains(r.Markdown(), "times in America/New_York") {
		t.Errorf("report zone %s", r.TimeZone)
	}
	if probs := FrozenProblems(v.Dir, v.Events); len(probs) > 0 {
		t.Errorf("frozen copies: %v", probs)
	}
	if runbook.DefaultPolicy().Calendar.TimeZone != "Asia/Tokyo" {
		t.Error("a new incident would not run in this machine's zone")
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
