package incident

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/journal"
)

// Stamp is how an incident's journal stood when it was read: screens that show an
// incident compare a fresh Stamp with the one they hold to learn, with one stat and no
// read, whether anyone has written since. The journal is append-only, so a line
// appended anywhere (the CLI, another responder, a drill) changes it.
type Stamp struct {
	Size    int64
	ModTime time.Time
}

// Zero reports whether the stamp is the zero Stamp: the journal was not there.
func (s Stamp) Zero() bool { return s == Stamp{} }

// Changed reports whether a journal stamped s has been written since it was stamped
// old.
func (s Stamp) Changed(old Stamp) bool { return s != old }

func stampDir(dir string) (Stamp, error) {
	fi, err := os.Stat(filepath.Join(dir, journal.FileName))
	if err != nil {
		return Stamp{}, err
	}
	return Stamp{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Stamp stats the incident's journal: the cheap "changed since" check.
func (st *Store) Stamp(id string) (Stamp, error) {
	id = st.resolveID(id)
	if err := checkID(id); err != nil {
		return Stamp{}, err
	}
	if st.Shared != nil {
		// A team incident: what others wrote reaches the mirror first, so a screen
		// polling the stamp sees their work within one poll. Offline, the mirror's
		// stamp stands.
		b, done := st.screenBound()
		_ = b.SyncIncident(id)
		done()
	}
	return stampDir(st.Dir(id))
}

// screenSyncWait is how long a screen's poll of the team store (Stamp, Stamps) waits
// for it.
const screenSyncWait = time.Minute

// screenBound is the store for a screen's look at the team store: a store that takes
// requests and never answers leaves the screen on this machine's copy after
// screenSyncWait (the next poll asks again), instead of holding it. A catch-up cut
// short keeps nothing it had read: the mirror gets whole, checked lines or none.
func (st *Store) screenBound() (*Store, context.CancelFunc) {
	b := *st
	ctx, cancel := context.WithTimeout(st.ctx(), screenSyncWait)
	b.Context = ctx
	return &b, cancel
}

// LoadStamped is Load with the journal's stamp taken before the read: a line appended
// while the incident was read changes the stamp the next check sees, so it is never
// missed.
func (st *Store) LoadStamped(id string) (*View, Stamp, error) {
	s, _ := st.Stamp(id)
	v, err := st.Load(id)
	if err != nil {
		return nil, Stamp{}, err
	}
	return v, s, nil
}

// Events reads an incident's journal without folding it (the timeline) and without
// taking its lock; the store's Context ends a long read.
func (st *Store) Events(id string) ([]journal.Event, error) {
	dir, err := st.Locate(id)
	if err != nil {
		return nil, err
	}
	return journal.ReadAllContext(st.ctx(), dir)
}

// CurrentTime is the store's clock: Now when set (tests, drills), else the wall clock.
func (st *Store) CurrentTime() time.Time { return st.now() }

// Stamp is the journal's stamp now, with the lock held: after a command it covers
// exactly the lines this incident has folded.
func (inc *Incident) Stamp() Stamp {
	s, _ := stampDir(inc.Dir)
	return s
}

// Stamps stamps every incident's journal, by id: one stat each, so a screen listing
// incidents learns within a poll that one was started, written or closed elsewhere,
// and reads them all again (Scan) only then.
func (st *Store) Stamps() (map[string]Stamp, error) {
	if st.Shared != nil {
		// New team incidents appear, open ones catch up (closed ones take no request);
		// offline: what is here.
		b, done := st.screenBound()
		_, _ = b.sync(true)
		done()
	}
	entries, err := os.ReadDir(filepath.Join(st.DataDir, "incidents"))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Stamp{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]Stamp, len(entries))
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		s, _ := stampDir(filepath.Join(st.DataDir, "incidents", e.Name()))
		out[e.Name()] = s // zero when unreadable: a journal appearing later is a change
	}
	return out, nil
}
