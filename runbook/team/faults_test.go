package team

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// A store whose bucket does not exist says so, and leaves nothing behind: no
// half-made incident on this machine.
func TestWrongBucket(t *testing.T) {
	c := motoS3(t)
	st := &incident.Store{DataDir: t.TempDir(), Shared: New(c, Location{Bucket: "no-such-team-bucket", Prefix: "ops"})}
	_, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "x", Actor: "a@b"})
	if err == nil || !strings.Contains(err.Error(), "the bucket does not exist") || errors.Is(err, incident.ErrQueued) {
		t.Fatalf("start with a wrong bucket = %v, want an error saying the bucket does not exist", err)
	}
	if list, err := st.List(); err != nil || len(list) != 0 {
		t.Errorf("a failed team start left %d incident(s) here: %+v %v", len(list), list, err)
	}
}

// An object in the store that is not a valid line is reported with its key and never
// folded: the sync names it, the mirror keeps the lines before it, and a command that
// meets it fails naming it instead of writing past it.
func TestBadObjectIsReportedNeverFolded(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-bad-object", false)
	s := New(c, Location{Bucket: "team-bad-object", Prefix: "ops"})
	alice, inc := startTeam(t, s, "INC-BAD", "alice@laptop")
	if err := inc.AddNote("good", ""); err != nil {
		t.Fatal(err)
	}
	inc.Close()
	key := s.EventKey("INC-BAD", 3)
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("team-bad-object"), Key: aws.String(key),
		Body: strings.NewReader(`{"seq":3,"type":"note","data":{"text":"folded?"}}` + "\n")}); err != nil {
		t.Fatal(err)
	}
	if failed, err := alice.Sync(); err != nil || failed["INC-BAD"] == nil || !strings.Contains(failed["INC-BAD"].Error(), key) {
		t.Fatalf("sync over a bad object = %v %v, want INC-BAD failed naming %s", failed, err, key)
	}
	v, err := alice.Load("INC-BAD")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Events) != 2 || len(v.State.Notes) != 1 {
		t.Errorf("the mirror holds %d events, %d notes; want the 2 good lines only", len(v.Events), len(v.State.Notes))
	}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s}
	if _, err := bob.Open("INC-BAD", "bob@desk"); err == nil || !strings.Contains(err.Error(), key) {
		t.Errorf("bob opening the incident = %v, want an error naming %s", err, key)
	}
	if _, err := alice.Open("INC-BAD", "alice@laptop"); err == nil || !strings.Contains(err.Error(), key) || errors.Is(err, incident.ErrQueued) {
		t.Fatalf("alice opening the incident to write = %v, want an error naming %s", err, key)
	}
	var ce *ChainError
	if lines, err := s.Lines(context.Background(), "INC-BAD", 0, journal.Genesis); len(lines) != 2 || !errors.As(err, &ce) || ce.Key != key {
		t.Errorf("the store's chain: %d good lines, %v; want 2 and the bad object named", len(lines), err)
	}
}

// Two machines whose clocks disagree: the store's order wins (one chain, folded in
// seq order), and each event keeps the time its writer's clock gave, shown as written.
func TestClockSkewStoreOrderWins(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-skew", false)
	s := New(c, Location{Bucket: "team-skew"})
	alice, inc := startTeam(t, s, "INC-SKEW", "alice@laptop")
	if err := inc.AddNote("alice first", ""); err != nil {
		t.Fatal(err)
	}
	inc.Close()
	slow := time.Now().Add(-2 * time.Hour) // bob's laptop is two hours behind
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s, Now: func() time.Time { return slow }}
	binc, err := bob.Open("INC-SKEW", "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	if err := binc.CompleteStep("confirm", "bob second, by the store's order"); err != nil {
		t.Fatal(err)
	}
	binc.Close()
	if err := alice.SyncIncident("INC-SKEW"); err != nil {
		t.Fatal(err)
	}
	v, err := alice.Load("INC-SKEW")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Events) != 3 || v.Events[1].Actor != "alice@laptop" || v.Events[2].Actor != "bob@desk" {
		t.Fatalf("events %+v, want alice's note then bob's step, in the store's order", v.Events)
	}
	if !v.Events[2].Time.Before(v.Events[1].Time) || !v.Events[2].Time.Equal(slow.UTC().Truncate(time.Microsecond)) && !v.Events[2].Time.Equal(slow.UTC()) {
		t.Errorf("bob's step is stamped %s, want his clock's %s, earlier than alice's note %s", v.Events[2].Time, slow.UTC(), v.Events[1].Time)
	}
	if got := v.State.Step("confirm"); got.Status != incident.StepDone || got.By != "bob@desk" {
		t.Errorf("confirm %+v, want done by bob", got)
	}
	// The chain is whole, and verify compares times per actor: bob's clock being
	// two hours behind alice's is no sign of a forged line.
	if rep, err := journal.Verify(alice.Dir("INC-SKEW")); err != nil || !rep.OK() {
		t.Errorf("verify of a chain with a clock two hours behind: %v %v", err, rep.Problems)
	}
	if r, err := s.VerifyRemote(context.Background(), "INC-SKEW", alice.Dir("INC-SKEW")); err != nil || !r.OK() {
		t.Errorf("verify --remote: %+v %v", r.Problems, err)
	}
	if _, err := os.Stat(filepath.Join(alice.Dir("INC-SKEW"), journal.FileName)); err != nil {
		t.Fatal(err)
	}
}
