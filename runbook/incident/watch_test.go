package incident

import (
	"testing"
	"time"
)

func TestStampSaysWhetherAnotherWriterAppended(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st, inc := startIncident(t, c, "high")
	v, seen, err := st.LoadStamped(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if seen.Zero() || seen != inc.Stamp() {
		t.Fatalf("the stamp of a read (%+v) is not the writer's (%+v)", seen, inc.Stamp())
	}
	now, err := st.Stamp(inc.ID)
	if err != nil || now.Changed(seen) {
		t.Fatalf("nothing was written, yet the stamp changed: %+v -> %+v (%v)", seen, now, err)
	}
	if err := inc.AddNote("the CLI wrote this", ""); err != nil {
		t.Fatal(err)
	}
	now, err = st.Stamp(inc.ID)
	if err != nil || !now.Changed(seen) {
		t.Fatalf("a note was appended, yet the stamp did not change: %+v (%v)", now, err)
	}
	if now != inc.Stamp() {
		t.Errorf("after the write the writer's stamp %+v is not the store's %+v", inc.Stamp(), now)
	}
	ev, err := st.Events(inc.ID)
	if err != nil || len(ev) != len(v.Events)+1 || ev[len(ev)-1].Type != EvNote {
		t.Errorf("Events read %d events (%v), want the %d loaded and the note", len(ev), err, len(v.Events))
	}
}

func TestStampOfAMissingIncident(t *testing.T) {
	st := &Store{DataDir: t.TempDir()}
	if s, err := st.Stamp("INC-20261123-XXXXX"); err == nil || !s.Zero() {
		t.Errorf("a missing incident has stamp %+v, err %v", s, err)
	}
	if _, err := st.Stamp("../escape"); err == nil {
		t.Error("an id that leaves the store was stamped")
	}
	if _, err := st.Events("INC-20261123-XXXXX"); err == nil {
		t.Error("a missing incident has events")
	}
}

func TestCurrentTimeIsTheStoreClock(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st := &Store{Now: c.now}
	if got := st.CurrentTime(); !got.Equal(c.t) {
		t.Errorf("CurrentTime %v, want the store's clock %v", got, c.t)
	}
	before := time.Now()
	got := (&Store{}).CurrentTime()
	if after := time.Now(); got.Before(before) || got.After(after) {
		t.Errorf("without a clock CurrentTime is %v, not the wall clock (between %v and %v)", got, before, after)
	}
}

func TestStampsSeeAnIncidentStartedOrWrittenElsewhere(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st, inc := startIncident(t, c, "high")
	before, err := st.Stamps()
	if err != nil || len(before) != 1 || before[inc.ID] != inc.Stamp() {
		t.Fatalf("stamps %+v (%v), want the one incident's", before, err)
	}
	if err := inc.AddNote("written elsewhere", ""); err != nil {
		t.Fatal(err)
	}
	c.advance(3 * time.Minute)
	other, err := st.Start(StartOptions{Runbook: mustRunbook(t), Policy: inc.Policy, Severity: "low", Title: "Another one", Actor: "bob@desk"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	after, err := st.Stamps()
	if err != nil || len(after) != 2 || !after[inc.ID].Changed(before[inc.ID]) || after[other.ID].Zero() {
		t.Errorf("after a note and a new incident: %+v (%v)", after, err)
	}
	if empty, err := (&Store{DataDir: t.TempDir()}).Stamps(); err != nil || len(empty) != 0 {
		t.Errorf("an empty data dir has stamps %+v (%v)", empty, err)
	}
}
