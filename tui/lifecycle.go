package tui

import (
	"errors"
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

// The incident's lifecycle from the keyboard, as the CLI has it: acknowledge, roles,
// an incident-level note, follow-ups, and resolve/close with the same gating.

const (
	dlgAssign   dialogKind = "assign"
	dlgFollowUp dialogKind = "followup"
	dlgClose    dialogKind = "close"
)

// standardRoles are offered for every incident, before the runbook's own.
var standardRoles = []string{"incident commander", "communications lead", "scribe"}

// roles lists the roles to assign: the standard ones, the runbook's step roles, and
// any already assigned.
func (s *incidentScreen) roles() []string {
	if s.roleList != nil {
		return s.roleList // rebuild's: the header asks on every frame
	}
	return s.listRoles()
}

// listRoles walks the runbook for its roles: once per state, in rebuild (a runbook of
// 2,000 steps would cost every frame a copy of them).
func (s *incidentScreen) listRoles() []string {
	out := slices.Clone(standardRoles)
	add := func(r string) {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if s.rb != nil {
		for _, st := range s.rb.Steps() {
			add(st.Role)
		}
	}
	if s.state != nil {
		var held []string
		for r := range s.state.Roles {
			held = append(held, r)
		}
		slices.Sort(held)
		for _, r := range held {
			add(r)
		}
	}
	return out
}

// rosterPart is who holds which role, for the header: the commander first.
func (s *incidentScreen) rosterPart(st Styles) styled {
	if s.state == nil {
		return styled{}
	}
	var parts []string
	for _, r := range s.roles() {
		if who := s.state.Roles[r]; who != "" {
			parts = append(parts, r+": "+clean(who))
		}
	}
	if len(parts) == 0 {
		return styled{"roles: none assigned — R assigns", st.Muted.Render}
	}
	return styled{"roles: " + strings.Join(parts, " · "), st.Muted.Render}
}

func (m *Model) assignDialog() *dialog {
	roles := m.inc.roles()
	var notes []string
	sel := -1
	for i, r := range roles {
		who := m.inc.state.Roles[r]
		if who == "" {
			notes = append(notes, "not assigned yet")
			if sel < 0 {
				sel = i // the first role nobody holds
			}
			continue
		}
		notes = append(notes, "now: "+clean(who))
	}
	sel = max(sel, 0)
	return &dialog{kind: dlgAssign, draft: "assign", title: "Assign a role",
		intro: "The roster is in the header; the journal keeps every change.",
		fields: []field{newChoice("Role", roles, notes, sel),
			newLine("Who takes it?", "name or user@host", "", true, m.styles)}}
}

func (m *Model) followUpDialog() *dialog {
	due := m.now.AddDate(0, 0, 7).Format("2006-01-02")
	d := newLine("Due (YYYY-MM-DD)", "2026-12-01", due, true, m.styles)
	return &dialog{kind: dlgFollowUp, draft: "followup", title: "Add a follow-up",
		intro:  "An action for after the incident; open follow-ups keep it from closing.",
		fields: []field{newText("What is to be done?", "e.g. alert on replication lag above 30 s", "", true, m.styles), newLine("Owner", "who does it", "", true, m.styles), d}}
}

func (m *Model) closeDialog() *dialog {
	open := m.inc.state.OpenWork()
	intro := "Everything required is done or skipped: the incident can close."
	fields := []field{newText("Summary", "what happened and how it was resolved", "", false, m.styles)}
	if len(open) > 0 {
		intro = fmt.Sprintf("Still open (%d): %s. Finish or skip them, or force the close with a reason (recorded with what was open).", len(open), strings.Join(open, ", "))
		fields = append(fields, newChoice("Close anyway?", []string{"no", "force"}, []string{"the close is refused while work is open", "closes now; the report lists what was left open"}, 0),
			newLine("Why force it?", "e.g. duplicate of INC-…", "", false, m.styles))
	}
	return &dialog{kind: dlgClose, draft: "close", title: "Resolve and close " + m.inc.id, intro: intro, fields: fields, keepIntro: true}
}

// submitLifecycle writes the lifecycle dialogs; ok is false for another kind.
func (m *Model) submitLifecycle(d *dialog) (tea.Cmd, bool) {
	switch d.kind {
	case dlgAssign:
		role, who := d.value(0), d.value(1)
		return m.act(role+": "+clean(who), d.draft, "", func(inc *incidentWriter) error { return inc.Assign(role, who) }), true
	case dlgFollowUp:
		text, owner := d.value(0), d.value(1)
		due, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(d.value(2)), m.now.Location())
		if err != nil {
			d.saving, d.err = false, "the due date must read YYYY-MM-DD, e.g. "+m.now.AddDate(0, 0, 7).Format("2006-01-02")
			return nil, true
		}
		return m.act("follow-up for "+clean(owner), d.draft, "", func(inc *incidentWriter) error {
			_, err := inc.AddFollowUp(owner, due, text)
			return err
		}), true
	case dlgClose:
		summary := d.value(0)
		force, reason := false, ""
		if len(d.fields) > 1 {
			force, reason = d.value(1) == "force", d.value(2)
		}
		if force && strings.TrimSpace(reason) == "" {
			d.saving, d.err = false, "a forced close needs a reason"
			return nil, true
		}
		if open := m.inc.state.OpenWork(); !force && len(open) > 0 {
			// The CLI's refusal ends "use --force --reason": here it is said in the dialog's words.
			d.saving, d.err = false, fmt.Sprintf("cannot close %s: %s still open (listed above) — finish or skip them, or choose “force” under Close anyway? and say why",
				m.inc.id, plural(len(open), "item", "items"))
			return nil, true
		}
		return m.act("incident closed", d.draft, "", func(inc *incidentWriter) error { return inc.CloseIncident(summary, force, reason) }), true
	}
	return nil, false
}

func (m *Model) acknowledge() tea.Cmd {
	if !m.inc.state.RespondedAt.IsZero() {
		m.flash = flash{text: "already acknowledged at " + clock(m.inc.state.RespondedAt, m.now) + " (respond-by is met)", err: true}
		return nil
	}
	return m.act("acknowledged", "", "", func(inc *incidentWriter) error { return inc.Acknowledge() })
}

// followUpsView is the follow-ups overlay: every follow-up with its owner, due date and
// state; a adds, space marks the selected one done.
type followUpsView struct {
	scroll scroller
	keys   followUpKeys
}

type followUpKeys struct {
	scrollKeys
	Add   key.Binding
	Done  key.Binding
	Close key.Binding
	Help  key.Binding
}

func newFollowUpKeys() followUpKeys {
	sk := newScrollKeys("first", "last")
	sk.PageDown = bind([]string{"pgdown", "ctrl+d"}, "pgdn", "page down") // space marks done here
	return followUpKeys{
		scrollKeys: sk,
		Add:        bind([]string{"a"}, "a", "add a follow-up"),
		Done:       bind([]string{"space", "d"}, "space", "mark done"),
		Close:      bind([]string{"esc", "q", "F"}, "q/esc", "close"),
		Help:       bind([]string{"?"}, "?", "help"),
	}
}

func (k followUpKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Add, k.Done, k.Down, k.Help, k.Close}
}
func (k followUpKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Add, k.Done, k.Help, k.Close}, {k.Up, k.Down, k.First, k.Last}}
}

