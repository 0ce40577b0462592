package runbook

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// MaxFileSize bounds a runbook file: a runbook is a few pages of text, and a larger
// file is a mistake (a log, a binary) that should not be read into memory whole.
const MaxFileSize = 4 << 20

// fileRunbook is the TOML shape of a runbook (RUNBOOK-FORMAT.md, schema 1). The JSON
// Schema in schema/runbook.schema.json mirrors these tags; a test keeps them in sync.
type fileRunbook struct {
	Schema        int                  `toml:"schema,required"`
	ID            string               `toml:"id,required"`
	Title         string               `toml:"title,required"`
	Version       Version              `toml:"version,required"`
	Summary       string               `toml:"summary,required"`
	Owner         string               `toml:"owner,required"`
	Severities    []string             `toml:"severities,required"`
	Tags          []string             `toml:"tags"`
	Communication []fileComm           `toml:"communication"`
	Phases        map[string]filePhase `toml:"phases,required"` // keys checked against PhaseOrder by the lint
}

type filePhase struct {
	Goal  string     `toml:"goal"`
	Steps []fileStep `toml:"steps"`
}

type fileStep struct {
	ID       string   `toml:"id,required"`
	Title    string   `toml:"title,required"`
	Role     string   `toml:"role,required"`
	Body     string   `toml:"body,required"`
	Evidence []string `toml:"evidence"`
	Commands []string `toml:"commands"`
	Timebox  Duration `toml:"timebox"`
	Optional bool     `toml:"optional"`
	When     []string `toml:"when"`
	Check    string   `toml:"check"`
	Service  string   `toml:"service"`
	DoneBy   string   `toml:"done_by"`
}

type fileComm struct {
	Audience    string   `toml:"audience,required"`
	After       string   `toml:"after,required"`
	Severities  []string `toml:"severities"`
	Channel     string   `toml:"channel,required"`
	UpdateEvery Duration `toml:"update_every"`
	Template    string   `toml:"template"`
}

// Duration is a Go duration written as a TOML string ("15m", "1h30m", "4h"). It must
// be positive.
type Duration time.Duration

// UnmarshalText parses a positive Go duration; the decoder reports its error at the
// key with the file's line and column.
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	v, err := time.ParseDuration(s)
	if err != nil {
		hint := ""
		if strings.HasSuffix(strings.TrimSpace(s), "d") {
			hint = " (no days unit: write 24h for a day)"
		}
		return fmt.Errorf("%q is not a duration like 15m, 1h30m or 4h%s", s, hint)
	}
	if v <= 0 {
		return fmt.Errorf("%q must be a positive duration", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Parse decodes, lints and cleans one runbook file. It returns the runbook, or nil and
// every problem found, each with file:line:col. Text with terminal escapes or control
// characters is not a problem: it is cleaned. A nil pol means DefaultPolicy(). Parse
// never panics.
func Parse(file string, data []byte, pol *Policy) (*Runbook, Problems) {
	if pol == nil {
		pol = DefaultPolicy()
	}
	var f fileRunbook
	doc, problems := tomldoc.Decode(file, data, &f)
	if isSyntaxOnly(problems) || isDecodePanic(problems) {
		return nil, problems
	}
	problems = append(problems, lint(doc, &f, pol, problems)...)
	if len(problems) > 0 {
		problems.Sort()
		return nil, problems
	}
	r := build(&f)
	r.Raw = bytes.Clone(data)
	r.Digest = digest(data)
	r.Source = file
	return r, nil
}

func isDecodePanic(ps Problems) bool {
	return len(ps) > 0 && strings.HasPrefix(ps[len(ps)-1].Msg, "cannot decode:")
}

// LoadFile reads and parses a runbook file. A file that cannot be read is reported as
// a problem of that file, like any other. Source is the path.
func LoadFile(path string, pol *Policy) (*Runbook, Problems) {
	data, err := tomldoc.ReadFile(path, "runbook", MaxFileSize)
	if err != nil {
		return nil, Problems{{File: path, Msg: err.Error()}}
	}
	return Parse(path, data, pol)
}

// build turns a linted file into the model, cleaning every text field where it enters
// (STYLE.md, untrusted text): single-line fields with untrusted.Line, Markdown and
// commands with untrusted.Clean.
func build(f *fileRunbook) *Runbook {
	r := &Runbook{
		Schema:     f.Schema,
		ID:         untrusted.Line(f.ID),
		Title:      untrusted.Field(f.Title),
		Summary:    untrusted.Block(f.Summary),
		Owner:      untrusted.Field(f.Owner),
		Version:    f.Version,
		Severities: untrusted.Fields(f.Severities),
		Tags:       untrusted.Fields(f.Tags),
	}
	r.Version.Pre = untrusted.Line(r.Version.Pre) // already restricted by the parser; keeps the invariant obvious
	r.Version.Build = untrusted.Line(r.Version.Build)
	for _, name := range PhaseOrder {
		fp, ok := f.Phases[string(name)]
		if !ok {
			continue
		}
		p := Phase{Name: name, Goal: untrusted.Field(fp.Goal), Steps: make([]Step, 0, len(fp.Steps))}
		for _, fs := range fp.Steps {
			p.Steps = append(p.Steps, Step{
				ID:       untrusted.Line(fs.ID),
				Title:    untrusted.Field(fs.Title),
				Body:     untrusted.Block(fs.Body),
				Role:     untrusted.Field(fs.Role),
				Evidence: untrusted.Fields(fs.Evidence),
				Commands: untrusted.Blocks(fs.Commands),
				Timebox:  time.Duration(fs.Timebox),
				Optional: fs.Optional,
				When:     untrusted.Fields(fs.When),
				Check:    untrusted.Line(fs.Check),
				Service:  untrusted.Field(fs.Service),
				DoneBy:   untrusted.Line(fs.DoneBy),
				Phase:    name,
			})
		}
		r.Phases = append(r.Phases, p)
	}
	for _, fc := range f.Communication {
		c := CommRule{
			Audience:    untrusted.Field(fc.Audience),
			After:       PhaseName(untrusted.Line(fc.After)),
			Severities:  untrusted.Fields(fc.Severities),
			Channel:     untrusted.Field(fc.Channel),
			UpdateEvery: time.Duration(fc.UpdateEvery),
			Template:    untrusted.Block(fc.Template),
		}
		if c.Severities == nil {
			c.Severities = slices.Clone(r.Severities)
		}
		r.Communication = append(r.Communication, c)
	}
	r.stepIndex = map[string][2]int{}
	for pi, p := range r.Phases {
		for si, st := range p.Steps {
			if _, dup := r.stepIndex[st.ID]; !dup { // the first, as the scan finds it
				r.stepIndex[st.ID] = [2]int{pi, si}
			}
		}
	}
	return r
}
