package team

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/muster-ir/muster/internal/awserr"
)

// Attachments (blobs) live once per content at attachments/sha256/<hex>, however many
// incidents attach them. A blob is uploaded with S3's SHA-256 checksum, so the store
// checks the bytes it receives; a large one goes up in parts, each with its own
// checksum, and the store then keeps a composite checksum (the SHA-256 of the parts'
// SHA-256s, with "-<parts>"). The part size is kept in the object's metadata, so anyone
// holding the bytes can recompute that composite.

// Multipart defaults: like the AWS CLI, files from 8 MiB go up in 8 MiB parts.
const (
	DefaultMultipartThreshold = 8 << 20
	DefaultPartSize           = 8 << 20
	// MinPartSize is S3's smallest part but the last.
	MinPartSize = 5 << 20
	// maxParts is S3's limit on the parts of one upload: larger files get larger parts.
	maxParts = 10000
	// partsInFlight bounds the parts uploaded at once (each is held in memory).
	partsInFlight = 4
	// metaPartSize is the metadata key (x-amz-meta-muster-part-size) holding the part
	// size of a blob uploaded in parts.
	metaPartSize = "muster-part-size"
)

// blobConfig is how a Store uploads blobs.
type blobConfig struct {
	threshold int64 // files of at least this size go up in parts
	partSize  int64
	// abandoned are uploads in parts that failed and could not be aborted then (the
	// store had gone away): aborted before the next upload of the same blob.
	mu        sync.Mutex
	abandoned map[string][]string // key -> upload ids
}

// WithMultipart sets the size from which blobs are uploaded in parts, and the part
// size (at least MinPartSize, S3's smallest part but the last). Zero keeps a default.
func WithMultipart(threshold, partSize int64) Option {
	return func(s *Store) {
		if threshold > 0 {
			s.blobs.threshold = threshold
		}
		if partSize > 0 {
			s.blobs.partSize = max(partSize, MinPartSize)
		}
	}
}

func (s *Store) multipartThreshold() int64 {
	if s.blobs.threshold > 0 {
		return s.blobs.threshold
	}
	return DefaultMultipartThreshold
}

// partSizeFor is the part size of a blob of size bytes: the configured one, larger when
// the file would need more than S3's 10,000 parts.
func (s *Store) partSizeFor(size int64) int64 {
	p := s.blobs.partSize
	if p == 0 {
		p = DefaultPartSize
	}
	if need := (size + maxParts - 1) / maxParts; need > p {
		p = need
	}
	return p
}

// BlobError is a blob in the store that is not what its name says: other bytes, another
// size, or no checksum the store verified. It is not a network fault: retrying does not
// help.
type BlobError struct {
	Key string
	Why string
}

func (e *BlobError) Error() string { return fmt.Sprintf("team store object %s: %s", e.Key, e.Why) }

// ErrNoBlob is wrapped when the store does not hold a blob.
var ErrNoBlob = fs.ErrNotExist

// blobHead is what HEAD says of a blob.
type blobHead struct {
	size     int64
	checksum string // x-amz-checksum-sha256, base64, without the "-N" of a composite
	parts    int    // N of a composite checksum "...-N", when the store says it
	// composite: the checksum is over the parts (S3 says COMPOSITE or "-N"; a blob
	// muster uploaded in parts carries its part size in the metadata).
	composite bool
	partSize  int64 // from the metadata; 0 when absent
}

func (s *Store) headBlob(ctx context.Context, key string) (blobHead, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		if c := awserr.Code(err); c == "NotFound" || c == "NoSuchKey" || awserr.Status(err) == 404 {
			return blobHead{}, fmt.Errorf("%s is not in %s: %w", key, s.loc, ErrNoBlob)
		}
		return blobHead{}, fmt.Errorf("look up %s in %s: %w", key, s.loc, Explain(err, "s3:GetObject"))
	}
	h := blobHead{size: aws.ToInt64(out.ContentLength), checksum: aws.ToString(out.ChecksumSHA256)}
	for k, v := range out.Metadata {
		if strings.EqualFold(k, metaPartSize) {
			h.partSize, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if base, n, ok := strings.Cut(h.checksum, "-"); ok {
		h.checksum, h.composite = base, true
		h.parts, _ = strconv.Atoi(n)
	}
	h.composite = h.composite || out.ChecksumType == types.ChecksumTypeComposite || h.partSize > 0
	return h, nil
}

// PutBlob uploads the file at path, whose content has the hex SHA-256 sum, to
// attachments/sha256/<sum>, once: when the store already holds that blob (checked with
// HEAD and its checksum) nothing is sent. The file is hashed first, so a damaged local
// copy is never shared. Small files go up in one PutObject, large ones in parts; either
// way with If-None-Match: * (a responder uploading the same content at the same moment
// wins or loses as a whole), the store's SHA-256 check and the configured Object Lock
// retention. A failed upload in parts is aborted, so the store never holds half a blob:
// a blob exists whole or not at all.
func (s *Store) PutBlob(ctx context.Context, sum, path string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	key := s.AttachmentKey(sum)
	s.abortAbandoned(ctx, key)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", sum, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("attachment %s: %w", sum, err)
	}
	size := st.Size()
	parts, err := partSums(f, size, s.partSizeFor(size))
	if err != nil {
		return fmt.Errorf("attachment %s: %w", sum, err)
	}
	if parts.whole != sum {
		return fmt.Errorf("attachment %s: the local copy %s hashes to %s: it was damaged; not shared", sum, path, parts.whole)
	}
	if h, err := s.headBlob(ctx, key); err == nil {
		return s.sameBlob(key, h, size, parts, f)
	} else if !errors.Is(err, ErrNoBlob) {
		return err
	}
	if size < s.multipartThreshold() {
		err = s.putWhole(ctx, key, f, size, parts)
	} else {
		err = s.putParts(ctx, key, f, parts)
	}
	if awserr.Taken(err) {
		// Someone uploaded the same content first: it must be those bytes.
		h, herr := s.headBlob(ctx, key)
		if herr != nil {
			return herr
		}
		return s.sameBlob(key, h, size, parts, f)
	}
	return err
}

