package team

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/muster-ir/muster/runbook/journal"
)

// Mirror is the local copy of a team incident (see journal.Mirror).
type Mirror = journal.Mirror

// CatchUp appends to the mirror every line of incident id the store has after the
// mirror's last one, and returns their events. A store object that is not a valid line
// or breaks the chain stops the catch-up with a *ChainError naming its key; the lines
// before it are kept.
func (s *Store) CatchUp(ctx context.Context, m Mirror, id string) ([]journal.Event, error) {
	seq, hash := m.Last()
	lines, err := s.Lines(ctx, id, seq, hash)
	events := make([]journal.Event, 0, len(lines))
	for _, l := range lines {
		e, aerr := m.AppendLine(l.Bytes)
		if aerr != nil {
			return events, fmt.Errorf("copy %s into the local mirror: %w", l.Key, aerr)
		}
		events = append(events, e)
	}
	return events, err
}

// Recheck decides whether a command still applies once the events others wrote since
// it was checked are known; it returns an error (who did what, when) to refuse it.
type Recheck func(others []journal.Event) error

// Draft is one event a responder wants to write.
type Draft struct {
	Actor string
	Type  string
	Data  any
}

// maxRounds bounds the lost races of one append; with backoff it covers a storm of
// many writers on one incident.
const maxRounds = 200

// Append writes draft to incident id: it catches up the mirror, lets recheck decide
// against what others wrote meanwhile, claims the next seq with a conditional write,
// and appends the line to the mirror once the store holds it. A writer that loses a
// seq goes round again. The event is shared when Append returns without error; an
// error from the store (unreachable, access denied) means nothing was written.
func (s *Store) Append(ctx context.Context, m Mirror, id string, d Draft, recheck Recheck) (journal.Event, error) {
	var others []journal.Event
	backoff := 5 * time.Millisecond
	for round := 0; round < maxRounds; round++ {
		got, err := s.CatchUp(ctx, m, id)
		others = append(others, got...)
		if err != nil {
			return journal.Event{}, err
		}
		if recheck != nil && len(got) > 0 {
			if err := recheck(others); err != nil {
				return journal.Event{}, err
			}
		}
		seq, hash := m.Last()
		line, err := journal.BuildLine(hash, seq+1, s.now(), d.Actor, d.Type, d.Data)
		if err != nil {
			return journal.Event{}, err
		}
		err = s.Publish(ctx, id, seq+1, line)
		if errors.Is(err, ErrSeqTaken) {
			// Someone else wrote seq+1: wait a little (jittered, growing) and catch up.
			if err := sleep(ctx, backoff/2+rand.N(backoff)); err != nil {
				return journal.Event{}, err
			}
			backoff = min(backoff*2, 200*time.Millisecond)
			continue
		}
		if err != nil {
			return journal.Event{}, err
		}
		e, err := m.AppendLine(line)
		if err != nil {
			// The store holds the line; the next catch-up brings it to the mirror.
			return journal.Event{}, fmt.Errorf("shared as seq %d, but the local mirror could not record it: %w", seq+1, err)
		}
		return e, nil
	}
	return journal.Event{}, fmt.Errorf("%s: lost the race for the next line %d times in a row; try again", id, maxRounds)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
