package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/golden"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// reportNow is when the reports are asked for: Wednesday 2 December 2026, 11:00 in
// Brussels, with one outage still going on.
var reportNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// holidayPolicy is the default policy with Monday 7 December 2026 a holiday, so the
// November penalty's claim window runs over a weekend and a holiday.
func holidayPolicy(t testing.TB) *runbook.Policy {
	src, _ := runbook.PresetSource("ir-four-level")
	data := strings.Replace(string(src), "holidays = []", `holidays = [2026-12-07]`, 1)
	pol, problems := runbook.ParsePolicy("holiday-policy.toml", []byte(data))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return pol
}

const reportServices = `schema = 1

[[service]]
name = "platform"
title = "Platform dashboard and API"
target = 99.8
partial_weight = 0.5
monthly_fee = 1200.0
currency = "EUR"
penalty_percent = 30

[[service.maintenance]]
start = 2026-11-14T22:00:00Z
end = 2026-11-15T02:00:00Z
note = "database upgrade"

[[service]]
name = "website"
target = 99.5
period = "year"
monthly_fee = 300.0
currency = "EUR"
penalty_percent = 30

[[service]]
name = "api"
target = 99.9
partial_weight = 0
`

type outage struct {
	service, level, start, end string // end "" for an outage still going on
}

