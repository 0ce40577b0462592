package incident

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Shared is a team store that an incident's lines go to before the local journal, so
// several responders on different machines write one chain (package team implements it
// on S3; this package does not know where the lines go). The local incident directory
// is then a mirror of the store: it holds exactly the store's lines, so everything that
// reads incidents works offline and unchanged.
type Shared interface {
	// Publish claims line seq of incident id; an error wrapping journal.ErrSeqTaken
	// when another responder wrote that seq first.
	Publish(ctx context.Context, id string, seq uint64, line []byte) error
	// CatchUp appends to m the lines the store has after m's last one.
	CatchUp(ctx context.Context, m journal.Mirror, id string) ([]journal.Event, error)
	// PutFile writes a frozen file once (journal.ErrSeqTaken when it exists); GetFile
	// reads it.
	PutFile(ctx context.Context, id, name string, data []byte) error
	GetFile(ctx context.Context, id, name string) ([]byte, error)
	// Incidents lists the ids in the store.
	Incidents(ctx context.Context) ([]string, error)
	// Newer reports whether the store has lines of incident id after seq after: one
	// cheap listing, for screens that poll.
	Newer(ctx context.Context, id string, after uint64) (bool, error)
	// Offline reports an error of a store that could not be reached (network,
	// timeout, 5xx), as opposed to one that answered (access denied, a bad object):
	// a command that meets it goes to the outbox.
	Offline(err error) bool
	// String names the store (s3://bucket/prefix).
	String() string
}

// TeamFile marks an incident directory as the mirror of a team incident and names
// its store.
const TeamFile = "team.json"

type teamMark struct {
	Store string `json:"store"`
}

// Saved says where a command's event went.
type Saved struct {
	Seq    uint64 // the event's seq (0 when only queued)
	Shared bool   // the team store holds it
	Store  string // which store
	Queued int    // events waiting in the outbox, this one included when it was queued
}

func (st *Store) ctx() context.Context {
	if st.Context != nil {
		return st.Context
	}
	return context.Background()
}

// IsTeam reports whether the incident directory is a team incident's mirror: its
// commands go to the team store (or its outbox), not to a journal of this machine's.
func IsTeam(dir string) bool { return isTeam(dir) }

// isTeam reports whether the incident directory is a team incident's mirror.
func isTeam(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, TeamFile))
	return err == nil
}

// teamStore names the store of the team incident at dir, as team.json records it.
func teamStore(dir string) string {
	b, err := journal.ReadFile(filepath.Join(dir, TeamFile), 4096)
	var m teamMark
	if err != nil || json.Unmarshal(b, &m) != nil || m.Store == "" {
		return "its store is not recorded"
	}
	return untrusted.Line(m.Store)
}

// markTeam writes team.json into a new incident directory.
func markTeam(dir, store string) error {
	b, _ := json.Marshal(teamMark{Store: store})
	return WriteFrozen(filepath.Join(dir, TeamFile), append(b, '\n'))
}

// frozenNames are the files of an incident directory published beside its lines.
var frozenNames = []string{RunbookFile, PolicyFile, "scenario.toml"}

// fetch makes the local mirror of a team incident this machine has not seen: the
// frozen files, then every line. It is built in a temporary directory and renamed into
// place, so a failure leaves nothing half-made.
func (st *Store) fetch(id string) (string, error) {
	ctx := st.ctx()
	dir := st.Dir(id)
	tmp := filepath.Join(st.DataDir, "incidents", ".fetch-"+id)
	os.RemoveAll(tmp)
	j, err := journal.Create(tmp)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	fail := func(err error) (string, error) { j.Close(); return "", err }
	for _, name := range frozenNames {
		b, err := st.Shared.GetFile(ctx, id, name)
		if err != nil {
			if name == frozenNames[0] || name == frozenNames[1] {
				if errors.Is(err, fs.ErrNotExist) {
					return fail(refuse("no incident %s in %s or in %s", id, filepath.Join(st.DataDir, "incidents"), st.Shared))
				}
				return fail(fmt.Errorf("incident %s in %s: %w", id, st.Shared, err))
			}
			continue // only drills have a scenario
		}
		if err := WriteFrozen(filepath.Join(tmp, name), b); err != nil {
			return fail(err)
		}
	}
	if err := markTeam(tmp, st.Shared.String()); err != nil {
		return fail(err)
	}
	if _, err := st.Shared.CatchUp(ctx, j, id); err != nil {
		return fail(err)
	}
	if err := j.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("incident %s: %w", id, err)
	}
	return dir, nil
}

// Sync brings the local mirrors of the store's incidents up to date: new incidents are
// fetched, known ones caught up. It returns the ids it could not sync, with why.
func (st *Store) Sync() (map[string]error, error) { return st.sync(false) }

