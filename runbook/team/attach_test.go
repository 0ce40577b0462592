package team

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/internal/cutproxy"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

func startTeamIncident(t *testing.T, st *incident.Store) *incident.Incident {
	t.Helper()
	inc, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return inc
}

// Alice attaches a small and a large file to a team incident: both blobs go to the
// store (the large one in parts) before the lines that name them, the lines are those
// a local attach writes, and Bob's mirror fetches the blobs when he needs them,
// checked against their SHA-256.
func TestTeamAttachments(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-attach", true)
	loc := Location{Bucket: "team-attach", Prefix: "acme"}
	s := New(c, loc, WithMultipart(1<<20, MinPartSize), WithRetention(Retention{Mode: "GOVERNANCE", Days: 1}))
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: New(c, loc)}
	inc := startTeamIncident(t, alice)

	small, smallSum := blobFile(t, 4096)
	large, largeSum := blobFile(t, MinPartSize+1000)
	for _, f := range []string{small, large} {
		a, err := inc.Attach(f)
		if err != nil {
			t.Fatalf("attach %s: %v", f, err)
		}
		if !inc.Saved.Shared {
			t.Fatalf("attach saved %+v, want shared", inc.Saved)
		}
		if a.Blob != "attachments/sha256/"+a.SHA256 {
			t.Errorf("record names blob %s", a.Blob)
		}
	}
	// The same content again: one more line, no second upload.
	if _, err := inc.Attach(small); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lines, err := s.Lines(ctx, inc.ID, 0, journal.Genesis)
	if err != nil || len(lines) != 4 {
		t.Fatalf("store: %d lines, %v", len(lines), err)
	}
	for i, sum := range []string{smallSum, largeSum, smallSum} {
		a, err := lines[i+1].Event.Attachment()
		if err != nil || a.SHA256 != sum || a.Kind != journal.KindFile {
			t.Errorf("line %d: %+v, %v; want the attachment of %s", i+2, a, err, sum)
		}
	}

	// Bob's mirror has the lines, not the blobs, until he needs them.
	if err := bob.SyncIncident(inc.ID); err != nil {
		t.Fatal(err)
	}
	dir := bob.Dir(inc.ID)
	if journal.HasBlob(dir, smallSum) {
		t.Fatal("bob's mirror fetched a blob before anyone needed it")
	}
	path, a, err := bob.AttachmentFile(inc.ID, "3")
	if err != nil || a.SHA256 != largeSum {
		t.Fatalf("AttachmentFile(seq 3) = %s, %+v, %v", path, a, err)
	}
	got, _ := os.ReadFile(path)
	want, _ := os.ReadFile(large)
	if !bytes.Equal(got, want) {
		t.Fatal("bob's copy of the large attachment differs from alice's file")
	}
	n, err := bob.FetchAttachments(inc.ID)
	if err != nil || n != 1 {
		t.Fatalf("FetchAttachments = %d, %v; want the one bob had not fetched yet", n, err)
	}
	rep, err := journal.Verify(dir)
	if err != nil || !rep.OK() {
		t.Fatalf("bob's mirror does not verify: %v %v", err, rep.Problems)
	}
	if _, _, err := bob.AttachmentFile(inc.ID, "2"); err != nil {
		t.Errorf("attachment by seq once fetched: %v", err)
	}
	if _, _, err := bob.AttachmentFile(inc.ID, "4"+strings.Repeat("0", 8)); !incident.IsBadInput(err) {
		t.Errorf("an unknown attachment = %v, want bad input", err)
	}
}

// A blob in the store that is not what its line names is refused when fetched: the
// mirror keeps nothing.
func TestFetchedAttachmentIsChecked(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-attach-bad", false)
	loc := Location{Bucket: "team-attach-bad"}
	s := New(c, loc)
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s}
	inc := startTeamIncident(t, alice)
	f, sum := blobFile(t, 3000)
	if _, err := inc.Attach(f); err != nil {
		t.Fatal(err)
	}
	// Someone with write access replaces the blob (no Object Lock on this bucket).
	ctx := context.Background()
	key := aws.String(s.AttachmentKey(sum))
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: key}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: key, Body: bytes.NewReader(bytes.Repeat([]byte{'z'}, 3000))}); err != nil {
		t.Fatal(err)
	}
	if err := bob.SyncIncident(inc.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := bob.AttachmentFile(inc.ID, sum[:12])
	var be *BlobError
	if !errors.As(err, &be) {
		t.Fatalf("fetching a replaced blob = %v, want a BlobError", err)
	}
	if journal.HasBlob(bob.Dir(inc.ID), sum) {
		t.Error("the mirror kept a blob that is not the attachment")
	}
}