// reportStore writes the synthetic journals behind the golden reports: overlapping
// outages in two incidents, a partial one, a corrected window, one cut by maintenance,
// one across the October DST change, one across a month end, an incident never closed,
// a drill and a window of a service the config does not know.
func reportStore(t testing.TB) *Store {
	c := &clock{}
	n := 0
	st := &Store{DataDir: t.TempDir(), Now: c.now, NewID: func(at time.Time) string {
		n++
		return "INC-" + at.UTC().Format("20060102") + "-T" + string(rune('A'+n-1))
	}}
	rb, err := runbookFor(t)
	if err != nil {
		t.Fatal(err)
	}
	pol := runbook.DefaultPolicy()
	at := func(s string) time.Time { tm, err := time.Parse(time.RFC3339, s); must(t.(*testing.T), err); return tm }
	play := func(severity, opened string, drill bool, outages []outage, work func(inc *Incident), closeAt string) *Incident {
		c.t = at(opened)
		inc, err := st.Start(StartOptions{Runbook: rb, Policy: pol, Severity: severity, Title: "Outage " + opened, Actor: "alice@laptop", Drill: drill})
		if err != nil {
			t.Fatal(err)
		}
		if work != nil {
			work(inc)
		}
		for _, o := range outages {
			end := time.Time{}
			c.t = at(o.start).Add(time.Minute)
			if o.end != "" {
				end = at(o.end)
				c.t = end.Add(5 * time.Minute)
			}
			if c.t.Before(at(opened)) {
				c.t = at(opened)
			}
			if _, err := inc.RecordImpact(ImpactOptions{Service: o.service, Level: o.level, Start: at(o.start), End: end}); err != nil {
				t.Fatal(err)
			}
		}
		if closeAt != "" {
			c.t = at(closeAt)
			if err := inc.CloseIncident("fixed", true, "synthetic"); err != nil {
				t.Fatal(err)
			}
		}
		inc.Close()
		return inc
	}
	ack := func(after time.Duration) func(*Incident) {
		return func(inc *Incident) {
			c.t = c.t.Add(after)
			must(t.(*testing.T), inc.Acknowledge())
		}
	}
	// Two incidents, overlapping outages of the platform: 10:00-12:00 counted once.
	play("critical", "2026-11-03T10:05:00Z", false, []outage{{"platform", "full", "2026-11-03T10:00:00Z", "2026-11-03T11:30:00Z"},
		{"website", "full", "2026-11-03T10:00:00Z", "2026-11-03T10:30:00Z"}}, func(inc *Incident) {
		// Contain complete at 10:40: the first customer notice is due 10:55, then hourly.
		step := func(when string, f func() error) { c.t = at(when); must(t.(*testing.T), f()) }
		step("2026-11-03T10:25:00Z", func() error { return inc.CompleteStep("confirm", "") })
		step("2026-11-03T10:25:00Z", func() error { return inc.CompleteStep("assign-owner", "") })
		step("2026-11-03T10:40:00Z", func() error { return inc.CompleteStep("failover", "") })
		step("2026-11-03T10:40:00Z", func() error { return inc.CompleteStep("page-leadership", "") })
		step("2026-11-03T10:50:00Z", func() error { return inc.Notify("affected customers", "email", "We are failing over.") })
		step("2026-11-03T12:10:00Z", func() error { return inc.Notify("affected customers", "email", "Still failing over.") })
		step("2026-11-03T13:00:00Z", func() error { return inc.Notify("affected customers", "email", "Back.") })
	}, "2026-11-03T14:00:00Z")
	play("high", "2026-11-03T11:02:00Z", false, []outage{{"platform", "full", "2026-11-03T11:00:00Z", "2026-11-03T12:00:00Z"}},
		func(inc *Incident) {
			c.t = c.t.Add(3 * time.Hour)
			must(t.(*testing.T), inc.Escalate("incident lead", "second team"))
			must(t.(*testing.T), inc.Acknowledge())
		}, "2026-11-04T18:00:00Z")
	// A partial outage: half of it counts for the platform, none for the api.
	play("medium", "2026-11-10T08:10:00Z", false, []outage{{"platform", "partial", "2026-11-10T08:00:00Z", "2026-11-10T10:00:00Z"},
		{"api", "partial", "2026-11-10T08:00:00Z", "2026-11-10T10:00:00Z"}}, ack(time.Hour), "2026-11-10T12:00:00Z")
	// Cut by the planned maintenance from 22:00: 60 of its 120 minutes count.
	play("high", "2026-11-14T21:05:00Z", false, []outage{{"platform", "full", "2026-11-14T21:00:00Z", "2026-11-14T23:00:00Z"}}, ack(5*time.Minute), "2026-11-15T01:00:00Z")
	// Recorded 09:00-09:30, corrected from the metrics to 08:40-09:50.
	inc := play("critical", "2026-11-20T08:45:00Z", false, []outage{{"platform", "full", "2026-11-20T09:00:00Z", "2026-11-20T09:30:00Z"}}, ack(2*time.Minute), "")
	{
		c.t = at("2026-11-20T12:00:00Z")
		inc, err := st.Open(inc.ID, "bob@laptop")
		must(t.(*testing.T), err)
		_, err = inc.RecordImpact(ImpactOptions{Window: "W1", Start: at("2026-11-20T08:40:00Z"), End: at("2026-11-20T09:50:00Z")})
		must(t.(*testing.T), err)
		c.t = at("2026-11-20T13:00:00Z")
		must(t.(*testing.T), inc.CloseIncident("", true, "synthetic"))
		inc.Close()
	}
	// Across the end of daylight saving time in Brussels (25 October, 03:00 → 02:00).
	play("critical", "2026-10-25T00:35:00Z", false, []outage{{"platform", "full", "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z"}}, ack(90*time.Minute), "2026-10-25T09:00:00Z")
	// Across the month end: 30 minutes in October, 45 in November (Brussels time).
	play("high", "2026-10-31T22:40:00Z", false, []outage{{"platform", "full", "2026-10-31T22:30:00Z", "2026-10-31T23:45:00Z"}}, nil, "2026-11-01T02:00:00Z")
	// Never closed: down since 23:00 on 30 November, Brussels time, and still down.
	play("critical", "2026-11-30T22:05:00Z", false, []outage{{"platform", "full", "2026-11-30T22:00:00Z", ""}}, ack(10*time.Minute), "")
	// A drill's outage never counts (written by hand: muster refuses it).
	drill := play("critical", "2026-11-05T09:00:00Z", true, nil, nil, "")
	j, err := journal.Open(drill.Dir, journal.WithActor("trainer"), journal.WithClock(func() time.Time { return at("2026-11-05T10:00:00Z") }))
	must(t.(*testing.T), err)
	_, err = j.Append("trainer", EvImpact, Impact{Window: "W1", Service: "platform", Level: "full", Start: at("2026-11-05T09:00:00Z"), End: at("2026-11-05T10:00:00Z")})
	must(t.(*testing.T), err)
	// A service the config does not know: skipped, and said so.
	_, err = j.Append("trainer", EvNote, Note{Text: "drill note"})
	must(t.(*testing.T), err)
	j.Close()
	play("low", "2026-11-25T09:00:00Z", false, []outage{{"mail", "full", "2026-11-25T09:00:00Z", "2026-11-25T09:20:00Z"}}, nil, "2026-11-25T10:00:00Z")
	return st
}

