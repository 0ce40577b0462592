package incident

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// cachedIncident is an incident large enough for the folded-state cache, with its
// cache written by a first Open.
func cachedIncident(t *testing.T) (*Store, string) {
	t.Helper()
	st, id := bigIncident(t, 1200)
	if fi, err := os.Stat(filepath.Join(st.Dir(id), journal.FileName)); err != nil || fi.Size() < cacheFrom {
		t.Fatalf("the test incident is too small for the cache: %v %v", fi, err)
	}
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	inc.Close()
	for _, name := range []string{StateCacheName, ListsCacheName} {
		if _, err := os.Stat(filepath.Join(st.Dir(id), name)); err != nil {
			t.Fatalf("no %s after the first open: %v", name, err)
		}
	}
	return st, id
}

// wholeFold is the state read the long way, to compare with what Open returns.
func wholeFold(t *testing.T, st *Store, id string) *State {
	t.Helper()
	v, err := st.Load(id)
	must(t, err)
	return v.State
}

func sameState(t *testing.T, got, want *State) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("state differs from the whole fold:\n got %s\nwant %s", stateJSON(t, got), stateJSON(t, want))
	}
}

// briefOf is the brief state of s: s without its lists, as the brief cache keeps it.
func briefOf(t *testing.T, s *State) *State {
	t.Helper()
	b, err := encodeBriefCache(cacheHeader{}, s)
	must(t, err)
	back, _, err := decodeBriefCache(b, s.rb)
	must(t, err)
	return back
}

// sameBrief checks a brief state against the whole fold's.
func sameBrief(t *testing.T, got, whole *State) {
	t.Helper()
	if !got.Brief() || got.Notes != nil || got.Notices != nil || got.Escalations != nil || got.Attachments != nil || got.Checks != nil {
		t.Fatalf("not a brief state: brief %v, %d notes, %d notices", got.Brief(), len(got.Notes), len(got.Notices))
	}
	sameState(t, got, briefOf(t, whole))
}

// forgeCache rewrites the brief cache with its header kept and the state's title
// changed, so a test can tell whether Open used it.
func forgeCache(t *testing.T, st *Store, id string, edit func(*cacheHeader)) {
	t.Helper()
	dir := st.Dir(id)
	rb, _, err := loadFrozen(dir)
	must(t, err)
	s, h, err := readBriefCache(dir, rb)
	must(t, err)
	s.Title = "FROM THE CACHE"
	if edit != nil {
		edit(&h)
	}
	b, err := encodeBriefCache(h, s)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, StateCacheName), b, 0o600))
}

// forgeLists rewrites the lists' cache with its header kept and the first note's text
// changed.
func forgeLists(t *testing.T, st *Store, id string, edit func(*cacheHeader)) {
	t.Helper()
	dir := st.Dir(id)
	rb, _, err := loadFrozen(dir)
	must(t, err)
	l, h, err := readListsCache(dir, rb)
	must(t, err)
	l.Notes = slices.Clone(l.Notes)
	l.Notes[0].Text = "FROM THE LISTS"
	if edit != nil {
		edit(&h)
	}
	b, err := encodeCache(listsCacheMagic, h, &l)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, ListsCacheName), b, 0o600))
}

func openTitle(t *testing.T, st *Store, id string) string {
	t.Helper()
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	defer inc.Close()
	return inc.State.Title
}

func commandTitle(t *testing.T, st *Store, id string) string {
	t.Helper()
	inc, err := st.OpenForCommand(id, "erin@ops")
	must(t, err)
	defer inc.Close()
	return inc.State.Title
}

func openFirstNote(t *testing.T, st *Store, id string) string {
	t.Helper()
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	defer inc.Close()
	return inc.State.Notes[0].Text
}

