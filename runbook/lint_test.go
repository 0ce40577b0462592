package runbook

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

// head is the top of a valid runbook: seven lines, so every case's own text starts at
// line 8.
const head = `schema = 1
id = "db-restore"
title = "Restore the production database"
version = "1.0.0"
summary = "When the database is lost or corrupted."
owner = "ops@example.com"
severities = ["critical", "high"]
`

const okPhase = `
[phases.recover]
goal = "Data back within the RPO."

[[phases.recover.steps]]
id = "restore-snapshot"
title = "Restore from the newest snapshot"
role = "ops lead"
body = "Restore to a new instance; never overwrite the broken one."
`

func TestParseValid(t *testing.T) {
	src := head + `tags = ["database", "aws"]

[[communication]]
audience = "leadership"
after = "recover"
channel = "phone"
update_every = "1h30m"
template = """

**Database restored.**

"""

[[communication]]
audience = "status page"
after = "triage"
severities = ["critical"]
channel = "status page"

[phases.recover]
goal = "Data back within the RPO."

[[phases.recover.steps]]
id = "check-backups"
title = "Check the newest restore point"
role = "ops lead"
body = """
Run the check.
"""
evidence = ["Newest restore point time", "Instance id"]
commands = ["aws rds describe-db-snapshots --db-instance-identifier prod-db"]
timebox = "15m"
when = ["critical"]
check = "rds-backup"
service = "platform-database"

[phases.triage]
[[phases.triage.steps]]
id = "assign-owner"
title = "Assign an owner"
role = "incident commander"
body = "Name one owner."
optional = true
`
	data := []byte(src)
	r, ps := Parse("db.toml", data, nil)
	if len(ps) > 0 {
		t.Fatalf("problems:\n%v", ps)
	}
	if r.ID != "db-restore" || r.Version.String() != "1.0.0" || r.Source != "db.toml" || r.Schema != 1 {
		t.Errorf("header: %+v", r)
	}
	if len(r.Phases) != 2 || r.Phases[0].Name != Triage || r.Phases[1].Name != Recover {
		t.Fatalf("phases must follow PhaseOrder, not file order: %+v", r.Phases)
	}
	s, ok := r.Step("check-backups")
	if !ok {
		t.Fatal("Step(check-backups) not found")
	}
	want := Step{
		ID: "check-backups", Title: "Check the newest restore point", Body: "Run the check.", Role: "ops lead",
		Evidence: []string{"Newest restore point time", "Instance id"},
		Commands: []string{"aws rds describe-db-snapshots --db-instance-identifier prod-db"},
		Timebox:  15 * time.Minute, When: []string{"critical"}, Check: "rds-backup", Service: "platform-database", Phase: Recover,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("step:\n got %+v\nwant %+v", s, want)
	}
	if !s.AppliesTo("critical") || s.AppliesTo("high") {
		t.Error("when = [critical] must apply to critical only")
	}
	if a, _ := r.Step("assign-owner"); !a.Optional || !a.AppliesTo("low") {
		t.Errorf("assign-owner: %+v", a)
	}
	if ids := stepIDs(r.Steps()); ids != "assign-owner check-backups" {
		t.Errorf("Steps() order: %s", ids)
	}
	if _, ok := r.Step("nope"); ok {
		t.Error("Step(nope) found")
	}
	c := r.Communication[0]
	if c.UpdateEvery != 90*time.Minute || c.Template != "**Database restored.**" || c.After != Recover {
		t.Errorf("communication: %+v", c)
	}
	if !reflect.DeepEqual(c.Severities, []string{"critical", "high"}) || !c.AppliesTo("high") {
		t.Errorf("a rule without severities must default to the runbook's: %v", c.Severities)
	}
	if r.Communication[1].AppliesTo("high") {
		t.Error("severities = [critical] must not apply to high")
	}
	if len(r.Digest) != 64 || r.Digest != digest(data) || string(r.Raw) != src {
		t.Errorf("digest %q / raw kept: %v", r.Digest, string(r.Raw) == src)
	}
	data[0] = 'X'
	if r.Raw[0] == 'X' {
		t.Error("Raw must be a copy of the caller's bytes")
	}
}

func stepIDs(steps []Step) string {
	var ids []string
	for _, s := range steps {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, " ")
}

func TestLintProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "TOML syntax error stops at the first error",
			src:  head + "title = \"unterminated\n" + okPhase,
			want: []string{`r.toml:8:22: TOML syntax: strings cannot contain newlines`},
		},
		{
			name: "unknown keys anywhere, with a suggestion",
			src: head + `ownr = "x"` + okPhase + `timbox = "5m"
[[communication]]
audience = "leadership"
after = "recover"
channel = "phone"
colour = "red"
`,
			want: []string{
				`r.toml:8:1: unknown key "ownr" (did you mean "owner"?)`,
				`r.toml:17:1: unknown key "phases.recover.steps[0].timbox" (did you mean "timebox"?)`,
				`r.toml:22:1: unknown key "communication[0].colour"`,
			},
		},
		{
			name: "wrong types are reported once, not again as empty or unknown",
			src: head + okPhase + `optional = "yes"
when = "critical"
evidence = ["ok", 3]
[[phases.recover.steps]]
id = "x"
title = 42
role = "ops lead"
body = "b"
`,
			want: []string{
				`r.toml:17:1: phases.recover.steps[0].optional must be true or false, not a string`,
				`r.toml:18:1: phases.recover.steps[0].when must be an array, not a string`,
				`r.toml:19:19: phases.recover.steps[0].evidence[1] must be a string, not an integer`,
				`r.toml:22:1: phases.recover.steps[1].title must be a string, not an integer`,
			},
		},
		{
			name: "missing required keys",
			src: `schema = 1
id = "db-restore"
version = "1.0.0"
summary = "s"
severities = ["high"]

[phases.recover]
[[phases.recover.steps]]
id = "restore"
role = "ops lead"

[[communication]]
audience = "leadership"
`,
			want: []string{
				`r.toml:1:1: missing required key "title"`,
				`r.toml:1:1: missing required key "owner"`,
				`r.toml:8:1: missing required key "phases.recover.steps[0].title"`,
				`r.toml:8:1: missing required key "phases.recover.steps[0].body"`,
				`r.toml:12:1: missing required key "communication[0].after"`,
				`r.toml:12:1: missing required key "communication[0].channel"`,
			},
		},
		{
			name: "no phases at all",
			src:  head,
			want: []string{`r.toml:1:1: missing required key "phases"`},
		},
		{
			name: "duplicate step ids across phases",
			src: head + okPhase + `
[phases.contain]
[[phases.contain.steps]]
id = "restore-snapshot"
title = "t"
role = "r"
body = "b"
`,
			want: []string{`r.toml:20:1: phases.contain.steps[0].id: duplicate step id "restore-snapshot" (first used at line 13)`},
		},
		{
			name: "bad semantic version",
			src:  strings.Replace(head, `"1.0.0"`, `"1.0"`, 1) + okPhase,
			want: []string{`r.toml:4:1: version: "1.0" is not a semantic version like 1.2.0 (semver.org): want three numbers MAJOR.MINOR.PATCH`},
		},
		{
			name: "unknown phase, with a suggestion",
			src: head + okPhase + `
[phases.contian]
[[phases.contian.steps]]
id = "isolate"
title = "t"
role = "r"
body = "b"
`,
			want: []string{`r.toml:18:1: unknown phase "contian" (did you mean "contain"?); phases are detect, triage, contain, investigate, eradicate, recover, review`},
		},
		{
			name: "unknown and repeated severities in severities, when and communication",
			src: strings.Replace(head, `["critical", "high"]`, `["critical", "sev1", "critical"]`, 1) + okPhase + `when = ["hihg", "low"]
[[communication]]
audience = "leadership"
after = "recover"
severities = ["urgent"]
channel = "phone"
`,
			want: []string{
				`r.toml:7:27: severities[1]: unknown severity "sev1"; policy ir-four-level has critical, high, medium, low`,
				`r.toml:7:35: severities[2]: severity "critical" is listed twice`,
				`r.toml:17:9: phases.recover.steps[0].when[0]: unknown severity "hihg" (did you mean "high"?); policy ir-four-level has critical, high, medium, low`,
				`r.toml:21:15: communication[0].severities[0]: unknown severity "urgent"; policy ir-four-level has critical, high, medium, low`,
			},
		},
		{
			name: "empty lists that should be left out",
			src: strings.Replace(head, `["critical", "high"]`, `[]`, 1) + okPhase + `when = []
evidence = ["", "Instance id"]
[[communication]]
audience = "leadership"
after = "recover"
severities = []
channel = "phone"
`,
			want: []string{
				`r.toml:7:1: severities is empty: name the levels this runbook is for (critical, high, medium, low)`,
				`r.toml:17:1: phases.recover.steps[0].when is empty: leave it out to apply the step to every severity`,
				`r.toml:18:13: phases.recover.steps[0].evidence[0] is empty`,
				`r.toml:22:1: communication[0].severities is empty: leave it out to notify for every severity of the runbook`,
			},
		},
		{
			name: "unknown check",
			src:  head + okPhase + `check = "rds-backups"` + "\n",
			want: []string{`r.toml:17:1: phases.recover.steps[0].check: unknown check "rds-backups" (did you mean "rds-backup"?); known checks: rds-backup, restore-test`},
		},
		{
			name: "service without the rds-backup check",
			src:  head + okPhase + `service = "platform-database"` + "\n",
			want: []string{`r.toml:17:1: phases.recover.steps[0].service is only used with check = "rds-backup" or "restore-test"`},
		},
		{
			name: "unparseable and non-positive durations",
			src: head + okPhase + `timebox = "2d"
[[communication]]
audience = "leadership"
after = "recover"
channel = "phone"
update_every = "0s"
[[communication]]
audience = "customers"
after = "recover"
channel = "email"
update_every = "soon"
`,
			want: []string{
				`r.toml:17:1: phases.recover.steps[0].timebox: "2d" is not a duration like 15m, 1h30m or 4h (no days unit: write 24h for a day)`,
				`r.toml:22:1: communication[0].update_every: "0s" must be a positive duration`,
				`r.toml:27:1: communication[1].update_every: "soon" is not a duration like 15m, 1h30m or 4h`,
			},
		},
		{
			name: "empty phases",
			src: head + okPhase + `
[phases.review]
goal = "Lessons learned."
`,
			want: []string{`r.toml:18:1: phase review has no steps: add [[phases.review.steps]] or remove the phase`},
		},
		{
			name: "phases table without any phase",
			src:  head + "[phases]\n",
			want: []string{`r.toml:8:1: phases is empty: a runbook needs at least one phase with steps (detect, triage, contain, investigate, eradicate, recover, review)`},
		},
		{
			name: "ids that are not slugs",
			src:  strings.Replace(head, `"db-restore"`, `"DB_Restore"`, 1) + strings.Replace(okPhase, `"restore-snapshot"`, `"restore--snapshot"`, 1),
			want: []string{
				`r.toml:2:1: id "DB_Restore" must be a slug: lower-case letters and digits, words joined by single dashes (like confirm-alert)`,
				`r.toml:13:1: phases.recover.steps[0].id "restore--snapshot" must be a slug: lower-case letters and digits, words joined by single dashes (like confirm-alert)`,
			},
		},
		{
			name: "communication after an unknown phase or one the runbook lacks",
			src: head + okPhase + `[[communication]]
audience = "leadership"
after = "contian"
channel = "phone"
[[communication]]
audience = "customers"
after = "eradicate"
channel = "email"
`,
			want: []string{
				`r.toml:19:1: communication[0].after: unknown phase "contian" (did you mean "contain"?); phases are detect, triage, contain, investigate, eradicate, recover, review`,
				`r.toml:23:1: communication[1].after: the runbook has no eradicate phase, so this notice would never fall due`,
			},
		},
		{
			name: "unsupported schema",
			src:  strings.Replace(head, "schema = 1", "schema = 2", 1) + okPhase,
			want: []string{`r.toml:1:1: schema 2 is not supported (this muster reads schema 1)`},
		},
		{
			name: "blank text fields",
			src:  strings.Replace(head, `"Restore the production database"`, `"  "`, 1) + strings.Replace(okPhase, `role = "ops lead"`, `role = ""`, 1),
			want: []string{
				`r.toml:3:1: title is empty`,
				`r.toml:15:1: phases.recover.steps[0].role is empty`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ps := Parse("r.toml", []byte(tc.src), nil)
			got := problemLines(ps)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if r != nil {
				t.Error("a runbook with problems must not be returned")
			}
		})
	}
}

