package e2e_test

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/internal/motoserver"
)

// teamBound is how long the other responder's screen may take to show a step: the
// screens poll every 2 s, and a loaded machine (the tests share two cores with other
// work) needs time to list, fetch, fold and draw. The latency measured is logged.
const teamBound = 2*time.Second + 3*time.Second

// Two responders on two data directories (two machines) have one team incident open
// in the built binary's TUI against one store: Alice marks a step, and Bob's screen
// shows it done, by her, within the poll; each header names the other as present.
func TestTwoScreensOneTeamIncident(t *testing.T) {
	requireTmux(t)
	endpoint := motoserver.Start(t)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		})})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("e2e-team"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	bin := buildMuster(t)
	env := fmt.Sprintf("env NO_COLOR=1 AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=AKIDMUSTERTEST AWS_SECRET_ACCESS_KEY=muster-test-secret "+
		"AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true "+
		"MUSTER_STORE=s3://e2e-team/acme", endpoint)
	aliceHome, bobHome := t.TempDir(), t.TempDir()
	start := exec.Command("sh", "-c", fmt.Sprintf("%s MUSTER_HOME=%s %s --actor alice@laptop incident start --runbook service-outage --severity critical --title %q",
		env, aliceHome, bin, "Checkout API down"))
	out, err := start.Output()
	if err != nil {
		t.Fatalf("incident start: %v\n%s", err, out)
	}
	id := strings.TrimSpace(string(out))

	alice := newTerm(t, fmt.Sprintf("%s MUSTER_HOME=%s %s --actor alice@laptop incident resume %s", env, aliceHome, bin, id))
	bob := newTerm(t, fmt.Sprintf("%s MUSTER_HOME=%s %s --actor bob@desk incident resume %s", env, bobHome, bin, id)) // fetched from the store
	screen := alice.waitFor(id, "▸ · ")
	bob.waitFor(id, "▸ · ")
	// Each names the other once both heartbeats are in (the first at each screen's
	// first poll).
	alice.waitFor("● also here: bob@desk")
	bob.waitFor("● also here: alice@laptop")

	m := regexp.MustCompile(`▸ · (.+?)\s*│`).FindStringSubmatch(screen) // the list, left of the detail pane
	if m == nil {
		t.Fatalf("no step selected on alice's screen:\n%s", screen)
	}
	step := m[1]
	if strings.Contains(bob.screen(), "✓ "+step) {
		t.Fatalf("bob's screen shows %q done before alice marked it", step)
	}
	alice.keys("Space")
	// Saved on her machine at once, then shared in the background.
	alice.waitFor("✓ shared with the team: step", "✓ "+step)
	shown := time.Now()
	bob.waitWithin(teamBound, "✓ "+step)
	t.Logf("alice's step reached bob's screen %v after hers showed it saved", time.Since(shown).Round(10*time.Millisecond))

	for _, x := range []*term{alice, bob} {
		x.keys("q")
		x.waitFor("muster exited with status 0")
	}
	out, err = exec.Command("sh", "-c", fmt.Sprintf("%s MUSTER_HOME=%s %s evidence verify %s --remote", env, bobHome, bin, id)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the local copy is the same chain") {
		t.Fatalf("bob's evidence verify --remote: %v\n%s", err, out)
	}
}
