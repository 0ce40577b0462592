package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/scenarios"
)

func newDrillScreen(id string) drillScreen {
	return drillScreen{on: true, id: id, keys: newDrillKeys()}
}

// openDrill opens a drill from home: the incident screen with the drill above it.
func (m *Model) openDrill(id string) tea.Cmd {
	m.inc = newIncidentScreen(id, false)
	m.drill = newDrillScreen(id)
	m.drill.loadReq = m.req()
	m.screen, m.overlay, m.flash = screenIncident, overlayNone, flash{}
	return loadDrill(m.drill.loadReq, m.deps.Store, id, m.deps.Actor, 0, m.deps.now, m.deps.DrillCourier)
}

// leaveDrill stops the driver and pauses the drill the screen leaves.
func (m *Model) leaveDrill() tea.Cmd {
	var cmd tea.Cmd
	if m.drill.cancel != nil {
		m.drill.cancel()
	}
	if m.drill.d != nil {
		cmd = pauseDrill(m.drill.d, m.now)
	}
	m.drill = drillScreen{}
	return cmd
}

func (m *Model) drillClock() scenarios.Clock {
	if m.deps.DrillClock != nil {
		return m.deps.DrillClock
	}
	return scenarios.RealClock
}

func (m *Model) onDrillLoaded(msg drillLoadedMsg) tea.Cmd {
	if msg.req != m.drill.loadReq || msg.id != m.drill.id {
		return nil
	}
	if msg.err != nil {
		m.inc.loadErr = errText(msg.err)
		return nil
	}
	v := msg.view
	m.inc.loadErr = ""
	m.inc.dir, m.inc.rb, m.inc.pol, m.inc.state, m.inc.stamp = v.Dir, v.Runbook, v.Policy, v.State, msg.stamp
	m.inc.events = v.Events
	m.inc.rebuild(m.now)
	m.inc.selectFirstTodo()
	m.drill.d, m.drill.sc = msg.d, msg.d.Scenario()
	m.drill.snap, m.drill.hasSnap = msg.snap, true
	if msg.resumed {
		m.flash = flash{text: "▶ drill resumed where it was paused"}
	}
	var cmds []tea.Cmd
	if msg.snap.status.Ended {
		cmds = append(cmds, m.showAfterAction())
	} else if !m.manualDrill {
		ctx, cancel := context.WithCancel(m.ctx)
		m.drill.cancel = cancel
		cmds = append(cmds, startDriver(ctx, msg.d, m.drillClock()))
	}
	return tea.Batch(cmds...)
}

// takeSnap keeps a snapshot unless a newer one is already on screen, and reports
// whether the drill has just been seen to end.
func (m *Model) takeSnap(s drillSnap) bool {
	if m.drill.hasSnap && s.at.Before(m.drill.snap.at) {
		return false
	}
	m.drill.snap, m.drill.hasSnap = s, true
	return s.status.Ended && !m.drill.endShown
}

// bell rings the terminal for injects just delivered, once per update.
func bell(fired []scenarios.FeedItem) tea.Cmd {
	if len(fired) == 0 {
		return nil
	}
	return tea.Raw("\a")
}

func (m *Model) onDrillUpdated(msg drillUpdatedMsg) tea.Cmd {
	if !m.drill.on || msg.id != m.drill.id || m.drill.d == nil {
		return nil // the screen left this drill; its driver was cancelled
	}
	var cmds []tea.Cmd
	if msg.from != nil {
		cmds = append(cmds, waitDriver(msg.from))
	}
	cmds = append(cmds, bell(msg.fired))
	if len(msg.fired) > 0 {
		m.flash = flash{text: fmt.Sprintf("🔔 %s: %s", plural(len(msg.fired), "new inject", "new injects"), clean(msg.fired[len(msg.fired)-1].Title))}
	}
	if m.takeSnap(msg.snap) {
		cmds = append(cmds, m.showAfterAction())
	}
	if msg.team && m.inc.saving == "" {
		m.inc.loadReq = m.req()
		cmds = append(cmds, loadIncident(m.inc.loadReq, m.deps.Store, m.inc.id, true))
	}
	return tea.Batch(cmds...)
}

