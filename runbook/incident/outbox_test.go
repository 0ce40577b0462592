package incident

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// A screen's save to an outbox that a plant makes unreadable is not saved, and the
// error says so without blaming the store, which was never asked.
func TestQueueOnlySaveThroughAPlantSaysWhy(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(t.TempDir(), "planted.jsonl"), filepath.Join(dir, OutboxFile)); err != nil {
		t.Fatal(err)
	}
	inc := &Incident{ID: "INC-20261123-ABCDE", Dir: dir, Actor: "alice@laptop", now: time.Now, queueOnly: true}
	err := inc.queue(EvNote, Note{Text: "typed on the train"}, ErrSharing, nil)
	var q *QueuedError
	if err == nil || errors.As(err, &q) || !strings.HasPrefix(err.Error(), "the outbox of INC-20261123-ABCDE on this machine cannot be read: ") ||
		strings.Contains(err.Error(), "unreachable") {
		t.Errorf("save through a planted outbox = %v, want it refused, naming the outbox", err)
	}
}
