package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestIncidentImpact(t *testing.T) {
	now := time.Date(2026, 11, 27, 11, 30, 0, 0, time.UTC)
	c := newCLI(t).at(now)
	if err := os.WriteFile(filepath.Join(c.home, "services.toml"), []byte("schema = 1\n[[service]]\nname = \"platform\"\ntarget = 99.8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Platform down"))
	out := c.ok("incident", "impact", id, "--service", "platform", "--start", "2026-11-27T10:58:00+01:00", "--note", "grafana")
	if !strings.Contains(out, "outage W1 recorded") {
		t.Errorf("impact: %s", out)
	}
	show := c.ok("incident", "show", id)
	if !strings.Contains(show, "outage W1: platform full from 2026-11-27 09:58Z to ongoing (1h32m)") {
		t.Errorf("show:\n%s", show)
	}
	c.ok("incident", "impact", id, "--window", "W1", "--end", "2026-11-27T11:10:00Z")
	if show := c.ok("incident", "show", id); !strings.Contains(show, "outage W1: platform full from 2026-11-27 09:58Z to 2026-11-27 11:10Z (1h12m)") {
		t.Errorf("show after the correction:\n%s", show)
	}
	for _, bad := range []struct {
		code int
		args []string
		want string
	}{
		{1, []string{"--service", "platfrom", "--start", "2026-11-27T10:00:00Z"}, `unknown service "platfrom"`},
		{1, []string{"--service", "platform", "--start", "2026-11-27T10:00:00Z", "--end", "2026-11-27T09:00:00Z"}, "is not after its start"},
		{1, []string{"--service", "platform", "--start", "2026-11-27T12:00:00Z"}, "is in the future"},
		{2, []string{"--service", "platform", "--start", "2026-11-27 10:00"}, `has no zone: write it as 2026-11-27T10:00Z`},
		{2, []string{"--service", "platform", "--start", "yesterday"}, "is not a time"},
		{2, []string{"--service", "platform", "--start", "now", "--level", "most"}, "want full or partial"},
	} {
		errs := c.exits(bad.code, append([]string{"incident", "impact", id}, bad.args...)...)
		if !strings.Contains(errs, bad.want) {
			t.Errorf("%v: %s", bad.args, errs)
		}
	}
}

func TestReportLintServices(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(c.home, "services.toml")
	if err := os.WriteFile(path, []byte("schema = 1\n[[service]]\nname = \"platform\"\ntarget = 100\nfee = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := c.run("", "report", "lint")
	if code != 1 || !strings.Contains(out, path+":4:1: target = 100") || !strings.Contains(out, path+":5:1: unknown key") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if err := os.WriteFile(path, []byte("schema = 1\n[[service]]\nname = \"platform\"\ntarget = 99.8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("report", "lint", path); !strings.Contains(out, "OK") {
		t.Errorf("%s", out)
	}
}
