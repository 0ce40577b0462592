package team

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/cutproxy"
	"github.com/muster-ir/muster/runbook/journal"
)

// Open's client gives up on a store that takes the connection and never answers (a
// proxy in front of moto that holds every byte): the write fails with a
// *NoAnswerError that Offline reports, said in one phrase without the SDK's wording,
// and not retried; a request right after it is not sent; one after the wait is sent
// again. (The CLI's tests cover the client against a store that answers.)
func TestOpenGivesUpOnASilentStore(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-silent", false)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": px.URL(), "AWS_ACCESS_KEY_ID": "AKIDMUSTERTEST", "AWS_SECRET_ACCESS_KEY": "muster-test-secret",
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	const wait = 100 * time.Millisecond
	ctx := context.Background()
	s, err := Open(ctx, "s3://team-silent", WithAnswerWait(wait))
	if err != nil {
		t.Fatal(err)
	}
	line := func(seq uint64, prev string) []byte {
		b, err := journal.BuildLine(prev, seq, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), "alice@laptop", "note", map[string]string{"text": "paged"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Line 1 goes in through the test's own client: on a loaded machine moto may take
	// longer than this test's wait to answer, and that is not what is tested here.
	first := line(1, journal.Genesis)
	if err := New(c, Location{Bucket: "team-silent"}).Publish(ctx, "INC-1", 1, first); err != nil && !errors.Is(err, ErrSeqTaken) {
		t.Fatal(err)
	}
	e1, _ := journal.DecodeLine(first)

	px.Stall()
	err = s.Publish(ctx, "INC-1", 2, line(2, e1.Hash))
	var na *NoAnswerError
	if !errors.As(err, &na) || na.Earlier || !s.Offline(err) {
		t.Fatalf("publish to a silent store = %v, want a *NoAnswerError that Offline reports", err)
	}
	if !strings.HasSuffix(err.Error(), ": the store did not answer within 100ms") || strings.Contains(err.Error(), "operation error") {
		t.Errorf("publish to a silent store says %q, want it in muster's words", err)
	}
	if _, err := s.Newer(ctx, "INC-1", 1); !errors.As(err, &na) || !na.Earlier {
		t.Errorf("a request right after the silence = %v, want it not sent (NoAnswerError.Earlier)", err)
	}

	px.Resume()
	time.Sleep(wait + wait/2) // past the wait: the store is asked again
	if _, err := s.Newer(ctx, "INC-1", 1); err != nil && (!errors.As(err, &na) || na.Earlier) {
		t.Errorf("a request once the wait has passed = %v, want it sent to the store", err)
	}
}