// Every command after the first on a large incident starts from the cache and folds
// only the lines after it; the state is the one the whole fold gives.
func TestCommandsOnALargeIncidentFoldOnlyTheNewLines(t *testing.T) {
	st, id := cachedIncident(t)
	for i := range 6 {
		open := st.Open
		if i%2 == 1 {
			open = st.OpenForCommand
		}
		inc, err := open(id, "erin@ops")
		must(t, err)
		if i%2 == 1 {
			sameBrief(t, inc.State, wholeFold(t, st, id))
		} else {
			sameState(t, inc.State, wholeFold(t, st, id))
		}
		must(t, inc.AddNote("replica caught up "+string(rune('a'+i)), ""))
		for _, step := range inc.Runbook.Steps() {
			if inc.State.Step(step.ID).Status == StepTodo {
				must(t, inc.CompleteStep(step.ID, ""))
				break
			}
		}
		_, err = inc.AppendEvent(EvAttached, Attached{journal.Attachment{Kind: journal.KindFile, Path: "/var/log/app.log",
			SHA256: strings.Repeat("ab", 32), Meta: map[string]any{"description": "app log", "lines": 12.0, "tags": []any{"eu", true, nil}, "by": map[string]any{"who": "erin"}}}})
		must(t, err)
		must(t, inc.Notify("Status Page", "web", "investigating"))
		must(t, inc.Escalate("db team", "replica"))
		must(t, inc.RecordCheck(CheckRun{Check: "restore-test", Status: "pass", Summary: "ok"}))
		if inc.State.Brief() {
			sameBrief(t, inc.State, wholeFold(t, st, id))
		} else {
			sameState(t, inc.State, wholeFold(t, st, id))
		}
		inc.Close()
	}
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	defer inc.Close()
	sameState(t, inc.State, wholeFold(t, st, id))
	if n := len(inc.State.Notes); inc.State.Notes[n-1].Text != "replica caught up f" {
		t.Fatalf("last note %q", inc.State.Notes[n-1].Text)
	}
	// The cache was read, not rebuilt: a forged title in it shows (this is how the
	// tests below tell a used cache from an ignored one).
	inc.Close()
	forgeCache(t, st, id, nil)
	if got := openTitle(t, st, id); got != "FROM THE CACHE" {
		t.Fatalf("the cache was not used: title %q", got)
	}
	if got := commandTitle(t, st, id); got != "FROM THE CACHE" {
		t.Fatalf("the cache was not used for a command: title %q", got)
	}
	forgeLists(t, st, id, nil)
	if got := openFirstNote(t, st, id); got != "FROM THE LISTS" {
		t.Fatalf("the lists' cache was not used: first note %q", got)
	}
}

// A command reads only the brief state: the lists' file is not even opened, and the
// brief file stays small however long the incident grows.
func TestACommandReadsOnlyTheBriefState(t *testing.T) {
	st, id := cachedIncident(t)
	dir := st.Dir(id)
	must(t, os.WriteFile(filepath.Join(dir, ListsCacheName), []byte("garbage"), 0o600))
	lists, err := os.Stat(filepath.Join(dir, ListsCacheName))
	must(t, err)
	for i := range 100 {
		inc, err := st.OpenForCommand(id, "erin@ops")
		must(t, err)
		if !inc.State.Brief() {
			t.Fatal("OpenForCommand on a large incident gave the whole state")
		}
		must(t, inc.AddNote(fmt.Sprintf("note %d of a long incident", i), ""))
		inc.Close()
	}
	if after, err := os.Stat(filepath.Join(dir, ListsCacheName)); err != nil || !after.ModTime().Equal(lists.ModTime()) || after.Size() != lists.Size() {
		t.Fatalf("commands touched the lists' file: %v %v", after, err)
	}
	brief, err := os.Stat(filepath.Join(dir, StateCacheName))
	must(t, err)
	if brief.Size() > 8<<10 {
		t.Fatalf("the brief state takes %d bytes", brief.Size())
	}
	// The brief file was refreshed on the way: a command reads little journal.
	rb, _, err := loadFrozen(dir)
	must(t, err)
	_, h, err := readBriefCache(dir, rb)
	must(t, err)
	j, err := journal.Open(dir)
	must(t, err)
	last, err := j.LastMark()
	j.Close()
	must(t, err)
	if last.End-h.Mark.End >= briefBehind {
		t.Fatalf("the brief state is %d bytes behind the journal", last.End-h.Mark.End)
	}
	// A whole read after them finds the garbage lists, folds whole and rewrites both.
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	sameState(t, inc.State, wholeFold(t, st, id))
	inc.Close()
	if _, _, err := readListsCache(dir, rb); err != nil {
		t.Fatalf("the lists were not rewritten: %v", err)
	}
}

