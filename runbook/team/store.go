// Package team keeps a team's incidents in a shared object store (Amazon S3, or an
// S3-compatible store with conditional writes), so several responders on different
// machines work one incident with no server of muster's own.
//
// Each journal line is one object, incidents/<ID>/events/<seq, 12 digits>, holding
// byte for byte the line the local journal format defines. It is written with
// If-None-Match: *, so exactly one writer wins each seq and the team has one linear
// chain: a writer that loses reads what it missed, re-checks its command and tries the
// next seq. With S3 Object Lock every object is written with a retention date, so no
// one can rewrite the evidence; attachments go to attachments/sha256/<hex> with the
// store checking their SHA-256.
//
// The package knows journal lines, not runbooks: the incident commands above it decide
// what to write and re-check it against the state they meet.
package team

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/muster-ir/muster/internal/awserr"
	"github.com/muster-ir/muster/runbook/journal"
)

// Location is where a team's incidents live: s3://bucket/prefix.
type Location struct {
	Bucket string
	Prefix string // without leading or trailing slash; may be empty
}

// ParseLocation reads s3://bucket[/prefix].
func ParseLocation(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" {
		return Location{}, fmt.Errorf("team store %q: want s3://bucket/prefix", s)
	}
	if u.Host == "" {
		return Location{}, fmt.Errorf("team store %q: no bucket name", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Location{}, fmt.Errorf("team store %q: want s3://bucket/prefix, without a query, fragment or user", s)
	}
	if err := checkBucketName(u.Host); err != nil {
		return Location{}, fmt.Errorf("team store %q: %w", s, err)
	}
	return Location{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}, nil
}

// checkBucketName applies S3's naming rules for general purpose buckets.
func checkBucketName(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("bucket name %q may hold only lower-case letters, digits, '-' and '.'", b)
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return fmt.Errorf("bucket name %q must begin and end with a letter or digit", b)
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// key joins the prefix and a name inside the store.
func (l Location) key(name string) string {
	if l.Prefix == "" {
		return name
	}
	return l.Prefix + "/" + name
}

// Retention is the Object Lock retention written on every object; the zero value
// writes none (the bucket's default retention, if any, still applies).
type Retention struct {
	Mode string // "COMPLIANCE" or "GOVERNANCE"
	Days int
}

// Validate says what is wrong with a retention from the configuration.
func (r Retention) Validate() error {
	switch {
	case r.Mode == "" && r.Days == 0:
		return nil
	case r.Mode != "COMPLIANCE" && r.Mode != "GOVERNANCE":
		return fmt.Errorf("retention mode %q: want COMPLIANCE or GOVERNANCE", r.Mode)
	case r.Days < 1 || r.Days > 36500:
		return fmt.Errorf("retention of %d days: want 1 to 36500", r.Days)
	}
	return nil
}

// Store is a team store reached through an S3 client.
type Store struct {
	client    *s3.Client
	loc       Location
	retention Retention
	now       func() time.Time
	parallel  int
	blobs     blobConfig // attachments: multipart sizes, abandoned uploads (blob.go)
	// answerWait bounds Open's requests (answer.go); New's client is the caller's.
	answerWait time.Duration
}

// Option configures New.
type Option func(*Store)

// WithRetention writes every object with this Object Lock retention.
func WithRetention(r Retention) Option { return func(s *Store) { s.retention = r } }

// WithClock sets the clock retention dates count from (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithParallel bounds the GETs in flight when catching up (default 32).
func WithParallel(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.parallel = n
		}
	}
}

// New returns the store at loc reached through client.
func New(client *s3.Client, loc Location, opts ...Option) *Store {
	s := &Store{client: client, loc: loc, now: time.Now, parallel: 32}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Location is where the store is.
func (s *Store) Location() Location { return s.loc }

// seqDigits is the width of a seq in an event key: keys sort as seqs do.
const seqDigits = 12

// EventKey is the object key of line seq of incident id.
func (s *Store) EventKey(id string, seq uint64) string {
	return s.loc.key("incidents/" + id + "/events/" + fmt.Sprintf("%0*d", seqDigits, seq))
}

func (s *Store) eventsPrefix(id string) string { return s.loc.key("incidents/" + id + "/events/") }

// AttachmentKey is the object key of the attachment blob with this hex SHA-256.
func (s *Store) AttachmentKey(sum string) string { return s.loc.key("attachments/sha256/" + sum) }

// ErrSeqTaken is returned by Publish when another writer already holds that seq.
var ErrSeqTaken = journal.ErrSeqTaken

// Publish writes line as number seq of incident id, only if no object holds that seq
// yet (If-None-Match: *). It returns ErrSeqTaken when another writer won it.
func (s *Store) Publish(ctx context.Context, id string, seq uint64, line []byte) error {
	sum := sha256.Sum256(line)
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.loc.Bucket),
		Key:           aws.String(s.EventKey(id, seq)),
		Body:          bytes.NewReader(line),
		ContentLength: aws.Int64(int64(len(line))),
		ContentType:   aws.String("application/x-ndjson"),
		IfNoneMatch:   aws.String("*"),
		// The store checks the bytes against this; Object Lock also requires a checksum.
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	}
	s.lock(&in.ObjectLockMode, &in.ObjectLockRetainUntilDate)
	_, err := s.client.PutObject(ctx, in)
	if err != nil {
		if awserr.Taken(err) {
			return fmt.Errorf("%s seq %d: %w", id, seq, ErrSeqTaken)
		}
		return fmt.Errorf("publish %s seq %d to %s: %w", id, seq, s.loc, Explain(err, "s3:PutObject"))
	}
	return nil
}

