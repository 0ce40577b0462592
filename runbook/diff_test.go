package runbook

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const diffOld = `schema = 1
id = "outage"
title = "Full service outage"
version = "1.2.0"
summary = "Platform down."
owner = "ops@example.com"
severities = ["critical", "high"]

[[communication]]
audience = "status page"
after = "triage"
channel = "status page"
update_every = "30m"

[[communication]]
audience = "legal"
after = "review"
channel = "email"

[phases.triage]
[[phases.triage.steps]]
id = "declare"
title = "Declare the incident"
role = "incident commander"
body = "Open the bridge."

[[phases.triage.steps]]
id = "page-db"
title = "Page the database on-call"
role = "ops lead"
body = "Page them."

[phases.contain]
goal = "Stop the bleeding."
[[phases.contain.steps]]
id = "failover"
title = "Fail over to the standby region"
role = "ops lead"
body = "Promote the standby."
commands = ["aws rds failover-db-cluster --db-cluster-identifier prod"]

[[phases.contain.steps]]
id = "freeze"
title = "Freeze deploys"
role = "ops lead"
body = "Freeze."

[[phases.contain.steps]]
id = "shed-load"
title = "Shed load"
role = "ops lead"
body = "Turn off batch jobs."

[phases.review]
[[phases.review.steps]]
id = "postmortem"
title = "Write the post-mortem"
role = "incident commander"
body = "Within 5 working days."
`

func mustParse(t *testing.T, name, src string) *Runbook {
	t.Helper()
	r, ps := Parse(name, []byte(src), nil)
	if len(ps) > 0 {
		t.Fatalf("%s:\n%v", name, ps)
	}
	return r
}

