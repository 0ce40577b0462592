package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Every file muster opens in an incident directory is opened with O_NOFOLLOW (a
// planted symlink is refused, never written through) and O_NONBLOCK (a planted FIFO
// does not hang the open), then checked to be a regular file. Someone who can write
// the directory can still delete or edit files (verify catches that); they cannot
// make muster truncate a file elsewhere or wait forever.

// NotRegularError is a path in an incident directory that is not the regular file
// (or directory) expected there.
type NotRegularError struct {
	Path string
	What string // "a symbolic link", "a named pipe (FIFO)", ...
	Want string // "a regular file" (when empty) or "a directory"
}

func (e *NotRegularError) Error() string {
	want := e.Want
	if want == "" {
		want = "a regular file"
	}
	return fmt.Sprintf("%s is %s, not %s: refusing to use it (it may have been planted)", e.Path, e.What, want)
}

// openNoFollow opens path with flag (plus O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC) and checks
// it is a regular file, or a directory when dir is set.
func openNoFollow(path string, flag int, dir bool) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, filePerm)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
			return nil, &NotRegularError{Path: path, What: "a symbolic link"}
		}
		if errors.Is(err, syscall.ENXIO) { // a FIFO without a reader, opened for writing
			return nil, &NotRegularError{Path: path, What: "a named pipe (FIFO)"}
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if m := st.Mode(); dir && !m.IsDir() || !dir && !m.IsRegular() {
		f.Close()
		e := &NotRegularError{Path: path, What: modeName(m)}
		if dir {
			e.Want = "a directory"
		}
		return nil, e
	}
	return f, nil
}

// modeName says what kind of file m is, with an article.
func modeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file (" + m.String() + ")"
}

// ReadFile reads a file of an incident directory the way the journal reads its own:
// never through a symlink, never blocking on a FIFO, only a regular file; max > 0
// caps its size. The incident layer reads its frozen runbook and policy with it.
func ReadFile(path string, max int64) ([]byte, error) { return readFileNoFollow(path, max) }

// readFileNoFollow reads a regular file without following a symlink; limit > 0 caps
// how much is read (a larger file is an error).
func readFileNoFollow(path string, limit int64) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if limit > 0 && st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d expected", path, st.Size(), limit)
	}
	r := io.Reader(f)
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	b := make([]byte, 0, st.Size()+512)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// renameChecked renames old to new unless new exists (checked first: a directory
// created in between by another process is the only race left).
func renameChecked(old, new string) error {
	if _, err := os.Lstat(new); err == nil {
		return &os.LinkError{Op: "rename", Old: old, New: new, Err: fs.ErrExist}
	}
	return os.Rename(old, new)
}
