package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/backup"
)

var backupNow = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

// tinyRDS answers like RDS for one healthy instance in every region, or AccessDenied
// for the regions in denied.
func tinyRDS(t *testing.T, denied ...string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		action := r.PostForm.Get("Action")
		for _, d := range denied {
			if strings.Contains(r.Header.Get("Authorization"), "/"+d+"/rds/") {
				w.WriteHeader(403)
				fmt.Fprintf(w, `<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized to perform rds:%s</Message></Error></ErrorResponse>`, action)
				return
			}
		}
		list := ""
		switch action {
		case "DescribeDBInstances":
			list = `<DBInstances><DBInstance><DBInstanceIdentifier>platform-db</DBInstanceIdentifier><DbiResourceId>db-P</DbiResourceId>
<Engine>postgres</Engine><DBInstanceStatus>available</DBInstanceStatus><BackupRetentionPeriod>30</BackupRetentionPeriod>
<LatestRestorableTime>2026-09-01T11:55:00Z</LatestRestorableTime><InstanceCreateTime>2025-01-01T00:00:00Z</InstanceCreateTime>
<StorageEncrypted>true</StorageEncrypted><TagList><Tag><Key>service</Key><Value>platform</Value></Tag></TagList></DBInstance></DBInstances>`
		case "DescribeDBSnapshots":
			var b strings.Builder
			b.WriteString("<DBSnapshots>")
			for d := 0; d < 31; d++ {
				ts := backupNow.Truncate(24 * time.Hour).Add(-time.Duration(d)*24*time.Hour + 2*time.Hour).Format(time.RFC3339)
				fmt.Fprintf(&b, `<DBSnapshot><DBSnapshotIdentifier>rds:platform-db-%d</DBSnapshotIdentifier><DBInstanceIdentifier>platform-db</DBInstanceIdentifier>
<DbiResourceId>db-P</DbiResourceId><Engine>postgres</Engine><SnapshotType>automated</SnapshotType><Status>available</Status>
<SnapshotCreateTime>%s</SnapshotCreateTime><Encrypted>true</Encrypted></DBSnapshot>`, d, ts)
			}
			b.WriteString("</DBSnapshots>")
			list = b.String()
		case "DescribeDBInstanceAutomatedBackups":
			list = `<DBInstanceAutomatedBackups><DBInstanceAutomatedBackup><DBInstanceIdentifier>platform-db</DBInstanceIdentifier><DbiResourceId>db-P</DbiResourceId>
<Status>active</Status><RestoreWindow><EarliestTime>2026-08-01T02:00:00Z</EarliestTime><LatestTime>2026-09-01T11:55:00Z</LatestTime></RestoreWindow></DBInstanceAutomatedBackup></DBInstanceAutomatedBackups>`
		case "DescribeEventSubscriptions":
			list = `<EventSubscriptionsList><EventSubscription><CustSubscriptionId>all</CustSubscriptionId><SourceType>db-instance</SourceType><Status>active</Status><Enabled>true</Enabled></EventSubscription></EventSubscriptionsList>`
		}
		fmt.Fprintf(w, `<%[1]sResponse><%[1]sResult>%[2]s</%[1]sResult></%[1]sResponse>`, action, list)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-west-1",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_RDS", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return srv
}

func backupCmd(t *testing.T, home string, args ...string) (int, string, string) {
	t.Helper()
	// tinyRDS's data is of backupNow: the inventory is read then.
	return cliAt(t, home).at(backupNow).run("", append([]string{"backup", "check"}, args...)...)
}

