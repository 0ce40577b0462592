package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// A team incident's outbox (events saved here while the store was away) is shared in
// rounds that run beside the 2 s poll, never in the way of a key or a save: a round
// holds the journal's lock while it waits on the store, so while one is in flight (or
// anything waits) the screen saves to the outbox (incident.Store.OpenQueued), and the
// round shares those too. The header says how it stands, quietly: "⧗ 3 waiting to be
// shared", "⇡ sharing 3 with the team…", "✓ shared with the team".

// shareRound is the round in flight: one at a time, whatever the screen.
type shareRound struct {
	id     string // the incident whose outbox it shares; "" when none runs
	req    int
	cancel context.CancelFunc
}

// shareRoundLimit ends a round that the store keeps waiting (a connection that takes
// requests and never answers): what it had not shared stays queued for the next.
const shareRoundLimit = 2 * time.Minute

// startLimit ends the start of a team incident that the store keeps waiting: it
// cannot be started offline, and the screen says so rather than wait on.
const startLimit = 30 * time.Second

// shareSlow is how long a round waits before the header says the store has not
// answered yet.
const shareSlow = 10 * time.Second

// sharedShown is how long the header says "✓ shared" after a round emptied the outbox.
const sharedShown = 10 * time.Second

// shareOutbox starts a share round of the open incident's outbox.
func (m *Model) shareOutbox() tea.Cmd {
	s := &m.inc
	parent := m.deps.Store.Context
	if parent == nil {
		parent = m.ctx
	}
	ctx, cancel := context.WithTimeout(parent, shareRoundLimit)
	m.share = shareRound{id: s.id, req: m.req(), cancel: cancel}
	s.sharing, s.publishedAt = true, m.now
	return shareOutbox(ctx, m.share.req, *m.deps.Store, s.id, m.deps.Actor)
}

// shareSoon starts a round for what a save just queued, unless one is in flight (it
// reads the outbox again before each event, so it takes the new one too).
func (m *Model) shareSoon() tea.Cmd {
	if m.share.id != "" || m.quitting || m.drill.on || m.screen != screenIncident {
		return nil
	}
	return m.shareOutbox()
}

// stopShareRound ends the round in flight at once; its answer still comes.
func (m *Model) stopShareRound() {
	if m.share.cancel != nil {
		m.share.cancel()
	}
}

func (m *Model) onOutboxShared(msg outboxSharedMsg) tea.Cmd {
	if msg.req != m.share.req || m.share.id == "" {
		return nil
	}
	m.share.cancel()
	m.share = shareRound{}
	if m.quitting && m.readyToQuit() {
		return tea.Quit
	}
	s := &m.inc
	if m.screen != screenIncident || msg.id != s.id {
		return nil
	}
	s.sharing, s.publishedAt = false, m.now
	s.setOutbox(msg.pending)
	f := msg.flushed
	var locked *journal.LockedError // a command elsewhere writes: the next round goes on
	s.shareStuck = msg.pending > 0 && (msg.err != nil && !errors.As(msg.err, &locked) || f.Pending > 0)
	if f.Published > 0 && msg.pending == 0 {
		s.sharedAt = m.now
		if m.flash.waiting != "" {
			m.flash = flash{text: "✓ shared with the team: " + m.flash.waiting}
		}
	}
	m.onShareCause(cmp.Or(f.Cause, msg.err))
	if n := len(f.Refused); n > 0 {
		// Worth interrupting for: the responder's queued work did not happen.
		m.flash = flash{text: fmt.Sprintf("✗ shared %d queued events; %s no longer applied (someone did it meanwhile): kept in %s", f.Published,
			plural(n, "queued event", "queued events"), incident.RefusedFile), err: true}
	}
	var cmds []tea.Cmd
	if msg.pending > 0 && !s.shareStuck {
		cmds = append(cmds, m.shareSoon()) // saved in the round's last moment
	}
	if msg.state != nil && s.state != nil && msg.stamp.Changed(s.stamp) && msg.state.LastSeq > s.state.LastSeq {
		// The round published this machine's events and brought the team's: read
		// the journal as a poll would, so the feed and the timeline follow.
		s.loadReq = m.req()
		cmds = append(cmds, loadIncident(s.loadReq, m.deps.Store, s.id, true))
	}
	return tea.Batch(cmds...)
}

// credentialsMissing is the error of a call that found no usable AWS credentials
// (internal/awserr's NoCredentialsError), recognised by its method: the TUI links no
// AWS code.
type credentialsMissing interface {
	error
	CredentialSource() string
}

// storeAnswer is what the team store answered, in words (package team's Explain),
// recognised by its method for the same reason.
type storeAnswer interface {
	error
	Answered() string
}

// onShareCause follows why a round left the outbox waiting. When the store answered
// (no usable credentials, access denied, a missing bucket), waiting alone will not
// help and the responder has to act: it is said once, in the line the CLI prints, as
// it happens, and the header keeps saying what kind it is. A store that does not
// answer is the header's alone.
func (m *Model) onShareCause(cause error) {
	s := &m.inc
	var nc credentialsMissing
	line, creds := "", false
	switch {
	case !s.shareStuck || cause == nil:
	case errors.As(cause, &nc):
		line, creds = errText(nc), true
	case m.deps.Store != nil && m.deps.Store.Shared != nil && !m.deps.Store.Shared.Offline(cause):
		line = errText(cause)
		var ans storeAnswer
		if errors.As(cause, &ans) {
			line = clean(ans.Answered()) // without the request around it
		}
	}
	if line != "" && line != s.stuckWhy {
		m.flash = flash{text: "✗ not shared with the team: " + line + " — saved on this machine; retried every 15 s", err: true}
	}
	s.stuckWhy, s.stuckNoCreds = line, creds
}

// waitingText is the outbox's count as the header and the message line say it.
func waitingText(n int) string {
	return fmt.Sprintf("%d waiting to be shared", n)
}

// sharePart is the header's word on the outbox, if it has one.
func (s *incidentScreen) sharePart(st Styles, now time.Time) (styled, bool) {
	switch {
	case s.sharing && s.outbox > 0:
		text := fmt.Sprintf("⇡ sharing %d with the team…", s.outbox)
		if waited := now.Sub(s.publishedAt); waited >= shareSlow {
			// A store that takes requests and never answers: what waits is safe here.
			text += " no answer for " + runbook.FormatDuration(waited) + " — saved on this machine"
		}
		return styled{text, st.Muted.Render}, true
	case s.outbox > 0 && s.shareStuck && s.stuckNoCreds:
		return styled{"⧗ " + waitingText(s.outbox) + " — no usable AWS credentials; retrying", st.SLAWarn.Render}, true
	case s.outbox > 0 && s.shareStuck && s.stuckWhy != "":
		return styled{"⧗ " + waitingText(s.outbox) + " — the team store refused it; retrying", st.SLAWarn.Render}, true
	case s.outbox > 0 && s.shareStuck:
		return styled{"⧗ " + waitingText(s.outbox) + " — the team store does not answer; retrying", st.SLAWarn.Render}, true
	case s.outbox > 0:
		return styled{"⧗ " + waitingText(s.outbox), st.SLAWarn.Render}, true
	case !s.sharedAt.IsZero() && now.Sub(s.sharedAt) < sharedShown && now.Sub(s.sharedAt) >= 0:
		return styled{"✓ shared with the team", st.Muted.Render}, true
	}
	return styled{}, false
}
