package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/muster-ir/muster/backup/mototest"
)

func startMoto(tb testing.TB) string { return mototest.Start(tb) }

func motoClient(endpoint, region string) *rds.Client { return mototest.Client(endpoint, region) }

// motoSeed creates, through the SDK: in eu-west-1 the platform database (instance,
// manual snapshot copied to eu-central-1, a read replica), the platform Aurora
// cluster (member, cluster snapshot copied to eu-central-1), a Neptune cluster and
// event subscriptions; in eu-central-1 a legacy database kept 7 days and a stopped one.
func motoSeed(tb testing.TB, endpoint string) {
	tb.Helper()
	ctx := context.Background()
	w, c := motoClient(endpoint, west), motoClient(endpoint, central)
	must := func(what string, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("seed %s: %v", what, err)
		}
	}
	platform := []types.Tag{{Key: aws.String("service"), Value: aws.String("platform")}}
	_, err := w.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("platform-db"), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
		BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true), Tags: platform,
	})
	must("platform-db", err)
	snap, err := w.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("platform-db"), DBSnapshotIdentifier: aws.String("platform-db-manual")})
	must("platform-db snapshot", err)
	_, err = c.CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: snap.DBSnapshot.DBSnapshotArn,
		TargetDBSnapshotIdentifier: aws.String("platform-db-copy"), SourceRegion: aws.String(west)})
	must("platform-db copy", err)
	_, err = w.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier: aws.String("platform-db-replica"), SourceDBInstanceIdentifier: aws.String("platform-db"),
		DBInstanceClass: aws.String("db.t3.micro")})
	must("replica", err)
	_, err = w.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("platform-aurora"), Engine: aws.String("aurora-postgresql"),
		MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
		BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true), Tags: platform,
	})
	must("aurora cluster", err)
	_, err = w.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("platform-aurora-1"), Engine: aws.String("aurora-postgresql"),
		DBInstanceClass: aws.String("db.r6g.large"), DBClusterIdentifier: aws.String("platform-aurora"),
	})
	must("aurora member", err)
	cs, err := w.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("platform-aurora"),
		DBClusterSnapshotIdentifier: aws.String("platform-aurora-manual")})
	must("cluster snapshot", err)
	_, err = c.CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: cs.DBClusterSnapshot.DBClusterSnapshotArn,
		TargetDBClusterSnapshotIdentifier: aws.String("platform-aurora-copy"), SourceRegion: aws.String(west)})
	must("cluster snapshot copy", err)
	_, err = w.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("graph"), Engine: aws.String("neptune"),
		MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234")})
	must("neptune cluster", err)
	for _, s := range []struct{ name, source string }{{"platform-backups", "db-instance"}, {"platform-cluster-failures", "db-cluster"}} {
		cats := []string{"backup", "failure"}
		if s.source == "db-cluster" {
			cats = []string{"failure"}
		}
		_, err = w.CreateEventSubscription(ctx, &rds.CreateEventSubscriptionInput{SubscriptionName: aws.String(s.name),
			SnsTopicArn: aws.String("arn:aws:sns:eu-west-1:123456789012:backups"), SourceType: aws.String(s.source),
			EventCategories: cats, Enabled: aws.Bool(true)})
		must("subscription "+s.name, err)
	}
	for _, db := range []struct {
		id        string
		retention int32
	}{{"legacy-db", 7}, {"stopped-db", 30}} {
		_, err = c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(db.id), Engine: aws.String("mysql"), DBInstanceClass: aws.String("db.t3.micro"),
			AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
			BackupRetentionPeriod: aws.Int32(db.retention), StorageEncrypted: aws.Bool(true),
		})
		must(db.id, err)
	}
	_, err = c.StopDBInstance(ctx, &rds.StopDBInstanceInput{DBInstanceIdentifier: aws.String("stopped-db")})
	must("stop stopped-db", err)
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// musterBinary builds cmd/muster once per test binary.
func musterBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "muster-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "muster")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/muster").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build ../cmd/muster: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// cleanAWSEnv is the environment without the caller's AWS settings, pointed at
// endpoint with fake credentials.
func cleanAWSEnv(tb testing.TB, endpoint string) []string {
	dir := tb.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "MUSTER_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ENDPOINT_URL="+endpoint, "AWS_ACCESS_KEY_ID=AKIDMUSTERTEST", "AWS_SECRET_ACCESS_KEY=muster-test-secret",
		"AWS_REGION="+west, "AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "MUSTER_HOME="+filepath.Join(dir, "home"), "NO_COLOR=1")
}

type cliResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func runCLI(tb testing.TB, env []string, args ...string) cliResult {
	tb.Helper()
	cmd := exec.Command(musterBinary(tb), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := cliResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("run muster: %v", err)
	}
	return r
}

func (r cliResult) report(tb testing.TB) Report {
	tb.Helper()
	rep, err := ParseReport([]byte(r.stdout))
	if err != nil {
		tb.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return rep
}

func TestMoto(t *testing.T) {
	endpoint := startMoto(t)
	motoSeed(t, endpoint)
	env := cleanAWSEnv(t, endpoint)
	policy := "testdata/moto-policy.toml"

	t.Run("binary end to end, time moving forward", func(t *testing.T) {
		t.Parallel()
		// Now: everything in eu-west-1 is within policy.
		r := runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "json")
		rep := r.report(t)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		ids := map[string]UnitResult{}
		for _, u := range rep.Units {
			ids[u.ID] = u
		}
		if len(ids) != 3 || ids["platform-db"].Status != Pass || ids["platform-aurora"].Kind != KindAuroraCluster ||
			ids["platform-aurora"].Status != Pass || ids["platform-db-replica"].Status != Skip {
			t.Fatalf("units %v\n%s", unitIDs(rep), r.stdout)
		}
		for _, id := range []string{"graph", "platform-aurora-1"} {
			if _, ok := ids[id]; ok {
				t.Errorf("%s must not be a unit (Neptune is dropped, members are judged with their cluster)", id)
			}
		}
		db := ids["platform-db"]
		if eff, ok := db.EffectiveRPO(); !ok || eff > 5*time.Minute {
			t.Errorf("effective RPO %v", eff)
		}
		for _, id := range []string{"platform-db", "platform-aurora"} {
			u := ids[id]
			if c, _ := u.Check(CheckCrossRegionCopy); c.Status != Pass || !strings.Contains(c.Detail, "eu-central-1: copy platform-") {
				t.Errorf("%s cross-region-copy: %+v", id, c)
			}
			if c, _ := u.Check(CheckFailureNotification); c.Status != Pass {
				t.Errorf("%s failure-notification: %+v", id, c)
			}
		}

		// 7 hours later: past the platform's 6h RPO.
		r = runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "json", "--as-of", "+7h")
		rep = r.report(t)
		if r.code != 1 {
			t.Fatalf("+7h: exit %d\n%s", r.code, r.stdout)
		}
		requireStatus(t, rep, "platform-db", CheckRPO, Fail)
		requireStatus(t, rep, "platform-db", CheckPITRFreshness, Fail)
		requireStatus(t, rep, "platform-db", CheckSnapshotFreshness, Pass)

		// 26 hours later: the daily copy and the cross-region copy are late too.
		rep = runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "json", "--as-of", "+26h").report(t)
		requireStatus(t, rep, "platform-db", CheckSnapshotFreshness, Fail)
		requireStatus(t, rep, "platform-aurora", CheckSnapshotFreshness, Fail)
		requireStatus(t, rep, "platform-db", CheckCrossRegionCopy, Fail)

		// 3 days later: whole UTC days without a snapshot.
		rep = runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "json", "--as-of", "+3d").report(t)
		requireStatus(t, rep, "platform-db", CheckSnapshotHistory, Fail)
	})

	t.Run("both regions from the policy", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, env, "backup", "check", "--config", policy, "--format", "json")
		rep := r.report(t)
		if r.code != 1 {
			t.Fatalf("exit %d\n%s", r.code, r.stdout)
		}
		legacy := unitOf(t, rep, "legacy-db")
		if legacy.Region != central || legacy.Service != "" {
			t.Errorf("legacy-db %+v", legacy)
		}
		requireStatus(t, rep, "legacy-db", CheckRetention, Fail)
		requireStatus(t, rep, "legacy-db", CheckOwner, Warn)
		if u := unitOf(t, rep, "stopped-db"); u.State != "stopped" {
			t.Errorf("stopped-db state %q", u.State)
		}
		// A day later the stopped database's stale backups warn instead of failing.
		rep = runCLI(t, env, "backup", "check", "--config", policy, "--format", "json", "--as-of", "+26h").report(t)
		requireStatus(t, rep, "stopped-db", CheckSnapshotFreshness, Warn)
		requireStatus(t, rep, "stopped-db", CheckPITRFreshness, Warn)
	})

	t.Run("table, prometheus, replicas, strict", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "table")
		if r.code != 0 || !strings.Contains(r.stdout, "platform-database  platform-aurora [aurora]") || !strings.Contains(r.stdout, "✔ pass") {
			t.Errorf("table: exit %d\n%s", r.code, r.stdout)
		}
		r = runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "prometheus", "--as-of", "+7h")
		fams, err := parseExposition(r.stdout)
		if err != nil || r.code != 1 {
			t.Fatalf("prometheus: exit %d, %v\n%s", r.code, err, r.stdout)
		}
		if v := fams["muster_backup_unit_status"][`{id="platform-db",kind="instance",region="eu-west-1",service="platform-database",status="fail"}`]; v != 1 {
			t.Errorf("prometheus unit status %v", fams["muster_backup_unit_status"])
		}
		rep := runCLI(t, env, "backup", "check", "--config", policy, "--region", west, "--format", "json", "--include-replicas").report(t)
		if u := unitOf(t, rep, "platform-db-replica"); u.Status == Skip {
			t.Errorf("--include-replicas: replica still skipped")
		}
		if r := runCLI(t, env, "backup", "check", "--region", central, "--strict", "--format", "json", "--service", "nope"); r.code != 2 {
			t.Errorf("unknown service: exit %d", r.code)
		}
	})

	t.Run("shell baseline agrees, and is at least 10x slower", func(t *testing.T) {
		t.Parallel()
		for _, tool := range []string{"aws", "jq"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Skipf("the shell baseline (testdata/baseline.sh) needs %s on PATH", tool)
			}
		}
		asOf := time.Now().Add(26 * time.Hour)
		r := runCLI(t, env, "backup", "check", "--config", policy, "--format", "json", "--as-of", asOf.UTC().Format(time.RFC3339))
		rep := r.report(t)
		// One run of the baseline over both regions with the default RPO (24h).
		cmd := exec.Command("testdata/baseline.sh", "--as-of", fmt.Sprint(asOf.Unix()), west, central)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.Output()
		shell := time.Since(start)
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			t.Fatalf("baseline.sh: %v\n%s", err, out)
		}
		verdicts := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f := strings.Fields(line); len(f) >= 3 {
				verdicts[f[1]] = strings.Join(f[2:], " ")
			}
		}
		want := map[string]string{
			"platform-db": "fail pitr,snapshot", "platform-aurora": "fail pitr,snapshot",
			"legacy-db": "fail retention,pitr,snapshot", "stopped-db": "fail pitr,snapshot",
		}
		if len(verdicts) != len(want) {
			t.Errorf("baseline judged %v, want %d databases", verdicts, len(want))
		}
		for id, w := range want {
			if verdicts[id] != w {
				t.Errorf("baseline %s: %q, want %q", id, verdicts[id], w)
			}
			var bad []string
			u := unitOf(t, rep, id)
			for _, m := range []struct{ check, name string }{{CheckRetention, "retention"}, {CheckPITRFreshness, "pitr"}, {CheckSnapshotFreshness, "snapshot"}} {
				c, _ := u.Check(m.check)
				// muster softens a stopped database's stale backups to warn; the baseline cannot tell.
				if c.Status == Fail || (c.Status == Warn && u.State == "stopped" && strings.Contains(c.Detail, "stopped")) {
					bad = append(bad, m.name)
				}
			}
			if got := "fail " + strings.Join(bad, ","); got != w {
				t.Errorf("muster %s: %q, the baseline says %q", id, got, w)
			}
		}
		// The speed-up is BenchmarkCheckVsShellBaseline's to measure; a test on a shared
		// machine only logs it.
		t.Logf("muster %v, shell baseline %v: %.0fx", r.took, shell, shell.Seconds()/r.took.Seconds())
	})

	t.Run("unreachable endpoint is exit 2, within the timeout", func(t *testing.T) {
		t.Parallel()
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		dead := "http://" + l.Addr().String()
		l.Close()
		r := runCLI(t, cleanAWSEnv(t, dead), "backup", "check", "--region", west, "--format", "json", "--timeout", "2s")
		if r.code != 2 {
			t.Fatalf("exit %d after %v\n%s\n%s", r.code, r.took, r.stdout, r.stderr)
		}
		rep := r.report(t)
		if rep.Totals.Pass+rep.Totals.Fail != 0 || len(rep.Errors) == 0 {
			t.Errorf("%+v %v", rep.Totals, rep.Errors)
		}
	})

	t.Run("one page per 100 records per API per region", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		const region, n = "us-east-2", 120
		c := motoClient(endpoint, region)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += 4 {
					_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(fmt.Sprintf("db-%03d", i)),
						Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20),
						MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"), BackupRetentionPeriod: aws.Int32(1)})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// The clients of Run, built without the environment (parallel subtests share it).
		counter := &countingClient{next: http.DefaultClient, counts: map[string]int{}}
		client := func(r string) API {
			c := motoClient(endpoint, r)
			return rds.New(c.Options(), func(o *rds.Options) { o.HTTPClient = counter })
		}
		inv := Collect(ctx, client, []string{region, west}, []string{central}, CollectOptions{})
		if len(inv.Errors) != 0 {
			t.Fatalf("errors %v", inv.Errors)
		}
		records := map[string]int{}
		for _, in := range inv.Instances {
			records[in.Region+" DescribeDBInstances"]++
		}
		for _, c := range inv.Clusters {
			records[c.Region+" DescribeDBClusters"]++
		}
		for _, s := range inv.Snapshots {
			op := "DescribeDBSnapshots"
			if s.Cluster {
				op = "DescribeDBClusterSnapshots"
			}
			records[s.Region+" "+op]++
		}
		for _, a := range inv.AutomatedBackups {
			records[a.Region+" DescribeDBInstanceAutomatedBackups"]++
		}
		for _, s := range inv.Subscriptions {
			records[s.Region+" DescribeEventSubscriptions"]++
		}
		if records[region+" DescribeDBInstances"] != n {
			t.Fatalf("listed %d instances of %d", records[region+" DescribeDBInstances"], n)
		}
		counter.mu.Lock()
		defer counter.mu.Unlock()
		for key, got := range counter.counts {
			if strings.Contains(key, "Attributes") {
				continue // one look-up per manual snapshot, by design
			}
			limit := max(1, (records[key]+PageSize-1)/PageSize)
			if got > limit {
				t.Errorf("%s: %d requests for %d records, want at most %d", key, got, records[key], limit)
			}
			t.Logf("%s: %d request(s) for %d records", key, got, records[key])
		}
		if counter.counts[region+" DescribeDBInstances"] != 2 {
			t.Errorf("moto pages DescribeDBInstances: want 2 pages for %d instances, got %d", n, counter.counts[region+" DescribeDBInstances"])
		}
		if counter.withoutMaxRecords > 0 {
			t.Errorf("%d list requests without MaxRecords=100", counter.withoutMaxRecords)
		}
	})
}

// countingClient counts RDS requests by region and Action.
type countingClient struct {
	next              aws.HTTPClient
	mu                sync.Mutex
	counts            map[string]int
	withoutMaxRecords int
}

func (c *countingClient) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	region := ""
	if m := scopeRegion.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		region = m[1]
	}
	action := form.Get("Action")
	c.mu.Lock()
	c.counts[region+" "+action]++
	if !strings.Contains(action, "Attributes") && form.Get("MaxRecords") != "100" {
		c.withoutMaxRecords++
	}
	c.mu.Unlock()
	return c.next.Do(req)
}
