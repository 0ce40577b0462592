package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/scenarios"
)

// homeScreen is where muster opens: the open incidents with their SLA state, the
// runbook library, drills and the last backup check.
type homeScreen struct {
	loading bool
	req     int
	// One scan at a time: scanning while one runs, rescan when another was asked
	// for meanwhile; between scans a poll of the journals' stamps (cheap) says
	// whether anything changed.
	scanning  bool
	rescan    bool
	scannedAt time.Time
	stamps    map[string]incident.Stamp // as the last scan found them
	polling   bool
	polledAt  time.Time
	pollReq   int
	reloadLib bool // the next scan reads the runbook library again (Ctrl+R)
	err       string
	incidents []homeIncident // open, not drills
	drills    []homeIncident // open drills
	closed    int
	backup    BackupSummary
	// standings: each service's availability this period (services.toml; none without).
	standings    []standing
	standingsErr string
	hasBackup    bool

	// A backup check run from here (b): its request, whether it is still running, why
	// it failed, and its result, kept over an older file when its save failed.
	canRunBackup bool
	backupReq    int
	checking     bool
	backupErr    string
	ran          *BackupSummary

	runbooks  []*runbook.Runbook
	pol       *runbook.Policy   // the policy in force, which a runbook must fit
	unfit     map[string]string // runbook id: why it does not fit pol (runbook.Unfit)
	shown     []int             // runbooks matching the filter
	filter    textinput.Model
	filtering bool

	focus    int // 0 incidents, 1 runbooks
	incSel   int
	rbSel    int
	incTop   int
	rbTop    int
	drillSel int
	drillTop int

	keys homeKeys
}

const (
	focusIncidents = 0
	focusRunbooks  = 1
	focusDrills    = 2
)

// maxDrillRows is how many drills home lists at once.
const maxDrillRows = 4

// switchFocus moves between incidents, runbooks and (when some run) drills.
func (h *homeScreen) switchFocus(back bool) {
	n := 2
	if len(h.drills) > 0 {
		n = 3
	}
	d := 1
	if back {
		d = n - 1
	}
	h.focus = (h.focus + d) % n
}

func (h *homeScreen) selectedDrill() (homeIncident, bool) {
	if h.drillSel < 0 || h.drillSel >= len(h.drills) {
		return homeIncident{}, false
	}
	return h.drills[h.drillSel], true
}

// drillRows is the lines the drills section takes below its title.
func (h *homeScreen) drillRows() int { return min(len(h.drills), maxDrillRows) }

func newHomeScreen(lib *runbook.Library, pol *runbook.Policy, st Styles) homeScreen {
	f := textinput.New()
	f.Prompt = "/"
	f.Placeholder = placeholder(st, "filter runbooks")
	f.SetStyles(st.Input)
	h := homeScreen{filter: f, keys: newHomeKeys(), loading: true, pol: pol}
	h.setRunbooks(lib)
	return h
}

// setRunbooks lists the library's runbooks, keeping the highlighted one.
func (h *homeScreen) setRunbooks(lib *runbook.Library) {
	sel := ""
	if rb, ok := h.selectedRunbook(); ok {
		sel = rb.ID
	}
	h.runbooks = nil
	if lib != nil {
		h.runbooks = lib.List()
	}
	// Known on home, not only when a start is refused: a runbook written for other
	// levels is marked, and the selected one says why.
	h.unfit = map[string]string{}
	for _, r := range h.runbooks {
		if why := r.Unfit(h.pol); why != "" {
			h.unfit[r.ID] = why
		}
	}
	h.applyFilter()
	for k, i := range h.shown {
		if h.runbooks[i].ID == sel {
			h.rbSel = k
		}
	}
}

// applyFilter keeps the runbooks whose id, title or tags hold every word typed.
func (h *homeScreen) applyFilter() {
	words := strings.Fields(strings.ToLower(h.filter.Value()))
	h.shown = h.shown[:0]
	for i, r := range h.runbooks {
		hay := strings.ToLower(r.ID + " " + r.Title + " " + strings.Join(r.Tags, " ") + " " + strings.Join(r.Severities, " "))
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			h.shown = append(h.shown, i)
		}
	}
	if h.rbSel >= len(h.shown) {
		h.rbSel = max(len(h.shown)-1, 0)
	}
}

