package team

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/runbook/incident"
)

// countingClient is an S3 client for the shared moto that counts the requests it sends.
func countingClient(n *atomic.Int64) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(moto), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		}),
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})},
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The TUI home polls Stamps every 2 s. With a team store that costs one listing of
// the store's incidents and one small listing per open incident: a closed incident
// takes no request, and only an incident with new lines is caught up.
func TestStampsPollAsksOnlyAboutOpenIncidents(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-poll", false)
	direct := New(c, Location{Bucket: "team-poll"})
	var requests atomic.Int64
	home := &incident.Store{DataDir: t.TempDir(), Shared: New(countingClient(&requests), Location{Bucket: "team-poll"})}
	var open string
	for i, id := range []string{"INC-POLL-1", "INC-POLL-2", "INC-POLL-3", "INC-POLL-4"} {
		_, inc := startTeam(t, direct, id, "alice@laptop")
		if i < 3 {
			if err := inc.CloseIncident("", true, "a test"); err != nil {
				t.Fatal(err)
			}
		} else {
			open = id
		}
		inc.Close()
	}
	if _, err := home.Stamps(); err != nil { // fetches all four
		t.Fatal(err)
	}
	requests.Store(0)
	before, err := home.Stamps()
	if err != nil {
		t.Fatal(err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("a poll with nothing new sent %d requests, want 2 (the incidents, then the open one's new lines)", n)
	}
	if err := joinTeam(t, direct, open, "bob@desk").AddNote("from bob", ""); err != nil {
		t.Fatal(err)
	}
	requests.Store(0)
	after, err := home.Stamps()
	if err != nil {
		t.Fatal(err)
	}
	if !after[open].Changed(before[open]) {
		t.Errorf("bob's note did not reach the home's stamps")
	}
	for id := range before {
		if id != open && after[id].Changed(before[id]) {
			t.Errorf("closed %s changed", id)
		}
	}
	// the incidents, the open one's new lines, then its catch-up: a listing and one GET
	if n := requests.Load(); n != 4 {
		t.Errorf("a poll with one new line sent %d requests, want 4", n)
	}
}
