// Package runbook holds muster's runbooks: the model, the TOML format (schema 1) with a
// lint that reports every problem at once as file:line:col, semantic versions and
// content digests, the diff between two versions, the embedded library merged with
// the user's own directory, and the severity policies and business-hours calendar
// the SLA clock runs on. It imports nothing of muster's but its own sub-packages.
package runbook

import (
	"slices"
	"time"
)

// SchemaVersion is the runbook format version this muster reads and writes.
const SchemaVersion = 1

// PhaseName is one of the fixed incident phases.
type PhaseName string

// The phases of an incident, in the order a runbook lists and a responder works them.
const (
	Detect      PhaseName = "detect"
	Triage      PhaseName = "triage"
	Contain     PhaseName = "contain"
	Investigate PhaseName = "investigate"
	Eradicate   PhaseName = "eradicate"
	Recover     PhaseName = "recover"
	Review      PhaseName = "review"
)

// PhaseOrder is every phase in working order.
var PhaseOrder = []PhaseName{Detect, Triage, Contain, Investigate, Eradicate, Recover, Review}

// Valid reports whether p is one of PhaseOrder.
func (p PhaseName) Valid() bool { return slices.Contains(PhaseOrder, p) }

// Index is p's position in PhaseOrder, or -1.
func (p PhaseName) Index() int { return slices.Index(PhaseOrder, p) }

// Checks are the built-in automatic checks a step may name with `check`.
var Checks = []string{"rds-backup", "restore-test"}

// CheckDescriptions says in one line what each of Checks does.
var CheckDescriptions = map[string]string{
	"rds-backup":   "newest RDS restore point younger than the service's RPO, retention covering 30 days (muster backup check)",
	"restore-test": "restore the service's database for real, query it, measure RTO and data age, delete the copy (muster backup restore-test)",
}

// Runbook is one loaded, linted and cleaned runbook. It is immutable once loaded:
// callers share it and must not change it.
type Runbook struct {
	Schema        int
	ID            string
	Title         string
	Summary       string
	Owner         string
	Version       Version
	Severities    []string
	Tags          []string
	Phases        []Phase // in PhaseOrder, only those present
	Communication []CommRule
	Digest        string // hex SHA-256 of Raw
	Source        string // "embedded" or the file path
	Raw           []byte // the file bytes, to freeze a copy into an incident

	stepIndex map[string][2]int // step id → phase and step index; filled by Parse
}

// SourceEmbedded is the Source of a runbook from muster's built-in library.
const SourceEmbedded = "embedded"

// Phase is one phase of a runbook with its steps in order.
type Phase struct {
	Name  PhaseName
	Goal  string
	Steps []Step
}

// Step is one thing a responder does.
type Step struct {
	ID       string
	Title    string
	Body     string // Markdown
	Role     string // who does it: incident commander, communications lead, ...
	Evidence []string
	Commands []string // snippets to copy; muster never runs them
	Timebox  time.Duration
	Optional bool
	When     []string // severities the step is for; empty means all
	Check    string   // one of Checks, or empty
	Service  string   // for Check "rds-backup" and "restore-test": the backup policy service
	// DoneBy is DoneByStart for a step that starting the incident does (the runbook
	// says to run `muster incident start`): the start marks it done, nobody has to.
	DoneBy string
	Phase  PhaseName
}

// DoneByStart is the one value of a step's done_by: `muster incident start` (or the
// TUI's start, or a drill's) does the step.
const DoneByStart = "start"

// DoneByStart reports whether starting the incident does the step.
func (s Step) DoneByStart() bool { return s.DoneBy == DoneByStart }

// AppliesTo reports whether the step is part of an incident of this severity.
func (s Step) AppliesTo(severity string) bool {
	return len(s.When) == 0 || slices.Contains(s.When, severity)
}

// CommRule says who is notified once a phase is done, for which severities, and how
// often updates follow until the incident is resolved.
type CommRule struct {
	Audience    string
	After       PhaseName
	Severities  []string // filled with the runbook's severities when the file omits them
	Channel     string
	UpdateEvery time.Duration // 0: no recurring updates
	Template    string        // Markdown of the first notice, may be empty
}

// AppliesTo reports whether the rule is in force for an incident of this severity.
func (c CommRule) AppliesTo(severity string) bool {
	return slices.Contains(c.Severities, severity)
}

// Step returns the step with this id.
func (r *Runbook) Step(id string) (Step, bool) {
	// Folding a long journal asks for a step per event: the index keeps that O(1).
	if at, ok := r.stepIndex[id]; ok && at[0] < len(r.Phases) && at[1] < len(r.Phases[at[0]].Steps) {
		if st := r.Phases[at[0]].Steps[at[1]]; st.ID == id {
			return st, true
		}
	}
	for _, p := range r.Phases {
		for _, s := range p.Steps {
			if s.ID == id {
				return s, true
			}
		}
	}
	return Step{}, false
}

// Steps returns every step in working order.
func (r *Runbook) Steps() []Step {
	n := 0
	for _, p := range r.Phases {
		n += len(p.Steps)
	}
	out := make([]Step, 0, n)
	for _, p := range r.Phases {
		out = append(out, p.Steps...)
	}
	return out
}

// Phase returns the phase of this name, if the runbook has it.
func (r *Runbook) Phase(name PhaseName) (Phase, bool) {
	for _, p := range r.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// AppliesTo reports whether the runbook is written for this severity.
func (r *Runbook) AppliesTo(severity string) bool {
	return slices.Contains(r.Severities, severity)
}