// The lists may lag behind the brief state (commands refresh only the brief one): a
// whole read folds the lines in between into the lists only, and rewrites the lists
// once they are far behind.
func TestListsBehindTheBriefState(t *testing.T) {
	st, id := cachedIncident(t)
	dir := st.Dir(id)
	rb, _, err := loadFrozen(dir)
	must(t, err)
	_, before, err := readListsCache(dir, rb)
	must(t, err)
	text := strings.Repeat("a long note about the replica's lag and what we saw on the dashboards ", 20)
	for i := 0; ; i++ {
		inc, err := st.OpenForCommand(id, "erin@ops")
		must(t, err)
		must(t, inc.AddNote(fmt.Sprintf("%d %s", i, text), ""))
		must(t, inc.Notify(fmt.Sprintf("audience %d", i%3), "", "an update"))
		inc.Close()
		_, bh, err := readBriefCache(dir, rb)
		must(t, err)
		if bh.Mark.Seq > before.Mark.Seq+10 {
			break // the brief state moved on, the lists did not
		}
	}
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	sameState(t, inc.State, wholeFold(t, st, id))
	inc.Close()
	_, after, err := readListsCache(dir, rb)
	must(t, err)
	if after.Mark != before.Mark {
		t.Fatalf("the lists were rewritten %d lines later", after.Mark.Seq-before.Mark.Seq)
	}
	for {
		inc, err := st.OpenForCommand(id, "erin@ops")
		must(t, err)
		must(t, inc.AddNote(text, ""))
		inc.Close()
		j, err := journal.Open(dir)
		must(t, err)
		last, err := j.LastMark()
		j.Close()
		must(t, err)
		if last.End-before.Mark.End > cacheBehind {
			break
		}
	}
	inc, err = st.Open(id, "erin@ops")
	must(t, err)
	sameState(t, inc.State, wholeFold(t, st, id))
	inc.Close()
	if _, after, err = readListsCache(dir, rb); err != nil || after.Mark.Seq <= before.Mark.Seq {
		t.Fatalf("the lists far behind were not rewritten: %v %v", after.Mark, err)
	}
}

// The cache is checked, never trusted blindly: anything that does not match means a
// whole fold and a new cache.
func TestStateCacheIsCheckedBeforeUse(t *testing.T) {
	cases := map[string]func(t *testing.T, st *Store, id string){
		"written by another muster build": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Build = "go1.0 /usr/bin/muster 1 1" })
		},
		"folded for another runbook": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Runbook = strings.Repeat("0", 64) })
		},
		"the cached seq is past the journal's end": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Mark.Seq += 5 })
		},
		"the cached hash is not the line's": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Mark.Hash = strings.Repeat("a", 64) })
		},
		"the recorded offset is not where the line is": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, func(h *cacheHeader) { h.Mark.Start -= 10; h.Mark.End -= 10 })
		},
		"the checksum does not hold": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, nil)
			p := filepath.Join(st.Dir(id), StateCacheName)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 1
			must(t, os.WriteFile(p, b, 0o600))
		},
		"the cache is cut short": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, nil)
			p := filepath.Join(st.Dir(id), StateCacheName)
			b, _ := os.ReadFile(p)
			must(t, os.WriteFile(p, b[:len(b)/3], 0o600))
		},
		"the cache is a symlink to a forged cache": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, nil)
			p := filepath.Join(st.Dir(id), StateCacheName)
			must(t, os.Rename(p, p+".elsewhere"))
			must(t, os.Symlink(p+".elsewhere", p))
		},
		"the journal was replaced by another one of the same length": func(t *testing.T, st *Store, id string) {
			forgeCache(t, st, id, nil)
			// A different incident written the same way has the same lines at the
			// same offsets but other hashes (another id and start).
			other, oid := bigIncident(t, 1200)
			b, err := os.ReadFile(filepath.Join(other.Dir(oid), journal.FileName))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(st.Dir(id), journal.FileName), b, 0o600))
			must(t, os.Remove(filepath.Join(st.Dir(id), journal.HeadName)))
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			for _, command := range []bool{false, true} {
				st, id := cachedIncident(t)
				spoil(t, st, id)
				title, open := openTitle, st.Open
				if command {
					title, open = commandTitle, st.OpenForCommand
				}
				if got := title(t, st, id); got == "FROM THE CACHE" {
					t.Fatalf("a cache that does not match was used (command %v)", command)
				}
				inc, err := open(id, "erin@ops")
				must(t, err)
				if command && inc.State.Brief() {
					sameBrief(t, inc.State, wholeFold(t, st, id))
				} else {
					sameState(t, inc.State, wholeFold(t, st, id))
				}
				inc.Close()
				// The whole fold rewrote the cache, regular files again.
				for _, name := range []string{StateCacheName, ListsCacheName} {
					fi, err := os.Lstat(filepath.Join(st.Dir(id), name))
					if err != nil || !fi.Mode().IsRegular() {
						t.Fatalf("%s not rewritten as a regular file: %v %v", name, fi, err)
					}
				}
			}
		})
	}
}

