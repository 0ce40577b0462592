package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/scenarios"
)

// Every side effect of the TUI is one of these commands. Each copies what it needs
// before it returns its closure (never reading the model later), does its I/O off the
// event loop, and answers with a message carrying the request id it was given, so a
// reply that a newer request has overtaken is dropped.

// tickMsg moves the clock of the countdowns.
type tickMsg time.Time

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// homeIncident is one incident on home, with what its SLA line needs.
type homeIncident struct {
	Summary incident.Summary
	State   *incident.State // nil when it could not be read
	Policy  *runbook.Policy // its frozen policy
	Err     string          // why it could not be read
	// Drill is where a drill stands (nil for an incident, or a drill that could not
	// be rebuilt: Err says why).
	Drill *scenarios.Status
}

type homeLoadedMsg struct {
	req       int
	library   *runbook.Library // read again (Ctrl+R); nil when not asked
	problems  runbook.Problems
	incidents []homeIncident // open ones, newest first
	closed    int
	backup    BackupSummary
	hasBackup bool
	stamps    map[string]incident.Stamp // taken before the scan: a later change differs
	err       error
}

// homePolledMsg carries every incident's stamp, for home to rescan when one changed.
type homePolledMsg struct {
	req    int
	stamps map[string]incident.Stamp
	err    error
}

func pollHome(req int, store *incident.Store) tea.Cmd {
	return func() tea.Msg {
		s, err := store.Stamps()
		return homePolledMsg{req: req, stamps: s, err: err}
	}
}

func loadHome(req int, store *incident.Store, lastBackup func() (BackupSummary, bool), reload func() (*runbook.Library, runbook.Problems)) tea.Cmd {
	return func() tea.Msg {
		msg := homeLoadedMsg{req: req}
		if reload != nil {
			msg.library, msg.problems = reload()
		}
		// This machine's incidents at once: the poll (pollHome) brings the store's
		// news in the background, and a change it brings rescans.
		msg.stamps, _ = localOnly(store).Stamps()
		if lastBackup != nil {
			msg.backup, msg.hasBackup = lastBackup()
		}
		err := store.Scan(func(s incident.Summary, v *incident.View) {
			if s.Status == "closed" {
				msg.closed++
				return
			}
			hi := homeIncident{Summary: s, Err: s.Err}
			if v != nil {
				hi.State, hi.Policy = v.State, v.Policy
				if v.State.Drill {
					if e, err := scenarios.Rebuild(v); err == nil {
						st := e.Status(store.CurrentTime())
						hi.Drill = &st
					} else {
						hi.Err = errText(err)
					}
				}
			}
			msg.incidents = append(msg.incidents, hi)
		})
		if err != nil {
			msg.err = err
		}
		return msg
	}
}

// localOnly is the store as this machine has it: reads through it never ask the team
// store, so a store that never answers cannot hold a screen's first frame.
func localOnly(store *incident.Store) *incident.Store {
	local := *store
	local.Shared = nil
	return &local
}

// incidentLoadedMsg carries an incident read without its lock: the resume path.
type incidentLoadedMsg struct {
	req     int
	id      string
	view    *incident.View
	stamp   incident.Stamp // the journal as read: a later poll compares with it
	pending int            // events in the team incident's outbox, not yet shared
	team    bool           // a team incident: saves go to the outbox first
	// drafts are the dialogs' texts kept on disk by an earlier session (first load only).
	drafts    []draftFile
	draftsErr error
	err       error
	reload    bool // a re-read after another writer appended
}

func loadIncident(req int, store *incident.Store, id string, reload bool) tea.Cmd {
	return func() tea.Msg {
		// This machine's copy at once, however the store answers: the 2 s poll
		// (pollJournal) catches up with the store and a change reloads.
		v, stamp, err := localOnly(store).LoadStamped(id)
		msg := incidentLoadedMsg{req: req, id: id, view: v, stamp: stamp, err: err, reload: reload}
		if v != nil {
			msg.pending, msg.team = incident.Pending(v.Dir), store.Shared != nil && incident.IsTeam(v.Dir)
		}
		if v != nil && !reload && store.DataDir != "" {
			msg.drafts, msg.draftsErr = readDrafts(store.DataDir, id)
		}
		return msg
	}
}

