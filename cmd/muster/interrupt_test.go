package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// musterBinary builds the muster command once for the tests that run it as a process.
func musterBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "muster-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "muster")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// waitExit waits for cmd with a generous limit: the test is about a hang, not a speed.
func waitExit(t *testing.T, cmd *exec.Cmd, what string) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s still running 20 s later", what)
	}
	return -1
}

// waitBlockedOnPipe waits until the process sleeps reading a pipe (its signal
// handlers are installed by then), or 5 s where the kernel does not say.
func waitBlockedOnPipe(pid int) {
	for try := 0; try < 250; try++ { // about 5 s of 20 ms polls
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid)); strings.Contains(string(b), "pipe") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Ctrl+C on a command blocked on a FIFO ends it with exit 130 and a message; FIFOs
// planted in the incident directory make list, show and verify fail naming the path,
// never hang.
func TestCtrlCAndFIFOsNeverHang(t *testing.T) {
	bin := musterBinary(t)
	c := newCLI(t)
	id := startIncident(c)
	dir := filepath.Join(c.home, "incidents", id)

	// A note read from a FIFO that never delivers a byte (the test holds its write end).
	fifo := filepath.Join(t.TempDir(), "stdin")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--data-dir", c.home, "incident", "note", id, "-")
	cmd.Stdin, cmd.Stderr = in, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitBlockedOnPipe(cmd.Process.Pid)
	cmd.Process.Signal(os.Interrupt)
	if code := waitExit(t, cmd, "note from a FIFO after Ctrl+C"); code != 130 && code != 2 {
		t.Errorf("exit %d after Ctrl+C, want 130 or 2; stderr %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr: %q", stderr.String())
	}

	for _, name := range []string{"journal.head", "runbook.toml", "journal.jsonl"} {
		path := filepath.Join(dir, name)
		saved, _ := os.ReadFile(path)
		os.Remove(path)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"incident", "list"}, {"incident", "show", id}, {"evidence", "verify", id}} {
			var out bytes.Buffer
			cmd := exec.Command(bin, append([]string{"--data-dir", c.home}, args...)...)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			code := waitExit(t, cmd, name+" FIFO: muster "+strings.Join(args, " "))
			if args[1] != "list" && (code == 0 || !strings.Contains(out.String(), "named pipe")) {
				t.Errorf("%s FIFO: muster %s: exit %d: %s", name, strings.Join(args, " "), code, out.String())
			}
		}
		os.Remove(path)
		os.WriteFile(path, saved, 0o600)
	}
}
