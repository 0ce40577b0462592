package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
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
	Waited time.Duration // how long Open waited for the lock (WithLockWait)
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
	msg := fmt.Sprintf("%s is being written by %s (pid %d on %s) since %s",
		name, who, h.PID, h.Host, h.Since.UTC().Format("2006-01-02 15:04:05 UTC"))
	if e.Waited > 0 {
		msg += fmt.Sprintf("; waited %s for it", e.Waited.Round(100*time.Millisecond))
	}
	return msg
}

// lock takes the exclusive advisory lock on dir's lock file and writes the holder into
// it. While another writer holds it, lock tries again for up to wait (writers hold it
// only for one write, so a short wait turns a refusal into a delay of milliseconds).
// Readers never take it.
func lock(dir string, h Holder, wait time.Duration) (*os.File, error) {
	path := filepath.Join(dir, LockName)
	// Never through a planted symlink: truncating it would truncate its target.
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE, false)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	start := time.Now()
	pause := time.Millisecond
	for {
		err := flock(f)
		if err == nil {
			break
		}
		waited := time.Since(start)
		if !errors.Is(err, syscall.EWOULDBLOCK) || waited >= wait {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				le := &LockedError{Dir: dir, Holder: readHolder(path)}
				if wait > 0 {
					le.Waited = waited
				}
				return nil, le
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// Jittered and growing, so waiting writers do not retry in step.
		time.Sleep(min(pause/2+time.Duration(rand.Int64N(int64(pause))), wait-waited))
		pause = min(pause*2, 25*time.Millisecond)
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
		b, err := readFileNoFollow(path, 64<<10)
		var h Holder
		if err == nil && json.Unmarshal(b, &h) == nil && h.PID != 0 {
			return h
		}
		time.Sleep(5 * time.Millisecond)
	}
	return Holder{}
}
