package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps what a failed comparison said instead of failing
// the test that checks the helper.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range args {
		r.errors = append(r.errors, strings.TrimSpace(strings.ReplaceAll(toString(a), "\n", " ")))
	}
}
func (r *recorder) FailNow() {}
func (r *recorder) Helper()  {}

func toString(a any) string {
	if e, ok := a.(error); ok {
		return e.Error()
	}
	if s, ok := a.(string); ok {
		return s
	}
	return "?"
}

func TestAssertComparesWithTheGoldenFile(t *testing.T) {
	if f := flag.Lookup("update"); Updating() || (f != nil && f.Value.String() == "true") {
		t.Skip("goldens are being rewritten: a comparison would rewrite this package's own")
	}
	Assert(t, "line", []byte("a golden line\n"))
	AssertFile(t, "report.md", []byte("# a golden report\n"))

	r := &recorder{TB: t}
	Assert(r, "line", []byte("another line\n"))
	if len(r.errors) == 0 {
		t.Error("a changed output passed")
	}
	r = &recorder{TB: t}
	Assert(r, "no-such-golden", []byte("x"))
	if len(r.errors) == 0 {
		t.Error("a missing golden passed")
	}
}

func TestUpdateRewritesTheGolden(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	t.Setenv("GOLDIE_UPDATE", "1")
	Assert(t, "fresh", []byte("new screen\n"))
	AssertFile(t, "fresh.json", []byte("{}\n"))
	for file, want := range map[string]string{"fresh.golden": "new screen\n", "fresh.json": "{}\n"} {
		b, err := os.ReadFile(filepath.Join(dir, Dir, file))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q %v, want %q", file, b, err, want)
		}
	}
}

func TestUpdating(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true, "yes": true} {
		t.Setenv("GOLDIE_UPDATE", v)
		if got := Updating(); got != want {
			t.Errorf("GOLDIE_UPDATE=%q: %v, want %v", v, got, want)
		}
	}
}
