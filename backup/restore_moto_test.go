package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/muster-ir/muster/backup/dbtest"
	"github.com/muster-ir/muster/backup/mototest"
)

// restoreLab is moto plus a real PostgreSQL server that stands in for every restored
// copy (the test-only resolver hook points moto's endpoints at it).
type restoreLab struct {
	moto   string
	pg     *dbtest.Server
	calls  *callCounter
	policy Policy
}

const labPassword = "restore-lab-password-1"

func newRestoreLab(t *testing.T) *restoreLab {
	t.Helper()
	lab := &restoreLab{moto: mototest.Start(t), calls: &callCounter{}}
	lab.pg = dbtest.StartPostgres(t, "muster", labPassword)
	p, err := ParsePolicy("restore.toml", []byte(`schema = 1
regions = ["eu-west-1"]

[defaults]
snapshot_types = ["manual", "awsbackup"] # moto takes an automated snapshot of every new instance

[[service]]
name = "platform-database"
rpo = "6h"
rto = "30m"
restore_probe = "SELECT max(created_at) FROM orders"
restore_test_max_age = "30d"

[service.match]
identifiers = ["platform-db", "platform-aurora", "legacy-*"]
`))
	if err != nil {
		t.Fatal(err)
	}
	lab.policy = p
	return lab
}

// orders fills the probe database with rows whose newest is newest.
func (lab *restoreLab) orders(t *testing.T, newest time.Time) {
	lab.pg.Exec(t, "DROP TABLE IF EXISTS orders", "CREATE TABLE orders (id serial, created_at timestamptz NOT NULL)",
		fmt.Sprintf("INSERT INTO orders (created_at) VALUES ('%s'), ('%s'), ('%s')",
			newest.Add(-26*time.Hour).Format(time.RFC3339), newest.Add(-3*time.Hour).Format(time.RFC3339), newest.Format(time.RFC3339)))
}

func (lab *restoreLab) client() *rds.Client {
	return rds.New(rds.Options{Region: west, BaseEndpoint: aws.String(lab.moto), HTTPClient: lab.calls,
		Credentials: mototest.Client(lab.moto, west).Options().Credentials})
}

func (lab *restoreLab) options(o RestoreTestOptions) RestoreTestOptions {
	o.Policy = &lab.policy
	o.Client = lab.client()
	o.Poll = 10 * time.Millisecond
	o.ProbeRetry = 300 * time.Millisecond
	o.ResolveEndpoint = func(string, int32) (string, int32) { return lab.pg.Host, lab.pg.Port }
	o.NewPassword = func() (string, error) { return labPassword, nil }
	return o
}

// seedInstance creates a PostgreSQL instance with 30 days of backups and a manual
// snapshot.
func (lab *restoreLab) seedInstance(t *testing.T, id, engine string) {
	t.Helper()
	c := mototest.Client(lab.moto, west)
	ctx := context.Background()
	_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id), Engine: aws.String(engine), DBInstanceClass: aws.String("db.r6g.2xlarge"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("source-password-1"),
		BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true), Port: aws.Int32(5432),
		Tags: []types.Tag{{Key: aws.String("service"), Value: aws.String("platform")}},
	})
	if err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	if _, err := c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(id), DBSnapshotIdentifier: aws.String(id + "-manual")}); err != nil {
		t.Fatalf("snapshot %s: %v", id, err)
	}
}

// leftovers lists every instance and cluster in moto that carries the restore-test tag.
func (lab *restoreLab) leftovers(t *testing.T) []string {
	t.Helper()
	c := mototest.Client(lab.moto, west)
	ctx := context.Background()
	var out []string
	insts, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts.DBInstances {
		if isRestoreTest(i.TagList) || strings.HasPrefix(aws.ToString(i.DBInstanceIdentifier), "muster-") {
			out = append(out, aws.ToString(i.DBInstanceIdentifier))
		}
	}
	cls, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range cls.DBClusters {
		if isRestoreTest(cl.TagList) || strings.HasPrefix(aws.ToString(cl.DBClusterIdentifier), "muster-") {
			out = append(out, aws.ToString(cl.DBClusterIdentifier))
		}
	}
	return out
}

