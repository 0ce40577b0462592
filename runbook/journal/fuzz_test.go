package journal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzSeeds are real journal bytes: three events by varied actors, a torn tail, an
// attachment record, a recovery record.
func fuzzSeeds(f *testing.F) [][]byte {
	dir := filepath.Join(f.TempDir(), "INC")
	j, err := Create(dir, WithClock(stepClock()), WithActor("seed"))
	if err != nil {
		f.Fatal(err)
	}
	defer j.Close()
	j.Append("alice@laptop", "note", map[string]any{"text": "db \"primary\" down\n", "n": 1})
	j.Append(`bob \ ops`, "step.done", map[string]any{})
	j.Append("Ünïcödé", "escalate", map[string]any{"to": "lead", "reason": "customer data"})
	j.Append("x", "recovered", Recovery{File: "journal.torn-3-1.bin", Bytes: 5, SHA256: Genesis, Offset: 10})
	j.Append("x", "attached", Attachment{Kind: KindFile, Path: "/tmp/a", Size: 1, SHA256: Genesis, Blob: "attachments/sha256/" + Genesis})
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{b, b[:len(b)-40], []byte("{}\n"), nil, []byte("\n\n"), bytes.Repeat([]byte(`{"prev":"`), 40)}
}

// reencode writes a decoded line again; a canonical line comes back byte for byte
// (the hash recomputed).
func reencode(fl lineFields) []byte {
	e := fl.event(nil, nil)
	off, _ := parseTZ(fl.tz)
	t := e.Time.In(time.FixedZone("", off))
	return appendLine(nil, newLineHasher(), string(fl.prev), fl.seq, t, e.Actor, e.Type, fl.data)
}

// FuzzReadAll feeds arbitrary bytes as journal.jsonl to the readers: they never panic,
// Scan returns what ReadAll returns, what ReadAll accepts Verify accepts, and every
// accepted line is canonical. It runs
// ReadAll's and Verify's code on the bytes in memory (decodeAll, the verifier), as
// the file system calls around them made the fuzzer's minimizing crawl.
func FuzzReadAll(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	dir := filepath.Join(f.TempDir(), "none") // named attachments and side files are missing
	f.Fuzz(func(t *testing.T, b []byte) {
		hd := head{Hash: Genesis}
		evs, rerr := decodeAll(context.Background(), FileName, b, hd, nil)
		// Scan, reading the bytes in small pieces, returns the same.
		sevs, serr := scanAll(b, hd, nil, 16)
		sameResult(t, "Scan", sevs, serr, evs, rerr)
		var r Report
		v := newVerifier(&r, hd.Seq)
		if err := v.scan(context.Background(), bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		v.finish(dir, hd, nil)
		complete := bytes.Count(b, []byte("\n"))
		if r.Events != complete || r.Tail != int64(len(b)-(bytes.LastIndexByte(b, '\n')+1)) {
			t.Fatalf("verify saw %d lines and a %d-byte tail", r.Events, r.Tail)
		}
		if rerr != nil {
			return
		}
		if len(evs) != complete {
			t.Fatalf("ReadAll returned %d events for %d lines", len(evs), complete)
		}
		for _, p := range r.Problems {
			if p.File == "" {
				t.Fatalf("ReadAll accepted what Verify refuses: %s", p)
			}
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		for i, e := range evs {
			fl, err := parseLine(lines[i])
			if err != nil {
				t.Fatal(err)
			}
			if got := reencode(fl); !bytes.Equal(got, lines[i]) {
				t.Fatalf("line %d is not canonical:\n%q\nre-encoded\n%q", i+1, lines[i], got)
			}
			if e.Seq != uint64(i+1) || e.Line != i+1 {
				t.Fatalf("event %d has seq %d line %d", i+1, e.Seq, e.Line)
			}
		}
	})
}

// FuzzDecodeLine feeds arbitrary bytes to the line decoder: it never panics, and a
// line it parses is in canonical form.
func FuzzDecodeLine(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		for _, l := range bytes.SplitAfter(s, []byte("\n")) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		e, derr := DecodeLine(line)
		if bytes.IndexByte(line, '\n') < 0 {
			line = append(line, '\n')
		}
		fl, err := parseLine(line)
		if err != nil {
			if derr == nil {
				t.Fatalf("DecodeLine accepted what parseLine refuses: %v", err)
			}
			return
		}
		got := reencode(fl)
		// Equal but for the hash, which the re-encoding computes.
		if !bytes.Equal(got[:hashOff], line[:hashOff]) || !bytes.Equal(got[hashOff+hexLen:], line[hashOff+hexLen:]) {
			t.Fatalf("parsed line is not canonical:\n%q\nre-encoded\n%q", line, got)
		}
		if derr == nil && (!bytes.Equal(got, line) || e.Seq != fl.seq || e.Hash != string(fl.hash)) {
			t.Fatalf("DecodeLine accepted a line whose hash is not its own: %q", line)
		}
	})
}

