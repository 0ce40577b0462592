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

func TestReportAvailabilityAndSLA(t *testing.T) {
	c := newCLI(t).at(time.Date(2026, 11, 27, 11, 30, 0, 0, time.UTC))
	if err := os.WriteFile(filepath.Join(c.home, "services.toml"), []byte("schema = 1\n[[service]]\nname = \"platform\"\ntarget = 99.8\nmonthly_fee = 1000.0\ncurrency = \"EUR\"\npenalty_percent = 30\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Platform down"))
	c.ok("incident", "ack", id)
	c.ok("incident", "impact", id, "--service", "platform", "--start", "2026-11-27T09:00:00Z", "--end", "2026-11-27T11:00:00Z")
	c = cliAt(t, c.home).at(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	out := c.ok("report", "availability", "--period", "2026-11")
	for _, want := range []string{"platform: target 99.8% per month", "2026-11    99.722%      120.0       86.4", "MISSED    300.00 EUR  2026-12-07", id + " W1 full"} {
		if !strings.Contains(out, want) {
			t.Errorf("availability lacks %q:\n%s", want, out)
		}
	}
	if js := c.ok("report", "availability", "--period", "2026-11", "--format", "json"); !strings.Contains(js, `"penalty": 300`) {
		t.Errorf("json:\n%s", js)
	}
	html := filepath.Join(c.home, "report.html")
	c.ok("report", "availability", "--year", "2026", "-o", html)
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("html: %v", err)
	}
	if out := c.ok("report", "sla", "--since", "2026-11-01"); !strings.Contains(out, "critical             1      1/1 100%") {
		t.Errorf("sla:\n%s", out)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "availability", "--period", "November"}, "want a month, YYYY-MM"},
		{[]string{"report", "availability", "--period", "2026-11", "--year", "2026"}, "not both"},
		{[]string{"report", "availability", "--service", "mail"}, `unknown service "mail"`},
		{[]string{"report", "availability", "--format", "pdf"}, "want table, json, md or html"},
		{[]string{"report", "sla", "--severity", "sev1"}, `--severity "sev1"`},
		{[]string{"report", "sla", "--since", "2026-12-01", "--until", "2026-11-01"}, "is not after"},
	} {
		if errs := c.exits(2, bad.args...); !strings.Contains(errs, bad.want) {
			t.Errorf("%v: %s", bad.args, errs)
		}
	}
	if err := os.Remove(filepath.Join(c.home, "services.toml")); err != nil {
		t.Fatal(err)
	}
	if errs := c.exits(2, "report", "availability"); !strings.Contains(errs, "no services config") {
		t.Errorf("%s", errs)
	}
}
