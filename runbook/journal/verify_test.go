package journal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// rechain plays a forger who edits lines and then recomputes every prev and hash, so
// only the checks beyond the hash chain can catch the edit.
func rechain(lines [][]byte) []byte {
	h := newLineHasher()
	prev := []byte(Genesis)
	var out []byte
	for _, l := range lines {
		l = bytes.Clone(l)
		copy(l[prevOff:], prev)
		var sum [hexLen]byte
		h.hash(l, &sum)
		copy(l[hashOff:], sum[:])
		prev = l[hashOff : hashOff+hexLen]
		out = append(out, l...)
	}
	return out
}

func journalLines(t *testing.T, n int) (string, [][]byte) {
	t.Helper()
	j, dir := newIncident(t)
	appendN(t, j, n)
	j.Close()
	lines := bytes.SplitAfter(readJournal(t, dir), []byte("\n"))
	return dir, lines[:len(lines)-1]
}

func TestVerifyNamesWhatAForgerGotWrong(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(lines [][]byte) [][]byte
		line  int
		seq   uint64
		what  string
		count int
	}{
		{"local time instead of UTC", func(ls [][]byte) [][]byte {
			ls[2] = bytes.Replace(ls[2], []byte(`.123456792Z"`), []byte(`.123456792+01:00"`), 1)
			return ls
		}, 3, 3, `time "2026-11-23T11:03:07.123456792+01:00" is not UTC`, 1},
		{"a seq skipped", func(ls [][]byte) [][]byte {
			for i := 3; i < len(ls); i++ {
				ls[i] = bytes.Replace(ls[i], []byte(fmt.Sprintf(`"seq":%d,`, i+1)), []byte(fmt.Sprintf(`"seq":%d,`, i+2)), 1)
			}
			return ls
		}, 4, 5, "seq 5 where 4 was expected (a line is missing or out of order)", 1},
		{"two lines reordered", func(ls [][]byte) [][]byte {
			ls[1], ls[2] = ls[2], ls[1]
			return ls
		}, 2, 3, "seq 3 where 2 was expected", 2},
		{"a line repeated", func(ls [][]byte) [][]byte {
			return append(ls[:3], append([][]byte{ls[2]}, ls[3:]...)...)
		}, 4, 3, "seq 3 where 4 was expected", 1},
		{"data not JSON", func(ls [][]byte) [][]byte {
			ls[0] = bytes.Replace(ls[0], []byte(`"n":0}`), []byte(`"n":}`), 1)
			return ls
		}, 0, 0, "", 0}, // Verify checks data by its braces only; ReadAll catches it (below)
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, lines := journalLines(t, 5)
			forged := rechain(tc.edit(lines))
			writeJournal(t, dir, forged)
			// journal.head would betray the forger; they rewrite it too.
			h, _ := os.OpenFile(filepath.Join(dir, HeadName), os.O_RDWR, 0)
			ls := bytes.SplitAfter(forged, []byte("\n"))
			last := ls[len(ls)-2]
			f, _ := parseLine(last)
			writeHead(h, f.seq, string(last[hashOff:hashOff+hexLen]))
			h.Close()
			r, err := Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tc.line == 0 {
				if !r.OK() {
					t.Fatalf("verify: %s", r.Summary())
				}
				if _, err := ReadAll(dir); err == nil || !strings.Contains(err.Error(), "data is not valid JSON") {
					t.Fatalf("ReadAll: %v", err)
				}
				return
			}
			p, ok := r.First()
			if !ok || p.Line != tc.line || p.Seq != tc.seq || !strings.Contains(p.What, tc.what) {
				t.Fatalf("first problem %+v, want line %d seq %d: %s\nall: %v", p, tc.line, tc.seq, tc.what, r.Problems)
			}
			if len(r.Problems) != tc.count {
				t.Errorf("%d problems, want %d: %v", len(r.Problems), tc.count, r.Problems)
			}
		})
	}
}

