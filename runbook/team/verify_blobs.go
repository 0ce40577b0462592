package team

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/muster-ir/muster/runbook/journal"
)

// verifyBlobs checks every blob the store's lines name: it must be in the store, that
// size, with the SHA-256 checksum the store verified when it arrived (the plain SHA-256
// for a blob uploaded whole; for one uploaded in parts, the composite recomputed from
// this machine's copy when it has an intact one, else the whole blob is read and
// hashed). It returns the number of distinct blobs checked and the problems.
func (s *Store) verifyBlobs(ctx context.Context, lines []Line, dir string) (int, []journal.Problem, error) {
	var problems []journal.Problem
	seen := map[string]bool{}
	for _, l := range lines {
		if l.Event.Type != journal.TypeAttached {
			continue
		}
		a, err := l.Event.Attachment()
		if err != nil || a.Kind != journal.KindFile || seen[a.SHA256] {
			continue
		}
		seen[a.SHA256] = true
		key := s.AttachmentKey(a.SHA256)
		bad := func(format string, args ...any) {
			problems = append(problems, journal.Problem{Line: int(l.Event.Seq), Seq: l.Event.Seq, File: key, What: "attachment in the store: " + fmt.Sprintf(format, args...)})
		}
		if checkSum(a.SHA256) != nil {
			bad("the record names %.70q, not a hex SHA-256", a.SHA256)
			continue
		}
		h, err := s.headBlob(ctx, key)
		if errors.Is(err, ErrNoBlob) {
			bad("missing (the line names a blob the store does not hold)")
			continue
		}
		if err != nil {
			return len(seen), problems, err
		}
		if why, err := s.blobDiffers(ctx, key, h, a, dir); err != nil {
			return len(seen), problems, err
		} else if why != "" {
			bad("%s", why)
		}
	}
	return len(seen), problems, nil
}

// blobDiffers says what is wrong with the blob at key for attachment a ("" when
// nothing is).
func (s *Store) blobDiffers(ctx context.Context, key string, h blobHead, a journal.Attachment, dir string) (string, error) {
	if h.size != a.Size {
		return fmt.Sprintf("holds %d bytes, the record says %d", h.size, a.Size), nil
	}
	if h.checksum == "" {
		return "stored without a SHA-256 checksum: the store never checked its bytes", nil
	}
	if !h.composite {
		if raw, _ := hex.DecodeString(a.SHA256); h.checksum != b64(raw) {
			return fmt.Sprintf("has SHA-256 checksum %s, the record's is %s: it holds other bytes", h.checksum, b64(raw)), nil
		}
		return "", nil
	}
	// Uploaded in parts: recompute the composite from an intact local copy, when
	// there is one; else read the blob whole.
	if path, err := journal.BlobPath(dir, a.SHA256); err == nil {
		if f, err := os.Open(path); err == nil {
			defer f.Close()
			local, err := partSums(f, a.Size, max(h.partSize, MinPartSize))
			if err == nil && local.whole == a.SHA256 {
				want, err := local.expected(h, f, a.Size)
				var be *BlobError
				switch {
				case errors.As(err, &be):
					return be.Why, nil
				case err != nil:
					return "", err
				case h.checksum != want:
					return fmt.Sprintf("has composite checksum %s, the attachment's parts make %s: it holds other bytes", h.checksum, want), nil
				}
				return "", nil
			}
		}
	}
	err := s.FetchBlob(ctx, a.SHA256, a.Size, io.Discard)
	var be *BlobError
	if errors.As(err, &be) {
		return be.Why, nil
	}
	return "", err
}
