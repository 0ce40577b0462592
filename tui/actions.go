package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// incidentWriter is an incident opened for writing inside a command.
type incidentWriter = incident.Incident

func incidentStartOptions(rb *runbook.Runbook, pol *runbook.Policy, severity, title, actor string) incident.StartOptions {
	return incident.StartOptions{Runbook: rb, Policy: pol, Severity: severity, Title: title, Actor: actor}
}

// act starts one journal write for the incident on screen. Only one write is in
// flight at a time: the screen shows "saving" until the journal answers. A team
// incident's save goes to its outbox on this machine (fsync'd, no lock, no request),
// and a share round takes it to the store in the background: a store that is slow or
// never answers never holds a save, and the outbox keeps the shared journal's order.
func (m *Model) act(what, draft, nextTo string, do func(inc *incidentWriter) error) tea.Cmd {
	s := &m.inc
	s.saving = what
	s.inFlight = queuedWrite{what: what, do: do}
	s.actReq = m.req()
	req := s.actReq
	open := m.deps.Store.Open
	if m.drill.d == nil && (s.team || s.outbox > 0 || m.share.id == s.id) {
		// Shared in the background (shareOutbox): this save goes to the outbox at
		// once, never waiting for the store or a round's lock.
		open = m.deps.Store.OpenQueued
	}
	inner := act(req, open, s.id, m.deps.Actor, what, draft, do)
	wrapped := func() tea.Msg {
		msg := inner().(appendedMsg)
		msg.nextTo = nextTo
		return msg
	}
	if d := m.drill.d; d != nil {
		// A drill: the team's action goes through the drill so it never overlaps a
		// drill record, and the drill sees it at once (met expectations, injects
		// waiting for this step).
		plain, now := wrapped, m.deps.now
		wrapped = func() tea.Msg {
			var msg appendedMsg
			u, _ := d.WithJournal(func() error { msg = plain().(appendedMsg); return msg.err })
			up := drillUpdatedMsg{id: d.ID, snap: snapshot(d, now()), fired: u.Fired}
			return tea.BatchMsg{func() tea.Msg { return msg }, func() tea.Msg { return up }}
		}
	}
	return tea.Batch(wrapped, m.startSpinner())
}

// write starts a queued write.
func (m *Model) write(w queuedWrite) tea.Cmd {
	cmd := m.act(w.what, "", "", w.do)
	m.inc.inFlight = w
	return cmd
}

