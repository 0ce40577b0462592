package main

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out := c.ok(args...)
		if !strings.HasPrefix(out, "muster ") || !strings.Contains(out, "commit ") || !strings.Contains(out, "built ") || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: %q", args, out)
		}
	}
	// A release build stamps its version, commit and date with -ldflags -X.
	version, commit, date = "v1.4.0", "0123abc", "2026-12-02T06:00:00Z"
	t.Cleanup(func() { version, commit, date = "", "", "" })
	if out := c.ok("version"); !strings.HasPrefix(out, "muster v1.4.0 (commit 0123abc, built 2026-12-02T06:00:00Z, go") {
		t.Errorf("stamped: %q", out)
	}
}
