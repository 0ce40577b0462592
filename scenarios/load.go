package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// MaxFileSize bounds a scenario file; a larger file is a mistake, not a scenario.
const MaxFileSize = 8 << 20

// Problem and Problems are tomldoc's: file:line:col: message.
type (
	Problem  = tomldoc.Problem
	Problems = tomldoc.Problems
)

// Runbooks finds the runbook a scenario is played with; *runbook.Library is one.
type Runbooks interface {
	Get(id string) (*runbook.Runbook, bool)
}

// Env is what a scenario is checked against: the runbooks (step ids, phases,
// severities) and the severity policy (levels).
type Env struct {
	Runbooks Runbooks
	Policy   *runbook.Policy // nil means runbook.DefaultPolicy()
}

func (e Env) policy() *runbook.Policy {
	if e.Policy == nil {
		return runbook.DefaultPolicy()
	}
	return e.Policy
}

// OneRunbook is a Runbooks holding a single runbook: the one frozen into a drill.
type OneRunbook struct{ R *runbook.Runbook }

// Get returns the runbook when the id is its id.
func (o OneRunbook) Get(id string) (*runbook.Runbook, bool) {
	if o.R != nil && o.R.ID == id {
		return o.R, true
	}
	return nil, false
}

// fileScenario is the TOML shape of a scenario (schema 1). The JSON Schema in
// schema/scenario.schema.json mirrors these tags; a test keeps them in sync.
type fileScenario struct {
	Schema          int              `toml:"schema,required"`
	ID              string           `toml:"id,required"`
	Version         runbook.Version  `toml:"version,required"`
	Title           string           `toml:"title,required"`
	Summary         string           `toml:"summary,required"`
	ExerciseType    string           `toml:"exercise_type"`
	Threat          string           `toml:"threat"`
	MissionAreas    []string         `toml:"mission_areas"`
	Tags            []string         `toml:"tags"`
	Authors         []string         `toml:"authors"`
	Severity        string           `toml:"severity,required"`
	PlannedDuration runbook.Duration `toml:"planned_duration,required"`
	StoryStart      time.Time        `toml:"story_start,required"`
	ContainWithin   runbook.Duration `toml:"contain_within"`
	Runbook         fileRunbookRef   `toml:"runbook,required"`
	Exercise        *fileExercise    `toml:"exercise"`
	HotWash         []string         `toml:"hot_wash"`
	Source          *fileSource      `toml:"source"`
	Roles           []fileRole       `toml:"roles"`
	Objectives      []fileObjective  `toml:"objectives,required"`
	Modules         []fileModule     `toml:"modules"`
	Injects         []fileInject     `toml:"injects,required"`
	Pools           []filePool       `toml:"pools"`
}

type fileRunbookRef struct {
	ID      string       `toml:"id,required"`
	Version VersionRange `toml:"version,required"`
}

type fileSource struct {
	Kind     string            `toml:"kind,required"`
	Incident string            `toml:"incident"`
	Redacted bool              `toml:"redacted"`
	Timeline []fileOriginEntry `toml:"timeline"`
}

type fileOriginEntry struct {
	At   Offset `toml:"at,required"`
	What string `toml:"what,required"`
}

type fileExercise struct {
	Sponsor       string   `toml:"sponsor"`
	Organisations []string `toml:"organisations"`
	Contact       string   `toml:"point_of_contact"`
	Handling      string   `toml:"handling"`
}

type fileTask struct {
	ID   string `toml:"id,required"`
	Text string `toml:"text,required"`
}

type fileRole struct {
	ID      string       `toml:"id,required"`
	Name    string       `toml:"name,required"`
	Kind    string       `toml:"kind"`
	Webhook *fileWebhook `toml:"webhook"`
}

type fileWebhook struct {
	URL    string `toml:"url"`
	Env    string `toml:"env"`
	Format string `toml:"format"`
}

