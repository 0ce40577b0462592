package journal

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// TimeTolerance is how far a line's time may be before the line its actor wrote last.
// Clocks step (NTP corrections, a laptop resuming, a VM migrated); 5 minutes is the
// skew Kerberos tolerates by default. Lines are compared per actor: in a team
// incident the lines of machines whose clocks differ interleave in the store's
// order, and that is no sign of a forged clock. A line further back than this from
// its actor's previous line was written with a wrong or forged clock, and verify
// reports it.
const TimeTolerance = 5 * time.Minute

// maxProblems caps how many problems a Report keeps; Omitted counts the rest.
const maxProblems = 1000

// Recovered is a torn write that Open recovered, as Verify found it.
type Recovered struct {
	Line int    `json:"line"` // of the recovered event
	Seq  uint64 `json:"seq"`
	Recovery
}

// Report is what Verify found.
type Report struct {
	Dir    string `json:"dir"`
	Events int    `json:"events"` // complete lines read
	Bytes  int64  `json:"bytes"`  // their total size
	// LastSeq and LastHash identify the last line; quote LastHash to pin the journal.
	LastSeq  uint64 `json:"last_seq"`
	LastHash string `json:"last_hash"`
	// Attachments is the number of distinct blobs re-hashed.
	Attachments int `json:"attachments"`
	// Recovered lists the torn writes Open recovered (not problems by themselves).
	Recovered []Recovered `json:"recovered,omitempty"`
	// Tail is the size of an unterminated last line: a write in progress, or a torn
	// write the next Open recovers. Not a problem by itself.
	Tail int64 `json:"tail,omitempty"`
	// Unrecorded lists side files of a recovery a crash interrupted before its event
	// was written; the next Open records them.
	Unrecorded []string `json:"unrecorded,omitempty"`
	// Problems are in line order, problems not about a line last.
	Problems []Problem `json:"problems,omitempty"`
	// Omitted counts problems beyond the first 1000, which are not listed.
	Omitted int `json:"omitted,omitempty"`
	// Signatures counts the entries of journal.sigs.
	Signatures int `json:"signatures"`
	// SignaturesChecked is set when signatures were checked against allowed signers.
	SignaturesChecked bool `json:"signatures_checked"`
	// Signers counts the lines each principal signed (checked signatures only), by
	// principal.
	Signers []SignerLines `json:"signers,omitempty"`
	// Unsigned lists the lines without a signature (checked or not), as ranges.
	Unsigned []LineRange `json:"unsigned,omitempty"`
	// LastTime is the time of the last line.
	LastTime time.Time `json:"last_time"`
	// HeadsMatched lists the seqs of the expected heads the journal holds.
	HeadsMatched []uint64 `json:"heads_matched,omitempty"`
	// Timestamps lists the stored RFC 3161 timestamps (journal.ts-<seq>.tsr); one
	// whose line differs, whose token does not hold or whose TSA is not trusted is
	// also a problem.
	Timestamps []Timestamp `json:"timestamps,omitempty"`
}

// SignerLines is how many lines one principal signed.
type SignerLines struct {
	Principal string `json:"principal"`
	Lines     int    `json:"lines"`
}

// LineRange is lines From to To, both included.
type LineRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}

func (l LineRange) String() string {
	if l.From == l.To {
		return fmt.Sprint(l.From)
	}
	return fmt.Sprintf("%d-%d", l.From, l.To)
}

// UnsignedCount is the number of lines in r.Unsigned.
func (r Report) UnsignedCount() int {
	n := 0
	for _, u := range r.Unsigned {
		n += u.To - u.From + 1
	}
	return n
}

// SignatureChecker checks a line's signature; sshsig.AllowedSigners is one (an
// OpenSSH allowed_signers file). It returns the principal of the key that made sig
// and whether actor is one of that key's principals.
type SignatureChecker interface {
	// CheckSignature checks a signature of journal.sigs' first format, over the
	// line's hash.
	CheckSignature(hash string, sig []byte, actor string, at time.Time) (principal string, actorOK bool, err error)
	// CheckMessage checks a signature over msg (a ClaimMessage) made by the key with
	// fingerprint key, and returns who that key signs for: the principal of a line
	// written by actor at a time, whether actor is among its principals, or why the
	// key may not sign at that time. A good signature by a key the checker does not
	// list is an error with an UnknownKey() bool method that returns true.
	CheckMessage(msg, sig []byte, key string) (func(actor string, at time.Time) (principal string, actorOK bool, err error), error)
}

