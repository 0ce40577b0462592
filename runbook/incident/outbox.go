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
	// Refused says why it was not published (outbox-refused.jsonl only).
	Refused string `json:"refused,omitempty"`
}

// ErrQueued is wrapped by a command whose event went to the outbox: the team store
// could not be reached, so it is saved on this machine and not shared yet.
var ErrQueued = errors.New("queued offline, not yet shared")

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
}

// Pending counts the events waiting in the outbox of the incident directory dir.
func Pending(dir string) int {
	q, _ := readQueue(filepath.Join(dir, OutboxFile))
	return len(q)
}

func readQueue(path string) ([]Queued, error) {
	b, err := os.ReadFile(path)
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

// queue saves an event to the outbox, fsync'd before the command returns.
func (inc *Incident) queue(typ string, payload any, cause error) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	path := filepath.Join(inc.Dir, OutboxFile)
	qs, err := readQueue(path)
	if err != nil {
		return fmt.Errorf("the team store is unreachable (%v) and the outbox cannot be read: %w; nothing was saved", cause, err)
	}
	qs = append(qs, Queued{QueuedAt: inc.now().UTC(), Actor: inc.Actor, Type: typ, Data: data})
	if err := writeQueue(path, qs); err != nil {
		return fmt.Errorf("the team store is unreachable (%v) and the outbox cannot be written: %w; nothing was saved", cause, err)
	}
	inc.Saved = Saved{Queued: len(qs)}
	return &QueuedError{Pending: len(qs), Cause: cause}
}

// Flush publishes the outbox in order, each event checked again against the state it
// now meets. An event that no longer applies goes to outbox-refused.jsonl with why.
// When the store is still unreachable the rest stays queued.
func (inc *Incident) Flush() (Flushed, error) {
	var f Flushed
	if inc.shared == nil {
		return f, nil
	}
	path := filepath.Join(inc.Dir, OutboxFile)
	qs, err := readQueue(path)
	if err != nil || len(qs) == 0 {
		return f, err
	}
	for i, q := range qs {
		p, err := Decode(journal.Event{Type: q.Type, Data: q.Data, Seq: uint64(i + 1)})
		if err == nil {
			// Checked when it was queued, against what this machine knew then: check it
			// again against what the team did meanwhile.
			var next any = p
			var changed bool
			data := q.Data
			if next, changed, err = inc.recheck(q.Type, p, nil); err == nil {
				if changed {
					data = nil
				}
				var e journal.Event
				if e, err = inc.publish(q.Type, next, data, q.Actor); err == nil {
					inc.State.Apply(e)
				}
			}
		}
		var offline *offlineError
		switch {
		case errors.As(err, &offline):
			f.Pending = len(qs) - i
			inc.Flushed = f
			return f, errors.Join(writeQueue(path, qs[i:]), inc.refuseQueued(f.Refused))
		case err != nil:
			q.Refused = err.Error()
			f.Refused = append(f.Refused, q)
		default:
			f.Published++
		}
		if werr := writeQueue(path, qs[i+1:]); werr != nil {
			return f, werr
		}
	}
	inc.Flushed = f
	return f, inc.refuseQueued(f.Refused)
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

// offlineError is a store that could not be reached, as opposed to one that answered.
type offlineError struct{ err error }

func (e *offlineError) Error() string { return e.err.Error() }
func (e *offlineError) Unwrap() error { return e.err }
