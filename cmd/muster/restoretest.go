package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/tomldoc"
)

// restoreTestHook is a test-only hook: tests of this package set it to point the probe
// at a database server they started (RestoreTestOptions.ResolveEndpoint and
// NewPassword). It is nil in muster.
var restoreTestHook func(*backup.RestoreTestOptions)

// restoreTestOptions are the flags of `muster backup restore-test`.
type restoreTestOptions struct {
	backup.RestoreTestOptions
	Format   string
	Incident string
	Step     string
}

func newBackupRestoreTestCmd(g *globals) *cobra.Command {
	var o restoreTestOptions
	var keep, timeout string
	cmd := &cobra.Command{
		Use:   "restore-test [--service NAME | --db ID] [--region R] [--point latest|random|TIME] [--kind snapshot|pitr|any] [--instance-class C] [--probe SQL] [--keep D] [--timeout D] [--format table|json|prometheus] [--incident ID --step STEP] [--database DB] [--config FILE] [--profile P]",
		Short: "Restore a backup for real, measure the RTO and the data recovered, then delete the copy",
		Long: `Restores one RDS instance or Aurora cluster from a snapshot or to a point in time,
waits until the copy is available, sets a throw-away master password on it, connects
with a real driver (PostgreSQL: pgx; MySQL and MariaDB: go-sql-driver/mysql), runs
SELECT 1 and the service's freshness query (restore_probe in the backup policy, for
example SELECT max(created_at) FROM orders), and deletes everything it created.

The copy inherits subnet group, security groups, parameter and option groups and
port from the source; it is never public, never Multi-AZ, has no deletion protection,
a smaller class of the same family by default, and the tag muster:restore-test=<run>.

Measured: time to start, time to available, time to the first successful query (the
measured RTO, judged against the policy's rto), and the newest row's age (judged
against rpo). The result is saved to <data dir>/restore-tests/<run>.json; with
--incident and --step it is logged in the incident's journal as evidence.

Deletion (skip final snapshot, delete automated backups) also happens on errors,
timeouts and Ctrl+C. --keep 2h keeps the copy and prints how to delete it; muster
backup restore-test cleanup deletes leftovers by tag.

Exit codes: 0 restored, answered, RTO and RPO met; 1 the backups failed the test (no
restore point, RTO or RPO missed, no rows); 2 it could not be judged (bad input, AWS
refused, cannot connect, a copy could not be deleted). --format prometheus prints
metrics even when the test could not run (muster_restore_test_complete 0, always the
last line).`,
		Example: `  muster backup restore-test --service platform-database
  muster backup restore-test --db platform-db --kind pitr --point random --format json
  muster backup restore-test --service platform-database --incident INC-20261202-0001 --step verify-restore
  muster backup restore-test cleanup --older-than 6h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Format == "" {
				o.Format = backup.FormatJSON
				if isTerminal(g.Stdout) {
					o.Format = backup.FormatTable
				}
			}
			o.Now = g.now
			var err error
			if keep != "" {
				if o.Keep, err = backup.ParseDuration(keep); err != nil {
					return usageError("--keep %v", err)
				}
			}
			if timeout != "" {
				if o.Timeout, err = backup.ParseDuration(timeout); err != nil || o.Timeout == 0 {
					return usageError("--timeout %q: want a duration longer than 0 (like 45m, 2h)", timeout)
				}
			}
			return runRestoreTest(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.PolicyFile, "config", "", "backup policy file (default <data dir>/backup.toml if it exists)")
	f.StringVar(&o.Profile, "profile", "", "AWS shared-config profile (default: the SDK's chain)")
	f.StringVar(&o.Region, "region", "", "region of the database (default the service's, else the policy's first, else the configured one)")
	f.StringVar(&o.Service, "service", "", "restore the database of this backup policy service")
	f.StringVar(&o.DB, "db", "", "restore this DB instance or Aurora cluster (a member names its cluster)")
	f.StringVar(&o.Point, "point", backup.PointLatest, "restore point: latest, random (within the retention window) or a time (RFC 3339)")
	addEnumFlag(cmd, &o.Kind, "kind", backup.KindAny, "restore point kind: snapshot, pitr (point in time) or any", backup.KindSnapshot, backup.KindPITR, backup.KindAny)
	f.StringVar(&o.InstanceClass, "instance-class", "", "class of the restored instance (default the policy's restore_instance_class, else the source's family at size large)")
	f.StringVar(&o.Probe, "probe", "", "freshness query returning the newest row's time (default the policy's restore_probe)")
	f.StringVar(&o.Database, "database", "", "database the probe connects to (default the policy's restore_database, else the source's)")
	f.StringVar(&keep, "keep", "", "keep the restored copy this long for inspection (like 2h) instead of deleting it")
	f.StringVar(&timeout, "timeout", "", "give up waiting after this long (default 2h; at least the RTO makes a timeout an RTO miss)")
	addEnumFlag(cmd, &o.Format, "format", "", "output: table, json or prometheus (default table on a terminal, json otherwise)", backup.FormatTable, backup.FormatJSON, backup.FormatPrometheus)
	f.StringVar(&o.Incident, "incident", "", "log the result in this incident's journal (with --step)")
	f.StringVar(&o.Step, "step", "", "the runbook step the result is evidence for")
	cmd.AddCommand(newRestoreTestCleanupCmd(g))
	return cmd
}

// runRestoreTest runs the restore test and prints its result; with --format prometheus
// a test that could not run still prints metrics that say so.
func runRestoreTest(ctx context.Context, g *globals, o restoreTestOptions) error {
	reported, err := restoreTest(ctx, g, &o)
	if err != nil && !reported && o.Format == backup.FormatPrometheus {
		// An alert on a failed or incomplete test fires, where an empty file would
		// only make the series vanish.
		_ = backup.WriteRestoreNotRunPrometheus(g.Stdout, g.now(), o.Service, o.DB, o.Region, err)
	}
	return err
}

// restoreTest runs the restore test; reported is whether its result was written.
func restoreTest(ctx context.Context, g *globals, o *restoreTestOptions) (reported bool, err error) {
	if (o.Incident == "") != (o.Step == "") {
		return false, usageError("--incident and --step go together")
	}
	if o.Incident != "" {
		// Checked before anything is restored; the journal is opened again to record,
		// so the writer lock is not held for the length of a restore.
		if err := withIncident(g, o.Incident, func(inc *incident.Incident) error {
			if _, ok := inc.Runbook.Step(o.Step); !ok {
				return checkFailed(fmt.Errorf("runbook %s has no step %q", inc.Runbook.ID, o.Step))
			}
			return nil
		}); err != nil {
			return false, err
		}
	}
	if o.PolicyFile == "" {
		o.PolicyFile = backup.DefaultPolicyFile(g.DataDir)
	}
	if isTerminal(g.Stderr) {
		o.Progress = progressLine(g.Stderr)
	}
	if restoreTestHook != nil {
		restoreTestHook(&o.RestoreTestOptions)
	}
	res, err := backup.RunRestoreTest(ctx, o.RestoreTestOptions)
	if o.Progress != nil {
		fmt.Fprint(g.Stderr, "\r\033[K")
	}
	var problems tomldoc.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(g.Stderr, p.String())
		}
		return false, &exitError{code: 2, err: fmt.Errorf("the backup policy %s has %s", o.PolicyFile, plural(len(problems), "problem"))}
	}
	if res.Source.ID == "" {
		// Nothing was looked at: bad input, said once.
		return false, &exitError{code: res.ExitCode(), err: err}
	}
	if path, serr := backup.SaveRestoreTest(g.DataDir, res); serr != nil {
		fmt.Fprintf(g.Stderr, "warning: could not save the result: %v\n", serr)
	} else if o.Format == backup.FormatTable {
		defer fmt.Fprintf(g.Stdout, "saved %s\n", path)
	}
	if werr := backup.WriteRestoreTest(g.Stdout, res, o.Format); werr != nil {
		return true, werr // stdout is gone: nothing more can be written to it
	}
	if o.Incident != "" {
		if rerr := recordRestoreTest(g, o.Incident, o.Step, res); rerr != nil {
			return true, rerr
		}
	}
	if code := res.ExitCode(); code != 0 {
		return true, &exitError{code: code, err: err}
	}
	return true, nil
}

// restoreCheckRun is a restore test as the journal records it.
func restoreCheckRun(step string, res *backup.RestoreTestResult) incident.CheckRun {
	run := incident.CheckRun{Step: step, Check: "restore-test", Status: string(res.Status), Summary: res.Summary()}
	if res.ExitCode() == 2 {
		run.Status = string(backup.Error)
	}
	if js, err := json.Marshal(res); err == nil {
		run.Report = js
	}
	return run
}

func recordRestoreTest(g *globals, id, step string, res *backup.RestoreTestResult) error {
	return withIncident(g, id, func(inc *incident.Incident) error {
		run := restoreCheckRun(step, res)
		if err := inc.RecordCheck(run); err != nil {
			return err
		}
		fmt.Fprintf(g.Stderr, "%s: check restore-test %s logged (seq %d)\n", inc.ID, run.Status, inc.State.LastSeq)
		return nil
	})
}

// progressLine redraws one line on the terminal: elapsed against the RTO.
func progressLine(w io.Writer) func(backup.RestoreProgress) {
	return func(p backup.RestoreProgress) {
		line := fmt.Sprintf("waiting for %s (%s): %s", p.Resource, p.Status, p.Elapsed.Round(time.Second))
		if p.RTO > 0 {
			line += " of RTO " + backup.Age(p.RTO)
			if p.Elapsed > p.RTO {
				line += " (RTO missed)"
			}
		}
		fmt.Fprint(w, "\r\033[K"+line)
	}
}

func newRestoreTestCleanupCmd(g *globals) *cobra.Command {
	var o backup.CleanupOptions
	var olderThan, format string
	cmd := &cobra.Command{
		Use:   "cleanup [--region R] [--older-than D] [--run ID] [--format table|json] [--profile P]",
		Short: "Delete what restore tests left behind (found by the muster:restore-test tag)",
		Long: `Finds every DB instance and cluster tagged muster:restore-test in the region and
deletes those created longer ago than --older-than (default 3h, so a restore test
still running elsewhere is left alone) whose --keep time has passed; --run deletes
one run's resources whatever their age. Instances are deleted before their cluster,
without final snapshots and with their automated backups. A deletion that fails is
reported with the exact AWS CLI command to run.

Exit codes: 0 nothing left or all deleted; 2 a deletion failed or AWS could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := backup.ParseDuration(olderThan)
			if err != nil {
				return usageError("--older-than %v", err)
			}
			o.OlderThan = d
			o.Now = g.now
			rep, err := backup.CleanupRestoreTests(cmd.Context(), o)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			if format == backup.FormatJSON {
				b, _ := json.MarshalIndent(rep, "", "  ")
				fmt.Fprintln(g.Stdout, string(b))
			} else {
				writeCleanup(g.Stdout, rep)
			}
			if n := len(rep.Cleanup.Orphans); n > 0 {
				return &exitError{code: 2, err: fmt.Errorf("%s failed; run: %s", plural(n, "deletion"), rep.Cleanup.Orphans[0].Command)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Profile, "profile", "", "AWS shared-config profile")
	f.StringVar(&o.Region, "region", "", "region (default the configured one)")
	f.StringVar(&olderThan, "older-than", "3h", "only resources created longer ago than this")
	f.StringVar(&o.RunID, "run", "", "only this run's resources, whatever their age or --keep")
	addFormatFlag(cmd, &format, backup.FormatTable, backup.FormatJSON)
	return cmd
}

func writeCleanup(w io.Writer, rep *backup.CleanupReport) {
	if len(rep.Leftovers) == 0 {
		fmt.Fprintf(w, "no restore-test resources in %s\n", rep.Region)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tKIND\tRUN\tACTION\tDETAIL")
	for _, l := range rep.Leftovers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Resource, l.Kind, l.RunID, l.Action, l.Reason)
	}
	tw.Flush()
	for _, o := range rep.Cleanup.Orphans {
		fmt.Fprintf(w, "not deleted: %s; run: %s\n", o.Resource, o.Command)
	}
}

// runStepRestoreTest runs the restore test of a runbook step (check = "restore-test")
// for service and returns it as the journal records it; a test that could not run is
// status error with its cause, never pass. The result is saved like the command's.
func (g *globals) runStepRestoreTest(ctx context.Context, step runbook.Step, service string, o stepCheckOptions) incident.CheckRun {
	g.restores.start()
	defer g.restores.done()
	ro := backup.RestoreTestOptions{PolicyFile: backup.DefaultPolicyFile(g.DataDir), Profile: o.Profile, Service: service, Now: g.now}
	if len(o.Regions) > 0 {
		ro.Region = o.Regions[0]
	}
	if restoreTestHook != nil {
		restoreTestHook(&ro)
	}
	res, err := backup.RunRestoreTest(ctx, ro)
	if res.Source.ID != "" {
		_, _ = backup.SaveRestoreTest(g.DataDir, res)
	}
	run := restoreCheckRun(step.ID, res)
	if err != nil && res.Source.ID == "" {
		run.Summary = "restore test could not run: " + err.Error()
	}
	if service != "" {
		run.Summary = "service " + service + ": " + run.Summary
	}
	return run
}

// restoresRunning counts restore tests in flight. Quitting the TUI cancels a running
// restore test, which then deletes its copy; the process must not exit before that.
type restoresRunning struct {
	wg sync.WaitGroup
	n  atomic.Int32
}

func (r *restoresRunning) start() { r.wg.Add(1); r.n.Add(1) }
func (r *restoresRunning) done()  { r.n.Add(-1); r.wg.Done() }

// afterTUI waits, saying so, for restore tests still deleting what they created when
// the TUI quit, then returns err.
func (g *globals) afterTUI(err error) error {
	g.leaveAll() // presence.go: colleagues' screens drop this responder's name
	if g.restores.n.Load() > 0 {
		fmt.Fprintln(g.Stderr, "muster: a restore test is deleting what it created; waiting for it (up to 5 minutes)…")
	}
	g.restores.wg.Wait()
	return err
}
