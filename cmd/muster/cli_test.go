package main

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-ir/muster/scenarios"
)

// cli runs muster command lines in-process, the way a user types them: its own data
// dir, an actor, and optionally a fixed clock. It is the one runner of this package's
// tests.
type cli struct {
	t     testing.TB
	home  string
	actor string
	clock clock // nil: the wall clock
	// drillClock drives headless drills' timers (nil: the wall clock).
	drillClock scenarios.Clock
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
	return execute(&globals{Stdin: stdin, Stdout: stdout, Stderr: stderr, Clock: c.clock, DrillClock: c.drillClock}, all)
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

// drillClock is a scenarios.Clock the test moves by hand: a headless drill's timers
// fire only when the test says so, so what the drill decides never depends on how
// loaded the machine is. Now is also the clock of every command the cli runs.
type drillClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*drillTimer
	armed  chan struct{} // a timer was set: the drill is (about to be) waiting on it
}

type drillTimer struct {
	clk *drillClock
	at  time.Time
	c   chan time.Time
}

func newDrillClock(start time.Time) *drillClock {
	return &drillClock{now: start, armed: make(chan struct{}, 1)}
}

func (c *drillClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *drillClock) NewTimer(d time.Duration) scenarios.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &drillTimer{clk: c, at: c.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	select {
	case c.armed <- struct{}{}:
	default:
	}
	return t
}

// fireNext moves the clock to the earliest timer set and fires every timer due by
// then; false when no timer is set.
func (c *drillClock) fireNext() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return false
	}
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	if next.After(c.now) {
		c.now = next
	}
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.c <- c.now
	}
	c.timers = kept
	return true
}

func (t *drillTimer) C() <-chan time.Time { return t.c }

func (t *drillTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	for i, o := range t.clk.timers {
		if o == t {
			t.clk.timers = append(t.clk.timers[:i], t.clk.timers[i+1:]...)
			return true
		}
	}
	return false
}

// playUntilDone fires the drill's timers one after another until the command
// running it returns its exit code on done. The bound is against a hang only.
func (c *drillClock) playUntilDone(t testing.TB, done <-chan int) int {
	t.Helper()
	guard := time.NewTimer(5 * time.Minute)
	defer guard.Stop()
	for {
		select {
		case code := <-done:
			return code
		case <-c.armed:
			c.fireNext()
		case <-guard.C:
			t.Fatalf("the drill did not end (clock at %s)", c.Now().Format(time.RFC3339Nano))
			return -1
		}
	}
}
