// Package incident is an incident: a runbook, a severity policy and a journal. Every
// command validates against the current State and then appends one event; the State
// is a pure fold over the journal's events, so a crash loses nothing that was shown
// as saved and a resume rebuilds exactly what was on screen.
//
// Event types and their payloads are listed in this file; they are the vocabulary of
// the journal that the TUI, the reports and the drill scorer all read.
package incident

import (
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

// StepEvent is the payload of step.done, step.skipped and step.undone.
type StepEvent struct {
	Step   string `json:"step"`
	Note   string `json:"note,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Note is a free-text note of the responder.
type Note struct {
	Text string `json:"text"`
	Step string `json:"step,omitempty"` // the step selected when it was written
}

// Escalation is the payload of escalated: to whom and why (policy 1E: every
// escalation is logged with timestamp and reason).
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
