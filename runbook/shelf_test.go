package runbook

import (
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