// sameBlob checks that the blob the store holds is the local content.
func (s *Store) sameBlob(key string, h blobHead, size int64, local partList, f io.ReaderAt) error {
	if h.size != size {
		return &BlobError{Key: key, Why: fmt.Sprintf("holds %d bytes, the attachment has %d", h.size, size)}
	}
	want, err := local.expected(h, f, size)
	if be, ok := err.(*BlobError); ok {
		be.Key = key
	}
	if err != nil {
		return err
	}
	if h.checksum == "" {
		return &BlobError{Key: key, Why: "was stored without a SHA-256 checksum: the store never checked its bytes"}
	}
	if h.checksum != want {
		return &BlobError{Key: key, Why: fmt.Sprintf("has SHA-256 checksum %s, the attachment's is %s: it holds other bytes", h.checksum, want)}
	}
	return nil
}

func (s *Store) putWhole(ctx context.Context, key string, f *os.File, size int64, parts partList) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(key),
		Body: io.NewSectionReader(f, 0, size), ContentLength: aws.Int64(size),
		ContentType:       aws.String("application/octet-stream"),
		IfNoneMatch:       aws.String("*"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(b64(parts.wholeRaw)),
	}
	s.lock(&in.ObjectLockMode, &in.ObjectLockRetainUntilDate)
	if _, err := s.client.PutObject(ctx, in); err != nil {
		if awserr.Taken(err) {
			return err
		}
		return fmt.Errorf("upload %s to %s: %w", key, s.loc, Explain(err, "s3:PutObject"))
	}
	return nil
}

// putParts uploads in parts: the upload is completed (with If-None-Match: *) only once
// every part is in, and aborted on any failure.
func (s *Store) putParts(ctx context.Context, key string, f *os.File, parts partList) error {
	in := &s3.CreateMultipartUploadInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(key),
		ContentType:       aws.String("application/octet-stream"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumType:      types.ChecksumTypeComposite,
		Metadata:          map[string]string{metaPartSize: strconv.FormatInt(parts.size, 10)},
	}
	s.lock(&in.ObjectLockMode, &in.ObjectLockRetainUntilDate)
	up, err := s.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return fmt.Errorf("upload %s to %s: %w", key, s.loc, Explain(err, "s3:PutObject"))
	}
	id := aws.ToString(up.UploadId)
	done := make([]types.CompletedPart, len(parts.sums))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(partsInFlight)
	for i, sum := range parts.sums {
		g.Go(func() error {
			off := int64(i) * parts.size
			n := min(parts.size, parts.total-off)
			buf := make([]byte, n)
			if _, err := f.ReadAt(buf, off); err != nil {
				return fmt.Errorf("read part %d: %w", i+1, err)
			}
			if got := sha256.Sum256(buf); !bytes.Equal(got[:], sum) {
				return fmt.Errorf("the local copy changed while it was being uploaded (part %d)", i+1)
			}
			out, err := s.client.UploadPart(gctx, &s3.UploadPartInput{
				Bucket: aws.String(s.loc.Bucket), Key: aws.String(key), UploadId: aws.String(id),
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(buf), ContentLength: aws.Int64(n),
				ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: aws.String(b64(sum)),
			})
			if err != nil {
				return fmt.Errorf("upload part %d of %s to %s: %w", i+1, key, s.loc, Explain(err, "s3:PutObject"))
			}
			done[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumSHA256: aws.String(b64(sum))}
			return nil
		})
	}
	err = g.Wait()
	if err == nil {
		_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(s.loc.Bucket), Key: aws.String(key), UploadId: aws.String(id),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
			IfNoneMatch:     aws.String("*"),
			ChecksumType:    types.ChecksumTypeComposite,
			ChecksumSHA256:  aws.String(parts.composite()),
		})
		if err != nil && !awserr.Taken(err) {
			err = fmt.Errorf("complete the upload of %s to %s: %w", key, s.loc, Explain(err, "s3:PutObject"))
		}
	}
	if err != nil {
		s.abort(ctx, key, id)
	}
	return err
}

