package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// SigName is the sidecar file of line signatures, one line per signature:
//
//	{"seq":5,"hash":"<the line's hash>","key":"SHA256:<fingerprint>","claims":"<hex>","sig":"<base64 SSHSIG>"}
//
// The signature (namespace muster-journal) is over a short text, ClaimMessage:
//
//	muster-journal/2 seq=5 hash=<the line's hash> claims=<hex>
//
// where claims is the SHA-256 of every seq this key has signed in this journal so
// far, this one included, each in decimal followed by a newline, in the order of
// journal.sigs. The line's hash covers every line before it through prev, and claims
// names which of them the key wrote: the newest signature of a key vouches for all
// its lines, as a Certificate Transparency signed tree head vouches for the whole
// log. Verify checks that one signature per key, and each signature only when it
// fails (to name the line). journal.jsonl itself does not change when lines are
// signed, and a line can carry several signatures.
//
// Lines written by muster before claims existed (format 1) have no key or claims,
// and their signature is over the 64 ASCII characters of the hash alone; they are
// still read and checked one by one.
const SigName = "journal.sigs"

// Signer signs journal lines; sshsig.Key is one (SSHSIG, namespace muster-journal).
type Signer interface {
	// KeyFingerprint names the key, as ssh-keygen -l prints it (SHA256:...).
	KeyFingerprint() (string, error)
	// SignJournal signs msg (a ClaimMessage) in namespace muster-journal.
	SignJournal(msg []byte) ([]byte, error)
}

// WithSigner signs every line the Journal appends with s. Signing runs in the
// background, after the line is fsync'd: Append does not wait for it (an ssh-agent
// round trip must not hold the screen); Flush and Close do. A line whose signature
// could not be made stays unsigned, and Close reports it.
func WithSigner(s Signer) Option { return func(o *options) { o.signer = s } }

// Signature is one entry of journal.sigs.
type Signature struct {
	Seq  uint64
	Hash string
	// Key is the fingerprint of the key that signed ("" in format 1).
	Key string
	// Claims is the SHA-256 of the seqs Key signed up to this one ("" in format 1).
	Claims string
	Sig    []byte
}

// ClaimMessage is the text a journal.sigs entry's signature is over.
func ClaimMessage(seq uint64, hash, claims string) []byte {
	return appendClaimMessage(nil, seq, []byte(hash), []byte(claims))
}

const claimPrefix = "muster-journal/2 seq="

func appendClaimMessage(dst []byte, seq uint64, hash, claims []byte) []byte {
	dst = append(dst, claimPrefix...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, " hash="...)
	dst = append(dst, hash...)
	dst = append(dst, " claims="...)
	return append(dst, claims...)
}

const (
	sigPrefix = `{"seq":`
	sigHash   = `,"hash":"`
	sigKey    = `","key":"`
	sigClaims = `","claims":"`
	sigSig    = `","sig":"`
	sigEnd    = "\"}\n"
)

// appendSigLine writes a journal.sigs line.
func appendSigLine(dst []byte, s Signature) []byte {
	dst = append(dst, sigPrefix...)
	dst = strconv.AppendUint(dst, s.Seq, 10)
	dst = append(dst, sigHash...)
	dst = append(dst, s.Hash...)
	if s.Key != "" {
		dst = append(dst, sigKey...)
		dst = append(dst, s.Key...)
		dst = append(dst, sigClaims...)
		dst = append(dst, s.Claims...)
	}
	dst = append(dst, sigSig...)
	dst = base64.StdEncoding.AppendEncode(dst, s.Sig)
	return append(dst, sigEnd...)
}

// maxSigLine bounds a journal.sigs line (an RSA-16384 SSHSIG is under 5 KB).
const maxSigLine = 64 << 10

// maxKeyID bounds the key field: "SHA256:" and 43 base64 characters.
const maxKeyID = 64

// sigEntry is a journal.sigs line as Verify reads it: slices of the file's bytes.
type sigEntry struct {
	seq    uint64
	hash   []byte
	key    []byte // nil in format 1
	claims []byte
	sig    []byte // format 1: the decoded signature; format 2: its base64, decoded when checked
}

