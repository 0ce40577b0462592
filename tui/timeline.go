package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// timelineView lists every event of the journal, newest at the bottom, filterable by
// type. Only the visible rows are described and rendered, so a 100,000-event journal
// scrolls as fast as a short one.
type timelineView struct {
	events  []journal.Event
	types   []string // types present, in the order of typeOrder
	filter  int      // 0: all, else types[filter-1]
	idx     []int    // events matching the filter; nil means all
	scroll  scroller
	loading bool
	err     string
	keys    timelineKeys
}

// typeOrder is the order filters cycle through: the responder's actions first.
var typeOrder = []string{
	incident.EvStepDone, incident.EvStepSkipped, incident.EvStepUndone, incident.EvNote,
	incident.EvAttached, incident.EvEscalated, incident.EvNotified, incident.EvSeverityChanged,
	incident.EvCheckRun, incident.EvRoleAssigned, incident.EvAcknowledged, incident.EvFollowUpAdded,
	incident.EvFollowUpDone, incident.EvStarted, incident.EvClosed, incident.EvRecovered,
}

func newTimeline() timelineView { return timelineView{keys: newTimelineKeys(), loading: true} }

func (t *timelineView) setEvents(ev []journal.Event, h int) {
	keep := ""
	if t.filter > 0 && t.filter <= len(t.types) {
		keep = t.types[t.filter-1]
	}
	t.events, t.loading, t.err = ev, false, ""
	seen := map[string]bool{}
	for _, e := range ev {
		seen[e.Type] = true
	}
	t.types = t.types[:0]
	for _, typ := range typeOrder {
		if seen[typ] {
			t.types = append(t.types, typ)
			delete(seen, typ)
		}
	}
	var rest []string
	for typ := range seen {
		rest = append(rest, typ)
	}
	slices.Sort(rest)
	t.types = append(t.types, rest...)
	t.filter = 0
	if keep != "" {
		if i := slices.Index(t.types, keep); i >= 0 {
			t.filter = i + 1
		}
	}
	t.applyFilter()
	t.scroll.toEnd(t.count(), h) // newest in view
}

func (t *timelineView) applyFilter() {
	if t.filter == 0 {
		t.idx = nil
		return
	}
	typ := t.types[t.filter-1]
	t.idx = t.idx[:0]
	for i, e := range t.events {
		if e.Type == typ {
			t.idx = append(t.idx, i)
		}
	}
}

func (t *timelineView) count() int {
	if t.idx == nil {
		return len(t.events)
	}
	return len(t.idx)
}

func (t *timelineView) at(i int) journal.Event {
	if t.idx == nil {
		return t.events[i]
	}
	return t.events[t.idx[i]]
}

func (t *timelineView) update(msg tea.KeyPressMsg, h int) (closed bool) {
	if t.scroll.update(msg, t.keys.scrollKeys, t.count(), h) {
		return false
	}
	switch {
	case key.Matches(msg, t.keys.Close):
		return true
	case key.Matches(msg, t.keys.Filter), key.Matches(msg, t.keys.FilterBack):
		n := len(t.types) + 1
		d := 1
		if key.Matches(msg, t.keys.FilterBack) {
			d = -1
		}
		t.filter = (t.filter + d + n) % n
		t.applyFilter()
		t.scroll.toEnd(t.count(), h)
	}
	return false
}

func (t *timelineView) filterName() string {
	if t.filter == 0 {
		return "all"
	}
	return t.types[t.filter-1]
}