// callCounter counts the HTTP requests the SDK sends (one per API call attempt).
type callCounter struct {
	n atomic.Int64
}

func (c *callCounter) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultClient.Do(r)
}

// TestRestoreTest runs every restore-test case against one moto and one PostgreSQL
// server (starting them is most of the cost).
func TestRestoreTest(t *testing.T) {
	lab := newRestoreLab(t)
	lab.seedInstance(t, "platform-db", "postgres")
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *restoreLab)
	}{
		{"snapshot restore probed on real PostgreSQL", restoreSnapshotProbesRealPostgres},
		{"latest PITR misses the RPO on stale rows", restoreLatestPITRMissesRPOOnStaleRows},
		{"Aurora cluster", restoreAuroraCluster},
		{"bad input", restoreBadInput},
		{"faults", restoreFaults},
		{"MariaDB probed with go-sql-driver/mysql", restoreMariaDB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, lab)
			if left := lab.leftovers(t); len(left) > 0 {
				t.Fatalf("left running: %v", left)
			}
		})
	}
}

func near(got float64, want time.Duration) bool {
	return math.Abs(got-want.Seconds()) < 120
}

func restoreSnapshotProbesRealPostgres(t *testing.T, lab *restoreLab) {
	newest := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	lab.orders(t, newest)

	var seen []types.DBInstance
	o := lab.options(RestoreTestOptions{Service: "platform-database", Kind: KindSnapshot})
	o.Progress = func(p RestoreProgress) {
		out, err := mototest.Client(lab.moto, west).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(p.Resource)})
		if err == nil {
			seen = append(seen, out.DBInstances...)
		}
		if p.RTO != 30*time.Minute {
			t.Errorf("progress RTO = %s, want the service's 30m", p.RTO)
		}
	}
	res, err := RunRestoreTest(context.Background(), o)
	if err != nil {
		t.Fatalf("restore test: %v\n%s", err, res.Summary())
	}
	if res.Status != Pass || res.ExitCode() != 0 {
		t.Fatalf("status %s, exit %d: %s", res.Status, res.ExitCode(), res.Summary())
	}
	if res.Point.Kind != KindSnapshot || res.Point.Snapshot != "platform-db-manual" {
		t.Errorf("restore point %+v, want the manual snapshot", res.Point)
	}
	if !res.Probe.Select1 || res.Probe.NewestRow == nil || !res.Probe.NewestRow.Equal(newest) {
		t.Errorf("probe %+v, want SELECT 1 and newest row %s", res.Probe, newest)
	}
	// The snapshot was taken now, the newest row is 2 h older: 2 h of data age.
	if res.DataAgeSeconds == nil || !near(*res.DataAgeSeconds, 2*time.Hour) || res.DataAgeBasis != "restore point" {
		t.Errorf("data age %v (%s), want about 2h before the restore point", res.DataAgeSeconds, res.DataAgeBasis)
	}
	if res.RPOMet == nil || !*res.RPOMet || res.RTOMet == nil || !*res.RTOMet {
		t.Errorf("RPO met %v, RTO met %v: want both met", res.RPOMet, res.RTOMet)
	}
	if res.Restored.Class != "db.r6g.large" {
		t.Errorf("restored class %q, want the source's family at size large", res.Restored.Class)
	}
	if len(seen) == 0 {
		t.Fatal("the progress hook never saw the restored instance")
	}
	got := seen[0]
	tags := tagMap(got.TagList)
	if aws.ToBool(got.PubliclyAccessible) || aws.ToBool(got.MultiAZ) || aws.ToBool(got.DeletionProtection) ||
		tags[RestoreTestTag] != res.RunID || tags[RestoreSourceTag] != "platform-db" {
		t.Errorf("restored instance public=%v multiAZ=%v protected=%v tags=%v: want private, single-AZ, deletable, tagged %s",
			aws.ToBool(got.PubliclyAccessible), aws.ToBool(got.MultiAZ), aws.ToBool(got.DeletionProtection), tags, res.RunID)
	}
	if left := lab.leftovers(t); len(left) > 0 {
		t.Errorf("left running: %v", left)
	}
	if len(res.Cleanup.Deleted) != 1 || len(res.Cleanup.Orphans) != 0 {
		t.Errorf("cleanup %+v", res.Cleanup)
	}
	t.Logf("API calls: %d; %s", lab.calls.n.Load(), res.Summary())
}