// sync is Sync; with openOnly, as a screen polls (the TUI home, every 2 s), an
// incident this machine has and knows to be closed takes no request: the poll costs
// one listing of the store's incidents and one small listing per open incident, and
// only an incident with new lines is caught up (its lock taken, its new lines read).
func (st *Store) sync(openOnly bool) (map[string]error, error) {
	if st.Shared == nil {
		return nil, nil
	}
	ids, err := st.Shared.Incidents(st.ctx())
	if err != nil {
		return nil, err
	}
	failed := map[string]error{}
	for _, id := range ids {
		if checkID(id) != nil {
			failed[id] = fmt.Errorf("%q is not an incident id", id)
			continue
		}
		dir := st.Dir(id)
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			if _, err := st.fetch(id); err != nil {
				failed[id] = err
			}
			continue
		}
		if openOnly && closedMirror(dir) {
			continue
		}
		if err := st.catchUpDir(id, dir); err != nil {
			failed[id] = err
		}
	}
	return failed, nil
}

// closedMirror reports whether the mirror at dir ends with the incident's close: no
// command writes after it, so a poll need not ask the store.
func closedMirror(dir string) bool {
	e, err := journal.LastEvent(dir)
	return err == nil && e.Type == EvClosed
}

// SyncIncident brings the local mirror of one team incident up to date, fetching it
// when this machine has not seen it; a local incident is left as it is.
func (st *Store) SyncIncident(id string) error {
	if st.Shared == nil {
		return nil
	}
	id = st.resolveID(id)
	if err := checkID(id); err != nil {
		return err
	}
	dir := st.Dir(id)
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		_, err := st.fetch(id)
		return err
	}
	return st.catchUpDir(id, dir)
}

// catchUpDir copies the store's new lines into the mirror at dir, taking the journal's
// lock only for the copy.
func (st *Store) catchUpDir(id, dir string) error {
	if !isTeam(dir) {
		return nil
	}
	// Look before taking the lock: a poll that finds nothing new never gets in the
	// way of a writer.
	if seq, _, err := journal.LastLine(dir); err == nil {
		newer, err := st.Shared.Newer(st.ctx(), id, seq)
		if err != nil {
			return err
		}
		if !newer {
			return nil
		}
	}
	j, err := journal.OpenMirror(dir, st.journalOptions("")...)
	if err != nil {
		return err
	}
	_, err = st.Shared.CatchUp(st.ctx(), j, id)
	return errors.Join(err, j.Close())
}

// publishFrozen writes the incident's frozen files to the store before its first line.
func (inc *Incident) publishFrozen() error {
	for _, name := range frozenNames {
		b, err := journal.ReadFile(filepath.Join(inc.Dir, name), maxFrozen)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := inc.shared.PutFile(inc.ctx, inc.ID, name, b); err != nil {
			if errors.Is(err, journal.ErrSeqTaken) {
				return fmt.Errorf("incident id %s is already taken in %s; start the incident again", inc.ID, inc.shared)
			}
			return err
		}
	}
	return nil
}

// raceWindow bounds how long one command keeps losing the race for the next line
// before it gives up: long enough to ride out a storm of many writers on one incident
// (a slow machine among fast ones can lose many times in a row), short enough that a
// responder hears about it. A count alone was not: under load one writer lost 200 races
// in a row while seven others wrote.
const raceWindow = 3 * time.Minute

// appendShared writes a command's event to a team incident: what waits in the outbox
// goes first, in order; then the event is published, or queued when the store cannot
// be reached (a *QueuedError says so: it is saved on this machine, not shared). typ and
// payload are d's decision against the state as this machine knows it.
func (inc *Incident) appendShared(d decision, typ string, payload any) (journal.Event, error) {
	if inc.queueOnly {
		// A share round holds the journal and waits on the store: the event waits
		// in the outbox behind what is there, and that round or the next shares it.
		return journal.Event{}, inc.queue(typ, payload, ErrSharing, nil)
	}
	if Pending(inc.Dir) > 0 {
		if f, err := inc.Flush(); err != nil || f.Pending > 0 {
			if err != nil && !errors.As(err, new(*offlineError)) {
				return journal.Event{}, err
			}
			cause := errors.New("the outbox could not be published first")
			if why := cmp.Or(err, f.Cause); why != nil {
				cause = fmt.Errorf("the outbox could not be published first: %w", why)
			}
			return journal.Event{}, inc.queue(typ, payload, cause, nil)
		}
		// The outbox brought others' lines and this machine's queued ones: decide
		// again against them.
		var err error
		if typ, payload, err = inc.decide(d); err != nil {
			return journal.Event{}, err
		}
	}
	e, err := inc.publish(d, typ, payload, inc.Actor, nil)
	var offline *offlineError
	if errors.As(err, &offline) {
		return journal.Event{}, inc.queue(typ, payload, offline.err, offline.tried)
	}
	return e, err
}

