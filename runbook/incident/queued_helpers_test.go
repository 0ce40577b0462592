package incident

import (
	"context"
	"errors"

	"github.com/muster-ir/muster/runbook/journal"
)

// unaskedStore is the team store of an incident opened to queue only (OpenQueued),
// which never asks it: every call is an error the test sees in the save's result
// (a save that asked would not come back as queued for the share round).
type unaskedStore struct{}

var errAsked = errors.New("the team store was asked by a save that queues only")

func (unaskedStore) Publish(context.Context, string, uint64, []byte) error { return errAsked }
func (unaskedStore) CatchUp(context.Context, journal.Mirror, string) ([]journal.Event, error) {
	return nil, errAsked
}
func (unaskedStore) PutFile(context.Context, string, string, []byte) error   { return errAsked }
func (unaskedStore) GetFile(context.Context, string, string) ([]byte, error) { return nil, errAsked }
func (unaskedStore) Incidents(context.Context) ([]string, error)             { return nil, errAsked }
func (unaskedStore) Newer(context.Context, string, uint64) (bool, error)     { return false, errAsked }
func (unaskedStore) Offline(error) bool                                      { return false }
func (unaskedStore) String() string                                          { return "s3://unasked/team" }
