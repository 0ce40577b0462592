package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// screen is which screen the root model shows.
type screen int

const (
	screenHome screen = iota
	screenStart
	screenIncident
	screenRunbook
)

// overlay is a full-body view over the incident screen.
type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayTimeline
	overlayReport
	overlayFollowUps
	overlayPalette
)

// flash is the one-line message under the screen: what was saved, or what failed.
type flash struct {
	text string
	err  bool
	// waiting is the save this line confirms as saved on this machine, waiting to be
	// shared: the share round that takes it to the store says so in its place.
	waiting string
}

// Model is the root tea.Model: it owns every screen and routes messages to them.
type Model struct {
	deps   Deps
	ctx    context.Context
	styles Styles
	md     *mdCache

	width, height int
	now           time.Time

	screen    screen
	overlay   overlay
	home      homeScreen
	start     startScreen
	inc       incidentScreen
	presence  presence    // who else works on the open team incident (presence.go)
	share     shareRound  // the team outbox's share round in flight (share.go)
	drill     drillScreen // the drill on the incident screen, when it is one
	timeline  timelineView
	followUps followUpsView
	palette   palette
	pager     pager // report preview and help
	spin      spinner.Model
	help      help.Model

	flash   flash
	flashAt time.Time          // when the flash last changed: a fresh one is not replaced by news
	drafts  map[string]*dialog // cancelled dialogs by incident and kind: their text is kept
	// diskDrafts keeps the dialogs' text in the data directory as it is typed (drafts.go).
	diskDrafts draftDisk
	nextReq    int
	firstReq   tea.Cmd // the load Init starts

	quitting bool // quit once the write in flight has answered
	// manualDrill keeps the drill driver from starting: golden tests step the drill
	// themselves at a fixed clock.
	manualDrill bool
	confirmKey  string // ctrl+c or q pressed once with unsaved text
	copyReq     int    // the copy the message line waits for
}

// New builds the root model. Nothing is read until Init's commands run.
func New(deps Deps, opts Options) Model {
	st := NewStyles(true, deps.NoColor)
	m := Model{
		deps:   deps,
		ctx:    context.Background(),
		styles: st,
		md:     newMDCache(),
		drafts: map[string]*dialog{},
		now:    deps.now(),
		width:  80,
		height: 24,
		spin:   spinner.New(spinner.WithSpinner(spinner.Line)),
		help:   help.New(),
	}
	m.help.Styles = st.Help
	m.home = newHomeScreen(deps.Library, deps.Policy, st)
	// No Library yet, but a way to read it: the first home scan reads it in the
	// background (incident resume draws the incident without waiting for the runbooks).
	m.home.reloadLib = deps.Library == nil && deps.ReloadLibrary != nil
	m.home.canRunBackup = deps.RunBackup != nil
	switch {
	case opts.Drill != "":
		m.screen = screenIncident
		m.inc = newIncidentScreen(opts.Drill, false)
		m.drill = newDrillScreen(opts.Drill)
		m.drill.loadReq = m.req()
		m.firstReq = loadDrill(m.drill.loadReq, deps.Store, opts.Drill, deps.Actor, opts.DrillSpeed, deps.now, deps.DrillCourier)
	case opts.Resume != "":
		m.screen = screenIncident
		m.inc = newIncidentScreen(opts.Resume, false)
		m.inc.loadReq = m.req()
		m.firstReq = loadIncident(m.inc.loadReq, deps.Store, opts.Resume, false)
	default:
		m.firstReq = m.scanHome()
	}
	return m
}

// req hands out request ids; replies carrying an older id than the screen waits for
// are dropped.
func (m *Model) req() int {
	m.nextReq++
	return m.nextReq
}

// Init asks the terminal for its background (for the styles), starts the first load
// and the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.firstReq, tick())
}

// FirstLoad is the command Init starts to read home or the resumed incident; tests
// run it without the clock.
func (m Model) FirstLoad() tea.Cmd { return m.firstReq }

