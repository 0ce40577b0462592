package incident

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
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
	if _, err := os.Stat(filepath.Join(st.Dir(id), StateCacheName)); err != nil {
		t.Fatalf("no cache after the first open: %v", err)
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

// forgeCache rewrites the cache with its header kept and the state's title changed, so
// a test can tell whether Open used it.
func forgeCache(t *testing.T, st *Store, id string, edit func(*cacheHeader)) {
	t.Helper()
	dir := st.Dir(id)
	rb, _, err := loadFrozen(dir)
	must(t, err)
	s, h, err := readStateCache(dir, rb)
	must(t, err)
	s.Title = "FROM THE CACHE"
	if edit != nil {
		edit(&h)
	}
	b, err := encodeStateCache(h, s)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, StateCacheName), b, 0o600))
}

func openTitle(t *testing.T, st *Store, id string) string {
	t.Helper()
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	defer inc.Close()
	return inc.State.Title
}

// Every command after the first on a large incident starts from the cache and folds
// only the lines after it; the state is the one the whole fold gives.
func TestCommandsOnALargeIncidentFoldOnlyTheNewLines(t *testing.T) {
	st, id := cachedIncident(t)
	for i := range 3 {
		inc, err := st.Open(id, "erin@ops")
		must(t, err)
		sameState(t, inc.State, wholeFold(t, st, id))
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
		inc.Close()
	}
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	defer inc.Close()
	sameState(t, inc.State, wholeFold(t, st, id))
	if n := len(inc.State.Notes); inc.State.Notes[n-1].Text != "replica caught up c" {
		t.Fatalf("last note %q", inc.State.Notes[n-1].Text)
	}
	// The cache was read, not rebuilt: a forged title in it shows (this is how the
	// tests below tell a used cache from an ignored one).
	inc.Close()
	forgeCache(t, st, id, nil)
	if got := openTitle(t, st, id); got != "FROM THE CACHE" {
		t.Fatalf("the cache was not used: title %q", got)
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
			st, id := cachedIncident(t)
			spoil(t, st, id)
			if got := openTitle(t, st, id); got == "FROM THE CACHE" {
				t.Fatal("a cache that does not match was used")
			}
			inc, err := st.Open(id, "erin@ops")
			must(t, err)
			sameState(t, inc.State, wholeFold(t, st, id))
			inc.Close()
			// The whole fold rewrote the cache, a regular file again.
			fi, err := os.Lstat(filepath.Join(st.Dir(id), StateCacheName))
			if err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("cache not rewritten as a regular file: %v %v", fi, err)
			}
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
	must(t, os.WriteFile(filepath.Join(st.Dir(id), StateCacheName), []byte("garbage"), 0o600))
	if rep, err = journal.Verify(st.Dir(id)); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("verify with a garbage cache: %v %+v", err, rep.Problems)
	}
	out := filepath.Join(t.TempDir(), "export")
	must(t, journal.Export(st.Dir(id), out, nil))
	if _, err := os.Stat(filepath.Join(out, StateCacheName)); !os.IsNotExist(err) {
		t.Fatalf("the export holds the cache: %v", err)
	}
	sums, err := os.ReadFile(filepath.Join(out, journal.SumsName))
	must(t, err)
	if strings.Contains(string(sums), StateCacheName) {
		t.Fatalf("SHA256SUMS lists the cache:\n%s", sums)
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
					if typ == reflect.TypeFor[State]() && f.Name == "rb" {
						continue // set again from the frozen runbook
					}
					t.Errorf("%s.%s is unexported: the state cache would drop it", path, f.Name)
					continue
				}
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[State](), "State")

	// And the corpus journals, folded, come back from the cache equal.
	rb := mustRunbook(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "journals", "*.jsonl"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		must(t, err)
		s := Fold(rb, corpusEvents(t, b, true))
		enc, err := encodeStateCache(cacheHeader{Build: "b", Runbook: rb.Digest}, s)
		must(t, err)
		back, _, err := decodeStateCache(enc, rb)
		must(t, err)
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%s: the state read back from the cache differs:\n got %s\nwant %s", file, stateJSON(t, back), stateJSON(t, s))
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
		enc, err := encodeStateCache(cacheHeader{Build: "b", Runbook: rb.Digest}, Fold(rb, events))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(enc[len(stateCacheMagic) : len(enc)-4]))
	}
	f.Fuzz(func(t *testing.T, b string) {
		// The body as the checksum would pass it: what the decoder makes of damaged bytes.
		s, _, err := decodeStateBody(b, rb)
		if err != nil {
			return
		}
		s.Apply(journal.Event{Seq: s.LastSeq + 1, Type: EvNote, Data: []byte(`{"text":"after the cache"}`)})
		s.Progress()
		s.OpenWork()
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