func (m *Model) incidentKey(msg tea.KeyPressMsg) tea.Cmd {
	s := &m.inc
	k := s.keys
	h := m.bodyHeight()

	// Overlays and dialogs take the keys first.
	switch m.overlay {
	case overlayHelp, overlayReport:
		if m.pager.update(msg, h) {
			m.overlay = m.pager.returnTo // the timeline or follow-ups its ? opened it from
		}
		return nil
	case overlayFollowUps:
		return m.followUpKey(msg, h-1)
	case overlayPalette:
		return m.paletteKey(msg)
	case overlayTimeline:
		if !m.timeline.typing && key.Matches(msg, m.timeline.keys.Help) {
			m.openHelp(m.timeline.keys)
			m.pager.returnTo = overlayTimeline
			return nil
		}
		closed, cmd := m.timeline.update(msg, h-1)
		if closed {
			m.overlay = overlayNone
		}
		return cmd
	}
	if s.dialog != nil {
		res, cmd := s.dialog.update(msg)
		switch res {
		case dialogCancel:
			m.drafts[s.id+"/"+s.dialog.draft] = s.dialog
			m.overlay, s.dialog = s.dialog.returnTo, nil
			m.flash = flash{text: "cancelled — the text is kept as a draft for next time"}
			return nil
		case dialogSubmit:
			return m.submitDialog()
		}
		return tea.Batch(cmd, m.afterDialogInput(), m.keepDraft())
	}

	if m.drill.on {
		if cmd, ok := m.drillKey(msg); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.confirmQuit("q")
	case key.Matches(msg, k.Help):
		if m.drill.on {
			m.openHelp(drillKeyMap{inc: k, drill: m.drill.keys})
			return nil
		}
		m.openHelp(k)
		return nil
	case key.Matches(msg, k.Back):
		if s.saving != "" {
			m.flash = flash{text: "still saving — wait for the journal to answer"}
			return nil
		}
		return m.goHome()
	case key.Matches(msg, k.Up):
		s.move(-1)
	case key.Matches(msg, k.Down):
		s.move(1)
	case key.Matches(msg, k.First):
		s.first()
	case key.Matches(msg, k.Last):
		s.last()
	case key.Matches(msg, k.ScrollUp):
		s.detailTop = max(s.detailTop-max(h/2, 1), 0)
	case key.Matches(msg, k.ScrollDown):
		s.detailTop += max(h/2, 1)
	case key.Matches(msg, k.NextCmd), key.Matches(msg, k.PrevCmd):
		if st, ok := s.selected(); ok && len(st.Commands) > 0 {
			d := 1
			if key.Matches(msg, k.PrevCmd) {
				d = -1
			}
			s.cmdSel = (s.cmdSel + d + len(st.Commands)) % len(st.Commands)
		}
	case key.Matches(msg, k.Copy):
		return m.copyCommand()
	case key.Matches(msg, k.Palette):
		return m.openPalette()
	}
	if s.readOnly {
		if key.Matches(msg, k.StartFromBook) && s.rb != nil {
			cmd := m.openStart(s.rb.ID)
			m.start.focus = startSeverity
			return tea.Batch(cmd, m.start.focusCmd())
		}
		return nil
	}
	if s.state == nil {
		return nil
	}
	if s.saving != "" && isAction(msg, k) {
		m.flash = flash{text: "still saving “" + s.saving + "” — wait for the journal to answer"}
		return nil
	}
	if s.state.Closed && isAction(msg, k) {
		// Said before a dialog is typed into: the journal would refuse it on save.
		m.flash = flash{text: "incident " + s.id + " is closed (" + clock(s.state.ClosedAt, m.now) + " by " + clean(s.state.ClosedBy) + "): nothing more is written to it", err: true}
		return nil
	}
	step, hasStep := s.selected()
	if hasStep && s.queuedSteps[step.ID] && (key.Matches(msg, k.Done) || key.Matches(msg, k.Skip)) {
		m.flash = flash{text: "step " + step.ID + " is saved here and waits to be shared — not saved twice", err: true}
		return nil
	}
	switch {
	case key.Matches(msg, k.Done) && hasStep:
		if now := m.deps.now(); !s.movedAt.IsZero() && now.Sub(s.movedAt) < spaceGuard && now.Sub(s.movedAt) >= 0 {
			s.movedAt = time.Time{}
			m.flash = flash{text: "selection moved on — Space again marks “" + step.Title + "” done"}
			return nil
		}
		if cur := s.state.Step(step.ID); cur.Status != incident.StepTodo {
			m.flash = flash{text: fmt.Sprintf("step %s is already %s — u undoes it", step.ID, cur.Status), err: true}
			return nil
		}
		id := step.ID
		return m.act("step "+id+" done", "", id, func(inc *incidentWriter) error { return inc.CompleteStep(id, "") })
	case key.Matches(msg, k.Skip) && hasStep:
		if cur := s.state.Step(step.ID); cur.Status != incident.StepTodo {
			m.flash = flash{text: fmt.Sprintf("step %s is already %s — u undoes it", step.ID, cur.Status), err: true}
			return nil
		}
		return m.openDialog(m.skipDialog(step))
	case key.Matches(msg, k.Undo) && hasStep:
		if now := m.deps.now(); s.lastDone != "" && now.Sub(s.lastDoneAt) < undoWindow && s.state.Step(step.ID).Status == incident.StepTodo {
			// Right after a done or skip the selection moved on: u means that step.
			if st, ok := s.rb.Step(s.lastDone); ok && (s.state.Step(st.ID).Status != incident.StepTodo || s.queuedSteps[st.ID]) {
				step = st
			}
		}
		if s.queuedSteps[step.ID] {
			// Its done or skip waits in the outbox: the undo is decided against the
			// shared journal, which has not got it yet.
			m.flash = flash{text: "step " + step.ID + " is saved here and waits to be shared — u undoes it once it is shared", err: true}
			return nil
		}
		if s.state.Step(step.ID).Status == incident.StepTodo {
			m.flash = flash{text: "step " + step.ID + " is not done or skipped: nothing to undo", err: true}
			return nil
		}
		return m.openDialog(m.undoDialog(step))
	case key.Matches(msg, k.Note):
		return m.openDialog(m.noteDialog(step, hasStep))
	case key.Matches(msg, k.IncNote):
		return m.openDialog(m.noteDialog(step, false))
	case key.Matches(msg, k.Ack):
		return m.acknowledge()
	case key.Matches(msg, k.Assign):
		return m.openDialog(m.assignDialog())
	case key.Matches(msg, k.FollowUps):
		m.overlay = overlayFollowUps
		m.followUps = followUpsView{keys: newFollowUpKeys(), scroll: scroller{cursor: true}}
		return nil
	case key.Matches(msg, k.Close):
		return m.openDialog(m.closeDialog())
	case key.Matches(msg, k.Impact):
		return m.askImpact()
	case key.Matches(msg, k.Attach):
		return m.openDialog(m.attachDialog(step, hasStep))
	case key.Matches(msg, k.Escalate):
		return m.openDialog(m.escalateDialog())
	case key.Matches(msg, k.Notify):
		return m.openDialog(m.notifyDialog())
	case key.Matches(msg, k.Severity):
		return m.openDialog(m.severityDialog())
	case key.Matches(msg, k.Timeline):
		return m.openTimeline()
	case key.Matches(msg, k.Feed):
		return m.readFeed()
	case key.Matches(msg, k.Report):
		return m.openReport()
	case key.Matches(msg, k.Check) && hasStep:
		return m.startCheck(step)
	}
	return nil
}

