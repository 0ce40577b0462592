package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Schema is the version of the line format this package writes and reads.
const Schema = 1

// Names inside an incident directory.
const (
	FileName  = "journal.jsonl" // the events
	HeadName  = "journal.head"  // seq and hash of the last line, rewritten after each append
	LockName  = "journal.lock"  // the writer's advisory lock and its holder
	AttachDir = "attachments"   // the content-addressed store: attachments/sha256/<hex>
)

// Event types the journal writes itself. Other types are the caller's.
const (
	// TypeRecovered records bytes of a torn last line that Open moved to a side file;
	// its data is a Recovery.
	TypeRecovered = "recovered"
	// TypeAttached records a file taken into the attachment store; its data is an
	// Attachment.
	TypeAttached = "attached"
)

const (
	dirPerm  fs.FileMode = 0o700
	filePerm fs.FileMode = 0o600
	headSize             = 128 // journal.head is one space-padded line of this size
	tornPre              = "journal.torn-"
	tornSuf              = ".bin"
)

// ErrClosed is returned by a Journal's methods after Close.
var ErrClosed = errors.New("journal is closed")

// File is the journal file as the writer uses it. WithFile wraps the real *os.File in
// one so tests can inject disk faults.
type File interface {
	WriteAt(p []byte, off int64) (n int, err error)
	Sync() error
	Truncate(size int64) error
}

// Option configures Create and Open.
type Option func(*options)

type options struct {
	lockWait time.Duration
	actor    string
	now      func() time.Time
	wrap     func(*os.File) File
	signer   Signer
	mirror   bool // OpenMirror: never write a line of its own
	ctx      context.Context
}

// WithActor names the writer in the lock so others see who holds it (default
// $USER@hostname). Each Append names its own actor.
func WithActor(actor string) Option { return func(o *options) { o.actor = actor } }

// WithLockWait makes Create and Open wait up to d for a lock another writer holds,
// instead of failing at once with a *LockedError.
func WithLockWait(d time.Duration) Option { return func(o *options) { o.lockWait = d } }

// WithContext makes the reads the journal does for its caller (Events, EventsAfter)
// end with ctx's error once ctx is done: Ctrl+C on a command that folds a huge
// journal. Appends are not cut short by it.
func WithContext(ctx context.Context) Option {
	return func(o *options) {
		if ctx != nil {
			o.ctx = ctx
		}
	}
}

// WithClock sets the clock events are stamped with (default time.Now). The zone of
// the times it returns is recorded as the event's tz.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithFile wraps the journal file the writer appends to, for fault injection in tests.
func WithFile(wrap func(*os.File) File) Option { return func(o *options) { o.wrap = wrap } }

// Recovery is the data of a TypeRecovered event: the bytes of a torn last line that
// Open found, kept in a side file in the incident directory.
type Recovery struct {
	File   string `json:"file"`   // side file name, journal.torn-<seq>-<unix>.bin
	Bytes  int64  `json:"bytes"`  // how many bytes it holds
	SHA256 string `json:"sha256"` // their hex SHA-256
	Offset int64  `json:"offset"` // where they started in journal.jsonl
}

// Journal is the writer of one incident's journal. It holds the incident's lock until
// Close. Its methods are safe for concurrent use.
type Journal struct {
	mu         sync.Mutex
	dir        string
	f          *os.File // journal.jsonl
	w          File     // f, or the WithFile wrapper around it
	head       *os.File
	lock       *os.File
	now        func() time.Time
	size       int64  // end of the last good line
	seq        uint64 // of the last good line
	hash       string // of the last good line, Genesis when empty
	fault      error  // a failed write that could not be undone yet
	closed     bool
	h          *lineHasher
	buf        []byte
	recoveries []Recovery
	signer     *signer // nil when lines are not signed
	mirror     bool    // a shared store's mirror (OpenMirror)
	ctx        context.Context
}

func newOptions(opts []Option) options {
	o := options{now: time.Now, ctx: context.Background()}
	for _, opt := range opts {
		opt(&o)
	}
	if o.actor == "" {
		o.actor = defaultActor()
	}
	return o
}

func defaultActor() string {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

func holder(o options) Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Actor: o.actor, Host: host, Since: o.now().UTC()}
}

