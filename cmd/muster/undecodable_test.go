package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/journal"
)

// An event that verifies but does not decode is reported by show (text and JSON) and
// fails evidence verify with its line; it is never dropped silently.
func TestUndecodableEventIsReportedByShowAndVerify(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Platform down"))
	c.ok("incident", "note", id, "error rate 40%")
	c.ok("evidence", "verify", id)

	j, err := journal.Open(filepath.Join(c.home, "incidents", id), journal.WithActor("script@ci"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append("script@ci", "escalated", map[string]any{"to": []string{"lead"}}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	out := c.ok("incident", "show", id)
	if !strings.Contains(out, "⚠ 1 journal event(s) do not decode") || !strings.Contains(out, "line 3 (seq 3): escalated event: payload does not decode:") {
		t.Errorf("show:\n%s", out)
	}
	var shown struct {
		Undecodable []struct {
			Line int    `json:"line"`
			Type string `json:"type"`
		} `json:"undecodable"`
	}
	if err := json.Unmarshal([]byte(c.ok("incident", "show", id, "--format", "json")), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown.Undecodable) != 1 || shown.Undecodable[0].Line != 3 || shown.Undecodable[0].Type != "escalated" {
		t.Errorf("show --format json: %+v", shown.Undecodable)
	}
	code, out, errs := c.run("", "evidence", "verify", id)
	if code != 1 || !strings.Contains(out, "line 3 (seq 3): escalated event: payload does not decode") || !strings.Contains(errs, "verification FAILED") {
		t.Errorf("verify: exit %d\n%s%s", code, out, errs)
	}
}
