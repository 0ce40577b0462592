package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/internal/motoserver"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/team"
)

// The incident screen of a team incident names who else has it open (their heartbeat
// in the store), says this responder is here too, and drops a name that left; a
// local incident asks nothing.
func TestPresenceShowsWhoElseIsHere(t *testing.T) {
	endpoint := motoserver.Start(t)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		})})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tui-presence")}); err != nil {
		t.Fatal(err)
	}
	ts := team.New(c, team.Location{Bucket: "tui-presence"})
	d, clk := fixture(t)
	d.Store.Shared = ts
	inc := openIncident(t, d, "service-outage", "high", "Checkout down")
	must(t, inc.Close())
	bob := &incident.Store{DataDir: t.TempDir(), Shared: ts}
	must(t, bob.SyncIncident(inc.ID))
	must(t, bob.Heartbeat(inc.ID, "bob@desk", "watch"))

	m := newModel(t, d, Options{Resume: inc.ID}, 100, 30)
	m = tickAt(t, m, clk, clk.Now())
	if got := shot(m); !strings.Contains(got, "● also here: bob@desk") || strings.Contains(got, "also here: alice") {
		t.Fatalf("the screen does not name bob (only):\n%s", got)
	}
	seen, err := bob.Presence(inc.ID, "bob@desk")
	if err != nil || len(seen) != 1 || seen[0].Actor != "alice@laptop" {
		t.Fatalf("bob sees %v, %v; want alice, whose screen is open", seen, err)
	}
	// Alice's screen closes: her name goes at once.
	d.Store.LeaveAll()
	if seen, err := bob.Presence(inc.ID, "bob@desk"); err != nil || len(seen) != 0 {
		t.Errorf("after alice's screen closed bob sees %v, %v", seen, err)
	}
	must(t, bob.Leave(inc.ID, "bob@desk"))
	m = tickAt(t, m, clk, clk.Now().Add(pollEvery))
	if got := shot(m); strings.Contains(got, "also here") {
		t.Errorf("bob left, the screen still names him:\n%s", got)
	}

	// A local incident keeps no presence: the screen stops asking.
	local, lclk := fixture(t)
	linc := openIncident(t, local, "service-outage", "high", "Local")
	must(t, linc.Close())
	lm := newModel(t, local, Options{Resume: linc.ID}, 100, 30)
	lm = tickAt(t, lm, lclk, lclk.Now())
	if lm.presence.polling || lm.presence.names != nil {
		t.Errorf("a local incident's presence: %+v", lm.presence)
	}
}
