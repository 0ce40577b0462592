package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/journal"
)

// Incident directory names and ids come from the disk, which others can write: an id
// forged with terminal escapes in a journal's started line, and a directory named
// with escapes, reach the terminal cleaned from list, show, report and error
// messages.
func TestUntrustedNamesAreCleaned(t *testing.T) {
	c := newCLI(t)
	id := startIncident(c)
	incidents := filepath.Join(c.home, "incidents")

	// An incident whose started line names a forged id with escape sequences.
	events, err := journal.ReadAll(filepath.Join(incidents, id))
	if err != nil {
		t.Fatal(err)
	}
	var started map[string]any
	json.Unmarshal(events[0].Data, &started)
	started["id"] = "INC-\x1b]0;pwned\x07\x1b[2JEVIL"
	started["title"] = "Forged \x1b[31mred\x1b[0m"
	forged := filepath.Join(incidents, "INC-20261202-EVIL1")
	j, err := journal.Create(forged)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append("mallory@x", "started", started); err != nil {
		t.Fatal(err)
	}
	j.Close()
	for _, f := range []string{"runbook.toml", "policy.toml"} {
		b, _ := os.ReadFile(filepath.Join(incidents, id, f))
		os.WriteFile(filepath.Join(forged, f), b, 0o600)
	}
	// A directory named with escapes, unreadable.
	evilDir := "INC-\x1b[2J\x1b]8;;x\x07DIR"
	os.Mkdir(filepath.Join(incidents, evilDir), 0o700)

	check := func(what, s string) {
		t.Helper()
		if strings.ContainsAny(s, "\x1b\x07") || strings.ContainsRune(s, 0x9b) {
			t.Errorf("%s prints control characters: %q", what, s)
		}
	}
	for _, args := range [][]string{
		{"incident", "list"},
		{"incident", "list", "--format", "json"},
		{"incident", "show", "INC-20261202-EVIL1"},
		{"incident", "show", "INC-20261202-EVIL1", "--format", "json"},
		{"incident", "report", "INC-20261202-EVIL1"},
		{"incident", "show", evilDir},
		{"incident", "note", evilDir, "x"},
		{"evidence", "verify", evilDir},
		{"evidence", "verify", "INC-20261202-EVIL1"},
		{"incident", "show", "INC-\x1b[6nNOPE"},
	} {
		_, out, errs := c.run("", args...)
		check(strings.Join(args, " "), out+errs)
	}
	if out := c.ok("incident", "list"); !strings.Contains(out, "INC-DIR  ") || !strings.Contains(out, "INC-EVIL  ") {
		t.Errorf("list does not show the cleaned directory name:\n%s", out)
	}
}
