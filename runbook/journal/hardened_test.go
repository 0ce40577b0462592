package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mkfifo(t *testing.T, path string) {
	t.Helper()
	os.Remove(path)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// within fails the test if f has not returned after a generous while: what it guards
// is a hang, not a speed.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s hangs", what)
	}
}

// `ln -sf /tmp/victim journal.lock` then a write used to truncate the victim.
func TestPlantedSymlinkIsNeverWrittenThrough(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 2)
	j.Close()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o600)
	for _, name := range []string{LockName, HeadName, FileName, SigName} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			saved, _ := os.ReadFile(path)
			os.Remove(path)
			if err := os.Symlink(victim, path); err != nil {
				t.Fatal(err)
			}
			defer func() { os.Remove(path); os.WriteFile(path, saved, 0o600) }()
			_, err := Open(dir, WithSigner(fakeSigner{}))
			var nr *NotRegularError
			if !errors.As(err, &nr) || !strings.Contains(err.Error(), name+" is a symbolic link") {
				t.Fatalf("Open through a symlinked %s: %v", name, err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious" {
				t.Fatalf("the victim was written: %q", b)
			}
		})
	}
}

type fakeSigner struct{}

func (fakeSigner) KeyFingerprint() (string, error)    { return "SHA256:fake", nil }
func (fakeSigner) SignJournal([]byte) ([]byte, error) { return []byte("sig"), nil }

// A FIFO planted as journal.head, the journal, a blob, a side file or the lock makes
// readers and the writer fail with the path named, never hang.
func TestPlantedFIFONeverHangs(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 2)
	src := filepath.Join(t.TempDir(), "evidence.txt")
	os.WriteFile(src, []byte("log"), 0o600)
	_, a, err := j.Attach("alice@laptop", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	for _, name := range []string{HeadName, a.Blob, FileName, LockName} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			saved, _ := os.ReadFile(path)
			mkfifo(t, path)
			defer func() { os.Remove(path); os.WriteFile(path, saved, 0o600) }()
			var rep Report
			var verr, rerr, oerr, xerr error
			within(t, "Verify", func() { rep, verr = Verify(dir) })
			within(t, "ReadAll", func() { _, rerr = ReadAll(dir) })
			within(t, "Open", func() {
				var j *Journal
				if j, oerr = Open(dir); oerr == nil {
					j.Close()
				}
			})
			within(t, "Export", func() { xerr = Export(dir, filepath.Join(t.TempDir(), "out"), nil) })
			named := func(err error) bool { return err != nil && strings.Contains(err.Error(), "named pipe") }
			switch name {
			case FileName:
				if !named(verr) || !named(rerr) || !named(oerr) || !named(xerr) {
					t.Errorf("journal FIFO: verify %v, read %v, open %v, export %v", verr, rerr, oerr, xerr)
				}
			case LockName:
				if !named(oerr) {
					t.Errorf("lock FIFO: open %v", oerr)
				}
			default:
				p, _ := rep.First()
				if rep.OK() || !strings.Contains(p.String(), "named pipe") || !named(xerr) {
					t.Errorf("%s FIFO: verify %v, export %v", name, rep.Problems, xerr)
				}
			}
		})
	}
}

// A symlink planted as attachments/ or attachments/sha256/ does not send the copy
// elsewhere.
func TestAttachRefusesASymlinkedStore(t *testing.T) {
	j, dir := newIncident(t)
	src := filepath.Join(t.TempDir(), "a.log")
	os.WriteFile(src, []byte("x"), 0o600)
	elsewhere := t.TempDir()
	os.RemoveAll(filepath.Join(dir, AttachDir))
	os.Symlink(elsewhere, filepath.Join(dir, AttachDir))
	if _, _, err := j.Attach("alice@laptop", src, nil); err == nil || !strings.Contains(err.Error(), "symbolic link, not a directory") {
		t.Fatalf("attach into a symlinked store: %v", err)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Fatalf("files written through the link: %v", ents)
	}
}

// A file that keeps growing while it is attached (a log being written) is copied up
// to GrowthLimit of its size when the copy started, and the record says it was cut.
func TestAttachOfAGrowingFileIsBounded(t *testing.T) {
	defer func(m int64) { growthMargin = m }(growthMargin)
	growthMargin = 4096 // so that the writer below outgrows it at once
	j, dir := newIncident(t)
	src := filepath.Join(t.TempDir(), "growing.log")
	os.WriteFile(src, []byte(strings.Repeat("start\n", 1000)), 0o600)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { // another process appending as fast as it can
		defer close(done)
		f, _ := os.OpenFile(src, os.O_WRONLY|os.O_APPEND, 0)
		defer f.Close()
		chunk := []byte(strings.Repeat("log line\n", 7000))
		for {
			select {
			case <-stop:
				return
			default:
				f.Write(chunk)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for try := 0; try < 20; try++ {
		before, _ := os.Stat(src)
		_, a, err := j.Attach("alice@laptop", src, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Size < before.Size() || a.Size > GrowthLimit(a.Size) {
			t.Fatalf("copied %d bytes of a file of %d bytes before the copy", a.Size, before.Size())
		}
		if a.Cut {
			if !a.Changed {
				t.Errorf("a cut copy is not marked changed_while_copying: %+v", a)
			}
			mustVerify(t, dir)
			return
		}
	}
	t.Fatal("the copy never outgrew the bound")
}

func TestGrowthLimit(t *testing.T) {
	for _, c := range []struct{ size, want int64 }{{0, 1 << 20}, {100, 100 + 1<<20}, {100 << 20, 110 << 20}} {
		if got := GrowthLimit(c.size); got != c.want {
			t.Errorf("GrowthLimit(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}

func TestActorRefusesInvisibleAndBlankNames(t *testing.T) {
	j, _ := newIncident(t)
	for _, actor := range []string{"  ", "\u3000", "ali\u202Ece", "bob\u200B", "\u2066eve\u2069", "mal\uFEFFlory"} {
		if _, err := j.Append(actor, "note", nil); err == nil {
			t.Errorf("actor %q accepted", actor)
		}
	}
	if _, err := j.Append("Zoë Ødegård@laptop", "note", nil); err != nil {
		t.Errorf("a plain non-ASCII name: %v", err)
	}
}
