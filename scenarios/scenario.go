package scenarios

import (
	"slices"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// SchemaVersion is the scenario format version this muster reads and writes.
const SchemaVersion = 1

// Channels are how an inject reaches the players.
var Channels = []string{"alert", "email", "phone", "chat", "ticket", "news"}

// Expectation kinds: what the team should do, each judged from the drill incident's
// journal.
const (
	ExpectStep        = "step"         // a runbook step marked done
	ExpectEvidence    = "evidence"     // a note or an attachment recorded
	ExpectEscalation  = "escalation"   // an escalation (to a role)
	ExpectNotify      = "notify"       // a customer or stakeholder notice recorded
	ExpectSeverity    = "severity"     // the severity set to a level
	ExpectBackupCheck = "backup-check" // a built-in check (rds-backup) run and logged
)

// ExpectKinds lists the expectation kinds in the order the format documents them.
var ExpectKinds = []string{ExpectStep, ExpectEvidence, ExpectEscalation, ExpectNotify, ExpectSeverity, ExpectBackupCheck}

// RoleKinds are the HSEEP participant types a role may have.
var RoleKinds = []string{"player", "facilitator", "evaluator", "observer", "simcell"}

// ExerciseTypes are the HSEEP / NIST SP 800-84 exercise types.
var ExerciseTypes = []string{"tabletop", "functional", "drill"}

// MissionAreas are the HSEEP mission areas.
var MissionAreas = []string{"prevention", "protection", "mitigation", "response", "recovery"}

// Elements are the HSEEP capability elements a corrective action improves (POETE).
var Elements = []string{"planning", "organization", "equipment", "training", "exercise"}

// SourceKinds say where a scenario came from.
var SourceKinds = []string{"fictional", "recorded"}

// DefaultPoints is what an expectation is worth when the file does not say.
const DefaultPoints = 10

// Scenario is one loaded and linted tabletop scenario. It is immutable once loaded.
type Scenario struct {
	Schema          int
	ID              string
	Version         runbook.Version
	Title           string
	Summary         string // Markdown
	ExerciseType    string
	Threat          string
	MissionAreas    []string
	Tags            []string
	Authors         []string
	Severity        string // the drill incident's starting severity
	PlannedDuration time.Duration
	StoryStart      time.Time     // the in-game clock at the start of the drill
	ContainWithin   time.Duration // target for containment (an RTO), 0 when none
	Runbook         RunbookRef
	Origin          *Origin // set for a scenario recorded from a real incident
	Exercise        Exercise
	HotWash         []string // the hot wash questions asked of every participant at the end
	Roles           []Role
	Objectives      []Objective
	Modules         []Module
	Injects         []Inject
	Pools           []Pool

	Digest string // hex SHA-256 of Raw
	Source string // "embedded" or the file path
	Raw    []byte

	injectIndex map[string]int
	gotoFrom    map[string][]gotoSource
}

// RunbookRef is the runbook a scenario is played with: an id and a version range.
type RunbookRef struct {
	ID      string
	Version VersionRange
}

// Origin records the real incident a scenario was made from and its timeline, shown
// beside the team's in the after-action report.
type Origin struct {
	Kind     string // fictional or recorded
	Incident string
	Redacted bool
	Timeline []OriginEntry
}

// OriginEntry is one line of the original incident's timeline.
type OriginEntry struct {
	At   time.Duration // since the original incident opened
	What string
}

// Exercise is the AAR's exercise overview facts the scenario carries.
type Exercise struct {
	Sponsor       string   `json:"sponsor,omitempty"`
	Organisations []string `json:"participating_organisations,omitempty"`
	Contact       string   `json:"point_of_contact,omitempty"`
	Handling      string   `json:"handling,omitempty"` // the marking every page of the report carries
}

// Role is a participant role of the exercise.
type Role struct {
	ID, Name, Kind string
	Webhook        *Webhook // where the role's injects are posted (chat), if anywhere
}

// Webhook formats: the body a role's webhook receives.
const (
	WebhookSlack = "slack" // Slack-compatible incoming webhook JSON (text and blocks)
	WebhookJSON  = "json"  // muster's own JSON object, for any receiver
)

// WebhookFormats lists the webhook formats.
var WebhookFormats = []string{WebhookSlack, WebhookJSON}

// Webhook is a role's chat webhook as the scenario gives it: a URL in the file, or
// the name of an environment variable holding it (better for a secret). config.toml
// may give (or override) it per role id.
type Webhook struct {
	URL    string
	Env    string
	Format string
}

// Objective is an exercise objective: what the drill tests, the HSEEP core capability
// it exercises and the capability targets it is rated on.
type Objective struct {
	ID         string
	Text       string
	Capability string
	Targets    []string
	Tasks      []Task // critical tasks (the Exercise Evaluation Guide)
}

// Task is a critical task of an objective: rated from the expectations that name it
// and the evaluators' observations.
type Task struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Task returns the critical task with this id.
func (o *Objective) Task(id string) (Task, bool) {
	for _, t := range o.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return Task{}, false
}

// Module is a block of the situation manual: a title, the runbook phase it plays and
// the discussion questions the facilitator asks while it runs.
type Module struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	Phase     runbook.PhaseName `json:"phase,omitempty"`
	Questions []string          `json:"questions,omitempty"`
}

