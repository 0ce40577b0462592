package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/untrusted"
	"github.com/muster-ir/muster/tui"
)

// newIncidentResumeCmd is `muster incident resume ID`: the incident screen of the TUI,
// rebuilt from the journal, with the first step still to do selected.
func newIncidentResumeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "resume ID",
		Short: "Open an incident in the terminal UI where it stands",
		Long: `Open an incident in the terminal UI, rebuilt from its journal: the same screen as
when you quit, with the first step still to do selected. Quitting is always safe:
everything the screen showed as saved is in the journal.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentResume(cmd.Context(), g, args[0])
		},
	}
}

func runIncidentResume(ctx context.Context, g *globals, id string) error {
	if _, err := g.store().Locate(id); err != nil {
		// Not on this machine yet: fetched from the store. One that is opens at once
		// and the screen's poll catches it up, however the store answers.
		if err := g.store().SyncIncident(id); err != nil {
			fmt.Fprintf(g.Stderr, "warning: %s: %s (opening what this machine has)\n", g.team, untrusted.Line(err.Error()))
		}
	}
	if _, err := g.store().Locate(id); err != nil {
		return commandError(err)
	}
	if !isTerminal(g.Stdin) || !isTerminal(g.Stdout) {
		return usageError("incident resume opens the terminal UI and needs a terminal; muster incident show %s prints the incident", id)
	}
	deps, err := g.tuiDepsLater()
	if err != nil {
		return err
	}
	return g.afterTUI(tui.Run(ctx, deps, tui.Options{Resume: id, Input: g.Stdin, Output: g.Stdout}))
}