// The lists' file is checked as the brief state's is, and against it: lists that do
// not match mean a whole fold (a command never reads them).
func TestListsCacheIsCheckedBeforeUse(t *testing.T) {
	cases := map[string]func(t *testing.T, st *Store, id string){
		"written by another muster build": func(t *testing.T, st *Store, id string) {
			forgeLists(t, st, id, func(h *cacheHeader) { h.Build = "go1.0 /usr/bin/muster 1 1" })
		},
		"folded for another runbook": func(t *testing.T, st *Store, id string) {
			forgeLists(t, st, id, func(h *cacheHeader) { h.Runbook = strings.Repeat("0", 64) })
		},
		"the lists' seq is past the brief state's": func(t *testing.T, st *Store, id string) {
			inc, err := st.OpenForCommand(id, "erin@ops")
			must(t, err)
			must(t, inc.AddNote("one more", ""))
			last, err := inc.j.LastMark()
			must(t, err)
			inc.Close()
			forgeLists(t, st, id, func(h *cacheHeader) { h.Mark = last })
		},
		"the lists' hash is not the line's": func(t *testing.T, st *Store, id string) {
			forgeLists(t, st, id, func(h *cacheHeader) { h.Mark.Hash = strings.Repeat("a", 64) })
		},
		"the brief state is not on the lists' chain": func(t *testing.T, st *Store, id string) {
			inc, err := st.OpenForCommand(id, "erin@ops")
			must(t, err)
			must(t, inc.AddNote("one more", ""))
			last, err := inc.j.LastMark()
			must(t, err)
			inc.Close()
			forgeLists(t, st, id, nil)
			forgeCache(t, st, id, func(h *cacheHeader) { h.Mark = last; h.Mark.Hash = strings.Repeat("b", 64) })
		},
		"the checksum does not hold": func(t *testing.T, st *Store, id string) {
			forgeLists(t, st, id, nil)
			p := filepath.Join(st.Dir(id), ListsCacheName)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 1
			must(t, os.WriteFile(p, b, 0o600))
		},
		"the lists are a brief state": func(t *testing.T, st *Store, id string) {
			forgeLists(t, st, id, nil)
			b, err := os.ReadFile(filepath.Join(st.Dir(id), StateCacheName))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(st.Dir(id), ListsCacheName), b, 0o600))
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			st, id := cachedIncident(t)
			spoil(t, st, id)
			if got := openFirstNote(t, st, id); got == "FROM THE LISTS" {
				t.Fatal("lists that do not match were used")
			}
			inc, err := st.Open(id, "erin@ops")
			must(t, err)
			sameState(t, inc.State, wholeFold(t, st, id))
			inc.Close()
		})
	}
}

// A damaged line after the cached one is reported as the whole read reports it:
// the cache never papers over the journal.
func TestStateCacheDoesNotHideADamagedNewLine(t *testing.T) {
	st, id := cachedIncident(t)
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	must(t, inc.AddNote("the last word", ""))
	must(t, inc.AddNote("and one after it", ""))
	inc.Close()
	p := filepath.Join(st.Dir(id), journal.FileName)
	b, err := os.ReadFile(p)
	must(t, err)
	i := strings.LastIndex(string(b), "the last word")
	copy(b[i:], "the LAST word")
	must(t, os.WriteFile(p, b, 0o600))
	_, err = st.Open(id, "erin@ops")
	var ce *journal.CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("open of a journal with an edited last line: %v", err)
	}
}