func (h *homeScreen) selectedRunbook() (*runbook.Runbook, bool) {
	if h.rbSel < 0 || h.rbSel >= len(h.shown) {
		return nil, false
	}
	return h.runbooks[h.shown[h.rbSel]], true
}

func (h *homeScreen) selectedIncident() (homeIncident, bool) {
	if h.incSel < 0 || h.incSel >= len(h.incidents) {
		return homeIncident{}, false
	}
	return h.incidents[h.incSel], true
}

func (h *homeScreen) loaded(msg homeLoadedMsg, now time.Time) {
	// The highlight stays on the incident it was on, wherever the new list puts it:
	// an incident started elsewhere must not make Enter open another one.
	selInc, selDrill := "", ""
	if hi, ok := h.selectedIncident(); ok {
		selInc = hi.Summary.ID
	}
	if hd, ok := h.selectedDrill(); ok {
		selDrill = hd.Summary.ID
	}
	h.loading = false
	h.err = ""
	if msg.err != nil {
		h.err = errText(msg.err)
	}
	h.incidents, h.drills = nil, nil
	for _, hi := range msg.incidents {
		if hi.Summary.Drill {
			h.drills = append(h.drills, hi)
		} else {
			h.incidents = append(h.incidents, hi)
		}
	}
	sortByUrgency(h.incidents, now)
	h.incSel = indexOf(h.incidents, selInc, h.incSel)
	h.drillSel = indexOf(h.drills, selDrill, h.drillSel)
	h.closed = msg.closed
	h.stamps = msg.stamps
	h.backup, h.hasBackup = msg.backup, msg.hasBackup
	if r := h.ran; r != nil && (!msg.hasBackup || msg.backup.At.Before(r.At)) {
		h.backup, h.hasBackup = *r, true
	}
	if h.incSel >= len(h.incidents) {
		h.incSel = max(len(h.incidents)-1, 0)
	}
	if h.drillSel >= len(h.drills) {
		h.drillSel = max(len(h.drills)-1, 0)
	}
	if len(h.drills) == 0 && h.focus == focusDrills {
		h.focus = focusRunbooks
	}
	if len(h.incidents) == 0 && h.focus == focusIncidents && !h.loading {
		h.focus = focusRunbooks
	}
}

// indexOf is the row of the incident id, else keep.
func indexOf(list []homeIncident, id string, keep int) int {
	for i, hi := range list {
		if id != "" && hi.Summary.ID == id {
			return i
		}
	}
	return keep
}

// urgency is how pressing an open incident is, for home's triage order.
type urgency struct {
	overdue bool      // a deadline missed, an update or a follow-up overdue
	next    time.Time // the nearest deadline or update still ahead (zero: none)
	rank    int       // the severity's rank: 1 is the most severe
}

func urgencyOf(hi homeIncident, now time.Time) urgency {
	u := urgency{rank: 1 << 30}
	if hi.State == nil || hi.Policy == nil {
		return urgency{overdue: true} // cannot be read: someone must look
	}
	if lv, ok := hi.Policy.Level(hi.State.Severity); ok {
		u.rank = lv.Rank
	}
	ahead := func(t time.Time) {
		if t.After(now) && (u.next.IsZero() || t.Before(u.next)) {
			u.next = t
		}
	}
	respond, resolve := hi.State.SLAs(hi.Policy, now)
	for _, l := range []incident.SLA{respond, resolve} {
		switch {
		case l.NoLimit || l.Met || !l.MetAt.IsZero():
		case l.Missed:
			u.overdue = true
		default:
			ahead(l.Due)
		}
	}
	for _, d := range hi.State.UpdatesDue() {
		if !d.Due.After(now) {
			u.overdue = true
		}
		ahead(d.Due)
	}
	if lateFollowUps(hi.State, now) > 0 {
		u.overdue = true
	}
	return u
}

