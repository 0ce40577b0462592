package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// variedLines is tamperJournal's mix of events (escaped actors, Unicode, four types)
// as n lines, made without a journal (no fsync per line).
func variedLines(n int) [][]byte {
	h, prev := newLineHasher(), Genesis
	t := time.Date(2026, 11, 23, 12, 3, 4, 123456789, berlin)
	var lines [][]byte
	for i := range n {
		actor, typ := "alice@laptop", "step.done"
		var data any = map[string]any{"step": fmt.Sprintf("contain-%d", i)}
		switch i % 4 {
		case 1:
			actor, typ, data = `bob "ops" \ desk`, "note", map[string]any{"text": strings.Repeat("checked ", i%13+1)}
		case 2:
			actor, typ, data = "carol@oncall", "escalate", map[string]any{"to": "lead", "reason": "customer data", "n": i}
		case 3:
			actor, typ, data = "dave@sre", "notify", map[string]any{"audience": "customers", "message": "Ünïcödé ✓"}
		}
		payload, err := marshalData(data)
		if err != nil {
			panic(err)
		}
		line := appendLine(nil, h, prev, uint64(i+1), t, actor, typ, payload)
		prev, t = string(line[hashOff:hashOff+hexLen]), t.Add(time.Second+time.Nanosecond)
		lines = append(lines, line)
	}
	return lines
}

// scanAll runs scan on b in memory, from a buffer of size bufSize, with a fn that
// checks the data as ReadAll does and keeps the events (their Data copied: scan
// reuses its buffer).
func scanAll(b []byte, hd head, herr error, bufSize int) ([]Event, error) {
	var evs []Event
	err := scan(context.Background(), FileName, bytes.NewReader(b), hd, herr, make([]byte, bufSize), func(e Event) error {
		if !json.Valid(e.Data) {
			return fmt.Errorf("event %d: %w", e.Seq, ErrDataNotJSON)
		}
		e.Data = bytes.Clone(e.Data)
		evs = append(evs, e)
		return nil
	})
	return evs, err
}

// sameResult fails unless Scan's events and error are ReadAll's (the error word for
// word).
func sameResult(t *testing.T, what string, evs []Event, err error, wantEvs []Event, wantErr error) {
	t.Helper()
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%s: Scan's error\n%v\nReadAll's\n%v", what, err, wantErr)
	}
	if err != nil {
		var ce, want *CorruptError
		if !errors.As(err, &ce) || !errors.As(wantErr, &want) || *ce != *want {
			t.Fatalf("%s: Scan's error %#v, ReadAll's %#v", what, err, wantErr)
		}
		return
	}
	if len(evs) != len(wantEvs) {
		t.Fatalf("%s: Scan read %d events, ReadAll %d", what, len(evs), len(wantEvs))
	}
	for i := range evs {
		if !reflect.DeepEqual(evs[i], wantEvs[i]) {
			t.Fatalf("%s: event %d\n%+v\nReadAll's\n%+v", what, i+1, evs[i], wantEvs[i])
		}
	}
}

