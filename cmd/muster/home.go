package main

import (
	"context"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
	"github.com/muster-ir/muster/tui"
)

// runHome opens the TUI home screen. Without a terminal (muster | less, cron) it prints
// the help instead: the TUI needs a screen and keys.
func runHome(cmd *cobra.Command, g *globals) error {
	if !isTerminal(g.Stdin) || !isTerminal(g.Stdout) {
		return cmd.Help()
	}
	deps, err := g.tuiDeps()
	if err != nil {
		return err
	}
	couriers := &screenCouriers{g: g} // drills opened from home post to their webhooks too
	deps.DrillCourier = couriers.attach
	err = tui.Run(cmd.Context(), deps, tui.Options{Input: g.Stdin, Output: g.Stdout})
	couriers.close()
	return g.afterTUI(err)
}

// tuiDeps fills what the TUI works with from the global flags. The library's problems
// are not printed (the TUI takes the screen); home shows how many files did not load.
func (g *globals) tuiDeps() (tui.Deps, error) {
	deps, err := g.tuiDepsLater()
	if err == nil {
		deps.Library, deps.LibraryProblems = deps.ReloadLibrary()
	}
	return deps, err
}

// tuiDepsLater is tuiDeps without the runbook library: the TUI reads it with its first
// home scan, in the background. The incident screen does not need it (an incident
// keeps its frozen runbook), so `incident resume` draws its first frame without
// parsing every runbook first.
func (g *globals) tuiDepsLater() (tui.Deps, error) {
	screenActive.Store(true)
	pol, err := g.loadPolicy()
	if err != nil {
		return tui.Deps{}, err
	}
	cfg, err := g.settings()
	if err != nil {
		return tui.Deps{}, err
	}
	return tui.Deps{
		NoticeReminder: cfg.TUI.Reminder(),
		Store:          g.store(),
		Policy:         pol,
		Actor:          g.Actor,
		NoColor:        g.NoColor,
		Now:            g.Clock,
		RunCheck: func(ctx context.Context, step runbook.Step, _ string) (incident.CheckRun, error) {
			return g.runStepCheck(ctx, step, stepCheckOptions{})
		},
		LastBackup: g.lastBackup,
		RunBackup:  g.runBackupCheck,
		ReloadLibrary: func() (*runbook.Library, runbook.Problems) {
			return runbook.LoadLibrary(g.RunbookDir(), pol)
		},
	}, nil
}

// runBackupCheck runs a full backup check for home (b) and keeps it as the last one,
// as `muster backup check` does; keeping it never fails the check.
func (g *globals) runBackupCheck(ctx context.Context) (tui.BackupSummary, error) {
	rep, err := backup.Run(ctx, backup.Options{PolicyFile: backup.DefaultPolicyFile(g.DataDir), DataDir: g.DataDir})
	if err != nil {
		return tui.BackupSummary{}, err
	}
	if err := ctx.Err(); err != nil {
		// Cancelled by quitting: its calls failed for that, not for AWS; keep the last
		// real check.
		return tui.BackupSummary{}, err
	}
	_ = backup.SaveLast(g.DataDir, &rep)
	return backupSummary(&rep), nil
}

// lastBackup reads the last saved backup check for the home screen.
func (g *globals) lastBackup() (tui.BackupSummary, bool) {
	rep, ok, err := backup.LoadLast(g.DataDir)
	if err != nil {
		return tui.BackupSummary{Status: "error", Summary: "the last backup report cannot be read: " + untrusted.Line(err.Error())}, true
	}
	if !ok {
		return tui.BackupSummary{}, false
	}
	return backupSummary(&rep), true
}

// backupSummary is a backup report as home shows it.
func backupSummary(rep *backup.Report) tui.BackupSummary {
	return tui.BackupSummary{At: rep.AsOf, Status: string(rep.Totals.Status), Summary: rep.Summary(),
		Problems: rep.Totals.Fail + rep.Totals.Error}
}

// isTerminal reports whether r or w is a terminal.
func isTerminal(f any) bool {
	if f, ok := f.(interface{ Fd() uintptr }); ok {
		return term.IsTerminal(f.Fd())
	}
	return false
}