func restoreLatestPITRMissesRPOOnStaleRows(t *testing.T, lab *restoreLab) {
	lab.orders(t, time.Now().Add(-8*time.Hour).Truncate(time.Second))
	res, err := RunRestoreTest(context.Background(), lab.options(RestoreTestOptions{DB: "platform-db", Kind: KindPITR}))
	if err == nil || res.Status != Fail || res.ExitCode() != 1 {
		t.Fatalf("err %v, status %s: want fail (RPO missed)", err, res.Status)
	}
	if !strings.Contains(err.Error(), "RPO missed") || res.DataAgeBasis != "restore start" || !near(*res.DataAgeSeconds, 8*time.Hour) {
		t.Errorf("error %q, data age %v (%s): want RPO missed by an 8h-old newest row", err, *res.DataAgeSeconds, res.DataAgeBasis)
	}
	if res.Point.Kind != KindPITR || !res.Point.Latest {
		t.Errorf("point %+v, want the latest restorable time", res.Point)
	}
	if left := lab.leftovers(t); len(left) > 0 {
		t.Errorf("left running: %v", left)
	}
}

func restoreAuroraCluster(t *testing.T, lab *restoreLab) {
	lab.orders(t, time.Now().Add(-time.Hour))
	c := mototest.Client(lab.moto, west)
	ctx := context.Background()
	_, err := c.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("platform-aurora"), Engine: aws.String("aurora-postgresql"),
		MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("source-password-1"),
		BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("platform-aurora-1"), Engine: aws.String("aurora-postgresql"),
		DBInstanceClass: aws.String("db.r6g.4xlarge"), DBClusterIdentifier: aws.String("platform-aurora")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("platform-aurora"),
		DBClusterSnapshotIdentifier: aws.String("platform-aurora-manual")}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{KindSnapshot, KindPITR} {
		res, err := RunRestoreTest(ctx, lab.options(RestoreTestOptions{DB: "platform-aurora-1", Kind: kind}))
		if err != nil || res.Status != Pass {
			t.Fatalf("%s: %v\n%s", kind, err, res.Summary())
		}
		if res.Source.Kind != KindAuroraCluster || res.Restored.Cluster == "" || res.Restored.Instance != res.Restored.Cluster+"-1" || res.Restored.Class != "db.r6g.large" {
			t.Errorf("%s: source %+v restored %+v: want the cluster restored with one db.r6g.large instance", kind, res.Source, res.Restored)
		}
		if len(res.Cleanup.Deleted) != 2 {
			t.Errorf("%s: deleted %v, want the instance and the cluster", kind, res.Cleanup.Deleted)
		}
	}
	if left := lab.leftovers(t); len(left) > 0 {
		t.Errorf("left running: %v", left)
	}
}

