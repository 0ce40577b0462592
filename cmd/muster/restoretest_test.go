package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/backup/dbtest"
	"github.com/muster-ir/muster/backup/mototest"
	"github.com/muster-ir/muster/runbook/incident"
)

// TestBackupRestoreTestCommand runs muster backup restore-test against moto, with the
// restored copy's endpoint pointed at a real PostgreSQL server, and logs the result in
// an incident; then --keep and cleanup.
func TestBackupRestoreTestCommand(t *testing.T) {
	endpoint := mototest.Start(t)
	for _, kv := range mototest.Env(endpoint, "eu-west-1") {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	pg := dbtest.StartPostgres(t, "muster", "cli-password-1")
	newest := time.Now().Add(-90 * time.Minute).UTC().Truncate(time.Second)
	pg.Exec(t, "CREATE TABLE orders (created_at timestamptz)", "INSERT INTO orders VALUES ('"+newest.Format(time.RFC3339)+"')")
	restoreTestHook = func(o *backup.RestoreTestOptions) {
		o.Poll, o.ProbeRetry = 10*time.Millisecond, 200*time.Millisecond
		o.ResolveEndpoint = func(string, int32) (string, int32) { return pg.Host, pg.Port }
		o.NewPassword = func() (string, error) { return "cli-password-1", nil }
	}
	t.Cleanup(func() { restoreTestHook = nil })

	ctx := context.Background()
	rc := mototest.Client(endpoint, "eu-west-1")
	if _, err := rc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("platform-db"), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
		BackupRetentionPeriod: aws.Int32(30),
	}); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	policy := `schema = 1
regions = ["eu-west-1"]

[[service]]
name = "platform-database"
restore_test_max_age = "30d"
rpo = "6h"
rto = "30m"
restore_probe = "SELECT max(created_at) FROM orders"

[service.match]
identifiers = ["platform-db"]
`
	if err := os.WriteFile(filepath.Join(c.home, "backup.toml"), []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "database-restore", "--severity", "critical", "--title", "Orders table corrupted"))

	// Bad input is refused before anything is restored.
	if errs := c.exits(2, "backup", "restore-test", "--service", "platform-database", "--incident", id); !strings.Contains(errs, "--incident and --step go together") {
		t.Errorf("incident without step: %s", errs)
	}
	if errs := c.exits(1, "backup", "restore-test", "--service", "platform-database", "--incident", id, "--step", "nope"); !strings.Contains(errs, `no step "nope"`) {
		t.Errorf("unknown step: %s", errs)
	}
	if errs := c.exits(2, "backup", "restore-test", "--db", "platform-db", "--format", "yaml"); !strings.Contains(errs, `"yaml"`) || !strings.Contains(errs, "want table, json or prometheus") {
		t.Errorf("bad format: %s", errs)
	}
	if errs := c.exits(2, "backup", "restore-test", "--db", "platform-db", "--keep", "soon"); !strings.Contains(errs, "--keep") {
		t.Errorf("bad keep: %s", errs)
	}

	out := c.ok("backup", "restore-test", "--service", "platform-database", "--format", "json", "--incident", id, "--step", "choose-restore-point")
	var res backup.RestoreTestResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Status != backup.Pass || res.Probe.NewestRow == nil || !res.Probe.NewestRow.Equal(newest) {
		t.Fatalf("result %+v", res)
	}
	saved, problems := backup.LoadRestoreTests(c.home)
	if len(problems) > 0 || len(saved) != 1 || saved[0].RunID != res.RunID {
		t.Fatalf("saved results %v %v", saved, problems)
	}
	v, err := (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.State.Checks); n != 1 || v.State.Checks[0].Check != "restore-test" || v.State.Checks[0].Status != "pass" || v.State.Checks[0].Step != "choose-restore-point" {
		t.Fatalf("journal checks %+v", v.State.Checks)
	}
	// The runbook step check = "restore-test" does the same from muster incident check.
	out = c.ok("incident", "check", id, "prove-restore")
	if !strings.Contains(out, "check restore-test pass") {
		t.Errorf("incident check prove-restore:\n%s", out)
	}
	v, err = (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.State.Checks); n != 2 || v.State.Checks[1].Step != "prove-restore" || !strings.Contains(v.State.Checks[1].Summary, "service platform-database: pass") || len(v.State.Checks[1].Report) == 0 {
		t.Fatalf("journal checks after incident check: %+v", v.State.Checks)
	}
	c.ok("evidence", "verify", id)

	// backup check now sees a passing restore test for platform-db.
	_, out, _ = c.run("", "backup", "check", "--format", "table")
	if !strings.Contains(out, "Restore tests:") || !strings.Contains(out, "platform-db (eu-west-1): restore tested ") || !strings.Contains(out, " ago: RTO ") {
		t.Errorf("backup check does not show the restore test:\n%s", out)
	}

	prom := c.ok("backup", "restore-test", "--db", "platform-db", "--kind", "snapshot", "--format", "prometheus")
	for _, want := range []string{`muster_restore_test_success{service="platform-database",db="platform-db",region="eu-west-1"} 1`,
		"# TYPE muster_restore_test_rto_seconds gauge", "muster_restore_test_data_age_seconds{"} {
		if !strings.Contains(prom, want) {
			t.Errorf("prometheus output lacks %q:\n%s", want, prom)
		}
	}

	// --keep leaves the copy for inspection; cleanup leaves it alone until --run names it.
	out = c.ok("backup", "restore-test", "--db", "platform-db", "--keep", "2h", "--format", "table")
	if !strings.Contains(out, "kept until") || !strings.Contains(out, "muster backup restore-test cleanup --region eu-west-1 --run rt-") {
		t.Fatalf("--keep output:\n%s", out)
	}
	out = c.ok("backup", "restore-test", "cleanup", "--older-than", "0s")
	if !strings.Contains(out, "skipped") || !strings.Contains(out, "kept until") {
		t.Fatalf("cleanup of a kept copy:\n%s", out)
	}
	run := out[strings.Index(out, "rt-"):]
	run = run[:strings.IndexByte(run, ' ')]
	out = c.ok("backup", "restore-test", "cleanup", "--run", run)
	if !strings.Contains(out, "deleted") {
		t.Fatalf("cleanup --run:\n%s", out)
	}
	if out := c.ok("backup", "restore-test", "cleanup"); !strings.Contains(out, "no restore-test resources in eu-west-1") {
		t.Fatalf("after cleanup:\n%s", out)
	}

	// Quitting the TUI while its restore-test check runs cancels the check; the process
	// waits (afterTUI) until the copy is deleted.
	var stderr strings.Builder
	g := &globals{DataDir: c.home, Actor: "alice@test", Stdout: io.Discard, Stderr: &stderr}
	deps, err := g.tuiDeps()
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := deps.Library.Get("database-restore")
	step, _ := rb.Step("prove-restore")
	tctx, quit := context.WithCancel(ctx)
	waiting := make(chan struct{})
	restoreTestHook = func(o *backup.RestoreTestOptions) {
		o.Poll = 10 * time.Millisecond
		o.Progress = func(backup.RestoreProgress) { close(waiting); quit() }
	}
	checked := make(chan incident.CheckRun, 1)
	go func() {
		run, _ := deps.RunCheck(tctx, step, "critical")
		checked <- run
	}()
	<-waiting
	if err := g.afterTUI(nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "deleting what it created") {
		t.Errorf("afterTUI did not say why it waits: %q", stderr.String())
	}
	insts, err := rc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(insts.DBInstances) != 1 {
		t.Errorf("after quitting the TUI during a restore test, moto has %d instances, want only platform-db", len(insts.DBInstances))
	}
	if run := <-checked; run.Status != "error" || !strings.Contains(run.Summary, "interrupted") {
		t.Errorf("interrupted check logged as %s: %s", run.Status, run.Summary)
	}
}

func TestRestoreProgressLineShowsElapsedAgainstTheRTO(t *testing.T) {
	var b strings.Builder
	show := progressLine(&b)
	show(backup.RestoreProgress{Resource: "muster-rt-1", Status: "creating", Elapsed: 12*time.Minute + 400*time.Millisecond, RTO: 30 * time.Minute})
	show(backup.RestoreProgress{Resource: "muster-rt-1", Status: "backing-up", Elapsed: 31 * time.Minute, RTO: 30 * time.Minute})
	want := "\r\x1b[Kwaiting for muster-rt-1 (creating): 12m0s of RTO 30m" + "\r\x1b[Kwaiting for muster-rt-1 (backing-up): 31m0s of RTO 30m (RTO missed)"
	if b.String() != want {
		t.Errorf("progress\n%q\nwant\n%q", b.String(), want)
	}
}
