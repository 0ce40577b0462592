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
	"strings"
)

// Mark is where a line is in journal.jsonl: its seq and hash and the bytes it takes,
// [Start, End). A reader that folded the journal up to a line keeps its Mark to read
// only the lines after it next time (see EventsAfter).
type Mark struct {
	Seq   uint64
	Hash  string
	Start int64
	End   int64
}

// LastMark returns the Mark of the last line (the zero Mark when the journal is empty).
func (j *Journal) LastMark() (Mark, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return Mark{}, ErrClosed
	}
	if j.size == 0 {
		return Mark{Hash: Genesis}, nil
	}
	start, end, err := lastLine(j.f, j.size)
	if err != nil {
		return Mark{}, err
	}
	if end != j.size {
		return Mark{}, fmt.Errorf("%s: the last line does not end at byte %d", filepath.Join(j.dir, FileName), j.size)
	}
	return Mark{Seq: j.seq, Hash: j.hash, Start: start, End: end}, nil
}

// ErrMarkMoved says the journal does not hold, at the Mark's bytes, the line the Mark
// names: the journal is not the one the Mark was taken from (rewritten, replaced,
// cut), so the caller must read it whole.
var ErrMarkMoved = errors.New("the journal does not hold the marked line where it was")

// EventsAfter returns the events after the line m marks, with the writer lock held. It
// first confirms that the line at m's bytes is still that line (its seq and hash, and
// that its content hashes to it), then reads only the bytes after it, checking each
// line as ReadAll does (syntax, hash, seq order, the link to the line before). It
// returns ErrMarkMoved when the marked line is not there, and a *CorruptError for a
// damaged line after it. It does not re-read the lines before the mark: that the
// whole chain is intact is Verify's to say. The context of WithContext ends it early.
func (j *Journal) EventsAfter(m Mark) ([]Event, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil, ErrClosed
	}
	if m.Seq > j.seq {
		return nil, ErrMarkMoved
	}
	return eventsAfter(j.ctx, filepath.Join(j.dir, FileName), j.f, j.size, m)
}

// ReadEventsAfter is EventsAfter for a reader that does not hold the writer lock (a
// command that only queues, while a writer may hold the lock and append): it takes no
// lock and never blocks a writer. It reads journal.head first and the journal's
// complete lines after m as they are when it reads them (a line being written is left
// out, as ReadAll leaves it out), and checks them as EventsAfter does. A journal that
// ends before the seq journal.head records is a *CorruptError, as ReadAll says it.
func ReadEventsAfter(ctx context.Context, dir string, m Mark) ([]Event, error) {
	path := filepath.Join(dir, FileName)
	hd, herr := readHeadRetry(dir) // before the journal, as ReadAll does
	var planted *NotRegularError
	if errors.As(herr, &planted) {
		return nil, fmt.Errorf("read incident journal: %w", herr)
	}
	f, err := openNoFollow(path, os.O_RDONLY, false)
	if err != nil {
		return nil, fmt.Errorf("read incident journal: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read incident journal: %w", err)
	}
	events, err := eventsAfter(ctx, path, f, st.Size(), m)
	if err != nil {
		return nil, err
	}
	if last := m.Seq + uint64(len(events)); herr == nil && hd.Seq > last {
		return nil, &CorruptError{Path: path, Problem: Problem{Line: int(last + 1), Seq: last + 1, What: fmt.Sprintf(
			"the journal ends at seq %d but %s records seq %d: lines were removed from its end", last, HeadName, hd.Seq)}}
	}
	return events, nil
}