func restoreBadInput(t *testing.T, lab *restoreLab) {
	lab.orders(t, time.Now().Add(-time.Hour))
	c := mototest.Client(lab.moto, west)
	ctx := context.Background()
	if _, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("legacy-oracle"), Engine: aws.String("oracle-ee"),
		DBInstanceClass: aws.String("db.m5.large"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"),
		MasterUserPassword: aws.String("source-password-1"), BackupRetentionPeriod: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("legacy-nobackup"), Engine: aws.String("postgres"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"),
		MasterUserPassword: aws.String("source-password-1"), BackupRetentionPeriod: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    RestoreTestOptions
		code int
		want string
	}{
		{"no source named", RestoreTestOptions{}, 2, "--service NAME or --db ID"},
		{"unknown service", RestoreTestOptions{Service: "billing"}, 2, `no service "billing"`},
		{"unknown database", RestoreTestOptions{DB: "nope"}, 2, `no DB instance or cluster "nope" in eu-west-1`},
		{"bad kind", RestoreTestOptions{DB: "platform-db", Kind: "tape"}, 2, `--kind "tape"`},
		{"point outside the window", RestoreTestOptions{DB: "platform-db", Point: "2020-01-01T00:00:00Z"}, 2, "outside the restore window of platform-db"},
		{"point not a time", RestoreTestOptions{DB: "platform-db", Point: "yesterday"}, 2, `--point "yesterday"`},
		{"no restore point", RestoreTestOptions{DB: "legacy-nobackup"}, 1, "legacy-nobackup has no restore point"},
		{"wrong query", RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot, Probe: "SELECT max(created) FROM ordres"}, 2, `relation "ordres" does not exist`},
		{"query not a time", RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot, Probe: "SELECT 'soon'"}, 2, `its value "soon" is not a time`},
		{"engine it cannot probe", RestoreTestOptions{DB: "legacy-oracle"}, 2, "cannot probe engine oracle-ee"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := RunRestoreTest(ctx, lab.options(tc.o))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if res.ExitCode() != tc.code {
				t.Errorf("exit %d, want %d (%s)", res.ExitCode(), tc.code, err)
			}
			if tc.name == "engine it cannot probe" && res.Available.IsZero() {
				t.Error("time to available not measured for an engine muster cannot probe")
			}
			if left := lab.leftovers(t); len(left) > 0 {
				t.Errorf("left running: %v", left)
			}
		})
	}
	t.Run("credentials refused", func(t *testing.T) {
		o := lab.options(RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot})
		o.NewPassword = func() (string, error) { return "not-the-password", nil }
		res, err := RunRestoreTest(ctx, o)
		if err == nil || !strings.Contains(err.Error(), "credentials refused by") || !strings.Contains(err.Error(), "SQLSTATE 28P01") || res.ExitCode() != 2 {
			t.Fatalf("error %v exit %d, want credentials refused, exit 2", err, res.ExitCode())
		}
		if strings.Contains(err.Error(), "not-the-password") {
			t.Error("the error shows the password")
		}
		if left := lab.leftovers(t); len(left) > 0 {
			t.Errorf("left running: %v", left)
		}
	})
}

// faultProxy stands between muster and moto: fault may answer a call itself (by RDS
// action) or change moto's answer.
type faultProxy struct {
	*httptest.Server
	mu      sync.Mutex
	actions []string
}

type rdsFault func(action string, form url.Values) (status int, body string, rewrite func(string) string)

func newFaultProxy(t *testing.T, moto string, f rdsFault) *faultProxy {
	target, _ := url.Parse(moto)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &faultProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		action := form.Get("Action")
		p.mu.Lock()
		p.actions = append(p.actions, action)
		p.mu.Unlock()
		status, answer, rewrite := f(action, form)
		if status != 0 {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(status)
			io.WriteString(w, answer)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if rewrite == nil {
			rp.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		io.WriteString(w, rewrite(rec.Body.String()))
	}))
	t.Cleanup(p.Close)
	return p
}

func rdsError(code, msg string) string {
	return fmt.Sprintf(`<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fault</RequestId></ErrorResponse>`, code, msg)
}

