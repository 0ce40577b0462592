package incident

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A symlink or FIFO planted as a team incident's outbox is refused: muster neither
// publishes what another file says as this machine's queued events, nor waits forever
// on a FIFO.
func TestOutboxIsNotReadThroughAPlant(t *testing.T) {
	dir := t.TempDir()
	elsewhere := filepath.Join(t.TempDir(), "planted.jsonl")
	if err := os.WriteFile(elsewhere, []byte(`{"type":"note","actor":"mallory","payload":{"text":"planted"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, OutboxFile)
	if err := os.Symlink(elsewhere, path); err != nil {
		t.Fatal(err)
	}
	if q, err := readQueue(path); err == nil || len(q) != 0 {
		t.Errorf("outbox through a symlink: %d queued, err %v; want refused", len(q), err)
	}
	if n := Pending(dir); n != 0 {
		t.Errorf("Pending through a symlink = %d, want 0", n)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	if _, err := readQueue(path); err == nil {
		t.Error("outbox as a FIFO was read; want refused")
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if q, err := readQueue(path); err != nil || len(q) != 0 {
		t.Errorf("no outbox: %d queued, err %v; want none, no error", len(q), err)
	}
}
