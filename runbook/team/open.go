package team

import (
	"context"
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"

	"github.com/muster-ir/muster/internal/awserr"
)

// Open reaches the store at url (s3://bucket/prefix) with the standard AWS
// configuration chain, as backup check does: profiles, SSO, environment,
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3. With a custom endpoint (MinIO, a test
// server) requests use path-style addressing, which S3-compatible stores expect. A
// request the store leaves unanswered for the answer wait (WithAnswerWait, default
// DefaultAnswerWait) fails with a *NoAnswerError, which Offline reports.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	loc, err := ParseLocation(url)
	if err != nil {
		return nil, err
	}
	// Failures reach the caller as errors; the SDK's own log lines (the IMDS client's
	// "falling back to IMDSv1" while it looks for credentials) would only repeat them on
	// stderr, before muster's one line. Set here, the logger reaches the clients the
	// config chain builds while it resolves, as in backup.LoadAWSConfig.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, fmt.Errorf("team store %s: AWS configuration: %w", loc, err)
	}
	// A call that finds no credentials says so in muster's words, naming where the
	// SDK looked, as backup check does, instead of the IMDS client's last error.
	cfg.Credentials = awserr.NamedCredentials(cfg.Credentials, awserr.CredentialSource(""))
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // S3 answers for every bucket's region from there
	}
	// Every request is bounded by how long the store stays silent (answer.go): a
	// store that never answers makes a command queue, not hang.
	bound := &Store{answerWait: DefaultAnswerWait}
	for _, o := range opts {
		o(bound)
	}
	var httpClient HTTPClient = awshttp.NewBuildableClient()
	if cfg.HTTPClient != nil {
		httpClient = cfg.HTTPClient
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if o.BaseEndpoint != nil || cfg.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		o.HTTPClient = newAnswerClient(httpClient, bound.answerWait)
		o.Retryer = withoutRetryOnSilence(o.Retryer)
	})
	return New(client, loc, opts...), nil
}