// spaceGuard is how long after the selection moved on by itself a Space is taken as a
// second press of the first rather than meant for the next step; undoWindow is how
// long u refers to the step just done.
const (
	spaceGuard = 1500 * time.Millisecond
	undoWindow = 30 * time.Second
)

// isAction reports whether a key writes to the journal.
func isAction(msg tea.KeyPressMsg, k incidentKeys) bool {
	for _, b := range []key.Binding{k.Done, k.Skip, k.Undo, k.Note, k.IncNote, k.Ack, k.Assign, k.Close, k.Attach, k.Escalate, k.Notify, k.Severity, k.Check} {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}

func (m *Model) copyCommand() tea.Cmd {
	st, ok := m.inc.selected()
	if !ok || len(st.Commands) == 0 {
		m.flash = flash{text: "this step has no command to copy", err: true}
		return nil
	}
	c := st.Commands[min(m.inc.cmdSel, len(st.Commands)-1)]
	m.copyReq = m.req()
	f := m.deps.Clipboard
	if f == nil {
		f = systemCopy
	}
	m.flash = flash{text: "copying…"}
	return copyText(m.copyReq, c, f)
}

// openDialog shows a dialog, or the draft left from the last time it was open.
func (m *Model) openDialog(d *dialog) tea.Cmd {
	if old, ok := m.drafts[m.inc.id+"/"+d.draft]; ok {
		d = old
		delete(m.drafts, m.inc.id+"/"+d.draft)
	} else if f, ok := m.diskDrafts.onDisk[m.inc.id+"/"+d.draft]; ok {
		// Kept on disk by an earlier session that ended before it was sent.
		d.restore(f)
		delete(m.diskDrafts.onDisk, m.inc.id+"/"+d.draft)
	}
	if d.kind == dlgNotify {
		m.offerNoticeStep(d) // a kept draft was written on another step
	}
	d.keys = newDialogKeys()
	d.setStyles(m.styles)
	m.inc.dialog = d
	m.flash = flash{}
	return d.open()
}

func (m *Model) skipDialog(st runbook.Step) *dialog {
	return &dialog{kind: dlgSkip, draft: "skip:" + st.ID, title: "Skip step " + st.ID,
		intro: st.Title + " — the reason goes into the journal and the report.", step: st.ID,
		fields: []field{newLine("Why is it skipped?", "e.g. not relevant: no customer data on this host", "", true, m.styles)}}
}

func (m *Model) undoDialog(st runbook.Step) *dialog {
	cur := m.inc.state.Step(st.ID)
	return &dialog{kind: dlgUndo, draft: "undo:" + st.ID, title: "Undo step " + st.ID,
		intro: fmt.Sprintf("%s — put back to do (it is %s by %s). The original stays in the journal.", st.Title, cur.Status, cur.By), step: st.ID,
		fields: []field{newLine("Why? (optional)", "e.g. marked by mistake", "", false, m.styles)}}
}

func (m *Model) noteDialog(st runbook.Step, hasStep bool) *dialog {
	d := &dialog{kind: dlgNote, draft: "note", title: "Note", intro: "A note for the journal, about the incident."}
	if hasStep {
		d.draft, d.step = "note:"+st.ID, st.ID
		d.intro = "About step " + st.ID + ": " + st.Title
	}
	d.fields = []field{newText("Note", "what you saw, did or decided", "", true, m.styles)}
	return d
}

// attachDialog takes a file as evidence: its path (with completions), a description,
// and the step it is evidence for: the selected one unless the responder says it is
// about the incident as a whole.
func (m *Model) attachDialog(st runbook.Step, hasStep bool) *dialog {
	f := newLine("File to attach as evidence", "path, tab completes", "", true, m.styles)
	f.hint = "copied into the incident with its SHA-256; the original is not touched"
	desc := newLine("What is it?", "e.g. ALB 5xx graph, 09:10-09:40", "", false, m.styles)
	d := &dialog{kind: dlgAttach, draft: "attach", title: "Attach a file", fields: []field{f, desc}}
	if hasStep {
		d.draft, d.step = "attach:"+st.ID, st.ID
		d.fields = append(d.fields, newChoice("Evidence for", []string{"step " + st.ID, "the incident"},
			[]string{st.Title, "no step: the incident as a whole"}, 0))
	}
	return d
}

func (m *Model) escalateDialog() *dialog {
	to := ""
	hint := ""
	if lv, ok := m.inc.pol.Level(m.inc.state.Severity); ok && len(lv.EscalateTo) > 0 {
		hint = m.inc.state.Severity + " escalates to: " + strings.Join(lv.EscalateTo, " → ")
		done := map[string]bool{}
		for _, e := range m.inc.state.Escalations {
			done[strings.ToLower(e.To)] = true
		}
		for _, t := range lv.EscalateTo {
			if !done[strings.ToLower(t)] {
				to = t
				break
			}
		}
		// On a runbook step that escalates to someone of the chain, that is whom: the
		// responder is working that step, not the chain's next.
		if sel, ok := m.inc.selected(); ok {
			for _, t := range lv.EscalateTo {
				if st, ok := escalationStep(&m.inc, t); ok && st.ID == sel.ID {
					to = t
					break
				}
			}
		}
	}
	f := newLine("To whom?", "a person or a role", to, true, m.styles)
	f.hint = hint
	d := &dialog{kind: dlgEscalate, draft: "escalate", title: "Escalate",
		intro:  "Every escalation is logged with its time and reason.",
		fields: []field{f, newLine("Why?", "what changed, what you need from them", "", true, m.styles)}}
	m.offerEscalationStep(d)
	return d
}

func (m *Model) notifyDialog() *dialog {
	audience, channel, template := "", "", ""
	if m.inc.hasNext {
		audience, channel = m.inc.next.Audience, m.inc.next.Channel
	}
	for _, r := range m.inc.rb.Communication {
		if !r.AppliesTo(m.inc.state.Severity) {
			continue
		}
		if audience == "" {
			audience, channel = r.Audience, r.Channel
		}
		if strings.EqualFold(r.Audience, audience) && template == "" {
			template = fillTemplate(r.Template, m.inc.state)
		}
	}
	a := newLine("Audience", "affected customers, leadership, status page…", audience, true, m.styles)
	a.hint = audienceHint(audience, m.inc.audiences())
	d := &dialog{kind: dlgNotify, draft: "notify", title: "Record a notice that was sent",
		intro: "muster does not send it: record what went out, to whom and how.",
		fields: []field{a, newLine("Channel", "email, status page, phone…", channel, false, m.styles),
			newText("Message sent", "the text as sent", template, true, m.styles)}}
	m.offerNoticeStep(d)
	return d
}

// offerNoticeStep keeps the notice dialog's offer in line with the selected step and
// the audience typed: on the runbook's step that posts this notice it offers that
// step, as escalating does; otherwise no offer.
func (m *Model) offerNoticeStep(d *dialog) {
	st, ok := noticeStep(&m.inc, d.value(0))
	i := slices.IndexFunc(d.fields, func(f field) bool { return f.label == escalationLabel })
	switch {
	case !ok && i >= 0:
		d.fields = slices.Delete(d.fields, i, i+1)
		d.focus = min(d.focus, len(d.fields)-1)
	case ok && (i < 0 || d.noticeStep != st.ID):
		f := newChoice(escalationLabel, []string{"yes: " + st.Title, "no"},
			[]string{"marks step " + st.ID + " done in the same write", "records the notice only"}, 0)
		if i >= 0 {
			d.fields[i] = f
		} else {
			d.fields = append(d.fields, f)
		}
	}
	d.noticeStep = ""
	if ok {
		d.noticeStep = st.ID
	}
}

// noticeStep is the selected step when it is to do and posts a notice to audience:
// its id or title says notice (or it gives a notify command) and names every word of
// the audience that matters ("status page" matches post-status-page). Only the
// selected step: the offer must never complete a step the responder is not on.
func noticeStep(s *incidentScreen, audience string) (runbook.Step, bool) {
	st, ok := s.selected()
	if !ok || s.state == nil || s.state.Step(st.ID).Status != incident.StepTodo || !st.AppliesTo(s.state.Severity) {
		return runbook.Step{}, false
	}
	words := strings.FieldsFunc(strings.ToLower(audience), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	words = slices.DeleteFunc(words, func(w string) bool { return len(w) < 3 || w == "the" || w == "and" })
	text := strings.ToLower(st.ID + " " + st.Title)
	isNotice := strings.Contains(text, "notice") || strings.Contains(text, "notif")
	for _, c := range st.Commands {
		isNotice = isNotice || strings.Contains(c, "incident notify")
	}
	if !isNotice || len(words) == 0 {
		return runbook.Step{}, false
	}
	for _, w := range words {
		if !strings.Contains(text, w) {
			return runbook.Step{}, false
		}
	}
	return st, true
}

// audiences are the audiences of the runbook's communication rules for the
// incident's severity, each once, in the runbook's order.
func (s *incidentScreen) audiences() []string {
	var known []string
	for _, r := range s.rb.Communication {
		if r.AppliesTo(s.state.Severity) && !slices.Contains(known, r.Audience) {
			known = append(known, r.Audience)
		}
	}
	return known
}

// audienceHint names the runbook's audiences under the notice's, and warns when the
// typed one is none of them: such a notice counts for no update that falls due.
func audienceHint(typed string, known []string) string {
	if len(known) == 0 {
		return ""
	}
	if t := strings.TrimSpace(typed); t != "" && !slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, t) }) {
		return "⚠ not an audience of the runbook (" + strings.Join(known, ", ") + "): it counts for no update due"
	}
	return "the runbook names: " + strings.Join(known, ", ")
}

