package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
)

func TestRecordImpact(t *testing.T) {
	c := newClock("2026-11-27T10:30:00Z")
	st, inc := startIncident(t, c, "critical")
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	services := []string{"platform", "website"}

	w1, err := inc.RecordImpact(ImpactOptions{Service: "platform", Start: at("2026-11-27T09:58:00+01:00"), Note: "error rate from grafana", Services: services})
	if err != nil || w1 != "W1" {
		t.Fatalf("%q %v", w1, err)
	}
	if got := inc.State.OpenWork(); !strings.Contains(strings.Join(got, ","), "outage W1 of platform has no end") {
		t.Errorf("an ongoing outage does not keep the incident open: %v", got)
	}
	w2, err := inc.RecordImpact(ImpactOptions{Service: "website", Level: ImpactPartial, Start: at("2026-11-27T09:00:00Z"), End: at("2026-11-27T09:30:00Z"), Services: services})
	if err != nil || w2 != "W2" {
		t.Fatalf("%q %v", w2, err)
	}
	c.advance(time.Hour)
	// The end is known later, and the start corrected from the metrics.
	if _, err := inc.RecordImpact(ImpactOptions{Window: "w1", Start: at("2026-11-27T08:55:00Z"), End: at("2026-11-27T11:10:00Z")}); err != nil {
		t.Fatal(err)
	}
	if _, err := inc.RecordImpact(ImpactOptions{Window: "W2", Withdraw: true}); err != nil {
		t.Fatal(err)
	}
	s := inc.State
	if len(s.Impacts) != 2 || s.Impacts[0].Corrections != 1 || !s.Impacts[0].Corrects || s.Impacts[0].Level != ImpactFull || s.Impacts[0].Note != "error rate from grafana" {
		t.Fatalf("impacts %+v", s.Impacts)
	}
	if w := s.Windows(); len(w) != 1 || w[0].Start != at("2026-11-27T08:55:00Z") || w[0].End != at("2026-11-27T11:10:00Z") || w[0].RecordedAt != at("2026-11-27T10:30:00Z") {
		t.Errorf("windows %+v", w)
	}
	if len(s.OpenWork()) == 0 || strings.Contains(strings.Join(s.OpenWork(), ","), "outage") {
		t.Errorf("open work %v", s.OpenWork())
	}
	// The journal keeps what was first believed: four impact lines.
	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range v.Events {
		if e.Type == EvImpact {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d impact lines, want 4", n)
	}
}

func TestRecordImpactRefusals(t *testing.T) {
	c := newClock("2026-11-27T10:30:00Z")
	_, inc := startIncident(t, c, "critical")
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	cases := []struct {
		name string
		o    ImpactOptions
		want string
	}{
		{"the end before the start", ImpactOptions{Service: "platform", Start: at("2026-11-27T10:00:00Z"), End: at("2026-11-27T09:00:00Z")}, "is not after its start"},
		{"an unknown service", ImpactOptions{Service: "platfrom", Start: at("2026-11-27T10:00:00Z"), Services: []string{"platform"}}, `unknown service "platfrom": the services config has platform`},
		{"a start in the future", ImpactOptions{Service: "platform", Start: at("2026-11-27T11:00:00Z")}, "is in the future"},
		{"an end in the future", ImpactOptions{Service: "platform", Start: at("2026-11-27T10:00:00Z"), End: at("2026-11-27T12:00:00Z")}, "record it when it is over"},
		{"no start", ImpactOptions{Service: "platform"}, "outage start is required"},
		{"no service", ImpactOptions{Start: at("2026-11-27T10:00:00Z")}, "service is required"},
		{"a level that is neither", ImpactOptions{Service: "platform", Level: "most", Start: at("2026-11-27T10:00:00Z")}, `level "most"`},
		{"a correction of a window that does not exist", ImpactOptions{Window: "W7", End: at("2026-11-27T10:00:00Z")}, `no outage window "W7" (it has none)`},
		{"a withdrawal without a window", ImpactOptions{Withdraw: true}, "name the window"},
	}
	before := eventCount(t, inc)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := inc.RecordImpact(c.o)
			if err == nil || !IsRefused(err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want a refusal saying %q", err, c.want)
			}
		})
	}
	if n := eventCount(t, inc); n != before {
		t.Errorf("%d events appended by refused commands", n-before)
	}
}

func TestNoImpactOnADrill(t *testing.T) {
	c := newClock("2026-11-27T10:30:00Z")
	st := &Store{DataDir: t.TempDir(), Now: c.now}
	inc, err := st.Start(StartOptions{Runbook: mustRunbook(t), Policy: runbook.DefaultPolicy(), Severity: "high", Title: "Drill", Actor: "trainer", Drill: true})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	_, err = inc.RecordImpact(ImpactOptions{Service: "platform", Start: c.t.Add(-time.Minute)})
	if err == nil || !strings.Contains(err.Error(), "is a drill") {
		t.Errorf("got %v", err)
	}
}
