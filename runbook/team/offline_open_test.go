package team

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// A command on a team incident opened while the store cannot be reached (a fresh
// process: the CLI, a TUI action) is queued in the outbox, not refused: Open works on
// the mirror as it stands.
func TestOpenWhileTheStoreIsAwayQueues(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-open-offline", false)
	loc := Location{Bucket: "team-open-offline"}
	dir := t.TempDir()
	live := &incident.Store{DataDir: dir, Shared: New(c, loc)}
	inc, err := live.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	inc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	away := &incident.Store{DataDir: dir, Shared: New(s3Client("http://127.0.0.1:1"), loc), Context: ctx}
	inc, err = away.Open(inc.ID, "alice@laptop")
	if err != nil {
		t.Fatalf("open with the store away = %v, want the mirror", err)
	}
	defer inc.Close()
	var q *incident.QueuedError
	if err := inc.AddNote("written on the train", ""); !errors.As(err, &q) || q.Pending != 1 {
		t.Fatalf("note with the store away = %v, want queued (1)", err)
	}
}