// fillTemplate fills what muster knows into a notice template: [INCIDENT ID],
// [SEVERITY], [DATE], [START TIME UTC] (and [START UTC]); the rest ([PRODUCT],
// [TIME UTC], [ONE SENTENCE]) stays for the responder to fill.
func fillTemplate(t string, s *incident.State) string {
	if t == "" {
		return ""
	}
	start := s.OpenedAt.UTC()
	return strings.NewReplacer(
		"[INCIDENT ID]", s.ID,
		"[SEVERITY]", s.Severity,
		"[DATE]", start.Format("2 January 2006"),
		"[START TIME UTC]", start.Format("15:04 UTC"),
		"[START UTC]", start.Format("15:04 UTC"),
		// Not [TIME UTC]: the runbooks use it for when it was detected, isolated or
		// stopped, twice in one template; "now" would be a false time in a notice.
	).Replace(strings.TrimSpace(t))
}

// severityDialog offers the other levels of the incident's policy, each with the
// deadlines it would set (recomputed from the incident's start, beside the ones now),
// what it means, and a mark (⚠) when the runbook was not written for it. The notes
// wrap: a deadline is never cut, at 80 columns either.
func (m *Model) severityDialog() *dialog {
	var names, notes, marks []string
	sel := 0
	s := m.inc.state
	respondNow, resolveNow := s.SLAs(m.inc.pol, m.now)
	for _, l := range m.inc.pol.Levels {
		if l.Name == s.Severity {
			continue
		}
		mark := ""
		// The targets first: the dialog is narrow and the description is on the home screen.
		note := []string{fmt.Sprintf("respond %s, resolve %s%s — %s", l.RespondWithin.On(l.Clock), l.ResolveWithin.On(l.Clock), roundTheClock(l), clean(l.Description))}
		if respond, resolve, err := m.inc.pol.Deadlines(l.Name, s.OpenedAt); err == nil {
			note = append(note, "→ respond-by "+m.newDeadline(respond, respondNow, !s.RespondedAt.IsZero()),
				"→ resolve-by "+m.newDeadline(resolve, resolveNow, false))
		}
		if !slices.Contains(m.inc.rb.Severities, l.Name) {
			mark = "⚠"
			note = append(note, fmt.Sprintf("⚠ runbook %s is written for %s, not %s: its steps may not fit", m.inc.rb.ID, strings.Join(m.inc.rb.Severities, ", "), l.Name))
		}
		names, notes, marks = append(names, l.Name), append(notes, strings.Join(note, "\n")), append(marks, mark)
	}
	f := newChoice("New severity", names, notes, sel)
	f.marks = marks
	return &dialog{kind: dlgSeverity, draft: "severity", title: "Change severity (now " + s.Severity + ")",
		intro:  "Deadlines are recomputed from the incident's start; ⚠ marks a level the runbook was not written for.",
		fields: []field{f, newLine("Why?", "what changed", "", true, m.styles)}}
}

