package incident

import (
	"fmt"
	"strings"
	"time"
)

// ParseInstant reads a time a responder types for an outage window (the CLI's --start
// and --end, the screen's impact dialog): RFC 3339 with its zone (seconds optional), or
// "now". "" is the zero time. A time without a zone is refused with the fix, never
// guessed.
func ParseInstant(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return time.Time{}, nil
	case "now":
		return now.UTC().Truncate(time.Second), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if _, err := time.Parse(layout, s); err == nil {
			return time.Time{}, fmt.Errorf("%q has no zone: write it as %sZ (UTC) or with its offset, e.g. +01:00", s, strings.Replace(s, " ", "T", 1))
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want RFC 3339 with its zone (2026-11-27T09:58:00+01:00) or now", s)
}
