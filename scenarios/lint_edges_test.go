package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lintEdit lints head+okInjects with one replacement (old "" appends new).
func lintEdit(t *testing.T, old, new string) Problems {
	t.Helper()
	src := head + okInjects
	if old == "" {
		src += new
	} else {
		if !strings.Contains(src, old) {
			t.Fatalf("the base scenario has no %q", old)
		}
		src = strings.Replace(src, old, new, 1)
	}
	return Lint("s.toml", []byte(src), testEnv(t))
}

// wantOne asserts exactly one problem, containing want, at line (0: any line).
func wantOne(t *testing.T, ps Problems, want string, line int) {
	t.Helper()
	if len(ps) != 1 {
		t.Fatalf("want one problem containing %q, got %d:\n%v", want, len(ps), ps)
	}
	if !strings.Contains(ps[0].Msg, want) {
		t.Errorf("problem %q does not say %q", ps[0].String(), want)
	}
	if line != 0 && ps[0].Line != line {
		t.Errorf("problem %q is on line %d, want %d", ps[0].String(), ps[0].Line, line)
	}
}

const lateInject = `
[[injects]]
id = "late"
module = "m1"
from = "ops"
channel = "chat"
title = "Late"
`

func TestLintTimingAfterThePlannedEnd(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
		line                 int
	}{
		{"an inject after another, landing after the end", "", lateInject + `after = { inject = "call", delay = "1h55m" }` + "\n",
			"inject late would fire at T+2h05m at the earliest (1h55m after inject call), at or after the planned end (2h00m)", 70},
		{"an inject after a step, whose delay alone passes the end", "", lateInject + `after = { step = "isolate", delay = "3h" }` + "\n",
			"inject late would fire at T+3h00m at the earliest (3h00m after step isolate done at T+0m)", 70},
		{"an inject after a phase", "", lateInject + `after = { phase = "contain", delay = "2h" }` + "\n",
			"at or after the planned end (2h00m)", 70},
		{"a decision branch whose delay lands after the end", `goto = "branch" }`, `goto = "branch", delay = "1h50m" }`,
			"injects[1].decision.options[0].delay: the branch to inject branch would fire at T+2h00m at the earliest", 53},
		{"a decision whose default comes after the end", `timeout = "5m"`, `timeout = "1h50m"`,
			"injects[1].decision.timeout: the default would be taken at T+2h00m at the earliest, at or after the planned end (2h00m): the decision could never time out", 50},
		{"an expectation due after the end", `at = "0m"`, `at = "1h55m"`,
			"injects[0].expectations[0].within: expectation open would be due at T+2h05m at the earliest, after the planned end (2h00m)", 37},
		{"an expectation of a branch target due after the end", "title = \"Branch\"\n", "title = \"Branch\"\n\n  [[injects.expectations]]\n  id = \"b\"\n  kind = \"step\"\n  step = \"isolate\"\n  within = \"1h55m\"\n  objective = \"respond\"\n",
			"expectation b would be due at T+2h05m at the earliest", 0},
		{"a chain of afters adds up", "", lateInject + `after = { inject = "call", delay = "1h" }` + "\n" + strings.ReplaceAll(lateInject, "late", "later") + `after = { inject = "late", delay = "55m" }` + "\n",
			"inject later would fire at T+2h05m at the earliest (55m after inject late)", 0},
	} {
		t.Run(tc.name, func(t *testing.T) { wantOne(t, lintEdit(t, tc.old, tc.new), tc.want, tc.line) })
	}
	// At the edge: an expectation due exactly at the end is fine (the team has its
	// full time); an inject firing exactly at the end is not (the drill is over).
	if ps := lintEdit(t, `at = "0m"`, `at = "1h50m"`); len(ps) > 0 {
		t.Errorf("an expectation due exactly at the end: %v", ps)
	}
}

func TestLintPoolMemberWaitingOnItsOwnPool(t *testing.T) {
	pool := lateInject + `after = { inject = "alert", delay = "5m" }` + "\n\n[[pools]]\nid = \"first\"\nmembers = [\"alert\", \"late\"]\n"
	wantOne(t, lintEdit(t, "", pool), "inject late waits for inject alert, but both are in pool first, which draws only one of them: late can never fire", 70)
	// Through a branch: the branch target's only way in is a sibling's decision.
	branch := "\n[[pools]]\nid = \"calls\"\nmembers = [\"call\", \"branch\"]\n"
	wantOne(t, lintEdit(t, "", branch), "inject branch waits for inject call, but both are in pool calls", 0)
	// A member waiting on an inject outside its pool is fine.
	ok := lateInject + `after = { inject = "call", delay = "5m" }` + "\n\n[[pools]]\nid = \"first\"\nmembers = [\"alert\", \"late\"]\n"
	if ps := lintEdit(t, "", ok); len(ps) > 0 {
		t.Errorf("member after an inject of no pool: %v", ps)
	}
}

