package team

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/muster-ir/muster/internal/cutproxy"
)

// ops counts the S3 operations a client sends, and may act after one of them (cut a
// proxy after the first part of an upload arrived).
type ops struct {
	mu    sync.Mutex
	n     map[string]int
	after func(op string, err error)
}

func (o *ops) count(op string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[op]
}

func (o *ops) reset() {
	o.mu.Lock()
	o.n = map[string]int{}
	o.mu.Unlock()
}

// hookedS3 is s3Client with every operation counted in o.
func hookedS3(endpoint string, o *ops) *s3.Client {
	o.reset()
	c := s3Client(endpoint)
	return s3.New(c.Options(), func(opt *s3.Options) {
		opt.APIOptions = append(opt.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("muster-test-ops",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					op := awsmiddleware.GetOperationName(ctx)
					o.mu.Lock()
					o.n[op]++
					o.mu.Unlock()
					out, md, err := next.HandleInitialize(ctx, in)
					if o.after != nil {
						o.after(op, err)
					}
					return out, md, err
				}), middleware.Before)
		})
	})
}

// blobFile writes n random bytes to a file and returns its path and hex SHA-256.
func blobFile(t testing.TB, n int) (string, string) {
	t.Helper()
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	r.Read(b)
	path := filepath.Join(t.TempDir(), "evidence.bin")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return path, hex.EncodeToString(sum[:])
}

func fetchAll(t testing.TB, s *Store, sum string, size int64) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := s.FetchBlob(context.Background(), sum, size, &buf)
	return buf.Bytes(), err
}

// A small attachment goes up in one PutObject with its SHA-256 checksum and the Object
// Lock retention, once: the second upload of the same content only looks.
func TestPutBlobOnceWithChecksumAndLock(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-blob-small", true)
	var o ops
	s := New(hookedS3(moto, &o), Location{Bucket: "team-blob-small", Prefix: "p"}, WithRetention(Retention{Mode: "COMPLIANCE", Days: 1}))
	ctx := context.Background()
	path, sum := blobFile(t, 70_000)
	if err := s.PutBlob(ctx, sum, path); err != nil {
		t.Fatal(err)
	}
	if o.count("PutObject") != 1 {
		t.Errorf("first upload sent %d PutObject, want 1", o.count("PutObject"))
	}
	key := "p/attachments/sha256/" + sum
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("team-blob-small"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(sum)
	if aws.ToString(head.ChecksumSHA256) != b64(raw) {
		t.Errorf("checksum %q, want the SHA-256 %q", aws.ToString(head.ChecksumSHA256), b64(raw))
	}
	if head.ObjectLockMode != types.ObjectLockModeCompliance || head.ObjectLockRetainUntilDate == nil || head.ObjectLockRetainUntilDate.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("lock %q until %v, want COMPLIANCE for a day", head.ObjectLockMode, head.ObjectLockRetainUntilDate)
	}
	o.reset()
	if err := s.PutBlob(ctx, sum, path); err != nil {
		t.Fatal(err)
	}
	if n := o.count("PutObject") + o.count("CreateMultipartUpload"); n != 0 || o.count("HeadObject") != 1 {
		t.Errorf("second upload of the same content: %v, want one HeadObject and nothing sent", o.n)
	}
	got, err := fetchAll(t, s, sum, 70_000)
	want, _ := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("fetch: %d bytes, %v", len(got), err)
	}
}

// A large attachment goes up in parts, each with its checksum; the store keeps the
// composite checksum and the part size, and the content reads back whole.
func TestPutBlobInParts(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-blob-parts", false)
	var o ops
	s := New(hookedS3(moto, &o), Location{Bucket: "team-blob-parts"}, WithMultipart(1<<20, MinPartSize))
	ctx := context.Background()
	const size = 2*MinPartSize + 123_457
	path, sum := blobFile(t, size)
	if err := s.PutBlob(ctx, sum, path); err != nil {
		t.Fatal(err)
	}
	if o.count("UploadPart") != 3 || o.count("CompleteMultipartUpload") != 1 || o.count("PutObject") != 0 {
		t.Errorf("operations %v, want 3 parts and one completion", o.n)
	}
	head, err := s.headBlob(ctx, s.AttachmentKey(sum))
	if err != nil {
		t.Fatal(err)
	}
	if !head.composite || head.partSize != MinPartSize || head.size != size {
		t.Errorf("head %+v, want a composite checksum of 3 parts of %d", head, MinPartSize)
	}
	f, _ := os.Open(path)
	defer f.Close()
	parts, _ := partSums(f, size, MinPartSize)
	if head.checksum != parts.compositeBase() || head.parts != 0 && head.parts != 3 {
		t.Errorf("composite checksum %s-%d, want %s", head.checksum, head.parts, parts.composite())
	}
	// Uploaded once: a responder with another part size only looks, and recomputes the
	// composite over the part size the blob was uploaded with.
	o.reset()
	other := New(hookedS3(moto, &o), Location{Bucket: "team-blob-parts"}, WithMultipart(1<<20, 6<<20))
	if err := other.PutBlob(ctx, sum, path); err != nil {
		t.Fatal(err)
	}
	if o.count("CreateMultipartUpload")+o.count("PutObject") != 0 {
		t.Errorf("second upload sent %v", o.n)
	}
	got, err := fetchAll(t, s, sum, size)
	want, _ := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("fetch: %d bytes, %v", len(got), err)
	}
}