// Scan reads lines in pieces of its buffer: whatever the buffer's size (a line cut
// anywhere, a line longer than the buffer), it reads what ReadAll reads, and a
// torn last line is left out as ReadAll leaves it.
func TestScanReadsWhatReadAllReads(t *testing.T) {
	lines := variedLines(60)
	b := bytes.Join(lines, nil)
	dir := t.TempDir()
	writeJournal(t, dir, b)
	torn := append(bytes.Clone(b), lines[3][:50]...)
	for _, in := range [][]byte{b, torn, nil, lines[0][:10]} {
		want, werr := decodeAll(context.Background(), FileName, in, head{}, errors.New("no head"))
		for _, size := range []int{1, 7, 150, 4096, scanBuffer} {
			evs, err := scanAll(in, head{}, errors.New("no head"), size)
			sameResult(t, fmt.Sprintf("%d bytes in a %d-byte buffer", len(in), size), evs, err, want, werr)
		}
	}
	// The journal's own Scan, on the file, with the writer lock held.
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	want, err := j.Events()
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	if err := j.Scan(func(e Event) error {
		e.Data = bytes.Clone(e.Data)
		evs = append(evs, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sameResult(t, "Journal.Scan", evs, nil, want, nil)
	stop := errors.New("enough")
	if err := j.Scan(func(e Event) error { return stop }); err != stop {
		t.Fatalf("fn's own error came back as %v", err)
	}
}

// A damaged journal is refused by Scan with ReadAll's error, word for word: a byte
// flipped anywhere, a line deleted, data that is not JSON under a correct hash,
// lines cut from the end (journal.head), a line longer than MaxLineSize.
func TestScanReportsWhatReadAllReports(t *testing.T) {
	lines := variedLines(12)
	orig := bytes.Join(lines, nil)
	check := func(what string, b []byte, hd head, herr error) {
		t.Helper()
		want, werr := decodeAll(context.Background(), FileName, b, hd, herr)
		if werr == nil {
			t.Fatalf("%s: ReadAll accepts it", what)
		}
		for _, size := range []int{64, scanBuffer} {
			evs, err := scanAll(b, hd, herr, size)
			sameResult(t, fmt.Sprintf("%s (%d-byte buffer)", what, size), evs, err, want, werr)
		}
	}
	rng := rand.New(rand.NewPCG(3, 3))
	start := 0
	for i, line := range lines[:8] {
		for name, p := range bytePositions(line, rng) {
			b := bytes.Clone(orig)
			b[start+p] ^= 1
			check(fmt.Sprintf("line %d, %s (byte %d) flipped", i+1, name, p), b, head{}, errors.New("no head"))
		}
		start += len(line)
	}
	check("line 7 deleted", bytes.Join(append(append([][]byte{}, lines[:6]...), lines[7:]...), nil), head{}, errors.New("no head"))

	notJSON := append([][]byte{}, lines...)
	notJSON[4] = bytes.Replace(lines[4], []byte(`"}}`), []byte(`",}}`), 1)
	check("data of line 5 not JSON", rechain(notJSON), head{}, errors.New("no head"))

	last, _ := parseLine(lines[len(lines)-1])
	check("lines cut from the end", bytes.Join(lines[:9], nil), head{Seq: last.seq, Hash: string(last.hash)}, nil)

	long := append([][]byte{}, lines[:3]...)
	long[2] = bytes.Replace(lines[2], []byte(`"to":"lead"`), []byte(`"to":"`+strings.Repeat("l", MaxLineSize)+`"`), 1)
	check("line 3 longer than MaxLineSize", rechain(long), head{}, errors.New("no head"))
	// Unterminated, the long line is a torn write: left out by both.
	b := rechain(long)
	want, werr := decodeAll(context.Background(), FileName, b[:len(b)-1], head{}, errors.New("no head"))
	evs, err := scanAll(b[:len(b)-1], head{}, errors.New("no head"), scanBuffer)
	sameResult(t, "a torn line longer than MaxLineSize", evs, err, want, werr)
	if werr != nil || len(want) != 2 {
		t.Fatalf("ReadAll of a torn long line: %d events, %v", len(want), werr)
	}
}

// Scan on a journal that is not there, or is a symlink, fails as ReadAll does.
func TestScanOfAMissingJournal(t *testing.T) {
	dir := t.TempDir()
	err := scanContext(context.Background(), dir, func(Event) error { return nil })
	if _, rerr := ReadAll(dir); err == nil || rerr == nil || err.Error() != rerr.Error() {
		t.Fatalf("Scan: %v, ReadAll: %v", err, rerr)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
	err = scanContext(context.Background(), dir, func(Event) error { return nil })
	var nr *NotRegularError
	if !errors.As(err, &nr) {
		t.Fatalf("Scan of a symlinked journal: %v", err)
	}
}

// An event's time is read by arithmetic: the same instant, and the same time.Time,
// as parseTime's time.Date, over the years a line may hold.
func TestEventTimeIsParseTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	times := []string{"0000-01-01T00:00:00.000000000Z", "0000-02-29T12:00:00.000000001Z", "0001-01-01T00:00:00.000000000Z",
		"1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00.000000000Z", "2000-02-29T23:59:59.123456789Z",
		"2026-11-23T11:03:04.123456789Z", "2100-02-28T00:00:00.000000000Z", "9999-12-31T23:59:59.999999999Z"}
	for range 2000 {
		tm := time.Unix(rng.Int64N(253402300800+62135596800)-62135596800, rng.Int64N(1e9)).UTC()
		times = append(times, tm.Format(timeLayout))
	}
	for _, s := range times {
		want, ok := parseTime([]byte(s))
		if !ok || !validTime([]byte(s)) {
			t.Fatalf("%s does not parse", s)
		}
		if got := eventTime([]byte(s)); got != want {
			t.Fatalf("%s: %v, parseTime %v", s, got, want)
		}
	}
}
