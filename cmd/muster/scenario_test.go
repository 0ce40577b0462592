package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/scenarios"
)

func TestScenarioListJSON(t *testing.T) {
	c := newCLI(t)
	var list []map[string]any
	if err := json.Unmarshal([]byte(c.ok("scenario", "list", "--format", "json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) < 5 {
		t.Fatalf("%d scenarios", len(list))
	}
	runbooks := map[string]string{}
	for _, s := range list {
		for _, k := range []string{"id", "version", "title", "runbook"} {
			if v, _ := s[k].(string); v == "" {
				t.Errorf("scenario %v has no %s", s["id"], k)
			}
		}
		runbooks[s["id"].(string)] = s["runbook"].(string)
	}
	want := map[string]string{"paste-site-leak": "data-breach", "region-failover": "service-outage", "platform-db-restore": "database-restore",
		"mail-server-spam": "mail-spam", "researcher-report-exploited": "disclosure-intake"}
	for id, rb := range want {
		if runbooks[id] != rb {
			t.Errorf("scenario %s plays runbook %q, want %s", id, runbooks[id], rb)
		}
	}
	if out := c.ok("scenario", "list"); !strings.Contains(out, "paste-site-leak") || !strings.HasPrefix(out, "ID") {
		t.Errorf("table:\n%s", out)
	}
	c.exits(2, "scenario", "list", "--format", "xml")
}

func TestScenarioShow(t *testing.T) {
	c := newCLI(t)
	out := c.ok("scenario", "show", "platform-db-restore")
	for _, want := range []string{"platform-db-restore 1.2.1", "containment target 30m", "critical task check-backups: Check the newest restore point", "task check-backups)", "HOT WASH", "1. How long did it take", "OBJECTIVES", "MODULES", "? How old is our newest restore point",
		"expects backup-check: Backup check rds-backup run and logged within 10m", "pool backup-state draws one of: pitr-available (weight 3)"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if raw := c.ok("scenario", "show", "--toml", "../../scenarios/testdata/short-drill.toml"); !strings.HasPrefix(raw, "# A two-minute drill") {
		t.Errorf("--toml printed %q", raw[:40])
	}
	if errs := c.exits(2, "scenario", "show", "nope"); !strings.Contains(errs, `no scenario "nope" (known: mail-server-spam`) {
		t.Errorf("stderr %q", errs)
	}
}

func TestScenarioLint(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("scenario", "lint", "../../scenarios/testdata/short-drill.toml"); out != "1 scenario OK\n" {
		t.Errorf("lint of a good file: %q", out)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	src, _ := os.ReadFile("../../scenarios/testdata/short-drill.toml")
	broken := strings.NewReplacer(`step = "open-incident"`, `step = "open-incidnet"`, `within = "30s"`, ``, `channel = "ticket"`, `channel = "fax"`).Replace(string(src))
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := c.run("", "scenario", "lint", bad, "../../scenarios/testdata/short-drill.toml")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(errs, "3 problems in 1 file") {
		t.Fatalf("lint output:\n%s\nstderr %s", out, errs)
	}
	for i, want := range []string{`:31:3: injects[0].expectations[0].step: runbook service-outage has no step "open-incidnet"`,
		`:63:3: expectation fail-over has no deadline`, `:74:1: injects[4].channel: "fax" is not one of`} {
		if !strings.HasPrefix(lines[i], bad+":") || !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %s\nwant %s", i, lines[i], want)
		}
	}
}

func TestScenarioFromIncident(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "high", "--title", "API down for Initech"))
	c.ok("incident", "step", id, "open-incident", "--done")
	c.ok("incident", "note", id, "Initech's CTO called Bob about it")
	c.ok("incident", "escalate", id, "--to", "incident lead", "--reason", "outage")
	c.exits(1, "scenario", "from-incident", id) // still open
	c.ok("incident", "close", id, "--force", "--reason", "tabletop material")
	out := c.ok("scenario", "from-incident", id, "--redact")
	if strings.Contains(out, "Initech") || strings.Contains(out, "Bob") || !strings.Contains(out, `to = "incident lead"`) {
		t.Errorf("redacted scenario:\n%s", out)
	}
	file := filepath.Join(t.TempDir(), "replay.toml")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := c.ok("scenario", "lint", file); got != "1 scenario OK\n" {
		t.Errorf("the replay does not lint: %s", got)
	}
	sc, ps := scenarios.LoadFile(file, scenarios.Env{Runbooks: OneLibrary(t)})
	if len(ps) > 0 || sc.Origin == nil || sc.Origin.Incident != id {
		t.Fatalf("%v %+v", ps, sc)
	}
}
