package scenarios

import (
	"embed"

	"github.com/muster-ir/muster/runbook"
)

//go:embed library/*.toml
var libraryFS embed.FS

// EmbeddedDir is how problems in embedded scenarios name their file: the path in
// muster's source tree.
const EmbeddedDir = "scenarios/library"

// SourceEmbedded is the Source of a scenario from muster's built-in library.
const SourceEmbedded = "embedded"

// Library is the set of scenarios a trainer can run: muster's embedded ones merged with
// the user's directory, where a scenario with the same id wins.
type Library = runbook.Shelf[*Scenario]

// embeddedRunbooks checks embedded scenarios against muster's own runbooks, whatever
// the user's directory overrides: they are written for those.
type embeddedRunbooks struct{ Runbooks }

func (e embeddedRunbooks) Get(id string) (*runbook.Runbook, bool) {
	if l, ok := e.Runbooks.(interface {
		Embedded(string) (*runbook.Runbook, bool)
	}); ok {
		return l.Embedded(id)
	}
	return e.Runbooks.Get(id)
}

// LoadLibrary loads the embedded scenarios and every *.toml file of userDir (not its
// subdirectories; hidden files skipped). A missing userDir is not a problem. A file
// with problems is reported and left out. Embedded scenarios are checked against the
// embedded runbooks and the default policy, user files against env.
func LoadLibrary(userDir string, env Env) (*Library, Problems) {
	var problems Problems
	entries, err := libraryFS.ReadDir("library")
	if err != nil {
		return emptyLibrary(), Problems{{File: EmbeddedDir, Msg: err.Error()}}
	}
	var embedded []*Scenario
	embEnv := Env{Runbooks: embeddedRunbooks{env.Runbooks}, Policy: runbook.DefaultPolicy()}
	for _, e := range entries {
		name := EmbeddedDir + "/" + e.Name()
		data, err := libraryFS.ReadFile("library/" + e.Name())
		if err != nil {
			problems = append(problems, Problem{File: name, Msg: err.Error()})
			continue
		}
		sc, ps := Parse(name, data, embEnv)
		problems = append(problems, ps...)
		if sc != nil {
			sc.Source = SourceEmbedded
			embedded = append(embedded, sc)
		}
	}
	user, ups := loadDir(userDir, env)
	l, dups := runbook.NewShelf("scenario", scenarioID, scenarioSource, embedded, user)
	return l, append(append(problems, ups...), dups...)
}

func scenarioID(s *Scenario) string     { return s.ID }
func scenarioSource(s *Scenario) string { return s.Source }

func emptyLibrary() *Library {
	l, _ := runbook.NewShelf("scenario", scenarioID, scenarioSource, nil, nil)
	return l
}

// loadDir loads the scenario files of a user directory in file name order.
func loadDir(dir string, env Env) ([]*Scenario, Problems) {
	paths, problems := runbook.ShelfFiles("scenario", dir)
	var out []*Scenario
	for _, path := range paths {
		sc, ps := LoadFile(path, env)
		problems = append(problems, ps...)
		if sc != nil {
			out = append(out, sc)
		}
	}
	return out, problems
}
