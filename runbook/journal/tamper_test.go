package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tamperJournal writes a 200-event journal with varied events and returns its
// directory and lines.
func tamperJournal(t *testing.T) (string, [][]byte) {
	t.Helper()
	j, dir := newIncident(t)
	for i := 0; i < 200; i++ {
		var err error
		switch i % 4 {
		case 0:
			_, err = j.Append("alice@laptop", "step.done", map[string]any{"step": fmt.Sprintf("contain-%d", i)})
		case 1:
			_, err = j.Append(`bob "ops" \ desk`, "note", map[string]any{"text": strings.Repeat("checked ", i%13+1)})
		case 2:
			_, err = j.Append("carol@oncall", "escalate", map[string]any{"to": "lead", "reason": "customer data", "n": i})
		default:
			_, err = j.Append("dave@sre", "notify", map[string]any{"audience": "customers", "message": "Ünïcödé ✓"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	lines := bytes.SplitAfter(readJournal(t, dir), []byte("\n"))
	return dir, lines[:len(lines)-1]
}

// bytePositions picks the bytes of a line to flip: inside prev, hash, seq, schema,
// time (its Z too), tz, actor, type, data, the closing brace, the newline, and a few
// at random.
func bytePositions(line []byte, rng *rand.Rand) map[string]int {
	f, err := parseLine(line)
	if err != nil {
		panic(err)
	}
	at := func(sub []byte) int { return len(line) - len(line[bytes.Index(line, sub):]) }
	timeAt := bytes.Index(line, []byte(`"time":"`)) + len(`"time":"`)
	data := bytes.Index(line, []byte(`"data":`)) + len(`"data":`)
	pos := map[string]int{
		"prev first": prevOff, "prev middle": prevOff + 31, "prev last": prevOff + 63,
		"hash first": hashOff, "hash middle": hashOff + 30, "hash last": hashOff + 63,
		"seq first digit": seqOff, "seq last digit": seqOff + len(fmt.Sprint(f.seq)) - 1,
		"schema":    bytes.Index(line, []byte(`"schema":`)) + len(`"schema":`),
		"time year": timeAt + 3, "time second": timeAt + 18, "time nanosecond": timeAt + 27, "time Z": timeAt + 29,
		"tz":         bytes.Index(line, []byte(`"tz":"`)) + len(`"tz":"`) + 2,
		"actor":      at([]byte(`"actor":"`)) + len(`"actor":"`) + 1,
		"type":       at([]byte(`"type":"`)) + len(`"type":"`),
		"data brace": data, "data middle": data + (len(line)-2-data)/2,
		"closing brace": len(line) - 2, "newline": len(line) - 1,
	}
	for k := 0; k < 3; k++ {
		pos[fmt.Sprintf("random %d", k)] = rng.IntN(len(line))
	}
	return pos
}

func TestTamperingIsCaughtAtTheRightLine(t *testing.T) {
	dir, lines := tamperJournal(t)
	orig := bytes.Join(lines, nil)
	mustVerify(t, dir)
	rng := rand.New(rand.NewPCG(7, 7))
	check := func(t *testing.T, what string, b []byte, wantLine int) {
		t.Helper()
		writeJournal(t, dir, b)
		r, err := Verify(dir)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := r.First()
		if !ok {
			t.Fatalf("%s: verify passed", what)
		}
		if p.Line != wantLine {
			t.Fatalf("%s: first problem %s, want line %d\nall: %v", what, p, wantLine, r.Problems)
		}
		// ReadAll refuses it too, at the same line.
		_, err = ReadAll(dir)
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Line != wantLine {
			t.Fatalf("%s: ReadAll error %v, want a CorruptError at line %d", what, err, wantLine)
		}
	}
	t.Run("flip a byte", func(t *testing.T) {
		flips, checked, start := 0, 0, 0
		b := bytes.Clone(orig)
		for i, line := range lines {
			for name, p := range bytePositions(line, rng) {
				mask := byte(1)
				if strings.HasPrefix(name, "random") {
					mask = byte(1 + rng.IntN(255))
				}
				b[start+p] ^= mask
				// Under the race detector every tenth flip: the verifier's goroutines
				// are the same for each, and the 710 flips take 19 s there.
				if !raceEnabled || flips%10 == 0 {
					check(t, fmt.Sprintf("line %d, %s (byte %d ^ %#x)", i+1, name, p, mask), b, i+1)
					checked++
				}
				b[start+p] ^= mask
				flips++
			}
			start += len(line)
		}
		t.Logf("%d of %d single-byte flips over %d lines checked and caught", checked, flips, len(lines))
	})
	t.Run("delete a line", func(t *testing.T) {
		for i := range lines {
			b := bytes.Join(append(append([][]byte{}, lines[:i]...), lines[i+1:]...), nil)
			check(t, fmt.Sprintf("line %d deleted", i+1), b, i+1)
		}
	})
	t.Run("swap adjacent lines", func(t *testing.T) {
		for i := 0; i+1 < len(lines); i++ {
			ls := append([][]byte{}, lines...)
			ls[i], ls[i+1] = ls[i+1], ls[i]
			check(t, fmt.Sprintf("lines %d and %d swapped", i+1, i+2), bytes.Join(ls, nil), i+1)
		}
	})
	writeJournal(t, dir, orig)
	mustVerify(t, dir)
}

// Verify reads big journals in chunks checked in parallel; tampering where one chunk
// ends and the next begins is caught at the right line all the same.
func TestTamperingAtChunkBoundaries(t *testing.T) {
	g := newEventGen()
	var buf []byte
	for len(buf) < 3*chunkBuf {
		buf = g.next(buf)
	}
	lines := bytes.SplitAfter(buf, []byte("\n"))
	lines = lines[:len(lines)-1]
	j, dir := newIncident(t)
	j.Close()
	h, _ := os.OpenFile(filepath.Join(dir, HeadName), os.O_RDWR, 0)
	writeHead(h, g.seq, g.prev)
	h.Close()
	writeJournal(t, dir, buf)
	if r := mustVerify(t, dir); r.Events != len(lines) {
		t.Fatalf("%d events, want %d", r.Events, len(lines))
	}
	// The first chunk is the lines that fit whole in the first read.
	var boundaries []int // index of the first line of each later chunk
	for off, i, next := 0, 0, chunkBuf; i < len(lines); i++ {
		if off+len(lines[i]) > next && i+2 < len(lines) {
			boundaries = append(boundaries, i)
			next = off + chunkBuf
		}
		off += len(lines[i])
	}
	if len(boundaries) < 2 {
		t.Fatalf("journal of %d bytes has chunk boundaries %v", len(buf), boundaries)
	}
	for _, b := range boundaries {
		for _, i := range []int{b - 1, b, b + 1} {
			flipped := bytes.Clone(buf)
			start := len(bytes.Join(lines[:i], nil))
			flipped[start+hashOff+5] ^= 1 // the line's own hash
			// A forger points the line's prev elsewhere and recomputes its own hash:
			// only the chain link shows it.
			forged := bytes.Clone(buf)
			line := forged[start : start+len(lines[i])]
			copy(line[prevOff:], strings.Repeat("e", hexLen))
			var sum [hexLen]byte
			newLineHasher().hash(line, &sum)
			copy(line[hashOff:], sum[:])
			cases := map[string][]byte{"flip": flipped, "prev forged": forged}
			cases["delete"] = bytes.Join(append(append([][]byte{}, lines[:i]...), lines[i+1:]...), nil)
			ls := append([][]byte{}, lines...)
			ls[i], ls[i+1] = ls[i+1], ls[i]
			cases["swap"] = bytes.Join(ls, nil)
			for name, content := range cases {
				writeJournal(t, dir, content)
				r, err := Verify(dir)
				if err != nil {
					t.Fatal(err)
				}
				if p, ok := r.First(); !ok || p.Line != i+1 {
					t.Errorf("%s line %d (chunk boundary at line %d): first problem %v", name, i+1, b+1, r.Problems)
				}
			}
		}
	}
}
