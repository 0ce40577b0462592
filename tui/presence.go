package tui

import (
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// presence is who else works on the open team incident now. While the incident screen
// is open, every poll (2 s) lists the store's presence of the incident, and every
// incident.HeartbeatEvery this screen says it is here too; both in one command, never
// in Update. A local incident has none and the header shows nothing.
type presence struct {
	id       string // the incident the names are of
	req      int
	polling  bool
	polledAt time.Time
	beatAt   time.Time
	names    []incident.Present
	off      bool // the incident keeps no presence (local): stop asking
}

// presenceMsg answers a presence poll.
type presenceMsg struct {
	req   int
	id    string
	names []incident.Present
	err   error
}

func pollPresence(req int, store *incident.Store, id, actor string, beat bool) tea.Cmd {
	return func() tea.Msg {
		var err error
		if beat {
			err = store.Heartbeat(id, actor, "tui")
		}
		names, perr := store.Presence(id, actor)
		return presenceMsg{req: req, id: id, names: names, err: errors.Join(err, perr)}
	}
}

// presencePoll is the tick's presence command on the incident screen, when one is due.
func (m *Model) presencePoll() tea.Cmd {
	s, p := &m.inc, &m.presence
	if s.id != p.id {
		*p = presence{id: s.id}
	}
	if m.deps.Store == nil || m.deps.Store.Shared == nil || s.readOnly || s.state == nil || p.off || p.polling || !due(p.polledAt, m.now, pollEvery) {
		return nil
	}
	beat := due(p.beatAt, m.now, incident.HeartbeatEvery)
	if beat {
		p.beatAt = m.now
	}
	p.polling, p.polledAt, p.req = true, m.now, m.req()
	return pollPresence(p.req, m.deps.Store, s.id, m.deps.Actor, beat)
}

func (m *Model) onPresence(msg presenceMsg) tea.Cmd {
	p := &m.presence
	if msg.req != p.req || msg.id != p.id {
		return nil
	}
	p.polling = false
	switch {
	case errors.Is(msg.err, incident.ErrNoPresence):
		p.off, p.names = true, nil
	case msg.names != nil || msg.err == nil:
		// Offline, the names seen last stay until the store answers again.
		p.names = msg.names
	}
	return nil
}

// presenceLine is the header line naming who else is here, "" when no one is.
func (m *Model) presenceLine() string {
	p := &m.presence
	if p.id != m.inc.id || len(p.names) == 0 || m.inc.readOnly {
		return ""
	}
	names := make([]string, len(p.names))
	for i, n := range p.names {
		names[i] = clean(n.Actor)
		if n.Ago >= 10*time.Second {
			names[i] += " (" + runbook.FormatDuration(n.Ago.Truncate(time.Second)) + " ago)"
		}
	}
	return m.styles.Muted.Render(fit("● also here: "+strings.Join(names, ", "), m.width))
}
