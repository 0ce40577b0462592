package incident

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// StepStatus is where a step stands.
type StepStatus string

const (
	StepTodo    StepStatus = "todo"
	StepDone    StepStatus = "done"
	StepSkipped StepStatus = "skipped"
)

// StepState is the latest word on one step.
type StepState struct {
	Status StepStatus `json:"status"`
	By     string     `json:"by,omitempty"`
	At     time.Time  `json:"at,omitzero"`
	Note   string     `json:"note,omitempty"`
	Reason string     `json:"reason,omitempty"`
	// Started is when the step's phase was entered: the first action on any step of
	// it, or the incident start for the first phase. It times the step's timebox.
	Started time.Time `json:"started,omitzero"`
}

// Entry is something that happened, with who and when: the common part of notes,
// escalations, notices, attachments and checks in the state.
type Entry struct {
	Seq   uint64    `json:"seq"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
}

// NoteEntry is a note in the state.
type NoteEntry struct {
	Entry
	Note
}

// EscalationEntry is an escalation in the state.
type EscalationEntry struct {
	Entry
	Escalation
}

// NoticeEntry is a communication in the state.
type NoticeEntry struct {
	Entry
	Notice
}

// SeverityEntry is a severity change in the state.
type SeverityEntry struct {
	Entry
	SeverityChange
}

// FollowUpEntry is a follow-up action and whether it is done.
type FollowUpEntry struct {
	Entry
	FollowUp
	Done   bool      `json:"done"`
	DoneAt time.Time `json:"done_at,omitzero"`
	DoneBy string    `json:"done_by,omitempty"`
}

// AttachmentEntry is a piece of evidence stored in the incident.
type AttachmentEntry struct {
	Entry
	Attachment journal.Attachment `json:"attachment"`
	// Step is the runbook step it is evidence for ("" for the incident), Description
	// what the responder said it is.
	Step        string `json:"step,omitempty"`
	Description string `json:"description,omitempty"`
}

// CheckEntry is a built-in check's logged result.
type CheckEntry struct {
	Entry
	CheckRun
}

// State is everything known about an incident: a pure fold over its events.
type State struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	Drill     bool              `json:"drill"`
	Labels    map[string]string `json:"labels,omitempty"`
	Runbook   RunbookRef        `json:"runbook"`
	Policy    PolicyRef         `json:"policy"`
	Severity  string            `json:"severity"`
	OpenedAt  time.Time         `json:"opened_at"`
	OpenedBy  string            `json:"opened_by"`
	RespondBy runbook.Deadline  `json:"respond_by"`
	ResolveBy runbook.Deadline  `json:"resolve_by"`
	// RespondedAt is the first triage action or explicit acknowledgement.
	RespondedAt time.Time `json:"responded_at,omitzero"`
	Closed      bool      `json:"closed"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	Close       Closed    `json:"close,omitzero"`

	Steps       map[string]StepState `json:"steps"`
	Roles       map[string]string    `json:"roles"`
	Notes       []NoteEntry          `json:"notes"`
	Escalations []EscalationEntry    `json:"escalations"`
	Notices     []NoticeEntry        `json:"notices"`
	Severities  []SeverityEntry      `json:"severity_changes"`
	FollowUps   []FollowUpEntry      `json:"followups"`
	Attachments []AttachmentEntry    `json:"attachments"`
	Checks      []CheckEntry         `json:"checks"`
	// Impacts are the outage windows recorded, each as its latest correction says.
	Impacts   []ImpactEntry   `json:"impacts,omitempty"`
	Recovered []journal.Event `json:"recovered,omitempty"`

	// PhaseEntered is when each phase saw its first action.
	PhaseEntered map[runbook.PhaseName]time.Time `json:"phase_entered"`
	// LastUpdate is the last customer or stakeholder notice, for the update clock.
	LastUpdate time.Time `json:"last_update,omitzero"`

	Events   int       `json:"events"`
	LastSeq  uint64    `json:"last_seq"`
	LastHash string    `json:"last_hash"`
	LastAt   time.Time `json:"last_at"`

	// Unknown counts events of types this muster does not know (written by a newer
	// release): kept in the journal and the timeline, ignored by the state.
	Unknown int `json:"-"`
	// Undecodable lists the events whose payload does not decode as their type says:
	// the line verifies, but the fold cannot read it. `incident show`, `evidence
	// verify` and the TUI report them; they are never dropped silently.
	Undecodable []PayloadError `json:"undecodable,omitempty"`

	rb *runbook.Runbook // for step → phase look-ups; nil is allowed
	// brief is set on a state without its long lists (see Brief); lastNotice then
	// holds the last notice to each audience as written.
	brief      bool
	lastNotice map[string]time.Time
}

