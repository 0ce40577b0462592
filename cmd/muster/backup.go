package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/runbook/tomldoc"
)

// backupCheckOptions are the flags of `muster backup check`.
type backupCheckOptions struct {
	Config          string
	Profile         string
	Regions         []string
	AsOf            string
	Format          string
	Strict          bool
	IncludeReplicas bool
	Timeout         time.Duration
	Service         string
	Accounts        []string
	Concurrency     int
	Now             func() time.Time
}

func newBackupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "backup",
		Short:   "Verify RDS backups against their RPO and retention policy",
		GroupID: "verify",
	}
	cmd.AddCommand(newBackupCheckCmd(g))
	cmd.AddCommand(newBackupRestoreTestCmd(g))
	return cmd
}

func newBackupCheckCmd(g *globals) *cobra.Command {
	o := backupCheckOptions{Now: g.now}
	cmd := &cobra.Command{
		Use:   "check [--config FILE] [--profile P] [--region R]... [--as-of TIME] [--format table|json|prometheus] [--strict] [--include-replicas] [--timeout D] [--service NAME] [--account ID]... [--concurrency N]",
		Short: "Prove every RDS database can be restored within its RPO and holds its retention window",
		Long: `Reads every RDS instance and Aurora or Multi-AZ cluster of the regions through the
RDS API (read-only Describe calls) and judges each against the backup policy:
rpo, automated-backups-enabled, retention, pitr-freshness, pitr-window,
snapshot-freshness, snapshot-history, snapshot-encrypted, storage-encrypted,
snapshot-not-public, cross-region-copy, backup-health, failure-notification.

The policy is --config, else <data dir>/backup.toml when it exists, else the
built-in defaults (RPO 24h, 30 days retention). Regions: --region (repeatable),
else the policy's regions, else the configured region. Credentials and endpoint
come from the AWS SDK's default chain (environment, SSO, profiles, instance role,
AWS_ENDPOINT_URL).

--as-of judges at another instant: RFC 3339 (2026-09-01T12:00:00Z), a UTC date
and time (2026-09-01 12:00), a date, or relative to now (+26h, -3d).

Exit codes: 0 nothing failed and everything could be checked (warn counts as pass
unless --strict); 1 a check failed; 2 something could not be checked (API error,
access denied, timeout) or the command could not run. --format prometheus prints
metrics even then (muster_backup_check_complete 0, always the last line).`,
		Example: `  muster backup check
  muster backup check --region eu-west-1 --region eu-central-1 --format json
  muster backup check --format prometheus > /var/lib/node_exporter/muster_backup.prom.tmp; grep -q '^muster_backup_check_complete ' /var/lib/node_exporter/muster_backup.prom.tmp && mv /var/lib/node_exporter/muster_backup.prom.tmp /var/lib/node_exporter/muster_backup.prom`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Format == "" {
				o.Format = backup.FormatJSON
				if isTerminal(g.Stdout) {
					o.Format = backup.FormatTable
				}
			}
			return runBackupCheck(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Config, "config", "", "backup policy file (default <data dir>/backup.toml if it exists, else RPO 24h and 30 days for every database)")
	f.StringVar(&o.Profile, "profile", "", "AWS shared-config profile (default: the SDK's chain)")
	f.StringSliceVar(&o.Regions, "region", nil, "region to check (repeatable; default the policy's regions, else the configured region)")
	f.StringVar(&o.AsOf, "as-of", "", "judge at this instant instead of now (2026-09-01T06:00:00Z, \"2026-09-01 06:00\" in UTC, 2026-09-01, or +26h / -3d)")
	addEnumFlag(cmd, &o.Format, "format", "", "output: table, json or prometheus (default table on a terminal, json otherwise)", backup.FormatTable, backup.FormatJSON, backup.FormatPrometheus)
	f.BoolVar(&o.Strict, "strict", false, "warnings fail the check (exit 1)")
	f.BoolVar(&o.IncludeReplicas, "include-replicas", false, "check read replicas instead of skipping them")
	f.DurationVar(&o.Timeout, "timeout", backup.DefaultTimeout, "time limit of the whole run")
	f.StringVar(&o.Service, "service", "", "check only this service of the policy")
	f.StringArrayVar(&o.Accounts, "account", nil, "check only this account of the policy's [[accounts]] or [organization] (id or name; repeatable)")
	f.IntVar(&o.Concurrency, "concurrency", backup.DefaultConcurrency, "account x region pairs read at once in a run over accounts")
	return cmd
}

// runBackupCheck runs the check and prints the report; the exit code follows the
// report: 1 failed, 2 could not check.
func runBackupCheck(ctx context.Context, g *globals, o backupCheckOptions) error {
	reported, err := checkBackups(ctx, g, o)
	if err != nil && !reported && o.Format == backup.FormatPrometheus {
		// The metrics say it too: an alert on an incomplete check fires, where an
		// empty file would only make the series vanish.
		_ = backup.WriteNotRunPrometheus(g.Stdout, o.Now(), err)
	}
	return err
}

// checkBackups runs the check; reported is whether a report was written (an error
// without one means the check could not run).
func checkBackups(ctx context.Context, g *globals, o backupCheckOptions) (reported bool, err error) {
	if o.Concurrency <= 0 {
		return false, usageError("--concurrency %d: must be at least 1", o.Concurrency)
	}
	if o.Timeout <= 0 {
		return false, usageError("--timeout %s: must be longer than 0", o.Timeout)
	}
	var asOf time.Time
	if o.AsOf != "" {
		t, err := parseAsOf(o.AsOf, o.Now())
		if err != nil {
			return false, usageError("--as-of %q: %v", o.AsOf, err)
		}
		asOf = t
	}
	for _, r := range o.Regions {
		if err := backup.CheckRegion(strings.TrimSpace(r)); err != nil {
			return false, usageError("--region %v", err)
		}
	}
	policyFile := o.Config
	if policyFile == "" {
		policyFile = backup.DefaultPolicyFile(g.DataDir)
	}
	// A run longer than a second shows its progress on a terminal's stderr, never on a pipe.
	var progress *backup.Progress
	stopProgress := func() {}
	if isTerminal(g.Stderr) {
		progress = &backup.Progress{}
		stopProgress = backup.ShowProgress(g.Stderr, progress, time.Second, 200*time.Millisecond)
	}
	rep, err := backup.Run(ctx, backup.Options{
		DataDir:         g.DataDir,
		PolicyFile:      policyFile,
		Profile:         o.Profile,
		Regions:         o.Regions,
		AsOf:            asOf,
		IncludeReplicas: o.IncludeReplicas,
		Service:         o.Service,
		Timeout:         o.Timeout,
		Now:             o.Now,
		Progress:        progress,
		Accounts:        o.Accounts,
		Concurrency:     o.Concurrency,
	})
	stopProgress()
	if err != nil {
		var problems tomldoc.Problems
		if errors.As(err, &problems) {
			for _, p := range problems {
				fmt.Fprintln(g.Stderr, p.String())
			}
			err = fmt.Errorf("the backup policy %s has %s", policyFile, plural(len(problems), "problem"))
		} else {
			err = fmt.Errorf("backup check: %w", err)
		}
		return false, &exitError{code: 2, err: err}
	}
	if err := rep.Write(g.Stdout, o.Format, o.Format == backup.FormatTable && !g.NoColor && isTerminal(g.Stdout)); err != nil {
		return true, err
	}
	if asOf.IsZero() && o.Service == "" {
		// The TUI home shows the latest full check; keeping it never fails the check.
		_ = backup.SaveLast(g.DataDir, &rep)
	}
	switch rep.ExitCode(o.Strict) {
	case 1:
		return true, problemsFound()
	case 2:
		return true, &exitError{code: 2, err: fmt.Errorf("backup check incomplete: %s failed, %s could not be checked",
			plural(len(rep.Errors), "RDS API call"), plural(rep.Totals.Error, "unit"))}
	}
	return true, nil
}

// parseAsOf reads --as-of: RFC 3339, a UTC date-time or date, or +/- a duration from
// now (days allowed: -3d, +1d12h).
func parseAsOf(s string, now time.Time) (time.Time, error) {
	if s[0] == '+' || s[0] == '-' {
		d, err := backup.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, err
		}
		if s[0] == '-' {
			d = -d
		}
		return now.Add(d).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("want RFC 3339 (2026-09-01T12:00:00Z), 2026-09-01 12:00 (UTC), 2026-09-01, or +26h / -3d")
}
