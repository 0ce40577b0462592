package team

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func verdicts(d Diagnosis) map[string]Check {
	m := map[string]Check{}
	for _, c := range d.Checks {
		m[c.Name] = c
	}
	return m
}

// A bucket made as README says passes every check.
func TestDoctorProperBucket(t *testing.T) {
	c := motoS3(t)
	ctx := context.Background()
	makeBucket(t, c, "team-proper", true)
	_, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{
		Bucket: aws.String("team-proper"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{
			ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule:              &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Days: aws.Int32(365)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("team-proper"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("team-proper"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
			BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	d := New(c, Location{Bucket: "team-proper", Prefix: "muster"}).Doctor(ctx)
	for _, ch := range d.Checks {
		if ch.Verdict != OK {
			t.Errorf("%s: %s (%s)", ch.Name, ch.Verdict, ch.Detail)
		}
	}
	if d.Worst() != OK {
		t.Errorf("worst %s", d.Worst())
	}
	if ch := verdicts(d)["object lock"]; !strings.Contains(ch.Detail, "COMPLIANCE 365 days") {
		t.Errorf("object lock detail %q", ch.Detail)
	}
}

// A bare bucket: no versioning, no lock, public access open; said in words.
func TestDoctorBareBucket(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-bare", false)
	d := New(c, Location{Bucket: "team-bare"}, WithRetention(Retention{Mode: "COMPLIANCE", Days: 30})).Doctor(context.Background())
	v := verdicts(d)
	for name, want := range map[string]Verdict{"reachable": OK, "versioning": Fail, "object lock": Warn, "retention": Fail, "public access": Fail} {
		if v[name].Verdict != want {
			t.Errorf("%s = %s (%s), want %s", name, v[name].Verdict, v[name].Detail, want)
		}
	}
	if d.Worst() != Fail {
		t.Errorf("worst %s, want fail", d.Worst())
	}
}

func TestDoctorMissingBucket(t *testing.T) {
	c := motoS3(t)
	d := New(c, Location{Bucket: "no-such-team-bucket"}).Doctor(context.Background())
	if len(d.Checks) != 1 || d.Checks[0].Verdict != Fail || !strings.Contains(d.Checks[0].Detail, "no bucket") {
		t.Fatalf("doctor of a missing bucket = %+v", d.Checks)
	}
}

func TestDoctorUnreachable(t *testing.T) {
	d := New(s3Client("http://127.0.0.1:1"), Location{Bucket: "team-x"}).Doctor(context.Background())
	if len(d.Checks) != 1 || d.Checks[0].Verdict != Fail || !strings.Contains(d.Checks[0].Detail, "cannot reach") {
		t.Fatalf("doctor of an unreachable store = %+v", d.Checks)
	}
}
