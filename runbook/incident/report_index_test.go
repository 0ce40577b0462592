package incident

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/journal"
)

// rewriteJournal rewrites the incident's journal in place with the title changed to
// another of the same length, every line's hash and link made again: a journal of the
// same size whose modification time is then set back to what it was. Only the change
// time (and, within a time stamp's granularity, not even that) tells it was written.
func rewriteJournal(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, journal.FileName)
	fi, err := os.Stat(path)
	must(t, err)
	events, err := journal.ReadAll(dir)
	must(t, err)
	var out []byte
	prev, title := journal.Genesis, ""
	for _, e := range events {
		data := e.Data
		if e.Type == EvStarted {
			var s Started
			must(t, json.Unmarshal(data, &s))
			title = strings.Replace(s.Title, "Outage", "Outagf", 1)
			data = bytes.Replace(data, []byte(`"`+s.Title+`"`), []byte(`"`+title+`"`), 1)
		}
		line, err := journal.BuildLine(prev, e.Seq, e.Local(), e.Actor, e.Type, data)
		must(t, err)
		d, err := journal.DecodeLine(line)
		must(t, err)
		prev, out = d.Hash, append(out, line...)
	}
	if int64(len(out)) != fi.Size() {
		t.Fatalf("the rewritten journal is %d bytes, not %d", len(out), fi.Size())
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt(out, 0)
	must(t, err)
	must(t, f.Close())
	must(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
	if again, _ := os.Stat(path); again.Size() != fi.Size() || !again.ModTime().Equal(fi.ModTime()) {
		t.Fatalf("the stamp moved: %v %v", again.Size(), again.ModTime())
	}
	// journal.head records the last line: it is rewritten too, as the journal keeps it.
	head := []byte(`{"seq":` + strconv.FormatUint(events[len(events)-1].Seq, 10) + `,"hash":"` + prev + `"}`)
	head = append(append(head, bytes.Repeat([]byte{' '}, 127-len(head))...), '\n')
	must(t, os.WriteFile(filepath.Join(dir, journal.HeadName), head, 0o600))
	return title
}

func checkRefolded(t *testing.T, st *Store, id, title string) {
	t.Helper()
	facts, folded, err := st.AllFacts()
	must(t, err)
	if folded != 1 {
		t.Errorf("%d incidents folded again, want the one rewritten", folded)
	}
	for _, f := range facts {
		if f.ID == id && f.Title != title {
			t.Errorf("%s: title %q from the index, want %q", id, f.Title, title)
		}
	}
}

// A journal rewritten to the same size with its modification time set back is
// noticed by its change time, once its stamp is older than a time stamp's granularity.
func TestReportIndexNoticesAJournalRewrittenWithTheSameStamp(t *testing.T) {
	defer func(w time.Duration) { racyWindow = w }(racyWindow)
	racyWindow = 0 // no journal is too recent to be trusted on its stamp
	st := reportStore(t)
	facts, _, err := st.AllFacts()
	must(t, err)
	time.Sleep(50 * time.Millisecond) // more than a clock tick: the change time moves
	id := facts[3].ID
	title := rewriteJournal(t, st.Dir(id))
	checkRefolded(t, st, id, title)
	if _, folded, _ := st.AllFacts(); folded != 0 {
		t.Errorf("then %d folded again", folded)
	}
}

// Within a time stamp's granularity not even the change time may move: a journal
// written shortly before it was indexed is trusted only once its last line is read
// back and found to be the one folded up to.
func TestReportIndexReadsBackTheLastLineOfARecentJournal(t *testing.T) {
	st := reportStore(t)
	facts, _, err := st.AllFacts()
	must(t, err)
	// Read back and found unchanged: not folded again.
	if _, folded, err := st.AllFacts(); err != nil || folded != 0 {
		t.Fatalf("%d folded, %v", folded, err)
	}
	id := facts[5].ID
	title := rewriteJournal(t, st.Dir(id))
	// The rewrite landed in the clock tick in which the index took its stamp: the
	// index holds the journal's stamp as it is now, with the facts from before.
	path := filepath.Join(st.DataDir, "cache", ReportIndexFile)
	idx, ok := readIndex(path)
	if !ok || idx.Facts[5].ID != id {
		t.Fatalf("index: %v", ok)
	}
	idx.Entries[5].Stamp = journalStamps(filepath.Join(st.DataDir, "incidents"), []string{id})[0]
	idx.Entries[5].TakenAt = time.Now().UnixNano()
	must(t, writeIndex(path, idx))
	checkRefolded(t, st, id, title)
}

// Once a journal has been quiet for the window, its entry is trusted on its stamp.
func TestReportIndexTrustsAQuietJournalOnItsStamp(t *testing.T) {
	defer func(w time.Duration) { racyWindow = w }(racyWindow)
	racyWindow = 100 * time.Millisecond
	st := reportStore(t)
	_, _, err := st.AllFacts()
	must(t, err)
	time.Sleep(2 * racyWindow)
	_, _, err = st.AllFacts() // read back, and marked quiet
	must(t, err)
	idx, ok := readIndex(filepath.Join(st.DataDir, "cache", ReportIndexFile))
	if !ok || len(idx.Entries) != 10 {
		t.Fatalf("index: %v, %d entries", ok, len(idx.Entries))
	}
	for i, e := range idx.Entries {
		if e.Stamp.written() >= e.TakenAt-int64(racyWindow) {
			t.Errorf("%s: still read back each time", idx.Facts[i].ID)
		}
	}
}

// The index folds incidents as Load does, each with its own frozen runbook: one
// incident's runbook asking for updates every 10 minutes instead of every hour gives
// it more updates due, while the others keep theirs.
func TestReportIndexFoldsEachWithItsOwnRunbook(t *testing.T) {
	st := reportStore(t)
	ids, err := incidentNames(filepath.Join(st.DataDir, "incidents"))
	must(t, err)
	var changed string
	dueBefore := 0
	for _, id := range ids {
		v, err := st.Load(id)
		must(t, err)
		if f := FactsOf(v); f.UpdatesDue > 0 && changed == "" {
			changed, dueBefore = id, f.UpdatesDue
			path := filepath.Join(st.Dir(id), RunbookFile)
			b, err := os.ReadFile(path)
			must(t, err)
			must(t, os.WriteFile(path, bytes.Replace(b, []byte(`update_every = "1h"`), []byte(`update_every = "10m"`), 1), 0o600))
		}
	}
	if changed == "" {
		t.Fatal("no incident of the fixture has updates due")
	}
	facts, folded, err := st.AllFacts()
	must(t, err)
	if folded != len(ids) {
		t.Fatalf("%d folded of %d", folded, len(ids))
	}
	for _, f := range facts {
		v, err := st.Load(f.ID)
		must(t, err)
		if want := FactsOf(v); !reflect.DeepEqual(f, want) {
			t.Errorf("%s: the index has\n%+v\nLoad gives\n%+v", f.ID, f, want)
		}
		if f.ID == changed && f.UpdatesDue <= dueBefore {
			t.Errorf("%s: %d updates due with its own runbook, %d before", f.ID, f.UpdatesDue, dueBefore)
		}
	}
}
