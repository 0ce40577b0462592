package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// A responder attaches the load balancer's log as evidence for the step it proves, with
// a line saying what it is: the journal keeps both, and show and the report (Markdown
// and JSON) say them, cleaned of anything a terminal would obey.
func TestAttachToStepWithDescription(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	dir := t.TempDir()
	lb := filepath.Join(dir, "lb.log")
	trace := filepath.Join(dir, "trace.txt")
	os.WriteFile(lb, []byte("502 502 502\n"), 0o644)
	os.WriteFile(trace, []byte("GET /checkout 502\n"), 0o644)

	out := c.ok("incident", "attach", id, lb, "--step", "confirm-outage", "--description", "load balancer 502s from 09:58")
	if !strings.Contains(out, "to step confirm-outage (seq 2)") {
		t.Errorf("attach said %q", out)
	}
	c.ok("incident", "attach", id, trace) // for the incident as a whole

	// A misspelt step is refused before anything is stored, with the step meant.
	errs := c.exits(2, "incident", "attach", id, lb, "--step", "confirm-outgae")
	if !strings.Contains(errs, `has no step "confirm-outgae" (did you mean "confirm-outage"?)`) {
		t.Errorf("unknown step: %q", errs)
	}
	// So is a note about it: the same check as every step command.
	errs = c.exits(2, "incident", "note", id, "502s seen", "--step", "confirm-outgae")
	if !strings.Contains(errs, `(did you mean "confirm-outage"?)`) {
		t.Errorf("note on an unknown step: %q", errs)
	}
	// A description is one line of plain text: a terminal title sequence is refused,
	// not stored and not cleaned silently.
	errs = c.exits(2, "incident", "attach", id, lb, "--description", "logs\x1b]0;pwned\x07")
	if !strings.Contains(errs, "one line of plain text") {
		t.Errorf("escape in the description: %q", errs)
	}
	v, err := (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.State.Attachments); n != 2 {
		t.Fatalf("%d attachments, want 2 (refused ones store nothing)", n)
	}
	a := v.State.Attachments[0]
	if a.Step != "confirm-outage" || a.Description != "load balancer 502s from 09:58" {
		t.Errorf("journal keeps step %q, description %q", a.Step, a.Description)
	}
	if b := v.State.Attachments[1]; b.Step != "" || b.Description != "" {
		t.Errorf("the second attachment has step %q, description %q", b.Step, b.Description)
	}

	show := c.ok("incident", "show", id)
	for _, want := range []string{
		"attachments:\n",
		"alice@test  lb.log (12 bytes)  for step confirm-outage: load balancer 502s from 09:58\n",
		"alice@test  trace.txt (18 bytes)  for the incident\n",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	md := c.ok("incident", "report", id)
	if !strings.Contains(md, "lb.log | step confirm-outage | load balancer 502s from 09:58 |") {
		t.Errorf("the report's evidence lacks the step and description:\n%s", md)
	}
	if !strings.Contains(md, "trace.txt | the incident | — |") {
		t.Errorf("the report's evidence lacks the incident-wide attachment:\n%s", md)
	}
	var r struct {
		Evidence []struct{ Name, Step, Description string } `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(c.ok("incident", "report", id, "--format", "json")), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Evidence) < 2 || r.Evidence[0].Step != "confirm-outage" || r.Evidence[0].Description != "load balancer 502s from 09:58" || r.Evidence[1].Step != "" {
		t.Errorf("report json evidence: %+v", r.Evidence)
	}
}

// A description written into the journal by another tool (not through the command's
// check) reaches the terminal and the report cleaned.
func TestAttachmentDescriptionCleanedInShowAndReport(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	f := filepath.Join(t.TempDir(), "x.log")
	os.WriteFile(f, []byte("x"), 0o644)
	j, err := journal.Open((&incident.Store{DataDir: c.home}).Dir(id), journal.WithActor("mallory@test"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.Attach("mallory@test", f, map[string]any{incident.AttachStep: "triage\x1b[2J", incident.AttachDescription: "evil\x1b]52;c;cm0gLXJmIH4=\x07 | text\u202e"}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	for _, out := range []string{c.ok("incident", "show", id), c.ok("incident", "report", id)} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("control characters reached the output:\n%q", out)
		}
		if !strings.Contains(out, "evil") {
			t.Errorf("the description is missing:\n%s", out)
		}
	}
}
