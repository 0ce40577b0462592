package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/backup/mototest"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/team"
)

// Two responders on two machines share one incident through --store: the second sees
// it in incident list, works it, and the first is refused a step the second just did.
func TestTeamIncidentThroughTheCLI(t *testing.T) {
	teamBucket(t, "muster-team")
	t.Setenv("MUSTER_STORE", "s3://muster-team/acme")

	alice, bob := newCLI(t), newCLI(t)
	bob.actor = "bob@desk"
	id := strings.TrimSpace(alice.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	if list := bob.ok("incident", "list"); !strings.Contains(list, id) {
		t.Fatalf("bob's incident list does not show %s:\n%s", id, list)
	}
	out := bob.ok("incident", "note", id, "database team paged")
	if !strings.Contains(out, "shared in s3://muster-team/acme") {
		t.Errorf("bob's note: %q, want it to say it is shared", out)
	}
	v, err := (&incident.Store{DataDir: bob.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	step := v.Runbook.Steps()[1].ID
	bob.ok("incident", "step", id, step, "--done")
	errs := alice.exits(1, "incident", "step", id, step, "--done")
	if !strings.Contains(errs, "bob@desk") {
		t.Errorf("alice's step after bob's: %q, want bob named", errs)
	}
	show := alice.ok("incident", "show", id)
	if !strings.Contains(show, "database team paged") && !strings.Contains(show, "bob@desk") {
		t.Errorf("alice's show does not include bob's work:\n%s", show)
	}
	code, doctor, _ := alice.run("", "team", "doctor")
	if code != 1 || !strings.Contains(doctor, "fail  public access") || !strings.Contains(doctor, "ok    conditional writes") {
		t.Errorf("team doctor on a bucket without a public access block: exit %d\n%s", code, doctor)
	}
	noteWhileTheStoreStalls(t, alice, id) // team_stall_test.go
	noteWithoutCredentials(t, alice, id)  // team_nocreds_test.go
}

// A write that meets another writer's lock waits for it (--wait, 10 s by default)
// instead of failing; with --wait 0 it is refused at once, naming the holder.
func TestWriteWaitsForTheLock(t *testing.T) {
	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	inc, err := (&incident.Store{DataDir: c.home}).Open(id, "bob@desk")
	if err != nil {
		t.Fatal(err)
	}
	errs := c.exits(2, "--wait", "0", "incident", "note", id, "refused at once")
	if !strings.Contains(errs, "being written by bob@desk") {
		t.Errorf("--wait 0: %q, want the holder named", errs)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		inc.Close()
		close(released)
	}()
	c.ok("incident", "note", id, "written once bob's write is done")
	<-released
	v, err := (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Events[len(v.Events)-1]; got.Type != incident.EvNote {
		t.Errorf("last event %s, want the note", got.Type)
	}
}

// evidence verify --remote passes on a shared incident, and fails once this machine's
// copy is rewritten.
func TestEvidenceVerifyRemote(t *testing.T) {
	teamBucket(t, "muster-verify")
	a := newCLI(t)
	// The store comes from config.toml's [team] table this time.
	if err := os.WriteFile(filepath.Join(a.home, "config.toml"), []byte("[team]\nstore = \"s3://muster-verify/x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(a.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	a.ok("incident", "note", id, "first note")
	if out := a.ok("evidence", "verify", id, "--remote"); !strings.Contains(out, "the local copy is the same chain") {
		t.Errorf("verify --remote of an intact incident:\n%s", out)
	}
	path := filepath.Join(a.home, "incidents", id, "journal.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte("first note"), []byte("first nope"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := a.run("", "evidence", "verify", id, "--remote")
	if code != 1 || !strings.Contains(out, "remote: line 2 (seq 2)") {
		t.Errorf("verify --remote after a local edit: exit %d\n%s", code, out)
	}
}

// [team] retention in config.toml: every line muster writes to the store carries that
// Object Lock retention, and the bucket refuses to delete the locked version.
func TestTeamRetentionFromConfig(t *testing.T) {
	c := teamBucket(t, "muster-locked")
	a := newCLI(t)
	cfg := "[team]\nstore = \"s3://muster-locked/acme\"\nretention_mode = \"GOVERNANCE\"\nretention_days = 3\n"
	if err := os.WriteFile(filepath.Join(a.home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(a.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	a.ok("incident", "note", id, "locked note")
	key := team.New(c, team.Location{Bucket: "muster-locked", Prefix: "acme"}).EventKey(id, 2)
	ctx := context.Background()
	// moto does not serve GetObjectRetention; HeadObject reports the lock as S3 does.
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("muster-locked"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	until := aws.ToTime(head.ObjectLockRetainUntilDate)
	if head.ObjectLockMode != "GOVERNANCE" || until.Before(time.Now().Add(71*time.Hour)) || until.After(time.Now().Add(73*time.Hour)) {
		t.Errorf("retention %q until %s, want GOVERNANCE for 3 days", head.ObjectLockMode, until)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("muster-locked"), Key: aws.String(key), VersionId: head.VersionId}); err == nil {
		t.Errorf("the locked version of %s was deleted", key)
	}
	// A bad retention is refused before anything is written, where it stands.
	if err := os.WriteFile(filepath.Join(a.home, "config.toml"), []byte(strings.Replace(cfg, "GOVERNANCE", "governance", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if errs := a.exits(2, "incident", "note", id, "not written"); !strings.Contains(errs, "config.toml:3:1: retention_mode \"governance\"") {
		t.Errorf("bad retention_mode: %s", errs)
	}
}

// teamBucket starts moto for the test, points the AWS configuration chain of the
// commands it runs at it (mototest.Env), and makes an Object Lock bucket there.
func teamBucket(t *testing.T, bucket string) *s3.Client {
	t.Helper()
	endpoint := mototest.Start(t)
	for _, kv := range mototest.Env(endpoint, "us-east-1") {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		})})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	return c
}