// newDeadline says when a deadline would fall due and what it is now:
// "14:05 · now 10:30", "already passed at 10:10 · now 11:00", "none · now 12:00".
func (m *Model) newDeadline(d runbook.Deadline, cur incident.SLA, met bool) string {
	was := "now none"
	if !cur.Due.IsZero() {
		was = "now " + clock(cur.Due, m.now)
	}
	switch {
	case met:
		return "met " + clock(cur.MetAt, m.now) + ", unchanged"
	case d.None():
		return "none (" + d.Target.On(d.Clock) + ") · " + was
	case d.Due.Before(m.now):
		return "already passed at " + clock(d.Due, m.now) + " · " + was
	}
	return clock(d.Due, m.now) + " · " + was
}

// afterDialogInput asks for path completions when the attach path changed.
func (m *Model) afterDialogInput() tea.Cmd {
	d := m.inc.dialog
	if d != nil && d.kind == dlgEscalate && d.focus == 0 {
		m.offerEscalationStep(d)
	}
	if d != nil && d.kind == dlgNotify && d.focus == 0 {
		d.fields[0].hint = audienceHint(d.value(0), m.inc.audiences())
		m.offerNoticeStep(d)
	}
	if d == nil || d.kind != dlgAttach {
		return nil
	}
	v := d.fields[0].input.Value()
	if v == "" || v == d.askedFor {
		if v == "" {
			d.completions = nil
		}
		return nil // unchanged: ↑/↓ among the completions must not reset them
	}
	d.askedFor = v
	d.completeReq = m.req()
	return completePath(d.completeReq, v)
}

