package incident

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// The report index: the report facts of every incident, with how its journal stood
// when they were taken, so that a report over thousands of incidents stats the
// journals, reads one file and folds again only the journals that changed.
//
// A journal is taken to be unchanged when its size, modification and change times and
// inode number are those recorded (the change time cannot be set back by anyone, and
// a journal replaced by another file has another inode). A journal is append-only, so
// every line written grows it. One gap is left by time stamps: a file system records
// times at a granularity (a clock tick on Linux, 2 s on FAT), so a journal rewritten to
// the same size within the tick in which its stamp was taken would look the same. An
// entry whose journal was written less than racyWindow before its stamp was taken is
// therefore trusted only after the journal's last line (its seq and hash, which chain
// to every line before) is read back and found to be the one the facts were folded up
// to; once the journal has been quiet that long the entry is trusted on its stamp.

// indexVersion changes whenever Facts or the fold behind it changes meaning: an index
// of another version is rebuilt.
const indexVersion = 2

// ReportIndexFile is the report index in the data directory, rebuilt at will.
const ReportIndexFile = "report-index.cache"

// racyWindow is how long after a journal was last written its stamp alone is not
// trusted (see above): more than any file system's time stamp granularity.
var racyWindow = 2 * time.Second

type reportIndex struct {
	Version int
	// Entries and Facts are parallel, one per incident directory, greatest id (the
	// newest) first.
	Entries []indexEntry
	Facts   []Facts
}

// indexEntry is how the journal stood when its facts were taken.
type indexEntry struct {
	Stamp   journalStamp
	TakenAt int64 // when Stamp was taken, Unix nanoseconds
	// LastSeq and LastHash name the last line folded.
	LastSeq  uint64
	LastHash string
}

// journalStamp is what one stat tells of a journal. The zero stamp is no journal (or
// one that could not be stat'd): it never matches.
type journalStamp struct {
	Size  int64
	MTime int64  // Unix nanoseconds
	CTime int64  // Unix nanoseconds; 0 where the platform does not tell
	Ino   uint64 // 0 where the platform does not tell
}

// written is the latest time the journal was written, as far as the stamp tells.
func (s journalStamp) written() int64 { return max(s.MTime, s.CTime) }

// AllFacts returns the report facts of every incident, newest first, from the report
// index (<data dir>/cache/report-index.cache): an incident whose journal has not changed
// since it was indexed is not read again. The index is a cache: deleting it only makes
// the next report slower. folded counts the incidents read and folded this time.
func (st *Store) AllFacts() (facts []Facts, folded int, err error) {
	if st.Shared != nil {
		// New team incidents appear, open ones catch up (closed ones take no request);
		// offline: what is here.
		_, _ = st.sync(true)
	}
	dir := filepath.Join(st.DataDir, "incidents")
	names, err := incidentNames(dir)
	if err != nil {
		return nil, 0, err
	}
	takenAt := time.Now().UnixNano()
	stamps := journalStamps(dir, names)
	path := filepath.Join(st.DataDir, "cache", ReportIndexFile)
	old, _ := readIndex(path)

	// Match the listing with the index (both greatest id first): from[i] is the index
	// entry incident i reuses, or -1 when it is folded again.
	from := make([]int, len(names))
	var todo []int
	changed := len(old.Facts) != len(names)
	j := 0
	for i, id := range names {
		from[i] = -1
		for j < len(old.Facts) && old.Facts[j].ID > id {
			j++ // an incident no longer here
		}
		if j < len(old.Facts) && old.Facts[j].ID == id {
			e, f := &old.Entries[j], &old.Facts[j]
			j++
			if s := stamps[i]; s != (journalStamp{}) && s == e.Stamp && f.Err == "" {
				if e.Stamp.written() < e.TakenAt-int64(racyWindow) {
					from[i] = j - 1
					continue
				}
				// Written too shortly before its stamp was taken: trusted when the
				// journal still ends with the line folded up to.
				if seq, hash, err := journal.LastLine(filepath.Join(dir, id)); err == nil && seq == e.LastSeq && hash == e.LastHash {
					if s.written() < takenAt-int64(racyWindow) {
						e.TakenAt, changed = takenAt, true // quiet since: the stamp is enough from now on
					}
					from[i] = j - 1
					continue
				}
			}
		}
		todo = append(todo, i)
		changed = true
	}
	if !changed {
		return old.Facts, 0, nil // the index as read: nothing copied
	}
	entries, out := make([]indexEntry, len(names)), make([]Facts, len(names))
	for i, j := range from {
		if j >= 0 {
			entries[i], out[i] = old.Entries[j], old.Facts[j]
		}
	}
	l := &factsLoader{st: st, frozen: map[[sha256.Size]byte]frozenPair{}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1)) - 1; k < len(todo); k = int(next.Add(1)) - 1 {
				i := todo[k]
				entries[i] = indexEntry{TakenAt: takenAt}
				v, err := l.load(names[i])
				if err != nil {
					out[i] = Facts{ID: names[i], Err: err.Error()}
					continue
				}
				out[i] = FactsOf(v)
				e := &entries[i]
				e.Stamp, e.LastHash = stamps[i], journal.Genesis
				if n := len(v.Events); n > 0 {
					e.LastSeq, e.LastHash = v.Events[n-1].Seq, v.Events[n-1].Hash
				}
			}
		}()
	}
	wg.Wait()
	// A cache that cannot be written only costs time.
	_ = writeIndex(path, reportIndex{Version: indexVersion, Entries: entries, Facts: out})
	return out, len(todo), nil
}

