package incident

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalID(t *testing.T) {
	for in, want := range map[string]string{
		"INC-20261123-K7QF4":  "INC-20261123-K7QF4",
		"inc-20261123-k7qf4":  "INC-20261123-K7QF4",
		"Inc-20261123-k7Qf4":  "INC-20261123-K7QF4",
		"inc-20261123-o1lIo":  "INC-20261123-01110", // Crockford look-alikes after the date
		"inc-20261202-0001":   "INC-20261202-0001",
		"inc-2026112-k7qf4":   "inc-2026112-k7qf4", // not an id: left alone
		"inc-20261123-k7/f4":  "inc-20261123-k7/f4",
		"inc-20261123-":       "inc-20261123-",
		"../inc-20261123-abc": "../inc-20261123-abc",
		"drill-42":            "drill-42",
		"":                    "",
	} {
		if got := CanonicalID(in); got != want {
			t.Errorf("CanonicalID(%q) = %q, want %q", in, got, want)
		}
	}
	for range 50 {
		id := NewID(time.Date(2026, 11, 23, 9, 58, 0, 0, time.UTC))
		if CanonicalID(strings.ToLower(id)) != id {
			t.Fatalf("%s read back in lower case is not itself", id)
		}
	}
}

// FuzzCanonicalID: never panics, is idempotent, never makes an id that escapes the
// incidents directory, and changes nothing but letter case and look-alikes.
func FuzzCanonicalID(f *testing.F) {
	for _, s := range []string{"inc-20261123-k7qf4", "INC-20261123-K7QF4", "inc-20261123-o1l", "inc-00000000-/", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CanonicalID(s)
		if CanonicalID(c) != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, CanonicalID(c))
		}
		if len(c) != len(s) || (checkID(s) == nil) != (checkID(c) == nil) {
			t.Fatalf("%q -> %q", s, c)
		}
	})
}
