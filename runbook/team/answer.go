package team

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// DefaultAnswerWait is how long Open's requests wait for the store to answer: to
// connect, to take the request's bytes, to send its answer's headers and each next
// piece of its body. A store that stays silent that long (a blackholed endpoint, a
// proxy that accepts and stalls) is taken as not answering, as one that refuses the
// connection is, and a command's event goes to the outbox on this machine.
const DefaultAnswerWait = 15 * time.Second

// WithAnswerWait sets how long Open's requests wait for an answer (default
// DefaultAnswerWait); 0 or less keeps the default. New's client is the caller's: it
// is left as given.
func WithAnswerWait(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.answerWait = d
		}
	}
}

// NoAnswerError is a request the store did not answer within the wait: Offline
// reports it, so a command's event is queued on this machine.
type NoAnswerError struct {
	Wait time.Duration
	// Earlier: this request was not sent, because one moments before went
	// unanswered (see answerClient).
	Earlier bool
}

func (e *NoAnswerError) Error() string {
	if e.Earlier {
		return fmt.Sprintf("the store did not answer within %s (a request moments before; not asked again)", e.Wait)
	}
	return fmt.Sprintf("the store did not answer within %s", e.Wait)
}

// Timeout makes the error a timeout to code that asks (net.Error's method).
func (e *NoAnswerError) Timeout() bool { return true }

// HTTPClient is the SDK's HTTP client interface.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// answerClient bounds every request by the time the store stays silent: the wait
// starts again at each sign of life (the connection taking more of the request's
// body, the answer's headers, each read of its body), so a large upload or download
// that progresses is never cut, and a store that takes the connection and says
// nothing fails after wait instead of when the SDK gives up (or never).
//
// After a request goes unanswered, the requests that start during the next wait fail
// at once with the same error: a command that would ask several times (catch up,
// then publish) queues its event after one wait, not one wait per request. A later
// request asks the store again.
type answerClient struct {
	next HTTPClient
	wait time.Duration

	mu     sync.Mutex
	silent time.Time // when the last request went unanswered
}

func newAnswerClient(next HTTPClient, wait time.Duration) *answerClient {
	return &answerClient{next: next, wait: wait}
}

func (c *answerClient) Do(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	quiet := !c.silent.IsZero() && time.Since(c.silent) < c.wait
	c.mu.Unlock()
	if quiet {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &NoAnswerError{Wait: c.wait, Earlier: true}
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	na := &NoAnswerError{Wait: c.wait}
	w := &watch{ctx: ctx, cancel: cancel, wait: c.wait}
	w.timer = time.AfterFunc(c.wait, func() {
		if w.answered.Load() && w.reading.Load() == 0 {
			// The answer is here and its reader is not waiting for the store (it
			// reads later, or never): nothing was left unanswered. Its next read
			// waits again.
			return
		}
		c.mu.Lock()
		c.silent = time.Now()
		c.mu.Unlock()
		cancel(na)
	})
	req = req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0 {
		// The body is read as the connection takes it: each read is progress.
		req.Body = &watchedBody{ReadCloser: req.Body, w: w, request: true}
	}
	resp, err := c.next.Do(req)
	if err != nil {
		w.stop()
		if errors.Is(context.Cause(ctx), na) {
			return nil, na
		}
		return nil, err
	}
	w.answered.Store(true)
	w.kick()
	resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
	return resp, nil
}

// watch is one request's silence timer.
type watch struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	timer    *time.Timer
	wait     time.Duration
	answered atomic.Bool  // the answer's headers came
	reading  atomic.Int32 // reads of the answer's body waiting on the store
}

func (w *watch) kick() { w.timer.Reset(w.wait) }

func (w *watch) stop() {
	w.timer.Stop()
	w.cancel(nil)
}

// watchedBody restarts the wait at every read; the answer's body ends the watch when
// it is closed.
type watchedBody struct {
	io.ReadCloser
	w       *watch
	request bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	if !b.request {
		b.w.reading.Add(1)
		defer b.w.reading.Add(-1)
		b.w.kick() // a read after a pause waits the whole wait
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.kick()
	}
	if err == io.EOF && !b.request {
		b.w.timer.Stop() // the whole answer is here: nothing more to wait for
	}
	if err != nil && err != io.EOF && !b.request {
		var na *NoAnswerError
		if errors.As(context.Cause(b.w.ctx), &na) {
			return n, na
		}
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.ReadCloser.Close()
	if !b.request {
		b.w.stop()
	}
	return err
}

// noRetryOnSilence keeps the SDK from asking again a store that did not answer: a
// store that stays silent once stays silent (the outbox shares the event later), and
// three waits in a row would be three times the bound a responder was promised. A
// write whose answer was lost is recognised later by its seq and hash (see
// incident.Attempt), as when a connection breaks.
type noRetryOnSilence struct {
	aws.RetryerV2
}

func (r noRetryOnSilence) IsErrorRetryable(err error) bool {
	var na *NoAnswerError
	if errors.As(err, &na) {
		return false
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

func withoutRetryOnSilence(r aws.Retryer) aws.Retryer {
	v2, ok := r.(aws.RetryerV2)
	if !ok {
		v2 = retry.NewStandard()
	}
	return noRetryOnSilence{v2}
}

// unanswered is a request the store did not answer, said without the SDK's operation
// and request around it (Explain); errors.As still finds the SDK's error, so Offline
// reports it. Unlike reworded it has no Answered method: the store said nothing.
type unanswered struct {
	na  *NoAnswerError
	err error
}

func (e *unanswered) Error() string { return e.na.Error() }
func (e *unanswered) Unwrap() error { return e.err }
