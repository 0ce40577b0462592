package incident

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
)

func startOptions(t *testing.T) StartOptions {
	return StartOptions{Runbook: mustRunbook(t), Policy: runbook.DefaultPolicy(), Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"}
}

// visible lists what incident list would look at in the incidents directory.
func visible(t *testing.T, st *Store) (shown, hidden []string) {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(st.DataDir, "incidents"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			hidden = append(hidden, e.Name())
		} else {
			shown = append(shown, e.Name())
		}
	}
	return shown, hidden
}

// A start that fails at any step (a write that fails: disk full) leaves nothing
// behind: no incident listed as unreadable, no hidden directory either.
func TestStartThatFailsLeavesNothing(t *testing.T) {
	for _, stage := range []string{"created", "frozen", "started"} {
		t.Run(stage, func(t *testing.T) {
			st := &Store{DataDir: t.TempDir()}
			startStep = func(s string) error {
				if s == stage {
					return errors.New("no space left on device")
				}
				return nil
			}
			t.Cleanup(func() { startStep = func(string) error { return nil } })
			if _, err := st.Start(startOptions(t)); err == nil || !strings.Contains(err.Error(), "no space left") {
				t.Fatalf("start: %v", err)
			}
			shown, hidden := visible(t, st)
			list, err := st.List()
			if len(shown) != 0 || len(hidden) != 0 || len(list) != 0 || err != nil {
				t.Fatalf("left %v %v, list %v %v", shown, hidden, list, err)
			}
		})
	}
}

// TestStartChild is the child process TestStartKilledHalfWay kills: it starts an
// incident and stops after the step MUSTER_START_STOP_AT, saying so in a file.
func TestStartChild(t *testing.T) {
	at := os.Getenv("MUSTER_START_STOP_AT")
	if at == "" {
		t.Skip("run by TestStartKilledHalfWay")
	}
	startStep = func(s string) error {
		if s == at {
			os.WriteFile(os.Getenv("MUSTER_START_MARK"), []byte(s), 0o600)
			time.Sleep(time.Hour)
		}
		return nil
	}
	st := &Store{DataDir: os.Getenv("MUSTER_START_DATA")}
	st.Start(startOptions(t))
}

// A real process killed with SIGKILL in the middle of incident start (after the
// journal was created, after the frozen files, after the first line) leaves no
// incident that list shows as unreadable; the next start clears the hidden leftover
// once it is an hour old, and starts cleanly.
func TestStartKilledHalfWay(t *testing.T) {
	for _, stage := range []string{"created", "frozen", "started"} {
		t.Run(stage, func(t *testing.T) {
			data, mark := t.TempDir(), filepath.Join(t.TempDir(), "mark")
			cmd := exec.Command(os.Args[0], "-test.run=^TestStartChild$")
			cmd.Env = append(os.Environ(), "MUSTER_START_STOP_AT="+stage, "MUSTER_START_MARK="+mark, "MUSTER_START_DATA="+data)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			for i := 0; ; i++ {
				if _, err := os.Stat(mark); err == nil {
					break
				}
				select {
				case err := <-done:
					t.Fatalf("the child ended before %s: %v", stage, err)
				case <-time.After(50 * time.Millisecond):
				}
				if i > 2400 { // two minutes on a loaded machine
					cmd.Process.Kill()
					t.Fatal("the child never reached", stage)
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			<-done

			st := &Store{DataDir: data}
			shown, hidden := visible(t, st)
			list, err := st.List()
			if len(shown) != 0 || len(list) != 0 || err != nil || len(hidden) != 1 {
				t.Fatalf("after SIGKILL at %s: shown %v, hidden %v, list %v %v", stage, shown, hidden, list, err)
			}
			// An hour later the next start sweeps it away.
			old := time.Now().Add(-2 * time.Hour)
			os.Chtimes(filepath.Join(data, "incidents", hidden[0]), old, old)
			inc, err := st.Start(startOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			inc.Close()
			shown, hidden = visible(t, st)
			if list, _ := st.List(); len(shown) != 1 || len(hidden) != 0 || len(list) != 1 || list[0].Status != "open" {
				t.Fatalf("next start: shown %v, hidden %v, list %+v", shown, hidden, list)
			}
		})
	}
}
