package incident

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
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
// The cache is not evidence. It lives in the incident directory as a derived file
// (journal.IsDerived: verify never reads it, export leaves it out) and is never
// trusted blindly: it is used only when it was written by this very muster binary for
// this incident's frozen runbook, its checksum holds, and the journal still holds, at
// the bytes the cache records, the line with the seq and hash the cache was folded up
// to (the line is read back and hashed). Anything else, and the journal is folded
// whole and the cache rewritten. The lines after the cached one are checked as a full
// read checks them (syntax, hash, seq, links); the lines before it are not read again
// (evidence verify checks the whole chain).
const (
	// StateCacheName is the cache file in the incident directory.
	StateCacheName = "state" + journal.DerivedSuffix
	// stateCacheMagic starts the file; its version changes with the layout.
	stateCacheMagic = "muster-state-cache 1\n"
	// cacheFrom is the journal size from which the state is cached: below it, reading
	// and folding the journal costs less than decoding a cache.
	cacheFrom = 256 << 10
	// cacheBehind is how far (bytes of journal) the cache may fall behind the journal
	// before a command rewrites it; up to that, the lines after it are folded each time.
	cacheBehind = 512 << 10
	// maxStateCache bounds the cache file read back.
	maxStateCache = 1 << 30
)

// cacheHeader says what the cached state was folded from.
type cacheHeader struct {
	Build   string       // the muster binary that folded it (see buildID)
	Runbook string       // the frozen runbook's digest
	Mark    journal.Mark // the last line folded
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
func foldCached(dir string, rb *runbook.Runbook, j *journal.Journal) (*State, error) {
	last, err := j.LastMark()
	if err != nil {
		return nil, err
	}
	build := buildID()
	if last.End < cacheFrom || build == "" {
		return foldWhole(rb, j)
	}
	s, h, err := readStateCache(dir, rb)
	if err == nil && h.Build == build && h.Runbook == rb.Digest && h.Mark.Seq <= last.Seq {
		events, err := j.EventsAfter(h.Mark)
		if err == nil {
			for _, e := range events {
				s.Apply(e)
			}
			if last.End-h.Mark.End >= cacheBehind {
				writeStateCache(dir, rb, s, last)
			}
			return s, nil
		}
	}
	s, err = foldWhole(rb, j)
	if err != nil {
		return nil, err
	}
	writeStateCache(dir, rb, s, last)
	return s, nil
}

func foldWhole(rb *runbook.Runbook, j *journal.Journal) (*State, error) {
	events, err := j.Events()
	if err != nil {
		return nil, err
	}
	return Fold(rb, events), nil
}

// encodeStateCache lays out the cache: the magic line, the header and the state (see
// statecodec.go), and the CRC-32C of all that (against a damaged file; the cache's
// match with the journal is checked on the journal itself).
func encodeStateCache(h cacheHeader, s *State) ([]byte, error) {
	b := []byte(stateCacheMagic)
	b, err := encodeValue(b, &h)
	if err != nil {
		return nil, err
	}
	if b, err = encodeValue(b, s); err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli())), nil
}

var (
	errBadCache = errors.New("not a state cache")
	castagnoli  = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }) // on first use, not at start
)

// decodeStateCache reads what encodeStateCache wrote; the state follows rb. b must not
// be changed afterwards: the state's strings are slices of it.
func decodeStateCache(b []byte, rb *runbook.Runbook) (s *State, h cacheHeader, err error) {
	if len(b) < len(stateCacheMagic)+4 || string(b[:len(stateCacheMagic)]) != stateCacheMagic {
		return nil, h, errBadCache
	}
	body := b[len(stateCacheMagic) : len(b)-4]
	if crc32.Checksum(b[:len(b)-4], castagnoli()) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, h, errBadCache
	}
	return decodeStateBody(unsafe.String(unsafe.SliceData(body), len(body)), rb)
}

// decodeStateBody decodes the header and the state of a cache whose checksum held.
func decodeStateBody(body string, rb *runbook.Runbook) (s *State, h cacheHeader, err error) {
	r := &cacheReader{s: body}
	if err := decodeValue(r, &h); err != nil {
		return nil, h, err
	}
	s = &State{}
	if err := decodeValue(r, s); err != nil {
		return nil, h, err
	}
	if r.off != len(r.s) {
		return nil, h, errBadCache
	}
	s.rb = rb
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
	return s, h, nil
}

func readStateCache(dir string, rb *runbook.Runbook) (*State, cacheHeader, error) {
	b, err := journal.ReadDerived(dir, StateCacheName, maxStateCache)
	if err != nil {
		return nil, cacheHeader{}, err
	}
	return decodeStateCache(b, rb)
}

// writeStateCache saves s, folded up to the line m, for the next command. A cache that
// cannot be written costs the next command a whole fold, nothing else: the error is
// dropped.
func writeStateCache(dir string, rb *runbook.Runbook, s *State, m journal.Mark) {
	b, err := encodeStateCache(cacheHeader{Build: buildID(), Runbook: rb.Digest, Mark: m}, s)
	if err != nil {
		return
	}
	_ = journal.WriteDerived(dir, StateCacheName, b)
}
