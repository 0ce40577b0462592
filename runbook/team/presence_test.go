package team

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Responders with the incident open are present; one who leaves is not; presence is
// written without Object Lock retention (it is not evidence), and a name with a slash
// stays one name.
func TestPresence(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-presence", true)
	s := New(c, Location{Bucket: "team-presence", Prefix: "acme"}, WithRetention(Retention{Mode: "COMPLIANCE", Days: 1}))
	ctx := context.Background()
	for _, a := range []string{"alice@laptop", "ops/lead@desk"} {
		if err := s.Heartbeat(ctx, "INC-P", a, "tui"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Heartbeat(ctx, "INC-OTHER", "carol@x", "watch"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Present(ctx, "INC-P", 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["alice@laptop"] > 90*time.Second {
		t.Fatalf("present = %v, want alice and ops/lead", got)
	}
	if _, ok := got["ops/lead@desk"]; !ok {
		t.Errorf("present = %v: the name with a slash is missing", got)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("team-presence"), Key: aws.String(s.presenceKey("INC-P", "alice@laptop"))})
	if err != nil {
		t.Fatal(err)
	}
	if head.ObjectLockMode != "" {
		t.Errorf("presence written with Object Lock %q; it is not evidence", head.ObjectLockMode)
	}
	if err := s.Leave(ctx, "INC-P", "alice@laptop"); err != nil {
		t.Fatal(err)
	}
	got, err = s.Present(ctx, "INC-P", 90*time.Second)
	if _, ok := got["alice@laptop"]; err != nil || ok || len(got) != 1 {
		t.Errorf("after alice left: %v, %v", got, err)
	}
	// A heartbeat older than the window is no longer presence (the store's clock:
	// both LastModified and Date count whole seconds).
	time.Sleep(2100 * time.Millisecond)
	got, err = s.Present(ctx, "INC-P", time.Second)
	if err != nil || len(got) != 0 {
		t.Errorf("present within 1 s, 2 s after the last heartbeat: %v, %v", got, err)
	}
}