type fileObjective struct {
	ID         string     `toml:"id,required"`
	Text       string     `toml:"text,required"`
	Capability string     `toml:"capability,required"`
	Targets    []string   `toml:"targets"`
	Tasks      []fileTask `toml:"tasks"`
}

type fileModule struct {
	ID        string   `toml:"id,required"`
	Title     string   `toml:"title,required"`
	Phase     string   `toml:"phase"`
	Questions []string `toml:"questions"`
}

type fileInject struct {
	ID           string            `toml:"id,required"`
	Module       string            `toml:"module"`
	At           Offset            `toml:"at"`
	After        *fileAfter        `toml:"after"`
	From         string            `toml:"from,required"`
	To           []string          `toml:"to"`
	Channel      string            `toml:"channel,required"`
	Title        string            `toml:"title,required"`
	Body         string            `toml:"body"`
	Notes        string            `toml:"facilitator_notes"`
	Decision     *fileDecision     `toml:"decision"`
	Expectations []fileExpectation `toml:"expectations"`
}

type fileAfter struct {
	Inject string `toml:"inject"`
	Step   string `toml:"step"`
	Phase  string `toml:"phase"`
	Delay  Offset `toml:"delay"`
}

type fileDecision struct {
	Prompt  string           `toml:"prompt,required"`
	Role    string           `toml:"role"`
	Timeout runbook.Duration `toml:"timeout"`
	Default string           `toml:"default"`
	// default_scores: the default taken on timeout earns its option's points.
	DefaultScores bool         `toml:"default_scores"`
	Options       []fileOption `toml:"options,required"`
}

type fileOption struct {
	ID        string `toml:"id,required"`
	Label     string `toml:"label,required"`
	Goto      string `toml:"goto"`
	Delay     Offset `toml:"delay"`
	Points    int    `toml:"points"`
	Rationale string `toml:"rationale"`
}

type fileExpectation struct {
	ID        string           `toml:"id,required"`
	Kind      string           `toml:"kind,required"`
	Text      string           `toml:"text"`
	Objective string           `toml:"objective"`
	Task      string           `toml:"task"`
	Step      string           `toml:"step"`
	To        string           `toml:"to"`
	Audience  string           `toml:"audience"`
	Level     string           `toml:"level"`
	Check     string           `toml:"check"`
	Match     string           `toml:"match"`
	Within    runbook.Duration `toml:"within"`
	Points    int              `toml:"points"`
	Remedy    string           `toml:"remedy"`
	Owner     string           `toml:"owner"`
	Element   string           `toml:"element"`
}

type filePool struct {
	ID      string   `toml:"id,required"`
	Members []string `toml:"members,required"`
	Weights []int    `toml:"weights"`
}

// Parse decodes, lints and cleans one scenario file against env. It returns the
// scenario, or nil and every problem found, each with file:line:col. Parse never panics.
func Parse(file string, data []byte, env Env) (*Scenario, Problems) {
	var f fileScenario
	doc, problems := tomldoc.Decode(file, data, &f)
	if isSyntaxOnly(problems) || isDecodePanic(problems) {
		return nil, problems
	}
	problems = append(problems, lint(doc, &f, env, problems)...)
	if len(problems) > 0 {
		problems.Sort()
		return nil, problems
	}
	s := build(&f)
	s.Raw = bytes.Clone(data)
	s.Digest = digest(data)
	s.Source = file
	return s, nil
}

// Lint reports every problem of a scenario file; it is Parse without the result.
func Lint(file string, data []byte, env Env) Problems {
	_, ps := Parse(file, data, env)
	return ps
}

// LoadFile reads and parses a scenario file. A file that cannot be read is reported
// as a problem of that file.
func LoadFile(path string, env Env) (*Scenario, Problems) {
	data, err := tomldoc.ReadFile(path, "scenario", MaxFileSize)
	if err != nil {
		pr := Problem{File: path, Msg: err.Error()}
		pr.Line, pr.Col = oversizeAt(path)
		return nil, Problems{pr}
	}
	return Parse(path, data, env)
}

