package journal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sigCheck is what Verify knows of signatures; the workers read it concurrently once
// prepare has run.
type sigCheck struct {
	entries []sigRef   // journal.sigs, in file order
	groups  []sigGroup // format 2 entries by key
	index   sigIndex   // entries by seq
	status  []sigStatus
	checked map[int32]*sigChecked // by entry
	file    *os.File              // journal.sigs, open until prepare is done
	checker SignatureChecker
	require bool
}

// sigRef is a journal.sigs entry as Verify keeps it: small, so that 100,000 of them
// stay in the caches; the rest is read again from the file for the few entries whose
// signature is checked.
type sigRef struct {
	seq    uint64
	prefix [2]uint64 // the hash's first 16 characters
	off    int64     // of the line in journal.sigs
	size   int32
	group  int32 // index in groups; -1 in format 1
}

// sigChecked is the whole hash of an entry whose signature is checked (all of format
// 1, the newest of each key, those checked one by one), and the signature of format 1.
type sigChecked struct {
	hash []byte
	sig  []byte
}

// sigGroup is the format 2 entries of one key.
type sigGroup struct {
	key    string
	nums   []byte // the seqs of its entries, as claims hashes them
	newest int32
}

// sigStatus is what prepare found of a format 2 entry.
type sigStatus struct {
	// holder names who signed a line (see SignatureChecker.CheckMessage); nil when
	// the entry's signature is not good.
	holder func(actor string, at time.Time) (string, bool, error)
	bad    string // why the signature is not good
	note   string // a problem of a good signature (its claims differ)
}

// hashPrefix packs the first 16 characters of a hash.
func hashPrefix(h []byte) [2]uint64 {
	return [2]uint64{binary.LittleEndian.Uint64(h), binary.LittleEndian.Uint64(h[8:])}
}

// sigIndex finds the entries of a seq: a slice by seq when seqs are dense, as
// journal.sigs written by muster are, else a map.
type sigIndex struct {
	dense  []int32 // 1 + the first entry naming the seq; 0 none
	sparse map[uint64]int32
	next   []int32 // 1 + the next entry naming the same seq
}

func (x *sigIndex) build(entries []sigRef) {
	var top uint64
	for i := range entries {
		top = max(top, entries[i].seq)
	}
	if top <= 2*uint64(len(entries))+4096 {
		x.dense = make([]int32, top+1)
	} else {
		x.sparse = make(map[uint64]int32, len(entries))
	}
	x.next = make([]int32, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		seq := entries[i].seq
		if x.dense != nil {
			x.next[i], x.dense[seq] = x.dense[seq], int32(i+1)
		} else {
			x.next[i], x.sparse[seq] = x.sparse[seq], int32(i+1)
		}
	}
}

func (x *sigIndex) first(seq uint64) int32 {
	if x.dense != nil {
		if seq < uint64(len(x.dense)) {
			return x.dense[seq]
		}
		return 0
	}
	return x.sparse[seq]
}

