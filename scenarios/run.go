package scenarios

import (
	"context"
	"errors"
	"time"

	"github.com/muster-ir/muster/runbook/journal"
)

// Clock is the real-time driver's clock: what time it is, and timers. RealClock is the
// wall clock; tests may give their own.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// RealClock is the system clock with time.Timer.
var RealClock Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// RunOptions tunes Run.
type RunOptions struct {
	// Poll is how often Run looks for team actions that other processes wrote to the
	// journal (default 250ms). Anything scheduled wakes Run on time regardless.
	Poll time.Duration
	// OnUpdate is called from Run's goroutine after every step that changed
	// something: new injects to show, verdicts, the end.
	OnUpdate func(Update)
}

// Run plays the drill on the clock until it ends or ctx is done: it steps the drill,
// sleeps on a timer until the next inject, decision timeout or deadline is due (or
// Poll passes, or a facilitator action changes the plan), and steps again. It returns
// nil when the drill has ended and ctx.Err() when cancelled; the drill can be resumed.
func Run(ctx context.Context, d *Drill, clk Clock, o RunOptions) error {
	poll := o.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := clk.Now()
		u, err := d.Step(now)
		var locked *journal.LockedError
		retry := false
		switch {
		case errors.As(err, &locked):
			retry = true // someone held the lock longer than StoreJournal.Wait: try again after Poll
		case err != nil:
			return err
		}
		if o.OnUpdate != nil && (len(u.Events) > 0 || u.Ended) {
			o.OnUpdate(u)
		}
		if d.Ended() {
			return nil
		}
		wait := poll
		if at, ok := d.NextWake(now); ok && !retry {
			if w := at.Sub(clk.Now()); w < wait {
				wait = max(w, 0)
			}
		}
		t := clk.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-d.Changed():
			t.Stop()
		case <-t.C():
		}
	}
}