// Create makes a new incident directory dir (0700, parents too) holding an empty
// journal.jsonl (0600), journal.head and attachments/, takes the writer lock and
// fsyncs the files and the directory entries before it returns. dir must not exist.
func Create(dir string, opts ...Option) (*Journal, error) {
	o := newOptions(opts)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, dirPerm); err != nil {
		return nil, fmt.Errorf("create incident directory: %w", err)
	}
	if err := os.Mkdir(dir, dirPerm); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create incident %s: it already exists", dir)
		}
		return nil, fmt.Errorf("create incident directory: %w", err)
	}
	j, err := create(dir, o)
	if err != nil {
		os.RemoveAll(dir) // nothing in it was ever handed out
		return nil, err
	}
	return j, nil
}

func create(dir string, o options) (*Journal, error) {
	lk, err := lock(dir, holder(o), o.lockWait)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Journal, error) {
		unlock(lk)
		return nil, fmt.Errorf("create incident %s: %w", dir, err)
	}
	if err := os.Mkdir(filepath.Join(dir, AttachDir), dirPerm); err != nil {
		return fail(err)
	}
	f, err := openNoFollow(filepath.Join(dir, FileName), os.O_RDWR|os.O_CREATE|os.O_EXCL, false)
	if err != nil {
		return fail(err)
	}
	head, err := openNoFollow(filepath.Join(dir, HeadName), os.O_RDWR|os.O_CREATE|os.O_EXCL, false)
	if err != nil {
		f.Close()
		return fail(err)
	}
	j := newJournal(dir, o, f, head, lk)
	err = errors.Join(f.Sync(), writeHead(head, 0, Genesis), head.Sync(),
		syncDir(dir), syncDir(filepath.Dir(dir)))
	if err == nil && o.signer != nil {
		j.signer, err = openSigner(dir, o.signer)
	}
	if err != nil {
		j.closeFiles()
		return nil, fmt.Errorf("create incident %s: %w", dir, err)
	}
	return j, nil
}

func newJournal(dir string, o options, f, head, lk *os.File) *Journal {
	j := &Journal{dir: dir, f: f, w: f, head: head, lock: lk, now: o.now, hash: Genesis, h: newLineHasher(), ctx: o.ctx}
	if o.wrap != nil {
		j.w = o.wrap(f)
	}
	return j
}

// Open opens an existing incident's journal for writing. It takes the writer lock
// (a *LockedError names the holder if another process has it), recovers a torn last
// line (see Recoveries) and loads the last seq and hash. It refuses a journal whose
// last complete line is damaged or that is shorter than journal.head records.
func Open(dir string, opts ...Option) (*Journal, error) {
	o := newOptions(opts)
	path := filepath.Join(dir, FileName)
	if st, err := os.Lstat(path); err != nil {
		return nil, fmt.Errorf("open incident journal: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open incident journal: %w", &NotRegularError{Path: path, What: modeName(st.Mode())})
	}
	lk, err := lock(dir, holder(o), o.lockWait)
	if err != nil {
		return nil, err
	}
	f, err := openNoFollow(path, os.O_RDWR, false)
	if err != nil {
		unlock(lk)
		return nil, fmt.Errorf("open incident journal: %w", err)
	}
	head, err := openNoFollow(filepath.Join(dir, HeadName), os.O_RDWR|os.O_CREATE, false)
	if err != nil {
		f.Close()
		unlock(lk)
		return nil, fmt.Errorf("open incident journal: %w", err)
	}
	j := newJournal(dir, o, f, head, lk)
	j.mirror = o.mirror
	if o.signer != nil {
		if j.signer, err = openSigner(dir, o.signer); err != nil {
			j.closeFiles()
			return nil, err
		}
	}
	if err := j.load(); err != nil {
		j.closeFiles()
		return nil, err
	}
	return j, nil
}

