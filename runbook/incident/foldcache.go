package incident

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// The folded-state cache: a command on a large incident reads the state folded up to
// a line of the journal and folds only the lines after it, instead of reading and
// folding the whole journal again.
//
// It is two files, so that a command pays only for what it is checked against. The
// brief state (StateCacheName) is everything but the long lists: status, severity and
// deadlines, steps with who and when, roles, phases, follow-ups, outage windows,
// counters, the last notice to each audience. It stays a few kilobytes however many
// events the incident has, and a command (Store.OpenForCommand) reads only it. The
// long lists (ListsCacheName: notes, escalations, notices, attachments, checks) grow
// with the incident; only a reader of the whole state (Store.Open: the screen, a
// drill) reads them. Each file records the journal line it was folded up to, and the
// lists may lag behind the brief state (commands refresh only the brief one): a whole
// read folds the lines between the two into the lists only.
//
// The cache is not evidence. Its files live in the incident directory as derived files
// (journal.IsDerived: verify never reads them, export leaves them out) and are never
// trusted blindly: a file is used only when it was written by this very muster binary
// for this incident's frozen runbook, its checksum holds, and the journal still holds,
// at the bytes the file records, the line with the seq and hash it was folded up to
// (the line is read back and hashed; for the brief state beside older lists, the lines
// from the lists' line to it are read and chained). Anything else, and the journal is
// folded whole and both files rewritten. The lines after the cached one are checked as
// a full read checks them (syntax, hash, seq, links); the lines before it are not read
// again (evidence verify checks the whole chain).
const (
	// StateCacheName is the brief state's file in the incident directory.
	StateCacheName = "state" + journal.DerivedSuffix
	// ListsCacheName is the long lists' file.
	ListsCacheName = "state-lists" + journal.DerivedSuffix
	// The magic lines start the files; their versions change with the layout.
	stateCacheMagic = "muster-state-cache 2\n"
	listsCacheMagic = "muster-state-lists 1\n"
	// cacheFrom is the journal size from which the state is cached: below it, reading
	// and folding the journal costs less than decoding a cache.
	cacheFrom = 256 << 10
	// cacheBehind is how far (bytes of journal) the lists may fall behind the journal
	// before a whole read rewrites them; up to that, the lines after them are folded
	// each time.
	cacheBehind = 512 << 10
	// briefBehind is the same for the brief state, which costs little to rewrite: a
	// command reads at most this much journal besides the brief state.
	briefBehind = 32 << 10
	// maxStateCache bounds a cache file read back.
	maxStateCache = 1 << 30
)

// cacheHeader says what a cache file was folded from.
type cacheHeader struct {
	Build   string       // the muster binary that folded it (see buildID)
	Runbook string       // the frozen runbook's digest
	Mark    journal.Mark // the last line folded
}

// usable reports whether a file with this header may be used for the journal whose
// last line is last, by this build with the runbook rb (the marked line itself is
// checked on the journal, by EventsAfter).
func (h cacheHeader) usable(build string, rb *runbook.Runbook, last journal.Mark) bool {
	return h.Build == build && h.Runbook == rb.Digest && h.Mark.Seq <= last.Seq
}

// briefExtra is what the brief state keeps of its lists.
type briefExtra struct {
	LastNotice map[string]time.Time // the last notice to each audience, as written
}

// stateLists are the long lists of the state (see State.addToLists).
type stateLists struct {
	Notes       []NoteEntry
	Escalations []EscalationEntry
	Notices     []NoticeEntry
	Attachments []AttachmentEntry
	Checks      []CheckEntry
}

func (s *State) lists() stateLists {
	return stateLists{s.Notes, s.Escalations, s.Notices, s.Attachments, s.Checks}
}

func (s *State) setLists(l stateLists) {
	s.Notes, s.Escalations, s.Notices, s.Attachments, s.Checks = l.Notes, l.Escalations, l.Notices, l.Attachments, l.Checks
}

// buildID names the running binary: its path, size and modification time. A state
// folded by another build (whose fold may differ) is never used.
var buildID = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %s %d %d", runtime.Version(), exe, fi.Size(), fi.ModTime().UnixNano())
})