// VerifyOptions adds checks to Verify.
type VerifyOptions struct {
	// Signatures checks every signature in journal.sigs; nil only counts them.
	Signatures SignatureChecker
	// RequireSigned makes every line without a valid signature a problem.
	RequireSigned bool
	// Expect lists published heads the journal must still hold, line for line.
	Expect []Head
	// TimestampRoots are the CAs a stored timestamp's TSA must chain to; nil: the
	// tokens are checked, their TSA's trust is unknown.
	TimestampRoots *x509.CertPool
}

// OK reports whether Verify found no problem.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// First returns the first problem, the first broken line when there is one.
func (r Report) First() (Problem, bool) {
	if len(r.Problems) == 0 {
		return Problem{}, false
	}
	return r.Problems[0], true
}

// Summary is one line: what is intact, or the first problem and how many follow.
func (r Report) Summary() string {
	if p, ok := r.First(); ok {
		s := p.String()
		if more := len(r.Problems) - 1 + r.Omitted; more == 1 {
			s += " (and 1 more problem)"
		} else if more > 1 {
			s += fmt.Sprintf(" (and %d more problems)", more)
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "intact: %s", count(r.Events, "event"))
	if r.Events > 0 {
		fmt.Fprintf(&b, " (seq 1-%d)", r.LastSeq)
	}
	fmt.Fprintf(&b, ", %s", count(r.Attachments, "attachment"))
	if n := len(r.Recovered); n > 0 {
		fmt.Fprintf(&b, ", %s recovered", count(n, "torn write"))
	}
	if r.Tail > 0 {
		fmt.Fprintf(&b, ", %d bytes of an unfinished last line", r.Tail)
	}
	if r.Events > 0 {
		fmt.Fprintf(&b, ", last hash %s", r.LastHash)
	}
	return b.String()
}

// blobRef is an attachment record as Verify found it.
type blobRef struct {
	line int
	seq  uint64
	a    Attachment
}

type recRef struct {
	line int
	seq  uint64
	r    Recovery
}

// verifier checks lines one by one. It keeps hashes in arrays because the lines it
// sees are slices of a reused read buffer.
type verifier struct {
	r        *Report
	line     int
	expected uint64 // the seq the next line should have
	running  [hexLen]byte
	haveRun  bool // running holds the previous line's hash
	lastHash [hexLen]byte
	headSeq  uint64
	headHash [hexLen]byte // hash found on the line with seq headSeq
	headLine int
	blobs    []blobRef
	recs     []recRef
	lastTime map[uint64]actorTime // per actor, its last parsed line; cleared after a damaged line
	sig      *sigCheck
	signers  map[string]int
	expect   *expectCheck
}

// Verify recomputes the chain of the journal in dir and the hash of every attachment
// and torn-write side file it names. It takes no lock and may run while a writer
// appends. Every problem goes into the report, in line order; the error is only for a
// directory it cannot read at all.
func Verify(dir string) (Report, error) {
	return VerifyContext(context.Background(), dir, VerifyOptions{})
}

// VerifyContext is Verify with signature checks and a context: a cancelled context
// ends it within one chunk of lines with ctx's error.
func VerifyContext(ctx context.Context, dir string, opts VerifyOptions) (Report, error) {
	r := Report{Dir: dir}
	// journal.head first: the writer updates it after the journal, so what it records
	// is in the journal read after it, unless lines were removed. journal.sigs next:
	// a signature is written after its line, so every line it names is there.
	hd, herr := readHeadRetry(dir)
	sc := &sigCheck{checker: opts.Signatures, require: opts.RequireSigned}
	sigProblems, err := sc.read(dir)
	sc.prepare()
	if err != nil {
		return r, fmt.Errorf("verify incident journal: %w", err)
	}
	f, err := openNoFollow(filepath.Join(dir, FileName), os.O_RDONLY, false)
	if err != nil {
		return r, fmt.Errorf("verify incident journal: %w", err)
	}
	defer f.Close()
	v := newVerifier(&r, hd.Seq)
	v.sig = sc
	r.Signatures = len(sc.entries)
	r.SignaturesChecked = opts.Signatures != nil
	stamps, stampProblems := readTimestamps(dir, opts.TimestampRoots)
	if len(opts.Expect) > 0 || len(stamps) > 0 {
		v.expect = &expectCheck{found: map[uint64][hexLen]byte{}}
		for _, h := range opts.Expect {
			v.expect.add(h, "")
		}
		for _, ts := range stamps {
			v.expect.add(Head{Seq: ts.Seq, Hash: ts.Hash}, ts.File)
		}
	}
	r.Timestamps = stamps
	for _, p := range stampProblems {
		v.problem(p)
	}
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	if err := v.scan(ctx, f, size); err != nil {
		return r, fmt.Errorf("verify incident journal: %w", err)
	}
	for _, p := range sigProblems {
		v.problem(p)
	}
	v.finishSigs()
	v.finishExpect(dir)
	v.finish(dir, hd, herr)
	return r, nil
}

// finish checks what the scan collected against journal.head and the files in dir,
// and sorts the problems.
func (v *verifier) finish(dir string, hd head, herr error) {
	r := v.r
	r.Events = v.line
	if v.line > 0 {
		r.LastHash = string(v.lastHash[:])
	}
	v.checkHead(dir, hd, herr)
	v.checkBlobs(dir)
	v.checkRecoveries(dir)
	sort.SliceStable(r.Problems, func(a, b int) bool {
		la, lb := r.Problems[a].Line, r.Problems[b].Line
		if la == 0 || lb == 0 {
			return la != 0 && lb == 0
		}
		return la < lb
	})
}

func newVerifier(r *Report, headSeq uint64) *verifier {
	v := &verifier{r: r, expected: 1, headSeq: headSeq, haveRun: true, sig: &sigCheck{}}
	copy(v.running[:], Genesis)
	return v
}

func readHeadRetry(dir string) (head, error) {
	var (
		h   head
		err error
	)
	for try := 0; try < 5; try++ {
		if h, err = readHead(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return h, err
		}
		time.Sleep(2 * time.Millisecond)
	}
	return h, err
}

// lineCheck is what a worker found on one line by itself; merge adds what depends on
// the lines before it (seq order, prev links). It is small so the merge, which runs
// on another CPU than the worker did, reads little.
type lineCheck struct {
	start, end int32 // the line is chunk.data[start:end]
	seq        uint64
	unixNano   int64  // the line's time
	actor      uint64 // FNV-1a of the actor as written: times are compared per actor
	err        error  // syntax
	flags      uint8
	kind       uint8 // kindAttached, kindRecovered or 0
}

const (
	flagIntact = 1 << iota // the line's own hash matches
	flagLinked             // prev matches the line before in the same chunk
)

const (
	kindAttached = 1 + iota
	kindRecovered
)

// chunk is a run of complete lines read together, or a line skipped as overlong.
type chunk struct {
	buf      []byte // owns data
	data     []byte
	checks   []lineCheck
	sigs     []sigResult // per check, when the journal has signatures
	lastRun  []byte      // the hash the line after the chunk must name as prev; nil if none
	overlong int64       // size of the skipped line; data is empty
	done     chan struct{}
}

// runHash returns the hash field a line leaves for the next line's prev to match, or
// nil when it has none usable (then the next line's prev is not checked).
func runHash(line []byte, parsed, intact bool) []byte {
	if !parsed && (len(line) <= hashOff+hexLen || !hasAt(line, 0, linePrefix) || !hasAt(line, prevOff+hexLen, hashSep)) {
		return nil
	}
	h := line[hashOff : hashOff+hexLen]
	if intact || badHex(h) < 0 {
		return h
	}
	return nil
}

// check parses and hashes every line of the chunk and checks the prev links inside
// it.
func (c *chunk) check(lh *lineHasher, sc *sigCheck) {
	c.checks = c.checks[:0]
	c.sigs = c.sigs[:0]
	var (
		f      lineFields
		run    []byte
		sum    [hexLen]byte
		actors actorCache
	)
	for pos := 0; pos < len(c.data); {
		i := bytes.IndexByte(c.data[pos:], '\n')
		line := c.data[pos : pos+i+1]
		lc := lineCheck{start: int32(pos), end: int32(pos + i + 1)}
		pos += i + 1
		if lc.err = parseFields(line, &f); lc.err != nil {
			run = runHash(line, false, false)
			c.checks = append(c.checks, lc)
			if sc.entries != nil {
				c.sigs = append(c.sigs, sigResult{})
			}
			continue
		}
		lc.seq = f.seq
		lc.unixNano = unixNano(f.time)
		lc.actor = actorKey(f.actor)
		lh.hash(line, &sum)
		intact := bytes.Equal(sum[:], f.hash)
		if intact {
			lc.flags |= flagIntact
		}
		if len(c.checks) > 0 && (run == nil || bytes.Equal(f.prev, run)) {
			lc.flags |= flagLinked
		}
		switch string(f.typ) {
		case TypeAttached:
			lc.kind = kindAttached
		case TypeRecovered:
			lc.kind = kindRecovered
		}
		run = runHash(line, true, intact)
		c.checks = append(c.checks, lc)
		if sc.entries != nil {
			c.sigs = append(c.sigs, sc.line(&f, lc.unixNano, &actors))
		}
	}
	c.lastRun = run
}

// chunkBuf is the largest read buffer, more than MaxLineSize: a full one with no
// newline holds an overlong line.
const chunkBuf = 2 << 20

// scan checks every complete line of the journal read from r (size bytes when
// opened; it may grow meanwhile). A journal of more than one chunk is read, parsed
// and hashed on all CPUs, a chunk of lines each; the checks that need the lines
// before (seq, prev) run here, in order, so the report is the same as a line-by-line
// pass. A smaller one is checked here, on this goroutine: it is one chunk, with no
// work to share, and starting workers would cost more than its lines do.
func (v *verifier) scan(ctx context.Context, r io.Reader, size int64) error {
	if size < chunkBuf {
		return v.scanHere(ctx, r, size)
	}
	return v.scanWorkers(ctx, r, size)
}

// scanWorkers is scan with workers: chunks are checked on all CPUs and merged here in
// order.
func (v *verifier) scanWorkers(ctx context.Context, r io.Reader, size int64) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	work := make(chan *chunk, workers)
	ordered := make(chan *chunk, 2*workers)
	free := make(chan *chunk, 3*workers+2)
	get := func(n int) *chunk {
		var c *chunk
		select {
		case c = <-free:
		default:
			c = &chunk{}
		}
		c.reset(n)
		c.done = make(chan struct{})
		return c
	}
	send := func(c *chunk) {
		ordered <- c
		if c.overlong > 0 {
			close(c.done)
			return
		}
		work <- c
	}
	var (
		tail    int64
		readErr error
	)
	go func() {
		tail, readErr = readChunks(ctx, r, size, get, send)
		close(work)
		close(ordered)
	}()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lh := newLineHasher()
			for c := range work {
				c.check(lh, v.sig)
				close(c.done)
			}
		}()
	}
	for c := range ordered {
		<-c.done
		v.take(c)
		select {
		case free <- c:
		default:
		}
	}
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	v.r.Tail = tail
	return nil
}

