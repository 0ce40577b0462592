package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// VersionRange is the set of runbook versions a scenario is written for:
// comparators joined by commas or spaces, all of which must hold (">=1.0.0, <2.0.0").
// A comparator is an operator (>=, >, <=, <, =) and a full semantic version, a bare
// version (exactly that one), ^1.2.0 (same major: >=1.2.0 <2.0.0; for 0.y.z the same
// minor), ~1.2.0 (same minor: >=1.2.0 <1.3.0) or * (any).
type VersionRange struct {
	text string
	cmps []comparator
}

type comparator struct {
	op string // >=, >, <=, <, =
	v  runbook.Version
}

// ParseVersionRange reads a version range.
func ParseVersionRange(s string) (VersionRange, error) {
	r := VersionRange{text: strings.TrimSpace(s)}
	fields := strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' })
	if len(fields) == 0 {
		return VersionRange{}, fmt.Errorf("%q is not a version range (like >=1.0.0, <2.0.0 or ^1.0.0)", s)
	}
	// An operator written apart from its version (">= 1.0.0") is joined back.
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if isOperator(f) && i+1 < len(fields) {
			fields[i+1] = f + fields[i+1]
			continue
		}
		if isOperator(f) {
			return VersionRange{}, fmt.Errorf("%q: operator %s has no version after it", s, f)
		}
		if f == "*" {
			continue
		}
		cs, err := parseComparator(f)
		if err != nil {
			return VersionRange{}, fmt.Errorf("version range %q: %v", s, err)
		}
		r.cmps = append(r.cmps, cs...)
	}
	return r, nil
}

func isOperator(s string) bool {
	switch s {
	case ">=", ">", "<=", "<", "=", "^", "~":
		return true
	}
	return false
}

func parseComparator(f string) ([]comparator, error) {
	op := ""
	for _, p := range []string{">=", "<=", ">", "<", "=", "^", "~"} {
		if strings.HasPrefix(f, p) {
			op, f = p, f[len(p):]
			break
		}
	}
	v, err := runbook.ParseVersion(f)
	if err != nil {
		return nil, err
	}
	switch op {
	case "", "=":
		return []comparator{{"=", v}}, nil
	case "^":
		upper := runbook.Version{Major: v.Major + 1}
		if v.Major == 0 {
			upper = runbook.Version{Minor: v.Minor + 1}
		}
		return []comparator{{">=", v}, {"<", upper}}, nil
	case "~":
		return []comparator{{">=", v}, {"<", runbook.Version{Major: v.Major, Minor: v.Minor + 1}}}, nil
	}
	return []comparator{{op, v}}, nil
}

// Contains reports whether v is in the range.
func (r VersionRange) Contains(v runbook.Version) bool {
	for _, c := range r.cmps {
		d := v.Compare(c.v)
		ok := false
		switch c.op {
		case "=":
			ok = d == 0
		case ">=":
			ok = d >= 0
		case ">":
			ok = d > 0
		case "<=":
			ok = d <= 0
		case "<":
			ok = d < 0
		}
		if !ok {
			return false
		}
	}
	return true
}

func (r VersionRange) String() string { return r.text }

// UnmarshalText parses a range; the decoder reports its error at the value.
func (r *VersionRange) UnmarshalText(b []byte) error {
	v, err := ParseVersionRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalText writes the range as written.
func (r VersionRange) MarshalText() ([]byte, error) { return []byte(r.text), nil }

// Offset is a non-negative Go duration written as a TOML string ("0m", "5m", "1h30m"):
// an inject's time from the start of the drill, or a delay. Set tells a written "0m"
// from a missing key.
type Offset struct {
	D   time.Duration
	Set bool
}

// UnmarshalText parses a non-negative duration.
func (o *Offset) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	d, err := time.ParseDuration(s)
	if err != nil {
		hint := ""
		if strings.HasSuffix(s, "d") {
			hint = " (no days unit: write 24h for a day)"
		}
		return fmt.Errorf("%q is not a duration like 0m, 5m or 1h30m%s", string(b), hint)
	}
	if d < 0 {
		return fmt.Errorf("%q must not be negative", string(b))
	}
	*o = Offset{D: d, Set: true}
	return nil
}

// formatOffset prints a drill offset as T+1h05m or T+5m30s.
func formatOffset(d time.Duration) string {
	return "T+" + clockText(d)
}

// clockText prints a duration as 5m, 1h05m, 45s or 5m30s: short and exact to the second.
func clockText(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var out string
	switch {
	case h > 0 && s > 0:
		out = fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case h > 0:
		out = fmt.Sprintf("%dh%02dm", h, m)
	case m > 0 && s > 0:
		out = fmt.Sprintf("%dm%02ds", m, s)
	case m > 0:
		out = fmt.Sprintf("%dm", m)
	default:
		out = fmt.Sprintf("%ds", s)
	}
	if neg {
		return "-" + out
	}
	return out
}

// ClockText prints a duration as 5m, 1h05m, 45s or 1m30s: short and exact to the second.
func ClockText(d time.Duration) string { return clockText(d) }

// FormatOffset prints a drill time as T+5m, T+1h05m or T+5m30s.
func FormatOffset(d time.Duration) string { return formatOffset(d) }