// NewState returns the empty state of an incident following rb (which may be nil
// when only the journal is at hand).
func NewState(rb *runbook.Runbook) *State {
	return &State{
		Steps:        map[string]StepState{},
		Roles:        map[string]string{},
		PhaseEntered: map[runbook.PhaseName]time.Time{},
		rb:           rb,
	}
}

// Fold builds the state from events.
func Fold(rb *runbook.Runbook, events []journal.Event) *State {
	s := NewState(rb)
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

// Apply folds one event into the state. It never fails: an event whose payload does
// not decode is listed in Undecodable (and reported by show, verify and the TUI),
// because a state must always be buildable from a journal that verifies.
func (s *State) Apply(e journal.Event) {
	p, err := Decode(e)
	s.apply(e, p, err)
}

// apply is Apply of e decoded (p, or the error of Decode). It keeps nothing of e.Data
// but what it decodes to, which journal.Scan reuses for the next event.
func (s *State) apply(e journal.Event, p Payload, err error) {
	s.Events++
	s.LastSeq, s.LastHash, s.LastAt = e.Seq, e.Hash, e.Time
	if err != nil {
		s.Undecodable = append(s.Undecodable, *err.(*PayloadError))
		return
	}
	ent := Entry{Seq: e.Seq, At: e.Time, Actor: e.Actor}
	if !s.brief {
		s.addToLists(ent, p)
	}
	switch p := p.(type) {
	case Started:
		// The id reaches terminals: a journal's own line may carry escapes.
		s.ID, s.Title, s.Severity, s.Drill, s.Labels = untrusted.Line(p.ID), p.Title, p.Severity, p.Drill, p.Labels
		s.Runbook, s.Policy, s.RespondBy, s.ResolveBy = p.Runbook, p.Policy, p.RespondBy, p.ResolveBy
		s.OpenedAt, s.OpenedBy = e.Time, e.Actor
		if first := s.firstPhase(); first != "" {
			s.PhaseEntered[first] = e.Time
		}
		// A step the start does (done_by = "start") is done by whoever started the
		// incident, at that moment: the journal's first line is its proof.
		if s.rb != nil {
			for _, st := range s.rb.Steps() {
				if st.DoneByStart() {
					s.stepAction(st.ID, StepState{Status: StepDone, By: e.Actor, At: e.Time, Note: StartedStepNote}, e.Time, false)
				}
			}
		}
	case Acknowledged:
		s.respond(e.Time)
	case StepMarkedDone:
		s.stepAction(p.Step, StepState{Status: StepDone, By: e.Actor, At: e.Time, Note: p.Note}, e.Time, true)
	case StepMarkedSkipped:
		s.stepAction(p.Step, StepState{Status: StepSkipped, By: e.Actor, At: e.Time, Reason: p.Reason}, e.Time, true)
	case StepUndone:
		s.stepAction(p.Step, StepState{Status: StepTodo}, e.Time, false)
	case Notice:
		s.LastUpdate = e.Time
		if s.brief {
			s.noteNoticeTo(p.Audience, e.Time)
		}
	case SeverityChange:
		s.Severities = append(s.Severities, SeverityEntry{ent, p})
		s.Severity, s.RespondBy, s.ResolveBy = p.To, p.RespondBy, p.ResolveBy
	case RoleAssignment:
		s.Roles[p.Role] = p.To
	case FollowUp:
		s.FollowUps = append(s.FollowUps, FollowUpEntry{Entry: ent, FollowUp: p})
	case FollowUpDone:
		for i := range s.FollowUps {
			if s.FollowUps[i].ID == p.ID {
				s.FollowUps[i].Done, s.FollowUps[i].DoneAt, s.FollowUps[i].DoneBy = true, e.Time, e.Actor
			}
		}
	case Closed:
		s.Closed, s.ClosedAt, s.ClosedBy, s.Close = true, e.Time, e.Actor, p
	case Recovered:
		e.Data = bytes.Clone(e.Data)
		s.Recovered = append(s.Recovered, e)
	case Impact:
		s.applyImpact(ent, p)
	case Unknown:
		s.Unknown++
	default:
		// A drill's records: the drill engine folds them; the state keeps them in the
		// timeline only.
	}
}

// addToLists appends an event to the long list it belongs in, if any: notes,
// escalations, notices, attachments and checks. Nothing else in the state depends on
// these lists (a brief state goes without them, see Brief).
func (s *State) addToLists(ent Entry, p Payload) {
	switch p := p.(type) {
	case Note:
		s.Notes = appendEntry(s.Notes, NoteEntry{ent, p})
	case Escalation:
		s.Escalations = appendEntry(s.Escalations, EscalationEntry{ent, p})
	case Notice:
		s.Notices = appendEntry(s.Notices, NoticeEntry{ent, p})
	case Attached:
		s.Attachments = appendEntry(s.Attachments, AttachmentEntry{Entry: ent, Attachment: p.Attachment, Step: p.Step(), Description: p.Description()})
	case CheckRun:
		s.Checks = appendEntry(s.Checks, CheckEntry{ent, p})
	}
}

// appendEntry appends e to a long list, doubling the list's room when it is full: a
// fold of a large incident adds tens of thousands of entries, and append, which grows
// a long slice by a quarter, would copy each entry about four times into fresh memory.
func appendEntry[E any](list []E, e E) []E {
	if len(list) == cap(list) {
		list = slices.Grow(list, max(len(list), 8))
	}
	return append(list, e)
}

// applyToLists folds one event into the long lists only (see addToLists): for a state
// whose other fields are already past the event.
func (s *State) applyToLists(e journal.Event) {
	if p, err := Decode(e); err == nil {
		s.addToLists(Entry{Seq: e.Seq, At: e.Time, Actor: e.Actor}, p)
	}
}

// Brief reports whether the state goes without its long lists (Notes, Escalations,
// Notices, Attachments, Checks are nil): the state a command is checked against,
// which Store.OpenForCommand reads without the cost of those lists. Everything else,
// the methods included, is as in the full state.
func (s *State) Brief() bool { return s.brief }

// noteNoticeTo keeps, in a brief state, the last notice to each audience (what
// UpdatesDue needs of the notices).
func (s *State) noteNoticeTo(audience string, at time.Time) {
	if s.lastNotice == nil {
		s.lastNotice = map[string]time.Time{}
	}
	if at.After(s.lastNotice[audience]) {
		s.lastNotice[audience] = at
	}
}

// lastNotices is the last notice to each audience as written, from the notices.
func (s *State) lastNotices() map[string]time.Time {
	if s.brief {
		return s.lastNotice
	}
	m := map[string]time.Time{}
	for _, n := range s.Notices {
		if n.At.After(m[n.Audience]) {
			m[n.Audience] = n.At
		}
	}
	return m
}

// stepAction records the latest word on a step; the first action on a step of a
// phase enters the phase, and a triage step done or skipped is a response.
func (s *State) stepAction(step string, st StepState, at time.Time, responds bool) {
	s.Steps[step] = st
	if phase := s.phaseOf(step); phase != "" {
		if _, ok := s.PhaseEntered[phase]; !ok {
			s.PhaseEntered[phase] = at
		}
		if phase == runbook.PhaseName("triage") && responds {
			s.respond(at)
		}
	}
}

func (s *State) respond(at time.Time) {
	if s.RespondedAt.IsZero() {
		s.RespondedAt = at
	}
}

func (s *State) firstPhase() runbook.PhaseName {
	if s.rb == nil || len(s.rb.Phases) == 0 {
		return ""
	}
	return s.rb.Phases[0].Name
}

func (s *State) phaseOf(step string) runbook.PhaseName {
	if s.rb == nil {
		return ""
	}
	if st, ok := s.rb.Step(step); ok {
		return st.Phase
	}
	return ""
}

// Step returns the state of a step (todo when nothing happened to it).
func (s *State) Step(id string) StepState {
	if st, ok := s.Steps[id]; ok {
		return st
	}
	return StepState{Status: StepTodo}
}

// PhaseProgress counts the steps of a phase that apply at the current severity and
// those of them that are done or skipped.
type PhaseProgress struct {
	Phase   runbook.PhaseName `json:"phase"`
	Done    int               `json:"done"`
	Skipped int               `json:"skipped"`
	Total   int               `json:"total"`
}

// Complete reports whether every step of the phase is done or skipped.
func (p PhaseProgress) Complete() bool { return p.Done+p.Skipped == p.Total }

// Progress returns per-phase progress for the runbook at the current severity.
func (s *State) Progress() []PhaseProgress {
	if s.rb == nil {
		return nil
	}
	var out []PhaseProgress
	for _, ph := range s.rb.Phases {
		pp := PhaseProgress{Phase: ph.Name}
		for _, st := range ph.Steps {
			if !st.AppliesTo(s.Severity) {
				continue
			}
			pp.Total++
			switch s.Step(st.ID).Status {
			case StepDone:
				pp.Done++
			case StepSkipped:
				pp.Skipped++
			}
		}
		out = append(out, pp)
	}
	return out
}

// OpenWork lists what keeps the incident from closing: required steps neither done nor
// skipped, open follow-ups, and outage windows without an end.
func (s *State) OpenWork() []string {
	var open []string
	if s.rb != nil {
		for _, st := range s.rb.Steps() {
			if st.Optional || !st.AppliesTo(s.Severity) {
				continue
			}
			if s.Step(st.ID).Status == StepTodo {
				open = append(open, "step "+st.ID)
			}
		}
	}
	for _, f := range s.FollowUps {
		if !f.Done {
			open = append(open, "follow-up "+f.ID)
		}
	}
	for _, w := range s.Windows() {
		if w.Ongoing() {
			open = append(open, "outage "+w.Window+" of "+w.Service+" has no end")
		}
	}
	return open
}

// OpenFollowUps returns the follow-ups not done yet, earliest due first.
func (s *State) OpenFollowUps() []FollowUpEntry {
	var out []FollowUpEntry
	for _, f := range s.FollowUps {
		if !f.Done {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out
}

// Commander is who leads the incident: the assigned incident commander, else the
// responder who opened it.
func (s *State) Commander() string {
	if c := s.Roles["incident commander"]; c != "" {
		return c
	}
	return s.OpenedBy
}

// NextFollowUpID is the id the next follow-up gets.
func (s *State) NextFollowUpID() string {
	return "F" + strconv.Itoa(len(s.FollowUps)+1)
}

// UpdateDue is the next customer or stakeholder communication the runbook's rules
// call for.
type UpdateDue struct {
	Audience string    `json:"audience"`
	Channel  string    `json:"channel,omitempty"`
	Due      time.Time `json:"due"`
	Why      string    `json:"why"` // "after contain" or "update every 4h"
}

// FirstNoticeWithin is how long after its phase completes a rule's first notice is
// due: the time to write and send it. A notice already sent to the audience (during
// the phase, as runbooks ask for a status page) counts, and nothing is overdue the
// instant a phase completes.
const FirstNoticeWithin = 15 * time.Minute

// NextUpdate returns the earliest communication due, if any: a first notice to an
// audience FirstNoticeWithin after the rule's phase completed when nothing counting
// for the rule was sent, else the next regular update (update_every after the last
// notice) while the incident is open. Any notice to the audience counts for the first
// rule that names it; a later rule for the same audience (a final summary after
// review) is met only by a notice sent once its phase had started.
func (s *State) NextUpdate() (UpdateDue, bool) {
	var best UpdateDue
	found := false
	for _, u := range s.UpdatesDue() {
		if !found || u.Due.Before(best.Due) {
			best, found = u, true
		}
	}
	return best, found
}

// UpdatesDue is every notice the communication rules call for now, one per rule at
// most, in the runbook's order (see NextUpdate).
func (s *State) UpdatesDue() []UpdateDue {
	if s.rb == nil || s.Closed {
		return nil
	}
	progress := map[runbook.PhaseName]PhaseProgress{}
	for _, p := range s.Progress() {
		progress[p.Phase] = p
	}
	var out []UpdateDue
	consider := func(u UpdateDue) { out = append(out, u) }
	earlierRule := map[string]bool{} // audiences a rule before this one names
	for _, rule := range s.rb.Communication {
		if len(rule.Severities) > 0 && !contains(rule.Severities, s.Severity) {
			continue
		}
		audience := strings.ToLower(rule.Audience)
		var since time.Time // notices before it do not count for this rule
		if rule.After != "" && earlierRule[audience] {
			since, _ = s.PhaseStart(rule.After)
		}
		earlierRule[audience] = true
		last := s.lastNoticeTo(rule.Audience)
		if last.Before(since) {
			last = time.Time{}
		}
		if rule.After != "" {
			pp, ok := progress[rule.After]
			if !ok || !pp.Complete() {
				continue
			}
			if last.IsZero() {
				due := s.phaseCompletedAt(rule.After).Add(FirstNoticeWithin)
				consider(UpdateDue{Audience: rule.Audience, Channel: rule.Channel, Due: due, Why: "after " + string(rule.After)})
				continue
			}
		}
		if rule.UpdateEvery > 0 && !last.IsZero() {
			consider(UpdateDue{Audience: rule.Audience, Channel: rule.Channel, Due: last.Add(rule.UpdateEvery), Why: "update every " + runbook.FormatDuration(rule.UpdateEvery)})
		}
	}
	return out
}

func (s *State) lastNoticeTo(audience string) time.Time {
	var last time.Time
	if s.brief {
		for to, at := range s.lastNotice {
			if strings.EqualFold(to, audience) && at.After(last) {
				last = at
			}
		}
		return last
	}
	for _, n := range s.Notices {
		if strings.EqualFold(n.Audience, audience) && n.At.After(last) {
			last = n.At
		}
	}
	return last
}

// phaseCompletedAt is when the last step of a complete phase was done or skipped.
func (s *State) phaseCompletedAt(phase runbook.PhaseName) time.Time {
	var at time.Time
	// The steps in place: PhaseStart asks this of every phase before one, and
	// rb.Steps() would copy the whole runbook each time.
	for pi := range s.rb.Phases {
		steps := s.rb.Phases[pi].Steps
		for i := range steps {
			st := &steps[i]
			if st.Phase != phase || !st.AppliesTo(s.Severity) {
				continue
			}
			if t := s.Step(st.ID).At; t.After(at) {
				at = t
			}
		}
	}
	return at
}

// StartedStepNote is the note of a step the start did.
const StartedStepNote = "done by the start of the incident"

// SLA is how one deadline stands at an instant.
type SLA struct {
	Name   string    `json:"name"` // respond or resolve
	Due    time.Time `json:"due,omitzero"`
	Target string    `json:"target"` // as the policy writes it: 72h, 3 working days, next release
	// TargetText is the target on its clock, for people: "72 working hours",
	// "1h round the clock", "3 working days".
	TargetText string `json:"target_text"`
	// Clock is what Left and Total count: business (working time of the policy's
	// calendar) or continuous (wall-clock time).
	Clock  runbook.Clock `json:"clock"`
	Met    bool          `json:"met"`
	MetAt  time.Time     `json:"met_at,omitzero"`
	Missed bool          `json:"missed"`
	// Left is the time to spare on Clock; once the deadline is passed it is negative
	// and counts wall-clock time since it fell due, whatever the clock (a deadline
	// missed at Friday 17:00 is late all weekend).
	Left    time.Duration `json:"left_ns"`
	Total   time.Duration `json:"total_ns"` // what the target allowed on Clock
	NoLimit bool          `json:"no_limit"` // the target sets no deadline
}

// Fraction left of the allowed time, from 1 (just started) to 0 (due now); negative
// when overdue.
func (l SLA) Fraction() float64 {
	if l.Total <= 0 {
		return 0
	}
	return float64(l.Left) / float64(l.Total)
}

// SLAs judges the respond-by and resolve-by deadlines at now on the policy's calendar.
func (s *State) SLAs(pol *runbook.Policy, now time.Time) (respond, resolve SLA) {
	judge := func(name string, d runbook.Deadline, metAt time.Time) SLA {
		l := SLA{Name: name, Due: d.Due, Target: d.Target.String(), MetAt: metAt, Clock: pol.ClockOf(d)}
		l.TargetText = d.Target.On(l.Clock)
		if l.Clock == runbook.Continuous && d.Target.Kind == runbook.Within {
			l.TargetText += " round the clock"
		}
		if d.None() {
			l.NoLimit = true
			l.Met = !metAt.IsZero()
			return l
		}
		at := now
		if !metAt.IsZero() {
			at = metAt
		}
		l.Left, l.Total = pol.Remaining(d, s.OpenedAt, at)
		l.Met = !metAt.IsZero() && !metAt.After(d.Due)
		l.Missed = at.After(d.Due)
		return l
	}
	return judge("respond", s.RespondBy, s.RespondedAt), judge("resolve", s.ResolveBy, s.ClosedAt)
}

// PhaseStart is when work on a phase began: the incident's start for the first phase;
// for a later one, the first action on one of its steps or the moment every phase
// before it was complete, whichever came first. ok is false for a phase nobody can
// have started yet.
func (s *State) PhaseStart(phase runbook.PhaseName) (time.Time, bool) {
	if s.rb == nil {
		return time.Time{}, false
	}
	if phase == s.firstPhase() {
		return s.OpenedAt, true
	}
	entered, ok := s.PhaseEntered[phase]
	var readyAt time.Time
	ready := true
	for _, pp := range s.Progress() {
		if pp.Phase == phase {
			break
		}
		if !pp.Complete() {
			ready = false
			break
		}
		if t := s.phaseCompletedAt(pp.Phase); t.After(readyAt) {
			readyAt = t
		}
	}
	switch {
	case ok && ready && readyAt.Before(entered):
		return readyAt, true
	case ok:
		return entered, true
	case ready:
		if readyAt.IsZero() {
			readyAt = s.OpenedAt
		}
		return readyAt, true
	}
	return time.Time{}, false
}

// TimeboxOverdue reports whether a step still to do has run past its timebox at now,
// counted from the start of its phase.
func (s *State) TimeboxOverdue(st runbook.Step, now time.Time) bool {
	if st.Timebox <= 0 || s.Step(st.ID).Status != StepTodo || s.Closed {
		return false
	}
	start, ok := s.PhaseStart(st.Phase)
	return ok && now.Sub(start) > st.Timebox
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Describe renders one event as a line of text for timelines: what happened, in the
// responder's words. Text is cleaned of terminal sequences. An event whose payload does
// not decode says so.
func Describe(e journal.Event) string {
	p, err := Decode(e)
	if err != nil {
		return untrusted.Line(fmt.Sprintf("%s (undecodable: %v)", e.Type, err.(*PayloadError).Err))
	}
	return untrusted.Line(DescribePayload(p))
}

// DescribePayload is Describe on a decoded payload, before cleaning.
func DescribePayload(p Payload) string {
	var s string
	switch p := p.(type) {
	case Started:
		s = fmt.Sprintf("opened %q at severity %s with runbook %s %s", p.Title, p.Severity, p.Runbook.ID, p.Runbook.Version)
	case Acknowledged:
		s = "acknowledged"
	case StepMarkedDone:
		s = "done: " + p.Step
		if p.Note != "" {
			s += " — " + p.Note
		}
	case StepMarkedSkipped:
		s = "skipped: " + p.Step + " — " + p.Reason
	case StepUndone:
		s = "undone: " + p.Step
		if p.Reason != "" {
			s += " — " + p.Reason
		}
	case Note:
		s = "note: " + p.Text
		if p.Step != "" {
			s = "note on step " + p.Step + ": " + p.Text // or a step note reads as one about the incident
		}
	case Escalation:
		s = "escalated to " + p.To + " — " + p.Reason
	case Notice:
		s = "notified " + p.Audience
		if p.Channel != "" {
			s += " by " + p.Channel
		}
		s += ": " + p.Message
	case SeverityChange:
		s = "severity " + p.From + " → " + p.To + " — " + p.Reason
	case RoleAssignment:
		s = p.Role + ": " + p.To
	case FollowUp:
		s = fmt.Sprintf("follow-up %s for %s due %s: %s", p.ID, p.Owner, p.Due.Format("2006-01-02"), p.Text)
	case FollowUpDone:
		s = "follow-up " + p.ID + " done"
	case Attached:
		s = fmt.Sprintf("attached %s (%d bytes, sha256 %s)", p.Path, p.Size, short(p.SHA256))
		if p.Kind == journal.KindSymlink {
			s = fmt.Sprintf("attached symlink %s -> %s (not followed)", p.Path, p.Link)
		}
		if st := p.Step(); st != "" {
			s += " to step " + st
		}
		if d := p.Description(); d != "" {
			s += ": " + d
		}
	case CheckRun:
		s = fmt.Sprintf("check %s: %s — %s", p.Check, p.Status, p.Summary)
	case Closed:
		s = "closed"
		if p.Forced {
			s += " (forced: " + p.Reason + ")"
		}
	case Recovered:
		s = fmt.Sprintf("recovered a torn write: %d bytes kept in %s", p.Bytes, p.File)
	case Impact:
		s = describeImpact(p)
	case DrillStarted:
		s = fmt.Sprintf("drill of scenario %s %s started at %gx, seed %d", p.Scenario, p.Version, p.Speed, p.Seed)
	case InjectDelivered:
		s = fmt.Sprintf("inject %s: %s from %s: %s", p.Inject, strings.ToUpper(p.Channel), p.From, p.Title)
		if p.Reason == "trigger" {
			s += " (triggered by the facilitator)"
		}
	case AdHocInject:
		s = fmt.Sprintf("ad-hoc inject %s: %s from %s: %s", p.ID, strings.ToUpper(p.Channel), p.From, p.Title)
	case DecisionTaken:
		s = fmt.Sprintf("decision on %s: %s (%s)", p.Inject, p.Label, p.By)
	case ExpectationVerdict:
		s = fmt.Sprintf("expectation %s/%s %s: %s", p.Inject, p.Expectation, strings.ToUpper(p.Verdict), p.Text)
	case DrillPaused:
		s = "drill paused at " + drillAt(p.Drill)
	case DrillResumed:
		s = "drill resumed at " + drillAt(p.Drill)
	case DrillSpeed:
		s = fmt.Sprintf("drill speed %gx → %gx at %s", p.From, p.Speed, drillAt(p.Drill))
	case DrillSkip:
		s = fmt.Sprintf("drill clock skipped from %s to %s (inject %s)", drillAt(p.Drill), drillAt(p.To), p.Inject)
	case DrillStop:
		s = "drill stopped by the facilitator at " + drillAt(p.Drill)
	case DrillEnded:
		s = fmt.Sprintf("drill ended at %s (%s): %d of %d points", drillAt(p.Drill), p.Reason, p.Score.Points, p.Score.Max)
	case DrillFinalised:
		s = fmt.Sprintf("drill improvement plan finalised: %d follow-up(s)", len(p.Items))
	case Unknown:
		s = p.Type + " " + string(p.Data)
	case DrillObservation, DrillRating, DrillHotWash, DrillDiscussion:
		s, _ = describeEvaluation(p)
	case DrillDelivery:
		s = p.describe()
	default:
		s = p.EventType()
	}
	return s
}

func drillAt(ns int64) string { return "T+" + runbook.FormatDuration(time.Duration(ns)) }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
