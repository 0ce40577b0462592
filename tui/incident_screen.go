package tui

import (
	"fmt"
	"github.com/muster-ir/muster/runbook/untrusted"
	"path/filepath"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// incidentScreen is an incident being worked: its phases and steps on the left, the
// selected step on the right, the SLA clock above. With readOnly it shows a runbook
// from the library, with no incident behind it.
type incidentScreen struct {
	id        string
	dir       string
	readOnly  bool
	rb        *runbook.Runbook
	pol       *runbook.Policy
	state     *incident.State // nil while loading and for a runbook read-only
	stamp     incident.Stamp  // the journal behind state, to notice other writers
	loadReq   int
	loadErr   string
	polling   bool // a look for other writers is running
	polledAt  time.Time
	pollReq   int
	impactReq int // the services read for the impact dialog (o)

	// Derived from state in rebuild, never in View.
	rows     []stepRow
	progress map[runbook.PhaseName]incident.PhaseProgress
	next     incident.UpdateDue
	hasNext  bool
	overdue  map[string]bool
	starts   map[runbook.PhaseName]phaseStart // PhaseStart of each phase for startsOf
	startsOf *incident.State
	notes    map[string][]incident.NoteEntry // notes about each step
	checks   map[string][]incident.CheckEntry
	attached map[string][]incident.AttachmentEntry // files attached as evidence for each step
	roleList []string                              // the roles to assign and show (listRoles)

	sel int // row of the selected step
	// The step just done or skipped and when, for u right after; when the selection
	// last moved on by itself, so a quick second Space is not taken as meant.
	lastDone   string
	lastDoneAt time.Time
	movedAt    time.Time
	top        int // first visible row of the list
	detail     []string
	detailTop  int
	cmdSel     int

	saving   string // what is being written, "" when idle
	actReq   int
	dialog   *dialog
	checkOn  string // step whose check is running
	checkReq int
	queued   []queuedWrite // check results waiting for the write in flight
	inFlight queuedWrite   // the write in flight
	unlogged *queuedWrite  // a check result whose write failed, kept for x

	events    []journal.Event // for the timeline, loaded on demand
	eventsReq int
	feed      []feedItem // what the team did, newest last (feed.go)

	// outbox counts a team incident's events saved here while the store was away, not
	// shared yet; queuedSteps are the steps this screen queued as done or skipped, so a
	// second press does not queue them again.
	outbox int
	// reminder is the banner for the next update when it is near or overdue (sync
	// derives it from the clock); rang is the reminder the bell last rang for.
	reminder     string
	reminderOver bool
	reminderKey  string
	rang         string
	publishedAt  time.Time // the last share round's start or end (share.go)
	queuedSteps  map[string]bool
	// sharing: a share round of this outbox is in flight; shareStuck: the last one
	// left events because the store did not answer; sharedAt: when one emptied it.
	sharing, shareStuck bool
	sharedAt            time.Time
	// stuckWhy is why the last round left the outbox waiting, when the store answered
	// (no usable credentials, access denied, ...): the line the CLI prints, said once
	// on the message line; stuckNoCreds: it was the credentials. The header says which
	// instead of "does not answer".
	stuckWhy     string
	stuckNoCreds bool
	// team: a team incident of the store given, whose saves go to its outbox first and
	// are shared in the background (share.go).
	team bool

	keys incidentKeys
}

type phaseStart struct {
	at time.Time
	ok bool
}

// queuedWrite is a write that waits for the one in flight.
type queuedWrite struct {
	what  string
	check bool // a check's result
	do    func(inc *incidentWriter) error
}

// stepRow is one line of the step list: a phase header (step < 0) or a step.
type stepRow struct {
	phase int
	step  int
}

func newIncidentScreen(id string, readOnly bool) incidentScreen {
	return incidentScreen{id: id, readOnly: readOnly, keys: newIncidentKeys(readOnly), queuedSteps: map[string]bool{}}
}

// setOutbox follows the outbox: once it is empty, nothing this screen queued waits.
func (s *incidentScreen) setOutbox(n int) {
	s.outbox = n
	if n == 0 {
		clear(s.queuedSteps)
	}
}

func (s *incidentScreen) stepAt(row int) (runbook.Step, bool) {
	if s.rb == nil || row < 0 || row >= len(s.rows) || s.rows[row].step < 0 {
		return runbook.Step{}, false
	}
	r := s.rows[row]
	return s.rb.Phases[r.phase].Steps[r.step], true
}

// selected is the selected step.
func (s *incidentScreen) selected() (runbook.Step, bool) { return s.stepAt(s.sel) }

// rebuild recomputes what the screen derives from the runbook and the state: the rows
// (the steps of the current severity), progress, the next update due, notes and checks
// per step. It runs when the state changes, not on frames.
func (s *incidentScreen) rebuild(now time.Time) {
	selID := ""
	if st, ok := s.selected(); ok {
		selID = st.ID
	}
	s.rows = s.rows[:0]
	if s.rb == nil {
		return
	}
	for pi, ph := range s.rb.Phases {
		s.rows = append(s.rows, stepRow{phase: pi, step: -1})
		for si, st := range ph.Steps {
			if s.state != nil && !st.AppliesTo(s.state.Severity) {
				continue
			}
			s.rows = append(s.rows, stepRow{phase: pi, step: si})
		}
	}
	s.progress = map[runbook.PhaseName]incident.PhaseProgress{}
	s.notes = map[string][]incident.NoteEntry{}
	s.checks = map[string][]incident.CheckEntry{}
	s.attached = map[string][]incident.AttachmentEntry{}
	s.roleList = s.listRoles()
	s.hasNext = false
	if s.state != nil {
		for _, p := range s.state.Progress() {
			s.progress[p.Phase] = p
		}
		s.next, s.hasNext = s.state.NextUpdate()
		for _, n := range s.state.Notes {
			if n.Step != "" {
				s.notes[n.Step] = append(s.notes[n.Step], n)
			}
		}
		for _, c := range s.state.Checks {
			s.checks[c.Step] = append(s.checks[c.Step], c)
		}
		for _, a := range s.state.Attachments {
			if a.Step != "" {
				s.attached[a.Step] = append(s.attached[a.Step], a)
			}
		}
	}
	if selID == "" || !s.selectStep(selID) {
		s.selectFirstTodo()
	}
}

// refreshOverdue marks which of the rows on screen (and the selected step) are past
// their timebox at now: a 2,000-step runbook costs what a screenful does. It is
// State.TimeboxOverdue with the phase starts looked up once per state (PhaseStart
// walks the runbook, and TimeboxOverdue asks it for every step); a test holds the
// two equal.
func (s *incidentScreen) refreshOverdue(now time.Time, visible int) {
	clear(s.overdue)
	if s.overdue == nil {
		s.overdue = map[string]bool{}
	}
	if s.state == nil {
		return
	}
	if s.startsOf != s.state {
		s.startsOf, s.starts = s.state, map[runbook.PhaseName]phaseStart{}
		for _, ph := range s.rb.Phases {
			at, ok := s.state.PhaseStart(ph.Name)
			s.starts[ph.Name] = phaseStart{at, ok}
		}
	}
	check := func(i int) {
		st, ok := s.stepAt(i)
		if !ok || st.Timebox <= 0 || s.state.Closed || s.state.Step(st.ID).Status != incident.StepTodo {
			return
		}
		if ps := s.starts[st.Phase]; ps.ok && now.Sub(ps.at) > st.Timebox {
			s.overdue[st.ID] = true
		}
	}
	for i := s.top; i < len(s.rows) && i < s.top+visible; i++ {
		check(i)
	}
	check(s.sel)
}

// selectStep selects the step with this id if it is listed.
func (s *incidentScreen) selectStep(id string) bool {
	for i, r := range s.rows {
		if r.step >= 0 && s.rb.Phases[r.phase].Steps[r.step].ID == id {
			s.setSel(i)
			return true
		}
	}
	return false
}

// selectFirstTodo selects the first step still to do, else the first step: where a
// resumed incident picks up.
func (s *incidentScreen) selectFirstTodo() {
	first := -1
	for i, r := range s.rows {
		if r.step < 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		st := s.rb.Phases[r.phase].Steps[r.step]
		if s.state != nil && s.state.Step(st.ID).Status == incident.StepTodo {
			s.setSel(i)
			return
		}
	}
	if first < 0 {
		first = 0
	}
	s.setSel(first)
}

// selectNextTodo moves on after a step is done or skipped: to the next step to do
// after it, if any.
func (s *incidentScreen) selectNextTodo(from string) {
	start := 0
	for i, r := range s.rows {
		if r.step >= 0 && s.rb.Phases[r.phase].Steps[r.step].ID == from {
			start = i
			break
		}
	}
	for i := start + 1; i < len(s.rows); i++ {
		r := s.rows[i]
		if r.step >= 0 && s.state.Step(s.rb.Phases[r.phase].Steps[r.step].ID).Status == incident.StepTodo {
			s.setSel(i)
			return
		}
	}
}

func (s *incidentScreen) setSel(i int) {
	if i != s.sel {
		s.detailTop, s.cmdSel = 0, 0
	}
	s.sel = i
}

// move selects the step delta steps away, skipping phase headers.
func (s *incidentScreen) move(delta int) {
	i := s.sel
	for n := 0; n < abs(delta); {
		j := i + sign(delta)
		if j < 0 || j >= len(s.rows) {
			break
		}
		i = j
		if s.rows[i].step >= 0 {
			n++
		}
	}
	for i >= 0 && i < len(s.rows) && s.rows[i].step < 0 {
		i += sign(delta)
	}
	if i >= 0 && i < len(s.rows) {
		s.setSel(i)
	}
}

func (s *incidentScreen) first() {
	s.sel = -1
	s.move(1)
}

func (s *incidentScreen) last() {
	s.sel = len(s.rows)
	s.move(-1)
}

// scrollList keeps the selected row visible in a list h rows high, with its phase
// header when it fits.
func (s *incidentScreen) scrollList(h int) {
	if h < 1 {
		return
	}
	if s.sel < s.top {
		s.top = s.sel
		if s.sel > 0 && s.rows[s.sel-1].step < 0 {
			s.top = s.sel - 1
		}
	}
	if s.sel >= s.top+h {
		s.top = s.sel - h + 1
	}
	if maxTop := max(len(s.rows)-h, 0); s.top > maxTop {
		s.top = maxTop
	}
	if s.top < 0 {
		s.top = 0
	}
}

// stepMark is the state symbol and word of a step: ✓ done, ↷ skipped, ⚠ overdue,
// · to do.
func (s *incidentScreen) stepMark(st runbook.Step) (string, string) {
	if s.state == nil {
		return "·", "to do"
	}
	switch s.state.Step(st.ID).Status {
	case incident.StepDone:
		return "✓", "done"
	case incident.StepSkipped:
		return "↷", "skipped"
	}
	if s.queuedSteps[st.ID] {
		return "⧗", "saved here, waiting to be shared"
	}
	if s.overdue[st.ID] {
		return "⚠", "overdue"
	}
	return "·", "to do"
}

func (s *incidentScreen) markStyle(st Styles, mark string) func(...string) string {
	switch mark {
	case "✓":
		return st.Done.Render
	case "↷":
		return st.Skipped.Render
	case "⚠":
		return st.Overdue.Render
	}
	return st.Todo.Render
}

// listLines renders rows top..top+h of the step list, w cells wide: only what is
// visible, so a 2,000-step runbook costs what a 20-step one does.
func (s *incidentScreen) listLines(st Styles, w, h int) []string {
	out := make([]string, 0, h)
	for i := s.top; i < len(s.rows) && len(out) < h; i++ {
		r := s.rows[i]
		ph := s.rb.Phases[r.phase]
		if r.step < 0 {
			title := phaseTitle(ph.Name)
			prog := ""
			style := st.Phase
			if p, ok := s.progress[ph.Name]; ok && s.state != nil {
				prog = fmt.Sprintf("%d/%d", p.Done+p.Skipped, p.Total)
				if p.Complete() && p.Total > 0 {
					prog += " ✓"
					style = st.PhaseComplete
				}
			} else if s.state == nil {
				prog = plural(len(ph.Steps), "step", "steps")
			}
			gap := max(w-cells(title)-cells(prog), 1)
			out = append(out, style.Render(fit(title+strings.Repeat(" ", gap)+prog, w)))
			continue
		}
		step := ph.Steps[r.step]
		mark, _ := s.stepMark(step)
		cursor := "  "
		if i == s.sel {
			cursor = "▸ "
		}
		text := fit(cursor+mark+" "+step.Title, w)
		if i == s.sel {
			out = append(out, st.Selected.Render(text))
		} else {
			out = append(out, s.markStyle(st, mark)(text))
		}
	}
	blank := strings.Repeat(" ", w)
	for len(out) < h {
		out = append(out, blank)
	}
	return out
}

func phaseTitle(p runbook.PhaseName) string {
	n := string(p)
	if n == "" {
		return ""
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// buildDetail renders the selected step for a pane w cells wide: title, where it
// stands, the Markdown body (from the cache), evidence prompts, commands, the check
// and the notes about it.
func (s *incidentScreen) buildDetail(st Styles, md *mdCache, w int, now time.Time, checkFrame string, runCheck bool) {
	step, ok := s.selected()
	if !ok || w < 1 {
		s.detail = nil
		return
	}
	var out []string
	add := func(lines ...string) { out = append(out, lines...) }
	for _, l := range wrap(step.Title, w) {
		add(st.Title.Render(l))
	}
	meta := []string{string(step.Phase), "step " + step.ID}
	if step.Role != "" {
		meta = append(meta, step.Role)
	}
	if step.Timebox > 0 {
		tb := "timebox " + runbook.FormatDuration(step.Timebox)
		meta = append(meta, tb)
	}
	if step.Optional {
		meta = append(meta, "optional")
	}
	if s.readOnly && len(step.When) > 0 {
		meta = append(meta, "only for "+strings.Join(step.When, ", "))
	}
	for _, l := range wrap(strings.Join(meta, " · "), w) {
		add(st.Muted.Render(l))
	}
	if s.state != nil {
		add(s.statusLines(st, step, w, now)...)
	}
	if body := md.render(step.ID, step.Body, w, st.Glamour); len(body) > 0 {
		add("")
		add(body...)
	}
	if len(step.Evidence) > 0 {
		add("", st.Heading.Render(trunc("Evidence to record", w)))
		for _, e := range step.Evidence {
			add(indentWrap("  • ", e, w)...)
		}
	}
	if files := s.attached[step.ID]; len(files) > 0 {
		add("", st.Heading.Render(trunc(fmt.Sprintf("Attached to this step (%d)", len(files)), w)))
		for _, a := range files {
			add(indentWrap("  + ", attachmentLine(a, now), w)...)
		}
	}
	if len(step.Commands) > 0 {
		add("", st.Heading.Render(trunc("Commands", w))+st.Muted.Render(trunc(" — y copies the selected one, [ ] choose", w-8)))
		for i, c := range step.Commands {
			prefix := "    "
			if i == s.cmdSel {
				prefix = "  ▸ "
			}
			for _, l := range indentWrap(prefix+"$ ", c, w) {
				if i == s.cmdSel {
					add(st.Code.Render(l))
				} else {
					add(l)
				}
			}
		}
	}
	if step.Check != "" {
		add("", st.Heading.Render(trunc("Check: "+step.Check, w)))
		if d := runbook.CheckDescriptions[step.Check]; d != "" {
			add(indentWrap("  ", d, w)...)
		}
		switch {
		case s.readOnly:
		case s.checkOn == step.ID:
			add(indentWrap("  ", checkFrame+" running "+step.Check+"… (the result is logged as evidence)", w)...)
		case runCheck:
			add(indentWrap("  ", "x runs it now; the result is logged as evidence", w)...)
		default:
			add(indentWrap("  ", "not available here: run `muster backup check` and attach its output (a)", w)...)
		}
		for _, c := range s.checks[step.ID] {
			add(indentWrap("  ", checkSymbol(c.Status)+" "+c.Status+" at "+clock(c.At, now)+" by "+c.Actor+" — "+c.Summary, w)...)
		}
	}
	if notes := s.notes[step.ID]; len(notes) > 0 {
		add("", st.Heading.Render(trunc(fmt.Sprintf("Notes on this step (%d)", len(notes)), w)))
		// The latest few: the timeline has them all.
		from := max(len(notes)-5, 0)
		for _, n := range notes[from:] {
			add(indentWrap("  "+clock(n.At, now)+" "+clean(n.Actor)+": ", untrusted.Clean(n.Text), w)...) // a journal may hold what muster refuses now
		}
	}
	s.detail = out
}

// attachmentLine is one attached file for the step pane: its name, what it is, its
// size, who attached it and when. The name and description are cleaned (a file name
// may hold anything).
func attachmentLine(a incident.AttachmentEntry, now time.Time) string {
	name := clean(filepath.Base(a.Attachment.Path))
	parts := []string{name}
	if a.Description != "" {
		parts[0] += " — " + clean(a.Description)
	}
	if a.Attachment.Kind == journal.KindSymlink {
		parts = append(parts, "symlink to "+clean(a.Attachment.Link))
	} else {
		parts = append(parts, byteSize(a.Attachment.Size))
	}
	parts = append(parts, clean(a.Actor)+" "+clock(a.At, now))
	return strings.Join(parts, " · ")
}

// byteSize is a file size for people: 812 B, 12 KB, 3.4 MB.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.0f KB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// checkSymbol is the mark of a check's status: pass, warn, skip, fail or error.
func checkSymbol(status string) string {
	switch status {
	case "pass":
		return "✓"
	case "warn":
		return "⚠"
	case "skip":
		return "–"
	}
	return "✗"
}

// statusLines says where the step stands: done by whom and when, skipped and why, or
// to do (and overdue).
func (s *incidentScreen) statusLines(st Styles, step runbook.Step, w int, now time.Time) []string {
	ss := s.state.Step(step.ID)
	mark, word := s.stepMark(step)
	var text string
	switch ss.Status {
	case incident.StepDone:
		text = mark + " done by " + ss.By + " at " + clock(ss.At, now)
		if ss.Note != "" {
			text += " — " + ss.Note
		}
	case incident.StepSkipped:
		text = mark + " skipped by " + ss.By + " at " + clock(ss.At, now) + " — " + ss.Reason
	default:
		text = mark + " " + word
		if s.overdue[step.ID] {
			if ps := s.starts[step.Phase]; ps.ok {
				text += fmt.Sprintf(": timebox %s ran out %s", runbook.FormatDuration(step.Timebox), ago(ps.at.Add(step.Timebox), now))
			}
		}
	}
	style := s.markStyle(st, mark)
	var out []string
	for _, l := range wrap(text, w) {
		out = append(out, style(l))
	}
	return out
}

// statusBar is the incident's header: id, severity, title, elapsed, then the respond-by
// and resolve-by countdowns and the next customer update due, in words as well as
// colour.
func (s *incidentScreen) statusBar(st Styles, w int, now time.Time) []string {
	if s.readOnly {
		if s.rb == nil {
			return []string{fit("Runbook", w)}
		}
		head := joinNonEmpty(" · ", "Runbook "+s.rb.ID+" "+s.rb.Version.String(), s.rb.Title)
		sub := joinNonEmpty(" · ", "read-only", "for "+strings.Join(s.rb.Severities, ", "), s.rb.Owner)
		return []string{st.Status.Render(fit(head, w)), st.Muted.Render(fit(sub, w))}
	}
	if s.state == nil {
		return []string{st.Status.Render(fit(s.id, w)), fit("", w)}
	}
	state := s.state
	sev := strings.ToUpper(state.Severity)
	sevStyle := st.SevLow
	if lv, ok := s.pol.Level(state.Severity); ok && lv.Rank <= 2 {
		sevStyle = st.SevHigh
	}
	elapsed := "open " + runbook.FormatDuration(now.Sub(state.OpenedAt))
	if state.Closed {
		elapsed = "closed after " + runbook.FormatDuration(state.ClosedAt.Sub(state.OpenedAt))
	}
	if state.Drill {
		elapsed = "DRILL · " + elapsed
	}
	var lines []string
	var parts []styled
	if titleW := w - cells(state.ID) - cells(sev) - 6 - cells(elapsed) - 1; titleW >= 12 {
		lines = append(lines, st.Status.Render(state.ID+" · ")+sevStyle.Render(sev)+st.Status.Render(" · "+fit(state.Title, titleW))+" "+st.Muted.Render(elapsed))
	} else {
		// Narrow: id and severity, the title, then everything else flows.
		lines = append(lines, fitStyled(st.Status.Render(state.ID+" · ")+sevStyle.Render(sev), w), st.Status.Render(fit(state.Title, w)))
		parts = append(parts, styled{elapsed, st.Muted.Render})
	}
	respond, resolve := state.SLAs(s.pol, now)
	parts = append(parts, slaPart(st, "respond-by", respond, now), slaPart(st, "resolve-by", resolve, now))
	if s.hasNext {
		parts = append(parts, updatePart(st, s.next, now))
	}
	if !state.Drill {
		// A drill's panel takes the room; its roles are in the report.
		if state.RespondedAt.IsZero() && !state.Closed {
			parts = append(parts, styled{"not acknowledged — K acknowledges", st.SLAWarn.Render})
		}
		parts = append(parts, s.rosterPart(st))
	}
	if state.Closed {
		parts = append(parts, styled{"CLOSED " + clock(state.ClosedAt, now) + " by " + state.ClosedBy, st.Muted.Render})
	}
	if p, ok := s.sharePart(st, now); ok {
		parts = append(parts, p)
	}
	if n := len(state.Undecodable); n > 0 { // never hidden: the state is missing what they record
		parts = append(parts, styled{fmt.Sprintf("⚠ %d journal event(s) do not decode: muster evidence verify %s", n, s.id), st.SLAWarn.Render})
	}
	return append(lines, flow(parts, "   ", w)...)
}

// refreshReminder derives the banner for the next update due: from before minutes
// before it falls due until the notice is recorded. Each stage (near, overdue) of each
// update has its own key, so the bell rings once for each.
func (s *incidentScreen) refreshReminder(now time.Time, before time.Duration) {
	s.reminder, s.reminderOver, s.reminderKey = "", false, ""
	if before <= 0 || s.state == nil || s.readOnly || s.state.Closed || !s.hasNext {
		return
	}
	u := s.next
	to := u.Audience
	if u.Channel != "" && !strings.EqualFold(u.Channel, u.Audience) {
		to += " (" + u.Channel + ")"
	}
	key := u.Audience + "|" + u.Channel + "|" + u.Due.UTC().Format(time.RFC3339)
	switch {
	case !now.Before(u.Due):
		s.reminder = fmt.Sprintf("⏰ update to %s OVERDUE by %s — send it, then c records it", clean(to), runbook.FormatDuration(now.Sub(u.Due)))
		s.reminderOver, s.reminderKey = true, "overdue|"+key
	case !now.Before(u.Due.Add(-before)):
		s.reminder = fmt.Sprintf("⏰ update to %s due %s, in %s — send it, then c records it", clean(to), clock(u.Due, now), runbook.FormatDuration(u.Due.Sub(now)))
		s.reminderKey = "near|" + key
	}
}

// styled is a piece of text with its style, kept apart so widths are measured on the
// text.
type styled struct {
	text   string
	render func(...string) string
}

// flow lays pieces out on lines of w cells, a piece never split unless it alone is
// wider than a line.
func flow(parts []styled, sep string, w int) []string {
	var out []string
	line, lineW := "", 0
	for _, p := range parts {
		t := trunc(p.text, w)
		tw := cells(t)
		if lineW > 0 && lineW+cells(sep)+tw > w {
			out = append(out, pad(line, w))
			line, lineW = "", 0
		}
		if lineW > 0 {
			line += sep
			lineW += cells(sep)
		}
		line += p.render(t)
		lineW += tw
	}
	if lineW > 0 {
		out = append(out, pad(line, w))
	}
	return out
}

// slaPart is one deadline in words, its figure on its clock: "respond-by 14:05 · 40m
// left · ok", "resolve-by Fri 16:00 · 27h of working time left · ok",
// "<25% left", "MISSED 12m ago", "✓ met 13:20".
func slaPart(st Styles, name string, l incident.SLA, now time.Time) styled {
	switch {
	case l.NoLimit && l.Met:
		return styled{name + ": ✓ done (no deadline)", st.SLAMet.Render}
	case l.NoLimit:
		return styled{name + ": no deadline (" + l.Target + ")", st.Muted.Render}
	}
	head := name + " " + clock(l.Due, now)
	switch {
	case l.Met:
		return styled{head + " · ✓ met " + clock(l.MetAt, now), st.SLAMet.Render}
	case !l.MetAt.IsZero():
		return styled{head + " · MISSED (met late " + clock(l.MetAt, now) + ")", st.SLAMissed.Render}
	case l.Missed:
		return styled{head + " · MISSED " + ago(l.Due, now), st.SLAMissed.Render}
	case l.Fraction() < 0.25:
		return styled{head + " · " + l.Standing() + " · <25% left", st.SLAWarn.Render}
	}
	return styled{head + " · " + l.Standing() + " · ok", st.SLAOk.Render}
}

// updatePart is the next customer or stakeholder update due.
func updatePart(st Styles, u incident.UpdateDue, now time.Time) styled {
	text := "next update: " + u.Audience
	if u.Channel != "" {
		text += " (" + u.Channel + ")"
	}
	if now.After(u.Due) {
		return styled{text + " OVERDUE by " + runbook.FormatDuration(now.Sub(u.Due)), st.SLAMissed.Render}
	}
	return styled{text + " due " + clock(u.Due, now) + ", in " + runbook.FormatDuration(u.Due.Sub(now)), st.Muted.Render}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}