// Update routes one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.flash
	cmd := m.update(msg)
	if m.flash != before {
		m.flashAt = m.now
	}
	m.sync()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 20), max(msg.Height, 8)
		return nil
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark(), m.deps.NoColor)
		m.help.Styles = m.styles.Help
		m.home.filter.SetStyles(m.styles.Input)
		m.start.filter.SetStyles(m.styles.Input)
		m.start.title.SetStyles(m.styles.Input)
		if m.inc.dialog != nil {
			m.inc.dialog.setStyles(m.styles)
		}
		return nil
	case tea.ModeReportMsg:
		if msg.Mode == ansi.ModeUnicodeCore && (msg.Value == ansi.ModeReset || msg.Value == ansi.ModeSet || msg.Value == ansi.ModePermanentlySet) {
			graphemes.Store(true) // the renderer now clusters graphemes: measure as it does
		}
		return nil
	case tickMsg:
		return m.onTick()
	case spinner.TickMsg:
		if !m.busy() {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case homeLoadedMsg:
		return m.onHomeLoaded(msg)
	case homePolledMsg:
		return m.onHomePolled(msg)
	case incidentLoadedMsg:
		return m.onIncidentLoaded(msg)
	case presenceMsg:
		return m.onPresence(msg)
	case journalPolledMsg:
		if msg.req != m.inc.pollReq {
			return nil
		}
		m.inc.polling = false
		if m.screen == screenIncident && msg.id == m.inc.id && msg.err == nil && m.inc.saving == "" {
			m.inc.setOutbox(msg.pending) // muster team sync elsewhere may have shared it
		}
		if m.screen != screenIncident || msg.id != m.inc.id || m.inc.saving != "" || msg.err != nil || !msg.stamp.Changed(m.inc.stamp) {
			return nil
		}
		m.inc.loadReq = m.req()
		return loadIncident(m.inc.loadReq, m.deps.Store, m.inc.id, true)
	case startedMsg:
		return m.onStarted(msg)
	case appendedMsg:
		return m.onAppended(msg)
	case outboxSharedMsg:
		return m.onOutboxShared(msg)
	case draftsSavedMsg:
		return m.onDraftsSaved(msg)
	case eventsLoadedMsg:
		if msg.req != m.inc.eventsReq {
			return nil
		}
		if msg.err != nil {
			m.timeline.loading, m.timeline.err = false, errText(msg.err)
			return nil
		}
		m.inc.events = msg.events
		m.timeline.setEvents(msg.events, m.bodyHeight()-1)
		return nil
	case reportBuiltMsg:
		if msg.req != m.pager.req {
			return nil
		}
		m.pager.loading = false
		if msg.err != nil {
			m.pager.err = errText(msg.err)
		}
		m.pager.lines = msg.lines
		return nil
	case checkRanMsg:
		return m.onCheckRan(msg)
	case backupRanMsg:
		if msg.req != m.home.backupReq {
			return nil // not the check home waits for
		}
		m.home.backupRan(msg)
		return nil
	case drillLoadedMsg:
		return m.onDrillLoaded(msg)
	case drillUpdatedMsg:
		return m.onDrillUpdated(msg)
	case drillActedMsg:
		return m.onDrillActed(msg)
	case drillStoppedMsg:
		return m.onDrillStopped(msg)
	case drillReportMsg:
		return m.onDrillReport(msg)
	case completedMsg:
		return m.onCompleted(msg)
	case copiedMsg:
		return m.onCopied(msg)
	case impactServicesMsg:
		return m.onImpactServices(msg)
	case standingsMsg:
		return m.onStandings(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg:
		return m.forwardText(msg)
	}
	return nil
}

// busy is true while something runs that the spinner shows.
func (m *Model) busy() bool {
	return m.inc.saving != "" || m.inc.checkOn != "" || m.home.checking || m.start.saving || m.drill.acting != "" || m.pager.loading && m.overlay == overlayReport ||
		m.timeline.loading && m.overlay == overlayTimeline
}

func (m *Model) startSpinner() tea.Cmd { return m.spin.Tick }

