package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// The activity feed is what the team just did, on the incident screen itself: each
// journal line another responder or the CLI appended shows up at the next poll (2 s),
// marked new until the responder reads the feed (Enter). The screen's own writes are
// not news: they already advanced the state the feed compares with, and on opening
// the feed holds the other actors' lines only.

// feedItem is one line of the feed.
type feedItem struct {
	seq   uint64
	at    time.Time
	actor string
	typ   string
	text  string // incident.Describe, cleaned
	isNew bool
}

// maxFeed bounds the feed kept in memory; the timeline has everything.
const maxFeed = 50

// friendlyType names event types as responders say them (the timeline's filters, the
// feed).
var friendlyType = map[string]string{
	incident.EvStarted: "opened", incident.EvAcknowledged: "acknowledged",
	incident.EvStepDone: "step done", incident.EvStepSkipped: "step skipped", incident.EvStepUndone: "step undone",
	incident.EvNote: "note", incident.EvAttached: "attachment", incident.EvEscalated: "escalation",
	incident.EvNotified: "notice", incident.EvSeverityChanged: "severity", incident.EvRoleAssigned: "role",
	incident.EvFollowUpAdded: "follow-up", incident.EvFollowUpDone: "follow-up done", incident.EvCheckRun: "check",
	incident.EvClosed: "closed", incident.EvRecovered: "recovered",
}

func friendly(typ string) string {
	if f, ok := friendlyType[typ]; ok {
		return f
	}
	return typ
}

func newFeedItem(e journal.Event, isNew bool) feedItem {
	return feedItem{seq: e.Seq, at: e.Time, actor: clean(e.Actor), typ: e.Type, text: clean(incident.Describe(e)), isNew: isNew}
}

// seedFeed fills the feed from the journal when the incident opens: the latest lines
// by other actors than me, none new (a resumed screen shows what the live one did).
func (s *incidentScreen) seedFeed(events []journal.Event, me string) {
	s.feed = s.feed[:0]
	for i := len(events) - 1; i >= 0 && len(s.feed) < maxFeed; i-- {
		if events[i].Actor != me {
			s.feed = append(s.feed, newFeedItem(events[i], false))
		}
	}
	slices.Reverse(s.feed)
}

// arrived adds the events after seq (appended elsewhere) as new; it returns how many.
func (s *incidentScreen) arrived(events []journal.Event, after uint64) int {
	n := 0
	for _, e := range events {
		if e.Seq > after {
			s.feed = append(s.feed, newFeedItem(e, true))
			n++
		}
	}
	if len(s.feed) > maxFeed {
		s.feed = append(s.feed[:0], s.feed[len(s.feed)-maxFeed:]...)
	}
	return n
}

// unread counts the new items.
func (s *incidentScreen) unread() int {
	n := 0
	for _, f := range s.feed {
		if f.isNew {
			n++
		}
	}
	return n
}

// markRead clears the new marks: the responder has read the feed.
func (s *incidentScreen) markRead() {
	for i := range s.feed {
		s.feed[i].isNew = false
	}
}

// feedLines is the feed in h lines of w cells: a title, then the latest items.
func (s *incidentScreen) feedLines(st Styles, w, h int, now time.Time) []string {
	if h < 2 {
		return nil
	}
	title := "Activity"
	if n := s.unread(); n > 0 {
		title += fmt.Sprintf(" · %d new (●) · enter reads", n)
	} else {
		title += " · enter reads in full"
	}
	out := []string{st.Heading.Render(fit(title, w))}
	if len(s.feed) == 0 {
		out = append(out, st.Muted.Render(fit("  nothing from other responders or the CLI yet: it shows here within 2 s", w)))
	}
	from := max(len(s.feed)-(h-1), 0)
	for _, f := range s.feed[from:] {
		mark := "  "
		style := st.Muted.Render
		if f.isNew {
			mark, style = "● ", st.NewInject.Render
		}
		line := mark + clock(f.at, now) + " " + f.actor + " " + strings.ReplaceAll(f.text, "\n", " ")
		out = append(out, style(fit(line, w)))
	}
	return window(out, 0, h, w)
}
