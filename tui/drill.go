package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/scenarios"
)

// The drill screen is the incident screen of a drill incident with the drill above
// it: the clocks, the inject feed, the open decisions and the current module's
// questions, and the facilitator's keys. The drill (*scenarios.Drill) writes to the
// incident's journal through a scenarios.StoreJournal, taking the writer lock only
// while it appends; the team's actions go through the same incident commands as on
// the incident screen, wrapped in Drill.WithJournal so they never overlap a drill
// record. scenarios.Run drives the drill from a goroutine that a command starts; it
// hands each update to the event loop through a channel a command reads.

// drillScreen is what the model keeps of the drill on screen.
type drillScreen struct {
	on      bool // the incident screen shows a drill
	id      string
	d       *scenarios.Drill
	sc      *scenarios.Scenario
	snap    drillSnap
	hasSnap bool

	loadReq     int
	cancel      context.CancelFunc // stops the driver
	acting      string             // facilitator action in flight
	queued      []tea.KeyPressMsg  // facilitator keys pressed while it was in flight, played in order after it
	actReq      int
	confirmStop bool

	endShown  bool // the after-action report was opened at the end
	reportReq int
	score     *scenarios.Score // the final score, once the report is built

	keys drillKeys
}

// drillSnap is the drill as the screen shows it, read off the event loop.
type drillSnap struct {
	at      time.Time
	status  scenarios.Status
	feed    []scenarios.FeedItem
	pending []scenarios.Inject        // injects not delivered yet: what "trigger" offers
	choices []scenarios.TriggerChoice // parallel to pending: what triggering each means
}

func snapshot(d *scenarios.Drill, now time.Time) drillSnap {
	s := drillSnap{at: now, status: d.Status(now), feed: d.Feed(), choices: d.TriggerChoices()}
	sc := d.Scenario()
	for _, c := range s.choices {
		if in, ok := sc.Inject(c.Inject); ok {
			s.pending = append(s.pending, *in)
		}
	}
	return s
}

// drillLoadedMsg answers the opening of a drill: its incident read, the drill
// rebuilt from the journal, resumed if it was paused when the screen closed, and set
// to the speed asked for.
type drillLoadedMsg struct {
	req     int
	id      string
	view    *incident.View
	stamp   incident.Stamp
	d       *scenarios.Drill
	snap    drillSnap
	resumed bool
	err     error
}

func loadDrill(req int, store *incident.Store, id, actor string, speed float64, now func() time.Time, courier func(*scenarios.Drill)) tea.Cmd {
	return func() tea.Msg {
		msg := drillLoadedMsg{req: req, id: id}
		v, err := store.Load(id)
		if err != nil {
			msg.err = err
			return msg
		}
		if !v.State.Drill {
			msg.err = fmt.Errorf("%s is not a drill", id)
			return msg
		}
		d, err := scenarios.Resume(v, &scenarios.StoreJournal{Store: store, ID: id, Actor: actor})
		if err != nil {
			msg.err = err
			return msg
		}
		if courier != nil {
			courier(d)
		}
		st := d.Status(now())
		if st.Paused && !st.Ended && !st.Stopping {
			if _, err := d.Resume(now()); err != nil {
				msg.err = err
				return msg
			}
			msg.resumed = true
		}
		if speed > 0 && speed != st.Speed && !st.Ended {
			if _, err := d.SetSpeed(now(), speed); err != nil {
				msg.err = err
				return msg
			}
		}
		// The journal may have grown (resume, speed): read it again for the screen.
		stamp, err := incident.Stamp{}, error(nil)
		if v, stamp, err = store.LoadStamped(id); err != nil {
			msg.err = err
			return msg
		}
		msg.view, msg.d, msg.stamp = v, d, stamp
		msg.snap = snapshot(d, now())
		return msg
	}
}

// drillUpdatedMsg is the drill after a step of the driver, a facilitator action or a
// tick: fired are the injects delivered by it (the bell rings for them).
type drillUpdatedMsg struct {
	id    string
	snap  drillSnap
	fired []scenarios.FeedItem
	team  bool         // the update holds team actions (another terminal's): reload the incident
	from  chan tea.Msg // the driver's channel, to read the next update from
}

// drillStoppedMsg says the driver returned: the drill ended, or it failed.
type drillStoppedMsg struct {
	id  string
	err error
}

