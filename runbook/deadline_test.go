package runbook

import (
	"strings"
	"testing"
	"time"
)

var brussels, _ = time.LoadLocation("Europe/Brussels")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, brussels)
	if err != nil {
		panic(err)
	}
	return t
}

func supportCalendar() *Calendar {
	return MustCalendar("Europe/Brussels", "08:00-17:00", []string{"mon", "tue", "wed", "thu", "fri"},
		[]time.Time{time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
}

func TestDeadlineFor(t *testing.T) {
	cal := supportCalendar()
	roundTheClock := MustCalendar("Europe/Brussels", "00:00-24:00", []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, nil)
	hours := func(h float64) Target { return Target{Kind: Within, Duration: time.Duration(h * float64(time.Hour))} }
	days := func(n int) Target { return Target{Kind: WorkingDays, Days: n} }
	tests := []struct {
		name   string
		start  time.Time
		target Target
		clock  Clock
		cal    *Calendar
		want   time.Time
		ok     bool
	}{
		{"start inside hours", at("2026-11-23 10:00"), hours(1), Business, cal, at("2026-11-23 11:00"), true},
		{"start at night waits for the opening", at("2026-11-23 22:00"), hours(1), Business, cal, at("2026-11-24 09:00"), true},
		{"start before dawn counts from the opening", at("2026-11-24 03:10"), hours(2.5), Business, cal, at("2026-11-24 10:30"), true},
		{"deadline on Friday 16:30 rolls to Monday", at("2026-11-27 16:30"), hours(1), Business, cal, at("2026-11-30 08:30"), true},
		{"start on a Saturday counts from Monday", at("2026-11-28 12:00"), hours(2), Business, cal, at("2026-11-30 10:00"), true},
		{"start on a Sunday night", at("2026-11-29 23:59"), hours(9), Business, cal, at("2026-11-30 17:00"), true},
		{"a holiday is skipped", at("2026-12-24 16:00"), hours(2), Business, cal, at("2026-12-28 09:00"), true},
		{"start on a holiday", at("2026-12-25 10:00"), hours(1), Business, cal, at("2026-12-28 09:00"), true},
		{"1 working day is the same time the next working day", at("2026-11-23 10:00"), days(1), Business, cal, at("2026-11-24 10:00"), true},
		{"1 working day from Friday afternoon ends Monday", at("2026-11-27 16:30"), days(1), Business, cal, at("2026-11-30 16:30"), true},
		{"1 working day at night ends at the next closing", at("2026-11-23 22:00"), days(1), Business, cal, at("2026-11-24 17:00"), true},
		{"3 working days over a weekend", at("2026-11-25 10:00"), days(3), Business, cal, at("2026-11-30 10:00"), true},
		{"30 working days over Christmas and New Year", at("2026-11-23 10:00"), days(30), Business, cal, at("2027-01-06 10:00"), true},
		{"30 working days without holidays", at("2027-02-01 10:00"), days(30), Business, cal, at("2027-03-15 10:00"), true},
		{"working days count on the calendar even on a continuous clock", at("2026-11-27 16:30"), days(1), Continuous, cal, at("2026-11-30 16:30"), true},
		{"DST ends over the weekend: Monday 09:00 local", at("2026-10-23 16:00"), hours(2), Business, cal, at("2026-10-26 09:00"), true},
		{"DST starts over the weekend: Monday 09:00 local", at("2026-03-27 16:00"), hours(2), Business, cal, at("2026-03-30 09:00"), true},
		{"business time is wall-clock time on the night the clocks go back", at("2026-10-24 20:00"), hours(12), Business, roundTheClock, at("2026-10-25 08:00"), true},
		{"business time is wall-clock time on the night the clocks go forward", at("2026-03-28 20:00"), hours(12), Business, roundTheClock, at("2026-03-29 08:00"), true},
		{"continuous clock adds real time across the DST change", at("2026-10-24 20:00"), hours(12), Continuous, cal, at("2026-10-25 07:00"), true},
		{"start exactly at opening time", at("2026-11-23 08:00"), hours(1), Business, cal, at("2026-11-23 09:00"), true},
		{"start exactly at closing time", at("2026-11-23 17:00"), hours(1), Business, cal, at("2026-11-24 09:00"), true},
		{"a target that fills the day ends at closing, not the next opening", at("2026-11-23 08:00"), hours(9), Business, cal, at("2026-11-23 17:00"), true},
		{"continuous clock ignores the weekend", at("2026-11-28 12:00"), hours(1), Continuous, cal, at("2026-11-28 13:00"), true},
		{"continuous clock ignores the night", at("2026-11-23 22:00"), hours(6), Continuous, cal, at("2026-11-24 04:00"), true},
		{"12 business hours span two days", at("2026-11-23 14:00"), hours(12), Business, cal, at("2026-11-24 17:00"), true},
		{"72 business hours are eight working days", at("2026-11-23 08:00"), hours(72), Business, cal, at("2026-12-02 17:00"), true},
		{"next release sets no deadline", at("2026-11-23 10:00"), Target{Kind: NoTarget, Note: "next release"}, Business, cal, time.Time{}, false},
		{"per development plan sets no deadline", at("2026-11-23 10:00"), Target{Kind: NoTarget, Note: "per development plan"}, Continuous, cal, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DeadlineFor(tt.start, tt.target, tt.clock, tt.cal)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("DeadlineFor(%s, %s, %s) = %s, %v; want %s, %v", tt.start.Format(time.RFC3339), tt.target, tt.clock, got.In(brussels).Format(time.RFC3339), ok, tt.want.Format(time.RFC3339), tt.ok)
			}
		})
	}
}

