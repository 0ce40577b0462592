package backup

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"

	"github.com/muster-ir/muster/internal/awserr"
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

// noRetryUnfixable is put first in the retryer's checks: the SDK retries refused
// connections (a service may still be starting), which for a check run only turns a
// wrong endpoint into two minutes of silence. Throttling and 5xx keep their retries.
var noRetryUnfixable = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if _, _, ok := awserr.Unfixable(err); ok {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

// describeCause is a short account of an attempt's error for a timeout's message.
func describeCause(err error) string {
	if code, msg, ok := awserr.Unfixable(err); ok {
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
