package tui

import (
	"strings"
	"testing"
	"time"
)

// otherWrites appends a note as another responder would, from another process.
func otherWrites(t *testing.T, d Deps, id, text string) {
	t.Helper()
	inc, err := d.Store.Open(id, "bob@desk")
	must(t, err)
	defer inc.Close()
	must(t, inc.AddNote(text, ""))
}

// Bug 4 of issue 12: the timeline did not update while open.
func TestTimelineUpdatesWhileOpen(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = press(t, m, "t")
	if !strings.Contains(shot(m), "4 events") {
		t.Fatalf("timeline:\n%s", shot(m))
	}
	otherWrites(t, d, id, "bob: database on-call joined the bridge")
	m = tickAt(t, m, clk, clk.Now().Add(2*time.Second))
	if got := shot(m); !strings.Contains(got, "5 events") || !strings.Contains(got, "▸ #5") || !strings.Contains(got, "bob@desk note: bob: database on-call joined") {
		t.Errorf("the open timeline did not follow the journal:\n%s", got)
	}
}

// Bug 9 of issue 12: the responder's own "saved" was replaced within 2 s by "the
// journal changed", so they could not tell whether their save landed.
func TestOwnSavedIsNotOverwrittenByOthersNews(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 100, 14) // no room for the feed
	m = press(t, m, "space")
	if !strings.HasPrefix(m.flash.text, "✓ saved: step assign-owner-and-severity done") {
		t.Fatalf("flash %q", m.flash.text)
	}
	otherWrites(t, d, id, "bob: status page posted")
	m = tickAt(t, m, clk, clk.Now().Add(2*time.Second))
	if m.inc.unread() != 1 {
		t.Fatalf("the other responder's note did not arrive: %d new", m.inc.unread())
	}
	if !strings.HasPrefix(m.flash.text, "✓ saved: step assign-owner-and-severity done") {
		t.Errorf("the own confirmation was replaced by %q", m.flash.text)
	}
	// Later news, once the confirmation is old, is said in the message line.
	otherWrites(t, d, id, "bob: failover started")
	m = tickAt(t, m, clk, clk.Now().Add(6*time.Second))
	if !strings.Contains(m.flash.text, "bob@desk: note: bob: failover started") {
		t.Errorf("the news is not in the message line: %q", m.flash.text)
	}
}

// The activity feed shows what others did, marked new; Enter reads the first new one
// in full in the timeline, and ↓ the next.
func TestActivityFeedAndReadingInFull(t *testing.T) {
	d, clk, id := workedIncident(t)
	m := newModel(t, d, Options{Resume: id}, 120, 40)
	long := "bob: the failover to eu-west-1b finished at 10:16; replication lag was 4 s; " +
		"checkout answers again but card payments time out after 30 s, looking at the PSP"
	otherWrites(t, d, id, long)
	otherWrites(t, d, id, "bob: PSP confirms an outage on their side")
	m = tickAt(t, m, clk, clk.Now().Add(2*time.Second))
	got := shot(m)
	if !strings.Contains(got, "Activity · 2 new (●)") || !strings.Contains(got, "● 10:15 bob@desk note: bob: the failover") {
		t.Fatalf("the feed does not show the new notes:\n%s", got)
	}
	m = press(t, m, "enter")
	got = shot(m)
	if !strings.Contains(got, "looking at the PSP") || !strings.Contains(got, "#5 ·") {
		t.Errorf("enter did not show the first new note in full:\n%s", got)
	}
	if m.inc.unread() != 0 {
		t.Error("the feed still counts unread items after reading it")
	}
	m = press(t, m, "down")
	if got = shot(m); !strings.Contains(got, "PSP confirms an outage") {
		t.Errorf("↓ did not read on:\n%s", got)
	}
	golden(t, "incident_feed_entry_120x40", got)
}

// / searches the timeline; esc clears the search, then closes.
func TestTimelineSearch(t *testing.T) {
	d, _, id := workedIncident(t)
	otherWrites(t, d, id, "bob: rollback of release 2026.11.3 done")
	m := newModel(t, d, Options{Resume: id}, 100, 30)
	m = press(t, m, "t", "/")
	if got := shot(m); !strings.Contains(got, "search actor and text") {
		t.Errorf("the empty search does not say what it searches (bubbles shows one letter of a placeholder without a width):\n%s", got)
	}
	m = typeText(t, m, "bob")
	m = press(t, m, "enter")
	got := shot(m)
	if !strings.Contains(got, "1 event") || !strings.Contains(got, "rollback of release") || strings.Contains(got, "open-incident") {
		t.Errorf("the search did not keep bob's note only:\n%s", got)
	}
	m = press(t, m, "esc")
	if got = shot(m); !strings.Contains(got, "5 events") {
		t.Errorf("esc did not clear the search:\n%s", got)
	}
	m = press(t, m, "esc")
	if m.overlay != overlayNone {
		t.Error("the second esc did not close the timeline")
	}
}
