package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// `incident note` as a whole process on a 100,000-event incident (the folded-state
// cache at work) beside the same note on a 10-event incident and on a 550-event one
// (just under the size from which the state is cached: the journal read whole), in the
// same run. The
// figure that matters on a shared machine is cpu-ms/op (the child's user+sys time).
//
//	go test -run='^$' -bench=ProcessNote -benchtime=20x ./tui/e2e/

// noSync is the journal file without fsync: only to generate the benchmark journal.
type noSync struct{ *os.File }

func (noSync) Sync() error { return nil }

func BenchmarkProcessNote(b *testing.B) {
	dir := b.TempDir()
	bin := buildRelease(b, dir)
	home := filepath.Join(dir, "data")
	env := append(os.Environ(), "MUSTER_HOME="+home, "NO_COLOR=1")
	var faults int64 // the child's minor page faults: new memory a fresh process touches
	muster := func(args ...string) (string, time.Duration) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("muster %v: %v\n%s", args, err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			faults += ru.Minflt
		}
		return strings.TrimSpace(string(out)), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	start := func(events int) string {
		id, _ := muster("incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout down")
		j, err := journal.Open(filepath.Join(home, "incidents", id), journal.WithFile(func(f *os.File) journal.File { return noSync{f} }))
		if err != nil {
			b.Fatal(err)
		}
		steps := []string{"open-incident", "confirm-outage", "assess-impact"}
		for i := 1; i < events; i++ {
			var err error
			switch i % 10 {
			case 0, 1, 2:
				_, err = j.Append("bob@ops", incident.EvStepDone, incident.StepEvent{Step: steps[i%3], Note: "done after checking the dashboard"})
			case 3:
				_, err = j.Append("bob@ops", incident.EvStepUndone, incident.StepEvent{Step: steps[i%3]})
			case 4, 5, 6, 7:
				_, err = j.Append("carol@oncall", incident.EvNote, incident.Note{Text: fmt.Sprintf("observation %d: replica lag rose after failover, error rate down to 0.3%%", i)})
			case 8:
				_, err = j.Append("dave@comms", incident.EvNotified, incident.Notice{Audience: "affected customers", Channel: "status page", Message: "We are still working on it."})
			default:
				_, err = j.Append("alice@ops", incident.EvEscalated, incident.Escalation{To: "incident lead", Reason: "impact grew"})
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		j.Close()
		muster("incident", "note", id, "the first command after the journal grew reads it whole")
		if fi, err := os.Stat(filepath.Join(home, "incidents", id, journal.FileName)); err == nil && events == 550 && fi.Size() >= 256<<10 {
			b.Fatalf("the 550-event journal (%d bytes) is not under the cache's threshold", fi.Size())
		}
		return id
	}
	for _, n := range []int{10, 550, 100_000} {
		id := start(n)
		b.Run(fmt.Sprintf("incident note, %d events", n), func(b *testing.B) {
			var cpu time.Duration
			faults = 0
			for b.Loop() {
				_, c := muster("incident", "note", id, "benchmark note")
				cpu += c
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
		})
	}
}
