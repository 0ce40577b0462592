//go:build linux && (amd64 || arm64)

package hugepages

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestTurnsOffTHP(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                               false,
		"disablethp=1":                   true,
		"gctrace=1,disablethp=1":         true,
		"disablethp=1,gctrace=1":         true,
		"disablethp=0":                   false,
		"disablethp=1,disablethp=0":      false,
		"disablethp=0,disablethp=1":      true,
		"xdisablethp=1":                  false,
		"disablethp=10":                  false,
		",,disablethp=1,":                true,
		"madvdontneed=1,disablethp=1,x=": true,
	} {
		if got := turnsOffTHP(godebug); got != want {
			t.Errorf("turnsOffTHP(%q) = %v, want %v", godebug, got, want)
		}
	}
}

// childEnv marks the test binary started by TestHeapFaults as the process that measures.
const childEnv = "MUSTER_HUGEPAGES_CHILD"

// TestHeapFaults starts this test binary twice, with and without GODEBUG=disablethp=1,
// and has it fill 4 MiB of fresh heap: with the package's advice that costs a few
// huge-page faults, without it about a thousand 4 KiB ones. Counts, not durations.
func TestHeapFaults(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("the child measures in TestHeapFaultsChild")
	}
	if raceDetector {
		t.Skip("the race detector's shadow memory faults page by page whatever the heap does")
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("transparent huge pages are off on this machine (%q, %v)", mode, err)
	}
	faults := func(godebug string) (int64, string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHeapFaultsChild$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1", "GODEBUG="+godebug)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child (GODEBUG=%s): %v\n%s", godebug, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "faults: "); ok {
				n, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				return n, rest
			}
		}
		t.Fatalf("child printed no fault count:\n%s", out)
		return 0, ""
	}
	// The fewest of three runs: the kernel may, now and then, be unable to hand a
	// huge page to one of them (memory being compacted, a collapse racing its
	// scanner); the advice working at all is what is tested.
	with, withLine := faults("")
	for range 2 {
		if n, line := faults(""); n < with {
			with, withLine = n, line
		}
	}
	without, withoutLine := faults("disablethp=1")
	t.Logf("4 MiB of fresh heap: %s with the advice, %s with GODEBUG=disablethp=1", withLine, withoutLine)
	if without < 500 {
		t.Fatalf("without the advice 4 MiB cost only %d faults: the measurement does not measure", without)
	}
	if with*4 > without {
		t.Errorf("with the advice %d faults, without %d: huge pages did not back the heap", with, without)
	}
}

func TestHeapFaultsChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestHeapFaults in a fresh process")
	}
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		t.Fatal(err)
	}
	kept := make([][]byte, 0, 1024)
	for range 1024 {
		b := make([]byte, 4000) // fresh memory is not zeroed again: write it, as a program does
		b[0], b[len(b)-1] = 1, 1
		kept = append(kept, b)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("faults: %d (advice %v, collapse %v, %d objects)\n", after.Minflt-before.Minflt, advised, collapsed, len(kept))
}