// A blob under a name whose bytes are other (put there by someone else) is never taken
// for the attachment: uploading and fetching both say so.
func TestBlobWithOtherBytesIsRefused(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-blob-other", false)
	s := New(c, Location{Bucket: "team-blob-other"})
	ctx := context.Background()
	path, sum := blobFile(t, 5000)
	forged := bytes.Repeat([]byte("x"), 5000)
	fs := sha256.Sum256(forged)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team-blob-other"), Key: aws.String(s.AttachmentKey(sum)),
		Body: bytes.NewReader(forged), ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: aws.String(b64(fs[:]))})
	if err != nil {
		t.Fatal(err)
	}
	var be *BlobError
	if err := s.PutBlob(ctx, sum, path); !errors.As(err, &be) || !strings.Contains(err.Error(), "other bytes") {
		t.Fatalf("PutBlob over other bytes = %v, want a BlobError", err)
	}
	if s.Offline(err) {
		t.Error("a blob with other bytes counts as the store being offline")
	}
	if _, err := fetchAll(t, s, sum, 5000); !errors.As(err, &be) {
		t.Fatalf("FetchBlob of other bytes = %v, want a BlobError", err)
	}
	if _, err := fetchAll(t, s, strings.Repeat("ab", 32), 1); !errors.Is(err, ErrNoBlob) {
		t.Fatalf("FetchBlob of a missing blob = %v, want ErrNoBlob", err)
	}
	// A damaged local copy is never shared.
	if err := os.WriteFile(path, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, sum2 := blobFile(t, 77)
	if err := s.PutBlob(ctx, sum2, path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("PutBlob of a damaged local copy = %v", err)
	}
	if err := s.PutBlob(ctx, "../../etc", path); err == nil {
		t.Fatal("PutBlob accepted a name that is not a SHA-256")
	}
}

// The store goes away after the first part of an upload arrived: the upload fails as
// offline and the store holds no object, not half of one; the upload is aborted when
// the store is back, and the next attempt publishes the blob whole.
func TestPutBlobCutMidUpload(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-blob-cut", true)
	px := cutproxy.New(t, strings.TrimPrefix(moto, "http://"))
	var o ops
	var once sync.Once
	o.after = func(op string, err error) {
		if op == "UploadPart" && err == nil {
			once.Do(px.Cut)
		}
	}
	s := New(hookedS3(px.URL(), &o), Location{Bucket: "team-blob-cut"}, WithMultipart(1<<20, MinPartSize),
		WithRetention(Retention{Mode: "GOVERNANCE", Days: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const size = 3*MinPartSize + 99
	path, sum := blobFile(t, size)
	err := s.PutBlob(ctx, sum, path)
	if err == nil || !s.Offline(err) {
		t.Fatalf("upload through a cut = %v, want an offline error", err)
	}
	key := s.AttachmentKey(sum)
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("team-blob-cut"), Key: aws.String(key)}); err == nil {
		t.Fatal("the store holds an object after a cut upload")
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("team-blob-cut")})
	if err != nil || len(ups.Uploads) != 1 {
		t.Fatalf("incomplete uploads during the cut: %v, %v; want the one cut", ups, err)
	}
	px.Restore()
	if err := s.PutBlob(ctx, sum, path); err != nil {
		t.Fatal(err)
	}
	if o.count("AbortMultipartUpload") < 2 {
		t.Errorf("operations %v: want the cut upload aborted once the store is back", o.n)
	}
	ups, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("team-blob-cut")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("incomplete uploads after the retry: %d, %v", len(ups.Uploads), err)
	}
	got, err := fetchAll(t, New(c, Location{Bucket: "team-blob-cut"}), sum, size)
	want, _ := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the blob after the retry: %d bytes, %v", len(got), err)
	}
}
