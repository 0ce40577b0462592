package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// OpenMirror never writes a line of its own: a torn tail is cut, without a recovered
// event or side file, so the mirror stays the shared store's lines byte for byte.
func TestOpenMirrorCutsATornTail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inc")
	j, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	var chain []byte
	prev := Genesis
	for i := uint64(1); i <= 3; i++ {
		line, err := BuildLine(prev, i, time.Now(), "alice@a", "note", map[string]uint64{"i": i})
		if err != nil {
			t.Fatal(err)
		}
		e, err := j.AppendLine(line)
		if err != nil {
			t.Fatal(err)
		}
		prev, chain = e.Hash, append(chain, line...)
	}
	j.Close()
	next, _ := BuildLine(prev, 4, time.Now(), "bob@b", "note", map[string]int{"i": 4})
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, append(bytes.Clone(chain), next[:len(next)/2]...), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := OpenMirror(dir)
	if err != nil {
		t.Fatal(err)
	}
	if seq, hash := m.Last(); seq != 3 || hash != prev {
		t.Errorf("mirror opens at seq %d, want 3", seq)
	}
	if len(m.Recoveries()) != 0 {
		t.Errorf("recoveries %+v in a mirror", m.Recoveries())
	}
	if _, err := m.AppendLine(next); err != nil {
		t.Fatalf("the line fetched again: %v", err)
	}
	m.Close()
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, append(chain, next...)) {
		t.Errorf("mirror after the repair:\n%s", got)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tornPre) {
			t.Errorf("side file %s in a mirror", e.Name())
		}
	}
}

// AppendLines writes a catch-up's lines at once, byte for byte, and refuses the whole
// batch when one line does not follow the one before it: nothing is written.
func TestAppendLinesAllOrNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inc")
	j, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var lines [][]byte
	prev := Genesis
	for i := uint64(1); i <= 4; i++ {
		line, _ := BuildLine(prev, i, time.Now(), "alice@a", "note", map[string]uint64{"i": i})
		e, _ := DecodeLine(line)
		prev, lines = e.Hash, append(lines, line)
	}
	path := filepath.Join(dir, FileName)
	stray, _ := BuildLine(Genesis, 3, time.Now(), "mallory@m", "note", map[string]int{"i": 3})
	if _, err := j.AppendLines([][]byte{lines[0], lines[1], stray}); !errors.Is(err, ErrNotNext) {
		t.Fatalf("a batch with a line that does not chain: %v, want ErrNotNext", err)
	}
	if got, _ := os.ReadFile(path); len(got) != 0 {
		t.Fatalf("a refused batch wrote %q", got)
	}
	if _, err := j.AppendLines([][]byte{lines[0], bytes.TrimSuffix(lines[1], []byte("\n"))}); err != nil {
		t.Fatal(err)
	}
	events, err := j.AppendLines(lines[2:])
	if err != nil || len(events) != 2 || events[1].Seq != 4 || events[1].Hash != prev {
		t.Fatalf("AppendLines = %+v, %v", events, err)
	}
	if seq, hash := j.Last(); seq != 4 || hash != prev {
		t.Errorf("Last() = %d %s, want 4 %s", seq, hash, prev)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, bytes.Join(lines, nil)) {
		t.Errorf("journal after the batches:\n%s", got)
	}
	if r, err := Verify(dir); err != nil || !r.OK() {
		t.Errorf("verify after the batches: %+v, %v", r, err)
	}
}
