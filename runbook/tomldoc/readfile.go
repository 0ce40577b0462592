package tomldoc

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// ReadFile reads a file of the kind named by what ("runbook", "scenario") for
// decoding: at most max bytes, never a directory. Its errors are short and say what is
// wrong with the file, to stand after "path: " in a problem line.
func ReadFile(path, what string, max int64) ([]byte, error) {
	// O_NONBLOCK: a named pipe in place of the file must not hang the open.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %s", ReadError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read: %s", ReadError(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("is a directory, not a %s file", what)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("is not a regular file (%s), not a %s file", st.Mode().Type(), what)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %s", ReadError(err))
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d MiB: not a %s", max>>20, what)
	}
	return data, nil
}

// ReadError says in a few words why a file could not be read.
func ReadError(err error) string {
	switch {
	case os.IsNotExist(err):
		return "no such file"
	case os.IsPermission(err):
		return "permission denied"
	}
	return err.Error()
}