func (m *Model) onTick() tea.Cmd {
	m.now = m.deps.now()
	cmds := []tea.Cmd{tick()}
	switch m.screen {
	case screenIncident:
		// Another responder or the CLI may have written: a changed journal stamp
		// means reload. The stat is cheap; the read happens only on a change. Polls
		// go by the time elapsed since the last one (a tick that drifts past a second
		// boundary must not skip one), and one at a time.
		s := &m.inc
		if s.state != nil && s.saving == "" && !s.polling && due(s.polledAt, m.now, pollEvery) {
			s.polling, s.polledAt, s.pollReq = true, m.now, m.req()
			cmds = append(cmds, pollJournal(s.pollReq, m.deps.Store, s.id))
		}
		cmds = append(cmds, m.presencePoll())
		if s.state != nil && s.outbox > 0 && m.share.id == "" && !m.drill.on && !m.quitting && due(s.publishedAt, m.now, publishEvery) {
			// What waits in the outbox is shared as soon as the store answers, in
			// the background: keys and saves never wait for it (share.go).
			cmds = append(cmds, m.shareOutbox())
		}
		if s.reminderKey != "" && s.reminderKey != s.rang {
			// The banner is up (sync derives it from the clock): the bell rings once
			// for it, so a responder looking at another window hears it.
			s.rang = s.reminderKey
			cmds = append(cmds, tea.Raw("\a"))
		}
		if m.drill.d != nil {
			// The drill and story clocks move between the driver's updates.
			cmds = append(cmds, refreshDrill(m.drill.d, m.now))
		}
	case screenHome:
		h := &m.home
		switch {
		case h.scanning || h.polling:
		case due(h.scannedAt, m.now, homeRescanEvery):
			// Deadlines and drills move with the clock even when no journal changes.
			cmds = append(cmds, m.scanHome())
		case due(h.polledAt, m.now, pollEvery):
			h.polling, h.polledAt = true, m.now
			h.pollReq = m.req()
			cmds = append(cmds, pollHome(h.pollReq, m.deps.Store))
		}
	}
	return tea.Batch(cmds...)
}

// How often the screens look for other writers, and how often home reads every
// incident again even when no journal changed.
const (
	pollEvery       = 2 * time.Second
	homeRescanEvery = 15 * time.Second
	publishEvery    = 15 * time.Second // a team incident's outbox, while it holds events
)

// due reports whether every has elapsed since last (the zero time is always due).
// A clock that goes back (a test, a corrected wall clock) makes it due too.
func due(last, now time.Time, every time.Duration) bool {
	d := now.Sub(last)
	return last.IsZero() || d >= every || d < 0
}

// scanHome reads every incident for home, unless a scan is already running: then one
// more runs when it answers, so two scans never overlap and none is lost.
func (m *Model) scanHome() tea.Cmd {
	h := &m.home
	h.loading = true
	if h.scanning {
		h.rescan = true
		return nil
	}
	h.scanning, h.rescan, h.scannedAt = true, false, m.now
	h.req = m.req()
	var reload func() (*runbook.Library, runbook.Problems)
	if h.reloadLib {
		reload, h.reloadLib = m.deps.ReloadLibrary, false
	}
	return tea.Batch(loadHome(h.req, m.deps.Store, m.deps.LastBackup, reload), loadStandings(h.req, m.deps.Store, m.deps.Policy, m.now))
}

func (m *Model) onHomeLoaded(msg homeLoadedMsg) tea.Cmd {
	if msg.req != m.home.req {
		return nil
	}
	h := &m.home
	h.scanning = false
	if msg.library != nil {
		// Ctrl+R read the runbooks again: one added meanwhile is there now.
		m.deps.Library, m.deps.LibraryProblems = msg.library, msg.problems
		h.setRunbooks(msg.library)
		m.flash = flash{text: "✓ runbooks read again: " + plural(len(h.runbooks), "runbook", "runbooks")} // or the key seems to do nothing
	}
	h.loaded(msg, m.now)
	if h.rescan {
		return m.scanHome()
	}
	return nil
}

// onHomePolled rescans when a journal was written, or an incident started, since the
// last scan.
func (m *Model) onHomePolled(msg homePolledMsg) tea.Cmd {
	h := &m.home
	if msg.req != h.pollReq {
		return nil
	}
	h.polling = false
	if msg.err != nil || m.screen != screenHome || maps.Equal(msg.stamps, h.stamps) {
		return nil
	}
	return m.scanHome()
}