func TestBackupCheckExitCodes(t *testing.T) {
	tinyRDS(t, "eu-central-1")
	home := t.TempDir()
	asOf := backupNow.Format(time.RFC3339)

	code, out, errs := backupCmd(t, home, "--as-of", asOf, "--format", "json")
	if code != 0 {
		t.Fatalf("healthy: exit %d\n%s\n%s", code, out, errs)
	}
	rep, err := backup.ParseReport([]byte(out))
	if err != nil || rep.Totals.Pass != 1 || rep.Units[0].ID != "platform-db" {
		t.Fatalf("%v %+v", err, rep.Totals)
	}
	if _, ok, _ := backup.LoadLast(home); ok {
		t.Error("an --as-of audit must not replace the last check")
	}

	code, out, _ = backupCmd(t, home, "--as-of", "2026-09-04 12:00", "--format", "table")
	if code != 1 || !strings.Contains(out, "✘ fail") || !strings.Contains(out, "snapshot-freshness") || strings.Contains(out, "\x1b[") {
		t.Fatalf("3 days later: exit %d\n%s", code, out)
	}

	code, out, errs = backupCmd(t, home, "--as-of", asOf, "--region", "eu-west-1", "--region", "eu-central-1", "--format", "prometheus")
	if code != 2 || !strings.Contains(errs, "backup check incomplete") || !strings.Contains(out, `muster_backup_unit_status{id="eu-central-1",kind="region"`) {
		t.Fatalf("denied region: exit %d\n%s\n%s", code, out, errs)
	}

	// Without --as-of the check is the latest one and is kept for the TUI.
	code, _, _ = backupCmd(t, home, "--format", "json")
	if _, ok, err := backup.LoadLast(home); !ok || err != nil {
		t.Errorf("last check not kept (exit %d): %v", code, err)
	}

	code, out, _ = backupCmd(t, home, "--as-of", asOf)
	if code != 0 || !json.Valid([]byte(out)) {
		t.Errorf("not a terminal: JSON by default; exit %d\n%s", code, out)
	}
}

func TestBackupCheckStrictAndPolicy(t *testing.T) {
	tinyRDS(t)
	home := t.TempDir()
	policy := filepath.Join(home, "backup.toml")
	if err := os.WriteFile(policy, []byte("schema = 1\n[[service]]\nname = \"platform-database\"\nrpo = \"6h\"\n[service.match]\ntags = { service = \"platform\" }\n[[service]]\nname = \"billing\"\n[service.match]\nidentifiers = [\"billing-*\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// <data dir>/backup.toml is the default config: billing matches nothing and fails.
	code, out, _ := backupCmd(t, home, "--as-of", "2026-09-01T12:00:00Z", "--format", "json")
	if code != 1 || !strings.Contains(out, `"kind": "service"`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, _, _ = backupCmd(t, home, "--as-of", "2026-09-01T12:00:00Z", "--service", "platform-database")
	if code != 0 {
		t.Fatalf("--service platform-database: exit %d", code)
	}
	// A PITR lag of 20 minutes warns: exit 0, with --strict 1.
	code, _, _ = backupCmd(t, home, "--as-of", "2026-09-01T12:15:00Z", "--service", "platform-database")
	if code != 0 {
		t.Fatalf("warn is pass: exit %d", code)
	}
	code, _, _ = backupCmd(t, home, "--as-of", "2026-09-01T12:15:00Z", "--service", "platform-database", "--strict")
	if code != 1 {
		t.Fatalf("--strict: exit %d", code)
	}
}

func TestBackupCheckRefusesBadInput(t *testing.T) {
	tinyRDS(t)
	home := t.TempDir()
	bad := filepath.Join(home, "bad.toml")
	if err := os.WriteFile(bad, []byte("schema = 1\n[defaults]\nrpo = \"soon\"\nretension_days = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "yaml"}, `invalid argument "yaml" for "--format" flag: want table, json or prometheus`},
		{[]string{"--region", "eu-west-1a"}, `--region "eu-west-1a" is an availability zone, not a region (did you mean "eu-west-1"?)`},
		{[]string{"--region", "europe"}, `--region "europe" is not an AWS region name`},
		{[]string{"--as-of", "yesterday"}, `--as-of "yesterday"`},
		{[]string{"--timeout", "0s"}, "--timeout"},
		{[]string{"--config", bad}, bad + `:3:1: defaults.rpo: "soon" is not a duration`},
		{[]string{"--config", bad}, bad + `:4:1: unknown key "defaults.retension_days" (did you mean "retention_days"?)`},
		{[]string{"--config", filepath.Join(home, "none.toml")}, "no such policy file"},
		{[]string{"extra-arg"}, "unknown command"},
	} {
		code, _, errs := backupCmd(t, home, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestParseAsOf(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-09-01T12:00:00Z":      backupNow,
		"2026-09-01T14:00:00+02:00": backupNow,
		"2026-09-01 12:00":          backupNow,
		"2026-09-01":                backupNow.Add(-12 * time.Hour),
		"+26h":                      backupNow.Add(26 * time.Hour),
		"-3d":                       backupNow.Add(-72 * time.Hour),
	} {
		got, err := parseAsOf(in, backupNow)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseAsOf(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"+", "-x", "1 Sept", "2026-13-01"} {
		if _, err := parseAsOf(bad, backupNow); err == nil {
			t.Errorf("parseAsOf(%q) accepted", bad)
		}
	}
}
