package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A shared store's mirror holds the lines of attachments others made, without their
// blobs: those are fetched when someone needs them (an export, a look at the file).
// These functions give the store the journal's own attachment store to read from and to
// fill, with the same checks as Attach.

// BlobPath returns where the incident directory dir keeps the blob with the hex SHA-256
// sum (attachments/sha256/<sum>), after checking that sum is one.
func BlobPath(dir, sum string) (string, error) {
	if len(sum) != hexLen || badHex([]byte(sum)) >= 0 {
		return "", fmt.Errorf("attachment %.70q: not a hex SHA-256", sum)
	}
	return blobPath(dir, sum), nil
}

// HasBlob reports whether the incident directory dir holds a blob with this hex
// SHA-256 (present; Verify checks its bytes).
func HasBlob(dir, sum string) bool {
	p, err := BlobPath(dir, sum)
	if err != nil {
		return false
	}
	st, err := os.Lstat(p)
	return err == nil && st.Mode().IsRegular()
}

// ErrBlobMismatch is returned by PutBlob when the bytes written are not the content the
// SHA-256 names.
var ErrBlobMismatch = errors.New("the bytes do not have the attachment's SHA-256")

// PutBlob stores in the incident directory dir the blob with the hex SHA-256 sum and
// size bytes, whose bytes fill writes (a download). Like Attach it writes a temporary
// file under attachments/ (removed by the next Open after a crash), fsyncs it and
// renames it into attachments/sha256/<sum> only when the bytes hash to sum and are size
// long; otherwise nothing is stored and the error wraps ErrBlobMismatch. A blob already
// there intact is kept.
func PutBlob(dir, sum string, size int64, fill func(w io.Writer) error) error {
	dest, err := BlobPath(dir, sum)
	if err != nil {
		return err
	}
	if old, n, err := hashFile(dest); err == nil && old == sum && n == size {
		return nil
	}
	attach := filepath.Join(dir, AttachDir)
	if err := os.Mkdir(attach, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := checkDir(attach); err != nil {
		return err
	}
	blobs, err := makeBlobDir(attach)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(attach, incomingPre+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	err = fill(cw)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum || cw.n != size {
		return fmt.Errorf("attachment %s: %d bytes with SHA-256 %s: %w", sum, cw.n, got, ErrBlobMismatch)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return err
	}
	return syncDir(blobs)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