func TestCalendarWithNoOpenDayGivesUp(t *testing.T) {
	// One working hour a week: 60 years of work lie far beyond the 50-year horizon.
	cal := MustCalendar("UTC", "08:00-09:00", []string{"sat"}, nil)
	if _, ok := cal.AddWorking(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 24*365*60*time.Hour); ok {
		t.Fatal("a deadline 60 years of work away was found")
	}
}

func TestWorkingBetween(t *testing.T) {
	cal := supportCalendar()
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"same day", at("2026-11-23 09:00"), at("2026-11-23 11:30"), 150 * time.Minute},
		{"over a night", at("2026-11-23 16:00"), at("2026-11-24 09:00"), 2 * time.Hour},
		{"over a weekend", at("2026-11-27 16:30"), at("2026-11-30 08:30"), time.Hour},
		{"backwards is zero", at("2026-11-24 09:00"), at("2026-11-23 09:00"), 0},
		{"a holiday counts nothing", at("2026-12-25 00:00"), at("2026-12-26 00:00"), 0},
	}
	for _, tt := range tests {
		if got := cal.WorkingBetween(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: WorkingBetween = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestPolicyDeadlinesAndRemaining(t *testing.T) {
	p := DefaultPolicy()
	start := at("2026-11-27 16:30") // a Friday afternoon
	respond, resolve, err := p.Deadlines("critical", start)
	if err != nil {
		t.Fatal(err)
	}
	if !respond.Due.Equal(start.Add(time.Hour)) || !resolve.Due.Equal(start.Add(6*time.Hour)) {
		t.Errorf("critical runs round the clock: respond %s resolve %s", respond.Due, resolve.Due)
	}
	respond, resolve, _ = p.Deadlines("medium", start)
	if want := at("2026-12-02 13:30"); !respond.Due.Equal(want) {
		t.Errorf("medium respond-by = %s, want %s (24 business hours)", respond.Due.In(brussels), want)
	}
	left, total := p.Remaining(respond, start, at("2026-11-30 08:30"))
	if total != 24*time.Hour || left != 23*time.Hour {
		t.Errorf("Remaining = %s of %s, want 23h of 24h", left, total)
	}
	left, _ = p.Remaining(respond, start, respond.Due.Add(90*time.Minute))
	if left != -90*time.Minute {
		t.Errorf("missed deadline: left = %s, want -1h30m", left)
	}
	_, resolve, _ = p.Deadlines("low", start)
	if !resolve.None() || resolve.Target.String() != "next release" {
		t.Errorf("low resolve = %+v", resolve)
	}
	if _, _, err := p.Deadlines("sev1", start); err == nil || !strings.Contains(err.Error(), "critical, high, medium, low") {
		t.Errorf("unknown level error = %v", err)
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{
		"1h": "1h", "30m": "30m", "72h": "72h", "90m": "1h30m", "1 working day": "1 working day", "3 working days": "3 working days",
		"30wd": "30 working days", "None": "none", "next release": "next release", "per development plan": "per development plan",
	} {
		got, err := ParseTarget(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseTarget(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "0h", "-1h", "0 working days", "3 working weeks"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
}

func TestPresetsLoad(t *testing.T) {
	want := []string{"ir-four-level", "service-desk", "service-desk-security", "working-days"}
	if got := PresetNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("presets = %v", got)
	}
	if got := DefaultPolicy().LevelNames(); strings.Join(got, ",") != "critical,high,medium,low" {
		t.Errorf("default levels = %v", got)
	}
	sd, _ := Preset("service-desk")
	if got := strings.Join(sd.LevelNames(), ","); got != "outage,critical,urgent,less-urgent,nonurgent" {
		t.Errorf("service-desk levels = %v", got)
	}
	wd, _ := Preset("working-days")
	l, _ := wd.Level("minor")
	if l.ResolveWithin.Kind != WorkingDays || l.ResolveWithin.Days != 30 {
		t.Errorf("minor = %+v", l.ResolveWithin)
	}
}

func TestParsePolicyReportsEveryProblem(t *testing.T) {
	src := `schema = 2
name = "Our Policy"
title = "x"

[calendar]
time_zone = "Mars/Olympus"
hours = "08:00-17:00"
days = ["mon"]

[[levels]]
name = "sev1"
rank = 1
description = "d"
respond_within = "soon"
resolve_within = "1h"
clock = "always"

[[levels]]
name = "sev1"
rank = 1
description = "d"
respond_within = "1h"
resolve_within = "3 working days"
colour = "red"
`
	_, ps := ParsePolicy("p.toml", []byte(src))
	want := []string{
		`p.toml:1:1: schema 2 is not supported (this muster reads schema 1)`,
		`p.toml:2:1: name "Our Policy" must be a slug (lower-case letters, digits and dashes)`,
		`p.toml:6:1: unknown time zone "Mars/Olympus" (want an IANA name such as Europe/Brussels, or "local" for this machine's zone)`,
		`p.toml:14:1: levels[0].respond_within: "soon" is not a target (want a duration like 1h or 30m, "3 working days", or none / next release / per development plan)`,
		`p.toml:16:1: levels[0].clock: "always" is not a clock (want continuous or business)`,
		`p.toml:19:1: level "sev1" is defined twice (first at levels[0])`,
		`p.toml:20:1: rank 1 is already used by level "sev1"`,
		`p.toml:24:1: unknown key "levels[1].colour"`,
	}
	if got := ps.Error(); got != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func BenchmarkDeadline(b *testing.B) {
	cal := supportCalendar()
	start := at("2026-11-23 10:00")
	targets := []Target{{Kind: Within, Duration: time.Hour}, {Kind: Within, Duration: 24 * time.Hour}, {Kind: WorkingDays, Days: 1}, {Kind: WorkingDays, Days: 3}, {Kind: WorkingDays, Days: 30}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Starts walk through a fortnight in 7-minute steps: nights, weekends, a holiday.
		s := start.Add(time.Duration(i%2880) * 7 * time.Minute)
		if _, ok := DeadlineFor(s, targets[i%len(targets)], Business, cal); !ok {
			b.Fatal("no deadline")
		}
	}
}

func TestTargetTextRoundTrips(t *testing.T) {
	for _, s := range []string{"1h", "72h", "90m", "1h30m", "45s", "3 working days", "1 working day", "none", "next release", "per development plan"} {
		tg, err := ParseTarget(s)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := tg.MarshalText()
		back, err := ParseTarget(string(b))
		if err != nil || back != tg {
			t.Errorf("%q -> %q -> %+v, %v", s, b, back, err)
		}
	}
}

// A figure on the business clock says so and never turns into days: 72 working hours
// are eight working days of nine hours, not "3d".
func TestFiguresSayWhichClock(t *testing.T) {
	for _, c := range []struct {
		d     time.Duration
		clock Clock
		want  string
	}{
		{72 * time.Hour, Business, "72 working hours"},
		{time.Hour, Business, "1 working hour"},
		{27*time.Hour + 30*time.Minute, Business, "27h30m of working time"},
		{45 * time.Minute, Business, "45m of working time"},
		{20 * time.Second, Business, "20s of working time"},
		{-2 * time.Hour, Business, "-2 working hours"},
		{72 * time.Hour, Continuous, "3d"},
		{90 * time.Minute, Continuous, "1h30m"},
	} {
		if got := c.clock.Span(c.d); got != c.want {
			t.Errorf("%s.Span(%v) = %q, want %q", c.clock, c.d, got, c.want)
		}
	}
	p := DefaultPolicy()
	medium, _ := p.Level("medium")
	if got := medium.ResolveWithin.On(medium.Clock); got != "72 working hours" {
		t.Errorf("medium resolve = %q", got)
	}
	critical, _ := p.Level("critical")
	if got := critical.ResolveWithin.On(critical.Clock); got != "6h" {
		t.Errorf("critical resolve = %q", got)
	}
	wd, _ := Preset("working-days")
	minor, _ := wd.Level("minor")
	if got := minor.ResolveWithin.On(minor.Clock); got != "30 working days" {
		t.Errorf("working-days minor = %q", got)
	}
	_, resolve, _ := wd.Deadlines("minor", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	if wd.ClockOf(resolve) != Business {
		t.Error("a working-days target does not count on the business clock")
	}
}
