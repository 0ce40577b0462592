package team

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Presence says who is working on an incident now. Each responder whose TUI (or
// incident watch) has the incident open writes presence/<ID>/<actor> every 30 s or so;
// whoever lists presence/<ID>/ sees the actors whose object changed lately, by the
// store's clock (the listing's LastModified against the Date of the listing's
// response), so the machines' own clocks do not matter.
//
// Presence is not evidence: it is written without Object Lock retention and outside
// incidents/, so a lifecycle rule on presence/ can expire it (README). A lost
// heartbeat only makes a name disappear for a while.

// presenceKey is the object of actor's presence on incident id. The actor is
// path-escaped, so an actor name never makes another key.
func (s *Store) presenceKey(id, actor string) string {
	return s.presencePrefix(id) + url.PathEscape(actor)
}

func (s *Store) presencePrefix(id string) string { return s.loc.key("presence/" + id + "/") }

// heartbeat is the body of a presence object: for a person looking at the bucket.
type heartbeat struct {
	Actor string    `json:"actor"`
	Via   string    `json:"via"`
	At    time.Time `json:"at"` // this machine's clock; the store's LastModified is what counts
}

// Heartbeat says that actor has incident id open now (via: "tui", "watch").
func (s *Store) Heartbeat(ctx context.Context, id, actor, via string) error {
	if id == "" || strings.Contains(id, "/") {
		return fmt.Errorf("presence: %q is not an incident id", id)
	}
	body, _ := json.Marshal(heartbeat{Actor: actor, Via: via, At: s.now().UTC()})
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.presenceKey(id, actor)),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentType: aws.String("application/json"),
		// A bucket with a default retention locks this too, and S3 then wants a
		// checksum on the upload.
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		return fmt.Errorf("presence of %s on %s in %s: %w", actor, id, s.loc, Explain(err, "s3:PutObject"))
	}
	return nil
}

// Leave removes actor's presence on incident id (the screen closed); without it the
// name goes after PresentWithin.
func (s *Store) Leave(ctx context.Context, id, actor string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.presenceKey(id, actor)),
	})
	if err != nil {
		return fmt.Errorf("presence of %s on %s in %s: %w", actor, id, s.loc, Explain(err, "s3:DeleteObject"))
	}
	return nil
}

// Present lists the actors whose heartbeat on incident id the store received within
// the last within, with how long ago, by the store's clock: one listing.
func (s *Store) Present(ctx context.Context, id string, within time.Duration) (map[string]time.Duration, error) {
	prefix := s.presencePrefix(id)
	out := map[string]time.Duration{}
	var storeNow time.Time
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(prefix)})
	type seen struct {
		actor string
		at    time.Time
	}
	var all []seen
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("presence on %s in %s: %w", id, s.loc, Explain(err, "s3:ListBucket"))
		}
		if storeNow.IsZero() {
			storeNow = responseDate(page.ResultMetadata)
		}
		for _, o := range page.Contents {
			actor, err := url.PathUnescape(strings.TrimPrefix(aws.ToString(o.Key), prefix))
			if err != nil || actor == "" || o.LastModified == nil {
				continue
			}
			all = append(all, seen{actor, *o.LastModified})
		}
	}
	if storeNow.IsZero() {
		storeNow = s.now()
	}
	for _, x := range all {
		// LastModified has a resolution of a second, and so has Date: a heartbeat of
		// this very second may look a little in the future.
		ago := max(storeNow.Sub(x.at), 0)
		if ago <= within {
			out[x.actor] = ago
		}
	}
	return out, nil
}

// responseDate is the store's clock: the Date header of a response (zero when absent).
func responseDate(md middleware.Metadata) time.Time {
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok || raw == nil || raw.Response == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(raw.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}