// view renders the visible events: seq, local time, actor and what happened.
func (t *timelineView) view(st Styles, w, h int, now time.Time) []string {
	title := fmt.Sprintf("Timeline · %s · filter: %s", plural(t.count(), "event", "events"), t.filterName())
	if t.count() > 0 {
		top := t.scroll.top
		title += fmt.Sprintf(" · %d–%d", top+1, min(top+h-1, t.count()))
	}
	out := []string{st.Heading.Render(fit(title, w))}
	h--
	switch {
	case t.loading:
		out = append(out, st.Muted.Render(fit("reading the journal…", w)))
	case t.err != "":
		out = append(out, st.Error.Render(fit("✗ "+t.err, w)))
	case t.count() == 0:
		out = append(out, st.Muted.Render(fit("no events of this type", w)))
	}
	seqW := len(fmt.Sprint(len(t.events)))
	for i := t.scroll.top; i < t.count() && len(out) <= h; i++ {
		e := t.at(i)
		when := e.Time.In(now.Location()).Format("01-02 15:04:05")
		head := fmt.Sprintf("#%-*d %s %s ", seqW, e.Seq, when, clean(e.Actor))
		line := head + incident.Describe(e)
		style := st.Muted.Render
		switch e.Type {
		case incident.EvStepDone:
			style = st.Done.Render
		case incident.EvEscalated, incident.EvSeverityChanged:
			style = st.SLAWarn.Render
		case incident.EvNote, incident.EvNotified:
			style = st.Todo.Render
		}
		out = append(out, style(fit(line, w)))
	}
	return window(out, 0, h+1, w)
}

// pager shows lines with a scroll position: the report preview and full help.
type pager struct {
	title   string
	lines   []string
	scroll  scroller
	loading bool
	err     string
	req     int
	keys    pagerKeys
}

func (p *pager) update(msg tea.KeyPressMsg, h int) (closed bool) {
	if p.scroll.update(msg, p.keys.scrollKeys, len(p.lines), h) {
		return false
	}
	return key.Matches(msg, p.keys.Close)
}

func (p *pager) view(st Styles, w, h int) []string {
	title := p.title
	if n := len(p.lines); n > h-1 && h > 1 {
		top := p.scroll.top
		title += fmt.Sprintf(" · lines %d–%d of %d", top+1, min(top+h-1, n), n)
	}
	out := []string{st.Heading.Render(fit(title, w))}
	switch {
	case p.loading:
		out = append(out, st.Muted.Render(fit("building…", w)))
	case p.err != "":
		out = append(out, st.Error.Render(fit("✗ "+p.err, w)))
	}
	out = append(out, window(p.lines, p.scroll.top, h-len(out), w)...)
	return out
}

// helpLines lays out a key map's full help: groups one under the other, in columns
// when the screen is wide enough, then the legend of symbols.
func helpLines(km interface{ FullHelp() [][]key.Binding }, st Styles, w int) []string {
	var groups [][]string
	keyW := 0
	for _, g := range km.FullHelp() {
		for _, b := range g {
			keyW = max(keyW, cells(b.Help().Key))
		}
	}
	for _, g := range km.FullHelp() {
		var lines []string
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			lines = append(lines, st.Key.Render(pad(b.Help().Key, keyW))+"  "+st.Desc.Render(b.Help().Desc))
		}
		groups = append(groups, lines)
	}
	colW := 0
	for _, g := range groups {
		for _, l := range g {
			colW = max(colW, cells(l))
		}
	}
	colW += 4
	cols := max(min(w/max(colW, 1), len(groups)), 1)
	var out []string
	for i := 0; i < len(groups); i += cols {
		rows := 0
		for c := 0; c < cols && i+c < len(groups); c++ {
			rows = max(rows, len(groups[i+c]))
		}
		for r := 0; r < rows; r++ {
			var b strings.Builder
			for c := 0; c < cols && i+c < len(groups); c++ {
				cell := ""
				if r < len(groups[i+c]) {
					cell = groups[i+c][r]
				}
				if cols > 1 {
					cell = fitStyled(cell, colW)
				}
				b.WriteString(cell)
			}
			out = append(out, b.String())
		}
		out = append(out, "")
	}
	out = append(out, st.Heading.Render("Symbols"))
	out = append(out, wrap("✓ done   ↷ skipped   · to do   ⚠ timebox overdue   ▸ selected", w)...)
	out = append(out, wrap("Deadlines: ok · <25% left · MISSED — the words say it, colour only repeats it.", w)...)
	out = append(out, wrap("Every action is a journal line on disk before the screen says saved; quitting never loses it.", w)...)
	return out
}