// FuzzVerify makes one random edit (delete del bytes at pos, insert ins) to a valid
// journal: Verify must find a problem unless the complete lines are unchanged (an
// unfinished last line is not a problem).
func FuzzVerify(f *testing.F) {
	seeds := fuzzSeeds(f)
	orig := seeds[0][:bytes.IndexByte(seeds[0], '\n')+1]
	orig = append(orig, bytes.SplitAfter(seeds[0], []byte("\n"))[1]...)
	orig = append(orig, bytes.SplitAfter(seeds[0], []byte("\n"))[2]...)
	lastHash := string(orig[bytes.LastIndexByte(orig[:len(orig)-1], '\n')+1+hashOff:][:hexLen])
	f.Add(uint16(100), uint8(1), []byte("x"))
	f.Add(uint16(9), uint8(0), []byte("0"))
	f.Add(uint16(len(orig)), uint8(0), []byte(`{"prev":"`))
	f.Add(uint16(len(orig)-1), uint8(1), []byte(nil))
	f.Add(uint16(300), uint8(200), []byte("\n"))
	dir := filepath.Join(f.TempDir(), "none")
	hd := head{Seq: 3, Hash: lastHash}
	f.Fuzz(func(t *testing.T, pos uint16, del uint8, ins []byte) {
		p := min(int(pos), len(orig))
		end := min(p+int(del), len(orig))
		b := append(append(append([]byte(nil), orig[:p]...), ins...), orig[end:]...)
		var r Report
		v := newVerifier(&r, hd.Seq)
		if err := v.scan(context.Background(), bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		v.finish(dir, hd, nil)
		complete := b[:bytes.LastIndexByte(b, '\n')+1]
		if r.OK() && !bytes.Equal(complete, orig) {
			t.Fatalf("an edited journal verifies:\n%q", b)
		}
	})
}

// FuzzSigLine feeds arbitrary bytes to the journal.sigs parser: it never panics, and
// what it accepts is written back byte for byte.
func FuzzSigLine(f *testing.F) {
	f.Add([]byte(`{"seq":2,"hash":"` + Genesis + `","sig":"U1NIU0lH"}` + "\n"))
	f.Add([]byte(`{"seq":0,"hash":"","sig":""}` + "\n"))
	f.Add([]byte(`{"seq":7,"hash":"` + Genesis + `","key":"SHA256:xLf9vdh/e4Rb5v6lA/iRNu+dDBWqkF5qfFtmiDJAQbc","claims":"` + Genesis + `","sig":"U1NIU0lH"}` + "\n"))
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := parseSigLine(line)
		if err != nil {
			return
		}
		if got := appendSigLine(nil, s); !bytes.Equal(got, line) {
			t.Fatalf("accepted %q, writes %q", line, got)
		}
		// The quick reader Verify uses reads the same fields.
		e, err := scanSigEntry(line, []byte(s.Key))
		if err != nil || e.seq != s.Seq || string(e.hash) != s.Hash || string(e.key) != s.Key || string(e.claims) != s.Claims {
			t.Fatalf("scanSigEntry(%q) = %+v, %v", line, e, err)
		}
	})
}
