package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
	"unicode/utf8"
)

const (
	incomingPre = ".incoming-" // attachments being copied in, under attachments/
	blobDir     = "sha256"     // attachments/sha256/<hex>
	copyBufSize = 1 << 20
)

// Attachment kinds.
const (
	KindFile    = "file"
	KindSymlink = "symlink"
)

// Attachment is the data of a TypeAttached event: what was taken into evidence, from
// where, as it was. Who and when are the event's Actor and Time.
type Attachment struct {
	Kind string `json:"kind"` // KindFile or KindSymlink
	// Path is the absolute path of the original. PathHex holds its bytes in hex when
	// they are not valid UTF-8 (Path then has U+FFFD in their place).
	Path    string `json:"path"`
	PathHex string `json:"path_hex,omitempty"`
	Host    string `json:"host"` // machine the original was on
	// Size is the number of bytes copied (a file) or the length of the link target.
	Size    int64     `json:"size"`
	Mode    string    `json:"mode"`  // the original's mode, as ls shows it
	ModTime time.Time `json:"mtime"` // the original's modification time, UTC
	// SHA256 is the hex SHA-256 of the bytes copied; Blob is where they are, relative
	// to the incident directory: attachments/sha256/<SHA256>. Both are empty for a
	// symlink.
	SHA256 string `json:"sha256,omitempty"`
	Blob   string `json:"blob,omitempty"`
	// Link is a symlink's target as stored in the link; it is not followed. LinkHex is
	// like PathHex.
	Link    string `json:"link,omitempty"`
	LinkHex string `json:"link_hex,omitempty"`
	// Changed is set when the original's size or modification time changed while it
	// was being copied: the copy is what was read, SHA256 its hash.
	Changed bool `json:"changed_while_copying,omitempty"`
	// Cut is set when the original kept growing past GrowthLimit of its size when the
	// copy started: the copy stops there (the rest was not taken), so a log that never
	// stops being written cannot fill the disk.
	Cut  bool           `json:"cut,omitempty"`
	Meta map[string]any `json:"meta,omitempty"` // the caller's, e.g. a description
}

// Attachment decodes the data of a TypeAttached event.
func (e Event) Attachment() (Attachment, error) {
	var a Attachment
	if e.Type != TypeAttached {
		return a, fmt.Errorf("event %d is %s, not %s", e.Seq, e.Type, TypeAttached)
	}
	err := json.Unmarshal(e.Data, &a)
	return a, err
}

// Recovery decodes the data of a TypeRecovered event.
func (e Event) Recovery() (Recovery, error) {
	var r Recovery
	if e.Type != TypeRecovered {
		return r, fmt.Errorf("event %d is %s, not %s", e.Seq, e.Type, TypeRecovered)
	}
	err := json.Unmarshal(e.Data, &r)
	return r, err
}

// Attach takes the file at path into evidence and appends a TypeAttached event by
// actor recording it, with meta (may be nil) kept in the record. A regular file is
// streamed into the content-addressed store attachments/sha256/<hex> (a temporary file,
// fsync'd and renamed; identical content is stored once); the original is only read,
// never moved or modified. A symlink is recorded as a link with its target and not
// followed: to take the target's content, attach the target's path. Other kinds of
// file (directories, devices, pipes, sockets) are refused.
func (j *Journal) Attach(actor, path string, meta map[string]any) (Event, Attachment, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, Attachment{}, err
	}
	a, err := j.Take(path, meta)
	if err != nil {
		return Event{}, Attachment{}, err
	}
	data, err := marshalData(a)
	if err != nil {
		return Event{}, Attachment{}, fmt.Errorf("attach %s: %w", a.Path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return Event{}, Attachment{}, ErrClosed
	}
	e, err := j.append(actor, TypeAttached, data)
	if err != nil {
		return Event{}, Attachment{}, err
	}
	return e, a, nil
}

