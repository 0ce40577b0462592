package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateMakesAPrivateDurableIncident(t *testing.T) {
	j, dir := newIncident(t)
	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{filepath.Join(dir, AttachDir), 0o700 | os.ModeDir},
		{filepath.Join(dir, FileName), 0o600},
		{filepath.Join(dir, HeadName), 0o600},
		{filepath.Join(dir, LockName), 0o600},
		{filepath.Dir(dir), 0o700 | os.ModeDir},
	} {
		st, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != tc.mode {
			t.Errorf("%s: mode %v, want %v", tc.path, st.Mode(), tc.mode)
		}
	}
	if seq, hash := j.Last(); seq != 0 || hash != Genesis {
		t.Errorf("new journal: Last() = %d, %s", seq, hash)
	}
	if r := mustVerify(t, dir); r.Events != 0 || r.Summary() != "intact: 0 events, 0 attachments" {
		t.Errorf("empty journal: %+v %q", r, r.Summary())
	}
	if _, err := Create(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Create over an existing incident: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Errorf("a refused Create removed the existing incident: %v", err)
	}
}

func TestReopenedJournalContinuesTheChain(t *testing.T) {
	j, dir := newIncident(t)
	first := appendN(t, j, 3)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append("a", "note", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	j2, err := Open(dir, WithClock(stepClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if seq, hash := j2.Last(); seq != 3 || hash != first[2].Hash {
		t.Fatalf("reopened at seq %d hash %s, want 3 %s", seq, hash, first[2].Hash)
	}
	e := appendN(t, j2, 1)[0]
	if e.Seq != 4 || e.Prev != first[2].Hash {
		t.Errorf("4th event: seq %d prev %s", e.Seq, e.Prev)
	}
	evs, err := j2.Events()
	if err != nil || len(evs) != 4 {
		t.Fatalf("Events: %d, %v", len(evs), err)
	}
	r := mustVerify(t, dir)
	if r.LastSeq != 4 || r.LastHash != e.Hash || len(j2.Recoveries()) != 0 {
		t.Errorf("report %+v, recoveries %v", r, j2.Recoveries())
	}
}

func TestOpenOfAMissingIncidentFails(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "INC-nope"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want not-exist", err)
	}
}

// tornJournal writes n events, closes the journal and appends the first half of
// another line, as a crash in the middle of a write leaves it.
func tornJournal(t *testing.T, n int) (dir string, torn []byte) {
	t.Helper()
	j, dir := newIncident(t)
	appendN(t, j, n)
	j.Close()
	good := readJournal(t, dir)
	j2, err := Open(dir, WithClock(stepClock()))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j2, 1)
	j2.Close()
	full := readJournal(t, dir)
	torn = full[len(good) : len(good)+(len(full)-len(good))/2]
	writeJournal(t, dir, append(good, torn...))
	// journal.head already names the line that is now torn; a crash mid-write could
	// not have got that far, so put it back to where the crash leaves it.
	h, err := os.OpenFile(filepath.Join(dir, HeadName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	last, err := DecodeLine([]byte(lines[n-1]))
	if err != nil {
		t.Fatal(err)
	}
	writeHead(h, last.Seq, last.Hash)
	h.Close()
	return dir, torn
}

func TestReadersIgnoreATornLastLine(t *testing.T) {
	dir, torn := tornJournal(t, 3)
	evs, err := ReadAll(dir)
	if err != nil || len(evs) != 3 {
		t.Fatalf("ReadAll: %d events, %v", len(evs), err)
	}
	r := mustVerify(t, dir)
	if r.Tail != int64(len(torn)) || !strings.Contains(r.Summary(), fmt.Sprintf("%d bytes of an unfinished last line", len(torn))) {
		t.Errorf("Verify: tail %d, summary %q; want %d", r.Tail, r.Summary(), len(torn))
	}
}

func TestOpenKeepsATornLastLineInASideFile(t *testing.T) {
	dir, torn := tornJournal(t, 3)
	j, err := Open(dir, WithClock(stepClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	recs := j.Recoveries()
	if len(recs) != 1 {
		t.Fatalf("recoveries %v, want 1", recs)
	}
	rec := recs[0]
	sum := sha256.Sum256(torn)
	if !strings.HasPrefix(rec.File, "journal.torn-4-") || !strings.HasSuffix(rec.File, ".bin") ||
		rec.Bytes != int64(len(torn)) || rec.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("recovery %+v; want journal.torn-4-<unix>.bin, %d bytes, sha256 %x", rec, len(torn), sum)
	}
	kept, err := os.ReadFile(filepath.Join(dir, rec.File))
	if err != nil || !bytes.Equal(kept, torn) {
		t.Fatalf("side file holds %q (%v), want the torn bytes %q", kept, err, torn)
	}
	if st, _ := os.Stat(filepath.Join(dir, rec.File)); st.Mode() != 0o600 {
		t.Errorf("side file mode %v", st.Mode())
	}
	evs, err := ReadAll(dir)
	if err != nil || len(evs) != 4 {
		t.Fatalf("ReadAll: %d, %v", len(evs), err)
	}
	got, err := evs[3].Recovery()
	if err != nil || evs[3].Type != TypeRecovered || got != rec {
		t.Errorf("event 4: %s %+v (%v), want recovered %+v", evs[3].Type, got, err, rec)
	}
	if e := appendN(t, j, 1)[0]; e.Seq != 5 {
		t.Errorf("next append seq %d", e.Seq)
	}
	r := mustVerify(t, dir)
	if len(r.Recovered) != 1 || r.Recovered[0].Line != 4 || r.Recovered[0].Recovery != rec ||
		!strings.Contains(r.Summary(), "1 torn write recovered") {
		t.Errorf("Verify: recovered %+v summary %q", r.Recovered, r.Summary())
	}
	// Changing or deleting the side file is caught.
	os.WriteFile(filepath.Join(dir, rec.File), []byte("other"), 0o600)
	if r, _ := Verify(dir); r.OK() || r.Problems[0].Line != 4 || !strings.Contains(r.Problems[0].What, "side file changed") {
		t.Errorf("changed side file: %s", r.Summary())
	}
	os.Remove(filepath.Join(dir, rec.File))
	if r, _ := Verify(dir); r.OK() || !strings.Contains(r.Problems[0].What, "missing") {
		t.Errorf("deleted side file: %s", r.Summary())
	}
}

func TestOpenFinishesARecoveryACrashInterrupted(t *testing.T) {
	t.Run("crash before the cut reuses the side file", func(t *testing.T) {
		dir, torn := tornJournal(t, 2)
		sum := sha256.Sum256(torn)
		os.WriteFile(filepath.Join(dir, "journal.torn-3-1700000000.bin"), torn, 0o600)
		os.WriteFile(filepath.Join(dir, "journal.torn-3-1700000000.bin.tmp"), torn[:1], 0o600)
		j, err := Open(dir, WithClock(stepClock()))
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if recs := j.Recoveries(); len(recs) != 1 || recs[0].File != "journal.torn-3-1700000000.bin" || recs[0].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("recoveries %+v", recs)
		}
		if _, err := os.Stat(filepath.Join(dir, "journal.torn-3-1700000000.bin.tmp")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("half-written side file left behind: %v", err)
		}
		if r := mustVerify(t, dir); len(r.Recovered) != 1 || len(r.Unrecorded) != 0 {
			t.Errorf("report %+v", r)
		}
	})
	t.Run("crash after the cut records the side file", func(t *testing.T) {
		j, dir := newIncident(t)
		appendN(t, j, 2)
		j.Close()
		os.WriteFile(filepath.Join(dir, "journal.torn-3-1700000000.bin"), []byte(`{"prev":"12`), 0o600)
		cut := int64(len(readJournal(t, dir)))
		if r := mustVerify(t, dir); len(r.Unrecorded) != 1 {
			t.Errorf("Verify before reopening: unrecorded %v", r.Unrecorded)
		}
		j2, err := Open(dir, WithClock(stepClock()))
		if err != nil {
			t.Fatal(err)
		}
		defer j2.Close()
		recs := j2.Recoveries()
		if len(recs) != 1 || recs[0].Bytes != 11 || recs[0].Offset != cut {
			t.Errorf("recoveries %+v", recs)
		}
		if r := mustVerify(t, dir); len(r.Recovered) != 1 || len(r.Unrecorded) != 0 {
			t.Errorf("report %+v", r)
		}
	})
}

func TestOpenRefusesADamagedJournal(t *testing.T) {
	t.Run("last line cut off", func(t *testing.T) {
		j, dir := newIncident(t)
		appendN(t, j, 3)
		j.Close()
		b := readJournal(t, dir)
		writeJournal(t, dir, b[:len(b)-len(strings.SplitAfter(string(b), "\n")[2])])
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), "ends at seq 2 but journal.head records seq 3") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("last line edited", func(t *testing.T) {
		j, dir := newIncident(t)
		appendN(t, j, 3)
		j.Close()
		writeJournal(t, dir, bytes.Replace(readJournal(t, dir), []byte(`"n":2`), []byte(`"n":7`), 1))
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), "the last complete line (at byte") || !strings.Contains(err.Error(), "does not match its hash") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestAnIncidentMayHoldOneWriter(t *testing.T) {
	j, dir := newIncident(t, WithActor("alice@laptop"))
	appendN(t, j, 1)
	_, err := Open(dir, WithActor("bob@desk"))
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open: %v, want a *LockedError", err)
	}
	host, _ := os.Hostname()
	if le.Holder.PID != os.Getpid() || le.Holder.Actor != "alice@laptop" || le.Holder.Host != host {
		t.Errorf("holder %+v", le.Holder)
	}
	want := fmt.Sprintf("INC-20261123-7KQ4 is being written by alice@laptop (pid %d on %s) since 2026-11-23 11:03:04 UTC", os.Getpid(), host)
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	// Readers are not blocked.
	if evs, err := ReadAll(dir); err != nil || len(evs) != 1 {
		t.Errorf("ReadAll under lock: %d, %v", len(evs), err)
	}
	mustVerify(t, dir)
	j.Close()
	j2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	j2.Close()
}
