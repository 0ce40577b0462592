package team

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/cutproxy"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// Alice decides a command against the state she folded; bob writes first; alice's
// command loses the race for the next line, catches up and is decided again by the
// same rules as any command: refused with who and when, or renumbered.
func TestACommandIsDecidedAgainAfterALostRace(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-decide", false)
	s := New(c, Location{Bucket: "team-decide"})
	rb := fixtureRunbook(t)
	steps := rb.Steps()
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	type cmd func(*incident.Incident) error
	note := func(inc *incident.Incident) error { return inc.AddNote("n", "") }
	for _, tc := range []struct {
		name       string
		setup      cmd // by alice, before both read the incident
		bob, alice cmd
		refused    string // alice's refusal holds these, with bob's name
		check      func(t *testing.T, inc *incident.Incident)
	}{
		{name: "step done", bob: func(i *incident.Incident) error { return i.CompleteStep("confirm", "") },
			alice: func(i *incident.Incident) error { return i.CompleteStep("confirm", "") }, refused: "step confirm is already done (by bob@desk at 20"},
		{name: "step skipped", bob: func(i *incident.Incident) error { return i.CompleteStep("confirm", "") },
			alice: func(i *incident.Incident) error { return i.SkipStep("confirm", "not needed") }, refused: "already done (by bob@desk"},
		{name: "step undone", setup: func(i *incident.Incident) error { return i.CompleteStep("confirm", "") },
			bob:   func(i *incident.Incident) error { return i.UndoStep("confirm", "not true") },
			alice: func(i *incident.Incident) error { return i.UndoStep("confirm", "") }, refused: "step confirm is not done or skipped; nothing to undo"},
		{name: "acknowledged", bob: func(i *incident.Incident) error { return i.Acknowledge() },
			alice: func(i *incident.Incident) error { return i.Acknowledge() }, refused: "was already acknowledged at"},
		{name: "follow-up done", setup: func(i *incident.Incident) error { _, err := i.AddFollowUp("ops", due, "rotate keys"); return err },
			bob:   func(i *incident.Incident) error { return i.CompleteFollowUp("F1", "") },
			alice: func(i *incident.Incident) error { return i.CompleteFollowUp("F1", "") }, refused: "follow-up F1 is already done (by bob@desk"},
		{name: "severity", bob: func(i *incident.Incident) error { return i.ChangeSeverity("critical", "spreading") },
			alice: func(i *incident.Incident) error { return i.ChangeSeverity("critical", "spreading") }, refused: "already critical (moved by bob@desk"},
		{name: "closed", bob: func(i *incident.Incident) error { return i.CloseIncident("", true, "moved to another ticket") },
			alice: note, refused: "is closed (by bob@desk at"},
		{name: "close gated by new work", setup: func(i *incident.Incident) error {
			for _, st := range steps {
				if err := i.CompleteStep(st.ID, ""); err != nil {
					return err
				}
			}
			return nil
		},
			bob:   func(i *incident.Incident) error { _, err := i.AddFollowUp("ops", due, "rotate keys"); return err },
			alice: func(i *incident.Incident) error { return i.CloseIncident("all done", false, "") }, refused: "cannot close"},
		{name: "follow-up renumbered", bob: func(i *incident.Incident) error { _, err := i.AddFollowUp("ops", due, "bob's"); return err },
			alice: func(i *incident.Incident) error {
				id, err := i.AddFollowUp("ops", due, "alice's")
				if err == nil && id != "F2" {
					return fmt.Errorf("alice's follow-up got id %s, want F2", id)
				}
				return err
			},
			check: func(t *testing.T, i *incident.Incident) {
				if f := i.State.FollowUps; len(f) != 2 || f[1].ID != "F2" || f[1].Text != "alice's" {
					t.Errorf("follow-ups %+v", f)
				}
			}},
		{name: "severity from what it now is", bob: func(i *incident.Incident) error { return i.ChangeSeverity("critical", "spreading") },
			alice: func(i *incident.Incident) error { return i.ChangeSeverity("low", "contained") },
			check: func(t *testing.T, i *incident.Incident) {
				if sv := i.State.Severities; len(sv) != 2 || sv[1].From != "critical" || sv[1].To != "low" {
					t.Errorf("severity changes %+v", sv)
				}
			}},
		{name: "outage window renumbered", bob: func(i *incident.Incident) error {
			_, err := i.RecordImpact(incident.ImpactOptions{Service: "checkout", Start: start})
			return err
		},
			alice: func(i *incident.Incident) error {
				w, err := i.RecordImpact(incident.ImpactOptions{Service: "search", Start: start})
				if err == nil && w != "W2" {
					return fmt.Errorf("alice's window got id %s, want W2", w)
				}
				return err
			},
			check: func(t *testing.T, i *incident.Incident) {
				if w := i.State.Windows(); len(w) != 2 || w[0].Service != "checkout" || w[1].Service != "search" {
					t.Errorf("windows %+v", w)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
			bob := &incident.Store{DataDir: t.TempDir(), Shared: s}
			inc, err := alice.Start(incident.StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(),
				Severity: "high", Title: tc.name, Actor: "alice@laptop"})
			if err != nil {
				t.Fatal(err)
			}
			defer inc.Close()
			if tc.setup != nil {
				if err := tc.setup(inc); err != nil {
					t.Fatal(err)
				}
			}
			binc, err := bob.Open(inc.ID, "bob@desk")
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.bob(binc); err != nil {
				t.Fatal(err)
			}
			binc.Close()
			before := inc.State.LastSeq
			err = tc.alice(inc)
			if inc.State.LastSeq == before {
				t.Fatalf("alice did not meet bob's line (seq %d)", before)
			}
			if tc.refused != "" {
				if !incident.IsRefused(err) || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("alice's command = %v, want a refusal with %q", err, tc.refused)
				}
				lines := storeChain(t, s, inc.ID)
				if n := strings.Count(string(lines), "\n"); uint64(n) != inc.State.LastSeq {
					t.Errorf("the store has %d lines, alice's state %d: the refused command wrote", n, inc.State.LastSeq)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, inc)
		})
	}
}

// A follow-up queued offline is decided again when the outbox is published: a
// follow-up bob added meanwhile moves it to the next id.
func TestQueuedFollowUpIsRenumbered(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-queued-fu", false)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	loc := Location{Bucket: "team-queued-fu"}
	alice := &incident.Store{DataDir: t.TempDir(), Shared: New(s3Client(px.URL()), loc)}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: New(c, loc)}
	inc, err := alice.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "queued", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	px.Cut()
	var q *incident.QueuedError
	if _, err := inc.AddFollowUp("alice", due, "alice's"); !errors.As(err, &q) {
		t.Fatalf("follow-up with the store away = %v, want queued", err)
	}
	binc, err := bob.Open(inc.ID, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := binc.AddFollowUp("bob", due, "bob's"); err != nil {
		t.Fatal(err)
	}
	binc.Close()
	px.Restore()
	if f, err := inc.Flush(); err != nil || f.Published != 1 {
		t.Fatalf("flush = %+v, %v", f, err)
	}
	if f := inc.State.FollowUps; len(f) != 2 || f[0].Text != "bob's" || f[1].ID != "F2" || f[1].Text != "alice's" {
		t.Errorf("follow-ups after the flush: %+v", f)
	}
}