func runbookFor(t testing.TB) (*runbook.Runbook, error) {
	rb, problems := runbook.LoadFile("testdata/runbook.toml", nil)
	if len(problems) > 0 {
		return nil, problems
	}
	return rb, nil
}

func reportFixture(t *testing.T) ([]Facts, *Services, *runbook.Policy) {
	t.Helper()
	st := reportStore(t)
	facts, folded, err := st.AllFacts()
	if err != nil {
		t.Fatal(err)
	}
	if folded != len(facts) || len(facts) != 10 {
		t.Fatalf("%d facts, %d folded", len(facts), folded)
	}
	// The second time everything comes from the index.
	again, folded, err := st.AllFacts()
	if err != nil || folded != 0 || len(again) != len(facts) {
		t.Fatalf("from the index: %d facts, %d folded, %v", len(again), folded, err)
	}
	svc, err := ParseServices("services.toml", []byte(reportServices))
	if err != nil {
		t.Fatal(err)
	}
	return facts, svc, holidayPolicy(t)
}

func TestAvailabilityReportNovember(t *testing.T) {
	facts, svc, pol := reportFixture(t)
	r, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Now: reportNow})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Services[0].Months[0]
	// 120 (overlap counted once) + 60 (partial at half) + 60 (after maintenance) + 70
	// (corrected) + 45 (across the month end) + 60 (never closed, up to midnight).
	if p.Down != 415 || p.FullDown != 355 || p.PartialDown != 120 || p.Maintenance != 240 || !p.Missed || p.Penalty != 360 || p.ClaimBy != "2026-12-08" {
		t.Errorf("platform November: %+v", p)
	}
	if p.Minutes != 30*24*60 {
		t.Errorf("November has %v minutes", p.Minutes)
	}
	if api := r.Services[2].Months[0]; api.Down != 0 || api.PartialDown != 120 || api.Availability != 100 {
		t.Errorf("api: a partial outage with weight 0 counts nothing: %+v", api)
	}
	if len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0], `service "mail" is not in the services config`) {
		t.Errorf("skipped %v", r.Skipped)
	}
	golden.AssertFile(t, "availability-2026-11.txt", []byte(r.Table()))
	golden.AssertFile(t, "availability-2026-11.md", []byte(r.Markdown()))
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertFile(t, "availability-2026-11.json", js)
}

func TestAvailabilityReportYear(t *testing.T) {
	facts, svc, pol := reportFixture(t)
	r, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Year: 2026, Now: reportNow})
	if err != nil {
		t.Fatal(err)
	}
	oct := r.Services[0].Months[9]
	// October 2026 in Brussels is 745 hours long (the clocks go back an hour).
	if oct.Minutes != 745*60 || oct.Down != 150 || !oct.Missed || oct.ClaimBy != "2026-11-06" {
		t.Errorf("platform October: %+v", oct)
	}
	if dec := r.Services[0].Months[11]; dec.Complete || dec.Down != 35*60 || dec.Minutes != 35*60 {
		t.Errorf("December so far: %+v", dec)
	}
	web := r.Services[1]
	if web.Year == nil || !web.Year.Judged || web.Year.Missed || web.Months[10].Judged || web.Year.Down != 30 {
		t.Errorf("website, measured over the year: %+v", web.Year)
	}
	golden.AssertFile(t, "availability-2026.txt", []byte(r.Table()))
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertFile(t, "availability-2026.html", html)
}

func TestAvailabilityBadInput(t *testing.T) {
	facts, svc, pol := reportFixture(t)
	if _, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Service: "mail", Now: reportNow}); err == nil || !strings.Contains(err.Error(), `unknown service "mail"`) {
		t.Errorf("unknown service: %v", err)
	}
	if _, err := BuildAvailability(facts, nil, pol, AvailabilityQuery{Now: reportNow}); err == nil || !strings.Contains(err.Error(), "no services config") {
		t.Errorf("no config: %v", err)
	}
	// A month with no outage is 100 %, its budget untouched.
	r, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Service: "platform", Month: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Now: reportNow})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Services[0].Months[0]; p.Availability != 100 || p.Missed || p.BudgetLeft != p.Budget || len(p.Windows) != 0 {
		t.Errorf("June: %+v", p)
	}
	// A month that has not begun has nothing measured yet.
	r, _ = BuildAvailability(facts, svc, pol, AvailabilityQuery{Service: "platform", Month: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Now: reportNow})
	if p := r.Services[0].Months[0]; p.Minutes != 0 || p.Complete || p.Availability != 100 {
		t.Errorf("a future month: %+v", p)
	}
}