// scanHere is scan on one goroutine: each chunk is checked and merged as it is read.
// The report is the same; a journal that grew past one chunk since it was opened is
// still read to its end.
func (v *verifier) scanHere(ctx context.Context, r io.Reader, size int64) error {
	lh := newLineHasher()
	var spare []*chunk
	get := func(n int) *chunk {
		var c *chunk
		if k := len(spare); k > 0 {
			c, spare = spare[k-1], spare[:k-1]
		} else {
			c = &chunk{}
		}
		c.reset(n)
		return c
	}
	send := func(c *chunk) {
		if c.overlong == 0 {
			c.check(lh, v.sig)
		}
		v.take(c)
		spare = append(spare, c)
	}
	tail, err := readChunks(ctx, r, size, get, send)
	if err != nil {
		return err
	}
	v.r.Tail = tail
	return nil
}

// reset makes c an empty chunk with a buffer of n bytes.
func (c *chunk) reset(n int) {
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	c.buf, c.data, c.checks, c.lastRun, c.overlong, c.done = c.buf[:n], nil, c.checks[:0], nil, 0, nil
}

// take merges a checked chunk, in order.
func (v *verifier) take(c *chunk) {
	if c.overlong > 0 {
		v.overlong(c.overlong)
	}
	v.mergeChunk(c)
}

