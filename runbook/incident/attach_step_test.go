package incident

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file attached as evidence for a step, with a description: both are in the record,
// in the state and in the event's description; an attachment without them (as written
// before they existed) reads with neither. A step the runbook lacks and a description
// that cleaning would alter are refused, and nothing is written.
func TestAttachToAStepWithADescription(t *testing.T) {
	c := newClock("2026-11-27T15:30:00Z")
	st, inc := startIncident(t, c, "high")
	dir := t.TempDir()
	file := filepath.Join(dir, "5xx.png")
	if err := os.WriteFile(file, []byte("png"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := inc.Attach(file); err != nil {
		t.Fatal(err)
	}
	if _, err := inc.AttachTo(file, "confirm", "ALB 5xx from 09:14"); err != nil {
		t.Fatal(err)
	}
	before := eventCount(t, inc)
	if _, err := inc.AttachTo(file, "no-such-step", ""); !IsBadInput(err) {
		t.Errorf("unknown step: %v", err)
	}
	if _, err := inc.AttachTo(file, "confirm", "two\nlines"); !IsBadInput(err) {
		t.Errorf("a description with a line break: %v", err)
	}
	if n := eventCount(t, inc); n != before {
		t.Errorf("a refused attachment wrote %d events", n-before)
	}
	inc.Close()

	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := v.State.Attachments
	if len(a) != 2 || a[0].Step != "" || a[0].Description != "" || a[1].Step != "confirm" || a[1].Description != "ALB 5xx from 09:14" {
		t.Fatalf("attachments: %+v", a)
	}
	ev := v.Events[len(v.Events)-1]
	p, err := Decode(ev)
	if err != nil {
		t.Fatal(err)
	}
	if d := Describe(ev); !strings.HasSuffix(d, "to step confirm: ALB 5xx from 09:14") {
		t.Errorf("describe: %q", d)
	}
	if at := p.(Attached); at.Step() != "confirm" || at.Description() != "ALB 5xx from 09:14" {
		t.Errorf("decoded: %+v", at)
	}
}
