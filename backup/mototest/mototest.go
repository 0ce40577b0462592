// Package mototest starts a real moto_server (Python moto) on 127.0.0.1 for tests
// that reach AWS RDS through aws-sdk-go-v2. It is test support: only _test files
// import it.
package mototest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// Start runs moto_server on a free port of 127.0.0.1 for the test and returns its URL;
// it is stopped when the test ends. Without moto the test is skipped, unless
// MUSTER_REQUIRE_MOTO=1, as in CI, where that is a failure.
func Start(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_MOTO") == "1" {
			tb.Fatal("moto_server is not on PATH and MUSTER_REQUIRE_MOTO=1: install it with pip install 'moto[server]'")
		}
		tb.Skip("moto_server is not on PATH: the RDS integration tests need Python moto (pip install 'moto[server]'); set MUSTER_REQUIRE_MOTO=1 to make this a failure")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start moto_server: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("moto_server did not answer on %s within 60s: %v\n%s", base, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
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