// readSigs reads journal.sigs in dir into sc (its complete lines; an unterminated
// last line is a signature being written) and returns the problems of lines that do
// not parse. sc.file stays open for prepare.
func (sc *sigCheck) read(dir string) ([]Problem, error) {
	f, err := openNoFollow(filepath.Join(dir, SigName), os.O_RDONLY, false)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sc.file = f
	sc.checked = map[int32]*sigChecked{}
	if st, err := f.Stat(); err == nil {
		sc.entries = make([]sigRef, 0, min(st.Size()/300+16, 1<<22))
	}
	var (
		problems []Problem
		off      int64
		lastKey  []byte
		last     int32 = -1
		byKey          = map[string]int32{}
		overlong bool
	)
	br := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			overlong = true
			off += int64(len(line))
			n--
			continue
		}
		if err != nil {
			if err == io.EOF {
				break
			}
			return problems, fmt.Errorf("%s: %w", SigName, err)
		}
		at := off
		off += int64(len(line))
		if overlong {
			overlong = false
			problems = append(problems, Problem{File: SigName, What: fmt.Sprintf("line %d: line is longer than %d bytes", n, maxSigLine)})
			continue
		}
		e, perr := scanSigEntry(line, lastKey)
		if perr != nil {
			problems = append(problems, Problem{File: SigName, What: fmt.Sprintf("line %d: %v", n, perr)})
			continue
		}
		ref := sigRef{seq: e.seq, prefix: hashPrefix(e.hash), off: at, size: int32(len(line)), group: -1}
		if e.key == nil {
			sc.checked[int32(len(sc.entries))] = &sigChecked{hash: bytes.Clone(e.hash), sig: e.sig}
		} else {
			if last < 0 || !bytes.Equal(e.key, lastKey) {
				g, ok := byKey[string(e.key)]
				if !ok {
					g = int32(len(sc.groups))
					byKey[string(e.key)] = g
					sc.groups = append(sc.groups, sigGroup{key: string(e.key)})
				}
				last, lastKey = g, append(lastKey[:0], e.key...)
			}
			ref.group = last
			g := &sc.groups[last]
			g.nums = strconv.AppendUint(g.nums, e.seq, 10)
			g.nums = append(g.nums, '\n')
			g.newest = int32(len(sc.entries))
		}
		sc.entries = append(sc.entries, ref)
	}
	return problems, nil
}

// raw reads entry i's line again.
func (sc *sigCheck) raw(i int32) (sigEntry, error) {
	r := &sc.entries[i]
	buf := make([]byte, r.size)
	if _, err := sc.file.ReadAt(buf, r.off); err != nil {
		return sigEntry{}, fmt.Errorf("%s: %w", SigName, err)
	}
	e, err := parseSigEntry(buf)
	if err == nil && (e.seq != r.seq || hashPrefix(e.hash) != r.prefix) {
		err = fmt.Errorf("%s changed while it was read", SigName)
	}
	return e, err
}

// prepare checks the format 2 signatures before the lines are read: per key, the
// newest signature, over the seqs of all the key's entries as journal.sigs lists
// them. When it holds, every entry of the key is vouched for by it; when it does not,
// the entries are checked one by one from the newest back to the newest good one,
// which vouches for those before it. It closes journal.sigs.
func (sc *sigCheck) prepare() {
	defer func() {
		if sc.file != nil {
			sc.file.Close()
		}
	}()
	sc.index.build(sc.entries)
	if sc.checker == nil || len(sc.groups) == 0 {
		return
	}
	sc.status = make([]sigStatus, len(sc.entries))
	for gi := range sc.groups {
		g := &sc.groups[gi]
		sum := sha256.Sum256(g.nums)
		claims := hex.AppendEncode(nil, sum[:])
		e, err := sc.raw(g.newest)
		if err == nil && bytes.Equal(e.claims, claims) {
			sc.checked[g.newest] = &sigChecked{hash: bytes.Clone(e.hash)}
			holder, err := sc.checkEntry(&e, claims)
			if err == nil || unknownKey(err) {
				for i := range sc.entries {
					if sc.entries[i].group == int32(gi) {
						if err == nil {
							sc.status[i].holder = holder
						} else {
							// The newest signature is good and vouches for the others:
							// all by a key the allowed signers do not list.
							sc.status[i].bad = "bad signature: " + err.Error()
						}
					}
				}
				continue
			}
		}
		sc.oneByOne(int32(gi))
	}
}

// unknownKey says whether a SignatureChecker's error is about a good signature by a
// key it does not list (an error with an UnknownKey method that says so, as
// sshsig.ErrUnknownKey has).
func unknownKey(err error) bool {
	var u interface{ UnknownKey() bool }
	return errors.As(err, &u) && u.UnknownKey()
}