func (m *Model) onDrillStopped(msg drillStoppedMsg) tea.Cmd {
	if msg.id != m.drill.id || m.drill.d == nil {
		return nil
	}
	if msg.err != nil {
		m.flash = flash{text: "✗ the drill clock stopped: " + errText(msg.err) + " — quit and reopen the drill to go on", err: true}
		return nil
	}
	return refreshDrill(m.drill.d, m.deps.now())
}

func (m *Model) onDrillActed(msg drillActedMsg) tea.Cmd {
	if msg.req != m.drill.actReq || msg.id != m.drill.id {
		return nil
	}
	m.drill.acting = ""
	var cmds []tea.Cmd
	if m.takeSnap(msg.snap) {
		cmds = append(cmds, m.showAfterAction())
	}
	cmds = append(cmds, bell(msg.fired))
	d := m.inc.dialog
	if msg.err != nil {
		kept := d != nil && d.draft == msg.draft && msg.draft != ""
		text := describeErr(msg.err, kept)
		if kept {
			d.saving, d.err = false, text
		} else {
			m.flash = flash{text: "✗ " + text, err: true}
		}
		if m.quitting {
			m.quitting = false
			m.flash = flash{text: "✗ not quitting: the last drill action failed — " + text, err: true}
		}
		m.drill.queued = nil // what was pressed after a failed action is not played blind
		return tea.Batch(cmds...)
	}
	if d != nil && msg.draft != "" && d.draft == msg.draft {
		m.inc.dialog = nil
		delete(m.drafts, m.inc.id+"/"+msg.draft)
	}
	m.flash = flash{text: "✓ drill: " + msg.what}
	if m.quitting && m.readyToQuit() {
		return tea.Sequence(tea.Batch(cmds...), tea.Quit)
	}
	if cmd := m.playQueued(); cmd != nil {
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// showAfterAction opens the after-action report once the drill has ended.
func (m *Model) showAfterAction() tea.Cmd {
	m.drill.endShown = true
	if strings.HasPrefix(m.flash.text, "🔔") {
		m.flash = flash{} // a "new inject" from before the end is stale on the end screen
	}
	m.inc.dialog = nil
	m.overlay = overlayReport
	m.pager = pager{title: "DRILL ended · after-action report · muster incident report " + m.drill.id + " writes it", keys: newPagerKeys("A"), loading: true}
	m.pager.req = m.req()
	m.drill.reportReq = m.pager.req
	return tea.Batch(finishDrill(m.pager.req, m.deps.Store, m.drill.d, m.now, max(m.width-2, 20), m.styles.Glamour), m.startSpinner())
}

func (m *Model) onDrillReport(msg drillReportMsg) tea.Cmd {
	if msg.req != m.pager.req || msg.req != m.drill.reportReq {
		return nil
	}
	m.pager.loading = false
	if msg.err != nil {
		m.pager.err = errText(msg.err)
		return nil
	}
	s := msg.score
	m.drill.score = &s
	m.pager.lines = msg.lines
	return nil
}

// drillDo starts one facilitator action; one at a time.
func (m *Model) drillDo(what, draft string, do func(d *scenarios.Drill, now time.Time) (scenarios.Update, error)) tea.Cmd {
	m.drill.acting = what
	m.drill.actReq = m.req()
	return tea.Batch(drillAct(m.drill.actReq, m.drill.d, m.deps.now(), what, draft, do), m.startSpinner())
}

// drillKey handles the facilitator's keys; ok is false for any other key.
func (m *Model) drillKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.drill.keys
	confirm := m.drill.confirmStop
	m.drill.confirmStop = false
	matched := false
	for _, b := range []key.Binding{k.Pause, k.Faster, k.Slower, k.Next, k.Trigger, k.AdHoc, k.Decide, k.Feed, k.AfterRep, k.Stop, k.Observe} {
		matched = matched || key.Matches(msg, b)
	}
	if !matched {
		return nil, false
	}
	if m.drill.d == nil {
		m.flash = flash{text: "the drill is still loading", err: true}
		return nil, true
	}
	st := m.drill.snap.status
	switch {
	case key.Matches(msg, k.Feed):
		m.openFeed()
		return nil, true
	case key.Matches(msg, k.AfterRep):
		if !st.Ended {
			m.flash = flash{text: "the after-action report comes when the drill ends — r previews the incident report now", err: true}
			return nil, true
		}
		return m.showAfterAction(), true
	case key.Matches(msg, k.Observe):
		// Evaluators observe while the drill runs and after it, until it is finalised.
		return m.openDialog(m.observeDialog()), true
	}
	if st.Ended {
		m.flash = flash{text: "the drill has ended: A shows the after-action report", err: true}
		return nil, true
	}
	if m.drill.acting != "" {
		// Pressed while a drill write is in flight: played in order once it is saved
		// (+ + is two speed steps), dropped if the write fails.
		if len(m.drill.queued) < maxQueuedKeys {
			m.drill.queued = append(m.drill.queued, msg)
			m.flash = flash{text: fmt.Sprintf("queued %s (%d) after “%s”", msg.String(), len(m.drill.queued), m.drill.acting)}
		} else {
			m.flash = flash{text: "still saving “" + m.drill.acting + "” — too many keys queued", err: true}
		}
		return nil, true
	}
	switch {
	case key.Matches(msg, k.Pause):
		if st.Paused {
			return m.drillDo("resumed", "", func(d *scenarios.Drill, now time.Time) (scenarios.Update, error) { return d.Resume(now) }), true
		}
		return m.drillDo("paused", "", func(d *scenarios.Drill, now time.Time) (scenarios.Update, error) { return d.Pause(now) }), true
	case key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		to, ok := nextSpeed(st.Speed, key.Matches(msg, k.Faster))
		if !ok {
			m.flash = flash{text: fmt.Sprintf("already at %gx: speeds go from %gx to %gx", st.Speed, scenarios.MinSpeed, scenarios.MaxSpeed), err: true}
			return nil, true
		}
		return m.drillDo(fmt.Sprintf("speed %gx", to), "", func(d *scenarios.Drill, now time.Time) (scenarios.Update, error) { return d.SetSpeed(now, to) }), true
	case key.Matches(msg, k.Next):
		return m.drillDo("skipped to the next inject", "", func(d *scenarios.Drill, now time.Time) (scenarios.Update, error) { return d.Skip(now) }), true
	case key.Matches(msg, k.Trigger):
		if len(m.drill.snap.pending) == 0 {
			m.flash = flash{text: "every inject has been delivered: i writes an ad-hoc one", err: true}
			return nil, true
		}
		return m.openDialog(m.triggerDialog()), true
	case key.Matches(msg, k.AdHoc):
		return m.openDialog(m.adHocDialog()), true
	case key.Matches(msg, k.Decide):
		if len(st.OpenDecisions) == 0 {
			m.flash = flash{text: "no decision is open", err: true}
			return nil, true
		}
		return m.openDialog(m.decideDialog(st.OpenDecisions[0], len(st.OpenDecisions)-1)), true
	case key.Matches(msg, k.Stop):
		if !confirm {
			m.drill.confirmStop = true
			m.flash = flash{text: "S again stops the drill now: expectations still open are missed", err: true}
			return nil, true
		}
		return m.drillDo("stopped", "", func(d *scenarios.Drill, now time.Time) (scenarios.Update, error) { return d.Stop(now) }), true
	}
	return nil, true
}

// maxQueuedKeys bounds the facilitator keys held while a drill write is in flight.
const maxQueuedKeys = 8

// playQueued plays the first facilitator key queued while a write was in flight.
func (m *Model) playQueued() tea.Cmd {
	if len(m.drill.queued) == 0 {
		return nil
	}
	next := m.drill.queued[0]
	m.drill.queued = m.drill.queued[1:]
	cmd, _ := m.drillKey(next)
	return cmd
}

func (m *Model) observeDialog() *dialog {
	// The objective, or one of its critical tasks, from the scenario's list: an
	// observation names what the Exercise Evaluation Guide rates, never free text.
	var targets, notes []string
	for _, o := range m.drill.d.Scenario().Objectives {
		targets = append(targets, o.ID)
		notes = append(notes, clean("objective: "+o.Text))
		for _, t := range o.Tasks {
			targets = append(targets, o.ID+"/"+t.ID)
			notes = append(notes, clean("critical task of "+o.ID+": "+t.Text))
		}
	}
	elements := append([]string{"-"}, scenarios.Elements...)
	elementNotes := []string{"not set (muster's default for the item)", "plans, policies, procedures", "who does what, staffing, leadership",
		"tools, systems, supplies", "what people need to learn", "what the next exercise should test"}
	return &dialog{kind: dlgObserve, draft: "drill-observe", title: "DRILL · evaluator's observation",
		intro: "What you saw, for which objective or critical task; the report lists it under strengths or areas for improvement.",
		fields: []field{
			newLine("What was seen", "one line: who did what, when", "", true, m.styles),
			newChoice("Kind", []string{scenarios.Strength, scenarios.Improvement}, []string{"a strength", "an area for improvement"}, 0),
			newChoice("Objective / critical task", targets, notes, 0),
			newLine("Root cause (improvement)", "why it happened", "", false, m.styles),
			newLine("Recommendation (improvement)", "the corrective action", "", false, m.styles),
			newChoice("Capability element (improvement)", elements, elementNotes, 0),
		}}
}

// observation reads the observation dialog.
func observation(d *dialog) scenarios.ObservationPayload {
	objective, task, _ := strings.Cut(d.value(2), "/")
	element := d.value(5)
	if element == "-" {
		element = ""
	}
	return scenarios.ObservationPayload{Text: d.value(0), Kind: d.value(1), Objective: objective, Task: task,
		RootCause: d.value(3), Recommendation: d.value(4), Element: element}
}

func (m *Model) triggerDialog() *dialog {
	var ids, notes []string
	for i, in := range m.drill.snap.pending {
		ids = append(ids, in.ID)
		note := strings.ToUpper(in.Channel) + " from " + in.From + ": " + in.Title
		// Marked: a pool's other variant replaces the drawn one; a branch follows its decision.
		if c := m.drill.snap.choices[i]; c.Refused {
			note = "REFUSED, " + c.Note + " · " + note
		} else if c.Replaces != "" {
			note = strings.ToUpper(c.Note[:1]) + c.Note[1:] + " · " + note
		}
		notes = append(notes, clean(note))
	}
	return &dialog{kind: dlgTrigger, draft: "drill-trigger", title: "DRILL · trigger an inject now",
		intro:  "Delivered at once, out of its schedule; the journal records who triggered it.",
		fields: []field{newChoice("Inject", ids, notes, 0)}}
}

func (m *Model) adHocDialog() *dialog {
	return &dialog{kind: dlgAdHoc, draft: "drill-adhoc", title: "DRILL · ad-hoc inject",
		intro: "A new inject, written now: the team sees it in the feed and the report keeps it.",
		fields: []field{
			newLine("Title", "what happens, in one line", "", true, m.styles),
			newLine("From", "who it comes from", "facilitator", true, m.styles),
			newChoice("Channel", adHocChannels, nil, 0),
			newText("Text (optional, Markdown)", "what the message says", "", false, m.styles),
		}}
}

func (m *Model) decideDialog(dv scenarios.DecisionView, more int) *dialog {
	var ids, notes []string
	sel := 0
	for i, o := range dv.Options {
		ids = append(ids, o.ID)
		notes = append(notes, clean(o.Label))
		if o.ID == dv.Default {
			sel = i
		}
	}
	intro := clean(dv.Prompt) + " — the default " + dv.Default + " is taken at " + scenarios.FormatOffset(dv.Deadline)
	if more > 0 {
		intro += fmt.Sprintf(" (%d more open after this one)", more)
	}
	return &dialog{kind: dlgDecide, draft: "drill-decide:" + dv.Inject, step: dv.Inject, title: "DRILL · decision on " + dv.Inject,
		intro: intro, fields: []field{newChoice("The team's choice", ids, notes, sel)}}
}

// submitDrillDialog saves a facilitator dialog; the dialog keeps its text until the
// journal has answered.
func (m *Model) submitDrillDialog(d *dialog) tea.Cmd {
	if m.drill.acting != "" {
		d.err = "still saving “" + m.drill.acting + "” — try again in a moment"
		return nil
	}
	d.err, d.saving = "", true
	switch d.kind {
	case dlgTrigger:
		id := d.value(0)
		return m.drillDo("triggered "+id, d.draft, func(dr *scenarios.Drill, now time.Time) (scenarios.Update, error) { return dr.Trigger(now, id) })
	case dlgDecide:
		inj, opt := d.step, d.value(0)
		return m.drillDo("decision on "+inj+": "+opt, d.draft, func(dr *scenarios.Drill, now time.Time) (scenarios.Update, error) { return dr.Decide(now, inj, opt) })
	case dlgObserve:
		o := observation(d)
		return m.drillDo("observation recorded", d.draft, func(dr *scenarios.Drill, now time.Time) (scenarios.Update, error) { return dr.Observe(now, o) })
	case dlgAdHoc:
		a := scenarios.AdHoc{Title: d.value(0), From: d.value(1), Channel: d.value(2), Body: d.value(3)}
		return m.drillDo("ad-hoc inject "+clean(a.Title), d.draft, func(dr *scenarios.Drill, now time.Time) (scenarios.Update, error) { return dr.AddAdHoc(now, a) })
	}
	d.saving = false
	return nil
}

// openFeed shows every inject delivered so far, newest first, with its text.
func (m *Model) openFeed() {
	m.overlay = overlayHelp
	m.pager = pager{title: "DRILL · inject feed · esc closes", keys: newPagerKeys("f"), lines: m.feedLines(max(m.width-2, 20))}
}

func (m *Model) feedLines(w int) []string {
	st := m.styles
	feed := m.drill.snap.feed
	var out []string
	if mod := m.drill.snap.status.Module; mod != nil {
		out = append(out, st.Title.Render(trunc(clean("Module: "+mod.Title), w)))
		for _, q := range mod.Questions {
			out = append(out, indentWrap("  ? ", clean(q), w)...)
		}
		out = append(out, "")
	}
	if len(feed) == 0 {
		return append(out, st.Muted.Render("no inject yet"))
	}
	for i := len(feed) - 1; i >= 0; i-- {
		f := feed[i]
		head := feedHead(f)
		for _, l := range wrap(head, w) {
			out = append(out, st.Heading.Render(l))
		}
		if len(f.To) > 0 {
			out = append(out, st.Muted.Render(trunc("  to "+clean(strings.Join(f.To, ", ")), w)))
		}
		if f.Body != "" {
			out = append(out, m.md.renderNow(f.Body, w, st.Glamour)...)
		}
		out = append(out, "")
	}
	return out
}

// feedHead is an inject in one line: drill time, story time, channel, sender, title.
func feedHead(f scenarios.FeedItem) string {
	kind := strings.ToUpper(f.Channel)
	if f.AdHoc {
		kind += " (ad hoc)"
	}
	return clean(fmt.Sprintf("%s · %s · %s from %s: %s", scenarios.FormatOffset(f.Drill), f.Story.Format("15:04"), kind, f.From, f.Title))
}