// readChunks reads r into chunks of complete lines, each from get, and hands them in
// order to send. It returns the size of an unterminated last line.
func readChunks(ctx context.Context, r io.Reader, size int64, get func(n int) *chunk, send func(*chunk)) (int64, error) {
	cur := get(int(min(chunkBuf, max(4<<10, size+4096))))
	filled, skipping := 0, int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := r.Read(cur.buf[filled:])
		filled += n
		data := cur.buf[:filled]
		if skipping > 0 {
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				o := get(0)
				o.overlong = skipping + int64(i) + 1
				send(o)
				skipping = 0
				filled = copy(cur.buf, data[i+1:])
			} else {
				skipping += int64(filled)
				filled = 0
			}
			data = cur.buf[:filled]
		}
		if last := bytes.LastIndexByte(data, '\n'); last >= 0 {
			next := get(len(cur.buf))
			filled = copy(next.buf, data[last+1:])
			cur.data = data[:last+1]
			send(cur)
			cur = next
		} else if filled == len(cur.buf) {
			if len(cur.buf) < chunkBuf {
				grown := make([]byte, min(chunkBuf, 2*len(cur.buf)))
				copy(grown, cur.buf[:filled])
				cur.buf = grown
			} else { // no newline in 2 MiB: skip to the next one
				skipping += int64(filled)
				filled = 0
			}
		}
		if err == io.EOF {
			return skipping + int64(filled), nil
		}
		if err != nil {
			return 0, err
		}
	}
}

