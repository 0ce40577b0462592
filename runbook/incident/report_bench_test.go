package incident

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// manyIncidents returns a data directory of n closed incidents over 2026, generated
// once into the temp directory and reused by later runs (as the journal benchmarks
// do): each has a started event, an acknowledgement, an escalation for one in four,
// one or two outage windows of one of three services, and a close, with its frozen
// runbook and policy. The report index is removed, so the first report folds every
// journal.
//
// The lines are made by journal.BuildLine, the encoder Append uses (the same bytes,
// each line's hash and the chain to the line before), and written without the fsyncs
// and locks of journal.Create and Append, in parallel: seconds instead of minutes for
// 10,000 incidents. A sample of the journals is checked by journal.Verify each run.
func manyIncidents(b *testing.B, n int) *Store {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("muster-report-bench-v%d-s%d-%d", reportBenchVersion, journal.Schema, n))
	if _, err := os.Stat(filepath.Join(dir, "incidents")); err != nil {
		generateIncidents(b, dir, n)
	}
	st := &Store{DataDir: dir}
	if err := os.RemoveAll(filepath.Join(dir, "cache")); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += max(1, n/7) {
		id := benchIncidentID(i, n)
		r, err := journal.Verify(st.Dir(id))
		if err != nil || len(r.Problems) > 0 || r.Events < 4 {
			b.Fatalf("generated incident %s does not verify: %v %v (%d events)", id, err, r.Problems, r.Events)
		}
	}
	return st
}

// reportBenchVersion changes whenever the generated incidents change: a cached data
// directory of another version is not reused.
const reportBenchVersion = 1

func benchIncidentID(i, n int) string {
	return fmt.Sprintf("INC-%s-B%05d", benchOpened(i, n).Format("20060102"), i)
}

func benchOpened(i, n int) time.Time {
	step := 365 * 24 * time.Hour / time.Duration(n)
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * step)
}