func TestVerifySummary(t *testing.T) {
	dir, lines := journalLines(t, 4)
	r := mustVerify(t, dir)
	last, _ := DecodeLine(lines[3])
	if want := "intact: 4 events (seq 1-4), 0 attachments, last hash " + last.Hash; r.Summary() != want {
		t.Errorf("summary %q\nwant    %q", r.Summary(), want)
	}
	lines[1] = bytes.Replace(lines[1], []byte("eu-1"), []byte("eu-9"), 1)
	lines[3] = bytes.Replace(lines[3], []byte("eu-1"), []byte("eu-9"), 1)
	writeJournal(t, dir, bytes.Join(lines, nil))
	r, _ = Verify(dir)
	want := "line 2 (seq 2): the line's content does not match its hash (edited or damaged) (and 1 more problem)"
	if r.Summary() != want || r.Events != 4 || r.LastSeq != 4 {
		t.Errorf("summary %q\nwant    %q", r.Summary(), want)
	}
}

func TestVerifyOfGarbage(t *testing.T) {
	t.Run("keeps the first thousand problems", func(t *testing.T) {
		dir, _ := journalLines(t, 1)
		writeJournal(t, dir, bytes.Repeat([]byte("not a journal line\n"), 1500))
		r, err := Verify(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Problems) != 1001 || r.Omitted != 500 || r.Problems[0].Line != 1 ||
			!strings.Contains(r.Summary(), "(and 1500 more problems)") {
			t.Errorf("%d problems, %d omitted, summary %q", len(r.Problems), r.Omitted, r.Summary())
		}
	})
	t.Run("an overlong line", func(t *testing.T) {
		dir, lines := journalLines(t, 2)
		long := append(bytes.Repeat([]byte("x"), 5<<20), '\n')
		writeJournal(t, dir, bytes.Join([][]byte{lines[0], long, lines[1]}, nil))
		r, _ := Verify(dir)
		p, _ := r.First()
		if p.Line != 2 || !strings.Contains(p.What, "longer than the 1048576 a line may hold") {
			t.Errorf("problems %v", r.Problems)
		}
	})
	t.Run("a huge unterminated tail", func(t *testing.T) {
		dir, lines := journalLines(t, 2)
		writeJournal(t, dir, append(bytes.Join(lines, nil), bytes.Repeat([]byte("z"), 9<<20)...))
		r := mustVerify(t, dir)
		if r.Tail != 9<<20 || r.Events != 2 {
			t.Errorf("tail %d events %d", r.Tail, r.Events)
		}
	})
}

func TestVerifyChecksJournalHead(t *testing.T) {
	dir, lines := journalLines(t, 3)
	os.Remove(filepath.Join(dir, HeadName))
	r, _ := Verify(dir)
	if p, _ := r.First(); p.File != HeadName || !strings.Contains(p.What, "missing") {
		t.Errorf("missing head: %v", r.Problems)
	}
	h, _ := os.Create(filepath.Join(dir, HeadName))
	second, _ := DecodeLine(lines[1])
	writeHead(h, 2, second.Hash)
	h.Close()
	if r := mustVerify(t, dir); r.LastSeq != 3 {
		t.Errorf("a head behind the journal (as after a crash) is fine: %+v", r)
	}
	os.WriteFile(filepath.Join(dir, HeadName), []byte(fmt.Sprintf(`{"seq":2,"hash":"%s"}`, Genesis)), 0o600)
	r, _ = Verify(dir)
	if p, _ := r.First(); p.Line != 2 || !strings.Contains(p.What, "hash differs from the one journal.head records") {
		t.Errorf("head naming another hash: %v", r.Problems)
	}
}