func (s *Store) lock(mode *types.ObjectLockMode, until **time.Time) {
	if s.retention.Mode == "" {
		return
	}
	*mode = types.ObjectLockMode(s.retention.Mode)
	t := s.now().UTC().AddDate(0, 0, s.retention.Days)
	*until = &t
}

// Line is one journal line read from the store.
type Line struct {
	Key   string
	Bytes []byte
	Event journal.Event
}

// ChainError is an object in the store that is not a valid journal line, or does not
// chain onto the line before it. Nothing from it on is folded.
type ChainError struct {
	Key string
	Seq uint64
	Why string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("team store object %s (seq %d): %s", e.Key, e.Seq, e.Why)
}

// Lines reads the lines of incident id after seq after, in order, checking each one's
// syntax and hash, that its key names its seq and that it chains onto the line before
// (prevHash is the hash of line after; journal.Genesis when after is 0). Objects are
// fetched in parallel. When an object fails a check, Lines returns the good lines
// before it with a *ChainError.
func (s *Store) Lines(ctx context.Context, id string, after uint64, prevHash string) ([]Line, error) {
	keys, err := s.listEvents(ctx, id, after)
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for i, k := range keys {
		g.Go(func() error {
			b, err := s.get(gctx, k, journal.MaxLineSize)
			bodies[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]Line, 0, len(keys))
	want, prev := after+1, prevHash
	for i, k := range keys {
		seq, ok := s.keySeq(id, k)
		if !ok {
			return out, &ChainError{Key: k, Seq: want, Why: "not an event key (want 12 digits)"}
		}
		if seq != want {
			return out, &ChainError{Key: k, Seq: want, Why: fmt.Sprintf("line %d is missing: the next object is seq %d", want, seq)}
		}
		e, err := journal.DecodeLine(bodies[i])
		if err != nil {
			return out, &ChainError{Key: k, Seq: seq, Why: "not a valid journal line: " + err.Error()}
		}
		if e.Seq != seq {
			return out, &ChainError{Key: k, Seq: seq, Why: fmt.Sprintf("holds line seq %d", e.Seq)}
		}
		if e.Prev != prev {
			return out, &ChainError{Key: k, Seq: seq, Why: "does not chain onto the line before it (prev hash differs)"}
		}
		out = append(out, Line{Key: k, Bytes: bodies[i], Event: e})
		want, prev = seq+1, e.Hash
	}
	return out, nil
}

func (s *Store) keySeq(id, key string) (uint64, bool) {
	d, ok := strings.CutPrefix(key, s.eventsPrefix(id))
	if !ok || len(d) != seqDigits {
		return 0, false
	}
	n, err := strconv.ParseUint(d, 10, 64)
	return n, err == nil && n > 0
}

// listEvents lists the event keys of id after seq after, in order.
func (s *Store) listEvents(ctx context.Context, id string, after uint64) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(s.eventsPrefix(id))}
	if after > 0 {
		in.StartAfter = aws.String(s.EventKey(id, after))
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", id, s.loc, Explain(err, "s3:ListBucket"))
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// get reads one object of at most max bytes.
func (s *Store) get(ctx context.Context, key string, max int64) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(key)})
	if err != nil {
		if awserr.Code(err) == "NoSuchKey" {
			return nil, fmt.Errorf("%s is not in %s: %w", key, s.loc, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("read %s from %s: %w", key, s.loc, Explain(err, "s3:GetObject"))
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", key, s.loc, err)
	}
	if int64(len(b)) > max {
		return nil, &ChainError{Key: key, Why: fmt.Sprintf("larger than %d bytes", max)}
	}
	return b, nil
}

// Incidents lists the ids of the incidents in the store.
func (s *Store) Incidents(ctx context.Context) ([]string, error) {
	prefix := s.loc.key("incidents/")
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
	var ids []string
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list incidents in %s: %w", s.loc, Explain(err, "s3:ListBucket"))
		}
		for _, cp := range page.CommonPrefixes {
			id := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if id != "" {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Explain turns an S3 error into words: access denied names the IAM action that is
// missing, a missing bucket says so, a call that found no credentials says where the
// SDK looked (the SDK's wording stays reachable through errors.As).
func Explain(err error, action string) error {
	nc, noCreds := awserr.Credentials(err)
	var na *NoAnswerError
	// The store's own words come without the operation, status and request ids.
	switch {
	case errors.As(err, &na):
		return &unanswered{na: na, err: err}
	case noCreds:
		return &reworded{text: nc.Error(), err: err}
	case awserr.Denied(err):
		return &reworded{text: fmt.Sprintf("access denied: the IAM policy must allow %s (%s)", action, awserr.Cause(err)), err: err}
	case awserr.Code(err) == "NoSuchBucket":
		return &reworded{text: fmt.Sprintf("the bucket does not exist (%s)", awserr.Cause(err)), err: err}
	case awserr.Code(err) != "":
		return &reworded{text: awserr.Cause(err), err: err}
	}
	return err
}

// reworded is an error said in muster's words; errors.Is and errors.As still see the
// SDK's error (Offline classifies it).
type reworded struct {
	text string
	err  error
}

func (e *reworded) Error() string { return e.text }
func (e *reworded) Unwrap() error { return e.err }

// Answered is what the store answered, in words, without the request around it: a
// screen that links no AWS code finds it through this method.
func (e *reworded) Answered() string { return e.text }

// MaxFileSize bounds a frozen file (runbook, policy, scenario) read from the store.
const MaxFileSize = 8 << 20

// FileKey is the object key of a frozen file of incident id (runbook.toml, ...).
func (s *Store) FileKey(id, name string) string {
	return s.loc.key("incidents/" + id + "/files/" + name)
}

// PutFile writes a frozen file of incident id once: ErrSeqTaken when the store already
// has that file (another responder started an incident with that id).
func (s *Store) PutFile(ctx context.Context, id, name string, data []byte) error {
	sum := sha256.Sum256(data)
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.FileKey(id, name)),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		IfNoneMatch:       aws.String("*"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	}
	s.lock(&in.ObjectLockMode, &in.ObjectLockRetainUntilDate)
	if _, err := s.client.PutObject(ctx, in); err != nil {
		if awserr.Taken(err) {
			return fmt.Errorf("%s %s: %w", id, name, ErrSeqTaken)
		}
		return fmt.Errorf("publish %s of %s to %s: %w", name, id, s.loc, Explain(err, "s3:PutObject"))
	}
	return nil
}

// GetFile reads a frozen file of incident id.
func (s *Store) GetFile(ctx context.Context, id, name string) ([]byte, error) {
	return s.get(ctx, s.FileKey(id, name), MaxFileSize)
}

// String names the store: s3://bucket/prefix.
func (s *Store) String() string { return s.loc.String() }

// Offline reports an error of a store that could not be reached or did not answer
// properly (no connection, a timeout, a 5xx), as opposed to one that answered (access
// denied, a missing bucket, a bad object): the first is worth queueing for later.
func (s *Store) Offline(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ce *ChainError
	if errors.As(err, &ce) {
		return false
	}
	if st := awserr.Status(err); st != 0 {
		return st >= 500
	}
	var oe *smithy.OperationError
	return errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded)
}

// RetryLater reports an error the store answered with that a later try can fix (access
// denied until the IAM policy is fixed, a missing bucket, no usable credentials, a
// retention the bucket cannot keep), as opposed to a bad object in the store: an event
// queued in the outbox that meets one stays queued (incident.RetryLater).
func (s *Store) RetryLater(err error) bool {
	var ce *ChainError
	if err == nil || errors.As(err, &ce) || errors.Is(err, context.Canceled) {
		return false
	}
	var oe *smithy.OperationError
	return errors.As(err, &oe)
}

// Newer reports whether incident id has lines after seq after: one listing of at most
// one key.
func (s *Store) Newer(ctx context.Context, id string, after uint64) (bool, error) {
	out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(s.eventsPrefix(id)),
		StartAfter: aws.String(s.EventKey(id, after)), MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return false, fmt.Errorf("list %s in %s: %w", id, s.loc, Explain(err, "s3:ListBucket"))
	}
	return len(out.Contents) > 0, nil
}