// Inject is one piece of the story delivered to the players.
type Inject struct {
	ID       string
	Module   string
	From     string
	To       []string // role ids; empty means everyone
	Channel  string
	Title    string
	Body     string // Markdown
	Notes    string // for the facilitator only, never shown to players
	Timed    bool   // fires at At
	At       time.Duration
	After    *After // fires relative to something else
	Decision *Decision
	Expects  []Expectation
	Pool     string // the random pool the inject is a variant of
}

// After is relative timing: an inject fires Delay after another inject fired, a runbook
// step is done or a runbook phase is entered. Exactly one anchor is set.
type After struct {
	Inject string
	Step   string
	Phase  runbook.PhaseName
	Delay  time.Duration
}

// Decision is a choice put to the players when an inject fires. When Timeout of drill
// time passes without an answer, Default is taken.
type Decision struct {
	Prompt  string
	Role    string
	Timeout time.Duration
	Default string
	// DefaultScores: the default taken on timeout earns its option's points. Without
	// it a timeout earns nothing: a team that does nothing does not score.
	DefaultScores bool
	Options       []Option
}

// Option returns the option with this id.
func (d *Decision) Option(id string) (Option, bool) {
	for _, o := range d.Options {
		if o.ID == id {
			return o, true
		}
	}
	return Option{}, false
}

// MaxPoints is the most a decision can earn.
func (d *Decision) MaxPoints() int {
	m := 0
	for _, o := range d.Options {
		m = max(m, o.Points)
	}
	return m
}

// Option is one answer to a decision; Goto names the inject it branches to, which
// fires Delay after the choice.
type Option struct {
	ID        string        `json:"id"`
	Label     string        `json:"label"`
	Goto      string        `json:"goto,omitempty"`
	Delay     time.Duration `json:"delay_ns,omitempty"`
	Points    int           `json:"points"`
	Rationale string        `json:"rationale,omitempty"`
}

// Expectation is what the team should do after an inject, within a deadline of drill
// time counted from the inject, for points, towards an objective.
type Expectation struct {
	ID        string
	Kind      string
	Text      string
	Objective string
	Task      string // the objective's critical task it rates, if any
	Step      string // step: the step; others: the runbook step the expectation concerns
	To        string // escalation: who (matched case-insensitively as part of the target)
	Audience  string // notify: the audience (part of it, case-insensitively); empty: any
	Level     string // severity: the level
	Check     string // backup-check: the check (default rds-backup)
	Match     string // evidence: text the note or file name contains; empty: any
	Within    time.Duration
	Points    int
	Remedy    string // the corrective action when it is late or missed
	Owner     string // who owns the corrective action
	Element   string // POETE capability element of the corrective action
}