func (v *verifier) problem(p Problem) {
	if len(v.r.Problems) >= maxProblems {
		v.r.Omitted++
		return
	}
	v.r.Problems = append(v.r.Problems, p)
}

func (v *verifier) overlong(size int64) {
	v.line++
	v.r.Bytes += size
	v.problem(Problem{Line: v.line, Seq: v.expected, What: fmt.Sprintf("line is %d bytes, longer than the %d a line may hold", size, MaxLineSize)})
	v.expected++
	v.haveRun = false
}

// mergeChunk takes the checked lines of a chunk in order: their place in the chain and
// their seq. It reads a line's bytes only when something is wrong with it or it
// names a file to check.
func (v *verifier) mergeChunk(c *chunk) {
	last := -1 // the last line that parsed
	for i := range c.checks {
		lc := &c.checks[i]
		line := c.data[lc.start:lc.end]
		v.line++
		v.r.Bytes += int64(len(line))
		if lc.err != nil {
			v.damaged(line, lc.err)
			continue
		}
		intact := lc.flags&flagIntact != 0
		linked := lc.flags&flagLinked != 0
		if i == 0 {
			linked = !v.haveRun || bytes.Equal(line[prevOff:prevOff+hexLen], v.running[:])
		}
		if !intact || !linked {
			if err := checkHex(line); err != nil {
				v.damaged(line, err)
				continue
			}
		}
		var whats []string
		switch {
		case lc.seq == v.expected:
			v.expected++
		case !intact:
			// An edited line's seq is not to be trusted: it holds the expected slot.
			whats = append(whats, fmt.Sprintf("seq %d where %d was expected", lc.seq, v.expected))
			v.expected++
		default:
			whats = append(whats, fmt.Sprintf("seq %d where %d was expected (a line is missing or out of order)", lc.seq, v.expected))
			if lc.seq > v.expected {
				v.expected = lc.seq + 1
			}
		}
		if !linked {
			whats = append(whats, fmt.Sprintf("prev does not match the hash of line %d (a line before it was removed, inserted or changed)", v.line-1))
		}
		if !intact {
			whats = append(whats, errHashMismatch.Error())
		}
		if len(whats) > 0 {
			v.problem(Problem{Line: v.line, Seq: lc.seq, What: strings.Join(whats, "; ")})
		}
		if prev, ok := v.lastTime[lc.actor]; ok && lc.unixNano < prev.unixNano-int64(TimeTolerance) {
			v.problem(Problem{Line: v.line, Seq: lc.seq, What: fmt.Sprintf(
				"time goes back %s from line %d, the same actor's line before, more than the %s tolerated (a line written with a wrong or forged clock)",
				time.Duration(prev.unixNano-lc.unixNano).Round(time.Second), prev.line, TimeTolerance)})
		}
		if v.lastTime == nil {
			v.lastTime = make(map[uint64]actorTime)
		}
		v.lastTime[lc.actor] = actorTime{unixNano: lc.unixNano, line: v.line}
		last = i
		v.r.LastSeq = lc.seq
		v.expect.note(lc.seq, line)
		if lc.seq == v.headSeq {
			copy(v.headHash[:], line[hashOff:hashOff+hexLen])
			v.headLine = v.line
		}
		if lc.kind != 0 {
			v.record(line, lc)
		}
		if v.sig.entries != nil {
			v.signed(c.sigs[i], lc.seq)
		} else {
			v.signed(sigResult{}, lc.seq)
		}
	}
	if len(c.checks) > 0 {
		v.haveRun = c.lastRun != nil
		copy(v.running[:], c.lastRun)
	}
	if last >= 0 {
		lc := c.checks[last]
		line := c.data[lc.start:lc.end]
		copy(v.lastHash[:], line[hashOff:hashOff+hexLen])
		var f lineFields
		if parseFields(line, &f) == nil {
			v.r.LastTime, _ = parseTime(f.time)
		}
	}
}