// submitDialog validates the dialog and writes it; the dialog stays open, its text in
// place, until the journal has answered.
func (m *Model) submitDialog() tea.Cmd {
	d := m.inc.dialog
	if msg := d.missing(); msg != "" {
		d.err = msg
		return nil
	}
	if m.inc.saving != "" {
		d.err = "still saving “" + m.inc.saving + "” — try again in a moment"
		return nil
	}
	switch d.kind {
	case dlgTrigger, dlgAdHoc, dlgDecide, dlgObserve:
		return m.submitDrillDialog(d)
	}
	d.err, d.saving = "", true
	step := d.step
	switch d.kind {
	case dlgNote:
		text := d.value(0)
		return m.act("note", d.draft, "", func(inc *incidentWriter) error { return inc.AddNote(text, step) })
	case dlgSkip:
		reason := d.value(0)
		return m.act("step "+step+" skipped", d.draft, step, func(inc *incidentWriter) error { return inc.SkipStep(step, reason) })
	case dlgUndo:
		reason := d.value(0)
		return m.act("step "+step+" back to do", d.draft, "", func(inc *incidentWriter) error { return inc.UndoStep(step, reason) })
	case dlgAttach:
		path := expandHome(strings.TrimSpace(d.value(0)))
		desc := d.value(1)
		if len(d.fields) < 3 || d.value(2) != "step "+step {
			step = "" // the incident as a whole
		}
		what := "attached " + clean(path)
		if step != "" {
			what += " to step " + step
		}
		return m.act(what, d.draft, "", func(inc *incidentWriter) error { _, err := inc.AttachTo(path, step, desc); return err })
	case dlgEscalate:
		to, why := d.value(0), d.fields[len(d.fields)-1].value()
		step := ""
		if i := slices.IndexFunc(d.fields, func(f field) bool { return f.label == escalationLabel }); i >= 0 && d.fields[i].choice == 0 {
			step = d.escalationStep
		}
		if step == "" {
			return m.act("escalated to "+clean(to), d.draft, "", func(inc *incidentWriter) error { return inc.Escalate(to, why) })
		}
		return m.act("escalated to "+clean(to)+", step "+step+" done", d.draft, "", func(inc *incidentWriter) error { return escalateAndComplete(inc, to, why, step) })
	case dlgNotify:
		audience, channel, message := d.value(0), d.value(1), d.value(2)
		if i := slices.IndexFunc(d.fields, func(f field) bool { return f.label == escalationLabel }); i >= 0 && d.noticeStep != "" && d.fields[i].choice == 0 {
			step := d.noticeStep
			return m.act("notice to "+clean(audience)+", step "+step+" done", d.draft, "", func(inc *incidentWriter) error {
				return notifyAndComplete(inc, audience, channel, message, step)
			})
		}
		return m.act("notice to "+clean(audience), d.draft, "", func(inc *incidentWriter) error { return inc.Notify(audience, channel, message) })
	case dlgSeverity:
		level, why := d.value(0), d.value(1)
		return m.act("severity now "+level, d.draft, "", func(inc *incidentWriter) error { return inc.ChangeSeverity(level, why) })
	}
	if cmd, ok := m.submitLifecycle(d); ok {
		return cmd
	}
	if cmd, ok := m.submitImpact(d); ok {
		return cmd
	}
	d.saving = false
	return nil
}