func restoreFaults(t *testing.T, lab *restoreLab) {
	lab.orders(t, time.Now().Add(-time.Hour))
	ctx := context.Background()
	via := func(p *faultProxy, o RestoreTestOptions) RestoreTestOptions {
		o = lab.options(o)
		o.Client = rds.New(rds.Options{Region: west, BaseEndpoint: aws.String(p.URL), RetryMaxAttempts: 1,
			Credentials: mototest.Client(lab.moto, west).Options().Credentials})
		return o
	}

	t.Run("restore refused: quota", func(t *testing.T) {
		p := newFaultProxy(t, lab.moto, func(action string, _ url.Values) (int, string, func(string) string) {
			if action == "RestoreDBInstanceFromDBSnapshot" {
				return 400, rdsError("InstanceQuotaExceeded", "DB instance quota exceeded"), nil
			}
			return 0, "", nil
		})
		res, err := RunRestoreTest(ctx, via(p, RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot}))
		if err == nil || !strings.Contains(err.Error(), "quota or capacity (InstanceQuotaExceeded)") || res.ExitCode() != 2 {
			t.Fatalf("error %v exit %d", err, res.ExitCode())
		}
		if left := lab.leftovers(t); len(left) > 0 {
			t.Errorf("left running: %v", left)
		}
	})

	t.Run("restore refused: subnet group gone", func(t *testing.T) {
		p := newFaultProxy(t, lab.moto, func(action string, _ url.Values) (int, string, func(string) string) {
			if action == "RestoreDBInstanceToPointInTime" {
				return 404, rdsError("DBSubnetGroupNotFoundFault", "DBSubnetGroup platform-subnets not found."), nil
			}
			return 0, "", nil
		})
		_, err := RunRestoreTest(ctx, via(p, RestoreTestOptions{DB: "platform-db", Kind: KindPITR}))
		if err == nil || !strings.Contains(err.Error(), "subnet group no longer exists") || !strings.Contains(err.Error(), "platform-subnets") {
			t.Fatalf("error %v", err)
		}
	})

	// rtoMissed runs a snapshot restore test through p with an RTO of 200ms and a
	// timeout of 300ms: it must fail with want in its error, exit 1, and leave nothing
	// running.
	rtoMissed := func(t *testing.T, p *faultProxy, want string) {
		t.Helper()
		pol := lab.policy
		pol.Services = append([]Service{}, pol.Services...)
		pol.Services[0].Rules.RTO = 200 * time.Millisecond
		o := via(p, RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot, Timeout: 300 * time.Millisecond})
		o.Policy = &pol
		res, err := RunRestoreTest(ctx, o)
		if err == nil || !strings.Contains(err.Error(), want) || res.ExitCode() != 1 {
			t.Fatalf("error %v exit %d, want RTO missed (exit 1)", err, res.ExitCode())
		}
		if left := lab.leftovers(t); len(left) > 0 {
			t.Errorf("left running after the timeout: %v", left)
		}
	}

	t.Run("never available: timeout misses the RTO", func(t *testing.T) {
		p := newFaultProxy(t, lab.moto, func(action string, _ url.Values) (int, string, func(string) string) {
			if action == "DescribeDBInstances" {
				return 0, "", func(s string) string {
					return strings.ReplaceAll(s, "<DBInstanceStatus>available</DBInstanceStatus>", "<DBInstanceStatus>creating</DBInstanceStatus>")
				}
			}
			return 0, "", nil
		})
		rtoMissed(t, p, "RTO 200ms missed")
	})

	t.Run("restore request slower than the timeout: RTO missed", func(t *testing.T) {
		// The time runs out during the restore call itself (a slow or loaded API):
		// the same verdict as a copy that never becomes available, not an API error.
		p := newFaultProxy(t, lab.moto, func(action string, _ url.Values) (int, string, func(string) string) {
			if action == "RestoreDBInstanceFromDBSnapshot" {
				time.Sleep(600 * time.Millisecond)
			}
			return 0, "", nil
		})
		rtoMissed(t, p, "timed out after 300ms asking RDS for the copy: RTO 200ms missed")
	})

	t.Run("delete refused: orphan reported with the command", func(t *testing.T) {
		p := newFaultProxy(t, lab.moto, func(action string, _ url.Values) (int, string, func(string) string) {
			if action == "DeleteDBInstance" {
				return 403, rdsError("AccessDenied", "not authorized to perform rds:DeleteDBInstance"), nil
			}
			return 0, "", nil
		})
		res, err := RunRestoreTest(ctx, via(p, RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot}))
		if err == nil || res.ExitCode() != 2 || len(res.Cleanup.Orphans) != 1 {
			t.Fatalf("error %v exit %d orphans %v", err, res.ExitCode(), res.Cleanup.Orphans)
		}
		o := res.Cleanup.Orphans[0]
		want := "aws rds delete-db-instance --region eu-west-1 --db-instance-identifier " + res.Restored.Instance + " --skip-final-snapshot --delete-automated-backups"
		if o.Command != want || !strings.Contains(err.Error(), want) {
			t.Errorf("orphan command %q (error %v), want %q", o.Command, err, want)
		}
		// Clean up for the other cases, as the reported command would.
		if _, err := mototest.Client(lab.moto, west).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(o.Resource), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Ctrl+C during the wait deletes everything", func(t *testing.T) {
		p := newFaultProxy(t, lab.moto, func(action string, _ url.Values) (int, string, func(string) string) {
			if action == "DescribeDBInstances" {
				return 0, "", func(s string) string {
					return strings.ReplaceAll(s, "<DBInstanceStatus>available</DBInstanceStatus>", "<DBInstanceStatus>creating</DBInstanceStatus>")
				}
			}
			return 0, "", nil
		})
		cctx, cancel := context.WithCancel(ctx)
		o := via(p, RestoreTestOptions{DB: "platform-db", Kind: KindSnapshot})
		polls := 0
		o.Progress = func(RestoreProgress) {
			if polls++; polls == 3 {
				cancel() // what Ctrl+C does to the command's context
			}
		}
		res, err := RunRestoreTest(cctx, o)
		if err == nil || !strings.Contains(err.Error(), "interrupted") || res.ExitCode() != 2 {
			t.Fatalf("error %v exit %d", err, res.ExitCode())
		}
		if len(res.Cleanup.Deleted) != 1 {
			t.Errorf("deleted %v, want the restored instance", res.Cleanup.Deleted)
		}
		if left := lab.leftovers(t); len(left) > 0 {
			t.Errorf("moto still has %v after Ctrl+C", left)
		}
	})
}