// record notes the attachment or torn-write side file an event names, for checking
// once the scan is done.
func (v *verifier) record(line []byte, lc *lineCheck) {
	var f lineFields
	if parseFields(line, &f) != nil {
		return // cannot happen: the worker parsed it
	}
	switch lc.kind {
	case kindAttached:
		var a Attachment
		if err := json.Unmarshal(f.data, &a); err != nil {
			v.problem(Problem{Line: v.line, Seq: lc.seq, What: "attachment record is unreadable: " + err.Error()})
		} else if a.Kind != KindSymlink {
			v.blobs = append(v.blobs, blobRef{v.line, lc.seq, a})
		}
	case kindRecovered:
		var rec Recovery
		if err := json.Unmarshal(f.data, &rec); err != nil {
			v.problem(Problem{Line: v.line, Seq: lc.seq, What: "recovery record is unreadable: " + err.Error()})
		} else {
			v.recs = append(v.recs, recRef{v.line, lc.seq, rec})
		}
	}
}

// damaged reports a line that does not parse. Its seq and hash are still used when
// they sit well formed at their fixed offsets, so one damaged line does not make the
// lines after it look wrong too.
func (v *verifier) damaged(line []byte, err error) {
	seq := v.expected
	if s, _, ok := parseUint(line, seqOff); ok && len(line) > seqOff && hasAt(line, hashOff+hexLen, seqSep) && s >= v.expected {
		seq = s
	}
	v.problem(Problem{Line: v.line, Seq: seq, What: "not a valid journal line: " + err.Error()})
	clear(v.lastTime)
	v.expected = seq + 1
	v.haveRun = false
	if len(line) > hashOff+hexLen && hasAt(line, 0, linePrefix) && hasAt(line, prevOff+hexLen, hashSep) &&
		badHex(line[hashOff:hashOff+hexLen]) < 0 {
		copy(v.running[:], line[hashOff:hashOff+hexLen])
		v.haveRun = true
	}
}