// parseSigEntry reads one journal.sigs line, newline included, without decoding a
// format 2 signature.
func parseSigEntry(line []byte) (sigEntry, error) {
	var s sigEntry
	if len(line) > maxSigLine {
		return s, fmt.Errorf("line is longer than %d bytes", maxSigLine)
	}
	if !bytes.HasPrefix(line, []byte(sigPrefix)) {
		return s, errors.New(`line does not start with the {"seq": key`)
	}
	seq, i, ok := parseUint(line, len(sigPrefix))
	if !ok || seq == 0 {
		return s, errors.New("seq is not a number from 1")
	}
	if !hasAt(line, i, sigHash) || i+len(sigHash)+hexLen > len(line) {
		return s, errors.New(`expected ,"hash":" and 64 hex digits after seq`)
	}
	i += len(sigHash)
	h := line[i : i+hexLen]
	if badHex(h) >= 0 {
		return s, errors.New("hash is not 64 lowercase hex digits")
	}
	i += hexLen
	s.seq, s.hash = seq, h
	if hasAt(line, i, sigKey) {
		i += len(sigKey)
		n := bytes.IndexByte(line[i:min(len(line), i+maxKeyID+1)], '"')
		if n < 0 || !validKeyID(line[i:i+n]) {
			return s, errors.New("key is not an SSH key fingerprint (SHA256: and base64)")
		}
		s.key = line[i : i+n]
		i += n
		if !hasAt(line, i, sigClaims) || i+len(sigClaims)+hexLen > len(line) {
			return s, errors.New(`expected ","claims":" and 64 hex digits after key`)
		}
		i += len(sigClaims)
		s.claims = line[i : i+hexLen]
		if badHex(s.claims) >= 0 {
			return s, errors.New("claims is not 64 lowercase hex digits")
		}
		i += hexLen
	}
	if !hasAt(line, i, sigSig) || !bytes.HasSuffix(line, []byte(sigEnd)) || len(line)-len(sigEnd) <= i+len(sigSig) {
		return s, errors.New(`expected ","sig":"<base64>"} after hash`)
	}
	s.sig = line[i+len(sigSig) : len(line)-len(sigEnd)]
	if s.key == nil {
		sig, err := decodeSig(s.sig)
		if err != nil {
			return s, err
		}
		s.sig = sig
	}
	return s, nil
}

// scanSigEntry is parseSigEntry for reading a whole journal.sigs quickly: the
// structure is checked, but not that the hash and claims are hex nor that a format 2
// signature is base64 (they are compared with what they must be, or parsed by
// parseSigEntry when the signature is checked), and a key equal to known is not
// checked again.
func scanSigEntry(line []byte, known []byte) (sigEntry, error) {
	var s sigEntry
	seq, i, ok := parseUint(line, len(sigPrefix))
	if !bytes.HasPrefix(line, []byte(sigPrefix)) || !ok || seq == 0 || !hasAt(line, i, sigHash) ||
		i+len(sigHash)+hexLen+len(sigKey)+len(known)+len(sigClaims)+hexLen+len(sigSig)+len(sigEnd) >= len(line) ||
		len(line) > maxSigLine {
		return parseSigEntry(line) // to say what is wrong, or a short format 1 line
	}
	i += len(sigHash)
	s.seq, s.hash = seq, line[i:i+hexLen]
	i += hexLen
	if known == nil || !hasAt(line, i, sigKey) || !bytes.Equal(line[i+len(sigKey):i+len(sigKey)+len(known)], known) ||
		!hasAt(line, i+len(sigKey)+len(known), sigClaims) {
		return parseSigEntry(line)
	}
	i += len(sigKey)
	s.key = line[i : i+len(known)]
	i += len(known) + len(sigClaims)
	s.claims = line[i : i+hexLen]
	i += hexLen
	if !hasAt(line, i, sigSig) || !bytes.HasSuffix(line, []byte(sigEnd)) {
		return parseSigEntry(line)
	}
	s.sig = line[i+len(sigSig) : len(line)-len(sigEnd)]
	return s, nil
}

// decodeSig decodes a signature's base64, which must be canonical.
func decodeSig(b64 []byte) ([]byte, error) {
	sig, err := base64.StdEncoding.AppendDecode(nil, b64)
	if err != nil || len(sig) == 0 || !bytes.Equal(base64.StdEncoding.AppendEncode(nil, sig), b64) {
		return nil, errors.New("sig is not canonical base64")
	}
	return sig, nil
}

