package runbook

import (
	"embed"
	"runtime"
	"sync"
	"sync/atomic"
)

//go:embed library/*.toml
var libraryFS embed.FS

// EmbeddedDir is how problems in embedded runbooks name their file: the path in
// muster's source tree, where a developer fixes them.
const EmbeddedDir = "runbook/library"

// Library is the set of runbooks a responder can start: muster's embedded ones merged
// with the user's directory, where a runbook with the same id wins. It remembers the
// embedded runbooks it shadows, to compare them with the user's versions.
type Library = Shelf[*Runbook]

// LoadLibrary loads the embedded runbooks and every *.toml file of userDir (not its
// subdirectories; hidden files are skipped). A missing userDir is not a problem. A
// user file with problems is reported and left out; the rest still load. Embedded
// runbooks are written for the default policy's severity names and are linted
// against DefaultPolicy(); user files against pol (nil means DefaultPolicy()).
func LoadLibrary(userDir string, pol *Policy) (*Library, Problems) {
	if pol == nil {
		pol = DefaultPolicy()
	}
	embedded, problems := loadEmbedded(DefaultPolicy())
	user, ups := loadDir(userDir, pol)
	l, dups := NewShelf("runbook", func(r *Runbook) string { return r.ID }, func(r *Runbook) string { return r.Source }, embedded, user)
	return l, append(append(problems, ups...), dups...)
}

// loadEmbedded parses and lints every runbook of the embedded library, in file name
// order. Files are parsed in parallel (they are independent): the library is loaded
// at every start of muster, and decoding TOML is most of that time.
func loadEmbedded(pol *Policy) ([]*Runbook, Problems) {
	entries, err := libraryFS.ReadDir("library")
	if err != nil {
		return nil, Problems{{File: EmbeddedDir, Msg: err.Error()}}
	}
	type result struct {
		r  *Runbook
		ps Problems
	}
	results := make([]result, len(entries))
	parse := func(i int) {
		name := EmbeddedDir + "/" + entries[i].Name()
		data, err := libraryFS.ReadFile("library/" + entries[i].Name())
		if err != nil {
			results[i].ps = Problems{{File: name, Msg: err.Error()}}
			return
		}
		results[i].r, results[i].ps = Parse(name, data, pol)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(entries)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(entries); i = int(next.Add(1)) - 1 {
				parse(i)
			}
		})
	}
	wg.Wait()
	var out []*Runbook
	var problems Problems
	for _, res := range results {
		problems = append(problems, res.ps...)
		if res.r != nil {
			res.r.Source = SourceEmbedded
			out = append(out, res.r)
		}
	}
	return out, problems
}

// loadDir loads the runbook files of a user directory in file name order.
func loadDir(dir string, pol *Policy) ([]*Runbook, Problems) {
	paths, problems := ShelfFiles("runbook", dir)
	var out []*Runbook
	for _, path := range paths {
		r, ps := LoadFile(path, pol)
		problems = append(problems, ps...)
		if r != nil {
			out = append(out, r)
		}
	}
	return out, problems
}
