package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Holder describes the process that holds an incident's writer lock.
type Holder struct {
	PID   int       `json:"pid"`
	Actor string    `json:"actor"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// LockedError is returned by Open when another process (or another Journal in this
// process) is writing the incident. Holder is zero when it could not be read.
type LockedError struct {
	Dir    string
	Holder Holder
}

func (e *LockedError) Error() string {
	name := filepath.Base(e.Dir)
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("%s is being written by another process (its lock file %s names no holder)",
			name, filepath.Join(e.Dir, LockName))
	}
	who := h.Actor
	if who == "" {
		who = "someone"
	}
	return fmt.Sprintf("%s is being written by %s (pid %d on %s) since %s",
		name, who, h.PID, h.Host, h.Since.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// lock takes the exclusive advisory lock on dir's lock file without waiting and writes
// the holder into it. Readers never take it.
func lock(dir string, h Holder) (*os.File, error) {
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, Holder: readHolder(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	b, _ := json.Marshal(h)
	b = append(b, '\n')
	// The holder is advice for the error message only; the flock is the lock.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(b, 0)
	}
	return f, nil
}

func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			return err
		}
	}
}

// unlock clears the holder and releases the lock.
func unlock(f *os.File) error {
	_ = f.Truncate(0)
	return f.Close() // closing the last descriptor releases the flock
}

// readHolder reads the holder a locking process wrote. The holder writes it right
// after taking the lock, so an empty file is retried for a moment.
func readHolder(path string) Holder {
	for try := 0; try < 20; try++ {
		b, err := os.ReadFile(path)
		var h Holder
		if err == nil && json.Unmarshal(b, &h) == nil && h.PID != 0 {
			return h
		}
		time.Sleep(5 * time.Millisecond)
	}
	return Holder{}
}