// load finds the last complete line, checks it against journal.head, recovers a torn
// tail and any recovery an earlier crash interrupted, and brings journal.head up to date.
func (j *Journal) load() error {
	path := filepath.Join(j.dir, FileName)
	st, err := j.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	start, end, err := lastLine(j.f, size)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if end > 0 {
		if end-start > MaxLineSize {
			return fmt.Errorf("%s: the last complete line (at byte %d) is longer than %d bytes; run verify", path, start, MaxLineSize)
		}
		line := make([]byte, end-start)
		if _, err := j.f.ReadAt(line, start); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		e, err := DecodeLine(line)
		if err != nil {
			return fmt.Errorf("%s: the last complete line (at byte %d) is damaged: %v; run verify", path, start, err)
		}
		j.seq, j.hash = e.Seq, e.Hash
	}
	j.size = end
	if hd, err := readHead(j.dir); err == nil {
		switch {
		case hd.Seq > j.seq:
			return fmt.Errorf("%s ends at seq %d but %s records seq %d: lines were removed from its end; run verify",
				path, j.seq, HeadName, hd.Seq)
		case hd.Seq == j.seq && hd.Hash != j.hash:
			return fmt.Errorf("%s: the last line (seq %d) differs from the one %s records; run verify",
				path, j.seq, HeadName)
		}
	}
	removeTemps(j.dir)
	if j.mirror {
		if size > end {
			if err := j.cutTail(end); err != nil {
				return fmt.Errorf("cut the torn end of %s: %w", path, err)
			}
		}
		writeHead(j.head, j.seq, j.hash)
		return nil
	}
	if size > end {
		if err := j.recoverTail(end, size); err != nil {
			return fmt.Errorf("recover the torn end of %s: %w", path, err)
		}
	}
	if err := j.recordOrphans(); err != nil {
		return fmt.Errorf("recover the torn end of %s: %w", path, err)
	}
	writeHead(j.head, j.seq, j.hash)
	return nil
}

// lastLine returns the offsets of the last line ending in a newline: [start, end).
// end is 0 when the file holds no complete line.
func lastLine(f *os.File, size int64) (start, end int64, err error) {
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	found := false
	for pos := size; pos > 0; {
		n := int64(chunk)
		if pos < n {
			n = pos
		}
		pos -= n
		b := buf[:n]
		if _, err := f.ReadAt(b, pos); err != nil {
			return 0, 0, err
		}
		for {
			i := bytes.LastIndexByte(b, '\n')
			if i < 0 {
				break
			}
			if !found {
				found, end = true, pos+int64(i)+1
				b = b[:i]
				continue
			}
			return pos + int64(i) + 1, end, nil
		}
		if found && end-pos > MaxLineSize+1 {
			return pos, end, nil // longer than any line; the caller reports it
		}
	}
	return 0, end, nil
}

// recoverTail moves the bytes after the last complete line into a side file, cuts
// them off and appends a recovered event. The side file is durable before the cut, so
// a crash at any point loses nothing: a crash before the cut finds the same tail again
// (and reuses an identical side file), a crash after it leaves a side file that
// recordOrphans records.
func (j *Journal) recoverTail(end, size int64) error {
	next := j.seq + 1
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(j.f, end, size-end)); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	name := ""
	for _, old := range sideFiles(j.dir, next) {
		if s, n, err := hashFile(filepath.Join(j.dir, old)); err == nil && s == sum && n == size-end {
			name = old
			break
		}
	}
	if name == "" {
		var err error
		if name, err = j.writeSideFile(next, end, size); err != nil {
			return err
		}
	}
	if err := j.f.Truncate(end); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.size = end
	return j.appendRecovered(Recovery{File: name, Bytes: size - end, SHA256: sum, Offset: end})
}

func (j *Journal) writeSideFile(next uint64, end, size int64) (string, error) {
	unix := j.now().Unix()
	name := ""
	for {
		name = fmt.Sprintf("%s%d-%d%s", tornPre, next, unix, tornSuf)
		if _, err := os.Lstat(filepath.Join(j.dir, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
		unix++
	}
	tmp := filepath.Join(j.dir, name+".tmp")
	out, err := openNoFollow(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, false)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, io.NewSectionReader(j.f, end, size-end))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(j.dir, name))
	}
	if err == nil {
		err = syncDir(j.dir)
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return name, nil
}

// recordOrphans appends the recovered event for side files a crash left unrecorded:
// those no recovered event names. The usual orphan is named for the seq the next event
// takes (a crash between the cut and the event); but when the recovered event itself
// was then torn, the next Open recovers that first and the orphan is named for an
// earlier seq, so every side file is checked against the journal's recovered events.
func (j *Journal) recordOrphans() error {
	all := sideFiles(j.dir, 0)
	if len(all) == 0 {
		return nil
	}
	named, err := recordedSideFiles(j.dir)
	if err != nil {
		return err
	}
	for _, name := range all {
		if named[name] {
			continue
		}
		sum, n, err := hashFile(filepath.Join(j.dir, name))
		if err != nil {
			return err
		}
		if err := j.appendRecovered(Recovery{File: name, Bytes: n, SHA256: sum, Offset: j.size}); err != nil {
			return err
		}
	}
	return nil
}