func edit(src string, pairs ...string) string {
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			panic("edit: not found: " + pairs[i])
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

// summary renders a diff compactly for comparison: "phase: +id -id ~id(fields)".
func summary(d RunbookDiff) []string {
	var out []string
	if len(d.Fields) > 0 {
		out = append(out, "runbook: ~"+strings.Join(d.Fields, ","))
	}
	for _, p := range d.Phases {
		var parts []string
		if p.PhaseAdded {
			parts = append(parts, "new-phase")
		}
		if p.PhaseRemoved {
			parts = append(parts, "phase-removed")
		}
		if p.Goal {
			parts = append(parts, "goal")
		}
		for _, s := range p.Added {
			parts = append(parts, "+"+s.ID)
		}
		for _, s := range p.Removed {
			parts = append(parts, "-"+s.ID)
		}
		for _, c := range p.Changed {
			parts = append(parts, fmt.Sprintf("~%s(%s)", c.New.ID, strings.Join(c.Fields, ",")))
		}
		out = append(out, string(p.Phase)+": "+strings.Join(parts, " "))
	}
	for _, c := range d.Communication {
		switch {
		case c.Old == nil:
			out = append(out, "communication: +"+c.New.Audience)
		case c.New == nil:
			out = append(out, "communication: -"+c.Old.Audience)
		default:
			out = append(out, "communication: ~"+c.New.Audience+"("+strings.Join(c.Fields, ",")+")")
		}
	}
	return out
}

func TestDiff(t *testing.T) {
	old := mustParse(t, "old.toml", diffOld)
	for _, tc := range []struct {
		name     string
		new      string
		want     []string
		warnings []string
	}{
		{
			name: "identical files",
			new:  diffOld,
		},
		{
			name:     "a comment changed, the version did not",
			new:      diffOld + "# reviewed 2026-11\n",
			warnings: []string{"the content changed but the version is still 1.2.0: bump it, so every incident records which text it followed"},
		},
		{
			name: "steps added, removed and edited with a version bump",
			new: edit(diffOld,
				`version = "1.2.0"`, `version = "1.3.0"`,
				"title = \"Freeze deploys\"\nrole = \"ops lead\"\nbody = \"Freeze.\"", "title = \"Freeze all deploys\"\nrole = \"ops lead\"\nbody = \"Freeze, and announce it.\"\nevidence = [\"Time of the freeze\"]",
				"commands = [\"aws rds failover-db-cluster --db-cluster-identifier prod\"]", "commands = [\"aws rds failover-db-cluster --db-cluster-identifier prod --target-db-instance-identifier prod-b\"]\ntimebox = \"15m\"",
				"[[phases.triage.steps]]\nid = \"page-db\"\ntitle = \"Page the database on-call\"\nrole = \"ops lead\"\nbody = \"Page them.\"\n", "",
				"[phases.review]", "[phases.recover]\n[[phases.recover.steps]]\nid = \"verify\"\ntitle = \"Verify from outside\"\nrole = \"ops lead\"\nbody = \"Synthetic checks green.\"\n\n[phases.review]",
			),
			want: []string{
				"triage: -page-db",
				"contain: ~failover(commands,timebox) ~freeze(title,body,evidence)",
				"recover: new-phase +verify",
			},
		},
		{
			name: "a step moved to another phase, another reordered, goal and header changed",
			new: edit(diffOld,
				`version = "1.2.0"`, `version = "2.0.0-rc.1"`,
				`title = "Full service outage"`, `title = "Full outage"`,
				`severities = ["critical", "high"]`, `severities = ["critical"]`,
				`goal = "Stop the bleeding."`, `goal = "Restore service for most users."`,
				"[[phases.triage.steps]]\nid = \"page-db\"\ntitle = \"Page the database on-call\"\nrole = \"ops lead\"\nbody = \"Page them.\"\n", "",
				"[[phases.contain.steps]]\nid = \"shed-load\"", "[[phases.contain.steps]]\nid = \"page-db\"\ntitle = \"Page the database on-call\"\nrole = \"ops lead\"\nbody = \"Page them.\"\n\n[[phases.contain.steps]]\nid = \"shed-load\"",
				"[[phases.contain.steps]]\nid = \"failover\"", "[[phases.contain.steps]]\nid = \"failover-moved\"",
			),
			want: []string{
				"runbook: ~title,severities",
				"contain: goal +failover-moved -failover ~page-db(phase)",
				// Rules without their own severities follow the runbook's: their effect changed too.
				"communication: ~status page(severities)",
				"communication: ~legal(severities)",
			},
		},
		{
			name: "order within a phase",
			new: edit(diffOld, `version = "1.2.0"`, `version = "1.2.1"`,
				"[[phases.contain.steps]]\nid = \"shed-load\"\ntitle = \"Shed load\"\nrole = \"ops lead\"\nbody = \"Turn off batch jobs.\"\n", "",
				"[phases.contain]\ngoal = \"Stop the bleeding.\"\n", "[phases.contain]\ngoal = \"Stop the bleeding.\"\n[[phases.contain.steps]]\nid = \"shed-load\"\ntitle = \"Shed load\"\nrole = \"ops lead\"\nbody = \"Turn off batch jobs.\"\n"),
			want: []string{"contain: ~shed-load(order)"},
		},
		{
			name: "communication rules and a version that went down",
			new: edit(diffOld, `version = "1.2.0"`, `version = "1.1.9"`,
				`update_every = "30m"`, `update_every = "1h"`,
				"[[communication]]\naudience = \"legal\"\nafter = \"review\"\nchannel = \"email\"\n", "[[communication]]\naudience = \"affected customers\"\nafter = \"contain\"\nchannel = \"email\"\n"),
			want:     []string{"communication: ~status page(update_every)", "communication: +affected customers", "communication: -legal"},
			warnings: []string{"the version went down from 1.2.0 to 1.1.9"},
		},
		{
			name: "a whole phase removed and a notice moved to another phase",
			new: edit(diffOld, `version = "1.2.0"`, `version = "1.3.0"`,
				"[phases.review]\n[[phases.review.steps]]\nid = \"postmortem\"\ntitle = \"Write the post-mortem\"\nrole = \"incident commander\"\nbody = \"Within 5 working days.\"\n", "",
				"audience = \"legal\"\nafter = \"review\"", "audience = \"legal\"\nafter = \"contain\""),
			want: []string{"review: phase-removed -postmortem", "communication: ~legal(after)"},
		},
		{
			name:     "two different runbooks",
			new:      edit(diffOld, `id = "outage"`, `id = "other"`, `version = "1.2.0"`, `version = "1.3.0"`),
			warnings: []string{"comparing two different runbooks: outage and other"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff(old, mustParse(t, "new.toml", tc.new))
			if got := summary(d); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if !reflect.DeepEqual(d.Warnings, tc.warnings) {
				t.Errorf("warnings %q, want %q", d.Warnings, tc.warnings)
			}
			if d.Empty() != (len(tc.want) == 0) {
				t.Errorf("Empty() = %v", d.Empty())
			}
			if d.Identical() != (tc.new == diffOld) {
				t.Errorf("Identical() = %v", d.Identical())
			}
		})
	}
}

func TestDiffChangedStepKeepsBothVersions(t *testing.T) {
	old := mustParse(t, "old.toml", diffOld)
	new := mustParse(t, "new.toml", edit(diffOld, `version = "1.2.0"`, `version = "1.2.1"`, `body = "Freeze."`, `body = "Freeze now."`))
	d := Diff(old, new)
	c := d.Phases[0].Changed[0]
	if c.Old.Body != "Freeze." || c.New.Body != "Freeze now." || d.Old != old || d.New != new {
		t.Errorf("change %+v", c)
	}
}

func TestLongestIncreasing(t *testing.T) {
	for _, tc := range []struct {
		seq  []int
		keep string
	}{
		{nil, ""},
		{[]int{0, 1, 2}, "111"},
		{[]int{2, 0, 1}, "011"},
		{[]int{1, 0, 2, 3}, "1011"},
		{[]int{3, 2, 1, 0}, "1000"},
	} {
		var b strings.Builder
		for _, k := range longestIncreasing(tc.seq) {
			if k {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		if b.String() != tc.keep {
			t.Errorf("longestIncreasing(%v) = %s, want %s", tc.seq, b.String(), tc.keep)
		}
	}
}