func (m *Model) followUpKey(msg tea.KeyPressMsg, h int) tea.Cmd {
	f := &m.followUps
	list := m.inc.state.FollowUps
	if f.scroll.update(msg, f.keys.scrollKeys, len(list), h) {
		return nil
	}
	switch {
	case key.Matches(msg, f.keys.Help):
		m.openHelp(f.keys)
		m.pager.returnTo = overlayFollowUps
	case key.Matches(msg, f.keys.Close):
		m.overlay = overlayNone
	case key.Matches(msg, f.keys.Add):
		m.overlay = overlayNone
		cmd := m.openDialog(m.followUpDialog())
		m.inc.dialog.returnTo = overlayFollowUps // back to the list, which shows the new one
		return cmd
	case key.Matches(msg, f.keys.Done):
		if len(list) == 0 {
			return nil
		}
		fu := list[clampInt(f.scroll.sel, 0, len(list)-1)]
		if fu.Done {
			m.flash = flash{text: "follow-up " + fu.ID + " is already done", err: true}
			return nil
		}
		if m.inc.saving != "" {
			m.flash = flash{text: "still saving “" + m.inc.saving + "” — wait for the journal to answer"}
			return nil
		}
		id := fu.ID
		return m.act("follow-up "+id+" done", "", "", func(inc *incidentWriter) error { return inc.CompleteFollowUp(id, "") })
	}
	return nil
}

func (f *followUpsView) view(st Styles, s *incident.State, w, h int, now time.Time) []string {
	open := 0
	for _, fu := range s.FollowUps {
		if !fu.Done {
			open++
		}
	}
	out := []string{st.Heading.Render(fit(fmt.Sprintf("Follow-ups · %d open of %d · a adds, space marks done", open, len(s.FollowUps)), w))}
	if len(s.FollowUps) == 0 {
		out = append(out, st.Muted.Render(fit("none yet — a adds one (owner, due date, what)", w)))
	}
	f.scroll.clamp(len(s.FollowUps), h-1)
	for i := f.scroll.top; i < len(s.FollowUps) && len(out) < h; i++ {
		fu := s.FollowUps[i]
		cursor := "  "
		if i == f.scroll.sel {
			cursor = "▸ "
		}
		state := "open, due " + fu.Due.Format("Mon 2 Jan")
		if now.After(fu.Due) {
			state = "OVERDUE since " + fu.Due.Format("Mon 2 Jan")
		}
		if fu.Done {
			state = "✓ done by " + clean(fu.DoneBy) + " " + clock(fu.DoneAt, now)
		}
		line := fmt.Sprintf("%s%s  %s  %s — %s", cursor, fu.ID, clean(fu.Owner), state, clean(fu.Text))
		switch {
		case i == f.scroll.sel:
			out = append(out, st.Selected.Render(fit(line, w)))
		case fu.Done:
			out = append(out, st.Done.Render(fit(line, w)))
		case now.After(fu.Due):
			out = append(out, st.SLAMissed.Render(fit(line, w)))
		default:
			out = append(out, fit(line, w))
		}
	}
	return window(out, 0, h, w)
}

