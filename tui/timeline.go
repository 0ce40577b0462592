package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// timelineView lists every event of the journal, newest at the bottom, with a cursor:
// Enter shows the selected entry in full, / searches (actor and text), f/F filter by
// kind (friendly names). It follows the journal live: while it is open, lines others
// append are added at the next poll, and the view stays where the responder put it
// (or on the newest line, when it was there). Only the visible rows are described
// and rendered, so a 100,000-event journal scrolls as fast as a short one.
type timelineView struct {
	events  []journal.Event
	types   []string // types present, in the order of typeOrder
	filter  int      // 0: all, else types[filter-1]
	query   string   // the search, lower case; "" for none
	idx     []int    // events matching the filter and search; nil means all
	scroll  scroller
	full    bool // the selected entry is shown in full
	search  textinput.Model
	typing  bool // the search takes the keys
	loading bool
	err     string
	keys    timelineKeys
	open    uint64 // the entry to show in full once the events are in (the feed's Enter)
}

// typeOrder is the order filters cycle through: the responder's actions first.
var typeOrder = []string{
	incident.EvStepDone, incident.EvStepSkipped, incident.EvStepUndone, incident.EvNote,
	incident.EvAttached, incident.EvEscalated, incident.EvNotified, incident.EvSeverityChanged,
	incident.EvCheckRun, incident.EvRoleAssigned, incident.EvAcknowledged, incident.EvFollowUpAdded,
	incident.EvFollowUpDone, incident.EvStarted, incident.EvClosed, incident.EvRecovered,
}

func newTimeline(st Styles) timelineView {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = placeholder(st, "search actor and text")
	in.SetStyles(st.Input)
	return timelineView{keys: newTimelineKeys(), loading: true, search: in, scroll: scroller{cursor: true}}
}

