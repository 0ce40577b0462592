package team

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

func fixtureRunbook(t *testing.T) *runbook.Runbook {
	t.Helper()
	rb, problems := runbook.LoadFile("../incident/testdata/runbook.toml", nil)
	if len(problems) > 0 {
		t.Fatalf("fixture runbook: %v", problems)
	}
	return rb
}

// Two responders on two machines (two data directories) work one incident through the
// team store: each sees the other's work, and a step the other just marked done is
// refused with who and when.
func TestTwoRespondersOneIncident(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-incident", true)
	s := New(c, Location{Bucket: "team-incident", Prefix: "acme"}, WithRetention(Retention{Mode: "GOVERNANCE", Days: 1}))
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s}

	inc, err := alice.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	if !inc.Saved.Shared || inc.Saved.Seq != 1 || inc.Saved.Store != "s3://team-incident/acme" {
		t.Fatalf("start saved %+v, want seq 1 shared in the store", inc.Saved)
	}
	id := inc.ID

	// Bob has never seen the incident: opening it fetches it from the store.
	binc, err := bob.Open(id, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	if binc.State.Title != "Checkout is down" {
		t.Fatalf("bob's mirror folds to title %q", binc.State.Title)
	}
	if err := binc.CompleteStep("confirm", "confirmed from the dashboards"); err != nil {
		t.Fatal(err)
	}
	binc.Close()

	// Alice's state was folded before bob's step: her command loses the race for
	// seq 2, catches up and is refused with bob's name.
	err = inc.CompleteStep("confirm", "")
	if !incident.IsRefused(err) || !strings.Contains(err.Error(), "bob@desk") {
		t.Fatalf("alice completing bob's step = %v, want a refusal naming bob", err)
	}
	if got := inc.State.Step("confirm"); got.Status != incident.StepDone || got.By != "bob@desk" {
		t.Errorf("alice sees confirm as %+v", got)
	}
	if err := inc.AddNote("paging the database team", ""); err != nil {
		t.Fatal(err)
	}
	if inc.Saved.Seq != 3 || !inc.Saved.Shared {
		t.Errorf("alice's note saved %+v, want seq 3 shared", inc.Saved)
	}
	inc.Close()

	// Both mirrors are the store's chain, byte for byte.
	lines, err := s.Lines(context.Background(), id, 0, journal.Genesis)
	if err != nil || len(lines) != 3 {
		t.Fatalf("store: %d lines, %v", len(lines), err)
	}
	for _, dir := range []string{alice.Dir(id), bob.Dir(id)} {
		if dir == bob.Dir(id) {
			if failed, err := bob.Sync(); err != nil || len(failed) > 0 {
				t.Fatalf("bob's sync: %v %v", failed, err)
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, journal.FileName))
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		for _, l := range lines {
			want = append(want, l.Bytes...)
		}
		if string(b) != string(want) {
			t.Errorf("%s differs from the store's chain", dir)
		}
	}
	// The frozen runbook and policy are in the store too.
	for _, name := range []string{incident.RunbookFile, incident.PolicyFile} {
		if _, err := s.GetFile(context.Background(), id, name); err != nil {
			t.Errorf("frozen %s: %v", name, err)
		}
	}
}

// A responder whose store is unreachable is told the event was not saved; nothing is
// claimed as shared.
func TestUnreachableStoreSavesNothing(t *testing.T) {
	s := New(s3Client("http://127.0.0.1:1"), Location{Bucket: "team-down"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := &incident.Store{DataDir: t.TempDir(), Shared: s, Context: ctx}
	_, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "x", Actor: "a@b"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("start with the store down = %v, want an error naming the store's address", err)
	}
}
