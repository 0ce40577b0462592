// Package awserr classifies the errors of aws-sdk-go-v2 calls in one place, for every
// package of muster that reaches AWS (backup's RDS inventory, the team store on S3):
// the service's error code and HTTP status, access denied, a lost conditional write,
// errors no retry can fix (nothing listens, the name does not resolve, TLS), and the
// short cause to show a user.
package awserr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// Code is the service's error code (AccessDenied, NoSuchKey, ...), "" when the error
// carries none.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Status is the HTTP status of the response, 0 when there was none.
func Status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Denied reports access denied: the code AccessDenied, or a 403 whose body is no AWS
// error (a proxy, a WAF, an SCP page).
func Denied(err error) bool { return Code(err) == "AccessDenied" || Status(err) == 403 }

// Taken reports a lost conditional write: 412 Precondition Failed, or 409
// ConditionalRequestConflict when two writes of the same key race.
func Taken(err error) bool {
	switch Status(err) {
	case 412:
		return true
	case 409:
		return Code(err) == "ConditionalRequestConflict"
	}
	return false
}

// Cause is the innermost message of an SDK error, without the request ids; a call
// that found no credentials says so in muster's words (NoCredentialsError).
func Cause(err error) string {
	if nc, ok := Credentials(err); ok {
		return nc.Error()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// Unfixable names an error that no retry can fix: nothing listens at the endpoint, the
// name does not resolve, the certificate is not trusted. A short code and a sentence
// that says what to check.
func Unfixable(err error) (code, message string, ok bool) {
	var dns *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var tlsVerify *tls.CertificateVerificationError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection-refused", fmt.Sprintf("connection refused to %s: nothing listens there (check the endpoint: AWS_ENDPOINT_URL, the network)", dialAddress(err)), true
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no-such-host", fmt.Sprintf("the endpoint's host name %s does not resolve (check the region and AWS_ENDPOINT_URL)", dns.Name), true
	case errors.As(err, &tlsVerify), errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid):
		return "tls", "the endpoint's TLS certificate is not trusted: " + err.Error(), true
	}
	return "", "", false
}

// dialAddress is the address a failed dial went to, else the request URL's host.
func dialAddress(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Host
		}
	}
	return "the endpoint"
}

// CredentialSource names where the SDK looks for credentials, for an error that says
// it found none: the profile given (--profile), else AWS_PROFILE, else the default
// chain. Half a key pair in the environment is named too: the SDK ignores it silently.
func CredentialSource(profile string) string {
	var s string
	switch p := os.Getenv("AWS_PROFILE"); {
	case profile != "":
		s = fmt.Sprintf("profile %q", profile)
	case p != "":
		s = fmt.Sprintf("profile %q from AWS_PROFILE", p)
	default:
		s = "default credential chain: environment, shared config and credentials files, SSO, container and instance roles"
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID") != "", os.Getenv("AWS_SECRET_ACCESS_KEY") != ""
	switch {
	case id && !secret:
		s += "; AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY, so the environment's key was not used"
	case secret && !id:
		s += "; AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID, so the environment's key was not used"
	}
	return s
}

// NoCredentialsError is a call that could not be signed: the SDK found no usable
// credentials where Source says it looked. Its text is muster's one line; errors.As
// still reaches the SDK's error (and the operation error around it).
type NoCredentialsError struct {
	Source string // CredentialSource
	Err    error  // the credential provider's error
}

func (e *NoCredentialsError) Error() string {
	return fmt.Sprintf("no usable AWS credentials (%s): %s", e.Source, credentialCause(e.Err))
}

func (e *NoCredentialsError) Unwrap() error { return e.Err }

// CredentialSource lets a package that links no AWS code (the TUI) recognise the error
// through an interface.
func (e *NoCredentialsError) CredentialSource() string { return e.Source }

// credentialCause is why the chain found nothing: the instance metadata service, the
// chain's last resort, is said in words; else the SDK's error without the cache's
// wrapping, which says nothing a responder can act on.
func credentialCause(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) && oe.ServiceID == "ec2imds" {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) {
			return fmt.Sprintf("none found, and no instance role: the instance metadata service answered HTTP %d", re.HTTPStatusCode())
		}
		return "none found, and no instance role: the instance metadata service did not answer (" + untrusted.Line(Cause(oe)) + ")"
	}
	return untrusted.Line(strings.TrimPrefix(err.Error(), "failed to refresh cached credentials, "))
}

// NamedCredentials wraps the credentials of a config so that finding none is a
// *NoCredentialsError naming source; found credentials are cached as before.
func NamedCredentials(p aws.CredentialsProvider, source string) aws.CredentialsProvider {
	if p == nil || aws.IsCredentialsProvider(p, (*aws.AnonymousCredentials)(nil)) {
		return p
	}
	return aws.NewCredentialsCache(namedProvider{p: p, source: source})
}

type namedProvider struct {
	p      aws.CredentialsProvider
	source string
}

func (n namedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := n.p.Retrieve(ctx)
	if err != nil && ctx.Err() == nil {
		return c, &NoCredentialsError{Source: n.source, Err: err}
	}
	return c, err
}

// IsCredentialsProvider looks through the wrapping, as the SDK's cache does.
func (n namedProvider) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(n.p, target)
}

// Credentials is the *NoCredentialsError in err's chain, if any.
func Credentials(err error) (*NoCredentialsError, bool) {
	var nc *NoCredentialsError
	return nc, errors.As(err, &nc)
}
