package runbook

import (
	"strings"
	"testing"
)

// A step done by the start belongs to the first phase and is done at every severity;
// anything else is refused with the line of the key.
func TestDoneByStartLint(t *testing.T) {
	detect := `
[phases.detect]
[[phases.detect.steps]]
id = "start-incident"
title = "Start the incident"
role = "on-call engineer"
body = "muster incident start"
`
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"in the first phase", head + detect + `done_by = "start"` + okPhase, nil},
		{"an unknown value", head + detect + `done_by = "commander"` + okPhase,
			[]string{`r.toml:15:1: phases.detect.steps[0].done_by: unknown value "commander"; the one value is "start" (starting the incident does the step)`}},
		{"outside the first phase", head + detect + okPhase + `done_by = "start"`,
			[]string{`r.toml:24:1: phases.recover.steps[0].done_by: a step the start does belongs to the first phase (detect), before anyone acts`}},
		{"with a check", head + detect + "done_by = \"start\"\ncheck = \"rds-backup\"\nservice = \"platform database\"\n" + okPhase,
			[]string{`r.toml:15:1: phases.detect.steps[0].done_by: a step with a check is done by running the check, not by the start`}},
		{"with when", head + detect + "done_by = \"start\"\nwhen = [\"high\"]\n" + okPhase,
			[]string{`r.toml:15:1: phases.detect.steps[0].done_by: the start does the step at every severity: leave out when`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ps := Parse("r.toml", []byte(tc.src), nil)
			if got := problemLines(ps); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if tc.want == nil && (r == nil || !r.Phases[0].Steps[0].DoneByStart() || r.Phases[1].Steps[0].DoneByStart()) {
				t.Errorf("done_by not read: %+v", r)
			}
		})
	}
}

// Every embedded runbook starts with the step that runs `muster incident start`, and
// that step is done by the start; no other step tells the responder to start one.
func TestEmbeddedRunbooksStartStepIsDoneByTheStart(t *testing.T) {
	lib, problems := LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, rb := range lib.List() {
		first := rb.Phases[0].Steps[0]
		if !first.DoneByStart() || first.ID != "start-incident" {
			t.Errorf("%s: first step %s is not done by the start", rb.ID, first.ID)
		}
		for _, st := range rb.Steps() {
			runsStart := false
			for _, c := range st.Commands {
				runsStart = runsStart || strings.Contains(c, "muster incident start")
			}
			if runsStart != st.DoneByStart() {
				t.Errorf("%s: step %s runs muster incident start: %v, done by the start: %v", rb.ID, st.ID, runsStart, st.DoneByStart())
			}
		}
	}
}

// A runbook written for other levels says which ones before an incident is started.
func TestUnfitNamesTheMissingLevels(t *testing.T) {
	lib, _ := LoadLibrary("", nil)
	rb, _ := lib.Get("data-breach")
	if why := rb.Unfit(DefaultPolicy()); why != "" {
		t.Errorf("data-breach under the default policy: %q", why)
	}
	sd, _ := Preset("service-desk")
	if why := rb.Unfit(sd); why != "names level high, which policy service-desk lacks" {
		t.Errorf("data-breach under service-desk: %q", why)
	}
	wd, _ := Preset("working-days")
	if why := rb.Unfit(wd); why != "names levels critical, high, which policy working-days lacks" {
		t.Errorf("data-breach under working-days: %q", why)
	}
}