func problemLines(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// sharedTestdata is the repository's testdata directory of fixtures shared by packages.
func sharedTestdata(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{"..", "testdata"}, elem...)...)
}

func TestBrokenFixtureReportsEveryProblem(t *testing.T) {
	path := sharedTestdata(t, "runbooks", "broken.toml")
	r, ps := LoadFile(path, nil)
	if r != nil {
		t.Fatal("broken.toml loaded")
	}
	// The ten problems the fixture's header lists, all in one run, in file order.
	want := []string{
		`1:1: missing required key "title"`,
		`17:1: version: "1.0" is not a semantic version like 1.2.0 (semver.org): want three numbers MAJOR.MINOR.PATCH`,
		`30:1: unknown key "phases.triage.steps[0].evidance" (did you mean "evidence"?)`,
		`37:1: phases.triage.steps[1].optional must be true or false, not a string`,
		`40:1: phases.triage.steps[2].id: duplicate step id "triage-once" (first used at line 26)`,
		`44:9: phases.triage.steps[2].when[0]: unknown severity "sev1"; policy ir-four-level has critical, high, medium, low`,
		`46:1: unknown phase "mitigate"; phases are detect, triage, contain, investigate, eradicate, recover, review`,
		`62:1: phases.contain.steps[0].check: unknown check "s3-backup"; known checks: rds-backup, restore-test`,
		`63:1: phases.contain.steps[0].timebox: "15 minutes" is not a duration like 15m, 1h30m or 4h`,
		`65:1: phase recover has no steps: add [[phases.recover.steps]] or remove the phase`,
	}
	for i := range want {
		want[i] = path + ":" + want[i]
	}
	if got := problemLines(ps); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("broken.toml:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMinimalFixture(t *testing.T) {
	r, ps := LoadFile(sharedTestdata(t, "runbooks", "minimal.toml"), nil)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if len(r.Steps()) != 1 || r.Tags != nil || r.Communication != nil || r.Phases[0].Name != Triage {
		t.Errorf("minimal: %+v", r)
	}
}

func TestEscapeSequencesAreCleanedNotRejected(t *testing.T) {
	r, ps := LoadFile(sharedTestdata(t, "runbooks", "osc52-title.toml"), nil)
	if len(ps) > 0 {
		t.Fatalf("a runbook with escape sequences must be accepted:\n%v", ps)
	}
	var fields []string
	fields = append(fields, r.ID, r.Title, r.Summary, r.Owner, r.Version.String())
	fields = append(fields, r.Severities...)
	fields = append(fields, r.Tags...)
	for _, p := range r.Phases {
		fields = append(fields, string(p.Name), p.Goal)
		for _, s := range p.Steps {
			fields = append(fields, s.ID, s.Title, s.Body, s.Role, s.Check, s.Service, string(s.Phase))
			fields = append(fields, s.Evidence...)
			fields = append(fields, s.Commands...)
			fields = append(fields, s.When...)
		}
	}
	for _, c := range r.Communication {
		fields = append(fields, c.Audience, string(c.After), c.Channel, c.Template)
		fields = append(fields, c.Severities...)
	}
	for _, f := range fields {
		for _, c := range f {
			if c == 0x1b || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
				(c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) {
				t.Errorf("control character %U left in %q", c, f)
			}
		}
	}
	if strings.Contains(r.Title, "]52;") || !strings.ContainsFunc(r.Title, unicode.IsLetter) {
		t.Errorf("title %q: the OSC 52 sequence must be removed and the words kept", r.Title)
	}
	for _, s := range []string{r.Title, r.Owner} {
		if strings.ContainsAny(s, "\n\t") {
			t.Errorf("single-line field %q kept a line break", s)
		}
	}
}

func TestLoadFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.toml"), "cannot read: no such file"},
		{dir, "is a directory, not a runbook file"},
	} {
		r, ps := LoadFile(tc.path, nil)
		if r != nil || len(ps) != 1 || ps[0].String() != tc.path+": "+tc.want {
			t.Errorf("LoadFile(%s) = %v, %v; want %q", tc.path, r, ps, tc.want)
		}
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ps := LoadFile(big, nil); len(ps) != 1 || !strings.Contains(ps[0].Msg, "larger than 4 MiB") {
		t.Errorf("big file: %v", ps)
	}
}

func TestParseAgainstAnotherPolicy(t *testing.T) {
	pol, ok := Preset("working-days")
	if !ok {
		t.Skip("preset working-days not available")
	}
	names := pol.LevelNames()
	src := strings.Replace(head, `["critical", "high"]`, `["`+names[0]+`"]`, 1) + okPhase
	if _, ps := Parse("r.toml", []byte(src), pol); len(ps) > 0 {
		t.Errorf("level %q of policy %s refused: %v", names[0], pol.Name, ps)
	}
	if _, ps := Parse("r.toml", []byte(head+okPhase), pol); len(ps) == 0 || !strings.Contains(ps[0].Msg, "policy "+pol.Name+" has "+strings.Join(names, ", ")) {
		t.Errorf("critical must be unknown to %s: %v", pol.Name, ps)
	}
}

func TestEveryCheckIsDescribed(t *testing.T) {
	for _, c := range Checks {
		if CheckDescriptions[c] == "" {
			t.Errorf("check %q has no description", c)
		}
	}
	if len(CheckDescriptions) != len(Checks) {
		t.Errorf("CheckDescriptions describes %d checks, Checks lists %d", len(CheckDescriptions), len(Checks))
	}
}
