package team

import (
	"context"
	"fmt"

	"github.com/muster-ir/muster/runbook/journal"
)

// Mirror is the local copy of a team incident (see journal.Mirror).
type Mirror = journal.Mirror

// CatchUp appends to the mirror every line of incident id the store has after the
// mirror's last one, and returns their events. The lines are fetched in parallel and
// written to the mirror together, with one fsync. A store object that is not a valid
// line or breaks the chain stops the catch-up with a *ChainError naming its key; the
// lines before it are kept.
func (s *Store) CatchUp(ctx context.Context, m Mirror, id string) ([]journal.Event, error) {
	seq, hash := m.Last()
	lines, err := s.Lines(ctx, id, seq, hash)
	if len(lines) == 0 {
		return nil, err
	}
	raw := make([][]byte, len(lines))
	for i, l := range lines {
		raw[i] = l.Bytes
	}
	events, aerr := m.AppendLines(raw)
	if aerr != nil {
		return nil, fmt.Errorf("copy %s to %s into the local mirror: %w", lines[0].Key, lines[len(lines)-1].Key, aerr)
	}
	return events, err
}
