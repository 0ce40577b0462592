package journal

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A Head names a journal's state at one line: the incident (the directory's name),
// the line's seq and hash, and its time. Published outside the incident directory (in
// the incident channel, a ticket, an e-mail), it proves later that the journal still
// holds that exact prefix: each hash covers every line before it. Its text form is one
// line:
//
//	muster-head INC-20261123-K7QF4 seq=54 hash=<64 hex> time=2026-11-23T11:09:41.000000007Z [sig=<base64 SSHSIG>]
//
// sig, when present, signs the text before " sig=" (namespace muster-head).
type Head struct {
	ID   string
	Seq  uint64
	Hash string
	Time time.Time // zero when the head was given as SEQ:HASH
	Sig  []byte
}

const headWord = "muster-head"

// Message is the text a head's signature covers: the line without " sig=...".
func (h Head) Message() string {
	var b strings.Builder
	b.WriteString(headWord)
	if h.ID != "" {
		b.WriteString(" " + h.ID)
	}
	fmt.Fprintf(&b, " seq=%d hash=%s", h.Seq, h.Hash)
	if !h.Time.IsZero() {
		b.WriteString(" time=" + h.Time.UTC().Format(timeLayout))
	}
	return b.String()
}

// String is the head's one-line text form.
func (h Head) String() string {
	if len(h.Sig) == 0 {
		return h.Message()
	}
	return h.Message() + " sig=" + base64.StdEncoding.EncodeToString(h.Sig)
}

// ParseHead reads a head: its one-line text form, or SEQ:HASH.
func ParseHead(s string) (Head, error) {
	s = strings.TrimSpace(s)
	var h Head
	if seq, hash, ok := strings.Cut(s, ":"); ok && !strings.HasPrefix(s, headWord) {
		n, err := strconv.ParseUint(seq, 10, 64)
		if err != nil || n == 0 {
			return h, fmt.Errorf("head %q: %q is not a seq from 1", s, seq)
		}
		h.Seq, h.Hash = n, hash
		return h, h.check(s)
	}
	f := strings.Fields(s)
	if len(f) < 3 || f[0] != headWord {
		return h, fmt.Errorf("head %q is neither SEQ:HASH nor a line starting with %q", short(s), headWord)
	}
	i := 1
	if !strings.Contains(f[1], "=") {
		h.ID, i = f[1], 2
	}
	seen := map[string]bool{}
	for _, kv := range f[i:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return h, fmt.Errorf("head %q: %q is not a key=value given once", short(s), short(kv))
		}
		seen[k] = true
		switch k {
		case "seq":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				return h, fmt.Errorf("head %q: seq %q is not a number from 1", short(s), short(v))
			}
			h.Seq = n
		case "hash":
			h.Hash = v
		case "time":
			t, ok := parseTime([]byte(v))
			if !ok {
				return h, fmt.Errorf("head %q: time %q is not of the form %s", short(s), short(v), timeLayout)
			}
			h.Time = t
		case "sig":
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(b) == 0 {
				return h, fmt.Errorf("head %q: sig is not base64", short(s))
			}
			h.Sig = b
		default:
			return h, fmt.Errorf("head %q: unknown field %q", short(s), short(k))
		}
	}
	if !seen["seq"] || !seen["hash"] {
		return h, fmt.Errorf("head %q: seq= and hash= are required", short(s))
	}
	return h, h.check(s)
}

func (h Head) check(s string) error {
	if len(h.Hash) != hexLen || badHex([]byte(h.Hash)) >= 0 {
		return fmt.Errorf("head %q: hash is not 64 lowercase hex digits", short(s))
	}
	return nil
}

// short keeps an error message about a pasted head readable.
func short(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// CurrentHead verifies the journal in dir and returns the head of its last line. A
// journal with a problem has no head to publish: the error says the first problem.
func CurrentHead(ctx context.Context, dir string) (Head, Report, error) {
	r, err := VerifyContext(ctx, dir, VerifyOptions{})
	if err != nil {
		return Head{}, r, err
	}
	if !r.OK() {
		return Head{}, r, fmt.Errorf("%s does not verify, so it has no head to publish: %s", filepath.Base(dir), r.Summary())
	}
	if r.Events == 0 {
		return Head{}, r, errors.New("the journal is empty")
	}
	return Head{ID: filepath.Base(dir), Seq: r.LastSeq, Hash: r.LastHash, Time: r.LastTime}, r, nil
}

// expectCheck compares the lines a published head or a timestamp names with what
// the scan found.
type expectCheck struct {
	heads []Head
	// from says where each head comes from: "" for a published head, else the
	// timestamp file.
	from  []string
	found map[uint64][hexLen]byte
}

func (x *expectCheck) add(h Head, from string) {
	x.heads = append(x.heads, h)
	x.from = append(x.from, from)
}

// note keeps the hash of a line some head names.
func (x *expectCheck) note(seq uint64, line []byte) {
	if x == nil {
		return
	}
	for _, h := range x.heads {
		if h.Seq == seq {
			var sum [hexLen]byte
			copy(sum[:], line[hashOff:hashOff+hexLen])
			x.found[seq] = sum
			return
		}
	}
}

// finishExpect reports every published head the journal does not hold.
func (v *verifier) finishExpect(dir string) {
	x := v.expect
	if x == nil {
		return
	}
	id := filepath.Base(dir)
	for i, h := range x.heads {
		if h.ID != "" && h.ID != id {
			v.problem(Problem{What: fmt.Sprintf("the expected head is for incident %s, not %s", h.ID, id)})
			continue
		}
		what, file := "the published head", ""
		if x.from[i] != "" {
			what, file = "the timestamp", x.from[i]
		}
		sum, ok := x.found[h.Seq]
		switch {
		case !ok && h.Seq > v.r.LastSeq:
			v.problem(Problem{Line: v.line + 1, Seq: h.Seq, File: file, What: fmt.Sprintf(
				"the journal ends at seq %d, before %s's seq %d: lines were removed from its end", v.r.LastSeq, what, h.Seq)})
		case !ok:
			v.problem(Problem{Line: int(h.Seq), Seq: h.Seq, File: file, What: "no readable line holds " + what + "'s seq"})
		case string(sum[:]) != h.Hash:
			v.problem(Problem{Line: int(h.Seq), Seq: h.Seq, File: file, What: fmt.Sprintf(
				"hash %s differs from %s's %s: the journal was rewritten at or before this line", sum[:], what, h.Hash)})
		case file == "":
			v.r.HeadsMatched = append(v.r.HeadsMatched, h.Seq)
		}
	}
}

// HeadFromFile reads a head from a file holding its line (for --expect @FILE).
func HeadFromFile(path string) (Head, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Head{}, err
	}
	return ParseHead(string(bytes.TrimSpace(b)))
}
