package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completions asks muster what the shell would offer for the last word of args.
func completions(t *testing.T, c *cli, args ...string) []string {
	t.Helper()
	code, out, errs := c.run("", append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d %s", args, code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var got []string
	for _, l := range lines[:len(lines)-1] { // the last line is the directive
		v, _, _ := strings.Cut(l, "\t")
		got = append(got, v)
	}
	return got
}

// TestCompletionOffersWhatMusterKnows: incident ids (in the case typed), step ids,
// severity levels of the incident's and of the policy in force, runbook and scenario
// ids, presets, backup services and follow-ups.
func TestCompletionOffersWhatMusterKnows(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "database-restore", "--severity", "critical", "--title", "Orders lost"))
	c.ok("incident", "followup", id, "--owner", "dave", "--due", "2026-12-04", "drill")
	backupPolicyWith(t, c.home, "platform-database", "website")

	for _, tc := range []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"incident", "show", ""}, []string{id}, nil},
		{[]string{"incident", "show", "inc-"}, []string{strings.ToLower(id)}, []string{id}},
		{[]string{"evidence", "verify", "INC"}, []string{id}, nil},
		{[]string{"incident", "step", id, ""}, []string{"check-backups", "prove-restore"}, nil},
		{[]string{"incident", "step", strings.ToLower(id), "check-"}, []string{"check-backups"}, []string{"prove-restore"}},
		{[]string{"incident", "check", id, ""}, []string{"check-backups", "prove-restore"}, []string{"open-incident"}},
		{[]string{"incident", "severity", id, ""}, []string{"critical", "high", "medium", "low"}, nil},
		{[]string{"incident", "followup-done", id, ""}, []string{"F1"}, nil},
		{[]string{"incident", "start", "--severity", ""}, []string{"critical", "high", "medium", "low"}, nil},
		{[]string{"--policy", "service-desk", "incident", "start", "--severity", ""}, []string{"outage", "critical", "urgent"}, []string{"high"}},
		{[]string{"report", "sla", "--severity", "h"}, []string{"high"}, []string{"low"}},
		{[]string{"incident", "start", "--runbook", "data"}, []string{"data-breach", "database-restore"}, []string{"mail-spam"}},
		{[]string{"runbook", "show", ""}, []string{"service-outage", "disclosure-intake"}, nil},
		{[]string{"runbook", "diff", "service-outage", ""}, []string{"data-breach"}, nil},
		{[]string{"scenario", "show", ""}, []string{"platform-db-restore", "paste-site-leak"}, nil},
		{[]string{"drill", "region"}, []string{"region-failover"}, nil},
		{[]string{"--policy", ""}, []string{"ir-four-level", "service-desk", "working-days"}, nil},
		{[]string{"policy", "show", ""}, []string{"ir-four-level"}, nil},
		{[]string{"backup", "check", "--service", ""}, []string{"platform-database", "website"}, nil},
		{[]string{"backup", "restore-test", "--incident", id, "--step", ""}, []string{"check-backups", "prove-restore"}, []string{"open-incident"}},
		{[]string{"backup", "check", "--format", ""}, []string{"table", "json", "prometheus"}, nil},
	} {
		got := completions(t, c, tc.args...)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("muster %s<TAB>: %v lacks %s", strings.Join(tc.args, " "), got, w)
			}
		}
		for _, n := range tc.not {
			if slices.Contains(got, n) {
				t.Errorf("muster %s<TAB>: %v offers %s", strings.Join(tc.args, " "), got, n)
			}
		}
	}
	// A path is completed as a file by the shell, not as an id.
	if got := completions(t, c, "runbook", "show", "./"); len(got) != 0 {
		t.Errorf("runbook show ./<TAB>: %v", got)
	}
}

// TestCompletionScriptsForEveryShell: each script is written, and bash's, sourced in a
// real bash, completes an incident id typed in lower case through the built binary.
func TestCompletionScriptsForEveryShell(t *testing.T) {
	c := newCLI(t)
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if out := c.ok("completion", sh); !strings.Contains(out, "muster") || len(out) < 500 {
			t.Errorf("completion %s: %q", sh, out)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := musterBinary(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "high", "--title", "API slow"))
	script := filepath.Join(t.TempDir(), "muster.bash")
	if err := os.WriteFile(script, []byte(c.ok("completion", "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	line := "muster incident show inc-"
	// The script needs the bash-completion package's _get_comp_words_by_ref; a minimal
	// one stands in when the package is not installed.
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", `source "$1"
if [ -r /usr/share/bash-completion/bash_completion ]; then source /usr/share/bash-completion/bash_completion
else _get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }; fi
compopt() { :; } # only works inside a real completion
COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(muster incident show inc-); COMP_CWORD=3
__start_muster muster inc- show
printf '%s\n' "${COMPREPLY[@]}"`, "bash", script, line)
	cmd.Env = append(os.Environ(), "MUSTER_HOME="+c.home, "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != strings.ToLower(id) {
		t.Errorf("bash completion of %q: %v\n%s", line, err, out)
	}
}
