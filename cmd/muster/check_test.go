package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/muster-ir/muster/backup/mototest"
	"github.com/muster-ir/muster/runbook/incident"
)

// TestIncidentCheckLogsTheBackupCheckAsEvidence runs the rds-backup step of the
// database-restore runbook against a real moto_server and checks the verdict lands in
// the journal, with the exit code of the verdict.
func TestIncidentCheckLogsTheBackupCheckAsEvidence(t *testing.T) {
	endpoint := mototest.Start(t)
	for _, kv := range mototest.Env(endpoint, "eu-west-1") {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	rc := mototest.Client(endpoint, "eu-west-1")
	if _, err := rc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("platform-db"), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
		BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true),
		Tags: []types.Tag{{Key: aws.String("service"), Value: aws.String("platform")}},
	}); err != nil {
		t.Fatal(err)
	}

	c := newCLI(t)
	id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "database-restore", "--severity", "critical", "--title", "Orders table corrupted"))
	v, _ := (&incident.Store{DataDir: c.home}).Load(id)
	var step string
	for _, s := range v.Runbook.Steps() {
		if s.Check == "rds-backup" {
			step = s.ID
		}
	}
	if step == "" {
		t.Fatal("database-restore has no rds-backup step")
	}

	// No backup policy names the step's service: the check cannot vouch for anything.
	code, out, errs := c.run("", "incident", "check", id, step, "--region", "eu-west-1")
	if code == 0 {
		t.Fatalf("a service that matches nothing passed:\n%s%s", out, errs)
	}

	policy := "schema = 1\nregions = [\"eu-west-1\"]\n\n[[service]]\nname = \"platform-database\"\nrpo = \"6h\"\nrto = \"30m\"\n\n[service.match]\ntags = { service = \"platform\" }\n"
	if err := os.WriteFile(filepath.Join(c.home, "backup.toml"), []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	// Three days on, the newest restore point is far older than the 6 h RPO.
	code, out, errs = c.run("", "incident", "check", id, step, "--as-of", "+72h")
	if code != 1 || !strings.Contains(out, "fail") {
		t.Fatalf("stale backups: exit %d\n%s%s", code, out, errs)
	}
	v, err := (&incident.Store{DataDir: c.home}).Load(id)
	if err != nil {
		t.Fatal(err)
	}
	checks := v.State.Checks
	if len(checks) != 2 || checks[1].Status != "fail" || !strings.Contains(checks[1].Summary, "platform-database") || len(checks[1].Report) == 0 {
		t.Fatalf("journal checks: %+v", checks)
	}
	if checks[0].Status == "pass" {
		t.Errorf("first check recorded as pass: %+v", checks[0])
	}
	c.ok("evidence", "verify", id)
}
