package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/internal/motoserver"
)

// teamEnv points the CLI at a fresh bucket (with Object Lock) in a moto of the test's.
func teamEnv(t *testing.T, bucket string) *s3.Client {
	t.Helper()
	endpoint := motoserver.Start(t)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "AKIDMUSTERTEST", "AWS_SECRET_ACCESS_KEY": "muster-test-secret",
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED": "true", "MUSTER_STORE": "s3://" + bucket + "/acme",
	} {
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

// Alice attaches a file to a team incident; Bob, on another machine, writes it out,
// verifies it against the store and exports it: the blob comes from the store, checked.
func TestTeamAttachmentThroughTheCLI(t *testing.T) {
	teamEnv(t, "muster-attach")
	alice, bob := newCLI(t), newCLI(t)
	bob.actor = "bob@desk"
	id := strings.TrimSpace(alice.ok("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down"))
	evidence := filepath.Join(t.TempDir(), "db.log")
	content := bytes.Repeat([]byte("ERROR connection refused\n"), 2000)
	if err := os.WriteFile(evidence, content, 0o600); err != nil {
		t.Fatal(err)
	}
	out := alice.ok("incident", "attach", id, evidence)
	if !strings.Contains(out, "(seq 2, shared in s3://muster-attach/acme)") {
		t.Fatalf("attach: %q, want it shared as seq 2", out)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.log")
	bob.ok("incident", "attachment", id, "2", "--out", copyPath)
	if got, _ := os.ReadFile(copyPath); !bytes.Equal(got, content) {
		t.Fatal("bob's copy of the attachment differs")
	}
	bob.exits(2, "incident", "attachment", id, "2", "--out", copyPath) // never overwrites
	verify := bob.ok("evidence", "verify", id, "--remote")
	if !strings.Contains(verify, "1 attachment in s3://muster-attach/acme") {
		t.Errorf("verify --remote:\n%s", verify)
	}
	export := filepath.Join(t.TempDir(), "export")
	bob.ok("evidence", "export", id, export)
	sums, _ := os.ReadFile(filepath.Join(export, "SHA256SUMS"))
	if !strings.Contains(string(sums), "attachments/sha256/") {
		t.Errorf("the export lacks the attachment:\n%s", sums)
	}
}
