package runbook

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type shelfEntry struct{ id, source string }

func newTestShelf(embedded, user []shelfEntry) (*Shelf[shelfEntry], Problems) {
	return NewShelf("thing", func(e shelfEntry) string { return e.id }, func(e shelfEntry) string { return e.source }, embedded, user)
}

func TestShelfMergesTheUsersDirectoryOverTheEmbeddedEntries(t *testing.T) {
	s, problems := newTestShelf(
		[]shelfEntry{{"outage", SourceEmbedded}, {"breach", SourceEmbedded}},
		[]shelfEntry{{"outage", "mine/outage.toml"}, {"drill", "mine/drill.toml"}, {"drill", "mine/drill-copy.toml"}},
	)
	if len(problems) != 1 || problems[0].File != "mine/drill-copy.toml" || !strings.Contains(problems[0].Msg, "thing id drill is already defined by mine/drill.toml") {
		t.Errorf("problems %v", problems)
	}
	if got := s.IDs(); !slices.Equal(got, []string{"breach", "drill", "outage"}) {
		t.Errorf("ids %v", got)
	}
	if e, _ := s.Get("outage"); e.source != "mine/outage.toml" {
		t.Errorf("the user's outage does not win: %v", e)
	}
	if e, ok := s.Shadowed("outage"); !ok || e.source != SourceEmbedded {
		t.Errorf("shadowed outage %v %v", e, ok)
	}
	if _, ok := s.Shadowed("breach"); ok {
		t.Error("breach is not shadowed")
	}
	for id, want := range map[string]string{"outage": SourceEmbedded, "breach": SourceEmbedded, "drill": ""} {
		e, ok := s.Embedded(id)
		if ok != (want != "") || e.source != want {
			t.Errorf("Embedded(%s) = %v %v", id, e, ok)
		}
	}
	if l := s.List(); len(l) != 3 || l[0].id != "breach" || l[2].source != "mine/outage.toml" {
		t.Errorf("list %v", l)
	}
}

func TestShelfFilesListsTheTOMLFilesOfTheUsersDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.toml", "a.toml", ".hidden.toml", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.toml"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "sub.toml"), filepath.Join(dir, "link.toml")); err != nil {
		t.Fatal(err)
	}
	paths, ps := ShelfFiles("scenario", dir)
	if len(ps) != 0 || len(paths) != 2 || paths[0] != filepath.Join(dir, "a.toml") || paths[1] != filepath.Join(dir, "b.toml") {
		t.Errorf("files %v, problems %v", paths, ps)
	}
	if paths, ps := ShelfFiles("scenario", filepath.Join(dir, "missing")); len(paths) != 0 || len(ps) != 0 {
		t.Errorf("a missing directory: %v %v", paths, ps)
	}
	f := filepath.Join(dir, "a.toml")
	if _, ps := ShelfFiles("scenario", f); len(ps) != 1 || ps[0].String() != f+": scenario directory is a file, not a directory" {
		t.Errorf("a file for a directory: %v", ps)
	}
}