// checkHead compares journal.head, read before the journal, with what the scan found.
func (v *verifier) checkHead(dir string, hd head, herr error) {
	r := v.r
	switch {
	case errors.Is(herr, os.ErrNotExist):
		r.Problems = append(r.Problems, Problem{File: HeadName, What: "missing: lines cut from the end of the journal cannot be detected"})
		return
	case herr != nil:
		r.Problems = append(r.Problems, Problem{File: HeadName, What: herr.Error()})
		return
	}
	if hd.Seq > r.LastSeq {
		r.Problems = append(r.Problems, Problem{Line: v.line + 1, Seq: r.LastSeq + 1, What: fmt.Sprintf(
			"the journal ends at seq %d but %s records seq %d: lines were removed from its end", r.LastSeq, HeadName, hd.Seq)})
		return
	}
	if hd.Seq > 0 && v.headLine > 0 && string(v.headHash[:]) != hd.Hash {
		// A read racing the writer's rewrite of journal.head can see a mix: only a
		// head that reads the same again counts.
		if again, err := readHead(dir); err == nil && again == hd {
			r.Problems = append(r.Problems, Problem{Line: v.headLine, Seq: hd.Seq, What: fmt.Sprintf(
				"hash differs from the one %s records for seq %d (the line was rewritten)", HeadName, hd.Seq)})
		}
	}
}

// checkBlobs re-hashes every attachment blob once and checks it against each record
// that names it.
func (v *verifier) checkBlobs(dir string) {
	type result struct {
		sum  string
		size int64
		err  error
	}
	seen := map[string]result{}
	for _, b := range v.blobs {
		p := Problem{Line: b.line, Seq: b.seq, File: b.a.Blob}
		if !validBlobRef(b.a) {
			p.What = fmt.Sprintf("attachment record names blob %q for sha256 %q, not %s/%s/<sha256>", b.a.Blob, b.a.SHA256, AttachDir, blobDir)
			v.problem(p)
			continue
		}
		res, ok := seen[b.a.SHA256]
		if !ok {
			res.sum, res.size, res.err = hashFile(blobPath(dir, b.a.SHA256))
			seen[b.a.SHA256] = res
			if res.err == nil {
				v.r.Attachments++
			}
		}
		switch {
		case errors.Is(res.err, os.ErrNotExist):
			p.What = "attachment blob is missing"
		case res.err != nil:
			p.What = "attachment blob is unreadable: " + res.err.Error()
		case res.sum != b.a.SHA256:
			p.What = fmt.Sprintf("attachment content changed: its sha256 is now %s", res.sum)
		case res.size != b.a.Size:
			p.What = fmt.Sprintf("attachment is %d bytes, the record says %d", res.size, b.a.Size)
		default:
			continue
		}
		v.problem(p)
	}
}

// checkRecoveries checks the side file of every recovered event and lists side files
// no event names.
func (v *verifier) checkRecoveries(dir string) {
	named := map[string]bool{}
	for _, rc := range v.recs {
		named[rc.r.File] = true
		v.r.Recovered = append(v.r.Recovered, Recovered{Line: rc.line, Seq: rc.seq, Recovery: rc.r})
		p := Problem{Line: rc.line, Seq: rc.seq, File: rc.r.File}
		if filepath.Base(rc.r.File) != rc.r.File || !strings.HasPrefix(rc.r.File, tornPre) {
			p.What = "recovery record names a file outside the incident directory"
			v.problem(p)
			continue
		}
		sum, size, err := hashFile(filepath.Join(dir, rc.r.File))
		switch {
		case errors.Is(err, os.ErrNotExist):
			p.What = "side file with the recovered bytes is missing"
		case err != nil:
			p.What = "side file is unreadable: " + err.Error()
		case sum != rc.r.SHA256 || size != rc.r.Bytes:
			p.What = fmt.Sprintf("side file changed: %d bytes with sha256 %s, the record says %d bytes with %s", size, sum, rc.r.Bytes, rc.r.SHA256)
		default:
			continue
		}
		v.problem(p)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, tornPre) && strings.HasSuffix(n, tornSuf) && !named[n] {
			v.r.Unrecorded = append(v.r.Unrecorded, n)
		}
	}
}

// count is "1 event", "2 events".
func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// actorTime is where an actor's last line stands in time.
type actorTime struct {
	unixNano int64
	line     int
}

// actorKey is the FNV-1a hash of an actor as written in its line.
func actorKey(actor []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range actor {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return h
}
