package journal

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A typical event: a responder's note of a few sentences.
var benchNote = map[string]any{
	"text": "Isolated web-3 from the load balancer; error rate back under 1 %. " +
		"Kept the instance running for forensics, memory image pending.",
	"step": "contain.isolate-host",
}

func BenchmarkAppend(b *testing.B) {
	j, _ := newIncident(b, WithClock(time.Now))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Append("alice@laptop", "note", benchNote); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendBaseline writes and fsyncs the bytes of the same event to a plain
// file: the floor Append is measured against.
func BenchmarkAppendBaseline(b *testing.B) {
	j, dir := newIncident(b, WithClock(time.Now))
	if _, err := j.Append("alice@laptop", "note", benchNote); err != nil {
		b.Fatal(err)
	}
	line := readJournal(b, dir)
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "plain"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

const bigJournalSize = 256 << 20

// BenchmarkVerify verifies a 256 MB journal (generated once and cached in the temp
// directory); compare its MB/s with BenchmarkSHA256.
func BenchmarkVerify(b *testing.B) {
	dir := benchJournal(b, "size", bigJournalSize, 0)
	size := fileSize(b, filepath.Join(dir, FileName))
	b.SetBytes(size)
	for b.Loop() {
		r, err := Verify(dir)
		if err != nil || !r.OK() || r.Bytes != size {
			b.Fatalf("verify: %v %s", err, r.Summary())
		}
	}
}

// BenchmarkSHA256 hashes the same 256 MB: "file" reads it the way Verify does (what
// sha256sum does), "memory" hashes bytes already in memory.
func BenchmarkSHA256(b *testing.B) {
	path := filepath.Join(benchJournal(b, "size", bigJournalSize, 0), FileName)
	size := fileSize(b, path)
	b.Run("file", func(b *testing.B) {
		b.SetBytes(size)
		buf := make([]byte, 4<<20)
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.CopyBuffer(h, onlyReader{f}, buf); err != nil {
				b.Fatal(err)
			}
			h.Sum(nil)
			f.Close()
		}
	})
	b.Run("memory", func(b *testing.B) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size)
		for b.Loop() {
			sha256.Sum256(data)
		}
	})
}

// onlyReader hides WriterTo so CopyBuffer uses the given buffer.
type onlyReader struct{ io.Reader }

// BenchmarkOpenFold100k reads a journal of 100,000 events and folds them into a
// trivial state, as the incident layer does on every command.
func BenchmarkOpenFold100k(b *testing.B) {
	dir := benchJournal(b, "events", 0, 100_000)
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		evs, err := ReadAll(dir)
		if err != nil {
			b.Fatal(err)
		}
		counts := map[string]int{}
		var last time.Time
		for _, e := range evs {
			counts[e.Type]++
			last = e.Time
		}
		if len(evs) != 100_000 || last.IsZero() {
			b.Fatalf("%d events", len(evs))
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, ms.HeapAlloc)
		runtime.KeepAlive(evs)
	}
	b.ReportMetric(float64(live)/(1<<20), "MB-heap")
}

func fileSize(b *testing.B, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// benchJournal returns an incident directory holding a realistic journal of at least
// size bytes or exactly events events, generated once into the temp directory and
// reused by later runs.
func benchJournal(b *testing.B, kind string, size int64, events int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("muster-journal-bench-v%d-%s-%d-%d", Schema, kind, size, events))
	if _, err := os.Stat(filepath.Join(dir, HeadName)); err == nil {
		return dir
	}
	b.StopTimer()
	defer b.StartTimer()
	os.RemoveAll(dir)
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, AttachDir), 0o700); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(tmp, FileName))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := newEventGen()
	var written int64
	var buf []byte
	for n := 1; (size > 0 && written < size) || (events > 0 && n <= events); n++ {
		buf = g.next(buf[:0])
		w.Write(buf)
		written += int64(len(buf))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	h, err := os.Create(filepath.Join(tmp, HeadName))
	if err != nil {
		b.Fatal(err)
	}
	writeHead(h, g.seq, g.prev)
	h.Close()
	if err := os.Rename(tmp, dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

// eventGen writes lines like a real incident's: steps, notes of varied length,
// notifications and escalations, from a few responders, a few seconds apart.
type eventGen struct {
	rng  *rand.Rand
	seq  uint64
	prev string
	t    time.Time
	h    *lineHasher
}

func newEventGen() *eventGen {
	return &eventGen{rng: rand.New(rand.NewPCG(1, 2)), prev: Genesis,
		t: time.Date(2026, 11, 23, 12, 3, 4, 0, berlin), h: newLineHasher()}
}

var (
	genActors = []string{"alice@laptop", "bob@ops-desk", "carol@oncall", "dave@sre-2"}
	genWords  = strings.Fields("the database replica lag rose after failover we drained traffic from eu-west-1 " +
		"and restarted the api pods error rate dropped customer support was told status page updated " +
		"root cause looks like a bad config push rollback done waiting for confirmation from the vendor")
)

func (g *eventGen) words(n int) string {
	var s strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			s.WriteByte(' ')
		}
		s.WriteString(genWords[g.rng.IntN(len(genWords))])
	}
	return s.String()
}

func (g *eventGen) next(dst []byte) []byte {
	g.seq++
	g.t = g.t.Add(time.Duration(g.rng.IntN(30_000)) * time.Millisecond)
	var typ string
	var data any
	switch k := g.rng.IntN(10); {
	case k < 4:
		typ, data = "step.done", map[string]any{"step": fmt.Sprintf("phase-%d.step-%d", g.rng.IntN(6), g.rng.IntN(20)), "note": g.words(8)}
	case k < 8:
		typ, data = "note", map[string]any{"text": g.words(10 + g.rng.IntN(80))}
	case k < 9:
		typ, data = "notify", map[string]any{"audience": "customers", "channel": "status page", "message": g.words(30)}
	default:
		typ, data = "escalate", map[string]any{"to": "incident-lead", "reason": g.words(15)}
	}
	payload, err := marshalData(data)
	if err != nil {
		panic(err)
	}
	start := len(dst)
	dst = appendLine(dst, g.h, g.prev, g.seq, g.t, genActors[g.rng.IntN(len(genActors))], typ, payload)
	g.prev = string(dst[start+hashOff : start+hashOff+hexLen])
	return dst
}
