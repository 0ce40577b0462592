package team

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/cutproxy"
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

// The store goes away: the responder's commands are queued, said to be queued, and
// published in order when it is back; one that no longer applies (a colleague did the
// step meanwhile) is refused, kept and reported, never dropped.
func TestOutboxWhileTheStoreIsAway(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-outbox", false)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	loc := Location{Bucket: "team-outbox"}
	viaProxy, direct := New(s3Client(px.URL()), loc), New(c, loc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := &incident.Store{DataDir: t.TempDir(), Shared: viaProxy, Context: ctx}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: direct, Context: ctx}

	inc, err := alice.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()

	px.Cut()
	var q *incident.QueuedError
	if err := inc.AddNote("written on the train", ""); !errors.As(err, &q) || q.Pending != 1 {
		t.Fatalf("note with the store away = %v, want queued (1)", err)
	}
	if err := inc.CompleteStep("confirm", ""); !errors.As(err, &q) || q.Pending != 2 {
		t.Fatalf("step with the store away = %v, want queued (2)", err)
	}
	if n := incident.Pending(inc.Dir); n != 2 {
		t.Fatalf("outbox holds %d, want 2", n)
	}
	binc, err := bob.Open(inc.ID, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	if err := binc.CompleteStep("confirm", "done from the office"); err != nil {
		t.Fatal(err)
	}
	binc.Close()

	px.Restore()
	if err := inc.AddNote("back online", ""); err != nil {
		t.Fatalf("note once the store is back: %v", err)
	}
	if inc.Flushed.Published != 1 || len(inc.Flushed.Refused) != 1 || !strings.Contains(inc.Flushed.Refused[0].Refused, "bob@desk") {
		t.Fatalf("flush = %+v, want the queued note published and the step refused naming bob", inc.Flushed)
	}
	if n := incident.Pending(inc.Dir); n != 0 {
		t.Errorf("outbox still holds %d", n)
	}
	refused, err := incident.RefusedQueued(inc.Dir)
	if err != nil || len(refused) != 1 || refused[0].Type != incident.EvStepDone {
		t.Errorf("outbox-refused = %+v, %v", refused, err)
	}
	lines, err := direct.Lines(ctx, inc.ID, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Event.Type+" "+l.Event.Actor)
	}
	want := []string{"started alice@laptop", "step.done bob@desk", "note alice@laptop", "note alice@laptop"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("the store's chain: %v, want %v", got, want)
	}
}

// startTeam starts incident id in the store s from a new data directory of its own (a
// responder's machine), and returns that store and the open incident.
func startTeam(t testing.TB, s *Store, id, actor string) (*incident.Store, *incident.Incident) {
	t.Helper()
	st := &incident.Store{DataDir: t.TempDir(), Shared: s, NewID: func(time.Time) string { return id }}
	rb, problems := runbook.LoadFile("../incident/testdata/runbook.toml", nil)
	if len(problems) > 0 {
		t.Fatalf("fixture runbook: %v", problems)
	}
	inc, err := st.Start(incident.StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return st, inc
}

// joinTeam opens incident id from a new data directory (another responder's machine).
func joinTeam(t testing.TB, s *Store, id, actor string) *incident.Incident {
	t.Helper()
	inc, err := (&incident.Store{DataDir: t.TempDir(), Shared: s}).Open(id, actor)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return inc
}