// lateFollowUps counts the follow-ups open past their due date.
func lateFollowUps(s *incident.State, now time.Time) int {
	n := 0
	for _, f := range s.FollowUps {
		if !f.Done && now.After(f.Due) {
			n++
		}
	}
	return n
}

// sortByUrgency orders home for triage: anything overdue first, then the nearest
// deadline, then the most severe; the newest first among equals.
func sortByUrgency(list []homeIncident, now time.Time) {
	us := make(map[string]urgency, len(list))
	for _, hi := range list {
		us[hi.Summary.ID] = urgencyOf(hi, now)
	}
	slices.SortStableFunc(list, func(a, b homeIncident) int {
		ua, ub := us[a.Summary.ID], us[b.Summary.ID]
		switch {
		case ua.overdue != ub.overdue:
			if ua.overdue {
				return -1
			}
			return 1
		case !ua.next.Equal(ub.next):
			if ub.next.IsZero() || !ua.next.IsZero() && ua.next.Before(ub.next) {
				return -1
			}
			return 1
		}
		return cmp.Compare(ua.rank, ub.rank)
	})
}

// backupRan takes the reply of a backup check run from here. An error is shown as
// an error, never as the result: the last check stays what it was.
func (h *homeScreen) backupRan(msg backupRanMsg) {
	h.checking = false
	if msg.err != nil {
		h.backupErr = errText(msg.err)
		return
	}
	s := msg.summary
	h.backupErr = ""
	h.ran = &s
	h.backup, h.hasBackup = s, true
}

// homeLayout is how many lines each section gets.
type homeLayout struct {
	incRows, rbRows int
}

func (h *homeScreen) layout(height, width int, now time.Time) homeLayout {
	// header 2, section titles 2, blank lines 2, drills 1, the backup and availability lines
	avail := max(height-7-h.drillRows()-len(h.backupLines(Styles{}, width, now, ""))-len(h.standingLines(Styles{}, width)), 2)
	incNeed := max(len(h.incidents)*2, 1)
	incRows := min(incNeed, max(avail/2, 2))
	rbRows := max(avail-incRows, 1)
	if len(h.shown) < rbRows {
		// Give the incidents what the runbooks do not need.
		spare := rbRows - max(len(h.shown), 1)
		incRows = min(incNeed, incRows+spare)
		rbRows = max(avail-incRows, 1)
	}
	return homeLayout{incRows: incRows, rbRows: rbRows}
}

// view renders home; frame is the spinner's, for a backup check running.
func (h *homeScreen) view(st Styles, w, height int, now time.Time, problems int, frame string) []string {
	lay := h.layout(height, w, now)
	var out []string
	title := "muster · incident response"
	when := now.Format("Mon 2 Jan 15:04 MST")
	gap := w - cells(title) - cells(when)
	if gap >= 1 {
		out = append(out, st.Title.Render(title)+strings.Repeat(" ", gap)+st.Muted.Render(when))
	} else {
		out = append(out, st.Title.Render(fit(title, w)))
	}
	out = append(out, st.Rule.Render(rule(w)))

	// Open incidents.
	head := fmt.Sprintf("Open incidents (%d)", len(h.incidents))
	if h.closed > 0 {
		head += fmt.Sprintf(" · %d closed: muster incident list", h.closed)
	}
	out = append(out, h.sectionTitle(st, head, h.focus == focusIncidents, w))
	var inc []string
	switch {
	case h.loading && len(h.incidents) == 0:
		inc = []string{st.Muted.Render(fit("  loading…", w))}
	case h.err != "":
		inc = []string{st.Error.Render(fit("  ✗ "+h.err, w))}
	case len(h.incidents) == 0:
		inc = []string{st.Muted.Render(fit("  none open — n starts one", w))}
	default:
		inc = h.incidentLines(st, w, lay.incRows, now)
	}
	out = append(out, window(inc, 0, lay.incRows, w)...)
	out = append(out, "")

	// Runbooks.
	head = fmt.Sprintf("Runbooks (%d)", len(h.runbooks))
	if len(h.shown) != len(h.runbooks) {
		head = fmt.Sprintf("Runbooks (%d of %d)", len(h.shown), len(h.runbooks))
	}
	if problems > 0 {
		head += fmt.Sprintf(" · %s did not load: muster runbook lint", plural(problems, "file", "files"))
	}
	switch {
	case h.filtering:
		out = append(out, fitStyled(st.Heading.Render("▸ "+head)+"  "+h.filter.View(), w))
	case h.filter.Value() != "":
		out = append(out, h.sectionTitle(st, head+" · filter: "+h.filter.Value()+" (esc clears)", h.focus == focusRunbooks, w))
	default:
		out = append(out, h.sectionTitle(st, head+" · / filter", h.focus == focusRunbooks, w))
	}
	// The sections follow one another; the room left over stays at the bottom.
	rb := h.runbookLines(st, w, lay.rbRows)
	out = append(out, window(rb, 0, min(len(rb), lay.rbRows), w)...)
	out = append(out, "")

	// Drills and backups.
	if len(h.drills) == 0 {
		out = append(out, st.Muted.Render(fit("Drills: none running — muster drill SCENARIO starts one", w)))
	} else {
		out = append(out, h.sectionTitle(st, fmt.Sprintf("DRILLS in progress (%d) · tab here, enter resumes", len(h.drills)), h.focus == focusDrills, w))
		out = append(out, h.drillLines(st, w)...)
	}
	out = append(out, h.backupLines(st, w, now, frame)...)
	out = append(out, h.standingLines(st, w)...)
	return out
}