// Take is the first half of Attach: it copies a regular file into the attachment store
// (or reads a symlink) and returns the record, without appending the event. A shared
// store uses it to publish the blob before the line that names it; the blob stays in
// the store whether or not an event ever names it (it is content-addressed).
func (j *Journal) Take(path string, meta map[string]any) (Attachment, error) {
	j.mu.Lock()
	closed := j.closed
	j.mu.Unlock()
	if closed {
		return Attachment{}, ErrClosed
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Attachment{}, fmt.Errorf("attach %s: %w", path, err)
	}
	st, err := os.Lstat(abs)
	if err != nil {
		return Attachment{}, fmt.Errorf("attach: %w", err)
	}
	host, _ := os.Hostname()
	a := Attachment{Path: abs, Host: host, Mode: st.Mode().String(), ModTime: st.ModTime().UTC(), Meta: meta}
	if !utf8.ValidString(abs) {
		a.PathHex = hex.EncodeToString([]byte(abs))
	}
	switch mode := st.Mode(); {
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(abs)
		if err != nil {
			return Attachment{}, fmt.Errorf("attach: %w", err)
		}
		a.Kind, a.Link, a.Size = KindSymlink, target, int64(len(target))
		if !utf8.ValidString(target) {
			a.LinkHex = hex.EncodeToString([]byte(target))
		}
	case mode.IsRegular():
		a.Kind = KindFile
		if err := j.store(abs, st, &a); err != nil {
			return Attachment{}, fmt.Errorf("attach %s: %w", abs, err)
		}
	default:
		return Attachment{}, fmt.Errorf("attach %s: it is a %s, not a regular file or a symlink", abs, kindName(mode))
	}
	return a, nil
}

func kindName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file (" + m.String() + ")"
}

// store streams the regular file at path into the attachment store and fills in a's
// size, hash and blob. before is its Lstat.
func (j *Journal) store(path string, before fs.FileInfo, a *Attachment) error {
	// O_NOFOLLOW and O_NONBLOCK: a path swapped for a link or a pipe after the Lstat
	// neither gets followed nor hangs the open.
	src, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(before, st) || !st.Mode().IsRegular() {
		return errors.New("the file was replaced while it was being opened; try again")
	}
	dir := filepath.Join(j.dir, AttachDir)
	if err := checkDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, incomingPre+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	limit := GrowthLimit(st.Size())
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h), io.LimitReader(src, limit), make([]byte, copyBufSize))
	if err == nil && n == limit {
		var one [1]byte
		if m, _ := src.Read(one[:]); m > 0 {
			a.Cut = true
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if after, err := src.Stat(); err != nil || after.Size() != st.Size() || !after.ModTime().Equal(st.ModTime()) || n != st.Size() {
		a.Changed = true
	}
	sum := hex.EncodeToString(h.Sum(nil))
	a.Size, a.SHA256, a.Blob = n, sum, AttachDir+"/"+blobDir+"/"+sum
	a.Mode, a.ModTime = st.Mode().String(), st.ModTime().UTC()

	blobs, err := makeBlobDir(dir)
	if err != nil {
		return err
	}
	dest := filepath.Join(blobs, sum)
	if old, size, err := hashFile(dest); err == nil && old == sum && size == n {
		return nil // already stored, intact
	}
	// New, or a damaged copy that the fresh one replaces.
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return err
	}
	return syncDir(blobs)
}

// GrowthLimit is how much of a file that is size bytes when the copy starts Attach
// copies at most: size plus 1 MiB or a tenth of it, whichever is more.
func GrowthLimit(size int64) int64 { return size + max(growthMargin, size/10) }

// growthMargin is the least GrowthLimit adds (tests lower it).
var growthMargin int64 = 1 << 20

// checkDir refuses a path in the incident directory that is not a real directory (a
// planted symlink would send attachments elsewhere).
func checkDir(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return &NotRegularError{Path: path, What: modeName(st.Mode()), Want: "a directory"}
	}
	return nil
}

// makeBlobDir returns the blob directory (sha256/) of the attachment directory attach,
// made if it is not there yet (attach is synced, so the new directory survives a
// crash); one that is there must be a real directory.
func makeBlobDir(attach string) (string, error) {
	blobs := filepath.Join(attach, blobDir)
	if err := os.Mkdir(blobs, dirPerm); err == nil {
		return blobs, syncDir(attach)
	} else if !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return blobs, checkDir(blobs)
}

// blobPath is where the store keeps content with this hex SHA-256.
func blobPath(dir, sum string) string {
	return filepath.Join(dir, AttachDir, blobDir, sum)
}

// validBlobRef reports whether an attachment record names its blob consistently.
func validBlobRef(a Attachment) bool {
	return len(a.SHA256) == hexLen && badHex([]byte(a.SHA256)) < 0 &&
		a.Blob == AttachDir+"/"+blobDir+"/"+a.SHA256
}