// startDriver runs scenarios.Run in a goroutine for as long as ctx lives and answers
// with its first update; each later one is read by waitDriver.
func startDriver(ctx context.Context, d *scenarios.Drill, clk scenarios.Clock) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 8)
		id := d.ID
		go func() {
			err := scenarios.Run(ctx, d, clk, scenarios.RunOptions{OnUpdate: func(u scenarios.Update) {
				msg := drillUpdatedMsg{id: id, snap: snapshot(d, clk.Now()), fired: u.Fired, team: hasTeamEvents(u), from: ch}
				select {
				case ch <- msg:
				case <-ctx.Done():
				}
			}})
			if ctx.Err() != nil {
				return // the screen closed: nobody reads
			}
			ch <- drillStoppedMsg{id: id, err: err}
		}()
		return waitDriver(ch)()
	}
}

func waitDriver(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

func hasTeamEvents(u scenarios.Update) bool {
	for _, e := range u.Events {
		if !strings.HasPrefix(e.Type, "drill.") {
			return true
		}
	}
	return false
}

// refreshDrill reads the drill at now: the clocks move between the driver's updates.
func refreshDrill(d *scenarios.Drill, now time.Time) tea.Cmd {
	return func() tea.Msg { return drillUpdatedMsg{id: d.ID, snap: snapshot(d, now)} }
}

// drillActedMsg answers a facilitator action.
type drillActedMsg struct {
	req   int
	id    string
	what  string
	draft string
	snap  drillSnap
	fired []scenarios.FeedItem
	err   error
}

func drillAct(req int, d *scenarios.Drill, now time.Time, what, draft string, do func(d *scenarios.Drill, now time.Time) (scenarios.Update, error)) tea.Cmd {
	return func() tea.Msg {
		u, err := do(d, now)
		return drillActedMsg{req: req, id: d.ID, what: what, draft: draft, snap: snapshot(d, now), fired: u.Fired, err: err}
	}
}

// pauseDrill pauses a drill the screen leaves, so its clock does not run on while
// nobody watches; the next open resumes it.
func pauseDrill(d *scenarios.Drill, now time.Time) tea.Cmd {
	return func() tea.Msg {
		if st := d.Status(now); !st.Ended && !st.Paused && !st.Stopping {
			_, _ = d.Pause(now)
		}
		return nil
	}
}

// drillReportMsg carries the after-action report shown when the drill ends.
type drillReportMsg struct {
	req   int
	score scenarios.Score
	lines []string
	err   error
}

// finishDrill turns the improvement plan into follow-ups (as a headless drill does)
// and renders the after-action report.
func finishDrill(req int, store *incident.Store, d *scenarios.Drill, now time.Time, width int, style string) tea.Cmd {
	return func() tea.Msg {
		// A scenario with a hot wash is finalised after it (muster drill act ID finalise),
		// as a headless drill does: finalising closes the evaluation.
		if len(d.Scenario().HotWash) == 0 {
			if _, err := d.Finalise(now); err != nil && !incident.IsRefused(err) {
				return drillReportMsg{req: req, err: err}
			}
		}
		v, err := store.Load(d.ID)
		if err != nil {
			return drillReportMsg{req: req, err: err}
		}
		a, err := scenarios.BuildAAR(v, now)
		if err != nil {
			return drillReportMsg{req: req, err: err}
		}
		s := a.Score
		md := fmt.Sprintf("# DRILL %s: score %d/%d (%d%%)\n\n%d met, %d late, %d missed. `muster incident report %s` writes the whole report.\n\n%s",
			d.ID, s.Points, s.Max, s.Percent(), s.Met, s.Late, s.Missed, d.ID, a.Markdown())
		c := newMDCache()
		return drillReportMsg{req: req, score: s, lines: c.renderNow(md, width, style)}
	}
}

// speedSteps are the speeds + and - move between.
var speedSteps = []float64{1, 2, 5, 10, 15, 30, 60, 90, 120}

func nextSpeed(cur float64, up bool) (float64, bool) {
	if up {
		for _, s := range speedSteps {
			if s > cur {
				return s, true
			}
		}
		return cur, false
	}
	for i := len(speedSteps) - 1; i >= 0; i-- {
		if speedSteps[i] < cur {
			return speedSteps[i], true
		}
	}
	return cur, false
}

// adHocChannels are the channels an ad-hoc inject can come by.
var adHocChannels = []string{"chat", "alert", "email", "phone", "ticket", "news"}
