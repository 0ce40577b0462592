package journal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// SigName is the sidecar file of line signatures, one line per signature:
//
//	{"seq":5,"hash":"<the line's 64 hex hash>","sig":"<base64 of an SSHSIG signature>"}
//
// A signature covers the 64 ASCII characters of the line's hash, which covers every
// line before it through prev. journal.jsonl itself does not change when lines are
// signed, and a line can carry several signatures.
const SigName = "journal.sigs"

// Signer signs a line's hash (64 lowercase hex characters) and returns the signature
// to store; sshsig.Key is one (SSHSIG, namespace muster-journal).
type Signer interface {
	SignHash(hash string) ([]byte, error)
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
	Sig  []byte
}

const (
	sigPrefix = `{"seq":`
	sigHash   = `,"hash":"`
	sigSig    = `","sig":"`
	sigEnd    = "\"}\n"
)

// AppendSignatureLine writes a journal.sigs line.
func appendSigLine(dst []byte, s Signature) []byte {
	dst = append(dst, sigPrefix...)
	dst = strconv.AppendUint(dst, s.Seq, 10)
	dst = append(dst, sigHash...)
	dst = append(dst, s.Hash...)
	dst = append(dst, sigSig...)
	dst = base64.StdEncoding.AppendEncode(dst, s.Sig)
	return append(dst, sigEnd...)
}

// maxSigLine bounds a journal.sigs line (an RSA-16384 SSHSIG is under 5 KB).
const maxSigLine = 64 << 10

// parseSigLine reads one journal.sigs line, newline included.
func parseSigLine(line []byte) (Signature, error) {
	var s Signature
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
	if !hasAt(line, i, sigSig) || !bytes.HasSuffix(line, []byte(sigEnd)) || len(line)-len(sigEnd) < i+len(sigSig) {
		return s, errors.New(`expected ","sig":"<base64>"} after hash`)
	}
	b64 := string(line[i+len(sigSig) : len(line)-len(sigEnd)])
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sig) == 0 || base64.StdEncoding.EncodeToString(sig) != b64 {
		return s, errors.New("sig is not canonical base64")
	}
	return Signature{Seq: seq, Hash: string(h), Sig: sig}, nil
}

// ReadSignatures reads journal.sigs in dir: the signatures by seq, and the problems
// of lines that do not parse (1-based line of journal.sigs). A missing file is no
// signatures; an unterminated last line (a signature being written) is left out.
func ReadSignatures(dir string) (map[uint64][]Signature, []Problem, error) {
	b, err := readFileNoFollow(filepath.Join(dir, SigName), 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	sigs, problems := decodeSignatures(b)
	return sigs, problems, nil
}

func decodeSignatures(b []byte) (map[uint64][]Signature, []Problem) {
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	sigs := make(map[uint64][]Signature, bytes.Count(b, []byte{'\n'}))
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
	return sigs, problems
}

// signer signs appended lines in the background and appends the signatures to
// journal.sigs.
type signer struct {
	s    Signer
	f    *os.File
	mu   sync.Mutex
	cond *sync.Cond
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
		for _, p := range batch {
			sig, err := sg.s.SignHash(p.Hash)
			if err != nil {
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
			}
		}
		sg.mu.Lock()
		sg.busy = false
		sg.errs = append(sg.errs, errs...)
		sg.mu.Unlock()
		sg.cond.Broadcast()
	}
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
