// Package incident is an incident: a runbook, a severity policy and a journal. Every
// command validates against the current State and then appends one event; the State
// is a pure fold over the journal's events, so a crash loses nothing that was shown
// as saved and a resume rebuilds exactly what was on screen.
//
// Event types and their payloads are listed in this file (a drill's records in
// drill_events.go); they are the vocabulary of the journal that the TUI, the reports
// and the drill scorer all read, each through Decode (payload.go).
package incident

import (
	"fmt"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// Event types. A type is never renamed once written: journals outlive releases.
const (
	EvStarted      = "started"
	EvAcknowledged = "acknowledged"
	EvStepDone     = "step.done"
	EvStepSkipped  = "step.skipped"
	EvStepUndone   = "step.undone"
	EvNote         = "note"
	EvAttached     = journal.TypeAttached

	EvEscalated       = "escalated"
	EvNotified        = "notified"
	EvSeverityChanged = "severity.changed"
	EvRoleAssigned    = "role.assigned"
	EvFollowUpAdded   = "followup.added"
	EvFollowUpDone    = "followup.done"
	EvCheckRun        = "check.run"
	EvClosed          = "closed"
	EvRecovered       = journal.TypeRecovered // written by the journal after a torn write
)

// RunbookRef names the exact runbook version an incident follows.
type RunbookRef struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
	Source  string `json:"source"`
	File    string `json:"file"` // the frozen copy in the incident directory
}

// PolicyRef names the severity policy an incident's deadlines come from.
type PolicyRef struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
	File   string `json:"file"` // the frozen copy in the incident directory
}

// Started is the payload of the first event.
type Started struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	Severity  string            `json:"severity"`
	Runbook   RunbookRef        `json:"runbook"`
	Policy    PolicyRef         `json:"policy"`
	RespondBy runbook.Deadline  `json:"respond_by"`
	ResolveBy runbook.Deadline  `json:"resolve_by"`
	Drill     bool              `json:"drill,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"` // e.g. scenario id and seed of a drill
}

// Acknowledged is the payload of acknowledged: a responder took the incident.
type Acknowledged struct{}

// StepEvent is the shape of the payloads of step.done, step.skipped and step.undone.
type StepEvent struct {
	Step   string `json:"step"`
	Note   string `json:"note,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// StepMarkedDone is the payload of step.done.
type StepMarkedDone StepEvent

// StepMarkedSkipped is the payload of step.skipped; Reason says why.
type StepMarkedSkipped StepEvent

// StepUndone is the payload of step.undone: the step is to do again.
type StepUndone StepEvent

// Attached is the payload of attached, written by the journal: a file taken into
// evidence. The step it is evidence for and its description ride in the record's meta
// (the journal knows nothing of steps); Step and Description read them, and an
// attachment written before they existed has neither.
type Attached struct{ journal.Attachment }

// Meta keys of an attachment record written by muster.
const (
	AttachStep        = "step"
	AttachDescription = "description"
)

// Step is the runbook step the file is evidence for, "" for the incident as a whole.
func (p Attached) Step() string { return metaString(p.Meta, AttachStep) }

// Description is what the responder said the file is.
func (p Attached) Description() string { return metaString(p.Meta, AttachDescription) }

// metaString reads a string from an attachment's meta; another type reads as "".
func metaString(meta map[string]any, key string) string {
	s, _ := meta[key].(string)
	return s
}

// Recovered is the payload of recovered, written by the journal when it opened after
// a torn write.
type Recovered struct{ journal.Recovery }

// Note is a free-text note of the responder.
type Note struct {
	Text string `json:"text"`
	Step string `json:"step,omitempty"` // the step selected when it was written
}

// Escalation is the payload of escalated: to whom and why (every escalation is
// logged with timestamp and reason; the line's time is the timestamp).
type Escalation struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// Notice is a customer or stakeholder communication that was sent.
type Notice struct {
	Audience string `json:"audience"`
	Channel  string `json:"channel,omitempty"`
	Message  string `json:"message"`
}

// SeverityChange is the payload of severity.changed; deadlines are recomputed from the
// original start.
type SeverityChange struct {
	From      string           `json:"from"`
	To        string           `json:"to"`
	Reason    string           `json:"reason"`
	RespondBy runbook.Deadline `json:"respond_by"`
	ResolveBy runbook.Deadline `json:"resolve_by"`
}

// RoleAssignment is the payload of role.assigned.
type RoleAssignment struct {
	Role string `json:"role"`
	To   string `json:"to"`
}

// FollowUp is the payload of followup.added.
type FollowUp struct {
	ID    string    `json:"id"` // F1, F2, ... in the order they were added
	Owner string    `json:"owner"`
	Due   time.Time `json:"due"`
	Text  string    `json:"text"`
}

// FollowUpDone is the payload of followup.done.
type FollowUpDone struct {
	ID   string `json:"id"`
	Note string `json:"note,omitempty"`
}

// CheckRun is the payload of check.run: a built-in check's result logged as evidence.
type CheckRun struct {
	Step    string `json:"step,omitempty"`
	Check   string `json:"check"`
	Status  string `json:"status"` // pass, warn, fail, error
	Summary string `json:"summary"`
	Report  []byte `json:"report,omitempty"` // the check's full JSON report
}

// Closed is the payload of closed.
type Closed struct {
	Summary string   `json:"summary,omitempty"`
	Forced  bool     `json:"forced,omitempty"`
	Reason  string   `json:"reason,omitempty"` // why a forced close left work open
	Open    []string `json:"open,omitempty"`   // what was open at a forced close
}

func (Started) EventType() string           { return EvStarted }
func (Acknowledged) EventType() string      { return EvAcknowledged }
func (StepMarkedDone) EventType() string    { return EvStepDone }
func (StepMarkedSkipped) EventType() string { return EvStepSkipped }
func (StepUndone) EventType() string        { return EvStepUndone }
func (Note) EventType() string              { return EvNote }
func (Attached) EventType() string          { return EvAttached }
func (Escalation) EventType() string        { return EvEscalated }
func (Notice) EventType() string            { return EvNotified }
func (SeverityChange) EventType() string    { return EvSeverityChanged }
func (RoleAssignment) EventType() string    { return EvRoleAssigned }
func (FollowUp) EventType() string          { return EvFollowUpAdded }
func (FollowUpDone) EventType() string      { return EvFollowUpDone }
func (CheckRun) EventType() string          { return EvCheckRun }
func (Closed) EventType() string            { return EvClosed }
func (Recovered) EventType() string         { return EvRecovered }

// The fields without which an event means nothing: the fold keys on them.

func (p Started) check() error           { return need("id", p.ID, "severity", p.Severity) }
func (p StepMarkedDone) check() error    { return need("step", p.Step) }
func (p StepMarkedSkipped) check() error { return need("step", p.Step) }
func (p StepUndone) check() error        { return need("step", p.Step) }
func (p SeverityChange) check() error    { return need("to", p.To) }
func (p RoleAssignment) check() error    { return need("role", p.Role) }
func (p FollowUp) check() error          { return need("id", p.ID) }
func (p FollowUpDone) check() error      { return need("id", p.ID) }
func (p CheckRun) check() error          { return need("check", p.Check) }
func (p Attached) check() error          { return need("kind", p.Kind) }
func (p Recovered) check() error         { return need("file", p.File) }

// need returns an error naming the first empty field of name, value pairs.
func need(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			return fmt.Errorf("field %q is missing or empty", kv[i])
		}
	}
	return nil
}