// checkEntry checks e's signature over its seq, hash and the given claims.
func (sc *sigCheck) checkEntry(e *sigEntry, claims []byte) (func(string, time.Time) (string, bool, error), error) {
	sig, err := decodeSig(e.sig)
	if err != nil {
		return nil, err
	}
	var msg [128]byte
	return sc.checker.CheckMessage(appendClaimMessage(msg[:0], e.seq, e.hash, claims), sig, string(e.key))
}

// oneByOne checks the entries of group gi one by one, from the newest back to the
// newest good one.
func (sc *sigCheck) oneByOne(gi int32) {
	var g []int32
	for i := range sc.entries {
		if sc.entries[i].group == gi {
			g = append(g, int32(i))
		}
	}
	claims := make([][]byte, len(g))
	h := sha256.New()
	var num []byte
	for k, i := range g {
		num = strconv.AppendUint(num[:0], sc.entries[i].seq, 10)
		h.Write(append(num, '\n'))
		claims[k] = hex.AppendEncode(nil, h.Sum(nil))
	}
	good := -1
	var holder func(string, time.Time) (string, bool, error)
	stored := make([][]byte, len(g))
	for k := len(g) - 1; k >= 0; k-- {
		st := &sc.status[g[k]]
		e, err := sc.raw(g[k])
		if err != nil {
			st.bad = "bad signature: " + err.Error()
			continue
		}
		sc.checked[g[k]] = &sigChecked{hash: bytes.Clone(e.hash)}
		stored[k] = bytes.Clone(e.claims)
		same := bytes.Equal(e.claims, claims[k])
		hd, err := sc.checkEntry(&e, e.claims)
		if err == nil && same {
			good, holder = k, hd
			break
		}
		if err == nil {
			st.holder = hd // good, but over other claims: noted below
			continue
		}
		if !same {
			if hd, err2 := sc.checkEntry(&e, claims[k]); err2 == nil {
				good, holder = k, hd // only the claims field was edited
				break
			}
		}
		st.bad = "bad signature: " + err.Error()
	}
	for k := 0; k <= good; k++ {
		sc.status[g[k]].holder = holder
	}
	for k := good + 1; k < len(g); k++ {
		if stored[k] != nil && !bytes.Equal(stored[k], claims[k]) {
			sc.status[g[k]].note = fmt.Sprintf("key %s signed this line claiming other lines of its own before it than %s lists: a signature of this key before seq %d was removed, added or moved", sc.groups[gi].key, SigName, sc.entries[g[k]].seq)
			break
		}
	}
}

// sigResult is what a worker found of one line's signatures.
type sigResult struct {
	n int // signatures naming the line's seq
	// principal and more are the principals of the valid signatures (checked), or
	// "" per signature (unchecked); one is the rule, so it takes no allocation.
	principal string
	more      []string
	valid     int
	bad       []string // what is wrong with the others
}

func (r *sigResult) add(p string) {
	if r.valid == 0 {
		r.principal = p
	} else {
		r.more = append(r.more, p)
	}
	r.valid++
}

// principals lists them.
func (r *sigResult) principals() []string {
	if r.valid == 0 {
		return nil
	}
	return append([]string{r.principal}, r.more...)
}

// actorCache keeps a worker's last actor as a string: runs of lines by one actor
// are the rule.
type actorCache struct {
	raw []byte
	s   string
}

func (c *actorCache) get(f *lineFields) string {
	if !bytes.Equal(c.raw, f.actor) || c.raw == nil {
		c.raw = append(c.raw[:0], f.actor...)
		c.s = string(f.actor)
		if f.actorEsc {
			c.s = unescape(f.actor)
		}
	}
	return c.s
}