// BenchmarkRestoreTest runs whole restore tests (instance snapshot, found by service)
// against moto and a real PostgreSQL: moto restores at once, so the time is what muster
// adds around a restore (discovery, the restore call, the password, connecting,
// SELECT 1, the freshness query, deletion). It reports the RDS calls per run and the
// parts: before the restore call returns, from available to the first answer, and
// from the first answer to the end of cleanup.
func BenchmarkRestoreTest(b *testing.B) {
	lab := &restoreLab{moto: mototest.Start(b), calls: &callCounter{}}
	lab.pg = dbtest.StartPostgres(b, "muster", labPassword)
	p, err := ParsePolicy("bench.toml", []byte("schema = 1\nregions = [\"eu-west-1\"]\n[defaults]\nsnapshot_types = [\"manual\"]\n"+
		"[[service]]\nname = \"platform-database\"\nrpo = \"6h\"\nrto = \"30m\"\nrestore_probe = \"SELECT max(created_at) FROM orders\"\n"+
		"[service.match]\nidentifiers = [\"platform-db\"]\n"))
	if err != nil {
		b.Fatal(err)
	}
	lab.policy = p
	c := mototest.Client(lab.moto, west)
	ctx := context.Background()
	if _, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("platform-db"), Engine: aws.String("postgres"),
		DBInstanceClass: aws.String("db.r6g.xlarge"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"),
		MasterUserPassword: aws.String("source-password-1"), BackupRetentionPeriod: aws.Int32(30)}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("platform-db"), DBSnapshotIdentifier: aws.String("platform-db-manual")}); err != nil {
		b.Fatal(err)
	}
	lab.pg.Exec(b, "CREATE TABLE orders (created_at timestamptz)", "INSERT INTO orders SELECT now() - i * interval '1 minute' FROM generate_series(1, 10000) i")
	var before, probe, after time.Duration
	lab.calls.n.Store(0)
	b.ResetTimer()
	for b.Loop() {
		o := RestoreTestOptions{Service: "platform-database", Kind: KindSnapshot, Policy: &lab.policy, Client: lab.client(),
			Poll: time.Second, ProbeRetry: time.Second,
			ResolveEndpoint: func(string, int32) (string, int32) { return lab.pg.Host, lab.pg.Port },
			NewPassword:     func() (string, error) { return labPassword, nil }}
		res, err := RunRestoreTest(ctx, o)
		if err != nil || res.Status != Pass {
			b.Fatalf("%v %s", err, res.Summary())
		}
		before += res.Started.Sub(res.Began)
		probe += res.FirstQuery.Sub(res.Available)
		after += res.Ended.Sub(res.FirstQuery)
	}
	n := float64(b.N)
	b.ReportMetric(float64(lab.calls.n.Load())/n, "api-calls/op")
	b.ReportMetric(float64(before.Milliseconds())/n, "ms-to-start/op")
	b.ReportMetric(float64(probe.Milliseconds())/n, "ms-available-to-query/op")
	b.ReportMetric(float64(after.Milliseconds())/n, "ms-query-to-cleaned/op")
}

