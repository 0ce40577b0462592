package scenarios

import (
	"embed"
	"errors"
	"github.com/muster-ir/muster/runbook/tomldoc"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
type Library struct {
	byID map[string]*Scenario
	ids  []string
}

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
	l := &Library{byID: map[string]*Scenario{}}
	var problems Problems
	entries, err := libraryFS.ReadDir("library")
	if err != nil {
		return l, Problems{{File: EmbeddedDir, Msg: err.Error()}}
	}
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
			l.byID[sc.ID] = sc
		}
	}
	user, ups := loadDir(userDir, env)
	problems = append(problems, ups...)
	for _, sc := range user {
		if prev, ok := l.byID[sc.ID]; ok && prev.Source != SourceEmbedded {
			problems = append(problems, Problem{File: sc.Source, Msg: "scenario id " + sc.ID + " is already defined by " + prev.Source + "; this file is ignored"})
			continue
		}
		l.byID[sc.ID] = sc
	}
	for id := range l.byID {
		l.ids = append(l.ids, id)
	}
	sort.Strings(l.ids)
	return l, problems
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

// List returns every scenario, by id.
func (l *Library) List() []*Scenario {
	out := make([]*Scenario, len(l.ids))
	for i, id := range l.ids {
		out[i] = l.byID[id]
	}
	return out
}

// Get returns the scenario with this id.
func (l *Library) Get(id string) (*Scenario, bool) {
	s, ok := l.byID[id]
	return s, ok
}

// IDs lists the scenario ids.
func (l *Library) IDs() []string { return append([]string(nil), l.ids...) }
