package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/runbook"
)

// readmeBackupPolicy is the complete backup.toml example of README ("Backup policy").
func readmeBackupPolicy(t *testing.T) string {
	t.Helper()
	return readmeTOML(t, "### Backup policy (backup.toml)")
}

// TestLibraryServicesAreInTheReadmeBackupPolicy: with README's backup.toml installed,
// every step check of the embedded runbooks names a service of it, and runbook lint
// of the library has nothing to warn about.
func TestLibraryServicesAreInTheReadmeBackupPolicy(t *testing.T) {
	pol, err := backup.ParsePolicy("README.md", []byte(readmeBackupPolicy(t)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range pol.Services {
		names[s.Name] = true
	}
	lib, ps := runbook.LoadLibrary("", nil)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	checked := 0
	for _, r := range lib.List() {
		for _, ph := range r.Phases {
			for _, s := range ph.Steps {
				if s.Service == "" {
					continue
				}
				checked++
				if !names[s.Service] {
					t.Errorf("runbook %s step %s: service %q is not in README's backup.toml example", r.ID, s.ID, s.Service)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no library step names a backup service")
	}
}

// TestRunbookLintWarnsAboutServicesOutsideTheBackupPolicy: lint warns, at the step's
// service key, when the backup policy in force lacks the service; a warning alone
// leaves exit 0.
func TestRunbookLintWarnsAboutServicesOutsideTheBackupPolicy(t *testing.T) {
	c := newCLI(t)
	c.ok("runbook", "copy", "database-restore")
	file := filepath.Join(c.home, "runbooks", "database-restore.toml")

	// No backup.toml: the built-in defaults have no services.
	out := c.ok("runbook", "lint", file)
	if !strings.Contains(out, file+":226:1: warning: service \"platform-database\" is not in the backup policy in force, the built-in defaults") ||
		!strings.Contains(out, "1 runbook OK, 2 warnings") {
		t.Errorf("lint without a backup policy:\n%s", out)
	}

	// A policy that names the service differently.
	policy := filepath.Join(c.home, "backup.toml")
	if err := os.WriteFile(policy, []byte("schema = 1\n[[service]]\nname = \"platform database\"\n[service.match]\nidentifiers = [\"platform-db\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = c.ok("runbook", "lint", file)
	if !strings.Contains(out, `warning: service "platform-database" (did you mean "platform database"?) is not in the backup policy in force, `+policy+`, which has platform database: the step's check cannot run`) {
		t.Errorf("lint with another service name:\n%s", out)
	}

	// README's policy: nothing to say.
	if err := os.WriteFile(policy, []byte(readmeBackupPolicy(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("runbook", "lint", file); strings.TrimSpace(out) != "1 runbook OK" {
		t.Errorf("lint with README's policy:\n%s", out)
	}

	// A problem and a warning: exit 1, the warning counted in the summary.
	bad := filepath.Join(c.home, "runbooks", "bad.toml")
	data, _ := os.ReadFile(file)
	os.WriteFile(policy, []byte("schema = 1\n"), 0o600)
	os.WriteFile(bad, []byte(strings.Replace(string(data), `id = "database-restore"`, `id = "Bad ID"`, 1)), 0o600)
	if errs := c.exits(1, "runbook", "lint", file, bad); !strings.Contains(errs, "1 problem in 1 file, 2 warnings") {
		t.Errorf("stderr: %s", errs)
	}
}
