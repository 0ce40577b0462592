package scenarios

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

const quickScenario = `
[[injects]]
id = "a"
at = "0s"
from = "monitoring"
channel = "alert"
title = "A"

  [[injects.expectations]]
  id = "open"
  kind = "step"
  step = "open-incident"
  within = "10s"
  objective = "respond"

[[injects]]
id = "b"
at = "6s"
from = "monitoring"
channel = "alert"
title = "B"

[[injects]]
id = "c"
at = "12s"
from = "monitoring"
channel = "alert"
title = "C"
`

// realDrill starts a drill on the wall clock (Run drives it in real time).
func realDrill(t *testing.T, planned, body string, speed float64) *Drill {
	t.Helper()
	src := strings.Replace(head, `planned_duration = "2h"`, `planned_duration = "`+planned+`"`, 1) + body
	sc, ps := Parse("quick.toml", []byte(src), testEnv(t))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	st := &incident.Store{DataDir: t.TempDir()}
	inc, d, err := Start(st, StartOptions{Scenario: sc, Runbook: testRunbook(t), Policy: runbook.DefaultPolicy(), Actor: "fran", Seed: 1, Speed: speed, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return d
}

func TestRunPlaysTheDrillOnTheRealClock(t *testing.T) {
	d := realDrill(t, "30s", quickScenario, 120) // 30 drill seconds: 250 ms at 120x
	var mu sync.Mutex
	var fired []string
	ended := false
	err := Run(context.Background(), d, RealClock, RunOptions{Poll: 20 * time.Millisecond, OnUpdate: func(u Update) {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range u.Fired {
			fired = append(fired, f.Inject)
		}
		ended = ended || u.Ended
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != 2 || fired[0] != "b" || fired[1] != "c" || !ended {
		t.Fatalf("fired %v (a fired with the start), ended %v", fired, ended)
	}
	if st := d.Status(time.Now()); !st.Ended || st.Drill != 30*time.Second {
		t.Errorf("status %+v", st)
	}
}

func TestRunStopsWhenCancelledAndTheDrillCanGoOn(t *testing.T) {
	d := realDrill(t, "2h", quickScenario, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := Run(ctx, d, RealClock, RunOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v", err)
	}
	if d.Ended() {
		t.Fatal("a cancelled run ended the drill")
	}
	// A facilitator action wakes a sleeping Run at once.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx2, d, RealClock, RunOptions{Poll: time.Hour}) }()
	time.Sleep(20 * time.Millisecond)
	if _, err := d.Stop(time.Now()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // the poll is an hour: only the wake ends Run sooner
		cancel2()
		t.Fatal("Run did not notice the stop")
	}
	cancel2()
}
