package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// commandsWithFlag walks the command tree and returns every command that has flag name.
func commandsWithFlag(name string) map[string]*cobra.Command {
	root := newRootCmd(&globals{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard})
	found := map[string]*cobra.Command{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup(name); f != nil {
			found[strings.TrimPrefix(c.CommandPath(), "muster ")] = c
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return found
}

// Every --format is the one enum flag: a bad value is refused while parsing flags (exit
// 2, one line naming the choices) and the choices complete in the shell.
func TestEveryFormatFlagValidatesAndCompletes(t *testing.T) {
	cmds := commandsWithFlag("format")
	if len(cmds) < 8 {
		t.Fatalf("only %d commands with --format: %v", len(cmds), cmds)
	}
	c := newCLI(t)
	for path, cmd := range cmds {
		t.Run(path, func(t *testing.T) {
			f, ok := cmd.Flags().Lookup("format").Value.(*enumFlag)
			if !ok {
				t.Fatalf("--format is a %T, not the enum flag", cmd.Flags().Lookup("format").Value)
			}
			args := append(strings.Fields(path), "--format", "yaml")
			if cmd.Args != nil && cmd.Args(cmd, nil) != nil {
				args = append(args, "X") // a command that needs an argument gets one: the flag fails first
			}
			code, out, errs := c.run("", args...)
			want := `invalid argument "yaml" for "--format" flag: want ` + orList(f.choices)
			if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, want) {
				t.Errorf("exit %d stdout %q stderr %q, want exit 2 and %q", code, out, errs, want)
			}
			_, out, _ = c.run("", append(append([]string{"__complete"}, strings.Fields(path)...), "--format", "")...)
			if got := strings.Join(strings.Fields(strings.Split(out, ":")[0]), " "); got != strings.Join(f.choices, " ") {
				t.Errorf("completions %q, want %q", got, f.choices)
			}
		})
	}
}

// The clock is injected once, for every command: show reports the instant it was asked.
func TestCommandsReadTheInjectedClock(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	c := newCLI(t).at(at)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "high", "--title", "probe"))
	var show struct {
		AsOf time.Time `json:"as_of"`
	}
	if err := json.Unmarshal([]byte(c.ok("incident", "show", id, "--format", "json")), &show); err != nil {
		t.Fatal(err)
	}
	if !show.AsOf.Equal(at) {
		t.Errorf("as_of %v, want the injected %v", show.AsOf, at)
	}
}

func TestOrList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"md"}, "md"}, {[]string{"md", "json"}, "md or json"}, {[]string{"table", "json", "prometheus"}, "table, json or prometheus"}} {
		if got := orList(tc.in); got != tc.want {
			t.Errorf("orList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
