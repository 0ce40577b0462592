package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// cli runs muster command lines in-process, the way a user types them: its own data
// dir, an actor, and optionally a fixed clock. It is the one runner of this package's
// tests.
type cli struct {
	t     testing.TB
	home  string
	actor string
	clock clock // nil: the wall clock
}

func newCLI(t testing.TB) *cli { return &cli{t: t, home: t.TempDir(), actor: "alice@test"} }

// cliAt is a runner on an existing data dir.
func cliAt(t testing.TB, home string) *cli { return &cli{t: t, home: home, actor: "alice@test"} }

// at fixes the clock every command of c sees.
func (c *cli) at(now time.Time) *cli {
	c.clock = func() time.Time { return now }
	return c
}

// run executes `muster --data-dir HOME --actor ACTOR args...` with stdin and returns
// the exit code, stdout and stderr. A later --actor in args wins.
func (c *cli) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := c.stream(strings.NewReader(stdin), &out, &errb, args...)
	return code, out.String(), errb.String()
}

// stream is run with the caller's streams, for a command that runs while the test
// reads its output.
func (c *cli) stream(stdin io.Reader, stdout, stderr io.Writer, args ...string) int {
	all := append([]string{"--data-dir", c.home, "--actor", c.actor}, args...)
	return execute(&globals{Stdin: stdin, Stdout: stdout, Stderr: stderr, Clock: c.clock}, all)
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("muster %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (c *cli) exits(want int, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run("", args...)
	if code != want {
		c.t.Fatalf("muster %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errs)
	}
	return errs
}
