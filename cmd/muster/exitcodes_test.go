package main

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
)

// leafCommands lists the path of every command that runs (not the help-only groups).
func leafCommands() []string {
	root := newRootCmd(&globals{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard})
	var out []string
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.HasSubCommands() && c.Name() != "help" && !c.Hidden {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), "muster"), " "))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	sort.Strings(out)
	return out
}

// TestExitCodeContract holds every command to README's contract: 0 ok; 1 the check
// found a problem (a lint finding, a refused action, a failed verification); 2 the
// command could not do its job (bad flags or arguments, a missing or unreadable file,
// an unknown id). Every command has a row; a new command without one fails the test.
func TestExitCodeContract(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "high", "--title", "contract"))
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.toml")
	badPolicy := filepath.Join(dir, "policy.toml")
	if err := os.WriteFile(badPolicy, []byte("schema = 1\nname = \"x\"\ntitle = \"t\"\ncolour = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step := firstStep(t, "service-outage")
	rows := []struct {
		code int
		args string // fields; {id} {missing} {dir} {step} {broken} {minimal} {badpolicy} are replaced
	}{
		{0, ""}, // no terminal: the help
		{2, "no-such-command"},
		{2, "backup check --format yaml"},
		{2, "backup check --as-of yesterday"},
		{2, "backup check --config {missing}"},
		{2, "drill no-such-scenario --headless"},
		{2, "drill act INC-20990101-XXXXX finalise"},
		{2, "drill status INC-20990101-XXXXX"},
		{0, "evidence verify {id}"},
		{2, "evidence verify INC-20990101-XXXXX"},
		{2, "evidence export INC-20990101-XXXXX {dir}/export"},
		{0, "followups"},
		{2, "followups --format yaml"},
		{0, "incident show {id}"},
		{2, "incident show INC-20990101-XXXXX"},
		{2, "incident show ../../etc"},
		{2, "incident show"},
		{0, "incident list"},
		{2, "incident list --format yaml"},
		{2, "incident start --runbook service-outage --severity sev1 --title x"},
		{2, "incident start --runbook service-outage --severity high"},
		{2, "incident start --runbook {missing} --severity high --title x"},
		{2, "incident start --runbook no-such-runbook --severity high --title x"},
		{2, "incident step {id} no-such-step --done"},
		{2, "incident step {id} {step} --skip"},
		{2, "incident step {id} {step} --done --skip"},
		{0, "incident step {id} {step} --done"},
		{1, "incident step {id} {step} --done"}, // already done: refused
		{0, "incident note {id} hello"},
		{2, "incident note INC-20990101-XXXXX hello"},
		{2, "incident attach {id} {missing}"},
		{2, "incident attachment {id} 99999999"}, // no such attachment
		{2, "incident attachment INC-20990101-XXXXX 1"},
		{2, "incident escalate {id} --to lead"},
		{2, "incident notify {id} --audience customers"},
		{2, "incident severity {id} medium"},
		{2, "incident severity {id} sev9 --reason worse"},
		{1, "incident severity {id} high --reason same"}, // already high: refused
		{2, "incident assign {id} --role commander"},
		{2, "incident followup {id} --owner bob fix it"},
		{2, "incident followup {id} --owner bob --due someday fix it"},
		{2, "incident followup-done {id} F9"},
		{2, "incident check {id} no-such-step"},
		{0, "incident ack {id}"},
		{1, "incident ack {id}"},   // already acknowledged
		{1, "incident close {id}"}, // open work
		{0, "incident report {id}"},
		{2, "incident report INC-20990101-XXXXX"},
		{2, "incident report {id} --format yaml"},
		{2, "incident resume {id}"}, // no terminal
		{0, "policy list"},
		{0, "policy show"},
		{2, "policy show {missing}"},
		{2, "policy show {badpolicy}"},
		{0, "policy export ir-four-level"},
		{2, "policy export no-such-preset"},
		{1, "policy lint {badpolicy}"},
		{2, "policy lint {missing}"},
		{2, "policy lint"},
		{0, "runbook list"},
		{0, "runbook show service-outage"},
		{2, "runbook show no-such-runbook"},
		{0, "runbook lint {minimal}"},
		{1, "runbook lint {broken}"},
		{2, "runbook lint {missing}"},
		{2, "runbook lint {broken} {missing}"}, // findings, and a file not read: could not do its job
		{0, "runbook diff {minimal} {minimal}"},
		{2, "runbook diff {missing} {minimal}"},
		{0, "scenario list"},
		{2, "scenario show no-such-scenario"},
		{2, "scenario lint {missing}"},
		{1, "scenario from-incident {id}"}, // still open
		{2, "scenario from-incident INC-20990101-XXXXX"},
		{2, "backup restore-test --format yaml"},
		{2, "backup restore-test cleanup --older-than soon"},
		{2, "drill discuss INC-20990101-XXXXX m q a"},
		{2, "drill hotwash INC-20990101-XXXXX q a --participant p"},
		{2, "drill observe INC-20990101-XXXXX text --objective o --strength"},
		{2, "drill rate INC-20990101-XXXXX obj P --reason r"},
		{2, "incident impact {id} --service s --start someday"},
		{2, "incident watch INC-20990101-XXXXX"},
		{2, "report lint {missing}"},
		{2, "team doctor"}, // no team store configured
		{2, "team sync"},
		{2, "runbook copy no-such-runbook"},
		{2, "scenario copy no-such-scenario"},
		{2, "policy copy no-such-preset"},
		{2, "scenario no-such-command"},
		{0, "scenario"}, // a group alone prints its help
		{2, "report availability --format yaml"},
		{2, "report sla --format yaml"},
		{2, "scenario msel no-such-scenario"},
		{2, "drill draft INC-20990101-XXXXX"},
		{2, "drill aar INC-20990101-XXXXX --format html"},
		{2, "drill aar {id} --format pdf"},
		{2, "evidence head INC-20990101-XXXXX"},
		{0, "evidence head {id}"},
		{2, "evidence timestamp {id}"}, // no [timestamp] url
		{2, "evidence timestamp INC-20990101-XXXXX --tsa http://127.0.0.1:1/"},
		{0, "version"},
		{2, "version extra"},
		{0, "completion bash"},
	}
	covered := map[string]bool{}
	for _, r := range rows {
		args := strings.Fields(strings.NewReplacer("{id}", id, "{missing}", missing, "{dir}", dir, "{step}", step,
			"{broken}", brokenFixture, "{minimal}", minimalFixture, "{badpolicy}", badPolicy).Replace(r.args))
		code, out, errs := c.run("", args...)
		if code != r.code {
			t.Errorf("muster %s: exit %d, want %d\n%s%s", r.args, code, r.code, out, errs)
		}
		// Bad input is one line on stderr; a file's problems are one line each, then one
		// that sums them up.
		fileRow := strings.Contains(r.args, "{missing}") || strings.Contains(r.args, "{broken}") || strings.Contains(r.args, "{badpolicy}")
		if code == 2 && !fileRow && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("muster %s: more than one line on stderr:\n%s", r.args, errs)
		}
		covered[commandOf(args)] = true
	}
	for _, cmd := range leafCommands() {
		if !covered[cmd] {
			t.Errorf("muster %s has no row in the exit-code table: add its bad-input and ok cases to TestExitCodeContract", cmd)
		}
	}
}

// commandOf is the command path an argument list runs ("incident show").
func commandOf(args []string) string {
	root := newRootCmd(&globals{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard})
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), "muster"), " ")
}

// firstStep is the first step of an embedded runbook that a responder does.
func firstStep(t *testing.T, runbookID string) string {
	t.Helper()
	lib, _ := runbook.LoadLibrary("", nil)
	rb, ok := lib.Get(runbookID)
	if !ok || len(rb.Steps()) == 0 {
		t.Fatalf("no runbook %s", runbookID)
	}
	for _, st := range rb.Steps() {
		if !st.DoneByStart() { // the start did that one
			return st.ID
		}
	}
	t.Fatalf("runbook %s has no step a responder does", runbookID)
	return ""
}