// journalPolledMsg says how the journal stands now; a change means someone else
// appended and the screen reloads.
type journalPolledMsg struct {
	req     int
	id      string
	stamp   incident.Stamp
	pending int   // events in the outbox: muster team sync elsewhere may have shared them
	err     error // the journal could not be looked at: nothing to reload
}

func pollJournal(req int, store *incident.Store, id string) tea.Cmd {
	return func() tea.Msg {
		s, err := store.Stamp(id)
		return journalPolledMsg{req: req, id: id, stamp: s, err: err, pending: incident.Pending(store.Dir(id))}
	}
}

// startedMsg answers the start screen.
type startedMsg struct {
	req   int
	id    string
	dir   string
	rb    *runbook.Runbook
	pol   *runbook.Policy
	state *incident.State
	stamp incident.Stamp
	team  bool // started in the team store: saves go to the outbox first
	err   error
}

func startIncident(req int, store *incident.Store, o incident.StartOptions) tea.Cmd {
	return func() tea.Msg {
		inc, err := store.Start(o)
		if err != nil {
			return startedMsg{req: req, err: err}
		}
		defer inc.Close()
		return startedMsg{req: req, id: inc.ID, dir: inc.Dir, rb: inc.Runbook, pol: inc.Policy,
			state: inc.State, stamp: inc.Stamp(), team: store.Shared != nil && incident.IsTeam(inc.Dir)}
	}
}

// appendedMsg answers an action on the incident. state is the incident's state after
// the action (or as it stood when it was refused), folded from the journal with the
// lock held: the only state the screen shows.
type appendedMsg struct {
	req    int
	what   string // "step confirm-alert done", "note"
	draft  string // the dialog whose text this was, "" for none
	state  *incident.State
	stamp  incident.Stamp
	err    error  // a *incident.QueuedError is saved on this machine, not shared yet
	nextTo string // step to select after a done or skip
	// pending is what waits in a team incident's outbox after the write; flushed what
	// publishing it (before the write, or on its own) did.
	pending int
	flushed incident.Flushed
}

// act opens the incident for writing, does one command and releases the lock. The
// lock is held only for the write, so the CLI and other responders can write between
// two actions here, and a lock held elsewhere is an error the user can retry. open is
// the store's Open, or OpenQueued while a team incident's outbox is being shared: the
// command then goes to the outbox on this machine, without the lock or the network.
func act(req int, open func(id, actor string) (*incident.Incident, error), id, actor, what, draft string, do func(inc *incident.Incident) error) tea.Cmd {
	return func() tea.Msg {
		inc, err := open(id, actor)
		if err != nil {
			return appendedMsg{req: req, what: what, draft: draft, err: err}
		}
		defer inc.Close()
		err = do(inc)
		state := inc.State
		if state.Brief() {
			// Queued on a large incident: decided against the brief state, without the
			// notes and the other long lists the screen shows. The save changed no
			// state; the share round that follows brings the whole one.
			state = nil
		}
		return appendedMsg{req: req, what: what, draft: draft, state: state, stamp: inc.Stamp(), err: err,
			pending: incident.Pending(inc.Dir), flushed: inc.Flushed}
	}
}

// outboxSharedMsg says what a share round of a team incident's outbox did. state is
// the incident as the round left it (nil when it could not open it).
type outboxSharedMsg struct {
	req     int
	id      string
	state   *incident.State
	stamp   incident.Stamp
	pending int // still waiting in the outbox (the store went away, or saves came late)
	flushed incident.Flushed
	err     error
}

// shareOutbox publishes a team incident's outbox, off the event loop and beside the
// 2 s poll: it holds the journal's lock while it waits on the store, so the screen
// saves to the outbox meanwhile (act with OpenQueued) and never waits for it. ctx ends
// the round (quitting, or shareRoundLimit): what it had not shared stays queued.
func shareOutbox(ctx context.Context, req int, store incident.Store, id, actor string) tea.Cmd {
	return func() tea.Msg {
		store.Context = ctx
		msg := outboxSharedMsg{req: req, id: id}
		inc, err := store.Open(id, actor)
		if err != nil {
			msg.err, msg.pending = err, incident.Pending(store.Dir(id))
			return msg
		}
		defer inc.Close()
		msg.flushed, msg.err = inc.Flush()
		msg.state, msg.stamp, msg.pending = inc.State, inc.Stamp(), incident.Pending(inc.Dir)
		return msg
	}
}

