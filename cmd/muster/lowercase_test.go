package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/incident"
)

// TestIncidentIDsReadOutInLowerCase: an id read out on a call and typed in lower case
// (and with O for 0, l for 1 in its last part) names the incident in every command that
// takes one, and the output names it the way muster wrote it.
func TestIncidentIDsReadOutInLowerCase(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Platform down"))
	low := strings.ToLower(id)
	v, err := (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	step := v.Runbook.Steps()[1].ID
	evidence := filepath.Join(t.TempDir(), "lb.log")
	os.WriteFile(evidence, []byte("502\n"), 0o644)

	for _, args := range [][]string{
		{"incident", "show", low},
		{"incident", "ack", low},
		{"incident", "step", low, step, "--done"},
		{"incident", "note", low, "read out on the bridge"},
		{"incident", "attach", low, evidence},
		{"incident", "escalate", low, "--to", "incident lead", "--reason", "down"},
		{"incident", "notify", low, "--audience", "all customers", "--message", "Investigating."},
		{"incident", "severity", low, "high", "--reason", "partial"},
		{"incident", "assign", low, "--role", "scribe", "--to", "bob"},
		{"incident", "followup", low, "--owner", "dave", "--due", "2026-12-04", "drill"},
		{"incident", "followup-done", low, "f1"},
		{"incident", "impact", low, "--service", "platform", "--start", "2026-11-23T09:58:00Z"},
		{"incident", "report", low},
		{"evidence", "verify", low},
		{"evidence", "head", low},
		{"evidence", "export", low, filepath.Join(t.TempDir(), "out")},
		{"incident", "close", low, "--force", "--reason", "test over"},
		{"scenario", "from-incident", low},
	} {
		out := strings.ReplaceAll(c.ok(args...), "replay-"+low, "") // a scenario id is a lower-case slug
		if strings.Contains(out, low) {
			t.Errorf("muster %s: the output names the id in lower case:\n%s", strings.Join(args, " "), out)
		}
	}
	// Crockford's look-alikes in the characters after the date.
	alias := id[:13] + strings.NewReplacer("0", "o", "1", "l").Replace(id[13:])
	c.ok("incident", "show", alias)
	if got := c.ok("incident", "list", "--format", "json"); strings.Count(got, id) != 1 {
		t.Errorf("list after lower-case commands:\n%s", got)
	}
}
