package awserr

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// answer is an SDK error as a call returns it: an operation error around a response
// error around the service's API error.
func answer(status int, code string) error {
	var inner error = errors.New("no AWS error in the body")
	if code != "" {
		inner = &smithy.GenericAPIError{Code: code, Message: "the message"}
	}
	re := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: inner}}
	return &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: re}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err           error
		code          string
		status        int
		denied, taken bool
		cause         string
	}{
		{answer(412, "PreconditionFailed"), "PreconditionFailed", 412, false, true, "PreconditionFailed: the message"},
		{answer(409, "ConditionalRequestConflict"), "ConditionalRequestConflict", 409, false, true, "ConditionalRequestConflict: the message"},
		{answer(409, "OperationAborted"), "OperationAborted", 409, false, false, "OperationAborted: the message"},
		{answer(403, "AccessDenied"), "AccessDenied", 403, true, false, "AccessDenied: the message"},
		{answer(403, ""), "", 403, true, false, "https response error StatusCode: 403, RequestID: , no AWS error in the body"},
		{fmt.Errorf("wrapped: %w", answer(404, "NoSuchKey")), "NoSuchKey", 404, false, false, "NoSuchKey: the message"},
		{errors.New("plain"), "", 0, false, false, "plain"},
	} {
		if got := Code(tc.err); got != tc.code {
			t.Errorf("Code(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := Status(tc.err); got != tc.status {
			t.Errorf("Status(%v) = %d, want %d", tc.err, got, tc.status)
		}
		if got := Denied(tc.err); got != tc.denied {
			t.Errorf("Denied(%v) = %v", tc.err, got)
		}
		if got := Taken(tc.err); got != tc.taken {
			t.Errorf("Taken(%v) = %v", tc.err, got)
		}
		if got := Cause(tc.err); got != tc.cause {
			t.Errorf("Cause(%v) = %q, want %q", tc.err, got, tc.cause)
		}
	}
}

func TestUnfixable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: syscall.ECONNREFUSED}
	if code, msg, ok := Unfixable(fmt.Errorf("send: %w", refused)); !ok || code != "connection-refused" || msg == "" {
		t.Errorf("connection refused = %q %q %v", code, msg, ok)
	}
	if code, _, ok := Unfixable(&net.DNSError{Name: "nope.invalid", IsNotFound: true}); !ok || code != "no-such-host" {
		t.Errorf("no such host = %q %v", code, ok)
	}
	if _, _, ok := Unfixable(answer(500, "InternalError")); ok {
		t.Error("a 500 is not unfixable: a retry may fix it")
	}
}

// Where the SDK looked, as a responder reads it when it found no credentials.
func TestCredentialSource(t *testing.T) {
	for _, tc := range []struct {
		name, profile, envProfile, keyID, secret string
		want                                     string
	}{
		{"nothing set", "", "", "", "", "default credential chain: environment, shared config and credentials files, SSO, container and instance roles"},
		{"--profile wins over AWS_PROFILE", "ops", "dev", "", "", `profile "ops"`},
		{"AWS_PROFILE", "", "dev", "", "", `profile "dev" from AWS_PROFILE`},
		{"a key id without its secret", "", "", "AKIDEXAMPLE", "", "default credential chain: environment, shared config and credentials files, SSO, container and instance roles; AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY, so the environment's key was not used"},
		{"a secret without its key id", "", "dev", "", "s3cr3t", `profile "dev" from AWS_PROFILE; AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID, so the environment's key was not used`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_PROFILE", tc.envProfile)
			t.Setenv("AWS_ACCESS_KEY_ID", tc.keyID)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tc.secret)
			if got := CredentialSource(tc.profile); got != tc.want {
				t.Errorf("CredentialSource(%q) = %q, want %q", tc.profile, got, tc.want)
			}
		})
	}
	err := &NoCredentialsError{Source: `profile "ops"`, Err: errors.New("failed to refresh cached credentials, the SSO session has expired\x1b]52;c;x\x07")}
	if got, want := err.Error(), `no usable AWS credentials (profile "ops"): the SSO session has expired`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := Cause(fmt.Errorf("list: %w", err)); got != err.Error() {
		t.Errorf("Cause = %q, want muster's line", got)
	}
}
