package team

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/internal/motoserver"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// iamCall sends one IAM Query API request to moto, signed as the test's root user,
// and returns the answer's body.
func iamCall(t *testing.T, endpoint string, form url.Values) []byte {
	t.Helper()
	form.Set("Version", "2010-05-08")
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("IAM %s: %s\n%s", form.Get("Action"), resp.Status, b)
	}
	return b
}

// A responder whose IAM policy lacks an action is told which: a command says the
// policy must allow s3:PutObject, and team doctor lists it as missing. moto enforces
// IAM here (a server of this test's own: turning enforcement on is server-wide).
func TestNoPermissionNamesTheMissingAction(t *testing.T) {
	endpoint, stop, err := motoserver.Run()
	if err != nil {
		if motoserver.Required() || moto != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer stop()
	root := s3Client(endpoint)
	makeBucket(t, root, "team-iam", false)
	iamCall(t, endpoint, url.Values{"Action": {"CreateUser"}, "UserName": {"scribe"}})
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(iamCall(t, endpoint, url.Values{"Action": {"CreateAccessKey"}, "UserName": {"scribe"}}), &key); err != nil || key.ID == "" {
		t.Fatalf("access key: %+v %v", key, err)
	}
	// Reading is allowed; writing is not. (AWS checks s3:ListBucket for HeadBucket;
	// moto checks an action it calls s3:HeadBucket, so the policy names both.)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:HeadBucket","s3:GetObject","s3:GetBucketVersioning","s3:GetBucketObjectLockConfiguration","s3:GetEncryptionConfiguration","s3:GetBucketPublicAccessBlock"],"Resource":["arn:aws:s3:::team-iam","arn:aws:s3:::team-iam/*"]}]}`
	iamCall(t, endpoint, url.Values{"Action": {"PutUserPolicy"}, "UserName": {"scribe"}, "PolicyName": {"read-only"}, "PolicyDocument": {policy}})
	resp, err := http.Post(endpoint+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	scribe := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}, nil
		})})
	s := New(scribe, Location{Bucket: "team-iam", Prefix: "ops"})
	st := &incident.Store{DataDir: t.TempDir(), Shared: s}
	_, err = st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "no permission", Actor: "scribe@laptop"})
	if err == nil || !strings.Contains(err.Error(), "access denied: the IAM policy must allow s3:PutObject") {
		t.Fatalf("start without s3:PutObject = %v, want the missing action named", err)
	}
	d := s.Doctor(context.Background())
	missing := strings.Join(d.MissingActions(), ", ")
	if !strings.Contains(missing, "s3:PutObject") || strings.Contains(missing, "s3:ListBucket") {
		t.Errorf("doctor's missing actions: %q, want s3:PutObject (and not s3:ListBucket): %+v", missing, d.Checks)
	}
}