func (j *Journal) appendRecovered(r Recovery) error {
	data, err := marshalData(r)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	if _, err := j.append("muster@"+host, TypeRecovered, data); err != nil {
		return err
	}
	j.recoveries = append(j.recoveries, r)
	return nil
}

// recordedSideFiles returns the side files the journal's recovered events name.
func recordedSideFiles(dir string) (map[string]bool, error) {
	b, err := readFileNoFollow(filepath.Join(dir, FileName), 0)
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	var f lineFields
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		line := b[:i+1]
		b = b[i+1:]
		if parseFields(line, &f) != nil || string(f.typ) != TypeRecovered {
			continue
		}
		var r Recovery
		if json.Unmarshal(f.data, &r) == nil {
			named[r.File] = true
		}
	}
	return named, nil
}

// sideFiles lists the torn-tail side files named for seq (any seq when 0), sorted.
func sideFiles(dir string, seq uint64) []string {
	ents, _ := os.ReadDir(dir)
	pre := tornPre
	if seq > 0 {
		pre += strconv.FormatUint(seq, 10) + "-"
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, pre) && strings.HasSuffix(n, tornSuf) && e.Type().IsRegular() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// removeTemps deletes half-written copies a crash left behind: side files not yet
// renamed (their bytes are still in the journal) and incoming attachments (their
// originals are untouched).
func removeTemps(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, tornPre) && strings.HasSuffix(n, tornSuf+".tmp") {
			os.Remove(filepath.Join(dir, n))
		}
	}
	ents, _ = os.ReadDir(filepath.Join(dir, AttachDir))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), incomingPre) {
			os.Remove(filepath.Join(dir, AttachDir, e.Name()))
		}
	}
}

// Recoveries lists the torn writes Open recovered.
func (j *Journal) Recoveries() []Recovery {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Recovery(nil), j.recoveries...)
}

// Dir returns the incident directory.
func (j *Journal) Dir() string { return j.dir }

// MoveTo renames the journal's directory to dir, which must not exist (it is never
// replaced: fs.ErrExist), and goes on writing there: the open files move with it. An
// incident is built in a hidden directory and moved into place once complete, so a
// crash half-way never leaves a half-made incident where it would be listed.
func (j *Journal) MoveTo(dir string) error {
	if err := renameNoReplace(j.dir, dir); err != nil {
		return fmt.Errorf("move incident %s into place: %w", filepath.Base(dir), err)
	}
	j.dir = dir
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("move incident %s into place: %w", filepath.Base(dir), err)
	}
	return nil
}

// Last returns the seq and hash of the last event (0 and Genesis when empty).
func (j *Journal) Last() (seq uint64, hash string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.hash
}

// Events reads every event; with the lock held it sees everything appended. The
// context of WithContext ends it early.
func (j *Journal) Events() ([]Event, error) { return ReadAllContext(j.ctx, j.dir) }

