package policy

import (
	"strings"
	"testing"
	"time"
)

const (
	west    = "eu-west-1"
	central = "eu-central-1"
	day     = 24 * time.Hour
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"6h": 6 * time.Hour, "30m": 30 * time.Minute, "2d": 2 * day, "1d12h": 36 * time.Hour, "0s": 0} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "6", "-1h", "d", "1.5d", "1dd", "h6", "99999999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "us-isob-east-1", "il-central-1"} {
		if !ValidRegion(r) {
			t.Errorf("%s refused", r)
		}
	}
	for _, r := range []string{"us-west-2a", "eu-west", "EU-WEST-1", "", "eu_west_1", "eu-west-1 "} {
		if ValidRegion(r) {
			t.Errorf("%q accepted", r)
		}
	}
	if msg := regionError("us-west-2a"); !strings.Contains(msg, `did you mean "us-west-2"`) {
		t.Errorf("%s", msg)
	}
}

// FuzzParseTime: every instant read is in UTC, whatever offset it was written with.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-12-01T08:30:00Z", "2026-12-01 08:30", "2026-12-01T08:30:00.123+02:00", "latest", "", "9999-99-99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err == nil && tm.Location() != time.UTC {
			t.Fatalf("%q parsed to a non-UTC time %v", s, tm)
		}
	})
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-12-01T08:30:00Z":        time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC),
		"2026-12-01T08:30:00.5+02:00": time.Date(2026, 12, 1, 6, 30, 0, 5e8, time.UTC),
		" 2026-12-01 08:30 ":          time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC),
		"2026-12-01 08:30:15":         time.Date(2026, 12, 1, 8, 30, 15, 0, time.UTC),
		"2026-12-01T08:30":            time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC),
	} {
		if got, err := ParseTime(in); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "latest", "2026-12-01", "9999-99-99 10:00", "yesterday"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
