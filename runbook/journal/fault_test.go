package journal

import (
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// faultyDisk wraps the journal file and fails the operations it is told to, the way a
// full or dying disk does. With short set, a failing write first writes half its
// bytes.
type faultyDisk struct {
	mu                         sync.Mutex
	f                          *os.File
	write, sync, truncate      error
	syncFails                  int  // when > 0, only that many syncs fail
	short                      bool // a failing write writes half the line first
	shortNil                   bool // a short write that reports no error
	writes, syncs, truncations int
}

func (d *faultyDisk) clear() {
	d.set(func(d *faultyDisk) {
		d.write, d.sync, d.truncate, d.syncFails, d.short, d.shortNil = nil, nil, nil, 0, false, false
	})
}

func (d *faultyDisk) set(fn func(d *faultyDisk)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fn(d)
}

func (d *faultyDisk) WriteAt(p []byte, off int64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writes++
	if d.shortNil {
		n, _ := d.f.WriteAt(p[:len(p)/2], off)
		return n, nil
	}
	if d.write != nil {
		n := 0
		if d.short {
			n, _ = d.f.WriteAt(p[:len(p)/2], off)
		}
		return n, d.write
	}
	return d.f.WriteAt(p, off)
}

func (d *faultyDisk) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncs++
	if d.sync != nil {
		if d.syncFails > 0 {
			if d.syncFails--; d.syncFails == 0 {
				defer func() { d.sync = nil }()
			}
		}
		return d.sync
	}
	return d.f.Sync()
}

func (d *faultyDisk) Truncate(size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.truncations++
	if d.truncate != nil {
		return d.truncate
	}
	return d.f.Truncate(size)
}

func faultyIncident(t *testing.T) (*Journal, string, *faultyDisk) {
	t.Helper()
	d := &faultyDisk{}
	j, dir := newIncident(t, WithFile(func(f *os.File) File { d.f = f; return d }))
	appendN(t, j, 3)
	return j, dir, d
}

// assertUnchanged checks the journal still holds exactly its good lines, verifies,
// and takes the next append at the next seq.
func assertUnchanged(t *testing.T, j *Journal, dir string, good []byte, next uint64) {
	t.Helper()
	if got := readJournal(t, dir); string(got) != string(good) {
		t.Fatalf("journal changed after a failed append:\n%q\nwant\n%q", got, good)
	}
	mustVerify(t, dir)
	e, err := j.Append("alice@laptop", "note", map[string]string{"after": "fault cleared"})
	if err != nil {
		t.Fatalf("append after the fault cleared: %v", err)
	}
	if e.Seq != next {
		t.Fatalf("append after the fault got seq %d, want %d", e.Seq, next)
	}
	if r := mustVerify(t, dir); r.LastSeq != next {
		t.Fatalf("verify after the fault: last seq %d", r.LastSeq)
	}
}

func TestAFailingDiskLeavesTheJournalVerifiable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  func(d *faultyDisk)
		errIs  error
		errHas string
	}{
		{"disk full", func(d *faultyDisk) { d.write = syscall.ENOSPC }, syscall.ENOSPC, "write: no space left on device; nothing was saved"},
		{"disk full after half the line", func(d *faultyDisk) { d.write, d.short = syscall.ENOSPC, true }, syscall.ENOSPC, "no space left on device; nothing was saved"},
		{"short write without an error", func(d *faultyDisk) { d.shortNil = true }, io.ErrShortWrite, "short write; nothing was saved"},
		{"write I/O error", func(d *faultyDisk) { d.write = syscall.EIO }, syscall.EIO, "write: input/output error"},
		// The undo's own fsync succeeds: a fault of the append's fsync alone.
		{"fsync I/O error", func(d *faultyDisk) { d.sync, d.syncFails = syscall.EIO, 1 }, syscall.EIO, "fsync: input/output error; nothing was saved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, dir, d := faultyIncident(t)
			good := readJournal(t, dir)
			d.set(tc.fault)
			_, err := j.Append("alice@laptop", "note", map[string]string{"text": "saved?"})
			if !errors.Is(err, tc.errIs) || !strings.Contains(err.Error(), tc.errHas) ||
				!strings.Contains(err.Error(), "append event 4 to ") {
				t.Fatalf("error %v, want %v saying %q", err, tc.errIs, tc.errHas)
			}
			d.clear()
			assertUnchanged(t, j, dir, good, 4)
		})
	}
}

