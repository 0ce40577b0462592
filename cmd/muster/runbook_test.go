package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/internal/golden"
)

const (
	brokenFixture  = "../../testdata/runbooks/broken.toml"
	minimalFixture = "../../testdata/runbooks/minimal.toml"
	osc52Fixture   = "../../testdata/runbooks/osc52-title.toml"
	completeV1     = "testdata/runbooks/complete.toml"
	completeV2     = "testdata/runbooks/complete-v2.toml"
)

func TestRunbookLintReportsEveryProblemOfEveryFile(t *testing.T) {
	home := t.TempDir()
	missing := filepath.Join(home, "missing.toml")
	code, out, errs := cliAt(t, home).run("", "runbook", "lint", minimalFixture, brokenFixture, missing, osc52Fixture)
	if code != 2 { // every problem is reported, but a file could not be read: the lint could not do its job
		t.Fatalf("exit %d, want 2\n%s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 11 {
		t.Fatalf("want the 10 problems of broken.toml and the unreadable file, got %d lines:\n%s", len(lines), out)
	}
	for _, l := range lines[:10] {
		if !strings.HasPrefix(l, brokenFixture+":") || strings.Count(l, ":") < 3 {
			t.Errorf("not path:line:col: message: %s", l)
		}
	}
	if lines[0] != brokenFixture+`:1:1: missing required key "title"` || lines[9] != brokenFixture+":65:1: phase recover has no steps: add [[phases.recover.steps]] or remove the phase" {
		t.Errorf("first and last problem of broken.toml:\n%s\n%s", lines[0], lines[9])
	}
	if lines[10] != missing+": cannot read: no such file" {
		t.Errorf("unreadable file: %s", lines[10])
	}
	if errs != "muster: 11 problems in 2 files; 1 path could not be read\n" {
		t.Errorf("stderr %q", errs)
	}
}

// backupPolicyWith writes a backup policy into home that names services, so that
// runbook lint has no service to warn about.
func backupPolicyWith(t *testing.T, home string, services ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("schema = 1\n")
	for _, s := range services {
		fmt.Fprintf(&b, "[[service]]\nname = %q\n[service.match]\nidentifiers = [\"db\"]\n", s)
	}
	if err := os.WriteFile(filepath.Join(home, "backup.toml"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRunbookLintClean(t *testing.T) {
	home := t.TempDir()
	backupPolicyWith(t, home, "platform database", "platform-database")
	code, out, errs := cliAt(t, home).run("", "runbook", "lint", minimalFixture, osc52Fixture, completeV1)
	if code != 0 || out != "3 runbooks OK\n" || errs != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// A directory stands for its *.toml files: the whole embedded library.
	code, out, errs = cliAt(t, home).run("", "runbook", "lint", "../../runbook/library")
	if code != 0 || !strings.HasSuffix(out, " runbooks OK\n") || errs != "" {
		t.Fatalf("library: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cliAt(t, home).run("", "runbook", "lint"); code != 2 || !strings.Contains(errs, "requires at least 1 arg") {
		t.Errorf("no arguments: exit %d, %q", code, errs)
	}
}

func TestRunbookLintDuplicateIDsAndEmptyDir(t *testing.T) {
	home := t.TempDir()
	backupPolicyWith(t, home, "platform database")
	empty := filepath.Join(home, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cliAt(t, home).run("", "runbook", "lint", completeV1, completeV2, empty)
	want := completeV2 + ": runbook id leaked-db-credentials is also used by " + completeV1 + "; in one directory only the first would load\n" +
		empty + ": no *.toml runbook files in this directory\n"
	if code != 1 || out != want {
		t.Errorf("exit %d\n%s\nwant:\n%s", code, out, want)
	}
}

func TestRunbookLintUsesThePolicyInForce(t *testing.T) {
	home := t.TempDir()
	// Under a policy with other level names, "critical" is unknown.
	code, out, _ := cliAt(t, home).run("", "--policy", "working-days", "runbook", "lint", completeV1)
	if code != 1 || !strings.Contains(out, `severities[0]: unknown severity "critical"`) {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// writeUserRunbook puts a copy of the complete example into the user directory under
// another id or version.
func writeUserRunbook(t *testing.T, home, file string, replace ...string) string {
	t.Helper()
	data, err := os.ReadFile(completeV1)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.NewReplacer(replace...).Replace(string(data))
	dir := filepath.Join(home, "runbooks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunbookList(t *testing.T) {
	home := t.TempDir()
	over := writeUserRunbook(t, home, "breach.toml", `id = "leaked-db-credentials"`, `id = "data-breach"`, `version = "1.1.0"`, `version = "0.9.0"`, "Production database credentials leaked", `Our breach \u001b[31mrunbook\u001b[0m`)
	mine := writeUserRunbook(t, home, "mine.toml")
	if err := os.WriteFile(filepath.Join(home, "runbooks", "bad.toml"), []byte("schema = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errs := cliAt(t, home).run("", "runbook", "list")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "VERSION") || !strings.Contains(lines[0], "TITLE") || !strings.HasSuffix(lines[0], "SOURCE") {
		t.Fatalf("want a header and 8 runbooks:\n%s", out)
	}
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "data-breach "):
			if !strings.Contains(l, "0.9.0") || !strings.Contains(l, "Our breach runbook") || !strings.HasSuffix(l, over+" (overrides embedded 1.1.1)") {
				t.Errorf("override line: %q", l)
			}
		case strings.HasPrefix(l, "leaked-db-credentials "):
			if !strings.HasSuffix(l, mine) {
				t.Errorf("user line: %q", l)
			}
		case strings.HasPrefix(l, "service-outage "):
			if !strings.HasSuffix(l, " embedded") || !strings.Contains(l, "Full service outage") {
				t.Errorf("embedded line: %q", l)
			}
		}
		if strings.ContainsRune(l, 0x1b) {
			t.Errorf("escape sequence printed: %q", l)
		}
	}
	if !strings.HasPrefix(errs, "warning: "+filepath.Join(home, "runbooks", "bad.toml")+":1:1: missing required key") {
		t.Errorf("a broken user file must be a warning on stderr: %q", errs)
	}

	code, out, _ = cliAt(t, home).run("", "runbook", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("json: exit %d", code)
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	if len(items) != 8 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		for _, k := range []string{"id", "version", "title", "source", "digest", "steps", "severities"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item %v lacks %q", it["id"], k)
			}
		}
		switch it["id"] {
		case "data-breach":
			ov, _ := it["overrides"].(map[string]any)
			if it["source"] != over || it["version"] != "0.9.0" || ov["version"] != "1.1.1" {
				t.Errorf("data-breach: %v", it)
			}
		case "service-outage":
			if it["source"] != "embedded" || it["overrides"] != nil || len(it["digest"].(string)) != 64 || it["steps"].(float64) < 5 {
				t.Errorf("service-outage: %v", it)
			}
		}
	}

	if code, _, errs := cliAt(t, home).run("", "runbook", "list", "--format", "yaml"); code != 2 || !strings.Contains(errs, `invalid argument "yaml" for "--format" flag: want table or json`) {
		t.Errorf("bad format: exit %d %q", code, errs)
	}
}

func TestRunbookShow(t *testing.T) {
	home := t.TempDir()
	code, out, errs := cliAt(t, home).run("", "runbook", "show", completeV1)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	golden.Assert(t, "runbook-show-complete", []byte(out))

	// By id, from the embedded library: every phase and step is there.
	code, out, _ = cliAt(t, home).run("", "runbook", "show", "database-restore")
	if code != 0 {
		t.Fatalf("show database-restore: exit %d", code)
	}
	for _, want := range []string{"database-restore 1.", "source      embedded", "DETECT", "RECOVER", "check: rds-backup (", "Record:", "Commands (copy; muster never runs them):", "COMMUNICATION"} {
		if !strings.Contains(out, want) {
			t.Errorf("show database-restore lacks %q", want)
		}
	}

	// Escape sequences in the file never reach the terminal.
	code, out, _ = cliAt(t, home).run("", "runbook", "show", osc52Fixture)
	if code != 0 || strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.Contains(out, "Clipboard") {
		t.Errorf("osc52 fixture: exit %d\n%q", code, out)
	}

	// --toml prints the file to copy and adapt.
	code, out, _ = cliAt(t, home).run("", "runbook", "show", "--toml", completeV1)
	if data, _ := os.ReadFile(completeV1); code != 0 || out != string(data) {
		t.Errorf("--toml: exit %d, output differs from the file", code)
	}
}

func TestRunbookShowErrors(t *testing.T) {
	home := t.TempDir()
	code, out, errs := cliAt(t, home).run("", "runbook", "show", "no-such-runbook")
	if code != 2 || out != "" || !strings.Contains(errs, `no runbook "no-such-runbook"`) {
		t.Errorf("unknown id: exit %d %q", code, errs)
	}
	code, _, errs = cliAt(t, home).run("", "runbook", "show", brokenFixture)
	if code != 2 || strings.Count(errs, "\n"+brokenFixture+":")+1 != 10 || !strings.HasSuffix(errs, "muster: cannot load runbook "+brokenFixture+": 10 problems\n") {
		t.Errorf("broken file: exit %d\n%s", code, errs)
	}
	code, _, errs = cliAt(t, home).run("", "runbook", "show", "embedded:no-such")
	if code != 2 || !strings.Contains(errs, `no embedded runbook "no-such"`) {
		t.Errorf("embedded:no-such: exit %d %q", code, errs)
	}
}

func TestRunbookDiff(t *testing.T) {
	home := t.TempDir()
	code, out, errs := cliAt(t, home).run("", "runbook", "diff", completeV1, completeV2)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	golden.Assert(t, "runbook-diff-complete", []byte(out))
	code, out, _ = cliAt(t, home).run("", "runbook", "diff", "-v", completeV1, completeV2)
	if code != 0 {
		t.Fatalf("-v: exit %d", code)
	}
	golden.Assert(t, "runbook-diff-complete-verbose", []byte(out))

	// A user override edited without a version bump is a report with a warning, exit 0.
	writeUserRunbook(t, home, "breach.toml", `id = "leaked-db-credentials"`, `id = "data-breach"`, `version = "1.1.0"`, `version = "1.1.1"`)
	code, out, _ = cliAt(t, home).run("", "runbook", "diff", "embedded:data-breach", "data-breach")
	if code != 0 || !strings.Contains(out, "warning: the content changed but the version is still 1.1.1") || !strings.Contains(out, "--- data-breach 1.1.1 (embedded)") {
		t.Errorf("embedded vs override: exit %d\n%s", code, out)
	}

	code, out, _ = cliAt(t, home).run("", "runbook", "diff", completeV1, completeV1)
	if code != 0 || !strings.Contains(out, "no differences: the files are identical") {
		t.Errorf("same file: exit %d\n%s", code, out)
	}

	missing := filepath.Join(home, "gone.toml")
	code, _, errs = cliAt(t, home).run("", "runbook", "diff", completeV1, missing)
	if code != 2 || !strings.Contains(errs, missing+": cannot read: no such file") {
		t.Errorf("missing file: exit %d %q", code, errs)
	}
	if code, _, _ := cliAt(t, home).run("", "runbook", "diff", completeV1); code != 2 {
		t.Errorf("one argument: exit %d", code)
	}
}
