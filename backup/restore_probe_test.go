package backup

import (
	"strings"
	"testing"
	"time"
)

// TestProbeValueIsATime: what the freshness query may return (a timestamp, text as
// PostgreSQL or MySQL prints it, Unix seconds) and what it may not. (Its fuzz target
// went with ParseRestoreTime to backup/policy's FuzzParseTime, apart from the AWS SDK.)
func TestProbeValueIsATime(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		v    any
		want time.Time
	}{
		{"a timestamp", at, at},
		{"Unix seconds", at.Unix(), at},
		{"Unix seconds in 32 bits", int32(at.Unix()), at},
		{"fractional Unix seconds", float64(at.Unix()) + 0.5, at.Add(500 * time.Millisecond)},
		{"RFC 3339 text", "2026-12-01T10:30:00+02:00", at},
		{"PostgreSQL's text with an offset", []byte("2026-12-01 08:30:00.25+00:00"), at.Add(250 * time.Millisecond)},
		{"MySQL's DATETIME text", []byte("2026-12-01 08:30:00"), at},
		{"a date", "2026-12-01", at.Truncate(24 * time.Hour)},
		{"Unix seconds as text", "1796113800", at},
	} {
		got, err := asTime(tc.v)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s: asTime(%v) = %v, %v; want %v", tc.name, tc.v, got, err, tc.want)
		}
	}
	for _, v := range []any{"yesterday\x1b]52;c;x\x07", true, nil, ""} {
		_, err := asTime(v)
		if err == nil {
			t.Errorf("asTime(%#v) accepted", v)
		} else if strings.ContainsAny(err.Error(), "\x1b\x07") {
			t.Errorf("asTime(%#v): the error carries control characters: %q", v, err)
		}
	}
}
