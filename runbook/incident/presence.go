package incident

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// Presence says who else is working on a team incident now: each responder whose
// screen (the TUI, incident watch) has it open says so every HeartbeatEvery, and a
// responder is present while their last heartbeat is younger than PresentWithin, by
// the store's clock. Presence is not evidence: nothing of it enters the journal.
const (
	HeartbeatEvery = 30 * time.Second
	PresentWithin  = 90 * time.Second
)

// SharedPresence is a team store that keeps presence (package team's Store does).
type SharedPresence interface {
	// Heartbeat says actor has incident id open now, via a screen ("tui", "watch").
	Heartbeat(ctx context.Context, id, actor, via string) error
	// Leave says actor closed it.
	Leave(ctx context.Context, id, actor string) error
	// Present returns the actors whose last heartbeat is younger than within, with
	// its age by the store's clock.
	Present(ctx context.Context, id string, within time.Duration) (map[string]time.Duration, error)
}

// Present is a responder working on the incident now.
type Present struct {
	Actor string
	Ago   time.Duration // since their last heartbeat, by the store's clock
}

// ErrNoPresence is returned for an incident that has no presence: a local one, or a
// team store that keeps none.
var ErrNoPresence = errors.New("presence is only kept for team incidents")

func (st *Store) presence(id string) (SharedPresence, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	p, ok := st.Shared.(SharedPresence)
	if !ok || !isTeam(st.Dir(id)) {
		return nil, ErrNoPresence
	}
	return p, nil
}

// Heartbeat says actor has team incident id open (via "tui" or "watch"); call it every
// HeartbeatEvery while the screen stays open. ErrNoPresence for a local incident.
func (st *Store) Heartbeat(id, actor, via string) error {
	p, err := st.presence(id)
	if err != nil {
		return err
	}
	if err := p.Heartbeat(st.ctx(), id, actor, via); err != nil {
		return err
	}
	beats.Store(beatKey{st.DataDir, id, actor}, true)
	return nil
}

// beats remembers the team incidents this process said a responder has open, so that
// LeaveAll takes the names off as the screen closes.
var beats sync.Map

type beatKey struct{ dataDir, id, actor string }

// LeaveAll takes off every presence this process's heartbeats put on the store's
// incidents (the TUI closes): colleagues' screens drop the names at their next poll
// instead of after PresentWithin. Best effort: a name left behind goes by itself.
func (st *Store) LeaveAll() {
	beats.Range(func(k, _ any) bool {
		if b := k.(beatKey); b.dataDir == st.DataDir {
			_ = st.Leave(b.id, b.actor)
		}
		return true
	})
}

// Leave says actor closed team incident id: their name goes at once rather than after
// PresentWithin.
func (st *Store) Leave(id, actor string) error {
	p, err := st.presence(id)
	if err != nil {
		return err
	}
	beats.Delete(beatKey{st.DataDir, id, actor})
	return p.Leave(st.ctx(), id, actor)
}

// Presence lists who else (not self) works on team incident id now, by name.
func (st *Store) Presence(id, self string) ([]Present, error) {
	p, err := st.presence(id)
	if err != nil {
		return nil, err
	}
	seen, err := p.Present(st.ctx(), id, PresentWithin)
	if err != nil {
		return nil, err
	}
	out := make([]Present, 0, len(seen))
	for actor, ago := range seen {
		if actor != self {
			out = append(out, Present{Actor: actor, Ago: ago})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Actor < out[j].Actor })
	return out, nil
}