func (h *homeScreen) sectionTitle(st Styles, text string, focused bool, w int) string {
	marker := "  "
	if focused {
		marker = "▸ "
	}
	return st.Heading.Render(fit(marker+text, w))
}

// scroll keeps the selections visible; it runs in Update so positions persist.
func (h *homeScreen) scroll(lay homeLayout) {
	visible := max(lay.incRows/2, 1)
	if h.incSel < h.incTop {
		h.incTop = h.incSel
	}
	if h.incSel >= h.incTop+visible {
		h.incTop = h.incSel - visible + 1
	}
	if h.rbSel < h.rbTop {
		h.rbTop = h.rbSel
	}
	if h.rbSel >= h.rbTop+lay.rbRows {
		h.rbTop = h.rbSel - lay.rbRows + 1
	}
}

// incidentLines renders the open incidents, two lines each, from the one that keeps
// the selection visible.
func (h *homeScreen) incidentLines(st Styles, w, rows int, now time.Time) []string {
	per := 2
	visible := max(rows/per, 1)
	if h.incSel < h.incTop {
		h.incTop = h.incSel
	}
	if h.incSel >= h.incTop+visible {
		h.incTop = h.incSel - visible + 1
	}
	var out []string
	for i := h.incTop; i < len(h.incidents) && i < h.incTop+visible; i++ {
		hi := h.incidents[i]
		s := hi.Summary
		cursor := "  "
		if i == h.incSel && h.focus == focusIncidents {
			cursor = "▸ "
		}
		age := "opened " + ago(s.OpenedAt, now)
		line := cursor + s.ID + "  " + strings.ToUpper(s.Severity) + "  "
		titleW := w - cells(line) - cells(age) - 2
		line += fit(s.Title, max(titleW, 0)) + "  " + age
		if titleW < 6 {
			line = cursor + s.ID + "  " + strings.ToUpper(s.Severity) + "  " + s.Title
		}
		if i == h.incSel && h.focus == focusIncidents {
			out = append(out, st.Selected.Render(fit(line, w)))
		} else {
			out = append(out, fit(line, w))
		}
		if hi.Err != "" || hi.State == nil {
			out = append(out, st.Error.Render(fit("    ✗ cannot read: "+hi.Err, w)))
			continue
		}
		respond, resolve := hi.State.SLAs(hi.Policy, now)
		// What is overdue comes first, so the one line shows it at any width.
		var late, rest []styled
		var restDue []time.Time // when each of rest falls due (zero: met or no limit)
		for _, l := range []incident.SLA{respond, resolve} {
			p := slaPart(st, l.Name+"-by", l, now)
			switch {
			case l.Missed && l.MetAt.IsZero():
				late = append(late, p)
			case l.NoLimit || l.Met || !l.MetAt.IsZero():
				rest, restDue = append(rest, p), append(restDue, time.Time{})
			default:
				rest, restDue = append(rest, p), append(restDue, l.Due)
			}
		}
		var next *incident.UpdateDue
		for _, u := range hi.State.UpdatesDue() {
			switch {
			case !u.Due.After(now):
				late = append(late, updatePart(st, u, now))
			case next == nil || u.Due.Before(next.Due):
				next = &u
			}
		}
		if next != nil {
			// The update ahead counts in the triage order: it is shown before any deadline
			// that comes later and before what is met, or the order looks arbitrary.
			p := styled{"next update: " + next.Audience + " due " + clock(next.Due, now) + ", in " + runbook.FormatDuration(next.Due.Sub(now)), st.Muted.Render}
			i := slices.IndexFunc(restDue, func(t time.Time) bool { return t.IsZero() || t.After(next.Due) })
			if i < 0 {
				i = len(rest)
			}
			rest = slices.Insert(rest, i, p)
		}
		if n := lateFollowUps(hi.State, now); n > 0 {
			late = append(late, styled{plural(n, "follow-up", "follow-ups") + " OVERDUE", st.SLAMissed.Render})
		}
		l := flow(append(late, rest...), "   ", w-4)
		out = append(out, "    "+l[0])
	}
	return out
}