func TestALineRemovedAndRenumberedBreaksTheChain(t *testing.T) {
	dir, lines := journalLines(t, 5)
	// The forger drops line 3, renumbers the rest and recomputes each line's own hash,
	// but cannot make line 3's prev name a line that is gone.
	h := newLineHasher()
	var out [][]byte
	for i, l := range append(append([][]byte{}, lines[:2]...), lines[3:]...) {
		l = bytes.Replace(bytes.Clone(l), []byte(fmt.Sprintf(`"seq":%d,`, i+2)), []byte(fmt.Sprintf(`"seq":%d,`, i+1)), 1)
		var sum [hexLen]byte
		h.hash(l, &sum)
		copy(l[hashOff:], sum[:])
		out = append(out, l)
	}
	writeJournal(t, dir, bytes.Join(out, nil))
	os.WriteFile(filepath.Join(dir, HeadName), nil, 0o600) // and hides the head
	r, _ := Verify(dir)
	if p, _ := r.First(); p.Line != 3 || p.Seq != 3 || !strings.Contains(p.What, "prev does not match the hash of line 2") {
		t.Errorf("verify: %v", r.Problems)
	}
	_, err := ReadAll(dir)
	if err == nil || !strings.Contains(err.Error(), ":3: seq 3: prev does not match the hash of line 2") {
		t.Errorf("ReadAll: %v", err)
	}
}

// A journal smaller than one chunk is checked on one goroutine, a bigger one by
// workers: both give the same report, line for line, whatever is wrong with the
// journal, and the one-goroutine scan reads a journal that grew past a chunk to its
// end.
func TestVerifyOnOneGoroutineReportsWhatTheWorkersReport(t *testing.T) {
	_, lines := tamperJournal(t)
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	orig := join(lines...)
	flipped := bytes.Clone(orig)
	flipped[len(join(lines[:50]...))+hashOff+3] ^= 1
	g := newEventGen()
	var big []byte
	for len(big) < 2*chunkBuf+chunkBuf/2 {
		big = g.next(big)
	}
	bigFlipped := bytes.Clone(big)
	bigFlipped[chunkBuf+hashOff] ^= 1
	cases := map[string][]byte{
		"intact":              orig,
		"a hash flipped":      flipped,
		"a line deleted":      join(join(lines[:99]...), join(lines[100:]...)),
		"a garbage line":      join(join(lines[:7]...), []byte("not a journal line\n"), join(lines[7:]...)),
		"an overlong line":    join(join(lines[:3]...), bytes.Repeat([]byte("x"), 3<<20), []byte("\n"), join(lines[3:]...)),
		"an unfinished tail":  join(orig, lines[5][:40]),
		"empty":               nil,
		"only newlines":       []byte("\n\n\n"),
		"grown past a chunk":  big,
		"flipped past chunks": bigFlipped,
	}
	dir := filepath.Join(t.TempDir(), "none")
	for name, b := range cases {
		report := func(scan func(*verifier) error) Report {
			var r Report
			v := newVerifier(&r, 0)
			if err := scan(v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			v.finish(dir, head{Hash: Genesis}, nil)
			return r
		}
		// The one-goroutine scan is told the size the journal had when opened, none.
		here := report(func(v *verifier) error {
			return v.scanHere(context.Background(), iotest.HalfReader(bytes.NewReader(b)), 0)
		})
		workers := report(func(v *verifier) error {
			return v.scanWorkers(context.Background(), iotest.HalfReader(bytes.NewReader(b)), int64(len(b)))
		})
		if !reflect.DeepEqual(here, workers) {
			t.Errorf("%s: on one goroutine\n%+v\nwith workers\n%+v", name, here, workers)
		}
		wantOK := map[string]bool{"intact": true, "an unfinished tail": true, "empty": true, "only newlines": false, "grown past a chunk": true}
		if wantOK[name] != here.OK() {
			t.Errorf("%s: problems %v", name, here.Problems)
		}
		if want := bytes.Count(b, []byte("\n")); here.Events != want {
			t.Errorf("%s: %d lines read of %d", name, here.Events, want)
		}
		if want := int64(len(b) - bytes.LastIndexByte(b, '\n') - 1); here.Tail != want {
			t.Errorf("%s: tail of %d bytes, want %d", name, here.Tail, want)
		}
	}
}
