package backup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/syncbuf"
)

func TestShowProgress(t *testing.T) {
	t.Run("a run quicker than the delay prints nothing", func(t *testing.T) {
		var w syncbuf.Buffer
		stop := ShowProgress(&w, &Progress{}, time.Hour, time.Millisecond)
		stop()
		stop() // twice is fine
		if w.String() != "" {
			t.Errorf("printed %q", w.String())
		}
	})
	t.Run("a longer run rewrites one line and erases it at the end", func(t *testing.T) {
		var w syncbuf.Buffer
		p := &Progress{}
		p.addAccounts(3)
		p.accountDone()
		p.addRegions(6)
		p.regionDone()
		p.regionDone()
		p.inFlight.Add(4)
		p.requests.Add(57)
		stop := ShowProgress(&w, p, 0, time.Millisecond)
		for !strings.Contains(w.String(), "backup check") {
			time.Sleep(time.Millisecond)
		}
		stop()
		got := w.String()
		if !strings.Contains(got, "\r\x1b[Kbackup check: 2/6 regions, 1/3 accounts, 4 requests in flight (57 sent)") || !strings.HasSuffix(got, "\r\x1b[K") || strings.Contains(got, "\n") {
			t.Errorf("%q", got)
		}
	})
}

func TestRunCountsRegionsAndRequests(t *testing.T) {
	twoRegions(t)
	// Without a CA bundle the SDK's config has no HTTP client of its own to wrap.
	t.Setenv("AWS_CA_BUNDLE", "")
	os.Unsetenv("AWS_CA_BUNDLE")
	o := fastOptions()
	o.Progress = &Progress{}
	run(t, o)
	c := o.Progress.Counts()
	// 6 list calls in each checked region, 2 attribute look-ups.
	if c.Regions != 2 || c.RegionsDone != 2 || c.InFlight != 0 || c.Requests != 14 {
		t.Errorf("%+v", c)
	}
}

// TestProgressOnATerminalOnly runs the binary against an endpoint that never answers:
// in tmux (a terminal) stderr shows the progress line; with stderr a pipe it never does.
func TestProgressOnATerminalOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	f := twoRegions(t)
	// Under the fake's lock: the requests come from another process, so nothing else
	// orders this write before the server's read for the race detector.
	f.mu.Lock()
	f.fault = func(region, action string, n int, _ map[string]string) fault { return faultHang }
	f.mu.Unlock()
	env := cleanAWSEnv(t, f.srv.URL)

	r := runCLI(t, env, "backup", "check", "--region", west, "--timeout", "1500ms", "--format", "json")
	if r.code != 2 || strings.Contains(r.stderr, "backup check:") || strings.Contains(r.stderr, "\r") {
		t.Errorf("stderr is a pipe: exit %d, stderr %q", r.code, r.stderr)
	}

	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("MUSTER_REQUIRE_TMUX") == "1" {
			t.Fatal("tmux is not on PATH and MUSTER_REQUIRE_TMUX=1")
		}
		t.Skip("tmux is not on PATH")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	var sb strings.Builder
	sb.WriteString("#!/bin/sh\n")
	for _, kv := range env {
		if i := strings.IndexByte(kv, '='); i > 0 && !strings.ContainsAny(kv, "'\n") {
			sb.WriteString("export " + kv[:i] + "='" + kv[i+1:] + "'\n")
		}
	}
	sb.WriteString(musterBinary(t) + " backup check --region " + west + " --timeout 6s --format json > " + filepath.Join(dir, "out.json") + "\n")
	sb.WriteString("echo exit=$?; sleep 30\n")
	if err := os.WriteFile(script, []byte(sb.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	session := "muster-progress-" + filepath.Base(dir)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "10", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", session).Run() })
	var screen string
	seen := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", session).Output()
		screen = string(out)
		if strings.Contains(screen, "backup check: 0/1 regions") && strings.Contains(screen, "requests in flight") {
			seen = true
		}
		if strings.Contains(screen, "exit=") {
			break
		}
	}
	if !seen {
		t.Errorf("no progress line on the terminal:\n%s", screen)
	}
	if !strings.Contains(screen, "exit=2") || strings.Contains(screen, "requests in flight") {
		t.Errorf("the line must be erased when the run ends:\n%s", screen)
	}
}
