package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What a responder types is on disk before they send it (0600, per incident and
// dialog); a new session on the incident (after a dropped ssh session or a SIGKILL)
// opens the dialog again with the text, and sending it deletes the draft.
func TestDraftKeptOnDiskAndOfferedOnResume(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "n")                                   // a note about the selected step, assign-owner-and-severity
	_ = typeText(t, m, "Maria paged the DBA; failover at") // the session ends here, unsaid
	path := draftPath(d.Store.DataDir, id, "note:assign-owner-and-severity")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no draft on disk while typing: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("draft mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("drafts directory mode %v, want 0700", di.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "Maria paged the DBA; failover at") {
		t.Errorf("the draft does not hold the last keystroke:\n%s", b)
	}

	// The session is gone without a word (no Esc, no quit): a new one offers it back.
	m = newModel(t, d, Options{Resume: id}, 120, 40)
	got := shot(m)
	for _, want := range []string{"Maria paged the DBA; failover at", "your draft note on step assign-owner-and-severity", "is back", "ctrl+s sends it"} {
		if !strings.Contains(got, want) {
			t.Errorf("resume does not offer the draft (%q):\n%s", want, got)
		}
	}
	m = typeText(t, m, " 10:14")
	m = press(t, m, "ctrl+s")
	if m.inc.dialog != nil {
		t.Fatalf("the note was not sent: %s", m.inc.dialog.err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the sent note's draft is still on disk: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("the incident's empty drafts directory is left: %v", err)
	}
	v, err := d.Store.Load(id)
	must(t, err)
	last := v.State.Notes[len(v.State.Notes)-1]
	if last.Text != "Maria paged the DBA; failover at 10:14" || last.Step != "assign-owner-and-severity" {
		t.Errorf("the note in the journal: %+v", last)
	}
}

// A draft of an incident closed meanwhile (by a colleague, or forced) is not offered
// as sendable: the journal would refuse it. It stays on disk, and the screen says so.
func TestDraftOfAClosedIncidentIsNotOfferedAsSendable(t *testing.T) {
	d, _, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "n")
	_ = typeText(t, m, "Maria paged the DBA")
	inc, err := d.Store.Open(id, "bob@desk")
	must(t, err)
	must(t, inc.CloseIncident("duplicate", true, "duplicate of another incident"))
	must(t, inc.Close())
	m = newModel(t, d, Options{Resume: id}, 120, 40)
	if m.inc.dialog != nil || strings.Contains(m.flash.text, "ctrl+s sends it") || !strings.Contains(m.flash.text, "not sendable: note on step assign-owner-and-severity") {
		t.Errorf("dialog open %v, message %q", m.inc.dialog != nil, m.flash.text)
	}
	if _, err := os.Stat(draftPath(d.Store.DataDir, id, "note:assign-owner-and-severity")); err != nil {
		t.Errorf("the draft is gone: %v", err)
	}
}

// Several drafts: the newest opens, the others come back when their dialogs open;
// a dialog emptied by hand leaves no draft behind.
func TestSeveralDraftsAndEmptiedOnes(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	m = press(t, m, "e") // on "Why?": whom is filled in
	m = typeText(t, m, "replica lag 40 min")
	m = press(t, m, "esc")
	clk.Advance(time.Minute)
	m = press(t, m, "N")
	m = typeText(t, m, "status page drafted")
	m = press(t, m, "esc", "s")
	m = typeText(t, m, "x")
	_ = press(t, m, "backspace", "esc")
	if _, err := os.Stat(draftPath(d.Store.DataDir, id, "skip:assign-owner-and-severity")); !os.IsNotExist(err) {
		t.Errorf("an emptied dialog left a draft: %v", err)
	}

	m = newModel(t, d, Options{Resume: id}, 120, 40)
	got := shot(m)
	if !strings.Contains(got, "status page drafted") || !strings.Contains(got, "also kept: escalation") {
		t.Errorf("the newest draft is not the one offered:\n%s", got)
	}
	m = press(t, m, "esc", "e")
	if got := shot(m); !strings.Contains(got, "replica lag 40 min") {
		t.Errorf("the escalation draft does not come back:\n%s", got)
	}
}

// A file in the drafts directory that is not a draft of this incident is named, and
// left alone.
func TestForeignDraftFileIsNamed(t *testing.T) {
	d, _, id := workedIncident(t)
	dir := filepath.Join(d.Store.DataDir, "drafts", id)
	must(t, os.MkdirAll(dir, 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "note.json"), []byte("{not json"), 0o600))
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	if got := shot(m); !strings.Contains(got, "note.json: not a draft of this incident; left as it is") {
		t.Errorf("the bad file is not named:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "note.json")); err != nil {
		t.Errorf("the bad file was removed: %v", err)
	}
}
