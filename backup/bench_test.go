package backup

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// largeInventory is an account of dbs databases (a tenth of them Aurora clusters with
// two members) with snapsPer snapshots each: daily automated ones and some manual,
// plus copies in a second region, automated backups and subscriptions.
func largeInventory(dbs, snapsPer int) (Inventory, Policy) {
	inv := Inventory{Regions: []string{west}, CopyRegions: []string{central}}
	inv.Snapshots = make([]Snapshot, 0, dbs*snapsPer)
	for i := 0; i < dbs; i++ {
		id := fmt.Sprintf("db-%05d", i)
		tags := map[string]string{"service": fmt.Sprintf("svc-%d", i%20), "team": "platform"}
		cluster := i%10 == 0
		res := fmt.Sprintf("db-RES%05d", i)
		if cluster {
			c := dbCluster(id, id+"-a", id+"-b")
			c.ResourceID, c.Tags = "cluster-"+res, tags
			inv.Clusters = append(inv.Clusters, c)
			inv.Instances = append(inv.Instances, member(id+"-a", id), member(id+"-b", id))
			res = c.ResourceID
		} else {
			in := dbInstance(id)
			in.ResourceID, in.Tags = res, tags
			inv.Instances = append(inv.Instances, in)
			inv.AutomatedBackups = append(inv.AutomatedBackups, activeBackup(in, now.Add(-30*day)))
		}
		for d := 0; d < snapsPer; d++ {
			t := now.Truncate(day).Add(-time.Duration(d)*day + 2*time.Hour)
			s := Snapshot{Region: west, Cluster: cluster, ID: fmt.Sprintf("rds:%s-%d", id, d), SourceID: id, ResourceID: res,
				Engine: "postgres", Type: "automated", Status: "available", Created: t, OriginalCreated: t,
				Encrypted: ptr(true), EncryptionType: "sse-kms"}
			switch {
			case d%7 == 3:
				s.Type, s.Attributes = "manual", AttributesRead
			case d == snapsPer-1:
				// A copy of last night's snapshot in the second region.
				t0 := now.Truncate(day).Add(2 * time.Hour)
				s.Region, s.Type, s.Attributes, s.Created, s.OriginalCreated = central, "manual", AttributesRead, t0.Add(time.Hour), t0
			}
			inv.Snapshots = append(inv.Snapshots, s)
		}
	}
	inv.Subscriptions = []Subscription{{Region: west, Name: "all", SourceType: "db-instance", Enabled: true, Status: "active"}}
	p := DefaultPolicy()
	// 20 snapshots a database: 19 daily ones reach 18 full days back, the 20th is a
	// copy of last night's in the second region.
	p.Defaults.RetentionDays = 18
	for s := 0; s < 20; s++ {
		svc := Service{Name: fmt.Sprintf("svc-%d", s), Match: Match{Tags: map[string]string{"service": fmt.Sprintf("svc-%d", s)}}, Rules: p.Defaults}
		svc.Rules.RPO = 6 * time.Hour
		if s%2 == 0 {
			svc.Rules.CopyRegions = []string{central}
		}
		p.Services = append(p.Services, svc)
	}
	return inv, p
}

// BenchmarkEvaluate: 5,000 databases with 100,000 snapshots; target under 200 ms and
// 200 MB per evaluation.
func BenchmarkEvaluate(b *testing.B) {
	inv, p := largeInventory(5000, 20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := Evaluate(inv, p, now)
		if r.Totals.Units != 5000 {
			b.Fatalf("units %d", r.Totals.Units)
		}
	}
}

// TestEvaluateScale keeps the benchmark's memory budget honest in CI; time is the
// benchmark's to measure (a test on shared cores must not assert a duration).
func TestEvaluateScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large inventory")
	}
	inv, p := largeInventory(5000, 20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := Evaluate(inv, p, now)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("5,000 databases, 100,000 snapshots: %v, %.1f MB allocated", took, float64(allocated)/1e6)
	if allocated > 200e6 {
		t.Errorf("allocated %.1f MB, budget 200 MB", float64(allocated)/1e6)
	}
	if r.Totals.Units != 5000 || r.Totals.Pass+r.Totals.Warn != 5000 {
		t.Errorf("totals %+v", r.Totals)
	}
}

// BenchmarkCheckVsShellBaseline runs the built binary and testdata/baseline.sh (AWS
// CLI + jq) on the same moto data, and reports both and the speed-up.
func BenchmarkCheckVsShellBaseline(b *testing.B) {
	for _, tool := range []string{"aws", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("the shell baseline needs %s", tool)
		}
	}
	endpoint := startMoto(b)
	motoSeed(b, endpoint)
	env := cleanAWSEnv(b, endpoint)
	regions := []string{west, central}
	var muster, shell time.Duration
	runs := 0
	for b.Loop() {
		runs++
		r := runCLI(b, env, "backup", "check", "--config", "testdata/moto-policy.toml", "--format", "json")
		if r.code == 2 {
			b.Fatalf("muster: %s", r.stderr)
		}
		muster += r.took
		start := time.Now()
		cmd := exec.Command("testdata/baseline.sh", append([]string{"--rpo-hours", "6"}, regions...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), " fail") {
			b.Fatalf("baseline: %v\n%s", err, out)
		}
		shell += time.Since(start)
	}
	n := float64(runs)
	b.ReportMetric(float64(muster.Milliseconds())/n, "muster-ms/op")
	b.ReportMetric(float64(shell.Milliseconds())/n, "shell-ms/op")
	b.ReportMetric(shell.Seconds()/muster.Seconds(), "speedup-x")
}