// The store goes away in the middle of a large attachment's upload: the attachment is
// queued with its blob, the store holds neither the event nor half a blob, and once the
// store is back the next command publishes the blob whole, then the event.
func TestAttachmentCutMidUpload(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-attach-cut", true)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	loc := Location{Bucket: "team-attach-cut"}
	var o ops
	var once sync.Once
	var order []string
	var mu sync.Mutex
	o.after = func(op string, err error) {
		if err == nil {
			mu.Lock()
			order = append(order, op)
			mu.Unlock()
		}
		if op == "UploadPart" && err == nil {
			once.Do(px.Cut)
		}
	}
	s := New(hookedS3(px.URL(), &o), loc, WithMultipart(1<<20, MinPartSize), WithRetention(Retention{Mode: "GOVERNANCE", Days: 1}))
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s, Context: cctx}
	inc := startTeamIncident(t, alice)

	f, sum := blobFile(t, 2*MinPartSize+5)
	a, err := inc.Attach(f)
	var q *incident.QueuedError
	if !errors.As(err, &q) || q.Pending != 1 || a.SHA256 != sum {
		t.Fatalf("attach through a cut = %+v, %v; want it queued (1) with its record", a, err)
	}
	direct := New(c, loc)
	if _, err := direct.headBlob(cctx, direct.AttachmentKey(sum)); !errors.Is(err, ErrNoBlob) {
		t.Fatalf("the store holds the blob (or a part of it) after the cut: %v", err)
	}
	if !journal.HasBlob(inc.Dir, sum) {
		t.Fatal("the queued attachment's blob is not kept on this machine")
	}

	px.Restore()
	mu.Lock()
	order = nil
	mu.Unlock()
	if err := inc.AddNote("back online", ""); err != nil {
		t.Fatalf("note once the store is back: %v", err)
	}
	if inc.Flushed.Published != 1 || len(inc.Flushed.Refused) != 0 {
		t.Fatalf("flush = %+v, want the attachment published", inc.Flushed)
	}
	lines, err := direct.Lines(cctx, inc.ID, 0, journal.Genesis)
	if err != nil || len(lines) != 3 || lines[1].Event.Type != incident.EvAttached {
		t.Fatalf("the store's chain: %d lines, %v; want started, attached, note", len(lines), err)
	}
	var got bytes.Buffer
	if err := direct.FetchBlob(cctx, sum, 2*MinPartSize+5, &got); err != nil {
		t.Fatalf("the blob after the restore: %v", err)
	}
	mu.Lock()
	seq := strings.Join(order, " ")
	mu.Unlock()
	if i, j := strings.Index(seq, "CompleteMultipartUpload"), strings.Index(seq, "PutObject"); i < 0 || j < i {
		t.Errorf("operations after the restore: %s; want the blob completed before the event is put", seq)
	}
	t.Log("after the restore:", seq)
}

// evidence verify --remote checks every blob the store's lines name: a blob replaced by
// other bytes and a missing one are reported at the seq of their line, with their key.
func TestVerifyRemoteChecksAttachments(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-attach-verify", false)
	loc := Location{Bucket: "team-attach-verify"}
	s := New(c, loc, WithMultipart(1<<20, MinPartSize))
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s}
	inc := startTeamIncident(t, alice)
	small, smallSum := blobFile(t, 2000)
	large, largeSum := blobFile(t, MinPartSize+10)
	for _, f := range []string{small, large} {
		if _, err := inc.Attach(f); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := bob.SyncIncident(inc.ID); err != nil {
		t.Fatal(err)
	}
	for who, dir := range map[string]string{"alice (with the blobs)": inc.Dir, "bob (without them)": bob.Dir(inc.ID)} {
		r, err := s.VerifyRemote(ctx, inc.ID, dir)
		if err != nil || !r.OK() || r.Attachments != 2 {
			t.Fatalf("%s: verify --remote = %+v, %v; want 2 attachments, no problem", who, r, err)
		}
	}
	other := bytes.Repeat([]byte{'o'}, 2000)
	sum := sha256Of(other)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(s.AttachmentKey(smallSum)),
		Body: bytes.NewReader(other), ChecksumAlgorithm: "SHA256", ChecksumSHA256: aws.String(b64(sum))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(s.AttachmentKey(largeSum))}); err != nil {
		t.Fatal(err)
	}
	r, err := s.VerifyRemote(ctx, inc.ID, inc.Dir)
	if err != nil {
		t.Fatal(err)
	}
	text := problemsText(r)
	if r.OK() || !strings.Contains(text, "seq 2") || !strings.Contains(text, "other bytes") ||
		!strings.Contains(text, "seq 3") || !strings.Contains(text, "missing") || !strings.Contains(text, s.AttachmentKey(largeSum)) {
		t.Fatalf("verify --remote over a replaced and a missing blob:\n%s", text)
	}
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