func (h *homeScreen) runbookLines(st Styles, w, rows int) []string {
	if len(h.runbooks) == 0 {
		return []string{st.Muted.Render(fit("  no runbooks", w))}
	}
	if len(h.shown) == 0 {
		return []string{st.Muted.Render(fit("  no runbook matches the filter", w))}
	}
	// The selected runbook that does not fit the policy says why under the list, in
	// full (wrapped, at most three lines), taking rows from the list.
	var note []string
	if k := h.rbSel; k >= 0 && k < len(h.shown) && h.focus == focusRunbooks {
		r := h.runbooks[h.shown[k]]
		if why := h.unfit[r.ID]; why != "" && rows > 3 {
			note = wrap("✗ "+r.ID+" "+why+". To use it: muster runbook copy "+r.ID+", then adapt its severities", w)
			if len(note) > 3 {
				note = append(note[:2], trunc(strings.Join(note[2:], " "), w))
			}
			rows -= len(note)
		}
	}
	if h.rbSel < h.rbTop {
		h.rbTop = h.rbSel
	}
	if h.rbSel >= h.rbTop+rows {
		h.rbTop = h.rbSel - rows + 1
	}
	idW := 0
	for _, i := range h.shown {
		idW = max(idW, cells(h.runbooks[i].ID))
	}
	idW = min(idW, w/3)
	var out []string
	for k := h.rbTop; k < len(h.shown) && len(out) < rows; k++ {
		r := h.runbooks[h.shown[k]]
		cursor := "  "
		sel := k == h.rbSel && h.focus == focusRunbooks
		if sel {
			cursor = "▸ "
		}
		sev := strings.Join(r.Severities, ", ")
		_, unfit := h.unfit[r.ID]
		if unfit {
			sev = "✗ not for " + h.pol.Name
		}
		line := cursor + fit(r.ID, idW) + "  " + r.Version.String() + "  "
		rest := w - cells(line)
		switch {
		case rest > 20+cells(sev):
			line += fit(r.Title, rest-cells(sev)-2) + "  " + sev
		case unfit:
			line += "✗ " + r.Title // narrow: the mark before the title, which is cut first
		default:
			line += r.Title
		}
		switch {
		case sel:
			out = append(out, st.Selected.Render(fit(line, w)))
		case unfit:
			out = append(out, st.Muted.Render(fit(line, w)))
		default:
			out = append(out, fit(line, w))
		}
	}
	for _, l := range note {
		out = append(out, st.Error.Render(fit(l, w)))
	}
	return out
}