// generateIncidents writes the n incidents into dir (through a temporary directory
// renamed at the end, so an interrupted run leaves nothing to reuse).
func generateIncidents(b *testing.B, dir string, n int) {
	b.Helper()
	rbData, err := os.ReadFile("testdata/runbook.toml")
	if err != nil {
		b.Fatal(err)
	}
	pol := runbook.DefaultPolicy()
	polData, _ := runbook.PresetSource(pol.Name)
	t0 := time.Now()
	defer func() { b.Logf("generated %d incidents in %v", n, time.Since(t0).Round(time.Millisecond)) }()
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		b.Fatal(err)
	}
	st := &Store{DataDir: tmp}
	var g errgroup.Group
	g.SetLimit(2 * runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error {
			id := benchIncidentID(i, n)
			lines, last, seq, err := benchJournal(i, n, id, pol)
			if err != nil {
				return err
			}
			d := st.Dir(id)
			if err := os.MkdirAll(filepath.Join(d, journal.AttachDir), 0o700); err != nil {
				return err
			}
			// journal.head: the seq and hash of the last line, one space-padded line of
			// 128 bytes, as the journal writes it.
			head := fmt.Appendf(nil, `{"seq":%d,"hash":"%s"}`, seq, last)
			head = append(append(head, bytes.Repeat([]byte{' '}, 127-len(head))...), '\n')
			for name, data := range map[string][]byte{journal.FileName: lines, journal.HeadName: head, RunbookFile: rbData, PolicyFile: polData} {
				if err := os.WriteFile(filepath.Join(d, name), data, 0o600); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		b.Fatal(err)
	}
}

// benchJournal is the journal of generated incident i: its lines, and the hash and
// seq of the last.
func benchJournal(i, n int, id string, pol *runbook.Policy) (lines []byte, last string, seq uint64, err error) {
	levels := pol.LevelNames()
	services := []string{"platform", "website", "api"}
	opened := benchOpened(i, n)
	now := opened
	last = journal.Genesis
	add := func(typ string, data any) {
		if err != nil {
			return
		}
		var line []byte
		seq++
		if line, err = journal.BuildLine(last, seq, now, "alice@ops", typ, data); err != nil {
			return
		}
		e, derr := journal.DecodeLine(line)
		if derr != nil {
			err = derr
			return
		}
		last = e.Hash
		lines = append(lines, line...)
	}
	sev := levels[i%len(levels)]
	respond, resolve, _ := pol.Deadlines(sev, opened)
	add(EvStarted, Started{ID: id, Title: "Generated", Severity: sev, RespondBy: respond, ResolveBy: resolve,
		Runbook: RunbookRef{ID: "test-outage", Version: "1.2.0", File: RunbookFile}, Policy: PolicyRef{Name: pol.Name, File: PolicyFile}})
	now = now.Add(time.Duration(5+i%50) * time.Minute)
	add(EvAcknowledged, Acknowledged{})
	if i%4 == 0 {
		add(EvEscalated, Escalation{To: "incident lead", Reason: "generated"})
	}
	for w := range 1 + i%2 {
		start := opened.Add(time.Duration(w*30-10) * time.Minute)
		add(EvImpact, Impact{Window: fmt.Sprintf("W%d", w+1), Service: services[(i+w)%3], Level: []string{"full", "partial"}[i%3/2],
			Start: start, End: start.Add(time.Duration(5+i%115) * time.Minute)})
	}
	now = opened.Add(time.Duration(1+i%30) * time.Hour)
	add(EvClosed, Closed{Forced: true, Reason: "generated"})
	return lines, last, seq, err
}

func benchServices(b *testing.B) *Services {
	svc, err := ParseServices("services.toml", []byte(reportServices))
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkReports10000 is both reports over 10,000 incidents as `muster report
// availability --year 2026` and `muster report sla` run them once the report index is
// built, one after the other: each stats the 10,000 journals, reads the index, builds
// its report and renders it as the table.
func BenchmarkReports10000(b *testing.B) { benchReports(b, 10000) }

// BenchmarkReports1000 is the same over 1,000 incidents.
func BenchmarkReports1000(b *testing.B) { benchReports(b, 1000) }

func benchReports(b *testing.B, n int) {
	st := manyIncidents(b, n)
	if _, folded, err := st.AllFacts(); err != nil || folded != n {
		b.Fatalf("index: %d folded, %v", folded, err)
	}
	// Journals written less than racyWindow before they were indexed have their last
	// line read back until they have been quiet that long: let them settle, as a data
	// directory does between one report and the next.
	time.Sleep(racyWindow)
	if _, _, err := st.AllFacts(); err != nil {
		b.Fatal(err)
	}
	svc, pol := benchServices(b), runbook.DefaultPolicy()
	now := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	facts := func() []Facts {
		facts, folded, err := st.AllFacts()
		if err != nil || folded != 0 || len(facts) != n {
			b.Fatalf("%d facts, %d folded, %v", len(facts), folded, err)
		}
		return facts
	}
	b.ReportAllocs()
	var avail, sla time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		r, err := BuildAvailability(facts(), svc, pol, AvailabilityQuery{Year: 2026, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Table()) == 0 {
			b.Fatal("no availability table")
		}
		t1 := time.Now()
		if len(BuildSLAReport(facts(), pol.LevelNames(), SLAQuery{Now: now}).Table()) == 0 {
			b.Fatal("no SLA table")
		}
		avail, sla = avail+t1.Sub(t0), sla+time.Since(t1)
	}
	b.StopTimer()
	// CPU time, unlike wall time, does not grow with other processes' load.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(avail.Milliseconds())/float64(b.N), "avail-ms/op")
	b.ReportMetric(float64(sla.Milliseconds())/float64(b.N), "sla-ms/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/1e6, "MB-heap")
}

// BenchmarkReportIndexCold is the first report over 10,000 incidents after every
// journal changed: every journal read, verified and folded with its frozen runbook and
// policy, and the index written.
func BenchmarkReportIndexCold(b *testing.B) {
	st := manyIncidents(b, 10000)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		os.Remove(filepath.Join(st.DataDir, "cache", ReportIndexFile))
		if _, folded, err := st.AllFacts(); err != nil || folded != 10000 {
			b.Fatalf("%d folded, %v", folded, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