// Append writes one event: data (anything encoding/json encodes to an object; nil
// means {}) by actor, of type typ. It returns only after the line is fsync'd. On an
// error nothing was saved and the journal is as before; if the partial write could not
// be undone, further appends retry the undo first and fail until it succeeds (or the
// journal is reopened, which recovers the partial line as a torn write).
func (j *Journal) Append(actor, typ string, data any) (Event, error) {
	payload, err := marshalData(data)
	if err != nil {
		return Event{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return Event{}, ErrClosed
	}
	return j.append(actor, typ, payload)
}

func marshalData(data any) ([]byte, error) {
	if data == nil {
		return []byte("{}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, fmt.Errorf("encode event data: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("event data must be a JSON object, not %.40s", b)
	}
	return b, nil
}

// append writes a line with the compact JSON object payload; j.mu is held.
func (j *Journal) append(actor, typ string, payload []byte) (Event, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, err
	}
	if err := checkType(typ); err != nil {
		return Event{}, err
	}
	path := filepath.Join(j.dir, FileName)
	if j.fault != nil {
		if err := j.restore(); err != nil {
			return Event{}, fmt.Errorf("append to %s: an earlier failed write could not be undone (%v); nothing was saved", path, err)
		}
	}
	t := j.now()
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return Event{}, fmt.Errorf("append to %s: the clock reads year %d", path, y)
	}
	seq := j.seq + 1
	j.buf = appendLine(j.buf[:0], j.h, j.hash, seq, t, actor, typ, payload)
	line := j.buf
	if len(line) > MaxLineSize {
		return Event{}, fmt.Errorf("event %s is %d bytes, more than the %d a line may hold; attach large evidence as a file",
			typ, len(line), MaxLineSize)
	}
	n, err := j.w.WriteAt(line, j.size)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return Event{}, j.fail(seq, "write", err)
	}
	if err := j.w.Sync(); err != nil {
		return Event{}, j.fail(seq, "fsync", err)
	}
	hash := string(line[hashOff : hashOff+hexLen])
	e := Event{
		Prev: j.hash, Hash: hash, Seq: seq, Schema: Schema, Time: t.UTC(),
		TZ: string(formatTZ(nil, zoneOffset(t))), Actor: actor, Type: typ,
		Data: json.RawMessage(bytes.Clone(payload)), Line: int(seq),
	}
	j.size += int64(len(line))
	j.seq, j.hash = seq, hash
	if j.signer != nil {
		j.signer.add(seq, hash)
	}
	// journal.head lets Verify notice lines cut from the end. It is advisory: written
	// after the fsync, never ahead of the journal, and not fsync'd itself.
	writeHead(j.head, j.seq, j.hash)
	return e, nil
}

func zoneOffset(t time.Time) int { _, off := t.Zone(); return off }

// fail undoes a failed append and builds its error.
func (j *Journal) fail(seq uint64, op string, err error) error {
	path := filepath.Join(j.dir, FileName)
	if uerr := j.restore(); uerr != nil {
		return fmt.Errorf("append event %d to %s: %s: %w; undoing the partial write also failed (%v): "+
			"appends are refused until it can be undone or the journal is reopened", seq, path, op, err, uerr)
	}
	return fmt.Errorf("append event %d to %s: %s: %w; nothing was saved", seq, path, op, err)
}

// restore cuts the journal back to the last good line and makes that durable.
func (j *Journal) restore() error {
	err := j.w.Truncate(j.size)
	if err == nil {
		err = j.w.Sync()
	}
	j.fault = err
	return err
}

// Close releases the lock and closes the files.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	if j.fault != nil {
		j.restore()
	}
	return j.closeFiles()
}

func (j *Journal) closeFiles() error {
	var err error
	if j.signer != nil {
		err = j.signer.close()
	}
	return errors.Join(err, j.f.Close(), j.head.Close(), unlock(j.lock))
}

// head is the content of journal.head.
type head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// writeHead rewrites journal.head in place with one fixed-size write.
func writeHead(f *os.File, seq uint64, hash string) error {
	b := make([]byte, 0, headSize)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"hash":"`...)
	b = append(b, hash...)
	b = append(b, `"}`...)
	for len(b) < headSize-1 {
		b = append(b, ' ')
	}
	b = append(b, '\n')
	_, err := f.WriteAt(b, 0)
	return err
}

// readHead reads journal.head. A read that races the writer's in-place rewrite may see
// a mix, which fails to parse (or, rarely, names a hash that does not fit); callers
// retry.
func readHead(dir string) (head, error) {
	b, err := readFileNoFollow(filepath.Join(dir, HeadName), 4*headSize)
	if err != nil {
		return head{}, err
	}
	var h head
	if err := json.Unmarshal(b, &h); err != nil {
		return head{}, fmt.Errorf("%s is unreadable: %v", HeadName, err)
	}
	if len(h.Hash) != hexLen || badHex([]byte(h.Hash)) >= 0 {
		return head{}, fmt.Errorf("%s is unreadable: hash %q is not 64 hex digits", HeadName, h.Hash)
	}
	return h, nil
}

// syncDir fsyncs a directory so the entries created in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// hashFile returns the hex SHA-256 and size of a file, streaming it.
func hashFile(path string) (string, int64, error) {
	f, err := openNoFollow(path, os.O_RDONLY, false)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
