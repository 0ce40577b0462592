package backup

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// A call's last attempt error is kept, so a run whose time limit ends while it retries
// can say what it was retrying (HTTP 500, throttling, a dial timeout) instead of only
// "timeout".

type causeKey struct{}

// cause holds the error of a call's latest failed attempt.
type cause struct {
	mu  sync.Mutex
	err error
}

func (c *cause) set(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

func (c *cause) last() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// withCause gives one call (or one paginator's calls) a place for its last attempt's
// error.
func withCause(ctx context.Context) (context.Context, *cause) {
	c := &cause{}
	return context.WithValue(ctx, causeKey{}, c), c
}

// recordAttemptErrors is an API option: a middleware inside the retry loop that keeps
// each failed attempt's error in the call's cause, if it has one.
func recordAttemptErrors(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("MusterAttemptCause",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if err != nil && ctx.Err() == nil {
				if c, ok := ctx.Value(causeKey{}).(*cause); ok {
					c.set(err)
				}
			}
			return out, md, err
		}), "Retry", middleware.After)
}

// unfixable names an error that no retry can fix: nothing listens at the endpoint, the
// name does not resolve, the certificate is not trusted. Such a call gives up at once.
func unfixable(err error) (code, message string, ok bool) {
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

// noRetryUnfixable is put first in the retryer's checks: the SDK retries refused
// connections (a service may still be starting), which for a check run only turns a
// wrong endpoint into two minutes of silence. Throttling and 5xx keep their retries.
var noRetryUnfixable = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if _, _, ok := unfixable(err); ok {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

// describeCause is a short account of an attempt's error for a timeout's message.
func describeCause(err error) string {
	if code, msg, ok := unfixable(err); ok {
		_ = code
		return msg
	}
	var ie InventoryError
	classify(&ie, err)
	s := ie.Code
	if ie.Message != "" && ie.Message != ie.Code {
		s += ": " + ie.Message
	}
	return strings.TrimSpace(s)
}