func (m *Model) onIncidentLoaded(msg incidentLoadedMsg) tea.Cmd {
	if msg.req != m.inc.loadReq || msg.id != m.inc.id {
		return nil
	}
	if msg.err != nil {
		if !msg.reload {
			m.inc.loadErr = errText(msg.err)
		}
		return nil
	}
	v := msg.view
	if msg.reload && m.inc.state != nil && v.State.LastSeq <= m.inc.state.LastSeq {
		// Our own write got there first; this read is not newer.
		if msg.stamp.Size > m.inc.stamp.Size {
			m.inc.stamp = msg.stamp
		}
		return nil
	}
	first := m.inc.state == nil
	var seen uint64
	if !first {
		seen = m.inc.state.LastSeq
	}
	m.inc.loadErr = ""
	m.inc.setOutbox(msg.pending)
	m.inc.team = msg.team
	m.inc.dir, m.inc.rb, m.inc.pol, m.inc.state, m.inc.stamp = v.Dir, v.Runbook, v.Policy, v.State, msg.stamp
	m.inc.events = v.Events
	m.inc.rebuild(m.now)
	if first {
		m.inc.selectFirstTodo()
		m.inc.seedFeed(v.Events, m.deps.Actor)
		return m.offerDrafts(msg.drafts, msg.draftsErr)
	}
	n := m.inc.arrived(v.Events, seen)
	if m.overlay == overlayTimeline && !m.timeline.loading {
		m.timeline.setEvents(v.Events, m.bodyHeight()-1)
	}
	if n > 0 && !m.drill.on && m.feedHeight() == 0 && !m.flashFresh() {
		// No room for the feed: the latest arrival in the message line, unless the
		// responder's own confirmation is still fresh (it must stay readable).
		last := m.inc.feed[len(m.inc.feed)-1]
		m.flash = flash{text: "↻ " + last.actor + ": " + last.text}
	}
	return nil
}

// flashFresh reports whether the message line changed in the last few seconds.
func (m *Model) flashFresh() bool {
	return m.flash.text != "" && m.now.Sub(m.flashAt) < 5*time.Second
}

func (m *Model) onStarted(msg startedMsg) tea.Cmd {
	if msg.req != m.start.req {
		return nil
	}
	m.start.saving = false
	if m.start.cancel != nil {
		m.start.cancel()
	}
	if m.quitting && m.readyToQuit() {
		return tea.Quit
	}
	if msg.err != nil {
		m.start.err = describeErr(msg.err, true)
		return nil
	}
	m.inc = newIncidentScreen(msg.id, false)
	m.inc.dir, m.inc.rb, m.inc.pol, m.inc.state, m.inc.stamp = msg.dir, msg.rb, msg.pol, msg.state, msg.stamp
	m.inc.team = msg.team
	m.inc.loadReq = m.req()
	m.inc.rebuild(m.now)
	m.inc.selectFirstTodo()
	m.screen, m.overlay = screenIncident, overlayNone
	m.flash = flash{text: fmt.Sprintf("✓ started %s (%s) — every action from here is a journal line", msg.id, msg.state.Severity)}
	m.start = startScreen{}
	return nil
}