// Attempt is a line a writer sent to the store without learning whether the store
// took it: the connection broke after the request left (the store down in the middle
// of a command), or the SDK retried a write whose answer was lost and the retry found
// the seq taken. Its seq and hash let the writer recognise the line as its own when it
// meets it in the store, instead of writing the event a second time.
type Attempt struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

func triedOne(tried []Attempt, e journal.Event) bool {
	for _, a := range tried {
		if a.Seq == e.Seq && a.Hash == e.Hash {
			return true
		}
	}
	return false
}

// publish claims the next line of the team store for the event d decided, then
// appends it to the mirror. When another responder wrote the next line first, their
// lines are folded in and d decides again against the state it now meets: a step
// someone just marked done is refused with who and when, a follow-up takes the next
// free id, a severity change starts from the severity it now finds.
//
// tried are lines of this event sent before without an answer (see Attempt): one the
// store holds is this event, already shared. publish folds the event into the state.
func (inc *Incident) publish(d decision, typ string, payload any, actor string, tried []Attempt) (journal.Event, error) {
	tried = slices.Clip(tried)
	offline := func(err error) error {
		if inc.flushing && inc.ctx.Err() != nil {
			// A share round cut short (the screen quits, or its time is up): the
			// event stays queued with the lines sent, never refused for it.
			return &offlineError{err: err, tried: tried}
		}
		err = inc.offline(err)
		if oe, ok := err.(*offlineError); ok {
			oe.tried = tried
		}
		return err
	}
	if err := inc.shareBlob(typ, payload); err != nil { // attach_team.go
		return journal.Event{}, inc.offline(err)
	}
	backoff := 5 * time.Millisecond
	began, races := time.Now(), 0
	for ; races == 0 || time.Since(began) < raceWindow; races++ {
		seq, hash := inc.j.Last()
		if seq == 0 {
			if err := inc.publishFrozen(); err != nil {
				return journal.Event{}, inc.offline(err)
			}
		}
		line, err := journal.BuildLine(hash, seq+1, inc.now(), actor, typ, payload)
		if err != nil {
			return journal.Event{}, err
		}
		built, err := journal.DecodeLine(line)
		if err != nil {
			return journal.Event{}, err
		}
		tried = append(tried, Attempt{Seq: built.Seq, Hash: built.Hash})
		err = inc.shared.Publish(inc.ctx, inc.ID, seq+1, line)
		if errors.Is(err, journal.ErrSeqTaken) {
			// Wait a little (jittered, growing) for the others first, then catch up:
			// the next try then starts from the newest line, not from one that others
			// have passed while this writer waited.
			t := time.NewTimer(backoff/2 + rand.N(backoff))
			select {
			case <-inc.ctx.Done():
				t.Stop()
				return journal.Event{}, offline(inc.ctx.Err())
			case <-t.C:
			}
			backoff = min(backoff*2, 200*time.Millisecond)
			others, cerr := inc.shared.CatchUp(inc.ctx, inc.j, inc.ID)
			var mine *journal.Event
			for i, e := range others {
				inc.State.Apply(e)
				if triedOne(tried, e) {
					mine = &others[i]
				}
			}
			if mine != nil {
				// The store took this writer's line; only its answer was lost.
				inc.Saved = Saved{Seq: mine.Seq, Shared: true, Store: inc.shared.String()}
				return *mine, nil
			}
			if cerr != nil {
				return journal.Event{}, offline(cerr)
			}
			if len(others) > 0 {
				if typ, payload, err = inc.decide(d); err != nil {
					return journal.Event{}, err
				}
			}
			continue
		}
		if err != nil {
			return journal.Event{}, offline(fmt.Errorf("not shared: %w", err))
		}
		e, err := inc.j.AppendLine(line)
		if err != nil {
			return journal.Event{}, fmt.Errorf("shared as seq %d in %s, but the local mirror could not record it (the next command brings it): %w", seq+1, inc.shared, err)
		}
		inc.State.Apply(e)
		inc.Saved = Saved{Seq: e.Seq, Shared: true, Store: inc.shared.String()}
		inc.shareSig(e) // sign_team.go
		return e, nil
	}
	return journal.Event{}, fmt.Errorf("%s: lost the race for the next line %d times in a row in %s; try again: %w", inc.ID, races, time.Since(began).Round(time.Second), errRacesLost)
}

// errRacesLost ends a command that lost the race for the next line for raceWindow.
var errRacesLost = errors.New("others kept writing first")

// offline marks an error of a store that could not be reached.
func (inc *Incident) offline(err error) error {
	if err != nil && inc.shared.Offline(err) {
		return &offlineError{err: err}
	}
	return err
}