// line checks the signatures naming f's seq against the line, written at unixNano.
func (sc *sigCheck) line(f *lineFields, unixNano int64, actors *actorCache) sigResult {
	i := sc.index.first(f.seq)
	if i == 0 {
		return sigResult{}
	}
	var r sigResult
	for ; i != 0; i = sc.index.next[i-1] {
		e := &sc.entries[i-1]
		r.n++
		// The whole hash of the entries whose signature was checked; the first 16
		// characters of those a newer signature vouches for, whose hash the newer
		// one's covers (the chain is checked beside).
		ck := sc.checked[i-1]
		if e.prefix != hashPrefix(f.hash) || ck != nil && !bytes.Equal(ck.hash, f.hash) {
			r.bad = append(r.bad, fmt.Sprintf("%s holds a signature of seq %d over another hash, not this line's hash (the line was rewritten after it was signed)", SigName, f.seq))
			continue
		}
		if sc.checker == nil {
			r.add("")
			continue
		}
		actor := actors.get(f)
		at := time.Unix(0, unixNano).UTC()
		var (
			p   string
			ok  bool
			err error
		)
		if e.group < 0 {
			p, ok, err = sc.checker.CheckSignature(string(ck.hash), ck.sig, actor, at)
		} else {
			st := &sc.status[i-1]
			if st.note != "" {
				r.bad = append(r.bad, st.note)
			}
			if st.holder == nil {
				r.bad = append(r.bad, st.bad)
				continue
			}
			p, ok, err = st.holder(actor, at)
		}
		switch {
		case err != nil:
			r.bad = append(r.bad, "bad signature: "+err.Error())
			continue
		case !ok && string(f.typ) != TypeRecovered:
			// recovered events name muster itself as actor; the key says who ran it.
			r.bad = append(r.bad, fmt.Sprintf("actor %q is not among the principals %q of the key that signed the line", actor, p))
		}
		r.add(p)
	}
	return r
}

// signed takes one intact-or-not parsed line's signature result, in line order.
func (v *verifier) signed(res sigResult, seq uint64) {
	for _, b := range res.bad {
		v.problem(Problem{Line: v.line, Seq: seq, What: b})
	}
	if res.valid == 0 {
		if len(res.bad) > 0 {
			return // a problem already
		}
		r := v.r
		if n := len(r.Unsigned); n > 0 && r.Unsigned[n-1].To == v.line-1 {
			r.Unsigned[n-1].To = v.line
		} else {
			r.Unsigned = append(r.Unsigned, LineRange{v.line, v.line})
		}
		if v.sig.require {
			v.problem(Problem{Line: v.line, Seq: seq, What: "not signed, and every line must be"})
		}
		return
	}
	if v.signers == nil {
		v.signers = map[string]int{}
	}
	if res.valid == 1 {
		v.signers[res.principal]++
		return
	}
	ps := res.principals()
	for i, p := range ps {
		if !slices.Contains(ps[:i], p) {
			v.signers[p]++
		}
	}
}

// finishSigs lists the signers and reports signatures for lines the journal lacks.
func (v *verifier) finishSigs() {
	for p, n := range v.signers {
		if p == "" && v.sig.checker == nil {
			continue // unchecked: counted in Signatures only
		}
		v.r.Signers = append(v.r.Signers, SignerLines{Principal: p, Lines: n})
	}
	sort.Slice(v.r.Signers, func(a, b int) bool { return v.r.Signers[a].Principal < v.r.Signers[b].Principal })
	var beyond []uint64
	for i := range v.sig.entries {
		if seq := v.sig.entries[i].seq; seq > v.r.LastSeq && !slices.Contains(beyond, seq) {
			beyond = append(beyond, seq)
		}
	}
	if len(beyond) > 0 {
		slices.Sort(beyond)
		s := make([]string, len(beyond))
		for i, seq := range beyond {
			s[i] = strconv.FormatUint(seq, 10)
		}
		v.problem(Problem{File: SigName, What: fmt.Sprintf("signatures for seq %s, which the journal does not hold (lines were removed from its end)", strings.Join(s, ", "))})
	}
}