// foldCached returns the state of the journal j (held open for writing), from the
// cache when it can, and refreshes the cache when it was missing, stale or far behind.
// A brief fold reads only the brief state (the returned state is Brief unless the
// journal had to be folded whole).
func foldCached(dir string, rb *runbook.Runbook, j *journal.Journal, brief bool) (*State, error) {
	last, err := j.LastMark()
	if err != nil {
		return nil, err
	}
	build := buildID()
	if last.End < cacheFrom || build == "" {
		return foldWhole(rb, j)
	}
	if s, h, err := readBriefCache(dir, rb); err == nil && h.usable(build, rb, last) {
		if brief {
			if events, err := j.EventsAfter(h.Mark); err == nil {
				for _, e := range events {
					s.Apply(e)
				}
				if last.End-h.Mark.End >= briefBehind {
					writeBriefCache(dir, rb, s, last)
				}
				return s, nil
			}
		} else if withLists(dir, rb, j, s, h, last) {
			return s, nil
		}
	}
	s, err := foldWhole(rb, j)
	if err != nil {
		return nil, err
	}
	writeListsCache(dir, rb, s, last)
	writeBriefCache(dir, rb, s, last)
	return s, nil
}

// foldUnlocked is foldCached's brief fold for a reader that does not hold the writer
// lock (OpenQueued: a share round may hold it while it waits on the store, and append
// the lines it catches up meanwhile). The brief state is used on the same terms: this
// very build, this runbook, its checksum, and the marked line still in the journal at
// its bytes with its seq and hash; the complete lines after it are read and checked as
// a full read checks them (journal.ReadEventsAfter) and folded in, so a line the mirror
// gained after the cache was written is in the state. Anything else, and the journal is
// read and folded whole, as Load does. It writes no cache file: their temporary files
// are the lock holder's (journal.WriteDerived), and the share round that follows a
// queued save refreshes them.
func foldUnlocked(ctx context.Context, dir string, rb *runbook.Runbook) (*State, error) {
	if build := buildID(); build != "" {
		if s, h, err := readBriefCache(dir, rb); err == nil && h.Build == build && h.Runbook == rb.Digest {
			if events, err := journal.ReadEventsAfter(ctx, dir, h.Mark); err == nil {
				for _, e := range events {
					s.Apply(e)
				}
				return s, nil
			}
		}
	}
	events, err := journal.ReadAllContext(ctx, dir) // Ctrl+C ends a long read
	if err != nil {
		return nil, err
	}
	s := Fold(rb, events)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// withLists makes the brief state s, folded up to h.Mark, whole: it reads the lists'
// file, folds the lines between the lists' line and h.Mark into the lists only and the
// lines after h.Mark into everything. It reports false, with s spoilt, when the lists
// cannot be used.
func withLists(dir string, rb *runbook.Runbook, j *journal.Journal, s *State, h cacheHeader, last journal.Mark) bool {
	l, lh, err := readListsCache(dir, rb)
	if err != nil || !lh.usable(h.Build, rb, last) || lh.Mark.Seq > h.Mark.Seq {
		return false
	}
	events, err := j.EventsAfter(lh.Mark) // checks the lists' line and chains every line after it
	if err != nil {
		return false
	}
	// The brief state's line must be on that chain: the lists' line itself, or one of
	// the lines read after it.
	between := int(h.Mark.Seq - lh.Mark.Seq)
	switch {
	case between == 0 && h.Mark != lh.Mark, between > len(events), between > 0 && events[between-1].Hash != h.Mark.Hash:
		return false
	}
	s.brief, s.lastNotice = false, nil
	s.setLists(l)
	for _, e := range events[:between] {
		s.applyToLists(e)
	}
	for _, e := range events[between:] {
		s.Apply(e)
	}
	switch {
	case last.End-lh.Mark.End >= cacheBehind:
		writeListsCache(dir, rb, s, last)
		writeBriefCache(dir, rb, s, last)
	case last.End-h.Mark.End >= briefBehind:
		writeBriefCache(dir, rb, s, last)
	}
	return true
}

// foldWhole reads and folds the whole journal. The events are folded as they are
// read, never held all at once: the journal's bytes pass through one small buffer,
// and each line's data is checked as JSON by the decode that reads it.
func foldWhole(rb *runbook.Runbook, j *journal.Journal) (*State, error) {
	s := NewState(rb)
	err := j.Scan(func(e journal.Event) error {
		p, valid, err := decodeChecked(e)
		if !valid {
			return journal.ErrDataNotJSON
		}
		s.apply(e, p, err)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// encodeCache lays out a cache file: the magic line, the header, the values (see
// statecodec.go), and the CRC-32C of all that (against a damaged file; the file's
// match with the journal is checked on the journal itself).
func encodeCache(magic string, h cacheHeader, values ...any) ([]byte, error) {
	w := &cacheWriter{b: []byte(magic)}
	if err := w.encodeCache(h, values); err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint32(w.b, crc32.Checksum(w.b, castagnoli())), nil
}

func (w *cacheWriter) encodeCache(h cacheHeader, values []any) error {
	if err := w.encode(&h); err != nil {
		return err
	}
	for _, v := range values {
		if err := w.encode(v); err != nil {
			return err
		}
	}
	return nil
}

// writeCache writes the file name of dir as encodeCache lays it out, through a
// buffer of cacheSpill bytes rather than the whole file in memory.
func writeCache(dir, name, magic string, h cacheHeader, values ...any) error {
	return journal.WriteDerivedFrom(dir, name, func(out io.Writer) error {
		w := &cacheWriter{b: append(make([]byte, 0, 2*cacheSpill), magic...), out: out}
		if err := w.encodeCache(h, values); err != nil {
			return err
		}
		w.flush()
		w.b = binary.BigEndian.AppendUint32(w.b, w.crc)
		w.flush()
		return w.err
	})
}

var (
	errBadCache = errors.New("not a state cache")
	castagnoli  = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }) // on first use, not at start
)

// decodeCache reads what encodeCache wrote into h and the values. b must not be
// changed afterwards: the values' strings are slices of it.
func decodeCache(b []byte, magic string, h *cacheHeader, values ...any) error {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return errBadCache
	}
	body := b[len(magic) : len(b)-4]
	if crc32.Checksum(b[:len(b)-4], castagnoli()) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return errBadCache
	}
	return decodeBody(unsafe.String(unsafe.SliceData(body), len(body)), h, values...)
}

