package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// stepCheckOptions tune the built-in check of a runbook step.
type stepCheckOptions struct {
	Service string // overrides the step's service
	Profile string
	Regions []string
	AsOf    time.Time
}

// runStepCheck runs the built-in check a runbook step names and returns its result as
// the journal records it. A check that could not run is status error, never pass.
func (g *globals) runStepCheck(ctx context.Context, step runbook.Step, o stepCheckOptions) (incident.CheckRun, error) {
	service := o.Service
	if service == "" {
		service = step.Service
	}
	switch step.Check {
	case "rds-backup":
	case "restore-test":
		return g.runStepRestoreTest(ctx, step, service, o), nil
	default:
		return incident.CheckRun{}, fmt.Errorf("step %s has no built-in check", step.ID)
	}
	rep, err := backup.Run(ctx, backup.Options{
		DataDir:    g.DataDir,
		PolicyFile: backup.DefaultPolicyFile(g.DataDir),
		Profile:    o.Profile,
		Regions:    o.Regions,
		AsOf:       o.AsOf,
		Service:    service,
	})
	run := incident.CheckRun{Step: step.ID, Check: step.Check}
	if err != nil {
		// The check could not run at all: recorded as error with the cause.
		run.Status, run.Summary = string(backup.Error), "backup check could not run: "+err.Error()
		return run, nil
	}
	g.saveLastBackup(&rep)
	run.Status, run.Summary = string(rep.Totals.Status), rep.Summary()
	if service != "" {
		run.Summary = "service " + service + ": " + run.Summary
	}
	if js, err := rep.JSON(); err == nil {
		run.Report = js
	}
	return run, nil
}

// saveLastBackup keeps the latest backup report for the TUI home; failing to save it
// never fails the check.
func (g *globals) saveLastBackup(rep *backup.Report) {
	_ = backup.SaveLast(g.DataDir, rep)
}

func newIncidentCheckCmd(g *globals) *cobra.Command {
	var o stepCheckOptions
	var asOf string
	cmd := &cobra.Command{
		Use:   "check ID STEP [--service NAME] [--profile P] [--region R]... [--as-of TIME]",
		Short: "Run a step's built-in check (rds-backup, restore-test) and log the result as evidence",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asOf != "" {
				t, err := parseAsOf(asOf, g.now())
				if err != nil {
					return usageError("--as-of %q: %v", asOf, err)
				}
				o.AsOf = t
			}
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				step, ok := inc.Runbook.Step(args[1])
				if !ok {
					return usageError("runbook %s has no step %q", inc.Runbook.ID, args[1])
				}
				if step.Check == "" {
					return checkFailed(fmt.Errorf("step %s has no built-in check", step.ID))
				}
				run, err := g.runStepCheck(cmd.Context(), step, o)
				if err != nil {
					return err
				}
				if err := inc.RecordCheck(run); err != nil {
					return err
				}
				saved(g, inc, "check "+run.Check+" "+run.Status+": "+run.Summary)
				switch run.Status {
				case string(backup.Fail):
					return problemsFound()
				case string(backup.Error):
					return &exitError{code: 2}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&o.Service, "service", "", "backup policy service to check (default: the step's)")
	cmd.Flags().StringVar(&o.Profile, "profile", "", "AWS profile")
	cmd.Flags().StringSliceVar(&o.Regions, "region", nil, "AWS region (repeatable)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "judge at this instant instead of now (RFC 3339, a date, or +26h / -3d)")
	return cmd
}
