// Package mototest starts a real moto_server (Python moto) on 127.0.0.1 for tests
// that reach AWS RDS through aws-sdk-go-v2. It is test support: only _test files
// import it.
package mototest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/muster-ir/muster/internal/motoserver"
)

// Start runs moto_server on a free port of 127.0.0.1 for the test and returns its URL;
// see motoserver.Start.
func Start(tb testing.TB) string {
	tb.Helper()
	return motoserver.Start(tb)
}

// Client is an RDS client for the moto server at endpoint, with fake credentials.
func Client(endpoint, region string) *rds.Client {
	return rds.New(rds.Options{
		Region: region, BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		}),
	})
}

// Env is the environment a muster child process needs to reach moto: the endpoint
// and fake credentials, with no profile or config file of the developer's leaking in.
func Env(endpoint, region string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ACCESS_KEY_ID=AKIDMUSTERTEST",
		"AWS_SECRET_ACCESS_KEY=muster-test-secret",
		"AWS_REGION=" + region,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}