func validKeyID(b []byte) bool {
	rest, ok := bytes.CutPrefix(b, []byte("SHA256:"))
	if !ok || len(rest) == 0 {
		return false
	}
	for _, c := range rest {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// parseSigLine reads one journal.sigs line, newline included, signature decoded.
func parseSigLine(line []byte) (Signature, error) {
	e, err := parseSigEntry(line)
	if err != nil {
		return Signature{}, err
	}
	s := Signature{Seq: e.seq, Hash: string(e.hash), Key: string(e.key), Claims: string(e.claims), Sig: e.sig}
	if e.key != nil {
		if s.Sig, err = decodeSig(e.sig); err != nil {
			return Signature{}, err
		}
	}
	return s, nil
}

// ReadSignatures reads journal.sigs in dir: the signatures by seq, and the problems
// of lines that do not parse (1-based line of journal.sigs). A missing file is no
// signatures; an unterminated last line (a signature being written) is left out.
func ReadSignatures(dir string) (map[uint64][]Signature, []Problem, error) {
	b, err := readSigFile(dir)
	if err != nil || b == nil {
		return nil, nil, err
	}
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	sigs := map[uint64][]Signature{}
	var problems []Problem
	for n := 1; len(b) > 0; n++ {
		i := bytes.IndexByte(b, '\n')
		s, err := parseSigLine(b[:i+1])
		b = b[i+1:]
		if err != nil {
			problems = append(problems, Problem{File: SigName, What: fmt.Sprintf("line %d: %v", n, err)})
			continue
		}
		sigs[s.Seq] = append(sigs[s.Seq], s)
	}
	return sigs, problems, nil
}

// readSigFile reads journal.sigs; nil, nil when there is none.
func readSigFile(dir string) ([]byte, error) {
	b, err := readFileNoFollow(filepath.Join(dir, SigName), 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// claimsOf returns the running SHA-256 of the seqs that format 2 entries with key
// name in b (the content of journal.sigs, complete lines), in file order.
func claimsOf(b []byte, key []byte) hash.Hash {
	h := sha256.New()
	var num []byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if e, err := parseSigEntry(b[:i+1]); err == nil && bytes.Equal(e.key, key) {
			num = strconv.AppendUint(num[:0], e.seq, 10)
			h.Write(append(num, '\n'))
		}
		b = b[i+1:]
	}
	return h
}

// signer signs appended lines in the background and appends the signatures to
// journal.sigs.
type signer struct {
	s Signer
	f *os.File
	// key and claims are the signing key's fingerprint and the running SHA-256 of
	// the seqs it signed (see SigName), read from journal.sigs at the first batch.
	key    string
	claims hash.Hash
	mu     sync.Mutex
	cond   *sync.Cond
	// queue holds lines waiting; busy is set while a batch is being signed.
	queue   []Signature
	busy    bool
	stopped bool
	errs    []error
	done    chan struct{}
}

// openSigner opens journal.sigs for appending, cutting off an unterminated last line
// a crash left, and starts the signing goroutine.
func openSigner(dir string, s Signer) (*signer, error) {
	f, err := openNoFollow(filepath.Join(dir, SigName), os.O_RDWR|os.O_CREATE, false)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", SigName, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() > 0 {
		var end int64
		end, err = lastNewline(f, st.Size())
		if err == nil && end < st.Size() {
			err = f.Truncate(end)
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", SigName, err)
	}
	sg := &signer{s: s, f: f, done: make(chan struct{})}
	sg.cond = sync.NewCond(&sg.mu)
	go sg.run()
	return sg, nil
}

// lastNewline returns the offset just after the last newline of f (0 if none).
func lastNewline(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 4096)
	for pos := size; pos > 0; {
		n := min(int64(len(buf)), pos)
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return pos + int64(i) + 1, nil
		}
	}
	return 0, nil
}

func (sg *signer) add(seq uint64, hash string) {
	sg.mu.Lock()
	sg.queue = append(sg.queue, Signature{Seq: seq, Hash: hash})
	sg.mu.Unlock()
	sg.cond.Broadcast()
}

func (sg *signer) run() {
	defer close(sg.done)
	var buf []byte
	for {
		sg.mu.Lock()
		for len(sg.queue) == 0 && !sg.stopped {
			sg.cond.Wait()
		}
		if len(sg.queue) == 0 && sg.stopped {
			sg.mu.Unlock()
			return
		}
		batch := sg.queue
		sg.queue, sg.busy = nil, true
		sg.mu.Unlock()

		buf = buf[:0]
		var errs []error
		if err := sg.loadClaims(); err != nil {
			errs = append(errs, fmt.Errorf("lines %d-%d were saved but not signed: %w", batch[0].Seq, batch[len(batch)-1].Seq, err))
			batch = nil
		}
		for _, p := range batch {
			state, _ := sg.claims.(encoding.BinaryMarshaler).MarshalBinary()
			num := strconv.AppendUint(nil, p.Seq, 10)
			sg.claims.Write(append(num, '\n'))
			p.Key, p.Claims = sg.key, hex.EncodeToString(sg.claims.Sum(nil))
			sig, err := sg.s.SignJournal(ClaimMessage(p.Seq, p.Hash, p.Claims))
			if err != nil {
				// The seq is not claimed: take it out of the running hash again.
				sg.claims.(encoding.BinaryUnmarshaler).UnmarshalBinary(state)
				errs = append(errs, fmt.Errorf("line %d was saved but not signed: %w", p.Seq, err))
				continue
			}
			p.Sig = sig
			buf = appendSigLine(buf, p)
		}
		if len(buf) > 0 {
			// O_APPEND-free: the writer lock makes this the only writer of the file.
			st, err := sg.f.Stat()
			if err == nil {
				_, err = sg.f.WriteAt(buf, st.Size())
			}
			if err == nil {
				err = sg.f.Sync()
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("lines %d-%d were saved but their signatures were not: %s: %w",
					batch[0].Seq, batch[len(batch)-1].Seq, SigName, err))
				sg.claims = nil // read again from what journal.sigs holds
			}
		}
		sg.mu.Lock()
		sg.busy = false
		sg.errs = append(sg.errs, errs...)
		sg.mu.Unlock()
		sg.cond.Broadcast()
	}
}