func (m *Model) onAppended(msg appendedMsg) tea.Cmd {
	if msg.req != m.inc.actReq {
		return nil
	}
	m.inc.saving = ""
	if msg.state != nil && (m.inc.state == nil || msg.state.LastSeq >= m.inc.state.LastSeq) {
		// The state is what the journal holds now, whatever happened (a save queued
		// during a share round read it before the round's lines: not newer).
		m.inc.state, m.inc.stamp = msg.state, msg.stamp
		m.inc.setOutbox(msg.pending)
		m.inc.rebuild(m.now)
	}
	d := m.inc.dialog
	inFlight := m.inc.inFlight
	m.inc.inFlight = queuedWrite{}
	var queued *incident.QueuedError
	if errors.As(msg.err, &queued) {
		// Saved on this machine, not shared: the text must not be sent again (a retry
		// would queue it twice), so the dialog closes as after a save.
		m.inc.setOutbox(queued.Pending)
		if msg.nextTo != "" {
			m.inc.queuedSteps[msg.nextTo] = true
		}
		msg.err = nil
	}
	var partly *partlyDone
	if errors.As(msg.err, &partly) {
		msg.err = nil // the first event is in the journal: no retry
	}
	if msg.err != nil {
		kept := d != nil && d.draft == msg.draft && msg.draft != ""
		text := describeErr(msg.err, kept)
		if inFlight.check {
			// A check's result is evidence: keep it for another try rather than run
			// the check again.
			m.inc.unlogged = &inFlight
			text += " — x logs the kept result"
		}
		if kept {
			d.saving, d.err = false, text
		} else {
			m.flash = flash{text: "✗ " + text, err: true}
		}
		if m.quitting {
			m.quitting = false
			m.flash = flash{text: "✗ not quitting: the last action failed — " + text, err: true}
		}
		return nil
	}
	var dropped tea.Cmd
	if d != nil && d.draft == msg.draft {
		m.inc.dialog = nil
		if m.overlay == overlayNone {
			m.overlay = d.returnTo
		}
		delete(m.drafts, m.inc.id+"/"+msg.draft)
		dropped = m.dropDraft(msg.draft) // the journal (or the outbox) has the text
	}
	if msg.nextTo != "" {
		before := m.inc.sel
		m.inc.selectNextTodo(msg.nextTo)
		// u right after undoes this step, not the one the selection moved to; and a
		// second Space straight after does not complete the next step by accident.
		m.inc.lastDone, m.inc.lastDoneAt = msg.nextTo, m.deps.now()
		if m.inc.sel != before {
			m.inc.movedAt = m.deps.now()
		}
		defer func() {
			if m.flash.text != "" && !m.flash.err {
				m.flash.text += " — u undoes it"
			}
		}()
	}
	saved := fmt.Sprintf("✓ saved: %s (journal seq %d)", msg.what, m.inc.state.LastSeq)
	var share tea.Cmd
	if queued != nil && errors.Is(queued.Cause, incident.ErrSharing) {
		saved = fmt.Sprintf("✓ saved on this machine: %s — %s", msg.what, waitingText(queued.Pending))
		share = m.shareSoon()
	} else if queued != nil {
		saved = fmt.Sprintf("⧗ queued offline, not yet shared: %d — %s is saved on this machine and shared when the team store answers",
			queued.Pending, msg.what)
	}
	if partly != nil {
		saved = fmt.Sprintf("✓ saved: %s (journal seq %d) — but %s", partly.done, m.inc.state.LastSeq, errText(partly.err))
	}
	if n := len(msg.flushed.Refused); n > 0 {
		saved += fmt.Sprintf(" — %s no longer applied: kept in %s", plural(n, "queued event", "queued events"), incident.RefusedFile)
	}
	f := flash{text: saved, err: partly != nil}
	if queued != nil && errors.Is(queued.Cause, incident.ErrSharing) {
		f.waiting = msg.what
	}
	if len(m.inc.queued) > 0 {
		q := m.inc.queued[0]
		m.inc.queued = m.inc.queued[1:]
		m.flash = f
		return tea.Batch(dropped, share, m.write(q))
	}
	m.flash = f
	if m.quitting && m.readyToQuit() {
		return tea.Quit
	}
	return tea.Batch(dropped, share)
}

func (m *Model) onCheckRan(msg checkRanMsg) tea.Cmd {
	if msg.req != m.inc.checkReq {
		return nil
	}
	m.inc.checkOn = ""
	run := msg.run
	run.Step = msg.step
	if msg.err != nil {
		// A check that could not run is evidence too: it is logged as an error.
		if run.Check == "" {
			if st, ok := m.inc.rb.Step(msg.step); ok {
				run.Check = st.Check
			}
		}
		run.Status, run.Summary = "error", "could not run: "+errText(msg.err)
	}
	run.Summary = clean(run.Summary)
	what := fmt.Sprintf("check %s: %s", run.Check, run.Status)
	w := queuedWrite{what: what, check: true, do: func(inc *incidentWriter) error { return inc.RecordCheck(run) }}
	if m.inc.saving != "" {
		// One write at a time: the result is logged once the write in flight answers.
		m.inc.queued = append(m.inc.queued, w)
		return nil
	}
	return m.write(w)
}

func (m *Model) onCompleted(msg completedMsg) tea.Cmd {
	d := m.inc.dialog
	if d == nil || d.kind != dlgAttach || msg.req != d.completeReq {
		return nil
	}
	f := &d.fields[0]
	if f.input.Value() != msg.input {
		return nil
	}
	d.completions, d.compSel = msg.matches, 0
	return nil
}

// forwardText sends pasted text to whatever takes text.
func (m *Model) forwardText(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case m.screen == screenIncident && m.inc.dialog != nil:
		_, cmd = m.inc.dialog.update(msg)
		return tea.Batch(cmd, m.afterDialogInput(), m.keepDraft())
	case m.screen == screenStart && m.start.focus == startTitle:
		m.start.title, cmd = m.start.title.Update(msg)
		cleanInput(&m.start.title)
	case m.screen == screenStart && m.start.focus == startRunbook:
		m.start.filter, cmd = m.start.filter.Update(msg)
		cleanInput(&m.start.filter)
		m.start.applyFilter()
	case m.screen == screenHome && m.home.filtering:
		m.home.filter, cmd = m.home.filter.Update(msg)
		cleanInput(&m.home.filter)
		m.home.applyFilter()
	}
	return cmd
}