// setEvents shows the journal's events. The first time, the newest is selected; on a
// live update the selection stays on its event, and follows the newest when it was on
// it.
func (t *timelineView) setEvents(ev []journal.Event, h int) {
	keep := ""
	if t.filter > 0 && t.filter <= len(t.types) {
		keep = t.types[t.filter-1]
	}
	first := t.events == nil
	atEnd := t.count() == 0 || t.scroll.sel >= t.count()-1
	var selSeq uint64
	if !first && t.count() > 0 {
		selSeq = t.at(t.scroll.sel).Seq
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
	if first && t.open > 0 {
		selSeq, t.full, t.open = t.open, true, 0
	} else if first || atEnd {
		t.scroll.toEnd(t.count(), h)
		return
	}
	for i := 0; i < t.count(); i++ {
		if t.at(i).Seq == selSeq {
			t.scroll.sel = i
			break
		}
	}
	t.scroll.clamp(t.count(), h)
}

func (t *timelineView) applyFilter() {
	if t.filter == 0 && t.query == "" {
		t.idx = nil
		return
	}
	typ := ""
	if t.filter > 0 {
		typ = t.types[t.filter-1]
	}
	t.idx = make([]int, 0, len(t.events)/4)
	for i, e := range t.events {
		if typ != "" && e.Type != typ {
			continue
		}
		if t.query != "" && !strings.Contains(strings.ToLower(e.Actor+" "+friendly(e.Type)+" "+incident.Describe(e)), t.query) {
			continue
		}
		t.idx = append(t.idx, i)
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

// update handles a key; closed is true when the timeline is to close.
func (t *timelineView) update(msg tea.KeyPressMsg, h int) (closed bool, cmd tea.Cmd) {
	if t.typing {
		switch {
		case key.Matches(msg, t.keys.SearchCancel):
			t.typing = false
			t.search.Blur()
			t.search.SetValue("")
		case key.Matches(msg, t.keys.SearchDone):
			t.typing = false
			t.search.Blur()
			return false, nil
		default:
			t.search, cmd = t.search.Update(msg)
			cleanInput(&t.search)
		}
		if q := strings.ToLower(strings.TrimSpace(t.search.Value())); q != t.query {
			t.query = q
			t.applyFilter()
			t.scroll.toEnd(t.count(), h)
		}
		return false, cmd
	}
	if t.full {
		// Reading one entry: any move goes on to the next one, in full.
		switch {
		case key.Matches(msg, t.keys.Read), key.Matches(msg, t.keys.Close):
			t.full = false
			return false, nil
		}
		t.scroll.update(msg, t.keys.scrollKeys, t.count(), h)
		return false, nil
	}
	if t.scroll.update(msg, t.keys.scrollKeys, t.count(), h) {
		return false, nil
	}
	switch {
	case key.Matches(msg, t.keys.Close):
		if t.query != "" {
			// Esc first clears the search, then closes.
			t.query = ""
			t.search.SetValue("")
			t.applyFilter()
			t.scroll.toEnd(t.count(), h)
			return false, nil
		}
		return true, nil
	case key.Matches(msg, t.keys.Read):
		t.full = t.count() > 0
	case key.Matches(msg, t.keys.Search):
		t.typing = true
		return false, t.search.Focus()
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
	return false, nil
}

func (t *timelineView) filterName() string {
	if t.filter == 0 {
		return "all"
	}
	return friendly(t.types[t.filter-1])
}

// view renders the visible events (seq, local time, actor and what happened), or the
// selected one in full.
func (t *timelineView) view(st Styles, w, h int, now time.Time) []string {
	title := fmt.Sprintf("Timeline · %s · kind: %s", plural(t.count(), "event", "events"), t.filterName())
	if t.query != "" {
		title += " · search: " + t.query
	}
	if t.count() > 0 {
		title += fmt.Sprintf(" · %d of %d", t.scroll.sel+1, t.count())
	}
	out := []string{st.Heading.Render(fit(title, w))}
	if t.typing {
		in := t.search
		in.SetWidth(max(w-2, 1)) // without a width, bubbles shows one letter of the placeholder
		out = append(out, fitStyled(in.View(), w))
	}
	rows := h - len(out)
	switch {
	case t.loading:
		out = append(out, st.Muted.Render(fit("reading the journal…", w)))
	case t.err != "":
		out = append(out, st.Error.Render(fit("✗ "+t.err, w)))
	case t.count() == 0 && t.query != "":
		out = append(out, st.Muted.Render(fit("nothing matches the search (esc clears it)", w)))
	case t.count() == 0:
		out = append(out, st.Muted.Render(fit("no events of this kind", w)))
	case t.full:
		e := t.at(t.scroll.sel)
		out = append(out, st.Muted.Render(fit(fmt.Sprintf("#%d · %s · %s · %s", e.Seq,
			e.Time.In(now.Location()).Format("Mon 2 Jan 2006 15:04:05 MST"), clean(e.Actor), friendly(e.Type)), w)))
		out = append(out, "")
		out = append(out, wrap(clean(incident.Describe(e)), w)...)
		out = append(out, "", st.Muted.Render(fit("↑/↓ previous / next entry · enter or esc: back to the list", w)))
		return window(out, 0, h, w)
	}
	t.scroll.clamp(t.count(), rows)
	seqW := len(fmt.Sprint(len(t.events)))
	for i := t.scroll.top; i < t.count() && len(out) < h; i++ {
		e := t.at(i)
		when := e.Time.In(now.Location()).Format("01-02 15:04:05")
		cursor := "  "
		if i == t.scroll.sel {
			cursor = "▸ "
		}
		line := fmt.Sprintf("%s#%-*d %s %s %s", cursor, seqW, e.Seq, when, clean(e.Actor), clean(incident.Describe(e)))
		style := st.Muted.Render
		switch {
		case i == t.scroll.sel:
			style = st.Selected.Render
		case e.Type == incident.EvStepDone:
			style = st.Done.Render
		case e.Type == incident.EvEscalated, e.Type == incident.EvSeverityChanged:
			style = st.SLAWarn.Render
		case e.Type == incident.EvNote, e.Type == incident.EvNotified:
			style = st.Todo.Render
		}
		out = append(out, style(fit(line, w)))
	}
	return window(out, 0, h, w)
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
	// returnTo is the overlay closing goes back to: the timeline or the follow-ups
	// when their ? opened the help; none otherwise.
	returnTo overlay
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