// Pool draws one of its member injects per drill, with the drill's seeded generator;
// the others never fire.
type Pool struct {
	ID      string
	Members []string
	Weights []int // same length as Members; nil means equal weights
}

// Inject returns the inject with this id.
func (s *Scenario) Inject(id string) (*Inject, bool) {
	i, ok := s.injectIndex[id]
	if !ok {
		return nil, false
	}
	return &s.Injects[i], true
}

// Module returns the module with this id.
func (s *Scenario) Module(id string) (*Module, bool) {
	for i := range s.Modules {
		if s.Modules[i].ID == id {
			return &s.Modules[i], true
		}
	}
	return nil, false
}

// Objective returns the objective with this id.
func (s *Scenario) Objective(id string) (*Objective, bool) {
	for i := range s.Objectives {
		if s.Objectives[i].ID == id {
			return &s.Objectives[i], true
		}
	}
	return nil, false
}

// Role returns the role with this id.
func (s *Scenario) Role(id string) (*Role, bool) {
	for i := range s.Roles {
		if s.Roles[i].ID == id {
			return &s.Roles[i], true
		}
	}
	return nil, false
}

// ExpectationCount is the number of expectations in every inject.
func (s *Scenario) ExpectationCount() int {
	n := 0
	for _, in := range s.Injects {
		n += len(in.Expects)
	}
	return n
}

// gotoSources lists, for an inject that is a branch target, the (inject, option)
// pairs that lead to it.
func (s *Scenario) gotoSources(target string) []gotoSource { return s.gotoFrom[target] }

// indexGotos builds the branch index gotoSources reads.
func (s *Scenario) indexGotos() {
	s.gotoFrom = map[string][]gotoSource{}
	for i := range s.Injects {
		d := s.Injects[i].Decision
		if d == nil {
			continue
		}
		for _, o := range d.Options {
			if o.Goto != "" {
				s.gotoFrom[o.Goto] = append(s.gotoFrom[o.Goto], gotoSource{inject: s.Injects[i].ID, option: o.ID, delay: o.Delay})
			}
		}
	}
}

type gotoSource struct {
	inject, option string
	delay          time.Duration
}

// DescribeTiming says when an inject fires, in the author's terms.
func (in *Inject) DescribeTiming() string {
	switch {
	case in.Timed:
		return "at " + formatOffset(in.At)
	case in.After != nil:
		a := in.After
		var anchor string
		switch {
		case a.Inject != "":
			anchor = "inject " + a.Inject + " fired"
		case a.Step != "":
			anchor = "step " + a.Step + " done"
		default:
			anchor = "phase " + string(a.Phase) + " entered"
		}
		if a.Delay == 0 {
			return "when " + anchor
		}
		return formatOffset(a.Delay) + " after " + anchor
	}
	return "when a decision branches to it"
}

// DefaultText is how an expectation reads when the file gives no text.
func (e Expectation) DefaultText() string {
	switch e.Kind {
	case ExpectStep:
		return "Runbook step " + e.Step + " done"
	case ExpectEvidence:
		if e.Match != "" {
			return "Evidence recorded (a note or file mentioning " + e.Match + ")"
		}
		return "Evidence recorded (a note or an attached file)"
	case ExpectEscalation:
		if e.To == "" {
			return "Escalated"
		}
		return "Escalated to " + e.To
	case ExpectNotify:
		if e.Audience == "" {
			return "A notice sent"
		}
		return "Notice sent to " + e.Audience
	case ExpectSeverity:
		return "Severity set to " + e.Level
	case ExpectBackupCheck:
		return "Backup check " + e.Check + " run and logged"
	}
	return e.Kind
}

func inList(list []string, v string) bool { return slices.Contains(list, v) }
