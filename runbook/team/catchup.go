package team

import (
	"context"
	"fmt"

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