// decodeBody decodes the header and the values of a cache file whose checksum held.
func decodeBody(body string, h *cacheHeader, values ...any) error {
	r := &cacheReader{s: body}
	if err := decodeValue(r, h); err != nil {
		return err
	}
	for _, v := range values {
		if err := decodeValue(r, v); err != nil {
			return err
		}
	}
	if r.off != len(r.s) {
		return errBadCache
	}
	return nil
}

// encodeBriefCache lays out the brief state's file: s without its long lists.
func encodeBriefCache(h cacheHeader, s *State) ([]byte, error) {
	b := *s
	b.setLists(stateLists{})
	return encodeCache(stateCacheMagic, h, &b, &briefExtra{LastNotice: s.lastNotices()})
}

// decodeBriefCache reads the brief state back; it follows rb.
func decodeBriefCache(b []byte, rb *runbook.Runbook) (*State, cacheHeader, error) {
	var h cacheHeader
	s, x := &State{}, &briefExtra{}
	if err := decodeCache(b, stateCacheMagic, &h, s, x); err != nil {
		return nil, h, err
	}
	return briefState(s, x, rb), h, nil
}

// briefState completes a brief state read back.
func briefState(s *State, x *briefExtra, rb *runbook.Runbook) *State {
	s.rb, s.brief, s.lastNotice = rb, true, x.LastNotice
	s.setLists(stateLists{}) // a damaged file's lists are not believed either
	// A state always has these maps: the fold writes into them.
	if s.Steps == nil {
		s.Steps = map[string]StepState{}
	}
	if s.Roles == nil {
		s.Roles = map[string]string{}
	}
	if s.PhaseEntered == nil {
		s.PhaseEntered = map[runbook.PhaseName]time.Time{}
	}
	return s
}

func readBriefCache(dir string, rb *runbook.Runbook) (*State, cacheHeader, error) {
	b, err := journal.ReadDerived(dir, StateCacheName, maxStateCache)
	if err != nil {
		return nil, cacheHeader{}, err
	}
	return decodeBriefCache(b, rb)
}

func readListsCache(dir string, rb *runbook.Runbook) (stateLists, cacheHeader, error) {
	var (
		h cacheHeader
		l stateLists
	)
	b, err := journal.ReadDerived(dir, ListsCacheName, maxStateCache)
	if err != nil {
		return l, h, err
	}
	err = decodeCache(b, listsCacheMagic, &h, &l)
	return l, h, err
}

// writeBriefCache saves the brief part of s, folded up to the line m, for the next
// command; writeListsCache its lists. A cache file that cannot be written costs a
// later command a whole fold, nothing else: the error is dropped.
func writeBriefCache(dir string, rb *runbook.Runbook, s *State, m journal.Mark) {
	if b, err := encodeBriefCache(cacheHeader{Build: buildID(), Runbook: rb.Digest, Mark: m}, s); err == nil {
		_ = journal.WriteDerived(dir, StateCacheName, b)
	}
}

func writeListsCache(dir string, rb *runbook.Runbook, s *State, m journal.Mark) {
	if s.brief {
		return // a brief state has no lists to save
	}
	l := s.lists()
	_ = writeCache(dir, ListsCacheName, listsCacheMagic, cacheHeader{Build: buildID(), Runbook: rb.Digest, Mark: m}, &l)
}