// factsLoader reads incidents for the index on several goroutines, as Load does, but
// parses each distinct frozen runbook and policy once: thousands of incidents were
// started with the same few, and parsing them cost more than folding the journal.
type factsLoader struct {
	st     *Store
	mu     sync.Mutex
	frozen map[[sha256.Size]byte]frozenPair // by the files' bytes
}

type frozenPair struct {
	rb  *runbook.Runbook
	pol *runbook.Policy
}

func (l *factsLoader) load(id string) (*View, error) {
	dir, err := l.st.Locate(id)
	if err != nil {
		return nil, err
	}
	// The key is of the bytes as read; a pair not parsed yet is read and parsed by
	// loadFrozen itself, so its errors are Load's. Frozen files are never rewritten.
	h := sha256.New()
	for _, name := range []string{PolicyFile, RunbookFile} {
		data, err := journal.ReadFile(filepath.Join(dir, name), maxFrozen)
		if err != nil {
			h = nil
			break
		}
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(data)))
		h.Write(n[:])
		h.Write(data)
	}
	var key [sha256.Size]byte
	var fp frozenPair
	ok := false
	if h != nil {
		h.Sum(key[:0])
		l.mu.Lock()
		fp, ok = l.frozen[key]
		l.mu.Unlock()
	}
	if !ok {
		if fp.rb, fp.pol, err = loadFrozen(dir); err != nil {
			return nil, err
		}
		if h != nil {
			l.mu.Lock()
			l.frozen[key] = fp
			l.mu.Unlock()
		}
	}
	ctx := l.st.ctx()
	events, err := journal.ReadAllContext(ctx, dir)
	if err != nil {
		return nil, err
	}
	state := Fold(fp.rb, events)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &View{Dir: dir, Runbook: fp.rb, Policy: fp.pol, State: state, Events: events}, nil
}

// incidentNames lists the incident directories in dir, greatest id (the newest) first.
func incidentNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1) // unsorted: sorted below, by name only
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

// journalStamps stamps the journal of each incident directory of dir named in names,
// on every core: a stat is cheap, but ten thousand of them are most of a warm report.
func journalStamps(dir string, names []string) []journalStamp {
	out := make([]journalStamp, len(names))
	workers := min(runtime.GOMAXPROCS(0), (len(names)+255)/256)
	if workers <= 1 {
		stampJournals(dir, names, out)
		return out
	}
	var wg sync.WaitGroup
	per := (len(names) + workers - 1) / workers
	for from := 0; from < len(names); from += per {
		to := min(from+per, len(names))
		wg.Add(1)
		go func() {
			defer wg.Done()
			stampJournals(dir, names[from:to], out[from:to])
		}()
	}
	wg.Wait()
	return out
}

func writeIndex(path string, idx reportIndex) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := encodeIndex(idx)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// The index is laid out like the state cache (statecodec.go): a magic line, the
// fingerprint of the index's Go types (an index written with other types is not read:
// it is rebuilt), the index (report_codec.go), and a CRC-32C. Reading 10,000
// incidents' facts this way takes a read of the file and the structs, not an
// allocation per string as JSON did.
const indexMagic = "muster-report-index 2\n"

func encodeIndex(idx reportIndex) ([]byte, error) {
	b := append([]byte(indexMagic), indexFingerprint()...)
	b = appendIndex(b, &idx)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli())), nil
}

// readIndex reads the index at path; ok is false when there is none or it cannot be
// used (damaged, an older layout): then every incident is read again.
func readIndex(path string) (reportIndex, bool) {
	b, err := os.ReadFile(path)
	head := indexMagic + indexFingerprint()
	if err != nil || len(b) < len(head)+4 || string(b[:len(head)]) != head ||
		crc32.Checksum(b[:len(b)-4], castagnoli()) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return reportIndex{}, false
	}
	body := b[len(head) : len(b)-4]
	r := &indexReader{cacheReader: cacheReader{s: unsafe.String(unsafe.SliceData(body), len(body))}}
	idx, err := decodeIndex(r)
	if err != nil || r.off != len(r.s) || idx.Version != indexVersion {
		return reportIndex{}, false
	}
	for i := 1; i < len(idx.Facts); i++ {
		if idx.Facts[i-1].ID <= idx.Facts[i].ID {
			return reportIndex{}, false
		}
	}
	return idx, true
}

// indexFingerprint is the SHA-256 of the index's Go types, in hex and a line.
var indexFingerprint = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(typeShape(reflect.TypeFor[reportIndex]())))
	return hex.EncodeToString(sum[:]) + "\n"
})
