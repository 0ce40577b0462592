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
	h := newLineHasher()
	intern := make(map[string]string)
	prev := Genesis
	var sum [hexLen]byte
	corrupt := func(line int, seq uint64, what string) error {
		return &CorruptError{Path: path, Problem: Problem{Line: line, Seq: seq, What: what}}
	}
	for off, n := 0, 1; off < len(b); n++ {
		if n%8192 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		i := bytes.IndexByte(b[off:], '\n')
		line := b[off : off+i+1]
		off += i + 1
		var f lineFields
		if err := parseFields(line, &f); err != nil {
			return nil, corrupt(n, uint64(n), "not a valid journal line: "+err.Error())
		}
		h.hash(line, &sum)
		linked, intact := string(f.prev) == prev, bytes.Equal(sum[:], f.hash)
		if !linked || !intact {
			// hex is only checked now: a hash equal to one computed is hex.
			if err := checkHex(line); err != nil {
				return nil, corrupt(n, uint64(n), "not a valid journal line: "+err.Error())
			}
		}
		switch {
		case f.seq != uint64(n):
			return nil, corrupt(n, f.seq, fmt.Sprintf("seq %d where %d was expected (a line is missing or out of order)", f.seq, n))
		case !linked:
			return nil, corrupt(n, f.seq, fmt.Sprintf("prev does not match the hash of line %d (a line before it was removed, inserted or changed)", n-1))
		case !intact:
			return nil, corrupt(n, f.seq, errHashMismatch.Error())
		}
		if !json.Valid(f.data) {
			return nil, corrupt(n, f.seq, errBadData.Error())
		}
		e := f.event(intern, &prev)
		e.Line = n
		prev = e.Hash
		events = append(events, e)
	}
	if last := uint64(len(events)); herr == nil && hd.Seq > last {
		return nil, corrupt(len(events)+1, last+1, fmt.Sprintf(
			"the journal ends at seq %d but %s records seq %d: lines were removed from its end", last, HeadName, hd.Seq))
	}
	return events, nil
}