func restoreMariaDB(t *testing.T, lab *restoreLab) {
	maria := dbtest.StartMariaDB(t, "muster", labPassword, "shop")
	newest := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
	maria.Exec(t, "CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, created_at DATETIME NOT NULL)",
		fmt.Sprintf("INSERT INTO shop.orders (created_at) VALUES ('%s'), ('%s')",
			newest.Add(-time.Hour).Format("2006-01-02 15:04:05"), newest.Format("2006-01-02 15:04:05")))
	c := mototest.Client(lab.moto, west)
	ctx := context.Background()
	if _, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("legacy-shop"), Engine: aws.String("mariadb"), EngineVersion: aws.String("10.11.9"), // moto has no default version for mariadb

		DBInstanceClass: aws.String("db.m5.xlarge"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"),
		MasterUserPassword: aws.String("source-password-1"), BackupRetentionPeriod: aws.Int32(7), Port: aws.Int32(3306)}); err != nil {
		t.Fatal(err)
	}
	o := lab.options(RestoreTestOptions{DB: "legacy-shop", Kind: KindPITR, Database: "shop"})
	o.ResolveEndpoint = func(string, int32) (string, int32) { return maria.Host, maria.Port }
	res, err := RunRestoreTest(ctx, o)
	if err != nil || res.Status != Pass {
		t.Fatalf("%v\n%s", err, res.Summary())
	}
	if res.Probe.Driver != DriverMySQL || res.Probe.NewestRow == nil || !res.Probe.NewestRow.Equal(newest) || !near(*res.DataAgeSeconds, 3*time.Hour) {
		t.Errorf("probe %+v, data age %v: want mysql, newest row %s, about 3h", res.Probe, *res.DataAgeSeconds, newest)
	}
	if res.Restored.Class != "db.m5.large" {
		t.Errorf("class %s", res.Restored.Class)
	}
	o.NewPassword = func() (string, error) { return "wrong-password", nil }
	_, err = RunRestoreTest(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "credentials refused") || !strings.Contains(err.Error(), "MySQL error 1045") {
		t.Errorf("wrong password on MariaDB: %v", err)
	}
}