// The cache is not evidence: verify neither reads nor lists it, export leaves it out.
func TestStateCacheIsNotEvidence(t *testing.T) {
	st, id := cachedIncident(t)
	rep, err := journal.Verify(st.Dir(id))
	must(t, err)
	if len(rep.Problems) > 0 || len(rep.Unrecorded) > 0 {
		t.Fatalf("verify with a cache: %+v %v", rep.Problems, rep.Unrecorded)
	}
	// Even a garbage cache changes nothing for verify.
	for _, name := range []string{StateCacheName, ListsCacheName} {
		must(t, os.WriteFile(filepath.Join(st.Dir(id), name), []byte("garbage"), 0o600))
	}
	if rep, err = journal.Verify(st.Dir(id)); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("verify with a garbage cache: %v %+v", err, rep.Problems)
	}
	out := filepath.Join(t.TempDir(), "export")
	must(t, journal.Export(st.Dir(id), out, nil))
	sums, err := os.ReadFile(filepath.Join(out, journal.SumsName))
	must(t, err)
	for _, name := range []string{StateCacheName, ListsCacheName} {
		if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
			t.Fatalf("the export holds %s: %v", name, err)
		}
		if strings.Contains(string(sums), name) {
			t.Fatalf("SHA256SUMS lists %s:\n%s", name, sums)
		}
	}
}

// A small incident has no cache: reading it whole is cheaper.
func TestSmallIncidentHasNoStateCache(t *testing.T) {
	st, id := bigIncident(t, 20)
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	inc.Close()
	if _, err := os.Stat(filepath.Join(st.Dir(id), StateCacheName)); !os.IsNotExist(err) {
		t.Fatalf("a 20-event incident has a cache: %v", err)
	}
}

// Every field of the state must survive the cache: it does not carry unexported fields
// and refuses interfaces other than JSON values, so a field added to State of such a
// kind would be lost (or turn the cache off). This walks the types the state holds.
func TestStateSurvivesTheCache(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Interface:
			if typ.NumMethod() > 0 || !strings.HasSuffix(path, ".Attachment.Meta{}") {
				t.Errorf("%s is an interface: the state cache cannot hold it", path)
			} // an attachment's Meta holds JSON values, which the cache keeps as JSON
		case reflect.Func, reflect.Chan, reflect.UnsafePointer:
			t.Errorf("%s is a %s: the state cache cannot hold it", path, typ.Kind())
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(typ.Elem(), path+"[]")
		case reflect.Map:
			walk(typ.Key(), path+"{key}")
			walk(typ.Elem(), path+"{}")
		case reflect.Struct:
			if typ.PkgPath() == "time" {
				return // gob keeps the instant and the zone offset
			}
			for i := range typ.NumField() {
				f := typ.Field(i)
				if !f.IsExported() {
					if typ == reflect.TypeFor[State]() && (f.Name == "rb" || f.Name == "brief" || f.Name == "lastNotice") {
						continue // set again from the frozen runbook, and by the brief state's reader
					}
					t.Errorf("%s.%s is unexported: the state cache would drop it", path, f.Name)
					continue
				}
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[State](), "State")

	// And the corpus journals, folded, come back from the cache equal: the brief state
	// and the lists together are the state; the brief state alone, folding on, stays
	// the brief state of the whole fold.
	rb := mustRunbook(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "journals", "*.jsonl"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		must(t, err)
		events := corpusEvents(t, b, true)
		s := Fold(rb, events)
		brief, err := encodeBriefCache(cacheHeader{Build: "b", Runbook: rb.Digest}, s)
		must(t, err)
		back, _, err := decodeBriefCache(brief, rb)
		must(t, err)
		l := s.lists()
		lists, err := encodeCache(listsCacheMagic, cacheHeader{Build: "b", Runbook: rb.Digest}, &l)
		must(t, err)
		var (
			h         cacheHeader
			backLists stateLists
		)
		must(t, decodeCache(lists, listsCacheMagic, &h, &backLists))
		back.brief, back.lastNotice = false, nil
		back.setLists(backLists)
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%s: the state read back from the cache differs:\n got %s\nwant %s", file, stateJSON(t, back), stateJSON(t, s))
		}
		for cut := 0; cut < len(events); cut += max(1, len(events)/7) {
			part := briefOf(t, Fold(rb, events[:cut]))
			for _, e := range events[cut:] {
				part.Apply(e)
			}
			whole := briefOf(t, s)
			if !reflect.DeepEqual(part, whole) {
				t.Errorf("%s: the brief state folded on from line %d differs:\n got %s\nwant %s", file, cut, stateJSON(t, part), stateJSON(t, whole))
			}
			if !reflect.DeepEqual(part.UpdatesDue(), s.UpdatesDue()) || !reflect.DeepEqual(part.OpenWork(), s.OpenWork()) ||
				!reflect.DeepEqual(part.Progress(), s.Progress()) || part.NextFollowUpID() != s.NextFollowUpID() {
				t.Errorf("%s: the brief state from line %d answers otherwise: updates %v / %v, open %v / %v", file, cut,
					part.UpdatesDue(), s.UpdatesDue(), part.OpenWork(), s.OpenWork())
			}
		}
	}
}

