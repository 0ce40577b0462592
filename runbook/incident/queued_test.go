package incident

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/journal"
)

// queuedTeam makes a large incident with its caches, forged so a test can tell whether
// a save used them (see forgeCache), the mirror of a team incident.
func queuedTeam(t *testing.T) (*Store, string) {
	t.Helper()
	st, id := cachedIncident(t)
	forgeCache(t, st, id, nil)
	must(t, markTeam(st.Dir(id), unaskedStore{}.String()))
	st.Shared = unaskedStore{}
	return st, id
}

// appendToMirror writes a line to the mirror as a catch-up of the share round does,
// after the caches were written.
func appendToMirror(t *testing.T, st *Store, id, actor, typ string, payload any) {
	t.Helper()
	j, err := journal.OpenMirror(st.Dir(id))
	must(t, err)
	defer j.Close()
	seq, hash := j.Last()
	line, err := journal.BuildLine(hash, seq+1, st.now(), actor, typ, payload)
	must(t, err)
	_, err = j.AppendLine(line)
	must(t, err)
}

// A screen's save on a large team incident is decided from the brief state's cache and
// the mirror's lines after it: a line the mirror gained after the cache was written
// (a step another responder marked done, the incident closed) refuses the save exactly
// as it refuses a command, and nothing reaches the outbox.
func TestQueuedSaveFromTheCacheSeesLinesAfterIt(t *testing.T) {
	st, id := queuedTeam(t)
	rb, _, err := loadFrozen(st.Dir(id))
	must(t, err)
	cached, _, err := readBriefCache(st.Dir(id), rb)
	must(t, err)
	step := ""
	for _, s := range rb.Steps() {
		if cached.Steps[s.ID].Status != StepDone {
			step = s.ID
			break
		}
	}
	if step == "" {
		t.Fatal("every step is done in the test incident")
	}
	appendToMirror(t, st, id, "bob@laptop", EvStepDone, StepEvent{Step: step, Note: "done on the other laptop"})

	inc, err := st.OpenQueued(id, "erin@laptop")
	must(t, err)
	if inc.State.Title != "FROM THE CACHE" || !inc.State.Brief() {
		t.Fatalf("the save did not start from the cache: title %q, brief %v", inc.State.Title, inc.State.Brief())
	}
	if got := inc.State.Steps[step]; got.Status != StepDone || got.By != "bob@laptop" {
		t.Fatalf("step %s after the cache = %+v, want done by bob@laptop", step, got)
	}
	err = inc.CompleteStep(step, "")
	if err == nil || errors.As(err, new(*QueuedError)) || !strings.Contains(err.Error(), "is already done (by bob@laptop") {
		t.Fatalf("done of a step done after the cache = %v, want refused naming bob@laptop", err)
	}
	if n := Pending(st.Dir(id)); n != 0 {
		t.Fatalf("the refused save reached the outbox (%d queued)", n)
	}
	var q *QueuedError
	if err := inc.AddNote("replica lag back under a second", ""); !errors.As(err, &q) || !errors.Is(q.Cause, ErrSharing) || q.Pending != 1 {
		t.Fatalf("note = %v, want queued for the share round", err)
	}

	appendToMirror(t, st, id, "bob@laptop", EvClosed, Closed{Summary: "resolved", Forced: true, Reason: "test"})
	inc, err = st.OpenQueued(id, "erin@laptop")
	must(t, err)
	if inc.State.Title != "FROM THE CACHE" {
		t.Fatal("the second save did not start from the cache")
	}
	if err := inc.AddNote("one more thing", ""); err == nil || errors.As(err, new(*QueuedError)) || !strings.Contains(err.Error(), "is closed (by bob@laptop") {
		t.Fatalf("note after the close = %v, want refused: closed by bob@laptop", err)
	}
	if n := Pending(st.Dir(id)); n != 1 {
		t.Fatalf("%d queued, want the one note", n)
	}
}

// A cache that does not match the mirror is not used by a queued save either: it reads
// and folds the whole journal, and a mirror cut short says so as a whole read does.
func TestQueuedSaveChecksTheCache(t *testing.T) {
	cases := map[string]func(t *testing.T, st *Store, id string){
		"written by another muster build": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Build = "go1.0 /usr/bin/muster 1 1" })
		},
		"the cached hash is not the line's": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Mark.Hash = strings.Repeat("a", 64) })
		},
		"the recorded offset is not where the line is": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Mark.Start -= 10; h.Mark.End -= 10 })
		},
		"the checksum does not hold": func(t *testing.T, st *Store, id string) {
			p := filepath.Join(st.Dir(id), StateCacheName)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 1
			must(t, os.WriteFile(p, b, 0o600))
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			st, id := queuedTeam(t)
			spoil(t, st, id)
			inc, err := st.OpenQueued(id, "erin@laptop")
			must(t, err)
			if inc.State.Title == "FROM THE CACHE" {
				t.Fatal("a cache that does not match was used")
			}
			sameState(t, inc.State, wholeFold(t, st, id))
		})
	}
	t.Run("the mirror lost lines after the cached one", func(t *testing.T) {
		st, id := queuedTeam(t)
		appendToMirror(t, st, id, "bob@laptop", EvNote, Note{Text: "one"})
		appendToMirror(t, st, id, "bob@laptop", EvNote, Note{Text: "two"})
		p := filepath.Join(st.Dir(id), journal.FileName)
		b, err := os.ReadFile(p)
		must(t, err)
		b = b[:len(b)-1]
		must(t, os.WriteFile(p, b[:strings.LastIndexByte(string(b), '\n')+1], 0o600))
		_, err = st.OpenQueued(id, "erin@laptop")
		var corrupt *journal.CorruptError
		if !errors.As(err, &corrupt) || !strings.Contains(err.Error(), "lines were removed from its end") {
			t.Fatalf("queued open of a mirror cut short = %v, want it said as a whole read says it", err)
		}
	})
}
