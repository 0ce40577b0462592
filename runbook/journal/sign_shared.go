package journal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// A shared store's mirror signs the lines its responder wrote (AppendLine does not
// sign: most of a mirror's lines are others') and carries the signatures others made,
// fetched from the store, in the same journal.sigs, so Verify checks them all with an
// allowed_signers file. Each key's entries keep the order of its seqs, so the claims
// of every signature (see SigName) are the same on every machine.

// SignLine signs the line seq with hash that this Journal's responder wrote (a line
// AppendLine took after the shared store accepted it) and waits until the signature is
// in journal.sigs. It does nothing when the Journal does not sign.
func (j *Journal) SignLine(seq uint64, hash string) error {
	if j.signer == nil {
		return nil
	}
	j.signer.add(seq, hash)
	return j.signer.flush()
}

// Signs reports whether the Journal signs the lines it writes.
func (j *Journal) Signs() bool { return j.signer != nil }

// SigLines reads journal.sigs in dir: each complete line that parses, by seq, in file
// order (a seq may carry several).
func SigLines(dir string) (map[uint64][][]byte, error) {
	b, err := readSigFile(dir)
	if err != nil || b == nil {
		return nil, err
	}
	out := map[uint64][][]byte{}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		line := b[:i+1]
		b = b[i+1:]
		if e, err := parseSigEntry(line); err == nil {
			out[e.seq] = append(out[e.seq], line)
		}
	}
	return out, nil
}

// CheckSigLine checks that line is a journal.sigs line for line seq with hash (its
// signature is checked by Verify, against an allowed_signers file).
func CheckSigLine(line []byte, seq uint64, hash string) error {
	if len(line) == 0 || line[len(line)-1] != '\n' {
		line = append(line[:len(line):len(line)], '\n')
	}
	e, err := parseSigLine(line)
	if err != nil {
		return err
	}
	if e.Seq != seq || e.Hash != hash {
		return fmt.Errorf("it signs line %d with hash %.12s…, not line %d with hash %.12s…", e.Seq, e.Hash, seq, hash)
	}
	if e.Key == "" {
		return fmt.Errorf("it has no key and claims (format 1)")
	}
	return nil
}

// AppendSigLines appends signature lines others made (checked with CheckSigLine) to
// journal.sigs, fsync'd, after any signature this Journal is still writing.
func (j *Journal) AppendSigLines(lines [][]byte) error {
	if len(lines) == 0 {
		return nil
	}
	var buf []byte
	for _, l := range lines {
		buf = append(buf, l...)
		if buf[len(buf)-1] != '\n' {
			buf = append(buf, '\n')
		}
	}
	if sg := j.signer; sg != nil {
		// The signer writes journal.sigs from its goroutine: wait until it is idle and
		// keep it so while these lines go in.
		sg.mu.Lock()
		defer sg.mu.Unlock()
		for len(sg.queue) > 0 || sg.busy {
			sg.cond.Wait()
		}
		return writeAtEnd(sg.f, buf)
	}
	f, err := openNoFollow(filepath.Join(j.dir, SigName), os.O_RDWR|os.O_CREATE, false)
	if err != nil {
		return fmt.Errorf("open %s: %w", SigName, err)
	}
	defer f.Close()
	return writeAtEnd(f, buf)
}

// writeAtEnd appends b to f after its last complete line (an unterminated tail a
// crash left is cut off) and fsyncs it.
func writeAtEnd(f *os.File, b []byte) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", SigName, err)
	}
	end, err := lastNewline(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", SigName, err)
	}
	if end < st.Size() {
		if err := f.Truncate(end); err != nil {
			return fmt.Errorf("%s: %w", SigName, err)
		}
	}
	if _, err := f.WriteAt(b, end); err != nil {
		return fmt.Errorf("%s: %w", SigName, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", SigName, err)
	}
	return nil
}

// SigLineFor returns the last journal.sigs line in dir for line seq with hash, reading
// only the end of the file (a line just signed): nil when there is none there.
func SigLineFor(dir string, seq uint64, hash string) ([]byte, error) {
	f, err := openNoFollow(filepath.Join(dir, SigName), os.O_RDONLY, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	start := max(st.Size()-4*maxSigLine, 0)
	b := make([]byte, st.Size()-start)
	if _, err := f.ReadAt(b, start); err != nil {
		return nil, err
	}
	for len(b) > 0 {
		b = bytes.TrimRight(b, "\n")
		i := bytes.LastIndexByte(b, '\n')
		line := append(b[i+1:len(b):len(b)], '\n')
		if CheckSigLine(line, seq, hash) == nil {
			return line, nil
		}
		if i < 0 {
			break
		}
		b = b[:i+1]
	}
	return nil, nil
}
