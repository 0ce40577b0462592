package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// BuildLine makes the journal line that would follow a line of hash prev as number seq:
// the same bytes Append writes. A shared store publishes it before any journal holds it,
// so that exactly one writer wins each seq; the winner then appends it with AppendLine.
func BuildLine(prev string, seq uint64, t time.Time, actor, typ string, data any) ([]byte, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := checkType(typ); err != nil {
		return nil, err
	}
	if len(prev) != hexLen || badHex([]byte(prev)) >= 0 {
		return nil, fmt.Errorf("build line %d: prev %.70q is not a hex SHA-256", seq, prev)
	}
	if seq == 0 {
		return nil, errors.New("build line: seq counts from 1")
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("build line %d: the clock reads year %d", seq, y)
	}
	payload, err := marshalData(data)
	if err != nil {
		return nil, err
	}
	line := appendLine(nil, newLineHasher(), prev, seq, t, actor, typ, payload)
	if len(line) > MaxLineSize {
		return nil, fmt.Errorf("event %s is %d bytes, more than the %d a line may hold; attach large evidence as a file",
			typ, len(line), MaxLineSize)
	}
	return line, nil
}

// ErrSeqTaken is wrapped by a shared store's Publish when another writer already holds
// that seq: the writer catches up and tries the next one.
var ErrSeqTaken = errors.New("another responder wrote that line first")

// Mirror is the local copy of a shared incident: a journal holding exactly the shared
// store's lines, in order, byte for byte. *Journal is one.
type Mirror interface {
	Last() (seq uint64, hash string)
	AppendLine(line []byte) (Event, error)
	AppendLines(lines [][]byte) ([]Event, error)
}

// ErrNotNext is wrapped by AppendLine when the line does not follow the journal's last
// line (another seq, or another prev hash).
var ErrNotNext = errors.New("the line does not follow the journal's last line")

// AppendLine appends a complete line made elsewhere (by BuildLine here or on another
// responder's machine) byte for byte, after checking its syntax, its own hash and that
// it chains onto the journal's last line. Like Append it returns after the fsync.
func (j *Journal) AppendLine(line []byte) (Event, error) {
	e, err := DecodeLine(line)
	if err != nil {
		return Event{}, fmt.Errorf("append line: %w", err)
	}
	if n := len(line); line[n-1] != '\n' {
		line = append(line[:n:n], '\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return Event{}, ErrClosed
	}
	if e.Seq != j.seq+1 || e.Prev != j.hash {
		return Event{}, fmt.Errorf("append line seq %d: %w (seq %d, hash %.12s…)", e.Seq, ErrNotNext, j.seq, j.hash)
	}
	path := filepath.Join(j.dir, FileName)
	if j.fault != nil {
		if err := j.restore(); err != nil {
			return Event{}, fmt.Errorf("append to %s: an earlier failed write could not be undone (%v); nothing was saved", path, err)
		}
	}
	n, err := j.w.WriteAt(line, j.size)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return Event{}, j.fail(e.Seq, "write", err)
	}
	if err := j.w.Sync(); err != nil {
		return Event{}, j.fail(e.Seq, "fsync", err)
	}
	j.size += int64(len(line))
	j.seq, j.hash = e.Seq, e.Hash
	writeHead(j.head, j.seq, j.hash)
	e.Data = json.RawMessage(bytes.Clone(e.Data))
	return e, nil
}

// AppendLines is AppendLine for lines that follow one another (a catch-up's): each is
// checked as AppendLine checks it, against the one before, then all are written at
// once and made durable with one fsync. When a line fails its check nothing is
// written. A crash in the middle leaves whole lines of the store's chain and perhaps a
// torn last one, which opening the journal cuts (OpenMirror; the next catch-up fetches
// it again).
func (j *Journal) AppendLines(lines [][]byte) ([]Event, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	events := make([]Event, 0, len(lines))
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	buf := make([]byte, 0, size)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil, ErrClosed
	}
	seq, hash := j.seq, j.hash
	for _, l := range lines {
		e, err := DecodeLine(l)
		if err != nil {
			return nil, fmt.Errorf("append line: %w", err)
		}
		if e.Seq != seq+1 || e.Prev != hash {
			return nil, fmt.Errorf("append line seq %d: %w (seq %d, hash %.12s…)", e.Seq, ErrNotNext, seq, hash)
		}
		buf = append(buf, l...)
		if l[len(l)-1] != '\n' {
			buf = append(buf, '\n')
		}
		e.Data = json.RawMessage(bytes.Clone(e.Data))
		events = append(events, e)
		seq, hash = e.Seq, e.Hash
	}
	path := filepath.Join(j.dir, FileName)
	if j.fault != nil {
		if err := j.restore(); err != nil {
			return nil, fmt.Errorf("append to %s: an earlier failed write could not be undone (%v); nothing was saved", path, err)
		}
	}
	first := events[0].Seq
	n, err := j.w.WriteAt(buf, j.size)
	if err == nil && n < len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return nil, j.fail(first, "write", err)
	}
	if err := j.w.Sync(); err != nil {
		return nil, j.fail(first, "fsync", err)
	}
	j.size += int64(len(buf))
	j.seq, j.hash = seq, hash
	writeHead(j.head, j.seq, j.hash)
	return events, nil
}

// LastLine returns the seq and hash of the last complete line of the journal in dir,
// reading only its end and taking no lock: 0 and Genesis for an empty journal.
func LastLine(dir string) (seq uint64, hash string, err error) {
	e, err := LastEvent(dir)
	if err != nil {
		return 0, "", err
	}
	if e.Seq == 0 {
		return 0, Genesis, nil
	}
	return e.Seq, e.Hash, nil
}

// LastEvent returns the last complete line of the journal in dir, decoded, reading
// only its end and taking no lock: the zero Event for an empty journal.
func LastEvent(dir string) (Event, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if err != nil {
		return Event{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Event{}, err
	}
	start, end, err := lastLine(f, st.Size())
	if err != nil || end == 0 {
		return Event{}, err
	}
	if end-start > MaxLineSize {
		return Event{}, fmt.Errorf("%s: the last line is longer than %d bytes", FileName, MaxLineSize)
	}
	line := make([]byte, end-start)
	if _, err := f.ReadAt(line, start); err != nil {
		return Event{}, err
	}
	e, err := DecodeLine(line)
	if err != nil {
		return Event{}, fmt.Errorf("%s: the last line is damaged: %w", FileName, err)
	}
	return e, nil
}

// OpenMirror opens the local mirror of a shared incident for writing. It is Open
// without a line of its own: a mirror holds exactly the shared store's lines, so a torn
// last line (a copy a crash cut short) is cut off without a recovered event or side
// file, and the next catch-up fetches that line again from the store. Everything else
// is as Open: the lock, the last seq and hash, the checks against journal.head.
func OpenMirror(dir string, opts ...Option) (*Journal, error) {
	return Open(dir, append(opts[:len(opts):len(opts)], func(o *options) { o.mirror = true })...)
}

// cutTail truncates the bytes after the last complete line of a mirror.
func (j *Journal) cutTail(end int64) error {
	if err := j.f.Truncate(end); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.size = end
	return nil
}