// hasUnsavedText reports whether quitting now would throw typed text away.
func (m *Model) hasUnsavedText() bool {
	if m.inc.dialog != nil {
		for _, f := range m.inc.dialog.fields {
			if f.kind != fieldChoice && strings.TrimSpace(f.value()) != "" {
				return true
			}
		}
	}
	for _, d := range m.drafts {
		for _, f := range d.fields {
			if f.kind != fieldChoice && strings.TrimSpace(f.value()) != "" {
				return true
			}
		}
	}
	return m.screen == screenStart && strings.TrimSpace(m.start.title.Value()) != ""
}

// quit leaves at once when nothing is being written, else as soon as the write has
// answered, so what the screen is about to call saved is.
func (m *Model) quit() tea.Cmd {
	if !m.readyToQuit() {
		m.quitting = true
		m.flash = flash{text: "finishing the write in progress, then quitting…"}
		m.stopShareRound() // what it has not shared stays queued for the next start
		if m.start.saving && m.start.cancel != nil {
			m.start.cancel() // a team incident's start waiting on the store is abandoned
		}
		return m.flushDrafts()
	}
	return tea.Quit
}

// readyToQuit reports whether nothing is on its way to the disk: no journal write, no
// draft.
func (m *Model) readyToQuit() bool {
	return m.inc.saving == "" && !m.start.saving && m.drill.acting == "" && !m.draftsBusy() && m.share.id == ""
}

// confirmQuit quits, but asks once more when typed text would be lost.
func (m *Model) confirmQuit(k string) tea.Cmd {
	if m.hasUnsavedText() && m.confirmKey != k {
		m.confirmKey = k
		if m.persistent() && m.screen != screenStart && m.textKeptOnDisk() {
			m.flash = flash{text: "unsent text in a dialog — " + k + " again quits; the text is kept as a draft for the next resume", err: true}
			return nil
		}
		m.flash = flash{text: "unsaved text in a dialog or draft — " + k + " again quits without it", err: true}
		return nil
	}
	return m.quit()
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, interruptKey) {
		return m.confirmQuit("ctrl+c")
	}
	if m.confirmKey != "" && !key.Matches(msg, m.home.keys.Quit) {
		m.confirmKey = ""
	}
	switch m.screen {
	case screenHome:
		return m.homeKey(msg)
	case screenStart:
		return m.startKey(msg)
	default:
		return m.incidentKey(msg)
	}
}

func (m *Model) homeKey(msg tea.KeyPressMsg) tea.Cmd {
	h := &m.home
	k := h.keys
	if m.overlay == overlayHelp {
		if m.pager.update(msg, m.bodyHeight()) {
			m.overlay = overlayNone
		}
		return nil
	}
	if h.filtering {
		switch {
		case key.Matches(msg, k.FilterCancel):
			h.filtering = false
			h.filter.Blur()
			h.filter.SetValue("")
			h.applyFilter()
			return nil
		case key.Matches(msg, k.FilterDone):
			h.filtering = false
			h.filter.Blur()
			return nil
		}
		var cmd tea.Cmd
		h.filter, cmd = h.filter.Update(msg)
		cleanInput(&h.filter)
		h.applyFilter()
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.confirmQuit("q")
	case key.Matches(msg, k.Help):
		m.openHelp(k)
	case key.Matches(msg, k.Up):
		h.moveSel(-1)
	case key.Matches(msg, k.Down):
		h.moveSel(1)
	case key.Matches(msg, k.PageUp):
		h.moveSel(-10)
	case key.Matches(msg, k.PageDown):
		h.moveSel(10)
	case key.Matches(msg, k.Switch):
		h.switchFocus(false)
	case key.Matches(msg, k.SwitchBak):
		h.switchFocus(true)
	case key.Matches(msg, k.Filter):
		h.focus = focusRunbooks
		h.filtering = true
		return h.filter.Focus()
	case key.Matches(msg, k.ClearFilt):
		if h.filter.Value() != "" {
			h.filter.SetValue("")
			h.applyFilter()
			return nil
		}
		// Back to the incidents, wherever the focus was: triage starts there.
		if len(h.incidents) > 0 {
			h.focus = focusIncidents
		}
	case key.Matches(msg, k.Refresh):
		h.reloadLib = m.deps.ReloadLibrary != nil
		if h.scanning {
			h.rescan = true // the scan asked for after this one reads the runbooks too
		}
		return m.scanHome()
	case key.Matches(msg, k.Backup):
		return m.startBackupCheck()
	case key.Matches(msg, k.New):
		pre := ""
		if rb, ok := h.selectedRunbook(); ok && h.focus == focusRunbooks {
			pre = rb.ID
		}
		return m.openStart(pre)
	case key.Matches(msg, k.Open):
		if h.focus == focusDrills {
			if hd, ok := h.selectedDrill(); ok {
				return m.openDrill(hd.Summary.ID)
			}
			return nil
		}
		if h.focus == focusIncidents {
			if hi, ok := h.selectedIncident(); ok {
				return m.openIncident(hi.Summary.ID)
			}
			return nil
		}
		if rb, ok := h.selectedRunbook(); ok {
			m.inc = newIncidentScreen(rb.ID, true)
			m.inc.rb = rb
			m.inc.rebuild(m.now)
			m.screen, m.overlay = screenRunbook, overlayNone
		}
	}
	return nil
}

