package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Problem is one thing wrong with an incident directory.
type Problem struct {
	// Line is the 1-based line of journal.jsonl concerned; 0 when the problem is not
	// about a line.
	Line int `json:"line"`
	// Seq is the seq on that line, or the one expected there when it is unreadable.
	Seq uint64 `json:"seq"`
	// File is the file concerned when it is not journal.jsonl (an attachment blob, a
	// side file, journal.head), relative to the incident directory.
	File string `json:"file,omitempty"`
	What string `json:"what"`
}

func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.File != "":
		return fmt.Sprintf("line %d (seq %d): %s: %s", p.Line, p.Seq, p.File, p.What)
	case p.Line > 0:
		return fmt.Sprintf("line %d (seq %d): %s", p.Line, p.Seq, p.What)
	case p.File != "":
		return p.File + ": " + p.What
	}
	return p.What
}

// CorruptError is returned by ReadAll for a journal it cannot trust.
type CorruptError struct {
	Path string // journal.jsonl
	Problem
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s:%d: seq %d: %s (run verify for a full report)", e.Path, e.Line, e.Seq, e.What)
}

// ReadAll reads every event of the journal in dir, in order. It takes no lock and
// never blocks a writer. It checks each line's syntax and hash, that seq counts from 1
// and that each prev is the hash of the line before, and returns a *CorruptError for
// the first line that fails, or when journal.head records more lines than there are.
// An unterminated last line (a write in progress, or a torn
// write the next Open recovers) is left out; Verify reports it. Event.Data shares one
// buffer holding the file.
func ReadAll(dir string) ([]Event, error) { return ReadAllContext(context.Background(), dir) }

// ReadAllContext is ReadAll that a cancelled ctx ends (within one 4 MiB read or a
// few thousand lines) with ctx's error.
func ReadAllContext(ctx context.Context, dir string) ([]Event, error) {
	path := filepath.Join(dir, FileName)
	hd, herr := readHeadRetry(dir) // before the journal, as Verify does
	var planted *NotRegularError
	if errors.As(herr, &planted) {
		return nil, fmt.Errorf("read incident journal: %w", herr)
	}
	b, err := readFileContext(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("read incident journal: %w", err)
	}
	return decodeAll(ctx, path, b, hd, herr)
}

// readChunk is how much a cancellable read reads between looks at its context.
const readChunk = 4 << 20

// readFileContext is readFileNoFollow in chunks, stopping when ctx is done.
func readFileContext(ctx context.Context, path string) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, st.Size()+512)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):min(cap(b), len(b)+readChunk)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// decodeAll is ReadAll on the bytes of journal.jsonl at path and the journal.head
// read before them.
func decodeAll(ctx context.Context, path string, b []byte, hd head, herr error) ([]Event, error) {
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	events := make([]Event, 0, bytes.Count(b, []byte{'\n'}))
	c := newChain(path)
	for off := 0; off < len(b); {
		if (c.n+1)%8192 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		i := bytes.IndexByte(b[off:], '\n')
		line := b[off : off+i+1]
		off += i + 1
		e, err := c.next(line)
		if err != nil {
			return nil, err
		}
		if !json.Valid(e.Data) {
			return nil, c.badData()
		}
		events = append(events, e)
	}
	if err := c.end(hd, herr); err != nil {
		return nil, err
	}
	return events, nil
}

// chain checks the lines of journal.jsonl in order as ReadAll does (syntax, hash, seq
// counting from 1, each prev the hash of the line before) and makes their events.
// The one check it leaves to its caller is that an event's data is valid JSON (see
// badData).
type chain struct {
	path   string
	h      *lineHasher
	intern map[string]string // actors, types and zones repeat: one string each
	prev   string            // the hash of the last line checked
	n      int               // lines checked
	f      lineFields
	sum    [hexLen]byte
}

func newChain(path string) *chain {
	return &chain{path: path, h: newLineHasher(), intern: make(map[string]string), prev: Genesis}
}

func (c *chain) corrupt(line int, seq uint64, what string) error {
	return &CorruptError{Path: c.path, Problem: Problem{Line: line, Seq: seq, What: what}}
}

// next checks the next line (which ends with its newline) and returns its event; the
// event's Data is a slice of line, its strings are its own.
func (c *chain) next(line []byte) (Event, error) {
	c.n++
	n, f := c.n, &c.f
	if err := parseFields(line, f); err != nil {
		return Event{}, c.corrupt(n, uint64(n), "not a valid journal line: "+err.Error())
	}
	c.h.hash(line, &c.sum)
	linked, intact := string(f.prev) == c.prev, bytes.Equal(c.sum[:], f.hash)
	if !linked || !intact {
		// hex is only checked now: a hash equal to one computed is hex.
		if err := checkHex(line); err != nil {
			return Event{}, c.corrupt(n, uint64(n), "not a valid journal line: "+err.Error())
		}
	}
	switch {
	case f.seq != uint64(n):
		return Event{}, c.corrupt(n, f.seq, fmt.Sprintf("seq %d where %d was expected (a line is missing or out of order)", f.seq, n))
	case !linked:
		return Event{}, c.corrupt(n, f.seq, fmt.Sprintf("prev does not match the hash of line %d (a line before it was removed, inserted or changed)", n-1))
	case !intact:
		return Event{}, c.corrupt(n, f.seq, errHashMismatch.Error())
	}
	e := f.event(c.intern, &c.prev)
	e.Line = n
	c.prev = e.Hash
	return e, nil
}