// FuzzStateCache feeds damaged cache bodies to the decoder: an error or a state, never a
// panic; and a state decoded is one the fold can go on with.
func FuzzStateCache(f *testing.F) {
	rb, problems := runbook.LoadFile("testdata/runbook.toml", nil)
	if len(problems) > 0 {
		f.Fatal(problems)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "journals", "*.jsonl"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var events []journal.Event
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if e, err := journal.DecodeLine([]byte(line)); err == nil {
				events = append(events, e)
			}
		}
		s := Fold(rb, events)
		enc, err := encodeBriefCache(cacheHeader{Build: "b", Runbook: rb.Digest}, s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(enc[len(stateCacheMagic) : len(enc)-4]))
		l := s.lists()
		if enc, err = encodeCache(listsCacheMagic, cacheHeader{Build: "b", Runbook: rb.Digest}, &l); err != nil {
			f.Fatal(err)
		}
		f.Add(string(enc[len(listsCacheMagic) : len(enc)-4]))
	}
	f.Fuzz(func(t *testing.T, b string) {
		// The body as the checksum would pass it: what the decoder makes of damaged bytes,
		// read as the lists' file and as the brief state's.
		var (
			h cacheHeader
			l stateLists
		)
		if decodeBody(b, &h, &l) == nil {
			s := NewState(rb)
			s.setLists(l)
			s.Apply(journal.Event{Seq: s.LastSeq + 1, Type: EvNote, Data: []byte(`{"text":"after the cache"}`)})
			s.UpdatesDue()
		}
		s, x := &State{}, &briefExtra{}
		if err := decodeBody(b, &h, s, x); err != nil {
			return
		}
		s = briefState(s, x, rb)
		s.Apply(journal.Event{Seq: s.LastSeq + 1, Type: EvNote, Data: []byte(`{"text":"after the cache"}`)})
		s.Apply(journal.Event{Seq: s.LastSeq + 1, Type: EvNotified, Data: []byte(`{"audience":"customers","message":"m"}`)})
		s.Progress()
		s.OpenWork()
		s.UpdatesDue()
	})
}

// The report index gives back exactly the facts the journals gave; a damaged index, or
// one written with other types, is rebuilt from the journals.
func TestReportIndexReadsBackTheFacts(t *testing.T) {
	st := reportStore(t)
	folded, n, err := st.AllFacts()
	must(t, err)
	indexed, again, err := st.AllFacts()
	must(t, err)
	if n != len(folded) || again != 0 || !reflect.DeepEqual(folded, indexed) {
		t.Fatalf("folded %d then %d; the same facts: %v", n, again, reflect.DeepEqual(folded, indexed))
	}
	path := filepath.Join(st.DataDir, "cache", ReportIndexFile)
	b, err := os.ReadFile(path)
	must(t, err)
	for name, spoil := range map[string]func([]byte) []byte{
		"a byte changed": func(b []byte) []byte { b = append([]byte(nil), b...); b[len(b)/2] ^= 1; return b },
		"cut short":      func(b []byte) []byte { return b[:len(b)/2] },
		"written with other types": func(b []byte) []byte {
			return append([]byte(indexMagic+strings.Repeat("0", 64)+"\n"), b[len(indexMagic)+65:]...)
		},
	} {
		must(t, os.WriteFile(path, spoil(b), 0o600))
		facts, n, err := st.AllFacts()
		must(t, err)
		if n != len(folded) || !reflect.DeepEqual(facts, folded) {
			t.Errorf("%s: %d folded, the same facts: %v", name, n, reflect.DeepEqual(facts, folded))
		}
	}
}
