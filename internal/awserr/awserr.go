// Package awserr classifies the errors of aws-sdk-go-v2 calls in one place, for every
// package of muster that reaches AWS (backup's RDS inventory, the team store on S3):
// the service's error code and HTTP status, access denied, a lost conditional write,
// errors no retry can fix (nothing listens, the name does not resolve, TLS), and the
// short cause to show a user.
package awserr

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
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

// Cause is the innermost message of an SDK error, without the request ids.
func Cause(err error) string {
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