// backupLines is the last backup check in one line, or two when it does not fit;
// while a check runs from here, one line saying so; after a run that failed, its
// error above the last check.
func (h *homeScreen) backupLines(st Styles, w int, now time.Time, frame string) []string {
	b := h.backup
	when := ""
	if !b.At.IsZero() {
		when = " " + ago(b.At, now)
	}
	if h.checking {
		text := "Backup check: " + frame + " checking backups…"
		if h.hasBackup {
			text += fmt.Sprintf(" — last: %s %s%s", checkSymbol(b.Status), strings.ToUpper(b.Status), when)
		}
		return []string{st.Notice.Render(fit(clean(text), w))}
	}
	var errLine []string
	if h.backupErr != "" {
		errLine = []string{st.Error.Render(fit("Backup check: ✗ ERROR, could not run: "+h.backupErr, w))}
	}
	if !h.hasBackup {
		text := "Last backup check: no backup check yet — run `muster backup check`"
		if h.canRunBackup {
			text = "Last backup check: no backup check yet — b runs one"
		}
		return append(errLine, st.Muted.Render(fit(text, w)))
	}
	text := fmt.Sprintf("Last backup check: %s %s%s — %s", checkSymbol(b.Status), strings.ToUpper(b.Status), when, b.Summary)
	if b.Problems > 0 {
		text = fmt.Sprintf("Last backup check: %s %s%s — %s to fix (muster backup check) — %s", checkSymbol(b.Status),
			strings.ToUpper(b.Status), when, plural(b.Problems, "database", "databases"), b.Summary)
	}
	style := st.SLAOk
	switch b.Status {
	case "warn":
		style = st.SLAWarn
	case "fail", "error":
		style = st.SLAMissed
	case "skip":
		style = st.Muted
	}
	lines := wrap(clean(text), w)
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = trunc(lines[1]+" …", w)
	}
	for i := range lines {
		lines[i] = style.Render(fit(lines[i], w))
	}
	return append(errLine, lines...)
}

// drillLines lists the drills in progress, one line each: id, scenario, state,
// drill clock and score.
func (h *homeScreen) drillLines(st Styles, w int) []string {
	rows := h.drillRows()
	if h.drillSel < h.drillTop {
		h.drillTop = h.drillSel
	}
	if h.drillSel >= h.drillTop+rows {
		h.drillTop = h.drillSel - rows + 1
	}
	var out []string
	for i := h.drillTop; i < len(h.drills) && len(out) < rows; i++ {
		hd := h.drills[i]
		sel := i == h.drillSel && h.focus == focusDrills
		cursor := "  "
		if sel {
			cursor = "▸ "
		}
		line := cursor + hd.Summary.ID + "  DRILL  "
		switch {
		case hd.Drill != nil:
			s := hd.Drill
			state := "running"
			switch {
			case s.Ended:
				state = "ended"
			case s.Stopping:
				state = "ending"
			case s.Paused:
				state = "paused"
			}
			line += fmt.Sprintf("%s · %s · %s of %s · %gx · score %d/%d · %s", s.Scenario, state, scenarios.FormatOffset(s.Drill),
				runbook.FormatDuration(s.Planned), s.Speed, s.Score.Points, s.Score.Max, hd.Summary.Title)
		case hd.Err != "":
			line += "✗ cannot read: " + hd.Err
		default:
			line += hd.Summary.Title
		}
		line = clean(line)
		if sel {
			out = append(out, st.Selected.Render(fit(line, w)))
		} else {
			out = append(out, fit(line, w))
		}
	}
	return out
}

// moveSel moves the selection of the focused list.
func (h *homeScreen) moveSel(delta int) {
	if h.focus == focusDrills {
		h.drillSel = clampInt(h.drillSel+delta, 0, max(len(h.drills)-1, 0))
		return
	}
	if h.focus == focusIncidents {
		h.incSel = clampInt(h.incSel+delta, 0, max(len(h.incidents)-1, 0))
	} else {
		h.rbSel = clampInt(h.rbSel+delta, 0, max(len(h.shown)-1, 0))
	}
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
