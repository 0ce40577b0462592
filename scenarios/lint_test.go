package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook"
)

// okInjects is a valid scenario body to break in one place per case.
const okInjects = `
[[modules]]
id = "m1"
title = "Module one"
phase = "detect"
questions = ["Who owns it?"]

[[injects]]
id = "alert"
module = "m1"
at = "0m"
from = "monitoring"
channel = "alert"
title = "Alert"

  [[injects.expectations]]
  id = "open"
  kind = "step"
  step = "open-incident"
  within = "10m"
  objective = "respond"

[[injects]]
id = "call"
module = "m1"
at = "10m"
from = "ops"
channel = "phone"
title = "Call"

  [injects.decision]
  prompt = "Now?"
  timeout = "5m"
  default = "no"
  options = [
    { id = "yes", label = "Yes", goto = "branch" },
    { id = "no", label = "No" },
  ]

[[injects]]
id = "branch"
module = "m1"
from = "ops"
channel = "chat"
title = "Branch"
`

func TestLintAcceptsTheBaseScenario(t *testing.T) {
	if ps := Lint("s.toml", []byte(head+okInjects), testEnv(t)); len(ps) > 0 {
		t.Fatalf("problems in the base scenario:\n%v", ps)
	}
}

func TestLint(t *testing.T) {
	for _, tc := range []struct {
		name      string
		old, new  string // replace in head+okInjects; old "" appends new
		want      string // a problem message contains this
		line, col int    // at this position (0: not checked)
	}{
		{"syntax error stops at its line", `title = "Alert"`, `title = "Alert`, "TOML syntax", 31, 0},
		{"unknown key with a suggestion", `channel = "phone"`, "channel = \"phone\"\ntitel = \"x\"", `unknown key "injects[1].titel" (did you mean "title"?)`, 46, 1},
		{"wrong type", `planned_duration = "2h"`, `planned_duration = 120`, "planned_duration must be a string, not an integer", 7, 1},
		{"bad semver", `version = "1.0.0"`, `version = "1.0"`, `not a semantic version`, 3, 1},
		{"bad version range", `version = "^1.0.0"`, `version = ">=1.x"`, `version range ">=1.x"`, 12, 1},
		{"runbook version outside the range", `version = "^1.0.0"`, `version = ">=2.0.0"`, `runbook drill-test is version 1.2.0, outside ">=2.0.0"`, 12, 1},
		{"unknown runbook", `id = "drill-test"`, `id = "drill-tset"`, `unknown runbook "drill-tset"`, 11, 1},
		{"unknown severity", `severity = "high"`, `severity = "hihg"`, `unknown level "hihg" (did you mean "high"?)`, 6, 1},
		{"severity the runbook is not for", `severity = "high"`, `severity = "low"`, `runbook drill-test is for critical, high, medium incidents, not low`, 6, 1},
		{"local story start", `story_start = 2026-03-03T09:30:00+01:00`, `story_start = 2026-03-03T09:30:00`, "story_start needs a UTC offset", 8, 1},
		{"unknown runbook step", `step = "open-incident"`, `step = "open-incidnet"`, `runbook drill-test has no step "open-incidnet" (did you mean "open-incident"?)`, 36, 3},
		{"unknown phase", `phase = "detect"`, `phase = "detekt"`, `unknown phase "detekt" (did you mean "detect"?)`, 22, 1},
		{"phase the runbook lacks", `phase = "detect"`, `phase = "eradicate"`, "runbook drill-test has no eradicate phase", 22, 1},
		{"expectation without a deadline", `within = "10m"`, ``, `expectation open has no deadline`, 33, 3},
		{"expectation with a zero deadline", `within = "10m"`, `within = "0m"`, `must be a positive duration`, 37, 3},
		{"unknown objective", `objective = "respond"`, `objective = "respnod"`, `unknown objective "respnod" (did you mean "respond"?)`, 38, 3},
		{"objective no expectation rates", `objective = "respond"`, `objective = "other"`, "objective respond has no expectation", 14, 1},
		{"unknown expectation kind", `kind = "step"`, `kind = "stpe"`, `unknown kind "stpe" (did you mean "step"?)`, 35, 3},
		{"a field of another kind", `kind = "step"`, "kind = \"step\"\n  level = \"critical\"", "injects[0].expectations[0].level is not used by a step expectation", 36, 3},
		{"unknown channel", `channel = "alert"`, `channel = "pager"`, `"pager" is not one of alert, email, phone, chat, ticket, news`, 30, 1},
		{"unknown module", `module = "m1"`, `module = "m2"`, `unknown module "m2"`, 27, 1},
		{"duplicate inject id", `id = "branch"`, `id = "alert"`, `duplicate inject id "alert"`, 58, 1},
		{"goto to an unknown inject", `goto = "branch"`, `goto = "brnach"`, `unknown inject "brnach" (did you mean "branch"?)`, 53, 34},
		{"decision default not an option", `default = "no"`, `default = "maybe"`, `"maybe" is not one of the options (no, yes)`, 51, 3},
		{"decision without a timeout", `timeout = "5m"`, ``, "has no timeout", 48, 3},
		{"unreachable inject", `, goto = "branch"`, ``, "inject branch is unreachable: it has no at, no after, and no decision branches to it", 57, 1},
		{"inject at or after the planned end", `at = "10m"`, `at = "2h"`, "at or after the planned end", 43, 1},
		{"after an unknown inject", `at = "10m"`, `after = { inject = "alrt" }`, `unknown inject "alrt" (did you mean "alert"?)`, 43, 11},
		{"after names two anchors", `at = "10m"`, `after = { inject = "alert", step = "confirm" }`, "name exactly one of inject, step or phase (it has 2)", 43, 1},
		{"both at and after", `at = "10m"`, "at = \"10m\"\nafter = { inject = \"alert\" }", "inject call has both at and after", 44, 1},
		{"branch target with its own timing", `title = "Branch"`, "title = \"Branch\"\nat = \"5m\"", "is a branch target of the decision of inject call", 57, 1},
		{"cycle of after", "", `
[[injects]]
id = "a"
module = "m1"
from = "x"
channel = "chat"
title = "A"
after = { inject = "b" }

[[injects]]
id = "b"
module = "m1"
from = "x"
channel = "chat"
title = "B"
after = { inject = "a", delay = "1m" }
`, "injects form a cycle: a → b → a", 64, 1},
		{"an inject after itself", "", `
[[injects]]
id = "a"
module = "m1"
from = "x"
channel = "chat"
title = "A"
after = { inject = "a" }
`, "an inject cannot fire after itself", 70, 11},
		{"pool member unknown", "", "\n[[pools]]\nid = \"p\"\nmembers = [\"alert\", \"nope\"]\n", `pools[0].members[1]: unknown inject "nope"`, 66, 21},
		{"pool weights", "", "\n[[pools]]\nid = \"p\"\nmembers = [\"alert\", \"call\"]\nweights = [1]\n", "1 weights for 2 members", 67, 1},
		{"unknown role", `title = "Alert"`, "title = \"Alert\"\nto = [\"ic\"]", `injects[0].to[0]: unknown role "ic"`, 32, 7},
		{"module without injects", "", "\n[[modules]]\nid = \"m2\"\ntitle = \"Two\"\n", "module m2 has no inject", 64, 1},
		{"schema version", `schema = 1`, `schema = 2`, "schema 2 is not supported", 1, 1},
		{"id not a slug", `id = "test-drill"`, `id = "Test Drill"`, `id "Test Drill" must be a slug`, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := head + okInjects
			if tc.old == "" {
				src += tc.new
			} else {
				if !strings.Contains(src, tc.old) {
					t.Fatalf("the base has no %q", tc.old)
				}
				src = strings.Replace(src, tc.old, tc.new, 1)
			}
			ps := Lint("s.toml", []byte(src), testEnv(t))
			for _, p := range ps {
				if strings.Contains(p.Msg, tc.want) {
					if tc.line != 0 && (p.Line != tc.line || (tc.col != 0 && p.Col != tc.col)) {
						t.Errorf("%q at %d:%d, want %d:%d", p.Msg, p.Line, p.Col, tc.line, tc.col)
					}
					return
				}
			}
			t.Errorf("no problem containing %q; got:\n%v", tc.want, ps)
		})
	}
}