// tooLong is the error of next for a line longer than MaxLineSize, for a reader that
// did not keep the line's bytes.
func (c *chain) tooLong() error {
	c.n++
	return c.corrupt(c.n, uint64(c.n), "not a valid journal line: "+errLineTooLong().Error())
}

// badData is the error for the last line checked when its data is not valid JSON.
func (c *chain) badData() error { return c.corrupt(c.n, uint64(c.n), errBadData.Error()) }

// end checks the number of lines against journal.head (hd, read before the journal;
// herr when it could not be).
func (c *chain) end(hd head, herr error) error {
	if last := uint64(c.n); herr == nil && hd.Seq > last {
		return c.corrupt(c.n+1, last+1, fmt.Sprintf(
			"the journal ends at seq %d but %s records seq %d: lines were removed from its end", last, HeadName, hd.Seq))
	}
	return nil
}

// ErrDataNotJSON is what the function given to Scan returns for an event whose data
// is not valid JSON.
var ErrDataNotJSON = errBadData

// scanBuffer is the size of Scan's read buffer: lines are read in pieces this size
// into the same memory, which stays in the CPU's cache.
const scanBuffer = 256 << 10

// Scan is Events without keeping the events: it reads journal.jsonl in pieces, checks
// each line as ReadAll does and hands its event to fn, in order. The event's Data is a
// slice of Scan's buffer, valid only during the call (its strings stay valid). The
// one check Scan leaves to fn is that the data is valid JSON, because a caller that
// decodes every event's data checks it there, and a second pass over every line costs
// as much as the decode: fn returns ErrDataNotJSON (or an error wrapping it) when it is
// not, and Scan returns the *CorruptError ReadAll returns for that line. Any other
// error of fn ends Scan and is returned as it is. The context of WithContext ends it
// early.
func (j *Journal) Scan(fn func(Event) error) error {
	return scanContext(j.ctx, j.dir, fn)
}

func scanContext(ctx context.Context, dir string, fn func(Event) error) error {
	path := filepath.Join(dir, FileName)
	hd, herr := readHeadRetry(dir) // before the journal, as ReadAll does
	var planted *NotRegularError
	if errors.As(herr, &planted) {
		return fmt.Errorf("read incident journal: %w", herr)
	}
	f, err := openNoFollow(path, os.O_RDONLY, false)
	if err != nil {
		return fmt.Errorf("read incident journal: %w", err)
	}
	defer f.Close()
	size := int64(scanBuffer)
	if st, err := f.Stat(); err == nil && st.Size() < size {
		size = st.Size() + 512 // a small journal in one read, as ReadAll reads it
	}
	return scan(ctx, path, f, hd, herr, make([]byte, size), fn)
}

// scan is Scan on the bytes of r, journal.jsonl at path, and the journal.head read
// before them, read in pieces of buf's size (larger for a longer line).
func scan(ctx context.Context, path string, r io.Reader, hd head, herr error, buf []byte, fn func(Event) error) error {
	c := newChain(path)
	start, end := 0, 0        // buf[start:end] is read and not yet checked
	long, eof := false, false // long: inside a line longer than MaxLineSize, its start dropped
	for {
		for start < end {
			i := bytes.IndexByte(buf[start:end], '\n')
			if i < 0 {
				break
			}
			line := buf[start : start+i+1]
			start += i + 1
			if long {
				long = false
				return c.tooLong()
			}
			if (c.n+1)%8192 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			e, err := c.next(line)
			if err != nil {
				return err
			}
			if err := fn(e); errors.Is(err, ErrDataNotJSON) {
				return c.badData()
			} else if err != nil {
				return err
			}
		}
		if eof {
			// An unterminated last line (a write in progress, or a torn write the next
			// Open recovers) is left out, as ReadAll does.
			return c.end(hd, herr)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// Keep the start of the line not read whole, and make room for the rest of it.
		end = copy(buf, buf[start:end])
		start = 0
		if end == len(buf) {
			if end >= MaxLineSize {
				long, end = true, 0 // too long whatever it holds: only its end matters now
			} else {
				buf = append(buf, make([]byte, len(buf))...)
			}
		}
		n, err := r.Read(buf[end:])
		end += n
		if err == io.EOF {
			eof = true
		} else if err != nil {
			return fmt.Errorf("read incident journal: %w", err)
		}
	}
}