func (m *Model) openTimeline() tea.Cmd {
	return m.openTimelineAt(0)
}

// openTimelineAt opens the timeline; with seq above 0, on that entry in full (Enter on
// the activity feed).
func (m *Model) openTimelineAt(seq uint64) tea.Cmd {
	m.overlay = overlayTimeline
	m.timeline = newTimeline(m.styles)
	m.timeline.open = seq
	s := &m.inc
	if n := len(s.events); n > 0 && s.events[n-1].Seq == s.state.LastSeq {
		m.timeline.setEvents(s.events, m.bodyHeight()-1)
		return nil
	}
	s.eventsReq = m.req()
	return tea.Batch(loadEvents(s.eventsReq, m.deps.Store, s.id), m.startSpinner())
}

// readFeed opens the oldest unread entry of the activity feed (else the newest) in
// full in the timeline, where ↑/↓ read on; the feed counts as read.
func (m *Model) readFeed() tea.Cmd {
	s := &m.inc
	if len(s.feed) == 0 {
		m.flash = flash{text: "nothing in the activity feed yet"}
		return nil
	}
	seq := s.feed[len(s.feed)-1].seq
	for _, f := range s.feed {
		if f.isNew {
			seq = f.seq
			break
		}
	}
	s.markRead()
	return m.openTimelineAt(seq)
}

func (m *Model) openReport() tea.Cmd {
	m.overlay = overlayReport
	m.pager = pager{title: "Report preview · muster incident report " + m.inc.id + " writes it", keys: newPagerKeys("r"), loading: true}
	m.pager.req = m.req()
	title := "Report preview · muster incident report " + m.inc.id + " writes it"
	if m.drill.on {
		title = "DRILL · " + title
	}
	m.pager.title = title
	return tea.Batch(buildReport(m.pager.req, m.deps.Store, m.inc.id, m.now, max(m.width-2, 20), m.styles.Glamour), m.startSpinner())
}

func (m *Model) startCheck(st runbook.Step) tea.Cmd {
	s := &m.inc
	switch {
	case st.Check == "" && s.unlogged == nil:
		m.flash = flash{text: "this step has no built-in check", err: true}
		return nil
	case m.deps.RunCheck == nil:
		m.flash = flash{text: "the " + st.Check + " check is not available here: run `muster backup check` and attach its output (a)", err: true}
		return nil
	case s.checkOn != "":
		m.flash = flash{text: "a check is already running"}
		return nil
	case s.unlogged != nil:
		w := *s.unlogged
		s.unlogged = nil
		return m.write(w)
	}
	s.checkOn = st.ID
	s.checkReq = m.req()
	return tea.Batch(runCheck(m.ctx, s.checkReq, m.deps.RunCheck, st, s.state.Severity), m.startSpinner())
}

// roundTheClock marks a level whose targets run 24x7, so "6h" cannot be read as six
// working hours.
func roundTheClock(l runbook.Level) string {
	if l.Clock == runbook.Continuous {
		return " round the clock"
	}
	return ""
}
