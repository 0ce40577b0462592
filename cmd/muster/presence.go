package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// watchPresence says, every incident.HeartbeatEvery, that this responder follows team
// incident id with incident watch, so colleagues' screens show them; it returns when
// it last did. A failed heartbeat is said once, not on every beat.
func watchPresence(g *globals, st *incident.Store, id string, last time.Time, warned *bool) time.Time {
	now := time.Now()
	if !last.IsZero() && now.Sub(last) < incident.HeartbeatEvery {
		return last
	}
	err := st.Heartbeat(id, g.Actor, "watch")
	switch {
	case err == nil:
		*warned = false
	case errors.Is(err, incident.ErrNoPresence):
	case !*warned:
		*warned = true
		fmt.Fprintf(g.Stderr, "warning: %s: presence not shared: %s\n", id, untrusted.Line(err.Error()))
	}
	return now
}

// leavePresence takes this responder's name off team incident id as watch ends (even
// on Ctrl+C: bounded on its own).
func leavePresence(ctx context.Context, g *globals, id string) {
	if g.team == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	st := g.store()
	st.Context = ctx
	_ = st.Leave(id, g.Actor)
}

// syncSignatures makes the team store and this machine hold the same signatures of
// team incident id's lines (see incident.Store.SyncSignatures); a failure is a
// warning: verify then reports what this machine has.
func (g *globals) syncSignatures(id string) {
	if g.team == nil {
		return
	}
	r, err := g.store().SyncSignatures(id)
	if r.Shared > 0 || r.Fetched > 0 {
		fmt.Fprintf(g.Stderr, "%s: signatures: %d shared to %s, %d fetched from it\n", id, r.Shared, g.team, r.Fetched)
	}
	if err != nil {
		fmt.Fprintf(g.Stderr, "warning: %s: signatures not synced with %s: %s\n", id, g.team, untrusted.Line(err.Error()))
	}
}

// leaveAll takes this responder's name off the team incidents the TUI had open, as it
// closes (bounded: a store that went away must not hold the exit).
func (g *globals) leaveAll() {
	if g.team == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st := g.store()
	st.Context = ctx
	st.LeaveAll()
}
