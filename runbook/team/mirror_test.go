package team

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// storeChain is the store's lines of incident id, concatenated.
func storeChain(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	lines, err := s.Lines(context.Background(), id, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, l := range lines {
		b = append(b, l.Bytes...)
	}
	return b
}

// A mirror whose last copy was torn (a crash in the middle of copying a line) is
// repaired from the store: the torn bytes are cut, the line is fetched again, and the
// mirror stays byte for byte the store's chain, with no local "recovered" line and no
// side file, whether it is caught up by a sync (the TUI's poll) or opened for a
// command.
func TestTornMirrorIsRefetched(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-torn", false)
	s := New(c, Location{Bucket: "team-torn"})
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s}
	inc, err := alice.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	if err := inc.AddNote("first", ""); err != nil {
		t.Fatal(err)
	}
	inc.Close()

	for _, how := range []string{"sync", "open"} {
		t.Run(how, func(t *testing.T) {
			binc, err := bob.Open(id, "bob@desk")
			if err != nil {
				t.Fatal(err)
			}
			if err := binc.AddNote("bob's note before the crash ("+how+")", ""); err != nil {
				t.Fatal(err)
			}
			binc.Close()
			// Alice's machine crashed while copying bob's line: half of it is on disk.
			chain := storeChain(t, s, id)
			last := chain[bytes.LastIndexByte(chain[:len(chain)-1], '\n')+1:]
			path := filepath.Join(alice.Dir(id), journal.FileName)
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(last[:len(last)/2]); err != nil {
				t.Fatal(err)
			}
			f.Close()

			if how == "sync" {
				if failed, err := alice.Sync(); err != nil || len(failed) > 0 {
					t.Fatalf("sync of a torn mirror: %v %v", failed, err)
				}
			} else {
				ainc, err := alice.Open(id, "alice@laptop")
				if err != nil {
					t.Fatal(err)
				}
				if err := ainc.AddNote("after the crash", ""); err != nil {
					t.Fatal(err)
				}
				ainc.Close()
				chain = storeChain(t, s, id)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, chain) {
				t.Fatalf("the mirror differs from the store's chain:\nmirror:\n%s\nstore:\n%s", got, chain)
			}
			ents, _ := os.ReadDir(alice.Dir(id))
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "journal.torn-") {
					t.Errorf("side file %s left in a mirror", e.Name())
				}
			}
			if r, err := s.VerifyRemote(context.Background(), id, alice.Dir(id)); err != nil || !r.OK() {
				t.Errorf("verify --remote after the repair: %+v %v", r.Problems, err)
			}
		})
	}
}

// A team incident's mirror is not written without its store (--store "" by mistake):
// a local line would fork it from the team's chain.
func TestTeamIncidentNeedsItsStore(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-needs-store", false)
	s := New(c, Location{Bucket: "team-needs-store", Prefix: "ops"})
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
	inc, err := alice.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	inc.Close()
	_, err = (&incident.Store{DataDir: alice.DataDir}).Open(inc.ID, "alice@laptop")
	if !incident.IsRefused(err) || !strings.Contains(err.Error(), "s3://team-needs-store/ops") {
		t.Fatalf("opening a team incident without its store = %v, want a refusal naming the store", err)
	}
}