func TestLintSeverityExpectationForTheStartingSeverity(t *testing.T) {
	src := head + strings.Replace(okInjects, "kind = \"step\"\n  step = \"open-incident\"", "kind = \"severity\"\n  level = \"high\"", 1)
	ps := Lint("s.toml", []byte(src), testEnv(t))
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "high is the drill's starting severity") {
		t.Fatalf("problems %v", ps)
	}
}

// TestLintReportsEveryProblemAtOnce: seven things broken, eight problems (one makes an
// inject unreachable), each with its position, in file order.
func TestLintReportsEveryProblemAtOnce(t *testing.T) {
	src := head + okInjects
	for _, r := range [][2]string{
		{`severity = "high"`, `severity = "hihg"`},
		{`phase = "detect"`, `phase = "detekt"`},
		{`channel = "alert"`, `channel = "pager"`},
		{`step = "open-incident"`, `step = "nope"`},
		{`within = "10m"`, ``},
		{`default = "no"`, `default = "maybe"`},
		{`goto = "branch"`, `goto = "brnach"`},
	} {
		src = strings.Replace(src, r[0], r[1], 1)
	}
	ps := Lint("s.toml", []byte(src), testEnv(t))
	// Also: branch is now unreachable, and objective respond is still rated by open.
	want := []string{"hihg", "detekt", "pager", "no deadline", `no step "nope"`, `"maybe" is not one`, `"brnach"`, "inject branch is unreachable"}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i, w := range want {
		if !strings.Contains(ps[i].Msg, w) || ps[i].File != "s.toml" || ps[i].Line == 0 {
			t.Errorf("problem %d: %s, want one about %s", i, ps[i], w)
		}
		if i > 0 && ps[i].Line < ps[i-1].Line {
			t.Errorf("problems not in file order: %s after %s", ps[i], ps[i-1])
		}
	}
	if s := fmt.Sprint(ps[0]); !strings.HasPrefix(s, "s.toml:6:1: ") {
		t.Errorf("first problem prints as %q", s)
	}
}