// eventsAfter is EventsAfter on r, journal.jsonl at path, of size bytes.
func eventsAfter(ctx context.Context, path string, r io.ReaderAt, size int64, m Mark) ([]Event, error) {
	if m.Seq == 0 || m.Start < 0 || m.End <= m.Start || m.End-m.Start > MaxLineSize+1 || m.End > size {
		return nil, ErrMarkMoved
	}
	b := make([]byte, size-m.Start)
	if _, err := r.ReadAt(b, m.Start); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	h := newLineHasher()
	var sum [hexLen]byte
	var f lineFields
	first := b[:m.End-m.Start]
	if first[len(first)-1] != '\n' || bytes.IndexByte(first, '\n') != len(first)-1 ||
		parseFields(first, &f) != nil || f.seq != m.Seq || string(f.hash) != m.Hash {
		return nil, ErrMarkMoved
	}
	if h.hash(first, &sum); !bytes.Equal(sum[:], f.hash) {
		return nil, ErrMarkMoved
	}
	b = b[len(first):]
	events := make([]Event, 0, bytes.Count(b, []byte{'\n'}))
	intern := make(map[string]string)
	prev := m.Hash
	corrupt := func(seq uint64, what string) error {
		return &CorruptError{Path: path, Problem: Problem{Line: int(seq), Seq: seq, What: what}}
	}
	for n := m.Seq + 1; len(b) > 0; n++ {
		if n%8192 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break // a line being written (by another, or torn): left out as ReadAll does
		}
		line := b[:i+1]
		b = b[i+1:]
		if err := parseFields(line, &f); err != nil {
			return nil, corrupt(n, "not a valid journal line: "+err.Error())
		}
		h.hash(line, &sum)
		switch {
		case f.seq != n:
			return nil, corrupt(f.seq, fmt.Sprintf("seq %d where %d was expected (a line is missing or out of order)", f.seq, n))
		case string(f.prev) != prev:
			return nil, corrupt(n, fmt.Sprintf("prev does not match the hash of line %d (a line before it was removed, inserted or changed)", n-1))
		case !bytes.Equal(sum[:], f.hash):
			if err := checkHex(line); err != nil {
				return nil, corrupt(n, "not a valid journal line: "+err.Error())
			}
			return nil, corrupt(n, errHashMismatch.Error())
		case !json.Valid(f.data):
			return nil, corrupt(n, errBadData.Error())
		}
		e := f.event(intern, &prev)
		prev = e.Hash
		events = append(events, e)
	}
	return events, nil
}

// Derived files sit in an incident directory beside the journal but are not evidence:
// they are rebuilt from the journal whenever they are missing or stale (the incident
// layer's folded-state cache). Their names end in DerivedSuffix. Verify never reads
// them and Export leaves them out.
const DerivedSuffix = ".cache"

// IsDerived reports whether name (a file of an incident directory) is a derived file
// or a derived file being written.
func IsDerived(name string) bool {
	return strings.HasSuffix(name, DerivedSuffix) || strings.HasSuffix(name, DerivedSuffix+".tmp")
}

// ReadDerived reads the derived file name of the incident directory dir the way the
// journal reads its own files: never through a symlink, only a regular file, at most
// max bytes.
func ReadDerived(dir, name string, max int64) ([]byte, error) {
	if !IsDerived(name) || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("%q is not a derived file name", name)
	}
	return readFileNoFollow(filepath.Join(dir, name), max)
}

// WriteDerived replaces the derived file name of dir with data atomically: written to
// name.tmp (opened without following a symlink, a regular file only), then renamed
// over name. It is not fsync'd: a derived file lost in a crash is rebuilt. The caller
// holds the writer lock, so no other writer uses name.tmp at the same time.
func WriteDerived(dir, name string, data []byte) error {
	return WriteDerivedFrom(dir, name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteDerivedFrom is WriteDerived of what write writes to the file, for a file best
// written in pieces. When write fails, the file is left as it was.
func WriteDerivedFrom(dir, name string, write func(io.Writer) error) error {
	if !IsDerived(name) || strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".tmp") {
		return fmt.Errorf("%q is not a derived file name", name)
	}
	tmp := filepath.Join(dir, name+".tmp")
	f, err := openNoFollow(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, false)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