// escalationStep is the runbook's step to do that an escalation to whom carries out:
// an escalation step (its id or title says escalate, or it gives an escalate command)
// that names whom (every word of whom that matters, e.g. "incident lead" matches
// escalate-to-incident-lead). None when no step names them: the offer must never
// complete a step the escalation did not do.
func escalationStep(s *incidentScreen, whom string) (runbook.Step, bool) {
	words := strings.FieldsFunc(strings.ToLower(whom), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	words = slices.DeleteFunc(words, func(w string) bool { return len(w) < 3 || w == "the" || w == "and" || w == "backup" })
	if len(words) == 0 || s.rb == nil || s.state == nil {
		return runbook.Step{}, false
	}
	var best runbook.Step
	bestScore := 0
	for _, st := range s.rb.Steps() {
		if !st.AppliesTo(s.state.Severity) || s.state.Step(st.ID).Status != incident.StepTodo {
			continue
		}
		text := strings.ToLower(st.ID + " " + st.Title)
		isEscalation := strings.Contains(text, "escalat")
		for _, c := range st.Commands {
			isEscalation = isEscalation || strings.Contains(c, "incident escalate")
		}
		if !isEscalation {
			continue
		}
		score := 0
		for _, w := range words {
			if strings.Contains(text, w) {
				score++
			}
		}
		if score == len(words) && score > bestScore {
			best, bestScore = st, score
		}
	}
	return best, bestScore > 0
}

// escalationLabel is the escalate dialog's offer to complete the matching step.
const escalationLabel = "Also mark the runbook's step done?"

// offerEscalationStep keeps the escalate dialog's offer in line with whom it names:
// the matching step to do, or no offer.
func (m *Model) offerEscalationStep(d *dialog) {
	st, ok := escalationStep(&m.inc, d.value(0))
	i := slices.IndexFunc(d.fields, func(f field) bool { return f.label == escalationLabel })
	switch {
	case !ok && i >= 0:
		d.fields = slices.Delete(d.fields, i, i+1)
		if d.focus > i {
			d.focus--
		}
	case ok:
		f := newChoice(escalationLabel, []string{"yes: " + st.Title, "no"},
			[]string{"marks step " + st.ID + " done in the same write", "logs the escalation only"}, 0)
		if i >= 0 {
			if d.fields[i].choices[0] == f.choices[0] {
				return
			}
			f.choice = d.fields[i].choice
			d.fields[i] = f
		} else {
			// Right under whom, so Enter on "Why?" still saves.
			d.fields = slices.Insert(d.fields, 1, f)
			if d.focus >= 1 {
				d.focus++
			}
		}
		d.escalationStep = st.ID
		return
	}
	d.escalationStep = ""
}

// escalateAndComplete logs the escalation and completes the step it carries out, in
// one write of the screen. Once the escalation is in, a step that can no longer be
// completed (someone did it meanwhile) does not fail the escalation: it is said, and
// the dialog closes rather than offering a retry that would escalate twice.
func escalateAndComplete(inc *incidentWriter, to, why, step string) error {
	err := inc.Escalate(to, why)
	if err != nil && !errors.Is(err, incident.ErrQueued) {
		return err
	}
	serr := inc.CompleteStep(step, "escalated to "+to)
	switch {
	case serr == nil:
		return err // nil, or the escalation's QueuedError
	case errors.Is(serr, incident.ErrQueued):
		return serr // both queued: its count includes the escalation
	}
	return &partlyDone{done: "escalated to " + to, err: serr}
}

// notifyAndComplete records the notice and completes the step that posts it, as
// escalateAndComplete does for an escalation.
func notifyAndComplete(inc *incidentWriter, audience, channel, message, step string) error {
	err := inc.Notify(audience, channel, message)
	if err != nil && !errors.Is(err, incident.ErrQueued) {
		return err
	}
	serr := inc.CompleteStep(step, "notice to "+audience)
	switch {
	case serr == nil:
		return err
	case errors.Is(serr, incident.ErrQueued):
		return serr
	}
	return &partlyDone{done: "notice to " + audience, err: serr}
}

// partlyDone is a write of two events whose first is saved and second refused.
type partlyDone struct {
	done string
	err  error
}

func (e *partlyDone) Error() string { return e.done + ", but " + e.err.Error() }