// abort gives up an upload in parts so the store keeps none of it. It runs even when ctx
// is done (bounded on its own); when the store cannot be reached, the upload is
// remembered and aborted before the next upload of that blob (and the bucket's
// lifecycle rule removes what a process that ended leaves).
func (s *Store) abort(ctx context.Context, key, id string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(key), UploadId: aws.String(id),
	})
	if err != nil && awserr.Code(err) != "NoSuchUpload" {
		s.blobs.mu.Lock()
		if s.blobs.abandoned == nil {
			s.blobs.abandoned = map[string][]string{}
		}
		s.blobs.abandoned[key] = append(s.blobs.abandoned[key], id)
		s.blobs.mu.Unlock()
	}
}

func (s *Store) abortAbandoned(ctx context.Context, key string) {
	s.blobs.mu.Lock()
	ids := s.blobs.abandoned[key]
	delete(s.blobs.abandoned, key)
	s.blobs.mu.Unlock()
	for _, id := range ids {
		s.abort(ctx, key, id)
	}
}

// FetchBlob streams the blob with the hex SHA-256 sum, which the attachment record says
// is size bytes, into w, hashing it on the way: when the bytes are not exactly those it
// returns a *BlobError (w has had them; journal.PutBlob, the usual w, then keeps
// nothing). A blob the store lacks wraps ErrNoBlob.
func (s *Store) FetchBlob(ctx context.Context, sum string, size int64, w io.Writer) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	key := s.AttachmentKey(sum)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(key)})
	if err != nil {
		if awserr.Code(err) == "NoSuchKey" || awserr.Status(err) == 404 {
			return fmt.Errorf("%s is not in %s: %w", key, s.loc, ErrNoBlob)
		}
		return fmt.Errorf("read %s from %s: %w", key, s.loc, Explain(err, "s3:GetObject"))
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, h), io.LimitReader(out.Body, size+1), make([]byte, 1<<20))
	if err != nil {
		return fmt.Errorf("read %s from %s: %w", key, s.loc, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sum {
		return &BlobError{Key: key, Why: fmt.Sprintf("holds %d bytes with SHA-256 %s, the attachment is %d bytes with %s", n, got, size, sum)}
	}
	return nil
}

// checkSum refuses a name that is not a hex SHA-256 (it becomes part of a key and a path).
func checkSum(sum string) error {
	if len(sum) != 64 {
		return fmt.Errorf("attachment %.70q: not a hex SHA-256", sum)
	}
	for i := 0; i < len(sum); i++ {
		if c := sum[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Errorf("attachment %.70q: not a hex SHA-256", sum)
		}
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// partList is a file's SHA-256, whole and per part of size bytes.
type partList struct {
	whole    string // hex
	wholeRaw []byte
	size     int64    // part size
	total    int64    // file size
	sums     [][]byte // each part's SHA-256
}

// partSums reads the file once, hashing it whole and in parts of partSize.
func partSums(r io.ReaderAt, total, partSize int64) (partList, error) {
	l := partList{size: partSize, total: total}
	whole := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < total || off == 0; off += partSize {
		n := min(partSize, total-off)
		ph := sha256.New()
		if _, err := io.CopyBuffer(io.MultiWriter(whole, ph), io.NewSectionReader(r, off, n), buf); err != nil {
			return l, err
		}
		l.sums = append(l.sums, ph.Sum(nil))
		if total == 0 {
			break
		}
	}
	l.wholeRaw = whole.Sum(nil)
	l.whole = hex.EncodeToString(l.wholeRaw)
	return l, nil
}

// composite is S3's composite checksum of an upload in these parts, with its "-N".
func (l partList) composite() string {
	return l.compositeBase() + "-" + strconv.Itoa(len(l.sums))
}

// compositeBase is the composite checksum without its "-N": the SHA-256 of the parts'.
func (l partList) compositeBase() string {
	h := sha256.New()
	for _, p := range l.sums {
		h.Write(p)
	}
	return b64(h.Sum(nil))
}

// expected is the checksum the store should report for this content: the plain SHA-256
// for a blob uploaded whole, else the composite over the part size the blob was
// uploaded with (recomputed from the local copy when it differs from this list's).
func (l partList) expected(h blobHead, f io.ReaderAt, size int64) (string, error) {
	if !h.composite {
		return b64(l.wholeRaw), nil
	}
	if h.partSize < MinPartSize {
		return "", &BlobError{Key: "", Why: "was uploaded in parts without a usable part size (" + metaPartSize + " metadata): its composite checksum cannot be checked"}
	}
	if h.partSize != l.size {
		var err error
		if l, err = partSums(f, size, h.partSize); err != nil {
			return "", err
		}
	}
	if h.parts != 0 && h.parts != len(l.sums) {
		return "", &BlobError{Key: "", Why: fmt.Sprintf("was uploaded in %d parts, not the %d its size and part size make", h.parts, len(l.sums))}
	}
	return l.compositeBase(), nil
}
