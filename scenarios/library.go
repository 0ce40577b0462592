package scenarios

import (
	"embed"
	"errors"
	"github.com/muster-ir/muster/runbook/tomldoc"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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

func loadDir(dir string, env Env) ([]*Scenario, Problems) {
	if dir == "" {
		return nil, nil
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err == nil && !st.IsDir():
		return nil, Problems{{File: dir, Msg: "scenario directory is a file, not a directory"}}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, Problems{{File: dir, Msg: "cannot read scenario directory: " + tomldoc.ReadError(err)}}
	}
	var out []*Scenario
	var problems Problems
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".toml") || strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		sc, ps := LoadFile(filepath.Join(dir, name), env)
		problems = append(problems, ps...)
		if sc != nil {
			out = append(out, sc)
		}
	}
	return out, problems
}
