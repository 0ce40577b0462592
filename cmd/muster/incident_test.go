package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/incident"
)

func TestIncidentCommandsEndToEnd(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Platform down for all users"))
	if !strings.HasPrefix(id, "INC-") {
		t.Fatalf("start printed %q", id)
	}
	v, err := (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	steps := v.Runbook.Steps()
	first, second := steps[1].ID, steps[2].ID // steps[0] is done by the start

	c.ok("incident", "step", id, first, "--done", "--note", "confirmed")
	if errs := c.exits(1, "incident", "step", id, first, "--done"); !strings.Contains(errs, "already done") {
		t.Errorf("second done: %s", errs)
	}
	if errs := c.exits(2, "incident", "step", id, second, "--skip"); !strings.Contains(errs, "reason") {
		t.Errorf("skip without reason: %s", errs)
	}
	c.exits(2, "incident", "step", id, second, "--done", "--skip")
	c.ok("incident", "step", id, second, "--skip", "--reason", "not needed")
	c.ok("incident", "step", id, second, "--undo")
	if code, _, _ := c.run("first line\nsecond line\n", "incident", "note", id, "-"); code != 0 {
		t.Fatal("note from stdin failed")
	}
	c.exits(2, "incident", "escalate", id, "--to", "incident lead")
	c.ok("incident", "escalate", id, "--to", "incident lead", "--reason", "platform down")
	c.ok("incident", "notify", id, "--audience", "all customers", "--channel", "status page", "--message", "We are investigating.")
	c.ok("incident", "severity", id, "high", "--reason", "partial recovery")
	c.ok("incident", "assign", id, "--role", "communications lead", "--to", "bob")
	c.ok("incident", "followup", id, "--owner", "dave", "--due", "2026-12-01", "Add", "a", "failover", "drill")
	c.exits(2, "incident", "followup", id, "--owner", "dave", "--due", "next week", "x")
	evidence := filepath.Join(t.TempDir(), "lb.log")
	os.WriteFile(evidence, []byte("502 502 502\n"), 0o644)
	c.ok("incident", "attach", id, evidence)
	c.ok("incident", "ack", id)
	c.exits(1, "incident", "ack", id)
	if errs := c.exits(1, "incident", "close", id); !strings.Contains(errs, "cannot close") {
		t.Errorf("close with open steps: %s", errs)
	}

	var show map[string]any
	if err := json.Unmarshal([]byte(c.ok("incident", "show", id, "--format", "json")), &show); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "severity", "steps", "sla", "progress", "escalations", "followups", "next_update", "open_work"} {
		if _, ok := show[k]; !ok {
			t.Errorf("show json lacks %q", k)
		}
	}
	if show["severity"] != "high" {
		t.Errorf("severity %v", show["severity"])
	}
	text := c.ok("incident", "show", id)
	for _, want := range []string{id, "HIGH", "respond:", "resolve:", "✓ " + first, "escalations:", "open follow-ups:"} {
		if !strings.Contains(text, want) {
			t.Errorf("show text lacks %q:\n%s", want, text)
		}
	}

	var list []map[string]any
	json.Unmarshal([]byte(c.ok("incident", "list", "--format", "json")), &list)
	if len(list) != 1 {
		t.Fatalf("list: %v", list)
	}
	for _, k := range []string{"id", "title", "severity", "status", "runbook", "opened_at", "drill"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list json lacks %q", k)
		}
	}
	if out := c.ok("followups"); !strings.Contains(out, "dave") || !strings.Contains(out, id) {
		t.Errorf("followups:\n%s", out)
	}

	c.ok("incident", "close", id, "--force", "--reason", "handed over to problem management")
	c.exits(1, "incident", "note", id, "too late")
	if out := c.ok("evidence", "verify", id); !strings.Contains(out, "intact") {
		t.Errorf("verify: %s", out)
	}
	md := c.ok("incident", "report", id)
	for _, want := range []string{"# Post-incident report: Platform down for all users", "## SLA", "## Timeline", "platform down", "lb.log"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(c.ok("incident", "report", id, "--format", "json")), &rep); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "export")
	c.ok("evidence", "export", id, out)
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "--quiet", "SHA256SUMS")
		cmd.Dir = out
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, b)
		}
	}

	// Tampering with one byte is caught, and verify exits 1.
	jf := filepath.Join(c.home, "incidents", id, "journal.jsonl")
	data, _ := os.ReadFile(jf)
	i := bytes.Index(data, []byte("platform down"))
	data[i] = 'P'
	os.WriteFile(jf, data, 0o600)
	c.exits(1, "evidence", "verify", id)
}

func TestIncidentStartErrors(t *testing.T) {
	c := newCLI(t)
	if errs := c.exits(2, "incident", "start", "--runbook", "no-such-runbook", "--severity", "high", "--title", "x"); !strings.Contains(errs, "no runbook") {
		t.Errorf("unknown runbook: %s", errs)
	}
	if errs := c.exits(2, "incident", "start", "--runbook", "service-outage", "--severity", "sev1", "--title", "x"); !strings.Contains(errs, "unknown severity") {
		t.Errorf("unknown severity: %s", errs)
	}
	c.exits(2, "incident", "start", "--severity", "high", "--title", "x")
	c.exits(2, "incident", "show", "INC-20990101-XXXXX")
	c.exits(2, "incident", "show", "../../etc")
}

func TestSecondWriterIsToldWhoHoldsTheIncident(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "high", "--title", "x"))
	inc, err := (&incident.Store{DataDir: c.home}).Open(id, "carol@bridge")
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	errs := c.exits(2, "incident", "note", id, "hello")
	if !strings.Contains(errs, "carol@bridge") {
		t.Errorf("lock error does not name the holder: %s", errs)
	}
	c.ok("incident", "show", id) // readers never block
}

func TestPolicyShow(t *testing.T) {
	c := newCLI(t)
	out := c.ok("policy", "show")
	for _, want := range []string{"ir-four-level", "08:00-17:00", "critical", "1h", "6h", "24x7", "business hours", "next release"} {
		if !strings.Contains(out, want) {
			t.Errorf("policy show lacks %q:\n%s", want, out)
		}
	}
	out = c.ok("policy", "show", "working-days")
	if !strings.Contains(out, "30 working days") {
		t.Errorf("working-days preset:\n%s", out)
	}
	bad := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(bad, []byte("schema = 1\nname = \"x\"\ntitle = \"t\"\ncolour = 1\n"), 0o644)
	code, out, _ := c.run("", "policy", "lint", bad)
	if code != 1 || !strings.Contains(out, bad+":4:1: unknown key") {
		t.Errorf("policy lint: %d %s", code, out)
	}
	export := c.ok("policy", "export", "service-desk")
	os.WriteFile(filepath.Join(c.home, "policy.toml"), []byte(export), 0o600)
	if out := c.ok("policy", "show"); !strings.Contains(out, "outage") {
		t.Errorf("<data dir>/policy.toml not used:\n%s", out)
	}
}
