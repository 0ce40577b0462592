package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

// releaseBuild is README's release build (static: CGO_ENABLED=0; no symbol table)
// without -trimpath: that flag only rewrites the file paths in the binary, and would
// compile every dependency a second time, outside the build cache the other tests use.
var releaseBuild = []string{"build", "-ldflags", "-s -w"}

// musterBinary builds the muster command once for the tests that run it as a process,
// as the release is built (README, "Start here"), so those tests run the static build.
func musterBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "muster-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "muster")
		cmd := exec.Command("go", append(releaseBuild, "-o", binPath, ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
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

// growJournal appends n note lines to the journal in dir the way muster writes
// them (README's line format: each hash over the line without it, each prev the
// hash before), fast enough to make a journal of hundreds of MB.
func growJournal(t *testing.T, dir string, n int) {
	t.Helper()
	path := filepath.Join(dir, "journal.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	last := lines[len(lines)-1]
	prev := last[83:147]
	var seq int
	fmt.Sscanf(last[155:], "%d", &seq)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	text := strings.Repeat("error rate still at 40 % on api.example.com; ", 3)
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var line []byte
	for i := 1; i <= n; i++ {
		seq++
		line = fmt.Appendf(line[:0], `{"prev":"%s","hash":"%s","seq":%d,"schema":1,"time":"%s","tz":"+00:00","actor":"alice@test","type":"note","data":{"text":"%s %d"}}`+"\n",
			prev, strings.Repeat("0", 64), seq, t0.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02T15:04:05.000000000Z"), text, i)
		h := sha256.New()
		h.Write(line[:83])
		h.Write(line[147:])
		prev = hex.EncodeToString(h.Sum(nil))
		copy(line[83:147], prev)
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// readBytes is how many bytes the process has read so far (/proc/PID/io rchar).
func readBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// Ctrl+C in the middle of reading a huge journal ends list, show, report, export and
// verify at their cancelled context (exit 130 and which command stopped), not by the
// one-second watchdog. The process is frozen (SIGSTOP) once it has read 16 MB of the
// 100 MB journal, sent SIGINT, and thawed: the signal lands mid-read on any machine.
func TestCtrlCStopsLongReads(t *testing.T) {
	if _, err := os.Stat("/proc/self/io"); err != nil {
		t.Skip("no /proc/PID/io here")
	}
	bin := musterBinary(t)
	c := newCLI(t)
	id := startIncident(c)
	growJournal(t, filepath.Join(c.home, "incidents", id), 400_000)
	for _, args := range [][]string{
		{"incident", "list"},
		{"incident", "show", id},
		{"incident", "report", id},
		{"evidence", "export", id, filepath.Join(t.TempDir(), "out")},
		{"evidence", "verify", id},
	} {
		what := "muster " + strings.Join(args, " ")
		var out bytes.Buffer
		cmd := exec.Command(bin, append([]string{"--data-dir", c.home}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		for try := 0; readBytes(pid) < 16<<20; try++ {
			if try > 60_000 || readBytes(pid) < 0 { // a minute of 1 ms polls, or it ended
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%s: never read 16 MB of the journal: %s", what, out.String())
			}
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGSTOP)
		cmd.Process.Signal(os.Interrupt)
		cmd.Process.Signal(syscall.SIGCONT)
		code := waitExit(t, cmd, what+" after Ctrl+C")
		// The watchdog would say only "muster: interrupted"; the command says which.
		if code != 130 || !regexp.MustCompile(`muster: \S.* interrupted`).MatchString(out.String()) {
			t.Errorf("%s: exit %d after Ctrl+C, want 130 and the command named:\n%s", what, code, out.String())
		}
	}
}