func TestAppendsWaitUntilAPartialWriteIsUndone(t *testing.T) {
	j, dir, d := faultyIncident(t)
	good := readJournal(t, dir)
	// Half a line reaches the file and the disk then refuses even the truncate.
	d.set(func(d *faultyDisk) { d.write, d.short, d.truncate = syscall.EIO, true, syscall.EIO })
	_, err := j.Append("alice@laptop", "note", nil)
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "appends are refused until it can be undone") {
		t.Fatalf("error %v", err)
	}
	// Readers see the good lines and a torn tail, not an error.
	if evs, err := ReadAll(dir); err != nil || len(evs) != 3 {
		t.Fatalf("ReadAll: %d, %v", len(evs), err)
	}
	if r := mustVerify(t, dir); r.Tail == 0 {
		t.Errorf("verify: no unfinished tail reported: %+v", r)
	}
	// While the undo keeps failing, no append writes anything.
	d.set(func(d *faultyDisk) { d.write, d.short = nil, false })
	d.mu.Lock()
	writes := d.writes
	d.mu.Unlock()
	if _, err := j.Append("alice@laptop", "note", nil); err == nil || !strings.Contains(err.Error(), "could not be undone") {
		t.Fatalf("append while the undo fails: %v", err)
	}
	d.mu.Lock()
	wrote := d.writes != writes
	d.mu.Unlock()
	if wrote {
		t.Fatal("an append wrote while a partial line was still in the file")
	}
	// Once the disk recovers, the next append undoes the partial line first.
	d.set(func(d *faultyDisk) { d.truncate = nil })
	e, err := j.Append("alice@laptop", "note", nil)
	if err != nil || e.Seq != 4 {
		t.Fatalf("append after recovery: seq %d, %v", e.Seq, err)
	}
	b := readJournal(t, dir)
	if !strings.HasPrefix(string(b), string(good)) {
		t.Fatal("good lines changed")
	}
	if _, err := DecodeLine(b[len(good):]); err != nil {
		t.Fatalf("the line after the good ones: %v (partial bytes left in front of it?)", err)
	}
	if r := mustVerify(t, dir); r.Tail != 0 || r.LastSeq != 4 {
		t.Fatalf("report %+v", r)
	}
}

func TestReopeningAfterAnUndoneFailureRecoversThePartialLine(t *testing.T) {
	j, dir, d := faultyIncident(t)
	d.set(func(d *faultyDisk) {
		d.write, d.short, d.truncate, d.sync = syscall.EIO, true, syscall.EIO, syscall.EIO
	})
	if _, err := j.Append("alice@laptop", "note", nil); err == nil {
		t.Fatal("append on a dead disk succeeded")
	}
	j.Close() // its undo fails too
	j2, err := Open(dir, WithClock(stepClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if recs := j2.Recoveries(); len(recs) != 1 || recs[0].Bytes == 0 {
		t.Fatalf("recoveries %+v, want the half line", recs)
	}
	if r := mustVerify(t, dir); r.LastSeq != 4 || len(r.Recovered) != 1 {
		t.Fatalf("report %+v", r)
	}
}

// opLog records the order of the writer's file operations.
type opLog struct {
	*os.File
	ops *[]string
}

func (o opLog) WriteAt(p []byte, off int64) (int, error) {
	*o.ops = append(*o.ops, "write")
	return o.File.WriteAt(p, off)
}

func (o opLog) Sync() error {
	*o.ops = append(*o.ops, "fsync")
	return o.File.Sync()
}

func TestAppendReturnsOnlyAfterFsync(t *testing.T) {
	var ops []string
	j, _ := newIncident(t, WithFile(func(f *os.File) File { return opLog{f, &ops} }))
	for i := 0; i < 3; i++ {
		ops = ops[:0]
		appendN(t, j, 1)
		if strings.Join(ops, ",") != "write,fsync" {
			t.Fatalf("append %d did %v before returning, want write then fsync", i+1, ops)
		}
	}
}
