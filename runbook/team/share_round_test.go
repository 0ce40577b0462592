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

// A share round waits on a store that took the connection and does not answer, with
// the journal's lock held: meanwhile the responder's note and attachment are saved to
// the outbox at once (OpenQueued: no lock, no request), and when the store answers the
// same round shares them too, in order, each once.
func TestSavesQueueWhileAShareRoundWaits(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-round", false)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	loc := Location{Bucket: "team-round"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := &incident.Store{DataDir: t.TempDir(), Shared: New(s3Client(px.URL()), loc), Context: ctx, LockWait: 10 * time.Second}
	id := startWithQueuedNote(t, alice, px)

	px.Stall()
	px.Restore()
	type result struct {
		f   incident.Flushed
		err error
	}
	round := make(chan result, 1)
	go func() {
		inc, err := alice.Open(id, "alice@laptop") // its catch-up waits on the store
		if err != nil {
			round <- result{err: err}
			return
		}
		defer inc.Close()
		f, err := inc.Flush()
		round <- result{f, err}
	}()
	// The round is in flight once it holds the journal's lock.
	lockHeld := func() bool {
		j, err := journal.OpenMirror(alice.Dir(id)) // no request to the store
		if err == nil {
			j.Close()
		}
		var locked *journal.LockedError
		return errors.As(err, &locked)
	}
	for deadline := time.Now().Add(30 * time.Second); !lockHeld(); {
		select {
		case r := <-round:
			t.Fatalf("the round ended before the store answered: %+v", r)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the share round never took the journal's lock")
		}
		time.Sleep(20 * time.Millisecond)
	}

	queued, err := alice.OpenQueued(id, "alice@laptop")
	if err != nil {
		t.Fatal(err)
	}
	var q *incident.QueuedError
	if err := queued.AddNote("typed while it shared", ""); !errors.As(err, &q) || !errors.Is(q.Cause, incident.ErrSharing) || q.Pending != 2 {
		t.Fatalf("note during the round = %v, want queued behind the first (2) for the round", err)
	}
	ev := filepath.Join(t.TempDir(), "lb.log")
	os.WriteFile(ev, []byte("502 502\n"), 0o644)
	if _, err := queued.AttachTo(ev, "confirm", "load balancer log"); !errors.As(err, &q) || q.Pending != 3 {
		t.Fatalf("attach during the round = %v, want queued (3)", err)
	}
	if err := queued.CompleteStep("nosuch", ""); !incident.IsBadInput(err) {
		t.Errorf("an unknown step during the round = %v, want refused at once", err)
	}
	queued.Close()
	select {
	case r := <-round:
		t.Fatalf("the round ended while the store held its requests: %+v", r)
	default:
	}

	px.Resume()
	var r result
	select {
	case r = <-round:
	case <-time.After(90 * time.Second):
		t.Fatal("the round did not end once the store answered")
	}
	if r.err != nil || r.f.Published != 3 || r.f.Pending != 0 || len(r.f.Refused) != 0 {
		t.Fatalf("round = %+v, %v; want the 3 queued events shared", r.f, r.err)
	}
	if n := incident.Pending(alice.Dir(id)); n != 0 {
		t.Errorf("the outbox still holds %d", n)
	}
	lines, err := New(c, loc).Lines(ctx, id, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Event.Type)
	}
	if want := "started note note attached"; strings.Join(got, " ") != want {
		t.Errorf("the store's chain: %v, want %s", got, want)
	}
}

