package e2e_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Whole-process figures (README, Performance): muster as a responder starts it, on a
// 10-event incident, beside `git --version` as a baseline process.
//
//	go test -run='^$' -bench=Process -benchtime=20x ./tui/e2e/

// benchIncident builds muster and starts an incident with 10 events in a fresh data
// dir.
func benchIncident(b *testing.B) (bin, home, id string) {
	b.Helper()
	dir := b.TempDir()
	bin = buildRelease(b, dir)
	home = filepath.Join(dir, "data")
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "MUSTER_HOME="+home, "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("muster %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	id = run("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down")
	run("incident", "step", id, "open-incident", "--done")
	run("incident", "step", id, "confirm-outage", "--done")
	for i := range 7 {
		run("incident", "note", id, "note "+string(rune('a'+i)))
	}
	return bin, home, id
}

// buildRelease builds muster into dir as README's release build does (CGO_ENABLED=0,
// -trimpath, -ldflags "-s -w"): the binary responders run. A plain `go build` links
// the C library for os/user and net, and its dynamic loader alone costs a process
// about 40 page faults more at every start.
func buildRelease(b *testing.B, dir string) string {
	b.Helper()
	bin := filepath.Join(dir, "muster")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "github.com/muster-ir/muster/cmd/muster")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// fastestOf is the shorter of the fastest run so far (0: none yet) and d, for the
// benchmarks' min-ms metric.
func fastestOf(fastest, d time.Duration) time.Duration {
	if fastest == 0 || d < fastest {
		return d
	}
	return fastest
}

func BenchmarkProcess(b *testing.B) {
	bin, home, id := benchIncident(b)
	env := append(os.Environ(), "MUSTER_HOME="+home, "NO_COLOR=1", "TERM=xterm-256color")
	oneShot := func(name string, args ...string) {
		b.Run(name, func(b *testing.B) {
			// On a shared machine the child's CPU time (user+sys) and the fastest run
			// say more than the mean wall time; page faults are most of a start's cost.
			var cpu time.Duration
			var faults int64
			var fastest time.Duration // reported as a metric, never compared with a target
			for b.Loop() {
				cmd := exec.Command(args[0], args[1:]...)
				cmd.Env = env
				t0 := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", args, err, out)
				}
				fastest = fastestOf(fastest, time.Since(t0))
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					faults += ru.Minflt + ru.Majflt
				}
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
			b.ReportMetric(float64(fastest.Microseconds())/1000, "min-ms")
		})
	}
	oneShot("git --version", "git", "--version")
	oneShot("incident show", bin, "incident", "show", id)
	oneShot("incident note", bin, "incident", "note", id, "benchmark note")
	if _, err := exec.LookPath("script"); err != nil {
		b.Log("no script(1) for a terminal: the resume figure is skipped")
		return
	}
	// First frame: from starting the process in a terminal (script(1) gives it a pty)
	// to the incident's deadlines on screen.
	b.Run("incident resume to first frame", func(b *testing.B) {
		var fastest time.Duration
		for b.Loop() {
			t0 := time.Now()
			cmd := exec.Command("script", "-qfec", "stty cols 100 rows 30; exec "+bin+" incident resume "+id, "/dev/null")
			cmd.Env = env
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			out, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			r := bufio.NewReader(out)
			var seen bytes.Buffer
			buf := make([]byte, 4096)
			deadline := time.Now().Add(20 * time.Second)
			for !bytes.Contains(seen.Bytes(), []byte("respond-by")) && time.Now().Before(deadline) {
				n, err := r.Read(buf)
				seen.Write(buf[:n])
				if err != nil {
					break
				}
			}
			b.StopTimer()
			fastest = fastestOf(fastest, time.Since(t0))
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
			if !bytes.Contains(seen.Bytes(), []byte("respond-by")) {
				b.Fatalf("no first frame:\n%q", seen.String())
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(fastest.Microseconds())/1000, "min-ms")
	})
}
