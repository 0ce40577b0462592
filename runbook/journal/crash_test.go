package journal

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment of the helper processes these tests start from the test binary.
const (
	envHelperDir  = "MUSTER_JOURNAL_HELPER_DIR"  // incident directory to write
	envHelperSlow = "MUSTER_JOURNAL_HELPER_SLOW" // "1": write each line in pieces, pausing between them
	envHelperN    = "MUSTER_JOURNAL_HELPER_N"    // TestHelperHolder: events to append
)

// helperCmd runs one helper test of this binary as a child process.
func helperCmd(t *testing.T, name string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestHelperAppender is not a test: run as a child by
// TestCrashKilledWriterLosesNothingSaved, it opens the journal, prints "ready", then
// appends events of varied size until it is killed, printing each seq after Append
// has returned it.
func TestHelperAppender(t *testing.T) {
	dir := os.Getenv(envHelperDir)
	if dir == "" {
		t.Skip("helper process for the crash test")
	}
	var opts []Option
	if os.Getenv(envHelperSlow) == "1" {
		opts = append(opts, WithFile(func(f *os.File) File { return slowFile{f} }))
	}
	j, err := Open(dir, opts...)
	for errors.As(err, new(*LockedError)) { // the killed predecessor's lock goes with its process
		time.Sleep(time.Millisecond)
		j, err = Open(dir, opts...)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	fmt.Println("ready")
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	for {
		e, err := j.Append("crash@test", "note", map[string]any{"text": strings.Repeat("evidence ", 1+rng.IntN(3000))})
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(4)
		}
		fmt.Println(e.Seq) // os.Stdout is unbuffered: printed means returned
	}
}

// slowFile writes a line in three pieces with pauses between them, so a kill often
// lands mid-line, as it would on a slow disk.
type slowFile struct{ *os.File }

func (s slowFile) WriteAt(p []byte, off int64) (int, error) {
	n := 0
	for k := 1; k <= 3; k++ {
		end := len(p) * k / 3
		m, err := s.File.WriteAt(p[n:end], off+int64(n))
		n += m
		if err != nil {
			return n, err
		}
		if k < 3 {
			time.Sleep(time.Millisecond)
		}
	}
	return n, nil
}

func TestCrashKilledWriterLosesNothingSaved(t *testing.T) {
	j, dir := newIncident(t)
	j.Close()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	returned := map[uint64]bool{}
	torn, readyKills := 0, 0
	const kills = 50
	for i := 0; i < kills; i++ {
		slow := "0"
		if i%2 == 1 {
			slow = "1"
		}
		cmd := helperCmd(t, "TestHelperAppender", envHelperDir+"="+dir, envHelperSlow+"="+slow)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		done := make(chan []uint64)
		go func() {
			var seqs []uint64
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "ready" {
					close(ready)
					continue
				}
				if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
					seqs = append(seqs, n)
				}
			}
			done <- seqs
		}()
		// Most kills land in the append loop; every fifth may land while the child
		// is still starting up or recovering the previous child's torn line.
		if i%5 != 0 {
			select {
			case <-ready:
				readyKills++
			case <-time.After(2 * time.Minute): // a hang guard: a loaded machine starts a child in seconds
				cmd.Process.Kill()
				t.Fatalf("kill %d: helper never got ready", i+1)
			}
			time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
		} else {
			time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		seqs := <-done
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: helper ended with %v, not by SIGKILL", i+1, err)
		}
		for _, s := range seqs {
			returned[s] = true
		}

		evs, err := ReadAll(dir)
		if err != nil {
			t.Fatalf("kill %d: ReadAll: %v", i+1, err)
		}
		have := map[uint64]bool{}
		for _, e := range evs {
			have[e.Seq] = true
		}
		for s := range returned {
			if !have[s] {
				t.Fatalf("kill %d: seq %d was returned by Append but is not in the journal (%d events)", i+1, s, len(evs))
			}
		}
		r, err := Verify(dir)
		if err != nil || !r.OK() {
			t.Fatalf("kill %d: verify: %v %s", i+1, err, r.Summary())
		}
		if r.Tail > 0 {
			torn++
		}
	}
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	r := mustVerify(t, dir)
	t.Logf("%d kills (%d after ready), %d events, %d returned seqs, %d torn tails seen, %d recovered",
		kills, readyKills, r.Events, len(returned), torn, len(r.Recovered))
	if len(returned) == 0 {
		t.Fatal("no child ever returned from Append: the test exercised nothing")
	}
	if torn == 0 || len(r.Recovered) == 0 {
		t.Fatalf("no kill left a torn line (%d torn, %d recovered): recovery went untested", torn, len(r.Recovered))
	}
	if r.Tail != 0 || len(r.Unrecorded) != 0 {
		t.Errorf("after the final Open: tail %d, unrecorded %v", r.Tail, r.Unrecorded)
	}
}

// TestHelperHolder is not a test: run as a child by TestTwoProcessesWritingOneIncident,
// it opens the journal as bob@desk, prints "locked", appends events and exits when its
// stdin closes.
func TestHelperHolder(t *testing.T) {
	dir := os.Getenv(envHelperDir)
	if dir == "" {
		t.Skip("helper process for the lock test")
	}
	j, err := Open(dir, WithActor("bob@desk"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	n, _ := strconv.Atoi(os.Getenv(envHelperN))
	for i := 0; i < n; i++ {
		if _, err := j.Append("bob@desk", "note", map[string]int{"i": i}); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(4)
		}
	}
	fmt.Println("appended")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	if err := j.Close(); err != nil {
		os.Exit(5)
	}
}

func TestTwoProcessesWritingOneIncident(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 5)
	j.Close()
	cmd := helperCmd(t, "TestHelperHolder", envHelperDir+"="+dir, envHelperN+"=200")
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "locked" {
		t.Fatalf("helper said %q", sc.Text())
	}
	appended := make(chan bool)
	go func() { appended <- sc.Scan() && sc.Text() == "appended" }()
	// While the other process appends, every attempt to write is refused, naming it.
	attempts := 0
	for done := false; !done; attempts++ {
		_, err := Open(dir, WithActor("alice@laptop"))
		var le *LockedError
		if !errors.As(err, &le) {
			t.Fatalf("Open while another process writes: %v", err)
		}
		if le.Holder.PID != cmd.Process.Pid || le.Holder.Actor != "bob@desk" {
			t.Fatalf("holder %+v, want bob@desk pid %d", le.Holder, cmd.Process.Pid)
		}
		want := fmt.Sprintf("INC-20261123-7KQ4 is being written by bob@desk (pid %d on ", cmd.Process.Pid)
		if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), " since ") {
			t.Fatalf("error %q, want it to start %q and say since when", err, want)
		}
		if _, err := ReadAll(dir); err != nil { // readers are never blocked
			t.Fatalf("ReadAll while another process writes: %v", err)
		}
		select {
		case ok := <-appended:
			if !ok {
				t.Fatal("helper stopped before appending")
			}
			done = true
		case <-time.After(time.Millisecond):
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	r := mustVerify(t, dir)
	if r.Events != 205 {
		t.Errorf("%d events, want 205", r.Events)
	}
	j2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after the other process closed: %v", err)
	}
	j2.Close()
	t.Logf("%d refused Opens while the other process wrote", attempts)
}