func TestSLAReport(t *testing.T) {
	facts, _, pol := reportFixture(t)
	r := BuildSLAReport(facts, pol.LevelNames(), SLAQuery{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Now: reportNow})
	levels := map[string]SLALevel{}
	for _, l := range r.Levels {
		levels[l.Severity] = l
	}
	// Critical: opened 3, 20 and 30 November; the last is still open and past its 6 h.
	if c := levels["critical"]; c.Incidents != 3 || c.RespondMet != 3 || c.RespondJudged != 3 || c.ResolveJudged != 3 || c.ResolveMet != 2 || c.UpdatesDue != 3 || c.UpdatesOnTime != 2 {
		t.Errorf("critical: %+v", c)
	}
	if h := levels["high"]; h.Incidents != 2 || h.Escalations != 1 || h.Acknowledge.N != 2 {
		t.Errorf("high: %+v", h)
	}
	if r.Total.Incidents != 7 {
		t.Errorf("total %+v (the drill and October left out)", r.Total)
	}
	golden.AssertFile(t, "sla-2026-11.txt", []byte(r.Table()))
	golden.AssertFile(t, "sla-2026-11.md", []byte(r.Markdown()))
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertFile(t, "sla-2026-11.json", js)
	withDrills := BuildSLAReport(facts, pol.LevelNames(), SLAQuery{Drills: true, Severity: "critical", Now: reportNow})
	if withDrills.Total.Incidents != 5 || len(withDrills.Levels) != 1 {
		t.Errorf("critical with drills: %+v", withDrills.Total)
	}
}

func TestSummariseDurations(t *testing.T) {
	m := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, x := range n {
			out = append(out, time.Duration(x)*time.Minute)
		}
		return out
	}
	cases := []struct {
		in                 []time.Duration
		median, p90, worst int
	}{
		{m(5), 5, 5, 5},
		{m(10, 1), 1, 10, 10},
		{m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5, 9, 10},
		{m(3, 1, 2), 2, 3, 3},
	}
	for _, c := range cases {
		d := summarise(c.in)
		if d.Median != time.Duration(c.median)*time.Minute || d.P90 != time.Duration(c.p90)*time.Minute || d.Worst != time.Duration(c.worst)*time.Minute {
			t.Errorf("%v: %+v", c.in, d)
		}
	}
	if d := summarise(nil); d != (Durations{}) {
		t.Errorf("empty: %+v", d)
	}
}

func TestUnionAndMinus(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	u := union([]span{{at(5), at(7)}, {at(1), at(3)}, {at(2), at(4)}, {at(4), at(5)}})
	if len(u) != 1 || u[0] != (span{at(1), at(7)}) {
		t.Errorf("union %v", u)
	}
	m := minus([]span{{at(1), at(10)}}, []span{{at(2), at(3)}, {at(5), at(6)}, {at(9), at(12)}})
	if len(m) != 3 || within(m, at(0), at(24)) != 6*60 || within(m, at(4), at(8)) != 3*60 {
		t.Errorf("minus %v", m)
	}
}

// The ids and level of a window come from journals: a forged one never reaches the
// terminal or the Markdown table raw.
func TestAvailabilityWindowTextIsCleaned(t *testing.T) {
	facts, svc, pol := reportFixture(t)
	r, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Now: reportNow})
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Services[0].Months[0].Windows
	if len(ws) == 0 {
		t.Fatal("no windows in the fixture")
	}
	ws[0].Incident = "INC-1\x1b]52;c;ZXZpbA==\x07"
	ws[0].Window = "w1\x1b[2J|x"
	ws[0].Level = "full\u202e"
	for name, out := range map[string]string{"table": r.Table(), "markdown": r.Markdown()} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("%s carries a raw escape or bidi override:\n%q", name, out)
		}
	}
	if md := r.Markdown(); strings.Contains(md, "w1|x") || !strings.Contains(md, `\|x`) {
		t.Errorf("markdown: the window's pipe is not escaped")
	}
}