// loadClaims reads, once, the key's fingerprint and the seqs it signed so far in
// journal.sigs (complete lines only: an unterminated last line a failed write left
// is cut off first).
func (sg *signer) loadClaims() error {
	if sg.claims != nil {
		return nil
	}
	if sg.key == "" {
		k, err := sg.s.KeyFingerprint()
		if err != nil {
			return err
		}
		sg.key = k
	}
	st, err := sg.f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", SigName, err)
	}
	b := make([]byte, st.Size())
	if _, err := sg.f.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("%s: %w", SigName, err)
	}
	if end := int64(bytes.LastIndexByte(b, '\n') + 1); end < st.Size() {
		if err := sg.f.Truncate(end); err != nil {
			return fmt.Errorf("%s: %w", SigName, err)
		}
		b = b[:end]
	}
	sg.claims = claimsOf(b, []byte(sg.key))
	return nil
}

// flush waits until every queued line is signed and written, and returns (and
// forgets) the errors so far.
func (sg *signer) flush() error {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	for len(sg.queue) > 0 || sg.busy {
		sg.cond.Wait()
	}
	err := errors.Join(sg.errs...)
	sg.errs = nil
	return err
}

// close flushes, stops the goroutine and closes journal.sigs. It waits at most
// signWait: an agent that stopped answering must not hang the exit.
func (sg *signer) close() error {
	flushed := make(chan error, 1)
	go func() { flushed <- sg.flush() }()
	var err error
	select {
	case err = <-flushed:
	case <-time.After(signWait):
		sg.mu.Lock()
		n := len(sg.queue)
		sg.mu.Unlock()
		err = fmt.Errorf("the signing key did not answer within %s: %d saved lines were left unsigned", signWait, n+1)
	}
	sg.mu.Lock()
	sg.stopped = true
	sg.mu.Unlock()
	sg.cond.Broadcast()
	if err == nil {
		<-sg.done
	}
	return errors.Join(err, sg.f.Close())
}

// Flush waits until every line appended so far is signed (when the Journal signs)
// and returns the signing errors since the last Flush.
func (j *Journal) Flush() error {
	if j.signer == nil {
		return nil
	}
	return j.signer.flush()
}

// signWait is how long Close waits for the signer at most.
var signWait = 30 * time.Second
