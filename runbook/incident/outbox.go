package incident

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/muster-ir/muster/runbook/journal"
)

// Files of a team incident's directory that hold what could not be shared yet.
const (
	// OutboxFile holds, one JSON object a line, the events written while the team
	// store was unreachable, in order. They are not in the journal: the mirror holds
	// only what the store holds.
	OutboxFile = "outbox.jsonl"
	// RefusedFile keeps the queued events that no longer applied when the store came
	// back (someone else did the step meanwhile), with why: reported, never dropped.
	RefusedFile = "outbox-refused.jsonl"
)

// Queued is one event waiting in the outbox.
type Queued struct {
	QueuedAt time.Time       `json:"queued_at"`
	Actor    string          `json:"actor"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	// Tried are the lines of this event sent to the store without an answer: one the
	// store holds is this event, shared already (see Attempt).
	Tried []Attempt `json:"tried,omitempty"`
	// Refused says why it was not published (outbox-refused.jsonl only).
	Refused string `json:"refused,omitempty"`
}

// ErrQueued is wrapped by a command whose event went to the outbox: the team store
// could not be reached, so it is saved on this machine and not shared yet.
var ErrQueued = errors.New("queued offline, not yet shared")

// ErrSharing is the Cause of a *QueuedError from an incident opened to queue only
// (OpenQueued): the store may well be there; a share round is on its way to it.
var ErrSharing = errors.New("saved on this machine while the outbox is shared in the background")

// QueuedError is a command's event saved to the outbox.
type QueuedError struct {
	Pending int   // events now waiting in the outbox
	Cause   error // why the store could not be reached
}

func (e *QueuedError) Error() string {
	return fmt.Sprintf("queued offline, not yet shared: %d (%v)", e.Pending, e.Cause)
}

func (e *QueuedError) Unwrap() error { return ErrQueued }

// Flushed says what publishing the outbox did.
type Flushed struct {
	Published int
	Refused   []Queued // no longer applied; kept in outbox-refused.jsonl
	Pending   int      // still waiting (the store went away again)
	// Cause is why they still wait: the store's error (it did not answer, no usable
	// credentials), nil when nothing waits.
	Cause error
}

// Pending counts the events waiting in the outbox of the incident directory dir.
func Pending(dir string) int {
	q, _ := readQueue(filepath.Join(dir, OutboxFile))
	return len(q)
}

func readQueue(path string) ([]Queued, error) {
	// Read as the journal reads its own files: a symlink or FIFO planted in the
	// incident directory is refused, not followed or waited on.
	b, err := journal.ReadFile(path, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Queued
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), journal.MaxLineSize+4096)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var q Queued
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return out, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// writeQueue replaces the file at path with qs, atomically (temp file, fsync, rename).
func writeQueue(path string, qs []Queued) error {
	if len(qs) == 0 {
		err := os.Remove(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, q := range qs {
		if err := enc.Encode(q); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		os.Remove(tmp) // left by a crash; the lock is ours
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// outboxLockName is the lock of the outbox's read-modify-writes. A command queued by
// an incident opened to queue only (OpenQueued) does not take the journal's lock, which
// a share round (Flush) holds while it waits on the store: the two meet here, for a
// local read and rename only, never across a request to the store.
const outboxLockName = "outbox.lock"

// lockOutbox takes the outbox lock of the incident directory dir, waiting for it.
func lockOutbox(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, outboxLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		return nil, fmt.Errorf("the outbox's lock: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("the outbox's lock %s is not a regular file", path)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("the outbox's lock: %w", err)
	}
	return func() { f.Close() }, nil // closing releases the flock
}

// editQueue reads the outbox, lets edit change it and writes what edit returns, all
// under the outbox lock.
func editQueue(dir string, edit func([]Queued) ([]Queued, error)) error {
	unlock, err := lockOutbox(dir)
	if err != nil {
		return err
	}
	defer unlock()
	path := filepath.Join(dir, OutboxFile)
	qs, err := readQueue(path)
	if err != nil {
		return err
	}
	out, err := edit(qs)
	if err != nil {
		return err
	}
	return writeQueue(path, out)
}

// queue saves an event to the outbox, fsync'd before the command returns.
func (inc *Incident) queue(typ string, payload any, cause error, tried []Attempt) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	n := 0
	var writing bool
	err = editQueue(inc.Dir, func(qs []Queued) ([]Queued, error) {
		writing = true
		qs = append(qs, Queued{QueuedAt: inc.now().UTC(), Actor: inc.Actor, Type: typ, Data: data, Tried: tried})
		n = len(qs)
		return qs, nil
	})
	if err != nil {
		if errors.Is(cause, ErrSharing) {
			// Opened to queue only (a screen's save): the store was never asked.
			if !writing {
				return fmt.Errorf("the outbox of %s on this machine cannot be read: %w", inc.ID, err)
			}
			return fmt.Errorf("the outbox of %s on this machine cannot be written: %w", inc.ID, err)
		}
		if !writing {
			return fmt.Errorf("the team store is unreachable (%v) and the outbox cannot be read: %w; nothing was saved", cause, err)
		}
		return fmt.Errorf("the team store is unreachable (%v) and the outbox cannot be written: %w; nothing was saved", cause, err)
	}
	inc.Saved = Saved{Queued: n}
	return &QueuedError{Pending: n, Cause: cause}
}

// Flush publishes the outbox in order, each event checked again against the state it
// now meets. An event that no longer applies goes to outbox-refused.jsonl with why.
// When the store is still unreachable the rest stays queued. Events queued while it
// runs (OpenQueued) are published in the same round: it reads the outbox again before
// each event, and ends when the outbox is empty.
func (inc *Incident) Flush() (Flushed, error) {
	var f Flushed
	if inc.shared == nil || inc.j == nil {
		return f, nil
	}
	inc.flushing = true
	defer func() { inc.flushing = false }()
	var mirror []journal.Event // read once, when a queued event may be shared already
	for n := 1; ; n++ {
		q, ok, err := outboxHead(inc.Dir)
		if err != nil {
			return f, errors.Join(err, inc.refuseQueued(f.Refused))
		}
		if !ok {
			break
		}
		if len(q.Tried) > 0 && mirror == nil {
			if mirror, err = inc.j.Events(); err != nil {
				return f, errors.Join(err, inc.refuseQueued(f.Refused))
			}
		}
		if heldBy(mirror, q.Tried) {
			// Sent before the store went away and taken by it: a catch-up brought it.
			f.Published++
			if err := dropHead(inc.Dir, q); err != nil {
				return f, errors.Join(err, inc.refuseQueued(f.Refused))
			}
			continue
		}
		p, err := Decode(journal.Event{Type: q.Type, Data: q.Data, Seq: uint64(n)})
		if err == nil {
			// Decided when it was queued, against what this machine knew then: the
			// command decides again against what the team did meanwhile.
			d := commandOf(p)
			var typ string
			var payload any
			if typ, payload, err = inc.decide(d); err == nil {
				_, err = inc.publish(d, typ, payload, q.Actor, q.Tried)
			}
		}
		var offline *offlineError
		if err != nil && !errors.As(err, &offline) && inc.ctx != nil && inc.ctx.Err() != nil {
			// Cut short before anything was sent (the blob, the frozen files): kept.
			offline = &offlineError{err: err, tried: q.Tried}
		}
		if err != nil && offline == nil && inc.retryLater(err) {
			// The store answered with an error a later try can fix (access denied
			// until the policy is fixed, a missing bucket): the store did not take the
			// line, the event is not set aside as if it no longer applied; it stays
			// first in the outbox, the round stops and says why.
			var n int
			werr := editQueue(inc.Dir, func(qs []Queued) ([]Queued, error) {
				n = len(qs)
				return qs, nil
			})
			f.Pending, f.Cause = n, err
			inc.Flushed = f
			return f, errors.Join(err, werr, inc.refuseQueued(f.Refused))
		}
		switch {
		case offline != nil:
			werr := editQueue(inc.Dir, func(qs []Queued) ([]Queued, error) {
				if len(qs) == 0 || !sameQueued(qs[0], q) {
					return nil, errors.New("the outbox changed under its share round")
				}
				qs[0].Tried = offline.tried
				f.Pending = len(qs)
				return qs, nil
			})
			f.Cause = offline.err
			inc.Flushed = f
			return f, errors.Join(werr, inc.refuseQueued(f.Refused))
		case err != nil:
			q.Refused = err.Error()
			f.Refused = append(f.Refused, q)
		default:
			f.Published++
		}
		if err := dropHead(inc.Dir, q); err != nil {
			return f, errors.Join(err, inc.refuseQueued(f.Refused))
		}
	}
	inc.Flushed = f
	return f, inc.refuseQueued(f.Refused)
}

// RetryLater is a Shared store that says which of its answers a later try can fix
// (package team's Store: any error S3 answered with, such as access denied or a missing
// bucket), as opposed to a command that no longer applies.
type RetryLater interface {
	RetryLater(err error) bool
}

// retryLater reports an error a queued event should wait out rather than be set aside
// for: one the store says a later try can fix, or a race lost for too long.
func (inc *Incident) retryLater(err error) bool {
	if errors.Is(err, errRacesLost) {
		return true
	}
	r, ok := inc.shared.(RetryLater)
	return ok && r.RetryLater(err)
}

// outboxHead is the first event waiting in the outbox of dir, if any.
func outboxHead(dir string) (Queued, bool, error) {
	unlock, err := lockOutbox(dir)
	if err != nil {
		return Queued{}, false, err
	}
	defer unlock()
	qs, err := readQueue(filepath.Join(dir, OutboxFile))
	if err != nil || len(qs) == 0 {
		return Queued{}, false, err
	}
	return qs[0], true, nil
}

// dropHead removes q, the first event of the outbox, once it is shared or refused.
// Only the holder of the journal's lock removes events; others only append.
func dropHead(dir string, q Queued) error {
	return editQueue(dir, func(qs []Queued) ([]Queued, error) {
		if len(qs) == 0 || !sameQueued(qs[0], q) {
			return nil, errors.New("the outbox changed under its share round")
		}
		return qs[1:], nil
	})
}

func sameQueued(a, b Queued) bool {
	return a.QueuedAt.Equal(b.QueuedAt) && a.Actor == b.Actor && a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

func (inc *Incident) refuseQueued(qs []Queued) error {
	if len(qs) == 0 {
		return nil
	}
	path := filepath.Join(inc.Dir, RefusedFile)
	old, err := readQueue(path)
	if err != nil {
		return err
	}
	return writeQueue(path, append(old, qs...))
}

// RefusedQueued lists the queued events that no longer applied when published.
func RefusedQueued(dir string) ([]Queued, error) { return readQueue(filepath.Join(dir, RefusedFile)) }

// heldBy reports whether the mirror's events hold one of the tried lines.
func heldBy(mirror []journal.Event, tried []Attempt) bool {
	for _, a := range tried {
		if a.Seq >= 1 && a.Seq <= uint64(len(mirror)) && mirror[a.Seq-1].Hash == a.Hash {
			return true
		}
	}
	return false
}

// offlineError is a store that could not be reached, as opposed to one that answered.
// tried are the lines sent without an answer (see Attempt).
type offlineError struct {
	err   error
	tried []Attempt
}

func (e *offlineError) Error() string { return e.err.Error() }
func (e *offlineError) Unwrap() error { return e.err }

// commandOf is the command that wrote a queued event, so that Flush takes the same
// decision again (see decision). An event is its command's arguments: what a command
// takes from the state it meets (a follow-up's or window's id, the severity changed
// from, the work left open by a forced close) is decided again.
func commandOf(p Payload) decision {
	switch p := p.(type) {
	case StepMarkedDone:
		return completeStep(p.Step, p.Note)
	case StepMarkedSkipped:
		return skipStep(p.Step, p.Reason)
	case StepUndone:
		return undoStep(p.Step, p.Reason)
	case Acknowledged:
		return acknowledge
	case Note:
		return addNote(p.Text, p.Step)
	case Escalation:
		return escalate(p.To, p.Reason)
	case Notice:
		return notify(p.Audience, p.Channel, p.Message)
	case SeverityChange:
		return changeSeverity(p.To, p.Reason)
	case RoleAssignment:
		return assign(p.Role, p.To)
	case FollowUp:
		return addFollowUp(p.Owner, p.Due, p.Text)
	case FollowUpDone:
		return completeFollowUp(p.ID, p.Note)
	case CheckRun:
		return recordCheck(p)
	case Closed:
		return closeIncident(p.Summary, p.Forced, p.Reason)
	case Impact:
		o := ImpactOptions{Service: p.Service, Level: p.Level, Start: p.Start, End: p.End, Note: p.Note, Withdraw: p.Withdrawn}
		if p.Corrects || p.Withdrawn {
			o.Window = p.Window
		}
		return recordImpact(o)
	}
	return as(p.EventType(), p)
}

// OpenQueued opens a team incident to queue commands in its outbox, on this machine
// only: without the journal's lock (a share round may hold it while it waits on the
// store) and without a request to the store. Each command is decided against the mirror
// as it stands, then saved to the outbox, fsync'd: a *QueuedError whose Cause is
// ErrSharing says so, and the next Flush shares it. A screen whose outbox is shared in
// the background saves with it, so no save waits on the network. Close releases nothing.
//
// As OpenForCommand, it reads only what commands are checked against: on a large
// incident its State is Brief, from the folded-state cache and the mirror's lines after
// it (see foldUnlocked), so a save costs what a command costs on a small incident.
func (st *Store) OpenQueued(id, actor string) (*Incident, error) {
	dir, err := st.Locate(id)
	if err != nil {
		return nil, err
	}
	rb, pol, err := loadFrozen(dir)
	if err != nil {
		return nil, err
	}
	if !isTeam(dir) || st.Shared == nil {
		return nil, fmt.Errorf("incident %s is not a team incident of a store given here: nothing to queue for", id)
	}
	state, err := foldUnlocked(st.ctx(), dir, rb)
	if err != nil {
		return nil, err
	}
	return &Incident{ID: state.ID, Dir: dir, Runbook: rb, Policy: pol, Actor: actor, State: state,
		now: st.now, shared: st.Shared, ctx: st.ctx(), queueOnly: true}, nil
}