// oversizeAt is the line and column of the first byte past MaxFileSize in an
// over-size file (0, 0 for any other file): where the author sees it grow too big.
func oversizeAt(path string) (line, col int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil || len(data) <= MaxFileSize {
		return 0, 0
	}
	data = data[:MaxFileSize]
	line = bytes.Count(data, []byte("\n")) + 1
	col = len(data) - (bytes.LastIndexByte(data, '\n') + 1) + 1
	return line, col
}

func isSyntaxOnly(ps Problems) bool {
	return len(ps) == 1 && strings.HasPrefix(ps[0].Msg, "TOML syntax")
}

func isDecodePanic(ps Problems) bool {
	return len(ps) > 0 && strings.HasPrefix(ps[len(ps)-1].Msg, "cannot decode:")
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// build turns a linted file into the model, cleaning every text where it enters:
// single-line fields with untrusted.Line, Markdown with untrusted.Clean.
func build(f *fileScenario) *Scenario {
	s := &Scenario{
		Schema:          f.Schema,
		ID:              untrusted.Line(f.ID),
		Version:         f.Version,
		Title:           untrusted.Field(f.Title),
		Summary:         untrusted.Block(f.Summary),
		ExerciseType:    orDefault(untrusted.Field(f.ExerciseType), "tabletop"),
		Threat:          untrusted.Field(f.Threat),
		MissionAreas:    untrusted.Fields(f.MissionAreas),
		Tags:            untrusted.Fields(f.Tags),
		Authors:         untrusted.Fields(f.Authors),
		Severity:        untrusted.Field(f.Severity),
		PlannedDuration: time.Duration(f.PlannedDuration),
		StoryStart:      f.StoryStart,
		ContainWithin:   time.Duration(f.ContainWithin),
		Runbook:         RunbookRef{ID: untrusted.Field(f.Runbook.ID), Version: f.Runbook.Version},
		injectIndex:     make(map[string]int, len(f.Injects)),
	}
	s.Version.Pre, s.Version.Build = untrusted.Line(s.Version.Pre), untrusted.Line(s.Version.Build)
	s.Runbook.Version.text = untrusted.Line(s.Runbook.Version.text)
	if f.Source != nil {
		o := &Origin{Kind: untrusted.Field(f.Source.Kind), Incident: untrusted.Field(f.Source.Incident), Redacted: f.Source.Redacted}
		for _, e := range f.Source.Timeline {
			o.Timeline = append(o.Timeline, OriginEntry{At: e.At.D, What: untrusted.Field(e.What)})
		}
		s.Origin = o
	}
	for _, r := range f.Roles {
		role := Role{ID: untrusted.Field(r.ID), Name: untrusted.Field(r.Name), Kind: orDefault(untrusted.Field(r.Kind), "player")}
		if w := r.Webhook; w != nil {
			role.Webhook = &Webhook{URL: w.URL, Env: w.Env, Format: orDefault(w.Format, WebhookSlack)}
		}
		s.Roles = append(s.Roles, role)
	}
	for _, o := range f.Objectives {
		obj := Objective{ID: untrusted.Field(o.ID), Text: untrusted.Field(o.Text), Capability: untrusted.Field(o.Capability), Targets: untrusted.Fields(o.Targets)}
		for _, t := range o.Tasks {
			obj.Tasks = append(obj.Tasks, Task{ID: untrusted.Field(t.ID), Text: untrusted.Field(t.Text)})
		}
		s.Objectives = append(s.Objectives, obj)
	}
	if x := f.Exercise; x != nil {
		s.Exercise = Exercise{Sponsor: untrusted.Field(x.Sponsor), Organisations: untrusted.Fields(x.Organisations), Contact: untrusted.Field(x.Contact), Handling: untrusted.Field(x.Handling)}
	}
	s.HotWash = untrusted.Fields(f.HotWash)
	for _, m := range f.Modules {
		s.Modules = append(s.Modules, Module{ID: untrusted.Field(m.ID), Title: untrusted.Field(m.Title), Phase: runbook.PhaseName(untrusted.Field(m.Phase)), Questions: untrusted.Fields(m.Questions)})
	}
	pools := map[string]string{}
	for _, p := range f.Pools {
		pool := Pool{ID: untrusted.Field(p.ID), Members: untrusted.Fields(p.Members)}
		if len(p.Weights) > 0 {
			pool.Weights = append([]int(nil), p.Weights...)
		}
		for _, m := range pool.Members {
			pools[m] = pool.ID
		}
		s.Pools = append(s.Pools, pool)
	}
	s.Injects = make([]Inject, 0, len(f.Injects))
	for _, fi := range f.Injects {
		in := Inject{
			ID: untrusted.Field(fi.ID), Module: untrusted.Field(fi.Module), From: untrusted.Field(fi.From), To: untrusted.Fields(fi.To), Channel: untrusted.Field(fi.Channel),
			Title: untrusted.Field(fi.Title), Body: untrusted.Block(fi.Body), Notes: untrusted.Block(fi.Notes),
			Timed: fi.At.Set, At: fi.At.D,
		}
		in.Pool = pools[in.ID]
		if fi.After != nil {
			in.After = &After{Inject: untrusted.Field(fi.After.Inject), Step: untrusted.Field(fi.After.Step), Phase: runbook.PhaseName(untrusted.Field(fi.After.Phase)), Delay: fi.After.Delay.D}
		}
		if fd := fi.Decision; fd != nil {
			d := &Decision{Prompt: untrusted.Field(fd.Prompt), Role: untrusted.Field(fd.Role), Timeout: time.Duration(fd.Timeout), Default: untrusted.Field(fd.Default), DefaultScores: fd.DefaultScores}
			for _, o := range fd.Options {
				d.Options = append(d.Options, Option{ID: untrusted.Field(o.ID), Label: untrusted.Field(o.Label), Goto: untrusted.Field(o.Goto), Delay: o.Delay.D, Points: o.Points, Rationale: untrusted.Field(o.Rationale)})
			}
			in.Decision = d
		}
		for _, fe := range fi.Expectations {
			e := Expectation{
				ID: untrusted.Field(fe.ID), Kind: untrusted.Field(fe.Kind), Text: untrusted.Field(fe.Text), Objective: untrusted.Field(fe.Objective), Task: untrusted.Field(fe.Task),
				Step: untrusted.Field(fe.Step), To: untrusted.Field(fe.To), Audience: untrusted.Field(fe.Audience), Level: untrusted.Field(fe.Level),
				Check: untrusted.Field(fe.Check), Match: untrusted.Field(fe.Match), Within: time.Duration(fe.Within), Points: fe.Points,
				Remedy: untrusted.Field(fe.Remedy), Owner: untrusted.Field(fe.Owner), Element: orDefault(untrusted.Field(fe.Element), defaultElement(fe.Kind)),
			}
			if e.Kind == ExpectBackupCheck && e.Check == "" {
				e.Check = "rds-backup"
			}
			if e.Points == 0 {
				e.Points = DefaultPoints
			}
			if e.Text == "" {
				e.Text = e.DefaultText()
			}
			in.Expects = append(in.Expects, e)
		}
		s.injectIndex[in.ID] = len(s.Injects)
		s.Injects = append(s.Injects, in)
	}
	s.indexGotos()
	return s
}

// defaultElement is the POETE element a corrective action of this kind most often
// improves, when the author names none: a missing contact or template is planning,
// a check that cannot run is equipment, a step the team was slow at is training.
func defaultElement(kind string) string {
	switch kind {
	case ExpectEscalation, ExpectNotify, ExpectSeverity:
		return "planning"
	case ExpectBackupCheck:
		return "equipment"
	}
	return "training"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
