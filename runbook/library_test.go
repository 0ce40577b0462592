package runbook

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEmbeddedLibraryLintsClean(t *testing.T) {
	entries, err := libraryFS.ReadDir("library")
	if err != nil {
		t.Fatal(err)
	}
	l, ps := LoadLibrary("", DefaultPolicy())
	if len(ps) > 0 {
		t.Fatalf("the embedded library has problems:\n%v", ps)
	}
	if n := len(l.List()); n < 7 || n != len(entries) {
		t.Errorf("%d embedded runbooks from %d files, want at least 7 and one per file", n, len(entries))
	}
	for _, e := range entries {
		id := strings.TrimSuffix(e.Name(), ".toml")
		r, ok := l.Get(id)
		if !ok {
			t.Errorf("library/%s: its id is not %q: name each file after its runbook id", e.Name(), id)
			continue
		}
		if r.Source != SourceEmbedded || len(r.Raw) == 0 || r.Digest != digest(r.Raw) {
			t.Errorf("%s: source %q, digest %q", id, r.Source, r.Digest)
		}
		if len(r.Communication) == 0 {
			t.Errorf("%s: no communication rules (who is told, after which phase)", id)
		}
		for _, s := range r.Steps() {
			if s.Role == "" || s.Body == "" {
				t.Errorf("%s: step %s without role or body", id, s.ID)
			}
		}
	}
	db, ok := l.Get("database-restore")
	if !ok {
		t.Fatal("no database-restore runbook")
	}
	var checks []Step
	for _, s := range db.Steps() {
		if s.Check == "rds-backup" {
			checks = append(checks, s)
		}
	}
	if len(checks) != 1 {
		t.Errorf("database-restore has %d rds-backup steps, want exactly one", len(checks))
	} else if checks[0].Service == "" {
		t.Error("the rds-backup step of database-restore names no backup policy service")
	}
	// The seven situations, by the words a responder would look for.
	for _, want := range []string{"data-breach", "service-outage", "compromised-server", "database-restore"} {
		if _, ok := l.Get(want); !ok {
			t.Errorf("no %s runbook", want)
		}
	}
	for _, topic := range []string{"spam", "exploit", "disclosure"} {
		found := false
		for _, r := range l.List() {
			if strings.Contains(strings.ToLower(r.ID+" "+r.Title), topic) {
				found = true
			}
		}
		if !found {
			t.Errorf("no runbook about %q", topic)
		}
	}
}

func TestListIsSortedAndEmbeddedIgnoresUserPolicy(t *testing.T) {
	l, ps := LoadLibrary(filepath.Join(t.TempDir(), "does-not-exist"), nil)
	if len(ps) > 0 {
		t.Fatalf("a missing user directory is not a problem: %v", ps)
	}
	var ids []string
	for _, r := range l.List() {
		ids = append(ids, r.ID)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Errorf("List not sorted by id: %v", ids)
		}
	}
	if pol, ok := Preset("working-days"); ok {
		// Embedded runbooks name the default policy's levels; another policy does not drop them.
		l2, ps := LoadLibrary("", pol)
		if len(ps) > 0 || len(l2.List()) != len(ids) {
			t.Errorf("with policy %s: %d runbooks, problems %v", pol.Name, len(l2.List()), ps)
		}
	}
}

// writeRunbook writes a small valid runbook with this id, version and step title.
func writeRunbook(t *testing.T, dir, file, id, version, stepTitle string) string {
	t.Helper()
	src := strings.NewReplacer(`"db-restore"`, `"`+id+`"`, `"1.0.0"`, `"`+version+`"`).Replace(head) +
		strings.Replace(okPhase, "Restore from the newest snapshot", stepTitle, 1)
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUserDirectoryOverridesEmbedded(t *testing.T) {
	dir := t.TempDir()
	emb, _ := LoadLibrary("", nil)
	orig, ok := emb.Get("data-breach")
	if !ok {
		t.Fatal("no embedded data-breach")
	}
	over := writeRunbook(t, dir, "my-breach.toml", "data-breach", "9.0.0", "Our own way")
	mine := writeRunbook(t, dir, "team-only.toml", "team-only", "0.1.0", "Team step")
	writeRunbook(t, dir, ".hidden.toml", "hidden", "1.0.0", "x")
	writeRunbook(t, dir, "notes.txt", "notes", "1.0.0", "x")
	if err := os.Mkdir(filepath.Join(dir, "sub.toml"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.toml"), []byte("schema = 1\nid = \"broken\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dup := writeRunbook(t, dir, "zz-dup.toml", "team-only", "0.2.0", "Dup")

	l, ps := LoadLibrary(dir, nil)
	got := problemLines(ps)
	if len(got) < 2 || !strings.HasPrefix(got[0], filepath.Join(dir, "broken.toml")+":1:1: missing required key") {
		t.Errorf("the broken user file must be reported with file:line:col:\n%s", strings.Join(got, "\n"))
	}
	if last := got[len(got)-1]; last != dup+": runbook id team-only is already defined by "+mine+"; this file is ignored" {
		t.Errorf("duplicate id: %s", last)
	}
	r, ok := l.Get("data-breach")
	if !ok || r.Source != over || r.Version.String() != "9.0.0" {
		t.Fatalf("user data-breach must win: %+v", r)
	}
	if s, ok := l.Shadowed("data-breach"); !ok || s != orig && s.Digest != orig.Digest || s.Source != SourceEmbedded {
		t.Errorf("Shadowed(data-breach) = %v, %v", s, ok)
	}
	if e, ok := l.Embedded("data-breach"); !ok || e.Digest != orig.Digest {
		t.Errorf("Embedded(data-breach) = %v, %v", e, ok)
	}
	if _, ok := l.Embedded("team-only"); ok {
		t.Error("Embedded(team-only) must not find a user runbook")
	}
	if e, ok := l.Embedded("service-outage"); !ok || e.Source != SourceEmbedded {
		t.Errorf("Embedded(service-outage) = %v, %v", e, ok)
	}
	if _, ok := l.Shadowed("service-outage"); ok {
		t.Error("service-outage is not overridden")
	}
	if r, ok := l.Get("team-only"); !ok || r.Source != mine {
		t.Errorf("team-only = %+v", r)
	}
	for _, id := range []string{"hidden", "notes", "broken"} {
		if _, ok := l.Get(id); ok {
			t.Errorf("%s must not load", id)
		}
	}
	if len(l.List()) != len(emb.List())+1 {
		t.Errorf("%d runbooks, want the %d embedded plus team-only", len(l.List()), len(emb.List()))
	}
}

func TestUserDirectoryThatIsAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "runbooks")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, ps := LoadLibrary(f, nil)
	if len(ps) != 1 || ps[0].String() != f+": runbook directory is a file, not a directory" {
		t.Errorf("problems %v", ps)
	}
	if len(l.List()) < 7 {
		t.Error("the embedded runbooks must still load")
	}
}

// BenchmarkLibraryLoad decodes, lints and cleans every embedded runbook. Target: under
// 5 ms (issue 2).
func BenchmarkLibraryLoad(b *testing.B) {
	pol := DefaultPolicy()
	var n int
	for _, e := range must(libraryFS.ReadDir("library")) {
		n += len(must(libraryFS.ReadFile("library/" + e.Name())))
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		l, ps := LoadLibrary("", pol)
		if len(ps) > 0 || len(l.List()) == 0 {
			b.Fatal(ps)
		}
	}
	// CPU time of the whole process (GC included) per load: on a machine shared with
	// other work, wall time per op also counts waiting for a core.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