// startBackupCheck runs a backup check from home with the spinner on its line.
func (m *Model) startBackupCheck() tea.Cmd {
	h := &m.home
	switch {
	case m.deps.RunBackup == nil:
		m.flash = flash{text: "the backup check is not available here: run `muster backup check`", err: true}
		return nil
	case h.checking:
		m.flash = flash{text: "a backup check is already running"}
		return nil
	}
	h.checking, h.backupErr = true, ""
	h.backupReq = m.req()
	return tea.Batch(runBackup(m.ctx, h.backupReq, m.deps.RunBackup), m.startSpinner())
}

func (m *Model) openIncident(id string) tea.Cmd {
	m.inc = newIncidentScreen(id, false)
	m.inc.loadReq = m.req()
	m.screen, m.overlay, m.flash = screenIncident, overlayNone, flash{}
	return loadIncident(m.inc.loadReq, m.deps.Store, id, false)
}

func (m *Model) openStart(preselect string) tea.Cmd {
	if m.deps.Library == nil && m.deps.ReloadLibrary != nil {
		m.flash = flash{text: "the runbooks are still being read: try again in a moment"}
		return nil
	}
	m.start = newStartScreen(m.deps.Library, m.deps.Policy, preselect, m.styles)
	m.screen, m.overlay, m.flash = screenStart, overlayNone, flash{}
	return m.start.focusCmd()
}

func (m *Model) goHome() tea.Cmd {
	leave := m.leaveDrill()
	m.screen, m.overlay = screenHome, overlayNone
	m.inc = incidentScreen{}
	return tea.Batch(leave, m.scanHome())
}

func (m *Model) openHelp(km interface{ FullHelp() [][]key.Binding }) {
	m.overlay = overlayHelp
	m.pager = pager{title: "Help · esc closes", keys: newPagerKeys("?"), lines: helpLines(km, m.styles, m.width)}
}

func (m *Model) startKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, create, cancel := m.start.update(msg)
	switch {
	case cancel:
		return m.goHome()
	case create:
		return m.createIncident()
	}
	return cmd
}

func (m *Model) createIncident() tea.Cmd {
	s := &m.start
	rb, ok := s.runbook()
	switch {
	case !ok:
		s.err = "pick a runbook first"
		s.focus = startRunbook
		return s.focusCmd()
	case strings.TrimSpace(s.title.Value()) == "":
		s.err = "a title is required: what is happening, in a few words"
		s.focus = startTitle
		return s.focusCmd()
	case m.deps.Store == nil:
		s.err = "no incident store configured"
		return nil
	}
	s.err, s.saving = "", true
	s.req = m.req()
	o := incidentStartOptions(rb, m.deps.Policy, s.severity(), s.title.Value(), m.deps.Actor)
	// A team incident cannot be started offline: against a store that never answers
	// the start gives up after startLimit, or at once when the responder quits, instead
	// of holding the screen (and the quit) for as long as the connection hangs.
	store := *m.deps.Store
	parent := store.Context
	if parent == nil {
		parent = m.ctx
	}
	ctx, cancel := context.WithTimeout(parent, startLimit)
	store.Context, s.cancel = ctx, cancel
	return tea.Batch(startIncident(s.req, &store, o), m.startSpinner())
}
