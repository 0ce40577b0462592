package team

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/muster-ir/muster/internal/motoserver"
	"github.com/muster-ir/muster/runbook/journal"
)

// moto is the moto_server the package's tests share ("" when it is missing).
var moto string

func TestMain(m *testing.M) {
	if os.Getenv(writerEnv) != "" {
		os.Exit(writerMain()) // a child process of TestEightProcesses
	}
	// Writers race for one key in these tests: moto must make a conditional write
	// atomic, as S3 does.
	url, stop, err := motoserver.RunAtomic()
	if err != nil && (!errors.Is(err, motoserver.ErrMissing) || motoserver.Required()) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	moto = url
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// motoS3 returns an S3 client for the shared moto; each test uses buckets of its own.
func motoS3(t testing.TB) *s3.Client {
	t.Helper()
	if moto == "" {
		t.Skip(motoserver.ErrMissing.Error() + "; set MUSTER_REQUIRE_MOTO=1 to make this a failure")
	}
	return s3Client(moto)
}

func s3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		}),
	})
}

// makeBucket creates a bucket, with Object Lock (and so versioning) when locked.
func makeBucket(t testing.TB, c *s3.Client, name string, locked bool) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(locked)})
	if err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

func newMirror(t testing.TB, name string) *journal.Journal {
	t.Helper()
	j, err := journal.Create(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func TestParseLocation(t *testing.T) {
	for _, tc := range []struct{ in, bucket, prefix, err string }{
		{"s3://muster-evidence/team-a", "muster-evidence", "team-a", ""},
		{"s3://muster-evidence", "muster-evidence", "", ""},
		{"s3://muster-evidence/a/b/", "muster-evidence", "a/b", ""},
		{"https://muster-evidence/a", "", "", "want s3://bucket/prefix"},
		{"s3:///a", "", "", "no bucket name"},
		{"s3://Muster/a", "", "", "lower-case"},
		{"s3://ab/a", "", "", "3 to 63"},
		{"s3://bucket/a?versionId=1", "", "", "without a query"},
	} {
		loc, err := ParseLocation(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLocation(%q) = %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || loc.Bucket != tc.bucket || loc.Prefix != tc.prefix {
			t.Errorf("ParseLocation(%q) = %+v, %v", tc.in, loc, err)
		}
	}
}

func TestPublishOneWriterWinsEachSeq(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-cond", false)
	s := New(c, Location{Bucket: "team-cond", Prefix: "p"})
	ctx := context.Background()
	a, _ := journal.BuildLine(journal.Genesis, 1, time.Now(), "alice@a", "note", map[string]string{"text": "a"})
	b, _ := journal.BuildLine(journal.Genesis, 1, time.Now(), "bob@b", "note", map[string]string{"text": "b"})
	if err := s.Publish(ctx, "INC-1", 1, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx, "INC-1", 1, b); !errors.Is(err, ErrSeqTaken) {
		t.Fatalf("second publish of seq 1 = %v, want ErrSeqTaken", err)
	}
	lines, err := s.Lines(ctx, "INC-1", 0, journal.Genesis)
	if err != nil || len(lines) != 1 || !bytes.Equal(lines[0].Bytes, a) {
		t.Fatalf("Lines = %d lines, %v; want alice's line", len(lines), err)
	}
	if lines[0].Key != "p/incidents/INC-1/events/000000000001" {
		t.Errorf("key %s", lines[0].Key)
	}
	ids, err := s.Incidents(ctx)
	if err != nil || len(ids) != 1 || ids[0] != "INC-1" {
		t.Errorf("Incidents = %v, %v", ids, err)
	}
}

// checkOneChain checks the store's chain of id: n lines, and every acknowledged event
// in it exactly once, at the seq its writer was told.
func checkOneChain(t testing.TB, s *Store, id string, n int, acked [][]journal.Event) []Line {
	t.Helper()
	lines, err := s.Lines(context.Background(), id, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != n {
		t.Fatalf("the store holds %d lines, want %d", len(lines), n)
	}
	seen := map[string]int{}
	for _, l := range lines {
		seen[string(l.Event.Data)]++
	}
	for w := range acked {
		for _, e := range acked[w] {
			if n := seen[string(e.Data)]; n != 1 {
				t.Errorf("acknowledged event %s (seq %d) is in the store %d times", e.Data, e.Seq, n)
			}
			if got := lines[e.Seq-1]; got.Event.Hash != e.Hash {
				t.Errorf("writer %d's seq %d is not the store's line", w, e.Seq)
			}
		}
	}
	return lines
}

// checkCopies checks that each incident directory verifies on its own and holds the
// lines byte for byte (with prefix, a beginning of them).
func checkCopies(t testing.TB, lines []Line, dirs []string, prefix bool) {
	t.Helper()
	var chain []byte
	for _, l := range lines {
		chain = append(chain, l.Bytes...)
	}
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, journal.FileName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, chain) && !(prefix && len(b) > 0 && bytes.HasPrefix(chain, b)) {
			t.Errorf("%s is not the store's chain (%d bytes, the store's %d)", dir, len(b), len(chain))
		}
		if rep, err := journal.Verify(dir); err != nil || !rep.OK() {
			t.Errorf("%s does not verify: %v %v", dir, err, rep.Problems)
		}
	}
}

// An object in an unlocked bucket that someone rewrote is caught at its seq, with its
// key, and nothing after it is taken.
func TestRewrittenObjectBreaksTheChain(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-open", false)
	s := New(c, Location{Bucket: "team-open", Prefix: "x"})
	ctx := context.Background()
	_, inc := startTeam(t, s, "INC-3", "a@b")
	for i := 0; i < 4; i++ {
		if err := inc.AddNote(fmt.Sprint("note ", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	forged, _ := journal.BuildLine(journal.Genesis, 3, time.Now(), "mallory@x", "note", map[string]int{"i": 99})
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team-open"), Key: aws.String(s.EventKey("INC-3", 3)), Body: bytes.NewReader(forged)}); err != nil {
		t.Fatal(err)
	}
	lines, err := s.Lines(ctx, "INC-3", 0, journal.Genesis)
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Seq != 3 || ce.Key != "x/incidents/INC-3/events/000000000003" {
		t.Fatalf("Lines = %d, %v; want a chain error at seq 3 naming its key", len(lines), err)
	}
	if len(lines) != 2 {
		t.Errorf("kept %d lines before the break, want 2", len(lines))
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team-open"), Key: aws.String(s.EventKey("INC-3", 6)), Body: strings.NewReader("not a line\n")}); err != nil {
		t.Fatal(err)
	}
	other := newMirror(t, "other")
	if _, err := s.CatchUp(ctx, other, "INC-3"); !errors.As(err, &ce) {
		t.Fatalf("catch-up over a broken chain = %v, want a chain error", err)
	}
}

// With Object Lock in COMPLIANCE mode the version a writer published cannot be
// deleted, not even by the bucket's owner.
func TestLockedEventCannotBeDeleted(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-locked", true)
	s := New(c, Location{Bucket: "team-locked"}, WithRetention(Retention{Mode: "COMPLIANCE", Days: 1}))
	ctx := context.Background()
	startTeam(t, s, "INC-4", "a@b")
	key := s.EventKey("INC-4", 1)
	// moto does not serve GetObjectRetention; HeadObject reports the lock as S3 does.
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("team-locked"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if head.ObjectLockMode != types.ObjectLockModeCompliance || head.ObjectLockRetainUntilDate == nil ||
		head.ObjectLockRetainUntilDate.Before(time.Now().Add(23*time.Hour)) {
		t.Fatalf("lock of %s = %q until %v; want COMPLIANCE for a day", key, head.ObjectLockMode, head.ObjectLockRetainUntilDate)
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("team-locked"), Key: aws.String(key), VersionId: head.VersionId})
	if err == nil {
		t.Fatal("deleting a COMPLIANCE-locked event version succeeded")
	}
}

func TestRetentionValidate(t *testing.T) {
	for _, r := range []Retention{{}, {Mode: "COMPLIANCE", Days: 30}, {Mode: "GOVERNANCE", Days: 1}} {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	for _, r := range []Retention{{Mode: "compliance", Days: 30}, {Mode: "COMPLIANCE"}, {Days: 3}} {
		if err := r.Validate(); err == nil {
			t.Errorf("%+v validates", r)
		}
	}
}
