package incident

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// manyIncidents writes n closed incidents over 2026 into a data directory: each has
// a started event, an acknowledgement, an escalation for one in four, one or two
// outage windows of one of three services, and a close. Journals are written without
// fsync (generation only).
func manyIncidents(b *testing.B, n int) *Store {
	b.Helper()
	dir := b.TempDir()
	st := &Store{DataDir: dir}
	rbData, err := os.ReadFile("testdata/runbook.toml")
	if err != nil {
		b.Fatal(err)
	}
	pol := runbook.DefaultPolicy()
	polData, _ := runbook.PresetSource(pol.Name)
	levels := pol.LevelNames()
	services := []string{"platform", "website", "api"}
	year := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 365 * 24 * time.Hour / time.Duration(n)
	for i := range n {
		opened := year.Add(time.Duration(i) * step)
		id := fmt.Sprintf("INC-%s-B%05d", opened.Format("20060102"), i)
		now := opened
		c := func() time.Time { return now }
		j, err := journal.Create(st.Dir(id), journal.WithActor("alice@ops"), journal.WithClock(c), journal.WithFile(func(f *os.File) journal.File { return noSync{f} }))
		if err != nil {
			b.Fatal(err)
		}
		must2 := func(_ journal.Event, err error) {
			if err != nil {
				b.Fatal(err)
			}
		}
		sev := levels[i%len(levels)]
		respond, resolve, _ := pol.Deadlines(sev, opened)
		must2(j.Append("alice@ops", EvStarted, Started{ID: id, Title: "Generated", Severity: sev, RespondBy: respond, ResolveBy: resolve,
			Runbook: RunbookRef{ID: "test-outage", Version: "1.2.0", File: RunbookFile}, Policy: PolicyRef{Name: pol.Name, File: PolicyFile}}))
		now = now.Add(time.Duration(5+i%50) * time.Minute)
		must2(j.Append("alice@ops", EvAcknowledged, Acknowledged{}))
		if i%4 == 0 {
			must2(j.Append("alice@ops", EvEscalated, Escalation{To: "incident lead", Reason: "generated"}))
		}
		for w := range 1 + i%2 {
			start := opened.Add(time.Duration(w*30-10) * time.Minute)
			must2(j.Append("alice@ops", EvImpact, Impact{Window: fmt.Sprintf("W%d", w+1), Service: services[(i+w)%3], Level: []string{"full", "partial"}[i%3/2],
				Start: start, End: start.Add(time.Duration(5+i%115) * time.Minute)}))
		}
		now = opened.Add(time.Duration(1+i%30) * time.Hour)
		must2(j.Append("alice@ops", EvClosed, Closed{Forced: true, Reason: "generated"}))
		j.Close()
		for name, data := range map[string][]byte{RunbookFile: rbData, PolicyFile: polData} {
			if err := os.WriteFile(filepath.Join(st.Dir(id), name), data, 0o600); err != nil {
				b.Fatal(err)
			}
		}
	}
	return st
}

func benchServices(b *testing.B) *Services {
	svc, err := ParseServices("services.toml", []byte(reportServices))
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkReports10000 is both reports over 10,000 incidents as `muster report`
// runs them once the report index is built: one stat per journal, the index read,
// the year's availability of every service and the SLA report.
func BenchmarkReports10000(b *testing.B) { benchReports(b, 10000) }

func benchReports(b *testing.B, n int) {
	st := manyIncidents(b, n)
	if _, folded, err := st.AllFacts(); err != nil || folded != n {
		b.Fatalf("index: %d folded, %v", folded, err)
	}
	svc, pol := benchServices(b), runbook.DefaultPolicy()
	now := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		facts, folded, err := st.AllFacts()
		if err != nil || folded != 0 || len(facts) != n {
			b.Fatalf("%d facts, %d folded, %v", len(facts), folded, err)
		}
		if _, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Year: 2026, Now: now}); err != nil {
			b.Fatal(err)
		}
		BuildSLAReport(facts, pol.LevelNames(), SLAQuery{Now: now})
	}
	b.StopTimer()
	// CPU time, unlike wall time, does not grow with other processes' load.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/1e6, "MB-heap")
}

// BenchmarkReportIndexCold is the first report over 10,000 incidents: every journal
// read, verified and folded with its frozen runbook and policy, and the index written.
func BenchmarkReports1000(b *testing.B) { benchReports(b, 1000) }

func BenchmarkReportIndexCold(b *testing.B) {
	st := manyIncidents(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		os.Remove(filepath.Join(st.DataDir, "cache", ReportIndexFile))
		if _, folded, err := st.AllFacts(); err != nil || folded != 10000 {
			b.Fatalf("%d folded, %v", folded, err)
		}
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