func TestLintOneFaultOneMessage(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
		line                 int
	}{
		{"negative at", `at = "10m"`, `at = "-10m"`, `injects[1].at: "-10m" must not be negative`, 43},
		{"negative within", `within = "10m"`, `within = "-10m"`, `injects[0].expectations[0].within: "-10m" must be a positive duration`, 37},
		{"negative timeout", `timeout = "5m"`, `timeout = "-5m"`, `injects[1].decision.timeout: "-5m" must be a positive duration`, 50},
		{"members of the wrong type", "", "\n[[pools]]\nid = \"p\"\nmembers = \"alert\"\n", "pools[0].members must be an array, not a string", 66},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := lintEdit(t, tc.old, tc.new)
			wantOne(t, ps, tc.want, tc.line)
		})
	}
	// A bad at does not also make what waits for it unreachable.
	src := strings.Replace(head+okInjects+lateInject+`after = { inject = "alert", delay = "5m" }`+"\n", `at = "0m"`, `at = "x"`, 1)
	wantOne(t, Lint("s.toml", []byte(src), testEnv(t)), `injects[0].at: "x" is not a duration`, 28)
}

func TestLintOversizeFileHasAPosition(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.toml")
	line := "# " + strings.Repeat("x", 97) + "\n" // 100 bytes
	if err := os.WriteFile(big, []byte(strings.Repeat(line, MaxFileSize/100+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, ps := LoadFile(big, testEnv(t))
	if len(ps) != 1 || ps[0].Line != MaxFileSize/100+1 || ps[0].Col != MaxFileSize%100+1 || !strings.Contains(ps[0].Msg, "larger than 8 MiB") {
		t.Fatalf("over-size file: %v (line %d col %d)", ps, ps[0].Line, ps[0].Col)
	}
	if !strings.HasPrefix(ps[0].String(), big+":") {
		t.Errorf("no file:line:col: %s", ps[0].String())
	}
}

func TestLintEscalationAndAudienceTargets(t *testing.T) {
	esc := "\n  [[injects.expectations]]\n  id = \"esc\"\n  kind = \"escalation\"\n  to = \"%s\"\n  within = \"10m\"\n  objective = \"respond\"\n"
	note := "\n  [[injects.expectations]]\n  id = \"tell\"\n  kind = \"notify\"\n  audience = \"%s\"\n  within = \"10m\"\n  objective = \"respond\"\n"
	add := func(f, v string) string { return "title = \"Branch\"\n" + strings.Replace(f, "%s", v, 1) }
	wantOne(t, lintEdit(t, "title = \"Branch\"\n", add(esc, "incident laed")),
		`injects[2].expectations[0].to: nobody to escalate to is called "incident laed" (did you mean "incident lead"?); policy ir-four-level, runbook drill-test and the scenario's roles name`, 67)
	wantOne(t, lintEdit(t, "title = \"Branch\"\n", add(note, "affected custmers")),
		`injects[2].expectations[0].audience: nobody to notify is called "affected custmers" (did you mean "affected customers"?)`, 67)
	for _, ok := range []string{add(esc, "Incident Lead"), add(esc, "leadership"), add(esc, "database lead"), add(esc, "lead"), add(note, "customers")} {
		if ps := lintEdit(t, "title = \"Branch\"\n", ok); len(ps) > 0 {
			t.Errorf("%s: %v", ok, ps)
		}
	}
	// A simulation cell role stands for anyone outside: a regulator, the press.
	regulator := "\n[[roles]]\nid = \"dpa\"\nname = \"data protection authority\"\nkind = \"simcell\"\n" + strings.Replace(okInjects, "title = \"Branch\"\n", add(note, "data protection authority"), 1)
	if ps := Lint("s.toml", []byte(head+regulator), testEnv(t)); len(ps) > 0 {
		t.Errorf("notice to a simcell role: %v", ps)
	}
}
