package runbook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// Shelf is the one shape of a library, for runbooks and scenarios alike: muster's
// embedded entries merged with the user's directory. A user file with the id of an
// embedded entry wins, and the embedded one is kept (to compare, and because embedded
// scenarios are written against embedded runbooks); a user file with an id another
// user file already has is reported and left out.
type Shelf[T any] struct {
	byID     map[string]T
	shadowed map[string]T // embedded entries a user file overrides, by id
	embedded map[string]bool
	ids      []string // sorted
}

// NewShelf merges embedded and user entries (user entries in file name order). kind
// names an entry in problems ("runbook", "scenario"); id and source read an entry's id
// and the file it came from.
func NewShelf[T any](kind string, id, source func(T) string, embedded, user []T) (*Shelf[T], Problems) {
	s := &Shelf[T]{byID: map[string]T{}, shadowed: map[string]T{}, embedded: map[string]bool{}}
	for _, e := range embedded {
		s.byID[id(e)] = e
		s.embedded[id(e)] = true
	}
	var problems Problems
	fromUser := map[string]bool{}
	for _, e := range user {
		k := id(e)
		if prev, ok := s.byID[k]; ok {
			if fromUser[k] {
				problems = append(problems, Problem{File: source(e), Msg: kind + " id " + k + " is already defined by " + source(prev) + "; this file is ignored"})
				continue
			}
			s.shadowed[k] = prev
		}
		s.byID[k] = e
		fromUser[k] = true
	}
	for k := range s.byID {
		s.ids = append(s.ids, k)
	}
	sort.Strings(s.ids)
	return s, problems
}

// List returns every entry, by id.
func (s *Shelf[T]) List() []T {
	out := make([]T, len(s.ids))
	for i, id := range s.ids {
		out[i] = s.byID[id]
	}
	return out
}

// Get returns the entry with this id: the user's if they have one, else the embedded
// one.
func (s *Shelf[T]) Get(id string) (T, bool) {
	e, ok := s.byID[id]
	return e, ok
}

// IDs lists the ids, sorted.
func (s *Shelf[T]) IDs() []string { return append([]string(nil), s.ids...) }

// Shadowed returns the embedded entry that a user file with the same id overrides.
func (s *Shelf[T]) Shadowed(id string) (T, bool) {
	e, ok := s.shadowed[id]
	return e, ok
}

// Embedded returns muster's built-in entry with this id, whether or not a user file
// overrides it.
func (s *Shelf[T]) Embedded(id string) (T, bool) {
	if e, ok := s.shadowed[id]; ok {
		return e, true
	}
	if s.embedded[id] { // not shadowed: the entry under this id is the embedded one
		return s.byID[id], true
	}
	var zero T
	return zero, false
}

// ShelfFiles lists the *.toml files of a user directory in file name order: not its
// subdirectories (nor a link to one), not hidden files. A missing directory, or none
// (""), has no files and no problem. kind names the directory in problems ("runbook",
// "scenario").
func ShelfFiles(kind, dir string) ([]string, Problems) {
	if dir == "" {
		return nil, nil
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err == nil && !st.IsDir():
		return nil, Problems{{File: dir, Msg: kind + " directory is a file, not a directory"}}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, Problems{{File: dir, Msg: "cannot read " + kind + " directory: " + tomldoc.ReadError(err)}}
	}
	var paths []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".toml") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			continue
		}
		paths = append(paths, path)
	}
	return paths, nil
}