func TestVersionRange(t *testing.T) {
	for _, tc := range []struct {
		r    string
		v    string
		want bool
	}{
		{"^1.0.0", "1.9.3", true}, {"^1.0.0", "2.0.0", false}, {"^0.3.0", "0.3.9", true}, {"^0.3.0", "0.4.0", false},
		{"~1.2.0", "1.2.7", true}, {"~1.2.0", "1.3.0", false}, {">=1.0.0, <2.0.0", "1.5.0", true},
		{">= 1.0.0 < 2.0.0", "2.0.0", false}, {"1.2.3", "1.2.3", true}, {"=1.2.3", "1.2.4", false}, {"*", "9.9.9", true},
	} {
		r, err := ParseVersionRange(tc.r)
		if err != nil {
			t.Fatalf("%q: %v", tc.r, err)
		}
		v, _ := parseV(tc.v)
		if r.Contains(v) != tc.want {
			t.Errorf("%q contains %s: %v, want %v", tc.r, tc.v, !tc.want, tc.want)
		}
	}
	for _, bad := range []string{"", ">=", "^1", "1.0", ">=x", ">=1.0.0,<"} {
		if _, err := ParseVersionRange(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func parseV(s string) (runbook.Version, error) { return runbook.ParseVersion(s) }

// TestInjectTextIsCleaned: escape sequences and bidi overrides in a scenario never
// reach a terminal; they are not problems, they are removed where the text enters.
func TestInjectTextIsCleaned(t *testing.T) {
	src := head + strings.NewReplacer(
		`title = "Alert"`, `title = "Alert\u001b]52;c;ZWNobyBoaQ==\u0007 \u202eevil"`,
		`from = "monitoring"`, "from = \"mon\\u009b31mitoring\"\nbody = \"line one\\r\\nline two\\u0000\"",
	).Replace(okInjects)
	sc, ps := Parse("s.toml", []byte(src), testEnv(t))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	in, _ := sc.Inject("alert")
	if in.Title != "Alert evil" || in.From != "monitoring" || in.Body != "line one\nline two" {
		t.Errorf("title %q from %q body %q", in.Title, in.From, in.Body)
	}
}