// A share round cut short while the store holds its request (the screen quits) keeps
// the event it was sending, with the line it sent, so neither a refusal nor a second
// copy comes of it: the next round finds the line in the store if it got there.
func TestCancelledShareRoundKeepsTheOutbox(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-cancel", false)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	loc := Location{Bucket: "team-cancel"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := &incident.Store{DataDir: t.TempDir(), Shared: New(s3Client(px.URL()), loc), Context: ctx}
	id := startWithQueuedNote(t, alice, px)
	px.Restore()

	roundCtx, stop := context.WithCancel(ctx)
	round := &incident.Store{DataDir: alice.DataDir, Shared: alice.Shared, Context: roundCtx}
	inc, err := round.Open(id, "alice@laptop") // caught up while the store answers
	if err != nil {
		t.Fatal(err)
	}
	px.Stall() // the publish is sent and never answered
	done := make(chan incident.Flushed, 1)
	var ferr error
	go func() { f, err := inc.Flush(); ferr = err; done <- f }()
	time.Sleep(300 * time.Millisecond)
	stop()
	var f incident.Flushed
	select {
	case f = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled round did not end")
	}
	inc.Close()
	if ferr != nil || f.Published != 0 || len(f.Refused) != 0 || f.Pending != 1 {
		t.Fatalf("cancelled round = %+v, %v; want the note kept, nothing refused", f, ferr)
	}
	refused, _ := incident.RefusedQueued(alice.Dir(id))
	if len(refused) != 0 {
		t.Errorf("set aside as refused: %+v", refused)
	}

	px.Resume()
	again, err := alice.Open(id, "alice@laptop")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if f, err := again.Flush(); err != nil || f.Published != 1 || f.Pending != 0 {
		t.Fatalf("next round = %+v, %v; want the note shared", f, err)
	}
	lines, err := New(c, loc).Lines(ctx, id, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Errorf("the store holds %d lines, want started and the note once", len(lines))
	}
}

// startWithQueuedNote starts an incident in st, cuts the store behind px and writes a
// note, which must be queued in the outbox; it returns the incident's id.
func startWithQueuedNote(t *testing.T, st *incident.Store, px *cutproxy.Proxy) string {
	t.Helper()
	inc, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	px.Cut()
	var q *incident.QueuedError
	if err := inc.AddNote("written on the train", ""); !errors.As(err, &q) {
		t.Fatalf("note with the store away = %v, want queued", err)
	}
	return inc.ID
}

// A queued event that meets an error the store answered with (here a retention the
// bucket cannot keep: moto answers 400 InvalidRequest) is not set aside as if it no
// longer applied: it stays first in the outbox, the round stops and says why, and once
// the configuration is fixed the next round shares it.
func TestStoreErrorKeepsTheQueuedEvent(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-keep", false)
	loc := Location{Bucket: "team-keep"}
	ctx := context.Background()
	st := &incident.Store{DataDir: t.TempDir(), Shared: New(c, loc), Context: ctx}
	inc, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	inc.Close()
	queued, err := st.OpenQueued(id, "alice@laptop")
	if err != nil {
		t.Fatal(err)
	}
	var q *incident.QueuedError
	if err := queued.AddNote("typed on the train", ""); !errors.As(err, &q) {
		t.Fatalf("note = %v, want queued", err)
	}

	misconfigured := &incident.Store{DataDir: st.DataDir, Shared: New(c, loc, WithRetention(Retention{Mode: "GOVERNANCE", Days: 1})), Context: ctx}
	round, err := misconfigured.Open(id, "alice@laptop")
	if err != nil {
		t.Fatal(err)
	}
	f, err := round.Flush()
	round.Close()
	if err == nil || !strings.Contains(err.Error(), "ObjectLockConfiguration") || f.Pending != 1 || len(f.Refused) != 0 || f.Cause == nil {
		t.Fatalf("round against a store that refuses = %+v, %v; want the note kept, the store's answer said", f, err)
	}
	if refused, _ := incident.RefusedQueued(st.Dir(id)); len(refused) != 0 {
		t.Fatalf("set aside as refused: %+v", refused)
	}

	round, err = st.Open(id, "alice@laptop")
	if err != nil {
		t.Fatal(err)
	}
	defer round.Close()
	if f, err := round.Flush(); err != nil || f.Published != 1 || f.Pending != 0 {
		t.Fatalf("round once fixed = %+v, %v; want the note shared", f, err)
	}
}