// eventsLoadedMsg carries the journal for the timeline.
type eventsLoadedMsg struct {
	req    int
	events []journal.Event
	err    error
}

func loadEvents(req int, store *incident.Store, id string) tea.Cmd {
	return func() tea.Msg {
		ev, err := store.Events(id)
		return eventsLoadedMsg{req: req, events: ev, err: err}
	}
}

// reportBuiltMsg carries the report preview, already rendered.
type reportBuiltMsg struct {
	req   int
	lines []string
	err   error
}

// maxGlamourReport is the largest report rendered as Markdown; beyond it (a journal
// of many thousand events) the preview shows the Markdown source, which stays fast.
const maxGlamourReport = 256 << 10

func buildReport(req int, store *incident.Store, id string, now time.Time, width int, style string) tea.Cmd {
	return func() tea.Msg {
		v, err := store.Load(id)
		if err != nil {
			return reportBuiltMsg{req: req, err: err}
		}
		var r *incident.Report
		if v.State.Drill {
			r = scenarios.BuildDrillReport(v, now) // as muster incident report: in drill time, with the after-action review
		} else {
			r = incident.BuildReport(v, now)
		}
		md := r.Markdown()
		if len(md) <= maxGlamourReport {
			c := newMDCache()
			return reportBuiltMsg{req: req, lines: c.renderNow(md, width, style)}
		}
		return reportBuiltMsg{req: req, lines: wrap(md, width)}
	}
}

// checkRanMsg carries a built-in check's result; it is then logged with RecordCheck.
type checkRanMsg struct {
	req  int
	step string
	run  incident.CheckRun
	err  error
}

func runCheck(ctx context.Context, req int, f func(context.Context, runbook.Step, string) (incident.CheckRun, error), st runbook.Step, severity string) tea.Cmd {
	return func() tea.Msg {
		r, err := f(ctx, st, severity)
		return checkRanMsg{req: req, step: st.ID, run: r, err: err}
	}
}

// backupRanMsg carries a backup check run from home.
type backupRanMsg struct {
	req     int
	summary BackupSummary
	err     error
}

// runBackup runs the backup check on ctx, the program's: quitting cancels it.
func runBackup(ctx context.Context, req int, f func(context.Context) (BackupSummary, error)) tea.Cmd {
	return func() tea.Msg {
		s, err := f(ctx)
		return backupRanMsg{req: req, summary: s, err: err}
	}
}

// completedMsg carries path completions for the attach dialog.
type completedMsg struct {
	req     int
	input   string
	matches []string
}

// maxCompletions keeps a huge directory from flooding the input's suggestions.
const maxCompletions = 200

func completePath(req int, input string) tea.Cmd {
	return func() tea.Msg {
		return completedMsg{req: req, input: input, matches: pathCompletions(input)}
	}
}

// pathCompletions lists the entries of the directory input names that start with its
// last element, keeping the user's own spelling of the directory (~, relative).
func pathCompletions(input string) []string {
	dirPart, base := "", input
	if i := strings.LastIndex(input, "/"); i >= 0 {
		dirPart, base = input[:i+1], input[i+1:]
	}
	dir := dirPart
	if dir == "" {
		dir = "."
	}
	if strings.HasPrefix(dir, "~/") || dir == "~/" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, dir[2:])
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		p := dirPart + name
		if e.IsDir() {
			p += "/"
		}
		out = append(out, p)
		if len(out) >= maxCompletions {
			break
		}
	}
	sort.Strings(out)
	return out
}

// describeErr says what went wrong in one clean line: the lock holder when the journal
// is locked, what a refusal refused, else that nothing was saved. kept adds that the
// typed text is still there.
func describeErr(err error, kept bool) string {
	var locked *journal.LockedError
	var s string
	switch {
	case errors.As(err, &locked):
		s = errText(err) + " — nothing was saved; retry when they are done"
	case incident.IsRefused(err):
		return errText(err)
	default:
		s = fmt.Sprintf("could not save: %s — nothing was saved; retry when fixed", errText(err))
	}
	if kept {
		s += " (your text is kept)"
	}
	return s
}
